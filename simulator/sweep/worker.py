"""Preloaded by every Dask worker of a sweep while it starts (``--preload``).

Importing the simulator (pandapipes, pandapower, numba, xarray: ~2 s) here instead of in the
first case lets a worker do it while the client still warms the numba cache and other jobs
still start. Nothing is compiled here: the compiled code is loaded, from the cache the client
warmed, by the first case.
"""

from __future__ import annotations

import simulator.api  # noqa: F401 - the import is the point

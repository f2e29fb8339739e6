"""The grid room: the electricity grid behind its pandapower adapter.

:class:`ElectricGrid` (``network.py``) is the adapter; ``fast.py`` is its fast Newton-Raphson
path on pandapower's stored matrices. Only this package imports pandapower.
"""

# before pandapower loads: its numba functions are then compiled once and cached on disk
from simulator import jitcache

jitcache.install()

from simulator.grid.network import ElectricGrid, GridState  # noqa: E402

__all__ = ["ElectricGrid", "GridState"]

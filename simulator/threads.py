"""One BLAS/OpenMP thread per process, unless the user chose otherwise.

The simulator's parallelism is one case (or one hour) per process; a numpy or scipy that also
starts a BLAS/OpenMP thread per core then oversubscribes the cores (2 sweep workers on 2 cores
would run 4 busy threads). These variables are read once, when numpy (OpenBLAS, MKL) or an
OpenMP runtime loads, so they must be in the environment before that: the CLI sets them first
thing, sweep workers get them through the Dask nanny's environment (``local``) or the job
script (``slurm``, ``pbs``). No imports here beyond ``os``: this module must load before numpy.
"""

from __future__ import annotations

import os
from collections.abc import MutableMapping

#: the thread-count variables of OpenMP, OpenBLAS, MKL, BLIS, Apple Accelerate and numexpr
THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
                    "BLIS_NUM_THREADS", "VECLIB_MAXIMUM_THREADS", "NUMEXPR_NUM_THREADS")


def pin_threads(environ: MutableMapping[str, str] | None = None) -> dict[str, str]:
    """Set every variable of :data:`THREAD_VARIABLES` to ``1`` in ``environ`` (default
    ``os.environ``) unless any of them is already set (then the user's choice stands and
    nothing changes); the variables that govern a process started with ``environ``.

    Effective in this process only when called before numpy loads.
    """
    env = os.environ if environ is None else environ
    chosen = {name: env[name] for name in THREAD_VARIABLES if env.get(name)}
    if chosen:
        return chosen
    pinned = dict.fromkeys(THREAD_VARIABLES, "1")
    env.update(pinned)
    if environ is None:
        _limit_loaded_pools()
    return pinned


def _limit_loaded_pools() -> None:
    """One thread for the BLAS/OpenMP pools of libraries this process already loaded (the
    variables reach only libraries loaded later), through ``threadpoolctl`` when installed and
    only when numpy is already loaded: importing threadpoolctl costs nothing then."""
    import sys

    if "numpy" not in sys.modules:
        return
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        return
    threadpool_limits(limits=1)

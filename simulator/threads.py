"""One BLAS/OpenMP thread per process, unless the user chose otherwise.

The simulator's dense solves are small (the fast grid path's Jacobian, the heat predictor's loop
system): a multi-threaded BLAS only adds synchronisation, and on a shared machine, or with one
Dask worker per core, its threads compete for the same cores (measured in issue 13: ~100 ms per
fast power flow with the default threads on a busy 2-core machine, 5.6 ms with one). The
command line calls :func:`pin_threads` first thing, and sweep workers should too.

Environment variables set by the user win: then nothing is changed.
"""

from __future__ import annotations

import os

#: the thread-count variables of OpenMP, OpenBLAS, MKL, Apple Accelerate and numexpr
THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
                    "VECLIB_MAXIMUM_THREADS", "NUMEXPR_NUM_THREADS")


def pin_threads(threads: int = 1) -> bool:
    """Limit BLAS/OpenMP pools to ``threads`` per process; False if the user set any of
    :data:`THREAD_VARIABLES` (then nothing changes).

    Sets the variables (libraries loaded later and child processes read them) and, through
    ``threadpoolctl``, limits the pools of libraries already loaded (numpy's BLAS).
    """
    if any(os.environ.get(v) for v in THREAD_VARIABLES):
        return False
    for var in THREAD_VARIABLES:
        os.environ[var] = str(threads)
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # the variables still reach libraries loaded from now on
        return True
    threadpool_limits(limits=threads)
    return True

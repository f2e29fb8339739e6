"""Compiled numba code kept on disk, so that a new process does not compile the solvers again.

pandapipes 0.16 and pandapower 3.3.3 declare their numba functions with ``cache=False`` (apart
from three small pandapower helpers), so every new process, e.g. every sweep worker or SLURM
job, compiled them again on its first hour, at a cost of more CPU than a 720-hour
Schutterwald case (measured on the manual's Speed page, ``docs/benchmarks/index.md``).
:func:`install` wraps ``numba.jit`` so that the functions *of these two packages* are compiled
with ``cache=True``; numba then writes them to ``NUMBA_CACHE_DIR`` when it is set, else beside
their sources (``__pycache__`` in the environment) or, when that is read-only, the user's cache
directory, and a later process loads them (~0.5 s) instead of compiling. numba keys each entry
by the source file's modification time and size, the signature and the CPU, so an upgraded
package or another CPU model compiles afresh instead of using stale code. A location that
cannot be written makes numba refuse ``cache=True``; the function is then compiled as the
library asked, without a cache.

The heat and grid rooms call :func:`install` before they import their solver (the jitted
functions are decorated when their modules load, some of them lazily on the first solve).
``DISTRICTSIM_NUMBA_CACHE=0`` turns it off. Sweeps point ``NUMBA_CACHE_DIR`` at the output
directory and warm it once in the client (:mod:`simulator.sweep.runner`).
"""

from __future__ import annotations

import functools
import inspect
import os
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

#: packages whose numba functions are cached (the simulator's own ask for it themselves)
PACKAGES = ("pandapipes", "pandapower")
SWITCH = "DISTRICTSIM_NUMBA_CACHE"
_MARK = "__districtsim_cache__"


def enabled() -> bool:
    """False when ``DISTRICTSIM_NUMBA_CACHE`` is ``0``, ``off``, ``no`` or ``false``."""
    return os.environ.get(SWITCH, "1").strip().lower() not in ("0", "off", "no", "false")


def _ours(func: Any) -> bool:
    module = getattr(func, "__module__", None) or ""
    return module.split(".")[0] in PACKAGES


def _compiled(make: Callable[[dict[str, Any]], Any], kwargs: dict[str, Any]) -> Any:
    """``make`` with ``cache=True``; as asked when numba finds no writable cache location."""
    try:
        return make({**kwargs, "cache": True})
    except RuntimeError as err:  # "cannot cache function ...: no locator available"
        if "cannot cache" not in str(err):
            raise
        return make(kwargs)


def _caching(jit: Callable[..., Any]) -> Callable[..., Any]:
    """``jit`` that caches the functions of :data:`PACKAGES`; others exactly as asked."""

    @functools.wraps(jit)
    def caching_jit(*args: Any, **kwargs: Any) -> Any:
        if kwargs.get("cache") or len(args) > 2 or not enabled():
            return jit(*args, **kwargs)
        if args and inspect.isfunction(args[0]):  # @jit without arguments, or jit(func, ...)
            if not _ours(args[0]):
                return jit(*args, **kwargs)
            return _compiled(lambda kw: jit(*args, **kw), kwargs)

        def decorate(func: Any) -> Any:  # @jit(signature, nopython=True, cache=False)
            if not _ours(func):
                return jit(*args, **kwargs)(func)
            return _compiled(lambda kw: jit(*args, **kw)(func), kwargs)

        return decorate

    setattr(caching_jit, _MARK, True)
    return caching_jit


def install() -> bool:
    """Make ``numba.jit``/``numba.njit`` cache pandapipes' and pandapower's functions from now
    on (idempotent); False when switched off or numba is missing. Functions decorated before
    (a solver imported earlier in this process) stay uncached."""
    if not enabled():
        return False
    try:
        import numba
    except ImportError:
        return False
    for name in ("jit", "njit"):
        current = getattr(numba, name)
        if not getattr(current, _MARK, False):
            setattr(numba, name, _caching(current))
    return True


def cache_dir() -> Path | None:
    """Where this process's numba caches compiled code: ``NUMBA_CACHE_DIR`` as numba read it
    (numba reads it once, when it is first imported), or None for numba's default places."""
    import numba.core.config

    return Path(numba.core.config.CACHE_DIR) if numba.core.config.CACHE_DIR else None


def use_dir(path: Path) -> Path | None:
    """Set ``NUMBA_CACHE_DIR`` to ``path`` unless the user set it or numba is loaded already
    (numba reads it when it loads: then nothing changes); the directory in effect, None for
    numba's default places. numba creates the directory when it first writes to it."""
    if "numba" in sys.modules:
        return cache_dir()
    return Path(os.environ.setdefault("NUMBA_CACHE_DIR", str(Path(path).resolve())))


@contextmanager
def compile_timer() -> Iterator[list[float]]:
    """CPU seconds this process spent compiling numba functions inside the block, as a
    one-item list filled on exit (0.0 when every function came from the cache or was compiled
    before). Nested compiles (a function compiling its callees) count once."""
    from numba.core import event

    seconds = [0.0]

    class Timer(event.Listener):
        depth, begin = 0, 0.0

        def on_start(self, _event: Any) -> None:
            if self.depth == 0:
                self.begin = time.process_time()
            self.depth += 1

        def on_end(self, _event: Any) -> None:
            self.depth -= 1
            if self.depth == 0:
                seconds[0] += time.process_time() - self.begin

    with event.install_listener("numba:compile", Timer()):
        yield seconds

"""How sweep cases run: the case task and the executors (the only module that imports Dask).

The Dask executors (``local``: a LocalCluster of one-thread worker processes; ``slurm``/``pbs``:
dask-jobqueue clusters) import dask inside :func:`dask_executor` and :func:`jobqueue_cluster`
only, so ``serial`` sweeps need no Dask installed. Workers call :func:`run_case`, which loads
the networks itself and writes its cube; only the small outcome dict travels back.

No cold start per worker: before the cases are submitted the client runs the first case for
:data:`WARM_UP_HOURS` hours, which compiles the solvers' numba code into the cache directory
(:mod:`simulator.jitcache`), while the workers start; every worker gets that directory
(``NUMBA_CACHE_DIR``) and the pinned thread variables (:mod:`simulator.threads`) in its
environment before Python starts, and imports the simulator while it starts
(:mod:`simulator.sweep.worker`, a Dask preload), so its first case loads compiled code (~0.5 s)
instead of compiling it (~8 s).
"""

from __future__ import annotations

import contextlib
import logging
import os
import socket
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from simulator import jitcache
from simulator.api import run
from simulator.config import ConfigError
from simulator.sweep.manifest import now_utc
from simulator.threads import pin_threads

Outcome = dict[str, Any]

#: Defaults of a dask-jobqueue job: one worker process of one thread, its memory, its time.
JOBQUEUE_DEFAULTS: dict[str, Any] = {"cores": 1, "memory": "4GiB", "walltime": "01:00:00"}
_PROJECT_ROOT = Path(__file__).resolve().parents[2]  # holds the `simulator` package
#: hours of the client's warm-up run: the heat predictor's functions compile from hour 2 on
WARM_UP_HOURS = 3
#: imported by every Dask worker while it starts (``--preload``)
WORKER_PRELOAD = "simulator.sweep.worker"


@dataclass(frozen=True)
class CaseTask:
    """What a worker needs to simulate one case; every path absolute. Picklable."""

    case_id: str
    base: str
    overrides: dict[str, Any]
    hours: int | None
    output: str


def run_case(task: CaseTask) -> Outcome:
    """Simulate one case where this is called (driver or Dask worker); never raises an Exception.

    The outcome: ``case_id``, ``status`` (done/failed), ``error`` (text or None),
    ``wall_time_s`` (s), ``cpu_time_s`` (s, user + system of this process: well below the wall
    time means the case waited for a core), ``compile_s`` (s of it spent compiling numba code:
    0 when the process found everything compiled, in memory or in the cache), ``worker``
    (host:pid), ``finished_utc``.
    """
    start = time.perf_counter()
    cpu_start = _cpu_s()
    error = None
    with jitcache.compile_timer() as compile_s:
        try:
            run(task.base, task.hours, task.output, task.overrides)
        except Exception as err:
            text = "; ".join(err.problems) if isinstance(err, ConfigError) else str(err)
            error = f"{type(err).__name__}: {text}"
    return {
        "case_id": task.case_id,
        "status": "failed" if error else "done",
        "error": error,
        "wall_time_s": round(time.perf_counter() - start, 3),
        "cpu_time_s": round(_cpu_s() - cpu_start, 3),
        "compile_s": round(compile_s[0], 3),
        "worker": f"{socket.gethostname()}:{os.getpid()}",
        "finished_utc": now_utc(),
    }


def run_case_on_worker(task: CaseTask) -> Outcome:
    """:func:`run_case` on a Dask worker, under Dask's synchronous scheduler: otherwise xarray
    guards the netCDF write with a distributed Lock, a scheduler round trip per variable
    (measured: write_cube 0.12 s in-process, 0.74 s on a worker, for a 48-hour cube)."""
    import dask

    with dask.config.set(scheduler="sync"):
        return run_case(task)


def _cpu_s() -> float:
    times = os.times()
    return times.user + times.system


def serial_outcomes(tasks: Iterable[CaseTask]) -> Iterator[Outcome]:
    """The ``serial`` executor: one case after the other in this process (no Dask)."""
    for task in tasks:
        yield run_case(task)


EXECUTION_KEYS = ("workers", "local", "slurm", "pbs")


def check_execution(execution: dict[str, Any], where: Path) -> None:
    """The ``execution`` block: ``workers`` (int > 0) and per-executor option mappings."""
    problems = [f"{where}: execution.{k}: unknown key (known: {', '.join(EXECUTION_KEYS)})"
                for k in execution if k not in EXECUTION_KEYS]
    n = execution.get("workers")
    if n is not None and (not isinstance(n, int) or isinstance(n, bool) or n <= 0):
        problems.append(f"{where}: execution.workers: must be a positive whole number")
    problems += [f"{where}: execution.{k}: expected a mapping of cluster options"
                 for k in ("local", "slurm", "pbs")
                 if k in execution and not isinstance(execution[k], dict)]
    if problems:
        raise ConfigError(problems)


def _failed(task: CaseTask, err: BaseException) -> Outcome:
    """The outcome of a task whose worker did not return (killed, lost, unpicklable...)."""
    return {"case_id": task.case_id, "status": "failed",
            "error": f"{type(err).__name__}: {err}", "wall_time_s": None, "cpu_time_s": None,
            "compile_s": None, "worker": None, "finished_utc": now_utc()}


def warm_up(task: CaseTask) -> float:
    """Run ``task`` for :data:`WARM_UP_HOURS` hours here, into a temporary file, so that the
    solvers' numba code is compiled into this process's cache directory (or loaded from it);
    the seconds it took. A failure is ignored: the case itself will report it."""
    start = time.perf_counter()
    # a failure is the case's to report, when it runs
    with (tempfile.TemporaryDirectory(prefix="districtsim-warm-up-") as tmp,
          contextlib.suppress(Exception)):
        run(task.base, min(task.hours or WARM_UP_HOURS, WARM_UP_HOURS),
            Path(tmp) / "warm-up.nc", task.overrides)
    return time.perf_counter() - start


def start_warm_up(task: CaseTask) -> Callable[[], float]:
    """:func:`warm_up` in a background thread (numba compiles while the cluster starts, the
    jobs queue and the workers import); a function that waits for it and returns its seconds.
    """
    seconds: list[float] = []
    thread = threading.Thread(target=lambda: seconds.append(warm_up(task)),
                              name="districtsim-warm-up", daemon=True)
    thread.start()

    def wait() -> float:
        thread.join()
        return seconds[0] if seconds else float("nan")

    return wait


def load_worker_modules() -> None:
    """Import what a sweep's Dask worker process holds besides the simulator (when installed)."""
    with contextlib.suppress(ImportError):
        import distributed.worker  # noqa: F401


def worker_env() -> dict[str, str]:
    """Environment every worker process needs before Python starts: the BLAS/OpenMP thread
    variables (the user's, else one thread), and this process's numba cache directory and
    cache switch, so that workers load what the client compiled."""
    env = pin_threads(dict(os.environ))
    where = jitcache.cache_dir()
    if where is not None:
        env["NUMBA_CACHE_DIR"] = str(where.resolve())
    if jitcache.SWITCH in os.environ:
        env[jitcache.SWITCH] = os.environ[jitcache.SWITCH]
    return env


def jobqueue_cluster(kind: str, options: dict[str, Any], where: Path) -> Any:
    """A dask-jobqueue ``SLURMCluster``/``PBSCluster`` (no job submitted until scaled).

    ``options`` are the cluster's keyword arguments over :data:`JOBQUEUE_DEFAULTS`;
    ``processes`` defaults to ``cores`` (one thread per worker process), ``python`` to this
    interpreter; a prologue puts this project on ``PYTHONPATH`` so workers import it and
    exports :func:`worker_env`, and every worker preloads :data:`WORKER_PRELOAD`.
    Bad options raise ConfigError naming ``where``.
    """
    from dask_jobqueue import PBSCluster, SLURMCluster

    opts = {**JOBQUEUE_DEFAULTS, **options}
    opts.setdefault("processes", opts["cores"])
    opts.setdefault("python", sys.executable)
    opts["job_script_prologue"] = [
        f'export PYTHONPATH="{_PROJECT_ROOT}${{PYTHONPATH:+:$PYTHONPATH}}"',
        *(f'export {name}="{value}"' for name, value in worker_env().items()),
        *opts.get("job_script_prologue", []),
    ]
    opts["worker_extra_args"] = ["--preload", WORKER_PRELOAD,
                                 *opts.get("worker_extra_args", [])]
    cls = {"slurm": SLURMCluster, "pbs": PBSCluster}[kind]
    try:
        return cls(**opts)
    except (TypeError, ValueError) as err:
        reason = str(err).splitlines()[0].split(" Very likely")[0]  # not the whole kwargs dump
        raise ConfigError([f"{where}: execution.{kind}: {reason}"]) from None


def local_cluster(n_workers: int, options: dict[str, Any], where: Path) -> Any:
    """A LocalCluster of one-thread worker processes, with :func:`worker_env` set before each
    worker process starts and :data:`WORKER_PRELOAD` imported while it starts.

    Dask's default ``MALLOC_TRIM_THRESHOLD_=65536`` for workers is dropped: with it, a case
    (many short-lived numpy arrays per hour) measured 15-25 % more CPU time, 6x the system time.
    """
    import dask
    from dask.distributed import LocalCluster

    opts = {"n_workers": n_workers, "threads_per_worker": 1, "processes": True,
            "dashboard_address": None, "silence_logs": logging.ERROR,
            "preload": [WORKER_PRELOAD], **options}
    spawn = "distributed.nanny.pre-spawn-environ"
    environ = {f"{spawn}.MALLOC_TRIM_THRESHOLD_": None,
               **{f"{spawn}.{name}": value for name, value in worker_env().items()}}
    try:
        with dask.config.set(environ):
            return LocalCluster(**opts)
    except (TypeError, ValueError) as err:
        raise ConfigError([f"{where}: execution.local: {err}"]) from None


@contextmanager
def dask_executor(executor: Any, n_tasks: int, workers: int | None,
                  execution: dict[str, Any], where: Path
                  ) -> Iterator[Callable[[list[CaseTask]], Iterator[Outcome]]]:
    """Start (and finally close) the Dask cluster of ``executor``; yield a task runner.

    ``executor`` is ``local``, ``slurm``, ``pbs`` or a ``distributed.Client`` (used, not closed).
    Workers: ``workers``, else ``execution.workers``, else one per core (local) or one per
    task (jobqueue); never more than ``n_tasks``.
    """
    from dask.distributed import Client

    if isinstance(executor, Client):
        yield lambda tasks: _stream(executor, tasks)
        return
    wanted = workers or execution.get("workers")
    if executor == "local":
        n = min(wanted or os.cpu_count() or 1, n_tasks)
        cluster = local_cluster(n, execution.get("local", {}), where)
    else:
        cluster = jobqueue_cluster(executor, execution.get(executor, {}), where)
        cluster.scale(n=min(wanted or n_tasks, n_tasks))
    with cluster, Client(cluster) as client:
        yield lambda tasks: _stream(client, tasks)


def _stream(client: Any, tasks: list[CaseTask]) -> Iterator[Outcome]:
    """Submit every task; yield outcomes as they finish, a lost worker's task as failed."""
    from dask.distributed import as_completed

    futures = {client.submit(run_case_on_worker, task, pure=False, key=f"case-{task.case_id}-"
                             f"{os.getpid()}-{time.time_ns()}"): task for task in tasks}
    try:
        for future in as_completed(futures):
            task = futures[future]
            try:
                yield future.result()
            except Exception as err:
                yield _failed(task, err)
            future.release()
    finally:
        client.cancel(list(futures))



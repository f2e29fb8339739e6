"""Batch parameter sweeps: run every case of a sweep file, keep a manifest, resume.

Each case becomes ``<out>/<case_id>.nc``, written atomically by :func:`simulator.api.run` in the
process that simulates it (results travel as paths); ``<out>/manifest.json`` is kept by the
driver (:mod:`simulator.sweep.manifest`). The folder must be new, empty or this sweep's
(:mod:`simulator.sweep.owner`); ``resume=True`` keeps every cube whose ``config_sha256`` and
time length match, removes stale temp files, and runs the rest; ``prune=True`` also deletes
the cubes of cases the sweep no longer defines (else they are left alone).

The cases come from :mod:`simulator.sweep.spec`; executors live in
:mod:`simulator.sweep.executors`: ``serial`` runs in this process; ``local``, ``slurm`` and
``pbs`` import Dask only when asked for (Dask is an optional dependency).
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from simulator import jitcache
from simulator.config import ConfigError, read_yaml
from simulator.sweep.executors import (
    CaseTask,
    Outcome,
    check_execution,
    dask_executor,
    serial_outcomes,
    start_warm_up,
)
from simulator.sweep.manifest import (
    MANIFEST,
    Manifest,
    clean_out_dir,
    finished_cases,
    foreign_cubes,
)
from simulator.sweep.owner import claim, confirm, dropped_entries, identity
from simulator.sweep.progress import Progress
from simulator.sweep.spec import Case, Sweep, default_out, load_sweep, plan

EXECUTORS = ("serial", "local", "slurm", "pbs")
MANIFEST_FORMAT = "districtsim-sweep/2"  # /1 had no sweep_sha256 and no dropped


@dataclass
class SweepReport:
    """The outcome of :func:`run_sweep`: counts, the cases run now, and failures with errors.

    ``dropped``: former cases (no longer in the sweep) whose cubes were left in ``out``;
    ``pruned``: those deleted (``prune=True``). Neither counts in ``cases`` or ``done``.
    """

    name: str
    out: Path
    cases: int
    done: int
    failed: int
    kept: list[str]
    ran: list[str]
    failures: list[tuple[str, str]]
    wall_time_s: float
    dropped: list[str] = field(default_factory=list)
    pruned: list[str] = field(default_factory=list)

    @property
    def manifest(self) -> Path:
        return self.out / MANIFEST


def run_sweep(
    sweep_path: str | os.PathLike[str],
    executor: Any = "local",
    workers: int | None = None,
    hours: int | None = None,
    out: str | os.PathLike[str] | None = None,
    resume: bool = False,
    execution: str | os.PathLike[str] | None = None,
    progress: bool | None = None,
    prune: bool = False,
) -> SweepReport:
    """Run every case of a sweep file; a :class:`SweepReport`. Failed cases do not stop others.

    ``executor``: ``serial``, ``local`` (Dask LocalCluster, ``workers`` processes of one thread,
    default one per core), ``slurm`` or ``pbs`` (dask-jobqueue, options from the sweep's
    ``execution`` block or the ``execution`` YAML file), or a ``distributed.Client`` to use as is.
    ``hours`` shortens every case; ``out`` defaults to ``results/<sweep name>``; ``progress``
    forces the stderr progress line on or off (default: on when stderr is a terminal).
    ``out`` must be new, empty or this sweep's (:mod:`simulator.sweep.owner`); with results in
    it only with ``resume``. Cubes of cases the sweep no longer defines are left alone unless
    ``prune`` (with ``resume``), which deletes them after listing them on stdout.
    Raises ConfigError (nothing run, nothing in ``out`` changed) on any bad case or option.
    """
    start = time.perf_counter()
    sweep = load_sweep(sweep_path)
    if execution is not None:
        sweep = replace(sweep, execution=read_yaml(Path(execution)))
    where = Path(execution) if execution is not None else sweep.path
    check_execution(sweep.execution, where)
    _check_options(sweep, executor, workers, resume, prune)
    out_dir = (Path(out) if out is not None else default_out(sweep)).resolve()
    books = claim(out_dir, sweep, resume)  # before plan() loads the solvers (and numba)
    cases = plan(sweep, hours)
    if books is not None:
        confirm(out_dir, books, sweep, cases)
    kept = finished_cases(out_dir, cases) if resume else []
    dropped = dropped_entries(out_dir, books, cases)
    tasks = [CaseTask(c.case_id, str(sweep.base), c.overrides, hours,
                      str(out_dir / f"{c.case_id}.nc")) for c in cases if c.case_id not in kept]
    header = _header(sweep, hours, executor, [] if prune else dropped)
    with _executor(executor, tasks, workers, sweep.execution, where, header) as execute:
        manifest = _start(out_dir, header, cases, kept, books or {},
                          [d["case_id"] for d in dropped] if prune else [])
        bar = Progress(sweep.name, len(cases), len(kept), enabled=progress)
        try:
            for outcome in execute(tasks):
                manifest.record(outcome)
                bar.update(outcome["status"])
        finally:
            bar.close()
    entries, ids = manifest.entries.values(), [d["case_id"] for d in dropped]
    return SweepReport(
        name=sweep.name, out=out_dir, cases=len(cases),
        done=sum(e["status"] == "done" for e in entries),
        failed=sum(e["status"] == "failed" for e in entries),
        kept=kept, ran=[t.case_id for t in tasks],
        failures=[(e["case_id"], e["error"]) for e in entries if e["status"] == "failed"],
        wall_time_s=time.perf_counter() - start,
        dropped=[] if prune else ids, pruned=ids if prune else [],
    )


def _check_options(sweep: Sweep, executor: Any, workers: int | None, resume: bool,
                   prune: bool) -> None:
    """ConfigError for an unknown executor, a worker count below 1, ``prune`` alone."""
    if isinstance(executor, str) and executor not in EXECUTORS:
        raise ConfigError([f"--executor: '{executor}' is not one of {', '.join(EXECUTORS)}"])
    if workers is not None and workers <= 0:
        raise ConfigError([f"{sweep.path}: --workers: must be a positive number"])
    if prune and not resume:
        raise ConfigError([f"{sweep.path}: --prune: only with --resume (a run without it "
                           "starts in a folder without results)"])


def _header(sweep: Sweep, hours: int | None, executor: Any,
            dropped: list[dict[str, Any]]) -> dict[str, Any]:
    """The manifest's header: the sweep's identity, its definition, how it runs, ``dropped``."""
    return {"format": MANIFEST_FORMAT, **identity(sweep), "description": sweep.description,
            "base": str(sweep.base), "mode": sweep.mode, "fixed": sweep.fixed, "hours": hours,
            "executor": executor if isinstance(executor, str) else type(executor).__name__,
            "numba_cache_dir": str(jitcache.cache_dir() or "numba's default"),
            "dropped": dropped}


def _start(out: Path, header: dict[str, Any], cases: list[Case], kept: list[str],
           books: dict[str, Any], prune: list[str]) -> Manifest:
    """Clean ``out`` (:func:`clean_out_dir`), warn of cubes outside the sweep, and write the
    first manifest: the ``kept`` cases done, the others pending."""
    clean_out_dir(out, cases, kept, prune)
    dropped = [d["case_id"] for d in header["dropped"]]
    foreign = foreign_cubes(out, cases, dropped)
    if foreign:
        print(f"warning: {out} holds cubes outside this sweep ({', '.join(foreign)}); "
              "open_results will include them", file=sys.stderr)
    previous = {c["case_id"]: c for c in books.get("cases", [])
                if isinstance(c, dict) and "case_id" in c}
    manifest = Manifest(out / MANIFEST, header, cases, previous)
    for case_id in kept:
        manifest.entries[case_id]["status"] = "done"
    manifest.write()
    return manifest


Execute = Callable[[list[CaseTask]], Iterator[Outcome]]


@contextmanager
def _executor(executor: Any, tasks: list[CaseTask], workers: int | None,
              execution: dict[str, Any], where: Path, header: dict[str, Any]
              ) -> Iterator[Execute]:
    """A function running tasks and yielding outcomes as they finish; Dask only when needed.

    A cluster this function starts (not a ``Client`` passed in) gets its numba cache warmed by
    the first task while it starts (``header["warm_up_s"]``, s); the tasks are submitted after.
    """
    if executor == "serial" or not tasks:
        yield serial_outcomes
        return
    wait = None if not isinstance(executor, str) else start_warm_up(tasks[0])
    with dask_executor(executor, len(tasks), workers, execution, where) as execute:
        if wait is not None:
            header["warm_up_s"] = round(wait(), 3)
        yield execute

"""The terms of a sweep's wall time, measured on a real (local) SLURM, and the projection of
1,000 Espoo years on 64 cores from them.

Run by hand inside the throw-away cluster of ``make test-cluster``:

    scripts/slurm/harness.sh run -- .venv/bin/python bench/scaling_bench.py [--hours 720]

It runs an Espoo 2030 sweep (``--cases`` cases of ``--hours`` hours, default 4 x 720, the data
centre heat pump's size swept) through ``dask-jobqueue`` as real ``sbatch`` jobs of one core
(``--jobs``, default 2), the way ``districtsim sweep --executor slurm`` runs it (the client's
numba warm-up while the jobs start, the workers' preload, the same executors), and one more
job of one full Espoo year (``--no-year`` skips it). It measures, on this machine:

* validation: the client's CPU time to check every case before anything runs (the districts
  once, then per case: the scenario, its wiring, its hourly inputs);
* the client's warm-up: the numba compile into the sweep's empty cache (once per sweep);
* job start: ``sbatch`` until ``squeue`` shows the job RUNNING (polled every 0.1 s);
* worker start-up: job RUNNING until its Dask worker registered (Python, Dask, the preloaded
  simulator), and the first case's extra time over the worker's later cases (compiled code
  loaded from the cache, the solvers' first calls);
* per case: the CPU time of a case (one core each), per simulated hour, and of a full year;
* Dask's overhead per case: the gap between one case's end and the next one's start on a
  worker, from Dask's task stream; the client's manifest write per finished case.

The projection: validation + max(warm-up, job start) + worker start-up + first-case extra +
ceil(1000 / 64) waves x (a year + the per-case overhead). Measured terms are this machine's
(2 shared cores, a gVisor sandbox); the projection assumes cores as fast as these, no queue
wait beyond the measured job start and every year as long as the measured one.
Writes ``bench/scaling_results.json`` and prints the terms, the sbatch job ids and the total.
"""

from __future__ import annotations

import argparse
import itertools
import json
import math
import os
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
SCRATCH = Path(tempfile.mkdtemp(prefix="scaling-bench-"))
OUT = SCRATCH / "out"

from simulator import jitcache  # noqa: E402
from simulator.threads import pin_threads  # noqa: E402

pin_threads()  # as the CLI does: before numpy loads
jitcache.use_dir(OUT / ".numba-cache")  # as the CLI does: before numba loads

import yaml  # noqa: E402

from simulator.sweep.executors import (  # noqa: E402
    CaseTask,
    jobqueue_cluster,
    start_warm_up,
)
from simulator.sweep.manifest import Manifest  # noqa: E402
from simulator.sweep.runner import run_sweep  # noqa: E402
from simulator.sweep.spec import load_sweep, plan  # noqa: E402

BASE = ROOT / "configs" / "espoo_2030.yaml"
YEAR_HOURS = 8760
TARGET_CASES, TARGET_CORES = 1000, 64


class Squeue(threading.Thread):
    """First time each job of ``name`` is seen PENDING and RUNNING (s on the monotonic clock)."""

    def __init__(self, name: str) -> None:
        super().__init__(daemon=True)
        self.name, self.seen, self.halt = name, {}, threading.Event()

    def run(self) -> None:
        while not self.halt.is_set():
            out = subprocess.run(["squeue", "-h", "-n", self.name, "-o", "%i %T"],
                                 capture_output=True, text=True, check=False).stdout
            now = time.monotonic()
            for line in out.splitlines():
                job, state = line.split()
                self.seen.setdefault(job, {}).setdefault(state, now)
            self.halt.wait(0.1)


def exec_options(name: str, folder: Path) -> dict[str, Any]:
    return {"cores": 1, "memory": "3GiB", "walltime": "01:00:00",
            "queue": os.environ.get("DISTRICTSIM_SLURM_PARTITION", "districtsim"),
            "job_name": name, "interface": "lo", "log_directory": str(folder / "joblogs"),
            "local_directory": str(folder / "dask-scratch"),
            "scheduler_options": {"dashboard_address": ":0"}}


def registrations(client: Any, n: int, timeout_s: float = 300) -> dict[str, float]:
    """Worker address -> monotonic time it was first seen registered, until ``n`` are there."""
    seen: dict[str, float] = {}
    deadline = time.monotonic() + timeout_s
    while len(seen) < n:
        assert time.monotonic() < deadline, f"only {len(seen)} of {n} workers after {timeout_s} s"
        for addr in client.scheduler_info(n_workers=-1)["workers"]:
            seen.setdefault(addr, time.monotonic())
        time.sleep(0.05)
    return seen


def run_on_slurm(sweep_path: Path, jobs: int, hours: int, name: str) -> dict[str, Any]:
    """The sweep through real sbatch jobs, the way ``run_sweep`` does it, instrumented."""
    from dask.distributed import Client, get_task_stream

    sweep = load_sweep(sweep_path)
    cases = plan(sweep, hours)
    watch = Squeue(name)
    watch.start()
    t0 = time.monotonic()
    cluster = jobqueue_cluster("slurm", exec_options(name, SCRATCH), sweep_path)
    cluster.scale(n=jobs)
    submitted = time.monotonic()
    first = CaseTask(cases[0].case_id, str(sweep.base), cases[0].overrides, hours,
                     str(SCRATCH / "unused.nc"))
    wait_warm_up = start_warm_up(first)
    with cluster, Client(cluster) as client:
        registered = registrations(client, jobs)
        warm_up_s = wait_warm_up()
        warm_done = time.monotonic()
        job_of = client.run(lambda: os.environ.get("SLURM_JOB_ID"))
        with get_task_stream(client) as stream:
            report = run_sweep(sweep_path, executor=client, hours=hours,
                               out=OUT / sweep.name, progress=False)
        tasks = stream.data
    watch.halt.set()
    end = time.monotonic()
    return {"cases": cases, "report": report, "t0": t0, "submitted": submitted,
            "registered": registered, "job_of": job_of, "warm_up_s": warm_up_s,
            "warm_done": warm_done, "tasks": tasks, "squeue": watch.seen, "end": end}


def task_terms(tasks: list[dict[str, Any]]) -> dict[str, Any]:
    """Per worker: its cases' compute start/stop (s, wall clock) and the gaps between them."""
    by_worker: dict[str, list[tuple[float, float]]] = {}
    for task in tasks:
        compute = [s for s in task["startstops"] if s["action"] == "compute"]
        if compute and str(task["key"]).startswith("case-"):
            by_worker.setdefault(task["worker"], []).append((compute[0]["start"],
                                                             compute[-1]["stop"]))
    gaps = []
    for spans in by_worker.values():
        spans.sort()
        gaps += [b[0] - a[1] for a, b in itertools.pairwise(spans)]
    return {"by_worker": by_worker, "gaps_s": gaps}


def manifest_write_s(n: int) -> float:
    """Seconds the client spends rewriting the manifest of an ``n``-case sweep once."""
    from simulator.sweep.spec import Case

    cases = [Case(f"case_{i:04d}", {"units.dc_espoo_hp.heat_mw": i}, {}, "0" * 64, YEAR_HOURS)
             for i in range(n)]
    folder = SCRATCH / "manifest"
    folder.mkdir(exist_ok=True)
    manifest = Manifest(folder / "manifest.json", {"sweep": "probe"}, cases, {})
    start = time.perf_counter()
    for i in range(20):
        manifest.record({"case_id": cases[i].case_id, "status": "done", "wall_time_s": 60.0})
    return (time.perf_counter() - start) / 20


def write_sweep(name: str, values: list[float], hours: int) -> Path:
    path = SCRATCH / f"{name}.yaml"
    path.write_text(yaml.safe_dump({"name": name, "base": str(BASE), "mode": "grid",
                                    "parameters": {"units.dc_espoo_hp.heat_mw": values},
                                    "fixed": {"period.hours": hours}}))
    return path


def measure(args: argparse.Namespace) -> dict[str, Any]:
    values = [60.0 + 10 * i for i in range(args.cases)]
    sweep = write_sweep("scaling", values, args.hours)
    doubled = write_sweep("doubled", values + [v + 5 for v in values], args.hours)
    timed = {}
    for path in (sweep, doubled):  # the districts load once per plan: N and 2N cases apart
        start_cpu = time.process_time()
        plan(load_sweep(path))
        timed[path] = time.process_time() - start_cpu
    validation_s = (timed[doubled] - timed[sweep]) / args.cases
    validation_fixed_s = max(timed[sweep] - args.cases * validation_s, 0.0)
    run = run_on_slurm(sweep, args.jobs, args.hours, "districtsim-scaling")
    entries = json.loads((OUT / "scaling" / "manifest.json").read_text())["cases"]
    terms = task_terms(run["tasks"])
    job_start = [s["RUNNING"] - s.get("PENDING", run["submitted"])
                 for s in run["squeue"].values() if "RUNNING" in s]
    running_at = sorted(s["RUNNING"] for s in run["squeue"].values() if "RUNNING" in s)
    worker_start = [t - r for t, r in zip(sorted(run["registered"].values()), running_at,
                                          strict=False)]
    first_ids = {min(spans)[0] for spans in terms["by_worker"].values()}
    by_start = sorted(s for spans in terms["by_worker"].values() for s in spans)
    first_walls = [b - a for a, b in by_start if a in first_ids]
    later_walls = [b - a for a, b in by_start if a not in first_ids]
    out = {
        "sweep": {"base": str(BASE.relative_to(ROOT)), "cases": args.cases,
                  "hours": args.hours, "jobs": args.jobs},
        "sbatch_job_ids": sorted(run["squeue"], key=int),
        "validation_cpu_s_per_case": round(validation_s, 3),
        "validation_cpu_s_fixed": round(validation_fixed_s, 3),
        "client_warm_up_s": round(run["warm_up_s"], 2),
        "job_start_s": [round(x, 2) for x in job_start],
        "worker_start_up_s": [round(x, 2) for x in worker_start],
        "first_case_wall_s": [round(x, 2) for x in first_walls],
        "later_case_wall_s": [round(x, 2) for x in later_walls],
        "case_cpu_s": [e["cpu_time_s"] for e in entries],
        "case_compile_s": [e["compile_s"] for e in entries],
        "dask_gap_between_cases_s": [round(x, 3) for x in terms["gaps_s"]],
        "manifest_write_s_at_1000_cases": round(manifest_write_s(TARGET_CASES), 4),
        "sweep_wall_s": round(run["end"] - run["t0"], 2),
    }
    if args.year:
        year = run_on_slurm(write_sweep("year", [80.0], YEAR_HOURS), 1, YEAR_HOURS,
                            "districtsim-year")
        (entry,) = json.loads((OUT / "year" / "manifest.json").read_text())["cases"]
        out["year"] = {"sbatch_job_ids": sorted(year["squeue"], key=int),
                       "wall_s": entry["wall_time_s"], "cpu_s": entry["cpu_time_s"],
                       "compile_s": entry["compile_s"]}
    return out


def project(m: dict[str, Any]) -> dict[str, Any]:
    """1,000 Espoo years on 64 one-core workers from the measured terms (s)."""
    later = m["later_case_wall_s"] or m["first_case_wall_s"]
    extra = max(sum(m["first_case_wall_s"]) / len(m["first_case_wall_s"])
                - sum(later) / len(later), 0.0)
    if "year" in m:
        year_s = m["year"]["cpu_s"]
        basis = "one full Espoo year measured in a SLURM job (CPU time)"
    else:
        per_hour = sorted(m["case_cpu_s"])[len(m["case_cpu_s"]) // 2] / m["sweep"]["hours"]
        year_s = per_hour * YEAR_HOURS
        basis = f"median case CPU time per hour x 8760 ({m['sweep']['hours']}-hour cases)"
    gap = max(m["dask_gap_between_cases_s"] or [0.0])
    waves = math.ceil(TARGET_CASES / TARGET_CORES)
    terms = {
        "validation (client, before any job)": (m["validation_cpu_s_fixed"] + TARGET_CASES
                                                * m["validation_cpu_s_per_case"]),
        "warm-up or job start, whichever is longer": max(m["client_warm_up_s"],
                                                         max(m["job_start_s"])),
        "worker start-up": max(m["worker_start_up_s"]),
        "first case extra (cache load)": extra,
        f"{waves} waves of a year + Dask's gap": waves * (year_s + gap),
    }
    total = sum(terms.values())
    return {"cases": TARGET_CASES, "cores": TARGET_CORES, "year_s": round(year_s, 1),
            "year_basis": basis, "waves": waves,
            "terms_s": {k: round(v, 1) for k, v in terms.items()},
            "total_s": round(total, 1), "total_min": round(total / 60, 1),
            "efficiency": round(TARGET_CASES * year_s / (TARGET_CORES * total), 3)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=4)
    parser.add_argument("--hours", type=int, default=720)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--no-year", dest="year", action="store_false")
    args = parser.parse_args()
    if not os.environ.get("SLURM_CONF"):
        sys.exit("no SLURM here: run inside scripts/slurm/harness.sh run -- ...")
    load = round(os.getloadavg()[0], 2)
    measured = measure(args)
    result = {"created_utc": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
              "machine": {"cpus": os.cpu_count(), "load_avg_1min_at_start": load,
                          "load_avg_1min_at_end": round(os.getloadavg()[0], 2)},
              "measured": measured, "projection": project(measured)}
    path = ROOT / "bench" / "scaling_results.json"
    path.write_text(json.dumps(result, indent=1) + "\n")
    print(json.dumps(result, indent=1))
    print(f"written: {path}")


if __name__ == "__main__":
    main()

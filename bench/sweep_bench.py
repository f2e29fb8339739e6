"""Speed-up of the ``local`` sweep executor (Dask LocalCluster, 2 workers) over ``serial``.

Run by hand (not a test), from the repository root, on an otherwise idle machine:

    .venv/bin/python bench/sweep_bench.py [--hours 48 [720 ...]] [--workers 2] [--repeat N]

For each case length it runs a 2x2 Schutterwald sweep (heat pump x e-boiler capacity, 4 cases):

* cold: ``python -m simulator sweep ...`` in a fresh process per executor, wall time of the whole
  command: imports, validation, cluster start and the per-process numba warm-up (~5-10 s: the
  first pandapipes/pandapower solve JIT-compiles) all count;
* warm: in this process, after the warm-up was paid (serial: one 1-hour run here; local: a
  1-hour run on every worker of an already started cluster); only the cases are timed.

Writes ``bench/sweep_results.json`` and prints a table.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from simulator.api import run  # noqa: E402
from simulator.sweep.executors import local_cluster  # noqa: E402
from simulator.sweep.runner import run_sweep  # noqa: E402

BASE = ROOT / "configs" / "schutterwald.yaml"
PARAMETERS = {"units.0.heat_mw": [0.4, 1.2], "units.1.heat_mw": [0.25, 0.5]}


def warm_up(output: str) -> None:
    """One 1-hour run: pays this process's numba compilation."""
    run(BASE, hours=1, output=output)


def cold(sweep: Path, executor: str, hours: int, workers: int, out: Path) -> float:
    """Wall time (s) of the sweep command in a fresh interpreter."""
    cmd = [sys.executable, "-m", "simulator", "sweep", str(sweep), "--executor", executor,
           "--workers", str(workers), "--hours", str(hours), "--out", str(out)]
    start = time.perf_counter()
    subprocess.run(cmd, cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def warm(sweep: Path, executor: str, hours: int, workers: int, out: Path, scratch: Path) -> float:
    """Wall time (s) of the sweep's cases alone, every process already warmed up."""
    if executor == "serial":
        warm_up(str(scratch / "warm-serial.nc"))
        start = time.perf_counter()
        run_sweep(sweep, executor="serial", hours=hours, out=out, progress=False)
        return time.perf_counter() - start
    from dask.distributed import Client

    cluster = local_cluster(workers, {}, sweep)  # as the `local` executor makes it
    with cluster, Client(cluster) as client:
        client.run(lambda: warm_up(str(scratch / f"warm-{os.getpid()}.nc")))
        start = time.perf_counter()
        run_sweep(sweep, executor=client, hours=hours, out=out, progress=False)
        return time.perf_counter() - start


def case_seconds(out: Path) -> dict[str, list[float]]:
    """Per-case wall and CPU times (s) from a sweep's manifest."""
    cases = json.loads((out / "manifest.json").read_text())["cases"]
    return {"wall": [c["wall_time_s"] for c in cases], "cpu": [c["cpu_time_s"] for c in cases]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hours", type=int, nargs="+", default=[48])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=1, help="keep the best of N runs")
    parser.add_argument("--keep-other-rows", action="store_true",
                        help="keep the rows of other --hours already in sweep_results.json")
    args = parser.parse_args()
    rows: list[dict[str, Any]] = []
    load_start = round(os.getloadavg()[0], 2)
    with tempfile.TemporaryDirectory(prefix="sweep-bench-") as tmp:
        scratch = Path(tmp)
        sweep = scratch / "bench.yaml"
        sweep.write_text(yaml.safe_dump({"name": "bench", "base": str(BASE), "mode": "grid",
                                         "parameters": PARAMETERS}))
        for hours in args.hours:
            row: dict[str, Any] = {"hours": hours, "cases": 4, "workers": args.workers,
                                   "repeats": args.repeat}
            for mode in ("cold", "warm"):
                for executor in ("serial", "local"):
                    best = float("inf")
                    for k in range(args.repeat):  # the best of the repeats: least disturbed
                        out = scratch / f"{mode}-{executor}-{hours}-{k}"
                        if mode == "cold":
                            wall = cold(sweep, executor, hours, args.workers, out)
                        else:
                            wall = warm(sweep, executor, hours, args.workers, out, scratch)
                        if wall < best:
                            best = wall
                            row[f"{mode}_{executor}_s"] = round(wall, 2)
                            row[f"{mode}_{executor}_case_s"] = case_seconds(out)
            row["speedup_cold"] = round(row["cold_serial_s"] / row["cold_local_s"], 3)
            row["speedup_warm"] = round(row["warm_serial_s"] / row["warm_local_s"], 3)
            rows.append(row)
            print(f"{hours:>5} h x 4 cases: cold serial {row['cold_serial_s']:.1f} s, "
                  f"local {row['cold_local_s']:.1f} s -> x{row['speedup_cold']:.2f}; warm serial "
                  f"{row['warm_serial_s']:.1f} s, local {row['warm_local_s']:.1f} s -> "
                  f"x{row['speedup_warm']:.2f}", flush=True)
    result = {
        "benchmark": "2x2 Schutterwald sweep, local (Dask LocalCluster) vs serial",
        "created_utc": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform(),
                    "python": platform.python_version(), "load_avg_1min_at_start": load_start,
                    "load_avg_1min_at_end": round(os.getloadavg()[0], 2)},
        "note": "a load average above 0 at the start means other processes shared the cores",
        "rows": rows,
    }
    for row in rows:
        row["created_utc"] = result["created_utc"]
        row["load_avg_1min_at_start"] = load_start
    path = ROOT / "bench" / "sweep_results.json"
    if args.keep_other_rows and path.is_file():  # rows of other case lengths from earlier runs
        done = {row["hours"] for row in rows}
        old = [r for r in json.loads(path.read_text()).get("rows", []) if r["hours"] not in done]
        result["rows"] = sorted(old + rows, key=lambda r: r["hours"])
    path.write_text(json.dumps(result, indent=1) + "\n")
    print(f"written: {path}")


if __name__ == "__main__":
    main()

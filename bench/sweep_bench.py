"""Speed-up of the ``local`` sweep executor (Dask LocalCluster, 2 workers) over ``serial``.

Run by hand (not a test), from the repository root, on an otherwise idle machine:

    .venv/bin/python bench/sweep_bench.py [--hours 720 [48 ...]] [--workers 2] [--repeat N]

For each case length it runs a 2x2 Schutterwald sweep (heat pump x e-boiler capacity, 4 cases),
serial and local, in one run of this script:

* ``cold``: ``python -m simulator sweep ...`` in a fresh process per executor, with an empty
  numba cache (the sweep's own ``<out>/.numba-cache``), wall time of the whole command:
  imports, validation, cluster start, the numba compile (serial: in its first case; local: the
  client's warm-up while the workers start; the workers then load it) all count;
* ``cold, cache kept``: the same commands with ``NUMBA_CACHE_DIR`` pointing at a cache an
  earlier sweep filled (a user who keeps one): no process compiles;
* ``warm``: in this process, after the warm-up was paid (serial: one 1-hour run here; local: a
  1-hour run on every worker of an already started cluster); only the cases are timed.

"What else was running": the machine's CPU time from /proc/stat minus this benchmark's own
(its children included), as cores busy on average, plus the top other processes at the start.
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

from simulator.threads import pin_threads  # noqa: E402

pin_threads()  # as the CLI does, before numpy loads: the warm runs happen in this process

from simulator.api import run  # noqa: E402
from simulator.sweep.executors import local_cluster  # noqa: E402
from simulator.sweep.runner import run_sweep  # noqa: E402

BASE = ROOT / "configs" / "schutterwald.yaml"
PARAMETERS = {"units.0.heat_mw": [0.4, 1.2], "units.1.heat_mw": [0.25, 0.5]}
MODES = ("cold", "cold_cache_kept", "warm")


def warm_up(output: str) -> None:
    """One 1-hour run: pays this process's numba compilation."""
    run(BASE, hours=1, output=output)


def cold(sweep: Path, executor: str, hours: int, workers: int, out: Path,
         cache: Path | None) -> float:
    """Wall time (s) of the sweep command in a fresh interpreter; numba's cache: ``cache``, or
    the sweep's own (empty) ``<out>/.numba-cache``."""
    cmd = [sys.executable, "-m", "simulator", "sweep", str(sweep), "--executor", executor,
           "--workers", str(workers), "--hours", str(hours), "--out", str(out)]
    env = {k: v for k, v in os.environ.items() if k != "NUMBA_CACHE_DIR"}
    if cache is not None:
        env["NUMBA_CACHE_DIR"] = str(cache)
    start = time.perf_counter()
    subprocess.run(cmd, cwd=ROOT, check=True, stdout=subprocess.DEVNULL, env=env)
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


def case_seconds(out: Path) -> dict[str, Any]:
    """Per-case wall, CPU and compile times (s) and the client's warm-up from a manifest."""
    manifest = json.loads((out / "manifest.json").read_text())
    cases = manifest["cases"]
    return {"wall": [c["wall_time_s"] for c in cases], "cpu": [c["cpu_time_s"] for c in cases],
            "compile": [c.get("compile_s") for c in cases],
            "client_warm_up_s": manifest.get("warm_up_s")}


def busy_cpu_s() -> float:
    """CPU seconds the whole machine has been busy (all cores, /proc/stat)."""
    fields = [float(x) for x in Path("/proc/stat").read_text().split("\n")[0].split()[1:]]
    idle = fields[3] + fields[4]  # idle + iowait
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def own_cpu_s() -> float:
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def others_now() -> list[str]:
    """The top CPU users that are not this benchmark, as ps shows them."""
    rows = subprocess.run(["ps", "-eo", "pid,ppid,pcpu,etime,args", "--sort=-pcpu"],
                          capture_output=True, text=True, check=False).stdout.splitlines()[1:]
    mine = {os.getpid()}
    out = []
    for row in rows:
        pid, ppid, pcpu, etime, args = row.split(None, 4)
        if int(pid) in mine or int(ppid) in mine or float(pcpu) < 5:
            continue
        out.append(f"{pcpu}% {etime} {args[:100]}")
    return out[:5]


def run_mode(mode: str, executor: str, sweep: Path, hours: int, workers: int, scratch: Path,
             k: int, kept_cache: Path) -> tuple[float, Path]:
    out = scratch / f"{mode}-{executor}-{hours}-{k}"
    if mode == "cold":
        return cold(sweep, executor, hours, workers, out, None), out
    if mode == "cold_cache_kept":
        return cold(sweep, executor, hours, workers, out, kept_cache), out
    return warm(sweep, executor, hours, workers, out, scratch), out


def bench_row(hours: int, args: argparse.Namespace, sweep: Path, scratch: Path) -> dict:
    row: dict[str, Any] = {"hours": hours, "cases": 4, "workers": args.workers,
                           "repeats": args.repeat}
    kept_cache = scratch / "kept-numba-cache"  # filled once, by a 3-hour run
    cold(sweep, "serial", 3, 1, scratch / f"fill-cache-{hours}", kept_cache)
    for mode in MODES:
        for executor in ("serial", "local"):
            best = float("inf")
            for k in range(args.repeat):  # the best of the repeats: least disturbed
                wall, out = run_mode(mode, executor, sweep, hours, args.workers, scratch, k,
                                     kept_cache)
                if wall < best:
                    best = wall
                    row[f"{mode}_{executor}_s"] = round(wall, 2)
                    row[f"{mode}_{executor}_case_s"] = case_seconds(out)
        row[f"speedup_{mode}"] = round(row[f"{mode}_serial_s"] / row[f"{mode}_local_s"], 3)
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hours", type=int, nargs="+", default=[720])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=1, help="keep the best of N runs")
    parser.add_argument("--keep-other-rows", action="store_true",
                        help="keep the rows of other --hours already in sweep_results.json")
    args = parser.parse_args()
    rows: list[dict[str, Any]] = []
    load_start, others_start = round(os.getloadavg()[0], 2), others_now()
    busy0, own0, t0 = busy_cpu_s(), own_cpu_s(), time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="sweep-bench-") as tmp:
        scratch = Path(tmp)
        sweep = scratch / "bench.yaml"
        sweep.write_text(yaml.safe_dump({"name": "bench", "base": str(BASE), "mode": "grid",
                                         "parameters": PARAMETERS}))
        for hours in args.hours:
            row = bench_row(hours, args, sweep, scratch)
            rows.append(row)
            print(f"{hours:>5} h x 4 cases: " + "; ".join(
                f"{mode} serial {row[f'{mode}_serial_s']:.1f} s, local "
                f"{row[f'{mode}_local_s']:.1f} s -> x{row[f'speedup_{mode}']:.2f}"
                for mode in MODES), flush=True)
    elapsed = time.perf_counter() - t0
    others_cores = max(busy_cpu_s() - busy0 - (own_cpu_s() - own0), 0.0) / elapsed
    result = {
        "benchmark": "2x2 Schutterwald sweep, local (Dask LocalCluster) vs serial",
        "created_utc": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform(),
                    "python": platform.python_version(), "load_avg_1min_at_start": load_start,
                    "load_avg_1min_at_end": round(os.getloadavg()[0], 2)},
        "others": {"cores_busy_on_average": round(others_cores, 2),
                   "top_processes_at_start": others_start,
                   "note": "machine CPU time (/proc/stat) minus this benchmark's own, over its "
                           "run, in cores; on this shared machine other engineers' tests run"},
        "rows": rows,
    }
    for row in rows:
        row["created_utc"] = result["created_utc"]
        row["others_cores_busy"] = round(others_cores, 2)
    path = ROOT / "bench" / "sweep_results.json"
    if args.keep_other_rows and path.is_file():  # rows of other case lengths from earlier runs
        done = {row["hours"] for row in rows}
        old = [r for r in json.loads(path.read_text()).get("rows", []) if r["hours"] not in done]
        result["rows"] = sorted(old + rows, key=lambda r: r["hours"])
    path.write_text(json.dumps(result, indent=1) + "\n")
    print(f"others busy on average: {others_cores:.2f} cores; written: {path}")


if __name__ == "__main__":
    main()

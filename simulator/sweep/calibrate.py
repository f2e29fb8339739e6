"""The calibration runs of ``districtsim sweep --plan``, in fresh processes as a sweep has them.

``python -m simulator.sweep.calibrate JOB`` (JOB: JSON with ``phase``, ``base``, ``overrides``,
``start`` (ISO time of the case's first hour), ``slices`` (``[offset_h, hours]`` pairs) and
``probe_hours``) pins the threads, imports the simulator and Dask's worker (timed, as a worker
imports them), then, by phase:

* ``client``: one warm-up run of :data:`~simulator.sweep.executors.WARM_UP_HOURS` hours, as
  the sweep's client does it: the numba compile into the (empty) cache directory;
* ``worker``: what a worker then does: the same first run (now loading the compiled code from
  the cache), the better of two 1-hour runs (loading the networks, building the inputs, the
  first solve, writing a cube), and each slice: ``hours`` hours from ``offset_h`` after the
  case's start (the period shifted), so a year is sampled in winter, spring, summer and
  autumn, not only in January; a write probe times the first slice's cube repeated to
  ``probe_hours`` hours (writing is mostly compression, it grows with the hours).

Every run is split by the simulator's progress callback into ``hour_s`` (each hour; the first
includes loading the networks and building the inputs) and ``write_s`` (the cube), all as CPU
time of the process (s): what the case costs a core of its own, however busy this machine is.
It prints one JSON object with those times, the cubes' sizes, the process's peak resident
memory (bytes) and the recorded values per hour. Nothing is written outside a temporary
directory (and numba's cache directory).
"""

from __future__ import annotations

import json
import resource
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from simulator.threads import pin_threads


def _timed_run(base: str, overrides: dict[str, Any], hours: int, out: Path) -> dict[str, Any]:
    """Run one window; CPU time (s) in total, per hour and for writing the cube, wall time."""
    from simulator.api import run

    stamps: list[float] = []
    start, start_cpu = time.perf_counter(), time.process_time()
    run(base, hours, out, overrides, progress=lambda done, total, failed=0: stamps.append(
        time.process_time()))
    end, end_cpu = time.perf_counter(), time.process_time()
    return {"hours": hours, "wall_s": round(end - start, 4),
            "cpu_s": round(end_cpu - start_cpu, 4),
            "hour_s": [round(b - a, 4) for a, b in zip([start_cpu, *stamps], stamps,
                                                        strict=False)],
            "write_s": round(end_cpu - stamps[-1], 4), "cube_bytes": out.stat().st_size}


def _write_probe(cube: Path, hours: int, out: Path) -> dict[str, Any]:
    """Write ``cube`` repeated along time to ``hours`` hours as the simulator writes a cube;
    its CPU time (s) and size."""
    import numpy as np
    import xarray as xr

    from simulator.output.cube import write_cube

    with xr.open_dataset(cube, engine="netcdf4") as ds:
        one = ds.load()
    copies = -(-hours // one.sizes["time"])
    long = xr.concat([one] * copies, dim="time", data_vars="minimal", coords="minimal",
                     compat="override").isel(time=slice(0, hours))
    start = one.time.values[0]
    long = long.assign_coords(time=start + np.arange(hours) * np.timedelta64(1, "h"))
    begin = time.process_time()
    write_cube(long, out)
    return {"hours": hours, "write_s": round(time.process_time() - begin, 4),
            "cube_bytes": out.stat().st_size}


def _values_per_hour(cube: Path) -> int:
    """Recorded values per simulated hour: every element of every time-dimensioned variable."""
    import xarray as xr

    with xr.open_dataset(cube, engine="netcdf4") as ds:
        return int(sum(var.size // ds.sizes["time"] for var in ds.data_vars.values()
                       if "time" in var.dims))


def _first_run(job: dict[str, Any], folder: Path) -> dict[str, Any]:
    from simulator.jitcache import compile_timer
    from simulator.sweep.executors import WARM_UP_HOURS

    with compile_timer() as compile_s:
        first = _timed_run(job["base"], job["overrides"], WARM_UP_HOURS, folder / "first.nc")
    return {**first, "compile_s": round(compile_s[0], 3)}


def calibrate(job: dict[str, Any]) -> dict[str, Any]:
    """The runs of ``job["phase"]`` in this process; the measurements (s, bytes)."""
    base, overrides = job["base"], job["overrides"]
    start = datetime.fromisoformat(job["start"])
    with tempfile.TemporaryDirectory(prefix="districtsim-calibrate-") as tmp:
        folder = Path(tmp)
        first = _first_run(job, folder)
        if job["phase"] == "client":
            return {"first_run": first}
        one_hour = min((_timed_run(base, overrides, 1, folder / f"one{i}.nc") for i in (0, 1)),
                       key=lambda r: r["cpu_s"])
        slices = []
        for i, (offset_h, hours) in enumerate(job["slices"]):
            window = {**overrides, "period.start": (start + timedelta(hours=offset_h)).isoformat(),
                      "period.hours": hours}
            slices.append({"offset_h": offset_h,
                           **_timed_run(base, window, hours, folder / f"slice{i}.nc")})
        values = _values_per_hour(folder / "slice0.nc")
        probe = _write_probe(folder / "slice0.nc", job["probe_hours"], folder / "probe.nc")
    return {"first_run": first, "one_hour": one_hour, "slices": slices, "write_probe": probe,
            "values_per_hour": values,
            "peak_rss_bytes": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024}


def main(argv: list[str]) -> int:
    pin_threads()  # as in a worker: before numpy loads
    start = time.process_time()
    from simulator.sweep.executors import load_worker_modules  # timed: the simulator

    load_worker_modules()  # and Dask's worker, as a worker holds them (their memory counts)
    import_s = time.process_time() - start
    print(json.dumps({"import_s": round(import_s, 3), **calibrate(json.loads(argv[0]))}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))

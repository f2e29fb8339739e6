"""The calibration run of ``districtsim sweep --plan``, in a fresh process as a worker would be.

``python -m simulator.sweep.calibrate JOB`` (JOB: JSON with ``base``, ``overrides``,
``start`` (ISO time of the case's first hour), ``slices`` (``[offset_h, hours]`` pairs) and
``probe_hours``)
pins the threads, imports the simulator (and Dask's worker, as a worker does), then times:

* a warm-up run of :data:`~simulator.sweep.executors.WARM_UP_HOURS` hours (numba compile or
  cache load, first-run costs);
* the per-case fixed cost: the better of two 1-hour runs (load the networks, build the inputs,
  the first hour, write the cube);
* each slice: ``hours`` hours from ``offset_h`` after the case's start (the period shifted),
  so a year is sampled in winter, spring, summer and autumn, not only in January.

Every run is split by the simulator's progress callback into ``first_s`` (start until the first
hour is done: networks, inputs, the first solve), ``hours_s`` (the hours after the first) and
``write_s`` (the cube); a write probe times the first slice's cube repeated to
``probe_hours`` hours. It prints one JSON object: those times (s), the cubes' sizes, the
process's peak resident memory (bytes) and the recorded values per hour. Nothing is written
outside a temporary directory.
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
    """Run and time one window: total, first hour, later hours and cube writing (s)."""
    from simulator.api import run

    stamps: list[float] = []
    start = time.perf_counter()
    run(base, hours, out, overrides, progress=lambda done, total: stamps.append(
        time.perf_counter()))
    end = time.perf_counter()
    return {"hours": hours, "wall_s": round(end - start, 4),
            "first_s": round(stamps[0] - start, 4), "hours_s": round(stamps[-1] - stamps[0], 4),
            "write_s": round(end - stamps[-1], 4), "cube_bytes": out.stat().st_size}


def _write_probe(cube: Path, hours: int, out: Path) -> dict[str, Any]:
    """Write ``cube`` repeated along time to ``hours`` hours as the simulator writes a cube
    (cube writing is mostly compression, so it grows with the hours); its time and size."""
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
    begin = time.perf_counter()
    write_cube(long, out)
    return {"hours": hours, "write_s": round(time.perf_counter() - begin, 4),
            "cube_bytes": out.stat().st_size}


def _values_per_hour(cube: Path) -> int:
    """Recorded values per simulated hour: every element of every time-dimensioned variable."""
    import xarray as xr

    with xr.open_dataset(cube, engine="netcdf4") as ds:
        return int(sum(var.size // ds.sizes["time"] for var in ds.data_vars.values()
                       if "time" in var.dims))


def calibrate(job: dict[str, Any], import_s: float) -> dict[str, Any]:
    """Time the runs of ``job`` in this process; the measurements (s, bytes)."""
    from simulator.jitcache import compile_timer
    from simulator.sweep.executors import WARM_UP_HOURS

    base, overrides = job["base"], job["overrides"]
    start = datetime.fromisoformat(job["start"])
    with tempfile.TemporaryDirectory(prefix="districtsim-calibrate-") as tmp:
        folder = Path(tmp)
        with compile_timer() as compile_s:
            warm_up = _timed_run(base, overrides, WARM_UP_HOURS, folder / "warm.nc")
        one_hour = min((_timed_run(base, overrides, 1, folder / f"one{i}.nc") for i in (0, 1)),
                       key=lambda r: r["wall_s"])
        slices = []
        for i, (offset_h, hours) in enumerate(job["slices"]):
            window = {**overrides, "period.start": (start + timedelta(hours=offset_h)).isoformat(),
                      "period.hours": hours}
            slices.append({"offset_h": offset_h,
                           **_timed_run(base, window, hours, folder / f"slice{i}.nc")})
        values = _values_per_hour(folder / "slice0.nc")
        probe = _write_probe(folder / "slice0.nc", job["probe_hours"], folder / "probe.nc")
    return {"import_s": round(import_s, 3), "warm_up_s": warm_up["wall_s"],
            "compile_s": round(compile_s[0], 3), "one_hour": one_hour,
            "slices": slices, "write_probe": probe, "values_per_hour": values,
            "peak_rss_bytes": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024}


def main(argv: list[str]) -> int:
    pin_threads()  # as in a worker: before numpy loads
    start = time.perf_counter()
    from simulator.sweep.executors import load_worker_modules  # timed: the simulator

    load_worker_modules()  # and Dask's worker, as a worker holds them (their memory counts)
    import_s = time.perf_counter() - start
    print(json.dumps(calibrate(json.loads(argv[0]), import_s)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))

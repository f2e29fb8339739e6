"""open_results on a 200-case sweep directory: lazy (dask-backed) and under 1 GiB of memory.

The cases are short to simulate: one real 4-hour Schutterwald run, its hours repeated to two
weeks and written as a cube by the simulator's own writer, hard-linked 200 times beside a
manifest of a 20 x 10 grid. Loaded eagerly those cubes would take more than 1 GiB; opened in a
fresh process they must stay dask arrays, keep its peak memory under 1 GiB, and still give
the right numbers for the ``set_index(...).unstack(...)`` workflow of ``docs/howto/sweeps.md``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import xarray as xr

from simulator.api import run
from simulator.output.cube import write_cube

from conftest import ROOT, SCHUTTERWALD

CASES, HOURS, GIB = 200, 336, 2**30

PROBE = """
import json, resource, sys
import simulator
ds = simulator.open_results(sys.argv[1])
lazy = all(v.chunks is not None for v in ds.data_vars.values())
grid = ds.set_index(scenario=["a", "b"]).unstack("scenario")
co2_t = grid.co2_t.where(grid.converged == 1).sum("time")
print(json.dumps({
    "lazy": lazy, "nbytes": ds.nbytes, "sizes": dict(ds.sizes),
    "lazy_after_unstack": grid.co2_t.chunks is not None,
    "co2_t": co2_t.values.tolist(), "dims": list(co2_t.dims),
    "heat": ds.unit_heat_mw.sel(scenario="case_123").values.tolist(),
    "peak_rss": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024}))
"""


@pytest.fixture(scope="module")
def many(tmp_path_factory) -> tuple[Path, xr.Dataset]:
    """(sweep directory of 200 cubes, the one cube they all are)."""
    folder = tmp_path_factory.mktemp("many")
    short = run(SCHUTTERWALD, hours=4, output=folder / "short.nc")
    with xr.open_dataset(short, engine="netcdf4") as ds:
        one = ds.load()
    long = xr.concat([one] * (HOURS // 4), dim="time", data_vars="minimal",
                     coords="minimal", compat="override")
    long = long.assign_coords(time=one.time.values[0] + np.arange(HOURS) * np.timedelta64(1, "h"))
    sweep = folder / "sweep"
    cube = write_cube(long, folder / "cube.nc")
    sweep.mkdir()
    for i in range(CASES):
        os.link(cube, sweep / f"case_{i:03d}.nc")
    cases = [{"case_id": f"case_{i:03d}", "status": "done",
              "parameters": {"a": i // 10, "b": i % 10}} for i in range(CASES)]
    (sweep / "manifest.json").write_text(json.dumps({"cases": cases}))
    with xr.open_dataset(cube, engine="netcdf4") as ds:
        return sweep, ds.load()


def test_a_200_case_sweep_opens_lazily_in_under_1_gib(many):
    sweep, cube = many
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-c", PROBE, str(sweep)], capture_output=True,
                          text=True, env=env, check=True)
    probe = json.loads(done.stdout.strip().splitlines()[-1])
    assert probe["sizes"]["scenario"] == CASES and probe["sizes"]["time"] == HOURS
    assert probe["nbytes"] > 1.1 * GIB  # eagerly loaded, this sweep would not fit
    assert probe["lazy"] and probe["lazy_after_unstack"]
    assert probe["peak_rss"] < GIB, f"peak memory {probe['peak_rss'] / GIB:.2f} GiB"
    # the numbers are the cubes' own: every case is the same cube
    assert probe["dims"] == ["a", "b"] and np.shape(probe["co2_t"]) == (20, 10)
    expected = float(cube.co2_t.where(cube.converged == 1).sum("time"))
    assert np.allclose(probe["co2_t"], expected) and expected > 0
    np.testing.assert_array_equal(probe["heat"], cube.unit_heat_mw.values)


def test_one_cube_still_opens_loaded(many):
    sweep, cube = many
    from simulator import open_results

    single = open_results(sweep / "case_007.nc")
    assert all(v.chunks is None for v in single.data_vars.values())
    np.testing.assert_array_equal(single.co2_t.values, cube.co2_t.values)

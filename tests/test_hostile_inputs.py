"""Hostile scenario files and output paths: exit 2 before anything is simulated, no traceback,
no hang, no file. Also: events keep what the user's file has out of service; runs repeat."""

from __future__ import annotations

import os
import time
from pathlib import Path

import numpy as np
import pandapipes
import pandapower
import pytest
import yaml

from simulator.api import run
from simulator.cli import main
from simulator.output.cube import open_results

from conftest import schutterwald_raw
from networks_factory import PLANT_BUS, build_grid, build_heat_net, scenario


def cli(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = main(argv)
    err = capsys.readouterr().err
    assert "Traceback" not in err
    return code, err


def write_raw(tmp_path: Path, raw: object, name: str = "s.yaml") -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(raw, sort_keys=False))
    return path


def test_non_utf8_yaml(tmp_path, capsys):
    path = tmp_path / "latin1.yaml"
    path.write_bytes(yaml.safe_dump(schutterwald_raw()).encode() + "title: Käfertal\n".encode(
        "latin-1"))
    code, err = cli(["validate", str(path)], capsys)
    assert code == 2 and f"{path}: line" in err and "not UTF-8" in err


def test_very_deep_yaml(tmp_path, capsys):
    path = tmp_path / "deep.yaml"
    path.write_text("name: x\ntitle: " + "[" * 20000 + "]" * 20000 + "\n")
    code, err = cli(["validate", str(path)], capsys)
    assert code == 2 and str(path) in err


def test_billion_laughs_is_refused_fast(tmp_path, capsys):
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]" for i in range(1, 10)]
    path = tmp_path / "laughs.yaml"
    path.write_text("\n".join(lines) + "\n")
    start = time.perf_counter()
    code, err = cli(["validate", str(path)], capsys)
    assert time.perf_counter() - start < 10
    assert code == 2 and "expands to more than" in err


def test_a_device_as_scenario(capsys):
    code, err = cli(["validate", "/dev/zero"], capsys)
    assert code == 2 and "/dev/zero: not a regular file" in err


def test_a_million_hours(tmp_path, capsys):
    path = write_raw(tmp_path, schutterwald_raw())
    out = tmp_path / "m.nc"
    code, err = cli(["run", str(path), "--hours", "1000000", "--output", str(out)], capsys)
    assert code == 2 and "--hours: 1000000 is more than" in err and not out.exists()


@pytest.mark.parametrize("value", [float("inf"), float("nan"), -float("inf")])
def test_non_finite_capacity(tmp_path, capsys, value):
    raw = schutterwald_raw()
    raw["units"][0]["heat_mw"] = value
    code, err = cli(["validate", str(write_raw(tmp_path, raw))], capsys)
    assert code == 2 and "units[0].heat_mw" in err


def _unwritable(tmp_path: Path) -> Path:
    if os.geteuid() == 0:  # root writes anywhere permissions allow: /sys refuses new files
        return Path("/sys/districtsim-test/cube.nc")
    folder = tmp_path / "locked"
    folder.mkdir(mode=0o500)
    return folder / "cube.nc"


@pytest.mark.parametrize("kind", ["directory", "under a file", "unwritable", "too long"])
def test_output_path_problems_are_found_before_the_run(tmp_path, capsys, kind):
    path = write_raw(tmp_path, schutterwald_raw())
    (tmp_path / "afile").write_text("x")
    out = {"directory": tmp_path, "under a file": tmp_path / "afile" / "cube.nc",
           "unwritable": _unwritable(tmp_path),
           "too long": tmp_path / ("c" * 250 + ".nc")}[kind]
    before = sorted(p.name for p in tmp_path.iterdir())
    start = time.perf_counter()
    code, err = cli(["run", str(path), "--hours", "2", "--output", str(out)], capsys)
    assert code == 2 and f"--output: {out}" in err, err
    assert time.perf_counter() - start < 20  # refused before simulating
    assert sorted(p.name for p in tmp_path.iterdir()) == before


# -- events and determinism on the test district --------------------------------------------
@pytest.fixture(scope="module")
def district(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("keep")
    heat, grid = build_heat_net(), build_grid()
    s3, s4 = (int(heat.junction.index[heat.junction["name"] == n][0]) for n in ("s3", "s4"))
    pandapipes.create_pipe(heat, s3, s4, std_type="ISOPLUS_DRE200_STD", length_km=0.3,
                           text_k=283.15, name="spare_s3_4", in_service=False)
    grid.line.loc[grid.line["name"] == "Line 6-7", "in_service"] = False
    (root / "district").mkdir()
    pandapipes.to_json(heat, str(root / "district" / "heat.json"))
    pandapower.to_json(grid, str(root / "district" / "electric.json"))
    return root


UNITS = [{"name": "gas", "type": "boiler", "heat_mw": 8.0, "fuel": "natural_gas",
          "efficiency": 0.95},
         {"name": "hp", "type": "heat_pump", "heat_mw": 1.0, "t_source_c": 10,
          "bus": PLANT_BUS}]


def test_events_keep_the_files_out_of_service_elements(district):
    raw = scenario(UNITS)
    raw["events"] = [
        {"type": "line_outage", "line": "Line 3-4", "start": "2030-01-01T01:00", "hours": 1},
        {"type": "pipe_closure", "pipe": "trunk_s3_4", "start": "2030-01-01T01:00", "hours": 1}]
    cube = run(write_raw(district, raw, "keep.yaml"), hours=3, output=district / "keep.nc")
    with open_results(cube) as ds:
        assert ds.line_in_service.sel(line="Line 6-7").values.tolist() == [0, 0, 0]
        assert ds.line_in_service.sel(line="Line 3-4").values.tolist() == [1, 0, 1]
        assert ds.pipe_in_service.sel(pipe="spare_s3_4").values.tolist() == [0, 0, 0]
        assert ds.pipe_in_service.sel(pipe="trunk_s3_4").values.tolist() == [1, 0, 1]
        # the closure cuts the consumers beyond s3 off: the spare pipe stayed closed
        cut = ds.consumer_heat_mw.sel(consumer="block_b").values
        assert cut[1] == 0.0 and cut[0] > 0 and cut[2] > 0
        assert ds.converged.values.tolist() == [1, 1, 1]


def test_the_same_scenario_gives_identical_data(district):
    raw = scenario(UNITS)
    raw["events"] = [{"type": "random_failures", "units": ["hp", "gas"], "mttf_h": 3,
                      "mttr_h": 2, "seed": 7}]
    config = write_raw(district, raw, "twice.yaml")
    cubes = [open_results(run(config, hours=8, output=district / f"twice{i}.nc"))
             for i in range(2)]
    assert set(cubes[0].data_vars) == set(cubes[1].data_vars)
    for name in cubes[0].data_vars:
        np.testing.assert_array_equal(cubes[0][name].values, cubes[1][name].values, name)
    assert (cubes[0].unit_available < 1).any()  # the failures did happen

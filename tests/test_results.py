"""Tests for simulator.output.cube: real netCDF files under tmp_path, no file-format mocks."""

from __future__ import annotations

import json
import re
from pathlib import Path

import netCDF4
import numpy as np
import pytest
import xarray as xr

from simulator.output.cube import (
    VARIABLES,
    Recorder,
    cube_dims,
    encoding_for,
    open_results,
    write_cube,
)
from simulator.output.summary import format_summary, summarize

COORDS = {
    "unit": ["hp", "boiler", "store"], "plant": ["main", "north"], "consumer": ["c1", "c2"],
    "junction": ["j1", "j2", "j3"],
    "pipe": ["p1", "p2"], "bus": ["b1", "b2"], "line": ["l1", "l2"], "trafo": ["t1"],
}
FLAGS = {v.name for v in VARIABLES if v.flag_meanings}
ATTRS = {"title": "test cube", "scenario": "base", "config_sha256": "ab" * 32, "history": "test"}


def hours(n: int, start: str = "2030-01-01T00:00") -> np.ndarray:
    """``n`` hourly datetime64[ns] stamps from ``start``."""
    return np.datetime64(start, "ns") + np.arange(n) * np.timedelta64(1, "h")


def filled_recorder(n: int = 5) -> Recorder:
    """Every variable recorded with distinct known values; flags 1 except converged at hour 2,
    and hour ``n - 1`` left unrecorded (NaN floats, flags 0)."""
    rec = Recorder(hours(n), COORDS)
    for i in range(n - 1):
        values: dict[str, float | np.ndarray] = {}
        for k, var in enumerate(VARIABLES):
            if var.is_text:
                values[var.name] = f"element_{k}_{i}"
            elif var.name in FLAGS:
                flag = 0.0 if (var.name == "converged" and i == 2) else 1.0
                values[var.name] = (flag if len(var.dims) == 1
                                    else np.full(len(COORDS[var.dims[1]]), flag))
            elif len(var.dims) == 1:
                values[var.name] = 100.0 * k + 10 * i + 0.25
            else:
                values[var.name] = 100.0 * k + 10 * i + np.arange(len(COORDS[var.dims[1]]))
        rec.record(i, values)
    return rec


def test_round_trip(tmp_path: Path) -> None:
    rec = filled_recorder()
    path = write_cube(rec.to_dataset(ATTRS), tmp_path / "sub" / "cube.nc")
    assert path == tmp_path / "sub" / "cube.nc"
    with open_results(path) as ds:
        assert ds.attrs["Conventions"] == "CF-1.11"
        assert ds.attrs["scenario"] == "base" and ds.attrs["config_sha256"] == "ab" * 32
        for dim, names in COORDS.items():
            assert ds[dim].values.tolist() == names
        times = ds["time"].values
        assert times[0] == np.datetime64("2030-01-01T00:00")
        assert np.all(np.diff(times) == np.timedelta64(1, "h")) and times.size == 5
        for var in VARIABLES:
            da = ds[var.name]
            assert da.dims == cube_dims(var.dims)  # element first, time last (CF §2.4)
            recorded = rec.array(var.name).T  # recorded (time, element)
            assert da.attrs.get("units") == var.units  # text variables carry none
            assert da.attrs["long_name"] == var.long_name
            if var.is_text:  # an element's name each hour, "" where nothing was recorded
                expected_text = [f"element_{VARIABLES.index(var)}_{i}" for i in range(4)] + [""]
                assert da.values.tolist() == expected_text
            elif var.name in FLAGS:
                assert da.dtype == np.int8
                expected = np.nan_to_num(recorded).astype(np.int8)
                np.testing.assert_array_equal(da.values, expected)
            else:
                assert da.dtype == np.float64
                np.testing.assert_array_equal(da.values, recorded)
        assert ds["t_air_k"].attrs["standard_name"] == "air_temperature"
        assert ds["converged"].values.tolist() == [1, 1, 0, 1, 0]
        k = [v.name for v in VARIABLES].index("junction_t_k")  # value 100 k + 10 hour + element
        t_j2 = ds["junction_t_k"].sel(junction="j2", time="2030-01-01T01:00").item()
        assert t_j2 == 100.0 * k + 10 + 1
    with netCDF4.Dataset(path) as nc:
        time = nc["time"]
        assert time.dtype == np.int64 and time[:].tolist() == [0, 1, 2, 3, 4]
        assert re.fullmatch(r"hours since 2030-01-01([ T]00:00(:00)?)?", time.units)
        assert time.calendar == "proleptic_gregorian"
        for name in (*FLAGS, "time", "unit_name", "consumer_name"):
            assert "_FillValue" not in nc[name].ncattrs(), name
        heat = nc["unit_heat_mw"]
        assert heat.dtype == np.float64 and np.isnan(heat._FillValue)
        assert heat.filters()["zlib"] and heat.filters()["complevel"] == 4
        assert heat.dimensions == ("unit", "time") and heat.coordinates == "unit_name"
        # names are an auxiliary coordinate: CF coordinate variables must be numeric
        assert "unit" not in nc.variables and nc["unit_name"].dtype is str
        assert nc["t_air_k"].units_metadata == "temperature: on_scale"
        assert nc["time"].units_metadata == "leap_seconds: none"


def test_time_axis_not_at_midnight(tmp_path: Path) -> None:
    rec = Recorder(hours(3, "2030-03-05T07:00"), {"unit": ["u"]})
    rec.record(0, {"unit_heat_mw": np.array([1.5])})
    path = write_cube(rec.to_dataset({}), tmp_path / "c.nc")
    with netCDF4.Dataset(path) as nc:
        assert nc["time"][:].tolist() == [0, 1, 2]
        assert nc["time"].units.startswith("hours since 2030-03-05")
        assert "07:00" in nc["time"].units
    with open_results(path) as ds:
        assert ds["time"].values[0] == np.datetime64("2030-03-05T07:00")
        assert ds.sizes["line"] == 0 and ds["line_loading_percent"].shape == (0, 3)


def test_encodings_kept_apart_from_attributes() -> None:
    ds = filled_recorder().to_dataset(ATTRS)
    enc = encoding_for(ds)
    assert all(not v.encoding for v in ds.variables.values())
    assert "_FillValue" not in ds["unit_heat_mw"].attrs
    assert enc["unit_heat_mw"]["complevel"] == 4 and enc["unit_heat_mw"]["dtype"] == "float64"
    assert enc["converged"]["_FillValue"] is None and enc["unit"]["_FillValue"] is None


def test_write_replaces_existing_target(tmp_path: Path) -> None:
    rec = filled_recorder()
    target = tmp_path / "cube.nc"
    write_cube(rec.to_dataset({"scenario": "first"}), target)
    write_cube(rec.to_dataset({"scenario": "second"}), target)
    assert [p.name for p in tmp_path.iterdir()] == ["cube.nc"]
    with open_results(target) as ds:
        assert ds.attrs["scenario"] == "second"


def test_failed_write_leaves_no_target_and_no_temp(tmp_path: Path, monkeypatch) -> None:
    original = xr.Dataset.to_netcdf
    seen: list[Path] = []

    def write_then_fail(self: xr.Dataset, path: Path, *args: object, **kwargs: object) -> None:
        original(self, path, *args, **kwargs)
        seen.append(Path(path))
        raise OSError("disk full")

    monkeypatch.setattr(xr.Dataset, "to_netcdf", write_then_fail)
    out = tmp_path / "out"
    with pytest.raises(OSError, match="disk full"):
        write_cube(filled_recorder().to_dataset(ATTRS), out / "cube.nc")
    assert seen and seen[0].parent == out and seen[0].name.startswith(".cube.nc.tmp-")
    assert list(out.iterdir()) == []


def test_unencodable_dataset_keeps_old_target(tmp_path: Path) -> None:
    target = tmp_path / "cube.nc"
    write_cube(filled_recorder().to_dataset({"scenario": "old"}), target)
    bad = filled_recorder().to_dataset({"scenario": "new"})
    bad["junk"] = ("time", np.array([{"a": 1}] * 5, dtype=object))
    with pytest.raises((TypeError, ValueError)):
        write_cube(bad, target)
    assert [p.name for p in tmp_path.iterdir()] == ["cube.nc"]
    with open_results(target) as ds:
        assert ds.attrs["scenario"] == "old"


def test_open_results_directory_with_manifest(tmp_path: Path) -> None:
    sweep = tmp_path / "sweep"
    for case, (scenario, heat) in enumerate([("hp40", 40.0), ("hp60", 60.0)]):
        rec = Recorder(hours(3), {"unit": ["hp", "bio"]})
        for i in range(3):
            rec.record(i, {"unit_heat_mw": np.array([heat, i]), "converged": 1})
        write_cube(rec.to_dataset({"scenario": scenario}), sweep / f"case_{case:03d}.nc")
    (sweep / ".case_002.nc.tmp-1-abcd").write_bytes(b"partial")
    manifest = {"cases": [
        {"case_id": "case_000", "status": "done",
         "parameters": {"units.dc_hp.heat_mw": 40, "dispatch.order_by": "co2"}},
        {"case_id": "case_001", "status": "done",
         "parameters": {"units.dc_hp.heat_mw": 60, "dispatch.order_by": "cost"}},
        {"case_id": "case_002", "status": "failed", "parameters": {"units.dc_hp.heat_mw": 80}},
    ]}
    (sweep / "manifest.json").write_text(json.dumps(manifest))
    ds = open_results(sweep)
    assert ds.sizes["scenario"] == 2
    assert ds["scenario"].values.tolist() == ["hp40", "hp60"]
    assert ds["case_id"].values.tolist() == ["case_000", "case_001"]
    assert ds["units__dc_hp__heat_mw"].dims == ("scenario",)
    assert ds["units__dc_hp__heat_mw"].values.tolist() == [40.0, 60.0]
    assert ds["dispatch__order_by"].values.tolist() == ["co2", "cost"]
    assert ds["unit_heat_mw"].sel(scenario="hp60", unit="hp").values.tolist() == [60.0] * 3
    assert ds["converged"].sel(scenario="hp40").values.tolist() == [1, 1, 1]
    single = open_results(sweep / "case_001.nc")
    assert "scenario" not in single.dims and single.attrs["scenario"] == "hp60"


def test_open_results_falls_back_to_file_stems(tmp_path: Path) -> None:
    ds = filled_recorder().to_dataset({"scenario": "same"})
    write_cube(ds, tmp_path / "a.nc")
    write_cube(ds, tmp_path / "b.nc")
    assert open_results(tmp_path)["scenario"].values.tolist() == ["a", "b"]


def test_open_results_nothing_to_open(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match=r"no \*\.nc"):
        open_results(tmp_path)
    with pytest.raises(FileNotFoundError, match="missing"):
        open_results(tmp_path / "missing.nc")


GRID_OK = {f"op_{k}_ok": 1 for k in ("vm_min", "vm_max", "line_loading", "trafo_loading")}


def summary_cube(tmp_path: Path) -> xr.Dataset:
    """Two converged hours, one non-converged hour with absurd values, one unrecorded hour."""
    coords = {"unit": ["hp", "store"], "consumer": ["c1", "c2"], "bus": ["b1", "b2"],
              "line": ["l1"], "trafo": []}
    rec = Recorder(hours(4), coords)
    a = np.array
    rec.record(0, {"unit_heat_mw": a([6.0, 4.0]), "consumer_heat_mw": a([5.0, 4.0]),
                   "heat_loss_mw": 1.0, "unit_el_mw": a([2.0, -1.0]), "co2_t": 0.5,
                   "consumer_t_supply_k": a([350.0, 345.0]), "bus_vm_pu": a([1.0, 0.98]),
                   "line_loading_percent": a([50.0]), "heat_demand_mw": 9.5,
                   "unserved_heat_mw": 0.5, "converged": 1, "feasible": 1,
                   **{f"op_{k}_ok": 1 for k in ("dp", "p_max", "p_min", "t_supply", "velocity")},
                   **GRID_OK})
    rec.record(1, {"unit_heat_mw": a([8.0, -2.0]), "consumer_heat_mw": a([3.0, 2.5]),
                   "heat_loss_mw": 0.45, "unit_el_mw": a([3.0, 0.0]), "co2_t": 0.25,
                   "consumer_t_supply_k": a([340.0, 342.0]), "bus_vm_pu": a([1.02, 0.97]),
                   "line_loading_percent": a([70.0]), "heat_demand_mw": 5.5,
                   "unserved_heat_mw": 0.0, "converged": 1, "feasible": 0,
                   **{f"op_{k}_ok": 1 for k in ("p_max", "p_min", "t_supply", "velocity")},
                   **GRID_OK,
                   "op_dp_ok": 0, "op_dp_margin": -0.3, "op_dp_element": "c2"})
    rec.record(2, {"unit_heat_mw": a([100.0, 100.0]), "consumer_heat_mw": a([0.0, 0.0]),
                   "heat_loss_mw": 50.0, "unit_el_mw": a([99.0, 99.0]), "co2_t": 99.0,
                   "consumer_t_supply_k": a([200.0, 200.0]), "bus_vm_pu": a([0.5, 1.5]),
                   "line_loading_percent": a([300.0]), "heat_demand_mw": 80.0,
                   "unserved_heat_mw": 80.0, "converged": 0})
    path = write_cube(rec.to_dataset({"scenario": "s"}), tmp_path / "s.nc")
    return open_results(path)


def test_summarize_hand_computed(tmp_path: Path) -> None:
    f = summarize(summary_cube(tmp_path))
    expected = {
        "hours": 4, "hours_converged": 2, "converged_share": 0.5,
        "heat_delivered_mwh": 14.5, "heat_supplied_mwh": 16.0,
        # demand is an input: over every recorded hour, the failed one's apart (issue 24)
        "heat_demand_mwh": 95.0, "hours_not_solved": 2, "demand_not_solved_mwh": 80.0,
        "unserved_heat_mwh": 0.5, "heat_loss_mwh": 1.45, "heat_loss_percent": 1.45 / 16 * 100,
        "el_drawn_mwh": 5.0, "co2_t": 0.75, "co2_g_per_kwh_heat": 0.75e6 / 14.5e3,
        "peak_heat_mw": 10.0, "min_consumer_t_supply_c": 340.0 - 273.15,
        "min_bus_vm_pu": 0.97, "max_bus_vm_pu": 1.02, "max_line_loading_percent": 70.0,
        "max_balance_error_percent": 0.05 / 6 * 100, "el_fed_in_mwh": 1.0,
        # produced heat: hp 6 + 8, store discharge 4 (its charge does not count)
        "share:hp": 14 / 18 * 100, "share:store": 4 / 18 * 100,
        # hour 1 converged but c2 lacked differential pressure; hour 0 left 0.5 MW unserved
        "hours_feasible": 1, "hours_infeasible": 1, "hours_unserved": 1,
        "hours_violated:dp": 1, "hours_violated:p_max": 0, "hours_violated:p_min": 0,
        "hours_violated:t_supply": 0, "hours_violated:velocity": 0,
        "hours_violated:vm_min": 0, "hours_violated:vm_max": 0,
        "hours_violated:line_loading": 0, "hours_violated:trafo_loading": 0,
    }
    for key, value in expected.items():
        assert f[key] == pytest.approx(value), key
    assert np.isnan(f["max_trafo_loading_percent"])
    assert set(f) == {*expected, "max_trafo_loading_percent"}


def test_summarize_missing_variables_give_nan(tmp_path: Path) -> None:
    ds = summary_cube(tmp_path).drop_vars(["line_loading_percent", "bus_vm_pu"]).drop_dims("line")
    f = summarize(ds)
    assert np.isnan(f["max_line_loading_percent"]) and np.isnan(f["min_bus_vm_pu"])
    assert f["heat_delivered_mwh"] == pytest.approx(14.5)
    with pytest.raises(ValueError, match="scenario"):
        summarize(xr.concat([ds, ds], dim="scenario"))


def test_format_summary(tmp_path: Path) -> None:
    text = format_summary(summarize(summary_cube(tmp_path)), "scenario s")
    lines = text.splitlines()
    assert lines[0] == "scenario s"
    row = next(line for line in lines if line.startswith("heat delivered"))
    assert re.fullmatch(r"heat delivered \(solved hours\)\s+14\.5 MW h", row)
    assert re.fullmatch(r"max trafo loading\s+n/a %",
                        next(line for line in lines if line.startswith("max trafo")))
    assert len({len(line.split(" MW h")[0]) for line in lines if line.endswith(" MW h")}) == 1


def test_record_rejects_unknown_names_and_wrong_shapes() -> None:
    rec = Recorder(hours(2), COORDS)
    with pytest.raises(KeyError, match="unit_heat_kw"):
        rec.record(0, {"unit_heat_kw": np.zeros(3)})
    with pytest.raises(ValueError, match="unit_heat_mw"):
        rec.record(0, {"unit_heat_mw": np.zeros(2)})
    with pytest.raises(ValueError, match="unit_heat_mw"):
        rec.record(0, {"unit_heat_mw": 1.0})
    with pytest.raises(ValueError, match="co2_t"):
        rec.record(0, {"co2_t": np.zeros(3)})
    with pytest.raises(ValueError):  # nothing written when any entry is bad
        rec.record(0, {"co2_t": 1.0, "bus_vm_pu": np.ones(5)})
    assert np.isnan(rec.array("co2_t")[0])
    with pytest.raises(IndexError):
        rec.record(2, {"co2_t": 1.0})
    with pytest.raises(KeyError):
        rec.array("nope")
    rec.record(1, {"co2_t": 2.0, "bus_vm_pu": np.array([1.0, 0.99])})
    assert rec.array("co2_t")[1] == 2.0 and rec.array("bus_vm_pu")[1].tolist() == [1.0, 0.99]


def test_recorder_rejects_bad_axes() -> None:
    with pytest.raises(ValueError, match="hourly"):
        Recorder(hours(3)[[0, 2]], COORDS)
    with pytest.raises(ValueError, match="units"):
        Recorder(hours(3), {"units": ["a"]})
    with pytest.raises(ValueError, match="duplicate"):
        Recorder(hours(3), {"bus": ["b", "b"]})


def test_operating_notes_name_the_worst_element_and_its_hour(tmp_path: Path) -> None:
    from simulator.output.operating import operating_notes

    notes = operating_notes(summary_cube(tmp_path))
    assert notes == ["  substation differential pressure: 1 h outside the limit, worst -0.30 bar "
                     "at c2 (2030-01-01 01:00)"]

"""Trust, round three: input that looks valid but would give a silently wrong answer is refused
(exit 2, the file and the key named, no traceback, no file at the output path), or takes effect.

Every test builds its bad input from scratch on the shipped Schutterwald scenario.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import yaml

from simulator.api import run
from simulator.cli import main
from simulator.output.cube import open_results

from conftest import schutterwald_raw


def write(tmp_path: Path, raw: object, name: str = "s.yaml") -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(raw, sort_keys=False))
    return path


def refused(tmp_path: Path, path: Path, capsys: pytest.CaptureFixture[str],
            *extra: str) -> str:
    """Run ``path`` for 2 hours: exit 2, no traceback, no cube; the error text."""
    out = tmp_path / "cube.nc"
    code = main(["run", str(path), "--hours", "2", "--output", str(out), *extra])
    err = capsys.readouterr().err
    assert code == 2, err
    assert "Traceback" not in err
    assert not out.exists()
    return err


def test_a_duplicate_key_is_refused_naming_both_lines(tmp_path, capsys):
    text = Path(write(tmp_path, schutterwald_raw())).read_text()
    text = text.replace("heat_mw: 0.8", "heat_mw: 0.8\n  heat_mw: 80", 1)
    path = tmp_path / "dup.yaml"
    path.write_text(text)
    lines = text.splitlines()
    first = next(i for i, line in enumerate(lines, 1) if "heat_mw: 0.8" in line)
    err = refused(tmp_path, path, capsys)
    assert f"{path}: line {first + 1}: key 'heat_mw' is given twice (first on line {first})" \
        in err


def test_a_merge_key_may_be_overridden(tmp_path, capsys):
    raw = schutterwald_raw()
    del raw["ground"]
    text = "x_ground: &d {mean_c: 10, amplitude_k: 5}\n" + yaml.safe_dump(raw, sort_keys=False)
    text += "ground:\n  <<: *d\n  mean_c: 12\n"  # YAML's merge: the key written wins
    path = tmp_path / "merge.yaml"
    path.write_text(text)
    code = main(["validate", str(path)])
    err = capsys.readouterr().err
    assert code == 2 and "given twice" not in err and "x_ground" in err  # only the extra key


def test_the_weather_range_is_checked_after_the_offset(tmp_path, capsys):
    raw = schutterwald_raw()
    raw["weather"]["offset_k"] = 100.0
    err = refused(tmp_path, write(tmp_path, raw), capsys)
    assert raw["weather"]["file"] in err and "offset_k 100" in err and "outside -60..50" in err


def test_a_start_with_an_offset_reads_the_data_at_the_same_instants(tmp_path):
    raw = schutterwald_raw()
    raw["period"]["start"] = "2030-01-01T00:00+02:00"  # 2029-12-31T22:00 UTC
    cube = run(write(tmp_path, raw), hours=2, output=tmp_path / "tz.nc")
    with open_results(cube) as ds:
        assert str(ds.time.values[0])[:16] == "2029-12-31T22:00"
        # the file's 2019-12-31T22:00 and 23:00 (-0.9, -0.7 °C) plus the scenario's +4 K
        assert np.allclose(ds.t_air_k.values - 273.15, [3.1, 3.3])


def test_a_start_off_the_whole_hour_is_refused(tmp_path, capsys):
    raw = schutterwald_raw()
    raw["period"]["start"] = "2030-01-01T00:30"
    err = refused(tmp_path, write(tmp_path, raw), capsys)
    assert "period.start" in err and "not a whole hour" in err


def test_cop_min_above_cop_max_is_refused(tmp_path, capsys):
    raw = schutterwald_raw()
    raw["units"][0].update(cop_min=9, cop_max=2)
    err = refused(tmp_path, write(tmp_path, raw), capsys)
    assert "units[0]" in err and "cop_min (9) must not exceed cop_max (2)" in err


def test_a_source_hotter_than_the_sink_is_refused(tmp_path, capsys):
    raw = schutterwald_raw()
    raw["units"][0].update(t_source_c=150, t_sink_max_c=90)
    err = refused(tmp_path, write(tmp_path, raw), capsys)
    assert "units[0]" in err and "t_source_c (150 °C) must be below t_sink_max_c" in err


def test_a_seasonal_source_above_the_supply_is_refused_hour_by_hour(tmp_path, capsys):
    raw = schutterwald_raw()
    raw["units"][0].update(source="waste_water", t_source_c=None,
                           seasonal={"mean_c": 75, "amplitude_k": 10, "warmest_day": 200})
    path = write(tmp_path, raw)
    code = main(["validate", str(path)])
    err = capsys.readouterr().err
    assert code == 2 and f"{path}: units.ground_hp: the heat source is at" in err
    assert "Traceback" not in err


@pytest.mark.parametrize("start", ["2031-03-01T00:00", "2029-06-01T00:00"])
def test_an_event_outside_the_period_is_refused(tmp_path, capsys, start):
    raw = schutterwald_raw()
    raw["events"] = [{"type": "outage", "unit": "ground_hp", "start": start, "hours": 24}]
    err = refused(tmp_path, write(tmp_path, raw), capsys)
    assert "events[0].start" in err and "outside the period" in err


def test_an_event_begun_before_the_period_that_reaches_into_it_is_kept(tmp_path, capsys):
    raw = schutterwald_raw()
    raw["events"] = [{"type": "outage", "unit": "ground_hp", "start": "2029-12-31T20:00",
                      "hours": 5}]
    assert main(["validate", str(write(tmp_path, raw))]) == 0


@pytest.mark.parametrize(("start", "hours"), [("2030-01-01T01:00", 0.25),
                                              ("2030-01-01T01:40", 0.5)])
def test_an_outage_that_holds_no_sampling_instant_is_refused(tmp_path, capsys, start, hours):
    raw = schutterwald_raw()
    raw["events"] = [{"type": "outage", "unit": "ground_hp", "start": start, "hours": hours}]
    err = refused(tmp_path, write(tmp_path, raw), capsys)
    assert "events[0].hours" in err and "holds no hour's sampling instant" in err


def test_a_recurring_window_that_misses_every_sampling_instant_is_refused(tmp_path, capsys):
    raw = schutterwald_raw()
    raw["events"] = [{"type": "derate", "unit": "ground_hp", "share": 0.5,
                      "start": "2030-01-01T02:00", "hours": 0.4, "every_hours": 24}]
    err = refused(tmp_path, write(tmp_path, raw), capsys)
    assert "events[0].hours" in err


def test_a_price_for_a_fuel_nobody_burns_is_refused_when_unknown(tmp_path, capsys):
    raw = schutterwald_raw()
    raw["prices"] = {"fuel_eur_per_mwh": {"wood_chip": 30.0}}  # the unit burns wood_chips
    err = refused(tmp_path, write(tmp_path, raw), capsys)
    assert "prices.fuel_eur_per_mwh.wood_chip: no unit burns 'wood_chip'" in err


def test_a_factor_for_an_unknown_unburnt_fuel_is_refused(tmp_path, capsys):
    raw = schutterwald_raw()
    raw["carbon"]["fuel_t_per_tj"] = {"woodchips": 0.0}
    err = refused(tmp_path, write(tmp_path, raw), capsys)
    assert "carbon.fuel_t_per_tj.woodchips" in err


def test_a_price_for_a_builtin_unburnt_fuel_is_a_warning_in_the_summary_and_cube(
        tmp_path, capsys):
    raw = schutterwald_raw()
    raw["prices"] = {"fuel_eur_per_mwh": {"natural_gas": 40.0}}
    path = write(tmp_path, raw)
    out = tmp_path / "w.nc"
    assert main(["run", str(path), "--hours", "1", "--output", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "warning: prices.fuel_eur_per_mwh.natural_gas: no unit burns 'natural_gas'" \
        in printed
    with open_results(out) as ds:
        assert "natural_gas" in ds.attrs["input_warnings"]


def test_set_addresses_a_unit_by_name(tmp_path):
    path = write(tmp_path, schutterwald_raw())
    cube = run(path, hours=1, output=tmp_path / "n.nc",
               overrides={"units.eboiler.heat_mw": 0.3})
    with open_results(cube) as ds:
        units = yaml.safe_load(ds.attrs["config_yaml"])["units"]
    assert [u["heat_mw"] for u in units] == [0.8, 0.3, 2.5]


def test_set_by_name_with_a_bad_value_names_the_key(tmp_path, capsys):
    path = write(tmp_path, schutterwald_raw())
    err = refused(tmp_path, path, capsys, "--set", "units.eboiler.heat_mw=-1")
    assert "units[1].heat_mw" in err and "greater than 0" in err


def test_set_with_an_unknown_unit_name_lists_the_names(tmp_path, capsys):
    path = write(tmp_path, schutterwald_raw())
    err = refused(tmp_path, path, capsys, "--set", "units.eboilr.heat_mw=1")
    assert "override 'units.eboilr.heat_mw'" in err and "no item named 'eboilr'" in err
    assert "ground_hp, eboiler, wood_boiler" in err


def test_an_output_name_of_300_characters_is_refused(tmp_path, capsys):
    path = write(tmp_path, schutterwald_raw())
    out = tmp_path / ("c" * 300 + ".nc")
    code = main(["run", str(path), "--hours", "2", "--output", str(out)])
    err = capsys.readouterr().err
    assert code == 2 and "Traceback" not in err and "too long" in err


def test_waste_heat_never_hot_enough_is_refused(tmp_path, capsys):
    raw = schutterwald_raw()
    raw["units"].append({"name": "lukewarm", "type": "waste_heat", "heat_mw": 0.5,
                         "t_source_c": 60, "approach_k": 5})  # the curve never goes below 70
    err = refused(tmp_path, write(tmp_path, raw), capsys)
    assert "units[3].t_source_c" in err and "could never run" in err


def test_a_derate_to_full_capacity_is_a_warning(tmp_path, capsys):
    raw = schutterwald_raw()
    raw["events"] = [{"type": "derate", "unit": "ground_hp", "share": 1.0,
                      "start": "2030-01-01T00:00", "hours": 5}]
    assert main(["validate", str(write(tmp_path, raw))]) == 0
    assert "events[0].share: 1: the derate leaves 'ground_hp'" in capsys.readouterr().out

"""Bad input: every problem named as file: key: reason, all at once, nothing written."""

from __future__ import annotations

from pathlib import Path

import pytest

from simulator.api import validate
from simulator.cli import main
from simulator.config import ConfigError, apply_overrides, load_config

from conftest import schutterwald_raw


def problems_of(path: Path) -> list[str]:
    with pytest.raises(ConfigError) as err:
        validate(path)
    return err.value.problems


def test_shipped_scenario_is_valid():
    scenario = load_config(Path(__file__).parents[1] / "configs" / "schutterwald.yaml")
    assert scenario.name == "schutterwald"
    assert scenario.district.is_absolute()


def test_unknown_key_is_rejected(write_config):
    raw = schutterwald_raw()
    raw["dispatch"]["oder_by"] = "co2"
    (problem,) = problems_of(write_config(raw))
    assert "dispatch.oder_by" in problem and "scenario.yaml" in problem


def test_unknown_unit_type_names_the_unit_key(write_config):
    raw = schutterwald_raw()
    raw["units"][1]["type"] = "fusion_reactor"
    (problem,) = problems_of(write_config(raw))
    assert "units[1]" in problem and "fusion_reactor" in problem


def test_negative_capacity_is_rejected(write_config):
    raw = schutterwald_raw()
    raw["units"][0]["heat_mw"] = -1.0
    (problem,) = problems_of(write_config(raw))
    assert "units[0].heat_mw" in problem and "greater than 0" in problem


def test_all_problems_are_reported_at_once(write_config):
    raw = schutterwald_raw()
    raw["units"][0]["heat_mw"] = -1.0
    raw["units"][2]["efficiency"] = "high"
    raw["period"]["hours"] = 0
    del raw["weather"]
    problems = problems_of(write_config(raw))
    keys = {"units[0].heat_mw", "units[2].efficiency", "period.hours", "weather"}
    assert len(problems) == len(keys)
    assert {p.split(": ")[1] for p in problems} == keys


def test_missing_input_file_names_key_and_file(write_config):
    raw = schutterwald_raw()
    raw["weather"]["file"] = "no_such_weather.csv"
    (problem,) = problems_of(write_config(raw))
    assert "weather.file" in problem and "no_such_weather.csv" in problem


def test_broken_yaml_names_file_and_line(write_config, tmp_path):
    path = tmp_path / "broken.yaml"
    path.write_text("name: x\nunits: [\n  {name: a,\n")
    (problem,) = problems_of(path)
    assert str(path) in problem and "line" in problem and "invalid YAML" in problem


def test_unknown_bus_and_plant_are_checked_against_the_networks(write_config):
    raw = schutterwald_raw()
    raw["units"][0]["bus"] = "no_such_bus"
    raw["units"][2]["plant"] = "no_such_plant"
    problems = problems_of(write_config(raw))
    assert any("units[0].bus" in p and "electric.json" in p for p in problems)
    assert any("units[2].plant" in p and "heat.json" in p for p in problems)


def test_weather_not_covering_period_is_reported(write_config):
    raw = schutterwald_raw()
    del raw["weather"]["source_year"]
    (problem,) = problems_of(write_config(raw))
    assert "weather" in problem and "no data for" in problem


def test_duplicate_unit_names_are_rejected(write_config):
    raw = schutterwald_raw()
    raw["units"][1]["name"] = raw["units"][0]["name"]
    (problem,) = problems_of(write_config(raw))
    assert "unique" in problem


def test_overrides_set_dotted_keys_and_list_items():
    raw = {"units": [{"heat_mw": 1.0}], "period": {"hours": 10}}
    out = apply_overrides(raw, {"units.0.heat_mw": 2.0, "period.hours": 5})
    assert out == {"units": [{"heat_mw": 2.0}], "period": {"hours": 5}}
    assert raw["units"][0]["heat_mw"] == 1.0


@pytest.mark.parametrize("command", ["run", "validate"])
def test_cli_bad_input_exits_2_with_no_traceback_and_no_output(
    command, write_config, tmp_path, capsys
):
    raw = schutterwald_raw()
    raw["units"][0]["type"] = "warp_drive"
    path = write_config(raw)
    out = tmp_path / "out.nc"
    argv = [command, str(path)] + (["--output", str(out)] if command == "run" else [])
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "units[0]" in err and "Traceback" not in err
    assert not out.exists()
    assert list(tmp_path.glob("*.nc*")) == []


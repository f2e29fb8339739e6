"""The unit-type seam: a type written outside the package (``examples/toy_unit.py``: one module,
one ``register_unit_type``) is validated, dispatched, booked and recorded like a built-in one.
"""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np
import pytest
from pydantic import Field

from simulator.config import ConfigError, UnitConfig, parse_scenario, unit_configs
from simulator.constants import C_TO_K
from simulator.supply.carbon import fuel_t_per_mwh
from simulator.supply.producers import SupplyUnit
from simulator.supply.units import (
    build_unit,
    register_unit_type,
    registered_unit_types,
    source_temperature_c,
    unit_type,
)

from conftest import SCHUTTERWALD, example, schutterwald_raw

ROOT = Path(__file__).resolve().parents[1]
BUILT_IN = ["boiler", "chp", "electric_boiler", "heat_pump", "waste_heat"]


def _with_condensing(**entry) -> dict:
    raw = schutterwald_raw()
    raw["units"] = [u for u in raw["units"] if u["name"] != "wood_boiler"] + [
        {"name": "condensing", "type": "condensing_boiler", "heat_mw": 2.5,
         "fuel": "natural_gas", **entry}]
    return raw


def test_the_built_in_types_are_registered_in_the_schema_order():
    assert list(unit_configs())[:6] == ["heat_pump", "waste_heat", "electric_boiler", "boiler",
                                        "chp", "thermal_storage"]
    assert set(BUILT_IN) <= set(registered_unit_types())
    assert "thermal_storage" not in registered_unit_types()  # a store, not a producer
    with pytest.raises(TypeError, match="thermal_storage is not a heat producer"):
        unit_type("thermal_storage")


def test_a_registered_type_is_a_valid_scenario_entry_with_its_defaults():
    example("toy_unit")
    scenario = parse_scenario(_with_condensing(), SCHUTTERWALD)
    spec = scenario.units[-1]
    assert type(spec).__name__ == "CondensingBoilerUnit" and spec.efficiency_at_50c == 1.03
    unit = build_unit(spec, "main")
    assert unit.kind == "condensing_boiler" and unit.min_load_fraction == 0.15
    assert unit.plant == "main" and unit.fuel == "natural_gas"
    # the dump round-trips through the schema (the cube's config_yaml)
    assert "type: condensing_boiler" in scenario.to_yaml()


def test_a_registered_type_is_checked_like_a_built_in_one():
    example("toy_unit")
    with pytest.raises(ConfigError) as err:
        parse_scenario(_with_condensing(efficiency_at_50c=2.0, fuel="unobtainium"), SCHUTTERWALD)
    text = "\n".join(err.value.problems)
    assert "units[2].efficiency_at_50c: Input should be less than or equal to 1.1" in text
    with pytest.raises(ConfigError, match=r"units\[2\].fuel: unknown fuel 'unobtainium'"):
        parse_scenario(_with_condensing(fuel="unobtainium"), SCHUTTERWALD)
    with pytest.raises(ConfigError, match=r"expected tags: 'heat_pump', .*'condensing_boiler'"):
        parse_scenario(_with_condensing(type="condensing_boilerx"), SCHUTTERWALD)


def test_a_heat_pump_may_take_a_registered_type_that_can_boost_as_its_booster():
    from simulator.supply.books import UnitTables

    example("toy_unit")

    def boosters(raw: dict) -> list[int]:
        scenario = parse_scenario(raw, SCHUTTERWALD)
        units = [build_unit(u, "main") for u in scenario.units]
        return UnitTables.build(units, ["main"], scenario).booster.tolist()

    named = _with_condensing()
    named["units"][0]["booster"] = "condensing"
    assert boosters(named) == [2, -1, -1]  # ground_hp, eboiler, condensing
    alone = _with_condensing()
    alone["units"] = [u for u in alone["units"] if u["name"] != "eboiler"]
    assert boosters(alone) == [1, -1]  # the first unit after it that can boost: the toy


def test_a_toy_unit_runs_through_the_real_step_and_its_books_follow_its_physics(tmp_path):
    toy = example("toy_unit")
    from simulator.output.cube import open_results

    cube = toy.main(["--hours", "12", "--output", str(tmp_path / "condensing.nc")])
    ds = open_results(cube)
    assert (ds.converged == 1).all() and (ds.feasible == 1).all()
    heat = ds.unit_heat_mw.sel(unit="condensing").values
    assert heat.min() > 0.1  # January: it covers what the heat pump cannot
    t_sink_k = ds.plant_t_supply_k.sel(plant="main").values
    eta = 1.03 - 0.002 * np.maximum(t_sink_k - (50.0 + C_TO_K), 0.0)
    fuel = ds.unit_fuel_mw.sel(unit="condensing").values
    np.testing.assert_allclose(fuel, np.where(heat > 0, heat / eta, 0.0), rtol=1e-12)
    np.testing.assert_allclose(ds.unit_co2_t.sel(unit="condensing").values,
                               fuel * fuel_t_per_mwh("natural_gas"), rtol=1e-12)
    assert (ds.unit_el_mw.sel(unit="condensing") == 0).all()
    assert np.isnan(ds.unit_cop.sel(unit="condensing")).all()
    # the books balance: every MW the plant delivered was made by a unit
    np.testing.assert_allclose(ds.unit_heat_mw.sum("unit"), ds.plant_heat_mw.sum("plant"),
                               rtol=1e-9)


def test_the_toy_unit_example_runs_from_the_command_line(tmp_path):
    out = subprocess.run(
        [sys.executable, "examples/toy_unit.py", "--hours", "3", "--output",
         str(tmp_path / "cli.nc")], capture_output=True, text=True, cwd=ROOT, check=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert "heat share condensing" in out.stdout
    assert (tmp_path / "cli.nc").is_file()


# -- a second toy, registered here: a type with a heat source of its own ---------------------
class LakeHeatUnit(UnitConfig):
    """Heat taken straight from a lake warmer than the supply (a toy): a fixed source
    temperature plus a summer swing."""

    type: Literal["lake_heat"]
    mean_c: float = 12.0
    swing_k: float = Field(8.0, ge=0.0)
    bus: str | None = None


@dataclass(frozen=True)
class LakeHeat(SupplyUnit):
    def usable(self, t_sink_k: float, t_source_k: float) -> bool:
        return t_source_k >= t_sink_k

    def el_per_heat(self, t_sink_k: float, t_source_k: float, load: float = 1.0) -> float:
        return 0.02


def _lake_source_c(spec: LakeHeatUnit, t_air_c: np.ndarray, day: np.ndarray) -> np.ndarray:
    return spec.mean_c + spec.swing_k * np.cos(2 * np.pi * (day - 213) / 365.25)


register_unit_type(LakeHeatUnit, lambda spec, common: LakeHeat(**common, fuel=None,
                                                               bus=spec.bus),
                   source_c=_lake_source_c)


def test_a_registered_source_model_gives_the_hourly_source_temperature():
    from simulator.inputs import build_inputs

    raw = schutterwald_raw()
    raw["units"].append({"name": "lake", "type": "lake_heat", "heat_mw": 1.0, "mean_c": 10.0})
    scenario = parse_scenario(raw, SCHUTTERWALD)
    inputs = build_inputs(scenario, ["c0"], np.array([1e6]), hours=48)
    day = np.repeat([1, 2], 24)
    want_c = 10.0 + 8.0 * np.cos(2 * np.pi * (day - 213) / 365.25)
    np.testing.assert_array_equal(inputs.unit_t_source_k[:, 3], want_c + C_TO_K)
    np.testing.assert_array_equal(
        source_temperature_c(scenario.units[3], np.zeros(48), day), want_c)
    # a type without a source model has none (the electric boiler), as before
    assert np.isnan(inputs.unit_t_source_k[:, 1]).all()
    assert build_unit(scenario.units[3], "main").min_load_fraction == 0.0  # the default

"""Bring your own network: any pandapipes/pandapower JSON pair runs from a YAML file alone.

The district is built from scratch in ``networks_factory`` (not the bundled Schutterwald net),
written with ``to_json`` into a temporary folder, and driven through ``simulator.api.run``
exactly as a user would: only a scenario YAML names plants, buses and files.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandapipes
import pandapower
import pytest
import xarray as xr
import yaml

from simulator.api import run
from simulator.config import ConfigError
from simulator.naming import unique_names
from simulator.output.cube import open_results

from networks_factory import (
    FIXED_PLANT,
    PLANT_BUS,
    SLACK_PLANT,
    T_RETURN_K,
    scenario,
    write_district,
)

HOURS = 24
HP_T_SOURCE_C = 10.0
HP_CARNOT = 0.5
EAST_MW = 1.2  # capacity of the east plant's only unit, first in the CO2 merit order

UNITS = [
    {"name": "hp_main", "type": "heat_pump", "heat_mw": 2.0, "t_source_c": HP_T_SOURCE_C,
     "carnot_efficiency": HP_CARNOT, "bus": PLANT_BUS},
    {"name": "gas_main", "type": "boiler", "heat_mw": 6.0, "fuel": "natural_gas",
     "efficiency": 0.95},
    {"name": "wood_east", "type": "boiler", "heat_mw": EAST_MW, "fuel": "wood_chips",
     "efficiency": 0.88, "plant": FIXED_PLANT},
]


@pytest.fixture(scope="module")
def district(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A temporary folder holding ``district/heat.json`` and ``district/electric.json``."""
    root = tmp_path_factory.mktemp("own")
    write_district(root / "district")
    return root


def write_yaml(root: Path, name: str, raw: dict) -> Path:
    path = root / name
    path.write_text(yaml.safe_dump(raw, sort_keys=False))
    return path


@pytest.fixture(scope="module")
def cube(district: Path) -> xr.Dataset:
    """The cube of a 24 h run of the test district."""
    config = write_yaml(district, "own.yaml", scenario(UNITS))
    path = run(config, hours=HOURS, output=district / "own.nc")
    with open_results(path) as ds:
        return ds.load()


def test_every_hour_converges(cube: xr.Dataset) -> None:
    assert cube.sizes["time"] == HOURS
    for flag in ("converged", "heat_converged", "grid_converged"):
        assert (cube[flag] == 1).all(), flag


def test_element_names_come_from_the_jsons(cube: xr.Dataset, district: Path) -> None:
    heat = pandapipes.from_json(str(district / "district" / "heat.json"))
    grid = pandapower.from_json(str(district / "district" / "electric.json"))
    assert list(cube["consumer"].values) == list(heat.heat_consumer["name"])
    assert list(cube["junction"].values) == list(heat.junction["name"])
    assert list(cube["pipe"].values) == list(heat.pipe["name"])
    assert list(cube["bus"].values) == list(grid.bus["name"])
    assert list(cube["line"].values) == list(grid.line["name"])
    assert list(cube["trafo"].values) == list(grid.trafo["name"])
    assert list(cube["unit"].values) == [u["name"] for u in UNITS] + [f"{SLACK_PLANT}_pump"]


def test_heat_balance_closes_every_hour(cube: xr.Dataset) -> None:
    supplied = cube["unit_heat_mw"].sum("unit")
    delivered = cube["consumer_heat_mw"].sum("consumer")
    loss = cube["heat_loss_mw"]
    assert (loss > 0).all()
    np.testing.assert_allclose(supplied, delivered + loss, rtol=0.01)
    # capacity is ample: every consumer gets what it asked for
    np.testing.assert_allclose(cube["consumer_heat_mw"], cube["consumer_demand_mw"], rtol=1e-6)
    assert float(cube["unserved_heat_mw"].max()) < 1e-6


def test_both_plants_deliver(cube: xr.Dataset) -> None:
    heat = cube["unit_heat_mw"]
    main = heat.sel(unit=["hp_main", "gas_main"]).sum("unit")
    assert (main > 0.1).all()
    assert (heat.sel(unit="wood_east") > 0.5 * EAST_MW).all()
    # the heat pump is next in the merit order and runs before gas
    hp = heat.sel(unit="hp_main")
    assert (hp > 0).all()
    assert (hp <= 2.0 * (1 + 1e-9)).all()
    gas = heat.sel(unit="gas_main")
    assert (gas[hp < 2.0 - 1e-6] < 1e-9).all()
    assert (heat.sel(unit=f"{SLACK_PLANT}_pump") == 0).all()


def test_fixed_flow_plant_follows_dispatch(cube: xr.Dataset) -> None:
    """The east plant's (cheapest) unit is planned at full capacity every hour. Its mass flow
    comes from the previous solve's inlet temperature; heat.py re-solves while the plant misses
    its target by more than 0.2 %, the first hour included."""
    east = cube["unit_heat_mw"].sel(unit="wood_east")
    np.testing.assert_allclose(east, EAST_MW, rtol=0.003)


def test_heat_pump_electricity_is_heat_over_cop(cube: xr.Dataset) -> None:
    heat = cube["unit_heat_mw"].sel(unit="hp_main")
    el = cube["unit_el_mw"].sel(unit="hp_main")
    cop = cube["unit_cop"].sel(unit="hp_main")
    np.testing.assert_allclose(el, heat / cop, rtol=1e-9)
    t_sink = cube["t_supply_k"]
    carnot = HP_CARNOT * t_sink / (t_sink - (HP_T_SOURCE_C + 273.15))
    np.testing.assert_allclose(cop, carnot, rtol=2e-3)
    assert (cube["unit_el_mw"].sel(unit=["gas_main", "wood_east"]) == 0).all()
    assert (cube["unit_fuel_mw"].sel(unit="wood_east") > 0).all()
    pump = cube["unit_el_mw"].sel(unit=f"{SLACK_PLANT}_pump")
    assert (pump > 0).all()


def test_electric_loads_reach_the_grid(cube: xr.Dataset, district: Path) -> None:
    """Replaying each hour's district electricity as one load at the plant bus on the user's
    grid reproduces the cube's import and voltages: the loads sit where the YAML put them."""
    grid = pandapower.from_json(str(district / "district" / "electric.json"))
    pandapower.runpp(grid)
    bus = grid.bus.index[unique_names(grid.bus, "bus_").index(PLANT_BUS)]
    base_vm = float(grid.res_bus.at[bus, "vm_pu"])
    base_import = float(grid.res_ext_grid["p_mw"].sum())
    district_el = cube["unit_el_mw"].sum("unit")
    assert (district_el > 0.1).all()
    assert (cube["bus_vm_pu"].sel(bus=PLANT_BUS) < base_vm - 1e-4).all()
    assert (cube["grid_import_mw"] > base_import + district_el).all()  # plus line losses
    load = pandapower.create_load(grid, bus=bus, p_mw=0.0, q_mvar=0.0, name="replay")
    for h in (0, HOURS // 2, HOURS - 1):
        grid.load.at[load, "p_mw"] = float(district_el[h])
        pandapower.runpp(grid)
        hour = cube.isel(time=h)
        assert float(hour["grid_import_mw"]) == pytest.approx(
            float(grid.res_ext_grid["p_mw"].sum()), abs=1e-6)
        np.testing.assert_allclose(hour["bus_vm_pu"], grid.res_bus["vm_pu"], atol=1e-8)
        np.testing.assert_allclose(hour["line_loading_percent"],
                                   grid.res_line["loading_percent"], atol=1e-6)


def test_consumers_get_water_hotter_than_the_return(cube: xr.Dataset) -> None:
    t = cube["consumer_t_supply_k"]
    assert (t > T_RETURN_K + 5.0).all()
    assert (t <= cube["t_supply_k"] + 1e-6).all()


def test_unknown_bus_and_plant_name_both_keys_and_files(district: Path) -> None:
    units = [dict(u) for u in UNITS]
    units[0]["bus"] = "Bus 99"
    units[2]["plant"] = "west"
    config = write_yaml(district, "bad.yaml", scenario(units))
    with pytest.raises(ConfigError) as err:
        run(config, hours=2, output=district / "bad.nc")
    problems = err.value.problems
    bus = [p for p in problems if "units[0].bus" in p]
    plant = [p for p in problems if "units[2].plant" in p]
    assert len(bus) == 1 and len(plant) == 1, problems
    assert "Bus 99" in bus[0] and str(district / "district" / "electric.json") in bus[0]
    assert "west" in plant[0] and str(district / "district" / "heat.json") in plant[0]
    assert all(str(config) in p for p in problems)
    assert not (district / "bad.nc").exists()

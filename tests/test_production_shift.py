"""The operator's production shift: when the hydraulics bind, heat moves from the far
fixed-flow plant to the pressure-holding plant, and every policy plans within the cap."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandapipes
import pandapower
import pytest
import yaml

from simulator.api import run
from simulator.dispatch.plan import cap_plants
from simulator.operation.limits import LimitCheck
from simulator.operation.shift import ProductionShift, far_plant, violation
from simulator.output.cube import open_results

from networks_factory import build_grid, build_heat_net, scenario

#: the last two trunk segments before the fixed-flow plant 'east', narrowed to 40 mm: east
#: pushing its whole output through them breaks the velocity limit and the pressure class;
#: the main plant feeding the same consumers from the other end sends only the far
#: consumers' flow through them
NARROW = ["trunk_s6_7", "trunk_s7_8", "trunk_r7_6", "trunk_r8_7"]
UNITS = [{"name": "gas", "type": "boiler", "heat_mw": 8.0, "fuel": "natural_gas",
          "efficiency": 0.95, "min_load_fraction": 0.0},
         {"name": "east_wood", "type": "boiler", "heat_mw": 5.0, "fuel": "wood_chips",
          "efficiency": 0.9, "plant": "east", "min_load_fraction": 0.0}]


@pytest.fixture(scope="module")
def cubes(tmp_path_factory: pytest.TempPathFactory) -> dict[bool, Path]:
    root = tmp_path_factory.mktemp("shift")
    (root / "district").mkdir()
    net = build_heat_net()
    net.pipe.loc[net.pipe["name"].isin(NARROW), "inner_diameter_mm"] = 40.0
    pandapipes.to_json(net, str(root / "district" / "heat.json"))
    pandapower.to_json(build_grid(), str(root / "district" / "electric.json"))
    out = {}
    for enabled in (False, True):
        raw = scenario(UNITS)  # by CO2: the far plant's wood first
        raw["operation"] = {"production_shift": {"enabled": enabled}}
        path = root / f"s_{enabled}.yaml"
        path.write_text(yaml.safe_dump(raw))
        out[enabled] = run(path, hours=3, output=root / f"c_{enabled}.nc")
    return out


def test_without_the_shift_the_far_plant_breaks_the_hydraulic_limits(cubes):
    with open_results(cubes[False]) as ds:
        assert ds.feasible.values.tolist() == [0, 0, 0]
        assert (ds.op_velocity_margin.values < 0).all() and (ds.op_p_max_margin < 0).all()


def test_the_operator_moves_production_to_the_pressure_holding_plant(cubes):
    with open_results(cubes[False]) as before, open_results(cubes[True]) as after:
        assert after.feasible.values.tolist() == [1, 1, 1]
        assert float(after.unserved_heat_mw.sum()) < 1e-9
        east = after.plant_heat_mw.sel(plant="east").values
        main = after.plant_heat_mw.sel(plant="main").values
        assert (east < before.plant_heat_mw.sel(plant="east").values - 0.5).all()
        assert (east > 0.1).all()  # cut as far as the limits need, not to nothing
        assert (main > before.plant_heat_mw.sel(plant="main").values + 0.5).all()
        # every hour's heat still balances: supplied = delivered + losses
        balance = after.heat_supplied_mw - after.consumer_heat_mw.sum("consumer") \
            - after.heat_loss_mw
        assert np.allclose(balance.values, 0.0, atol=1e-3 * after.heat_supplied_mw.values)


def test_the_cap_keeps_a_plants_units_in_the_policys_order():
    capacity = np.array([5.0, 3.0, 4.0, 2.0])
    plant = np.array([0, 1, 1, 1])
    capped = cap_plants(capacity, np.array([2, 0, 1, 3]), plant, np.array([np.inf, 5.0]))
    assert capped.tolist() == [5.0, 1.0, 4.0, 0.0]


def test_the_far_plant_is_the_fixed_plant_pushing_hardest():
    q_w = np.array([1e6, 2e6, 3e6, 0.0])
    lift = np.array([9.0, 4.0, 6.0, 8.0])  # plant 3 feeds nothing
    assert far_plant(q_w, lift) == 2
    assert far_plant(np.array([1e6, 0.0]), np.array([3.0, 5.0])) is None


def test_no_shift_while_the_hydraulics_hold():
    ok = {"dp": LimitCheck(0.2, "a", True), "velocity": LimitCheck(1.0, "p", True),
          "t_supply": LimitCheck(-3.0, "b", False)}  # the supply temperature is no hydraulic
    assert violation(ok) == 0.0
    shift = ProductionShift(2)
    assert shift.next_cap(0.0, np.array([1e6, 1e6]), np.array([3.0, 5.0]),
                          np.array([1.0, 1.0]), 5.0, None) is None


def test_a_cut_is_limited_by_the_spare_capacity_of_the_pressure_holding_plant():
    shift = ProductionShift(2)
    cap = shift.next_cap(2.0, np.array([1e6, 9e6]), np.array([3.0, 5.0]),
                         np.array([1.0, 9.0]), 0.5, None)
    assert cap is not None and cap[0] == np.inf and cap[1] == pytest.approx(9.0 - 0.495)

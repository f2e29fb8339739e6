"""The optimal policy: the program against hand-solved cases, the rolling horizon through the
real step (pandapipes, pandapower), grid learning, and the merit-order fallback."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from simulator.api import run
from simulator.config import ConfigError, load_config
from simulator.dispatch.horizon import HorizonData, Shape
from simulator.dispatch.optimal_model import HorizonModel
from simulator.output.cube import open_results

from conftest import schutterwald_raw


def _shape(min_mw=(0.0, 0.0), store=True, keep=1.0) -> Shape:
    """Unit 0 at the slack plant, unit 1 at plant 1 with the store (20 MW h, from empty)."""
    return Shape(unit_plant=np.array([0, 1]), n_plants=2, heat_max_mw=np.array([20.0, 20.0]),
                 min_mw=np.asarray(min_mw, dtype=float), booster=np.array([-1, -1]),
                 store_plant=np.array([1] if store else [], dtype=int),
                 store_min_mwh=np.array([0.0] if store else []),
                 store_max_mwh=np.array([20.0] if store else []),
                 store_keep=np.array([keep] if store else []), slack_share=0.0)


def _data(values: np.ndarray, target=10.0, capacity=20.0, k=1, end_value=0.0,
          energy=0.0) -> HorizonData:
    t = len(values)
    return HorizonData(
        target_mw=np.full(t, target), capacity_mw=np.full((t, 2), capacity),
        lower_mw=np.zeros((t, 2)), value_heat=np.asarray(values, dtype=float),
        value_on=np.zeros((t, 2)), boost_ratio=np.zeros((t, 2)),
        charge_max_mw=np.full((t, k), 10.0), discharge_max_mw=np.full((t, k), 10.0),
        energy_mwh=np.full(k, energy), end_value=np.full(k, end_value), penalty=1e4)


def test_hand_solvable_case_recovers_the_known_schedule():
    # A gas boiler at 60 EUR/MW h (slack plant) and an electric boiler at the hour's price
    # 10 / 100 / 50 EUR/MW h beside an empty 20 MW h store (10 MW either way), demand 10 MW.
    # By hand: hour 0 the e-boiler makes 20 (10 to the network, 10 into the store); hour 1
    # the store gives its 10 (nothing at 100); hour 2 the e-boiler (50 < 60) makes the 10.
    # Cost 200 + 0 + 500 = 700 EUR; any other schedule costs more.
    values = np.array([[60.0, 10.0], [60.0, 100.0], [60.0, 50.0]])
    model = HorizonModel(_shape(), hours=3, binary_hours=3, time_limit_s=10.0, mip_gap=0.0)
    s = model.solve(_data(values, end_value=10.0))
    assert s is not None and s.status == "Optimal"
    np.testing.assert_allclose(s.heat_mw, [[0, 20], [0, 0], [0, 10]], atol=1e-9)
    np.testing.assert_allclose(s.store_mw[:, 0], [-10, 10, 0], atol=1e-9)
    np.testing.assert_allclose(s.energy_mwh[:, 0], [10, 0, 0], atol=1e-9)
    assert s.objective == pytest.approx(700.0, abs=1e-6)
    np.testing.assert_allclose(s.unserved_mw, 0.0, atol=1e-9)


def test_the_same_program_solves_again_with_new_data_in_place():
    model = HorizonModel(_shape(), hours=3, binary_hours=3, time_limit_s=10.0, mip_gap=0.0)
    model.solve(_data(np.array([[60.0, 10.0], [60.0, 100.0], [60.0, 50.0]])))
    # new prices 100 / 10 / 50 and a store holding 10 MW h: it gives them in the dear hour 0,
    # refills from the e-boiler's cheap hour 1 (20 MW: 10 to the network, 10 stored) and gives
    # them again in hour 2 instead of heat at 50. Cost 0 + 200 + 0 = 200 EUR.
    s = model.solve(_data(np.array([[60.0, 100.0], [60.0, 10.0], [60.0, 50.0]]), energy=10.0))
    np.testing.assert_allclose(s.store_mw[:, 0], [10, -10, 10], atol=1e-9)
    np.testing.assert_allclose(s.heat_mw, [[0, 0], [0, 20], [0, 0]], atol=1e-9)
    assert s.objective == pytest.approx(200.0, abs=1e-6)


def test_standing_loss_and_minimum_load_shape_the_schedule():
    # unit 0 cheap (10) but with a 15 MW minimum load; demand 10 MW: it cannot run alone
    # at 10, so it runs at 15 and the 5 MW left over charge the store... which sits at the
    # other plant, so no: a plant's store charges only from its own units. Unit 1 (30) runs.
    values = np.array([[10.0, 30.0], [10.0, 30.0]])
    model = HorizonModel(_shape(min_mw=(15.0, 0.0), keep=0.9), hours=2, binary_hours=2,
                         time_limit_s=10.0, mip_gap=0.0)
    s = model.solve(_data(values))
    np.testing.assert_allclose(s.heat_mw, [[0, 10], [0, 10]], atol=1e-9)
    # with demand 16 MW the cheap unit runs at 16 and unit 1 stays off
    s = model.solve(_data(values, target=16.0))
    np.testing.assert_allclose(s.heat_mw, [[16, 0], [16, 0]], atol=1e-9)
    # a store that loses 10 % an hour keeps nothing for later at any price difference below it
    s = model.solve(_data(np.array([[60.0, 10.0], [60.0, 10.5]])))
    np.testing.assert_allclose(s.store_mw[:, 0], [0, 0], atol=1e-9)


def test_time_limit_without_a_solution_gives_no_schedule():
    model = HorizonModel(_shape(min_mw=(15.0, 0.0)), hours=3, binary_hours=3,
                         time_limit_s=1e-9, mip_gap=0.0)
    assert model.solve(_data(np.array([[60.0, 10.0]] * 3))) is None


def test_step_longer_than_horizon_is_a_config_error_naming_the_key(write_config):
    raw = schutterwald_raw()
    raw["dispatch"] = {"policy": "optimal", "horizon_h": 24, "step_h": 48}
    with pytest.raises(ConfigError) as err:
        load_config(write_config(raw))
    assert any("dispatch: step_h (48) must not exceed horizon_h (24)" in p
               for p in err.value.problems), err.value.problems


def test_marginal_signal_needs_a_marginal_series(write_config):
    raw = schutterwald_raw()
    raw["dispatch"] = {"policy": "optimal", "carbon_signal": "marginal"}
    with pytest.raises(ConfigError, match=r"carbon\.grid_marginal_g_per_kwh"):
        load_config(write_config(raw))


def _schutterwald(tmp_path, name, dispatch, hours, coupling=None, **extra):
    import yaml

    raw = schutterwald_raw()
    raw["dispatch"] = dispatch
    raw["prices"] = {"electricity_eur_per_mwh": 5.0}  # cheap power: the electric units first
    if coupling is not None:
        raw["coupling"] = coupling
    raw.update(extra)
    path = tmp_path / f"{name}.yaml"
    path.write_text(yaml.safe_dump(raw))
    return open_results(run(path, hours=hours, output=tmp_path / f"{name}.nc"))


@pytest.fixture(scope="module")
def limited(tmp_path_factory):
    """12 winter hours with the plant transformer limited to 20 %: merit order by cost and
    the optimal policy by cost (both want the heat pump and the electric boiler first)."""
    tmp = tmp_path_factory.mktemp("limited")
    coupling = {"max_iterations": 8, "loading_limits_percent": {"plant_trafo": 20.0}}
    merit = _schutterwald(tmp, "merit", {"policy": "merit_order", "order_by": "cost"}, 12,
                          coupling)
    optimal = _schutterwald(tmp, "optimal", {"policy": "optimal", "objective": "cost",
                                             "horizon_h": 12, "step_h": 6}, 12, coupling)
    return merit, optimal


def test_merit_order_is_curtailed_by_the_transformer_every_hour(limited):
    merit, _ = limited
    curtailed = merit.unit_curtailed_mw.sum("unit").values
    assert (curtailed > 0).sum() >= 10


def test_the_schedule_learns_the_transformer_limit_and_is_curtailed_less(limited):
    merit, optimal = limited
    assert bool((optimal.converged == 1).all()) and bool((optimal.grid_limits_ok == 1).all())
    curtailed = optimal.unit_curtailed_mw.sum("unit").values
    first = int(np.argmax(curtailed > 0))
    assert curtailed[first] > 0  # the physics had to curtail once...
    # ...and every later hour's schedule respects the limit it taught
    np.testing.assert_allclose(curtailed[first + 1:], 0.0, atol=1e-9)
    assert curtailed.sum() < merit.unit_curtailed_mw.sum() / 3
    assert optimal.coupling_iterations.sum() < merit.coupling_iterations.sum()
    trafo = optimal.trafo_loading_percent.sel(trafo="plant_trafo").values
    assert trafo.max() <= 20.0 * 1.005
    # the same heat, and at least as cheap
    np.testing.assert_allclose(optimal.unserved_heat_mw, 0.0, atol=1e-6)
    assert float(optimal.cost_eur.sum()) <= float(merit.cost_eur.sum()) * 1.001
    assert int(optimal.dispatch_fallback.sum()) == 0


def test_a_solver_without_time_falls_back_to_merit_order_and_says_so(tmp_path):
    ds = _schutterwald(tmp_path, "no_time", {"policy": "optimal", "objective": "cost",
                                             "order_by": "cost", "time_limit_s": 1e-9,
                                             "horizon_h": 6, "step_h": 3}, 6)
    assert bool((ds.converged == 1).all())
    np.testing.assert_array_equal(ds.dispatch_fallback.values, 1)
    merit = _schutterwald(tmp_path, "merit", {"policy": "merit_order", "order_by": "cost"}, 6)
    np.testing.assert_allclose(ds.unit_heat_mw, merit.unit_heat_mw, rtol=1e-9, atol=1e-9)
    np.testing.assert_array_equal(merit.dispatch_fallback.values, 0)


def test_a_store_earns_its_place_against_a_swinging_price(tmp_path):
    """A 2 MW h store beside the e-boiler, power at 5 and 300 EUR/MW h in turn (4 h each):
    the optimiser charges in the cheap hours and discharges in the dear ones; the same
    scenario without the store costs more. Run through ``storage_worth``, as the command is."""
    import yaml

    from simulator.api import storage_worth
    from simulator.output.summary import format_worth

    times = pd.date_range("2019-01-01", periods=48, freq="h")
    price = np.where((np.arange(48) // 4) % 2 == 0, 5.0, 300.0)
    pd.DataFrame({"time": times.strftime("%Y-%m-%dT%H:%M"), "eur": price}).to_csv(
        tmp_path / "price.csv", index=False)
    raw = schutterwald_raw()
    raw["units"].append({"name": "tank", "type": "thermal_storage", "heat_mw": 0.5,
                         "capacity_mwh": 2.0, "soc_initial": 0.05})
    raw["dispatch"] = {"policy": "optimal", "objective": "cost", "horizon_h": 12,
                       "step_h": 4}
    raw["prices"] = {"electricity_eur_per_mwh": {"file": str(tmp_path / "price.csv"),
                                                 "column": "eur"}}
    path = tmp_path / "tank.yaml"
    path.write_text(yaml.safe_dump(raw))
    figures = storage_worth(path, hours=16, out_dir=tmp_path)
    with_, without = figures["with"], figures["without"]
    assert with_["cost_eur"] < without["cost_eur"] - 20.0  # EUR, of ~250
    assert with_["heat_delivered_mwh"] == pytest.approx(without["heat_delivered_mwh"],
                                                        rel=1e-3)
    assert with_["cycles:tank"] > 0.5 and "cycles:tank" not in without
    with open_results(tmp_path / "schutterwald.nc") as ds:
        tank = ds.unit_heat_mw.sel(unit="tank").values
        cheap = price[:16] < 100
        assert tank[cheap].sum() < -1.0 and tank[~cheap].sum() > 1.0  # MW h
        energy = ds.storage_energy_mwh.sel(unit="tank").values
        loss = ds.storage_loss_mwh.sel(unit="tank").values
        np.testing.assert_allclose(np.diff(energy), -tank[1:] - loss[1:], atol=1e-9)
    text = format_worth(figures, "tank")
    assert "full-cycle equivalents tank" in text and "stores change" in text


def _espoo_setup(**dispatch):
    """The Espoo 2030 tables and 72 hours of inputs, as a policy is given them."""
    from simulator.config import StorageUnit
    from simulator.dispatch.policy import PolicySetup
    from simulator.district import load_district
    from simulator.inputs import build_inputs
    from simulator.supply.books import UnitTables
    from simulator.supply.units import build_unit

    from conftest import ROOT

    scenario = load_config(ROOT / "configs" / "espoo_2030.yaml",
                           {f"dispatch.{k}": v for k, v in dispatch.items()})
    district = load_district(scenario.district, 100, True)
    plants = district.heat.plant_names
    producers = [build_unit(u, plants[0]) for u in scenario.units
                 if not isinstance(u, StorageUnit)]
    tables = UnitTables.build(producers, plants, scenario)
    inputs = build_inputs(scenario, district.heat.consumer_names,
                          district.heat.consumer_design_w, 72)
    return PolicySetup(tables, inputs, scenario.dispatch, np.zeros(0, dtype=int), len(plants))


def test_objective_values_follow_the_books_and_the_part_load_curves():
    from simulator.dispatch.horizon import unit_values
    from simulator.supply.books import per_heat

    setup = _espoo_setup()
    t, inp = setup.tables, setup.inputs
    names = [u.name for u in t.units]
    args = (float(inp.t_supply_k[0]), inp.unit_t_source_k[0], 50.0, 40.0, 100.0,
            t.min_load_fraction)
    co2, co2_on = unit_values(t, "co2", *args)
    cost, cost_on = unit_values(t, "cost", *args)
    weighted, _ = unit_values(t, "weighted", *args)
    fuel, el, _ = per_heat(t, float(inp.t_supply_k[0]), inp.unit_t_source_k[0])
    hp = names.index("dc_espoo_hp")  # no minimum load: the rated books
    assert co2[hp] == pytest.approx(el[hp] * 0.050 + 1e-6 * el[hp] * 40.0)
    assert cost[hp] == pytest.approx(el[hp] * 40.0) and cost_on[hp] == 0.0
    chp = names.index("suomenoja_gas_chp")  # through minimum and full load
    unit, h1 = t.units[chp], t.heat_max_mw[chp]
    hm = t.min_load_fraction[chp] * h1
    for load, heat in ((1.0, h1), (t.min_load_fraction[chp], hm)):
        fuel_mw = unit.fuel_per_heat(0, 0, load) * heat
        el_mw = unit.el_per_heat(0, 0, load) * heat
        expected = (fuel_mw * t.fuel_eur_per_mwh[chp] + el_mw * 40.0)
        assert cost_on[chp] + cost[chp] * heat == pytest.approx(expected, rel=1e-9)
        assert co2_on[chp] + co2[chp] * heat == pytest.approx(
            fuel_mw * t.fuel_t_per_mwh[chp] * t.chp_heat_share[chp]
            + 1e-6 * expected, rel=1e-9)
    np.testing.assert_allclose(weighted, cost + 100.0 * (co2 - 1e-6 * cost), rtol=1e-9)
    assert fuel[chp] > 0


def test_a_noisy_forecast_is_seeded_and_knows_the_hour_it_solves():
    from simulator.dispatch.forecast import Forecaster
    from simulator.dispatch.plan import HourContext

    def horizon(setup):
        f = Forecaster(setup, Shape.build(setup.tables, setup.n_plants, setup.store_plant,
                                          setup.stores))
        n = len(setup.tables.units)
        hour = HourContext(0, np.full(n, 1e3), np.zeros(0), np.zeros(0),
                           float(setup.inputs.demand_mw[0].sum()), 0.0, np.zeros(n))
        return f.horizon(hour)

    noise = {"demand_sd": 0.1, "price_sd": 0.2, "carbon_sd": 0.2, "seed": 3}
    perfect = horizon(_espoo_setup())
    a, b = horizon(_espoo_setup(forecast=noise)), horizon(_espoo_setup(forecast=noise))
    np.testing.assert_array_equal(a.target_mw, b.target_mw)  # the seed fixes it
    assert a.target_mw[0] == perfect.target_mw[0]  # the hour being solved is known
    np.testing.assert_allclose(a.value_heat[0], perfect.value_heat[0])
    error = a.target_mw[1:] / perfect.target_mw[1:] - 1.0
    assert 0.01 < np.std(error) < 0.3 and not np.allclose(a.value_heat[1:], perfect.value_heat[1:])
    other = horizon(_espoo_setup(forecast={**noise, "seed": 4}))
    assert not np.allclose(other.target_mw[1:], a.target_mw[1:])

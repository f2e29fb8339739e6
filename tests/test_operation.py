"""Feasible operation, each on a network small enough to check by hand.

One plant (``main``, pressure-holding: 6 bar flow side, 3 bar lift) feeds one substation
(``far``) through 400 m of DN100 supply and 400 m of DN100 return pipe; the substation always
asks for the same heat (a profiles file), so the flow is known and the friction loss follows
from Darcy-Weisbach with pandapipes' Nikuradse friction factor.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandapipes
import pandapower.networks
import pandas as pd
import pytest
import xarray as xr
import yaml

from simulator.api import run
from simulator.config import ConfigError, load_config
from simulator.dispatch.merit import Boost, allocate
from simulator.operation.limits import saturation_pressure_bar
from simulator.output.cube import open_results

from networks_factory import scenario

Q_W = 3.0e6  # what the substation asks for, every hour
LENGTH_KM = 0.4
STD_TYPE = "ISOPLUS_DRE100_STD"
P_FLOW_BAR, PLIFT_BAR = 6.0, 3.0
BUS = "Bus 11"


def _heat_net() -> pandapipes.pandapipesNet:
    net = pandapipes.create_empty_network(fluid="water")
    s0, s1 = (pandapipes.create_junction(net, pn_bar=P_FLOW_BAR, tfluid_k=363.15, name=n)
              for n in ("s0", "s1"))
    r0, r1 = (pandapipes.create_junction(net, pn_bar=P_FLOW_BAR - PLIFT_BAR, tfluid_k=330.0,
                                         name=n) for n in ("r0", "r1"))
    pandapipes.create_pipe(net, s0, s1, std_type=STD_TYPE, length_km=LENGTH_KM, text_k=283.15,
                           name="supply")
    pandapipes.create_pipe(net, r1, r0, std_type=STD_TYPE, length_km=LENGTH_KM, text_k=283.15,
                           name="return")
    pandapipes.create_heat_consumer(net, s1, r1, qext_w=Q_W, treturn_k=318.15, name="far")
    pandapipes.create_circ_pump_const_pressure(net, r0, s0, p_flow_bar=P_FLOW_BAR,
                                               plift_bar=PLIFT_BAR, t_flow_k=363.15, name="main")
    return net


def _run(tmp_path: Path, units: list[dict], operation: dict | None = None, hours: int = 3,
         supply_c: float = 90.0, name: str = "tiny") -> xr.Dataset:
    folder = tmp_path / "district"
    folder.mkdir(exist_ok=True)
    pandapipes.to_json(_heat_net(), str(folder / "heat.json"))
    pandapower.to_json(pandapower.networks.create_cigre_network_mv(with_der=False),
                       str(folder / "electric.json"))
    times = pd.date_range("2019-01-01", periods=48, freq="h")
    pd.DataFrame({"time": times.strftime("%Y-%m-%dT%H:%M"), "far": Q_W * 1e-6}).to_csv(
        tmp_path / "profiles.csv", index=False)
    raw = scenario(units, name=name)
    raw["demand"]["profiles"] = "profiles.csv"
    raw["supply_temperature"] = {"curve_c": [[-30, supply_c], [30, supply_c]], "return_c": 45}
    raw["pumps"] = [{"plant": "main", "bus": BUS, "efficiency": 0.7}]
    if operation is not None:
        raw["operation"] = operation
    path = tmp_path / f"{name}.yaml"
    path.write_text(yaml.safe_dump(raw))
    with open_results(run(path, hours=hours, output=tmp_path / f"{name}.nc")) as ds:
        return ds.load()


BOILER = [{"name": "gas", "type": "boiler", "heat_mw": 10.0, "fuel": "natural_gas",
           "efficiency": 0.92}]


def _friction_bar(mdot: float, t_k: float) -> float:
    """Darcy-Weisbach drop over one pipe (bar), Nikuradse friction (pandapipes' default)."""
    net = _heat_net()
    fluid = net.fluid
    d = float(net.pipe.at[0, "inner_diameter_mm"]) * 1e-3
    rho, eta = float(fluid.get_density(t_k)), float(fluid.get_viscosity(t_k))
    area = np.pi * d**2 / 4
    v = mdot / (rho * area)
    lam = 64 / (rho * v * d / eta) + (-2 * np.log10(0.1e-3 / (3.71 * d))) ** -2
    return lam * LENGTH_KM * 1e3 / d * rho * v**2 / 2 / 1e5


def test_saturation_pressure_matches_iapws_tables():
    np.testing.assert_allclose(saturation_pressure_bar(np.array([373.15, 393.15, 423.15])),
                               [1.0142, 1.9867, 4.7610], rtol=2e-4)


def test_lift_rises_until_the_critical_substation_has_its_minimum(tmp_path):
    # without a limit to hold: the differential pressure the physics gives at 3 bar of lift
    free = _run(tmp_path, BOILER, {"min_dp_bar": 0.0}, name="free")
    dp0 = float(free.consumer_dp_bar.sel(consumer="far")[0])
    mdot = float(free.pipe_mdot_kg_per_s.sel(pipe="supply")[0])
    t_s = float(free.junction_t_k.sel(junction="s1")[0])
    t_r = float(free.junction_t_k.sel(junction="r1")[0])
    by_hand = PLIFT_BAR - _friction_bar(mdot, t_s) - _friction_bar(mdot, t_r)
    assert dp0 == pytest.approx(by_hand, abs=0.03) and 0.2 < dp0 < 0.9  # below 1 bar
    held = _run(tmp_path, BOILER, {"min_dp_bar": 1.0, "dp_control": {"max_lift_bar": 8.0}},
                name="held")
    lift = held.plant_plift_bar.sel(plant="main").values
    # flows are the substation's: the lift moves its differential pressure one to one
    np.testing.assert_allclose(lift, PLIFT_BAR + 1.01 - dp0, atol=2e-3)
    np.testing.assert_allclose(held.consumer_dp_bar.sel(consumer="far"), 1.01, atol=2e-3)
    assert (held.feasible == 1).all() and (held.op_dp_ok == 1).all()
    np.testing.assert_allclose(held.consumer_heat_mw.sel(consumer="far"), Q_W * 1e-6, rtol=1e-6)
    # the return side keeps its pressure; the flow side rises with the lift
    np.testing.assert_allclose(held.junction_p_bar.sel(junction="r0"), P_FLOW_BAR - PLIFT_BAR,
                               atol=1e-6)
    # and the pump's electricity follows the lift: mdot * plift / (rho * efficiency)
    pump = held.unit_el_mw.sel(unit="main_pump").values
    m_plant = held.pipe_mdot_kg_per_s.sel(pipe="supply").values
    rho = float(_heat_net().fluid.get_density(float(held.plant_t_return_k[0, 0])))
    np.testing.assert_allclose(pump, m_plant * lift * 1e5 / (rho * 0.7) * 1e-6, rtol=2e-3)


def test_beyond_the_maximum_lift_the_substation_gets_less_and_it_is_booked(tmp_path):
    short = _run(tmp_path, BOILER, {"min_dp_bar": 1.0, "dp_control": {"max_lift_bar": 3.1}},
                 name="short")
    np.testing.assert_allclose(short.plant_plift_bar.sel(plant="main"), 3.1, atol=1e-9)
    got = short.consumer_heat_mw.sel(consumer="far").values
    share = got / (Q_W * 1e-6)
    assert np.all(share < 0.99) and np.all(share > 0.5)
    # what the substation misses is unserved, never booked as delivered
    np.testing.assert_allclose(short.consumer_unserved_mw.sel(consumer="far"),
                               Q_W * 1e-6 - got, rtol=1e-9)
    np.testing.assert_allclose(short.unserved_heat_mw, Q_W * 1e-6 - got, rtol=1e-9)
    # the valve law at the final state: share ~ sqrt(dp / min_dp), a fully open valve
    dp = short.consumer_dp_bar.sel(consumer="far").values
    np.testing.assert_allclose(share, np.sqrt(dp / 1.0), rtol=0.05)
    assert (short.feasible == 0).all() and (short.op_dp_ok == 0).all()
    assert set(short.op_dp_element.values.tolist()) == {"far"}
    balance = short.heat_supplied_mw - short.consumer_heat_mw.sum("consumer") - short.heat_loss_mw
    assert float(np.abs(balance / short.heat_supplied_mw).max()) < 1e-3


def test_summary_lists_the_infeasible_hours_and_the_worst_element(tmp_path):
    from simulator.output.operating import operating_notes
    from simulator.output.summary import format_summary, summarize

    ds = _run(tmp_path, BOILER, {"min_dp_bar": 1.0, "dp_control": {"max_lift_bar": 3.1}},
              name="noted")
    ds.attrs["co2_target_g_per_kwh"] = "1000"
    f = summarize(ds)
    assert f["hours_infeasible"] == 3 and f["hours_feasible"] == 0
    assert f["hours_violated:dp"] == 3 and f["hours_unserved"] == 3
    assert f["max_slack_lift_bar"] == pytest.approx(3.1)
    assert "yes, but 3 h not feasible" in format_summary(f, "t")
    notes = [n for n in operating_notes(ds) if "recorded only" not in n]  # the grid's
    assert len(notes) == 1 and "substation differential pressure: 3 h" in notes[0]
    assert "at far (" in notes[0]


def test_heat_pump_heats_to_its_outlet_limit_and_the_booster_lifts_the_rest(tmp_path):
    units = [{"name": "hp", "type": "heat_pump", "heat_mw": 2.0, "source": "constant",
              "t_source_c": 30.0, "t_sink_max_c": 85.0, "bus": BUS},
             {"name": "eb", "type": "electric_boiler", "heat_mw": 5.0, "bus": BUS}]
    ds = _run(tmp_path, units, {"min_dp_bar": 0.0}, supply_c=95.0, name="boost")
    assert load_config(tmp_path / "boost.yaml").dispatch.order_by == "co2"  # the hp is cleaner
    hp, eb = ds.unit_heat_mw.sel(unit="hp").values, ds.unit_heat_mw.sel(unit="eb").values
    t_s = ds.plant_t_supply_k.sel(plant="main").values
    t_in = ds.plant_t_return_k.sel(plant="main").values
    t_max = 85.0 + 273.15
    # the heat pump is at its 2 MW (its compressor allows it at its rating point)
    np.testing.assert_allclose(hp, 2.0, rtol=1e-9)
    ratio = (t_s - t_max) / (t_max - t_in)  # booster heat per MW of heat-pump heat
    np.testing.assert_allclose(ds.unit_boost_mw.sel(unit="eb"), hp * ratio, rtol=1e-6)
    np.testing.assert_allclose(hp + eb, ds.heat_supplied_mw, rtol=1e-9)
    assert np.all(eb > hp * ratio)  # the e-boiler also makes the rest of the heat
    np.testing.assert_allclose(ds.unit_t_out_k.sel(unit="hp"), t_max, atol=1e-9)
    cop = 0.5 * t_max / (t_max - 303.15)  # at its own outlet, not at the 95 °C supply
    np.testing.assert_allclose(ds.unit_cop.sel(unit="hp"), cop, rtol=1e-9)
    np.testing.assert_allclose(ds.unit_el_mw.sel(unit="hp"), hp / cop, rtol=1e-9)


def test_a_data_centre_heat_pump_never_draws_more_than_its_source_gives(tmp_path):
    units = [{"name": "hp", "type": "heat_pump", "heat_mw": 5.0, "source": "data_centre",
              "t_source_c": 30.0, "t_sink_max_c": 95.0, "source_max_mw": 1.5, "bus": BUS},
             {"name": "gas", "type": "boiler", "heat_mw": 10.0, "fuel": "natural_gas",
              "min_load_fraction": 0.0}]
    ds = _run(tmp_path, units, {"min_dp_bar": 0.0}, supply_c=80.0, name="source")
    hp, cop = ds.unit_heat_mw.sel(unit="hp").values, ds.unit_cop.sel(unit="hp").values
    draw = hp * (1.0 - 1.0 / cop)  # heat taken from the data centre
    np.testing.assert_allclose(draw, 1.5, rtol=1e-3)  # at the cap, not above
    assert np.all(ds.unit_heat_mw.sel(unit="gas") > 0.5)


def test_capacity_falls_with_lift():
    # a heat pump rated 2 MW at 85 °C from 30 °C: its compressor's power is 2 / COP(85, 30)
    cap = allocate(10.0, np.array([2.0]), np.array([0]))
    assert cap[0] == 2.0
    from simulator.supply.units import HeatPump

    hp = HeatPump("hp", "heat_pump", 2.0, "main", None, "b", carnot_efficiency=0.5,
                  t_sink_max_k=358.15, el_max_mw=2.0 / (0.5 * 358.15 / 55.0))
    assert hp.capacity_mw(358.15, 303.15) == pytest.approx(2.0)
    colder = hp.capacity_mw(358.15, 283.15)  # 20 K more lift
    assert colder == pytest.approx(2.0 * (55.0 / 75.0), rel=1e-9) and colder < 2.0


def test_chp_never_runs_below_its_minimum_load():
    # a CHP (min 45 % of 5 MW) first in the order, a gas boiler after it
    cap, order, min_mw = np.array([5.0, 10.0]), np.array([0, 1]), np.array([2.25, 0.0])
    for demand in np.linspace(0.5, 9.0, 35):
        heat = allocate(demand, cap, order, min_mw)
        assert heat[0] == 0.0 or heat[0] >= 2.25
        assert heat.sum() == pytest.approx(demand)
    # below its minimum the boiler makes it all; above, the CHP takes what it can
    np.testing.assert_allclose(allocate(2.0, cap, order, min_mw), [0.0, 2.0])
    np.testing.assert_allclose(allocate(7.0, cap, order, min_mw), [5.0, 2.0])


def test_a_residual_below_every_minimum_starts_a_unit_and_others_make_room():
    # heat pump 100 MW, CHP (min 90) and a peak boiler (min 30): 120 MW asked
    heat = allocate(120.0, np.array([100.0, 200.0, 200.0]), np.array([0, 1, 2]),
                    np.array([0.0, 90.0, 30.0]))
    np.testing.assert_allclose(heat, [90.0, 0.0, 30.0])  # the smaller minimum, least displaced


def test_a_booster_with_a_minimum_load_runs_at_it():
    # a must-run heat pump (45 MW) boosted by a coal CHP (min 80 MW), ratio 0.2
    boost = Boost(np.array([0.2, 0.0, 0.0]), np.array([1, -1, -1]))
    heat = allocate(300.0, np.array([45.0, 200.0, 214.0]), np.array([0, 1, 2]),
                    np.array([0.0, 80.0, 96.0]), boost)
    np.testing.assert_allclose(heat, [45.0, 159.0, 96.0])
    assert heat[1] >= 45.0 * 0.2


def test_chp_in_a_run_never_below_its_minimum(tmp_path):
    units = [{"name": "chp", "type": "chp", "heat_mw": 5.0, "fuel": "natural_gas", "bus": BUS,
              "power_to_heat": 1.0, "total_efficiency": 0.88},
             {"name": "gas", "type": "boiler", "heat_mw": 10.0, "fuel": "natural_gas"}]
    ds = _run(tmp_path, units, {"min_dp_bar": 0.0}, name="chp")
    chp = ds.unit_heat_mw.sel(unit="chp").values  # 3 MW asked: above the 2.25 MW minimum
    assert np.all((chp == 0.0) | (chp >= 0.45 * 5.0 - 1e-9))
    assert np.all(chp > 0)
    # at part load its power-to-heat falls (default curve: x0.90 at half load)
    load = chp / 5.0
    factor = np.interp(load, [0.3, 0.5, 1.0], [0.85, 0.90, 1.0])
    np.testing.assert_allclose(ds.unit_el_mw.sel(unit="chp"), -chp * factor, rtol=1e-9)


def test_efficiency_above_the_fuels_lower_heating_value_is_refused(tmp_path, write_config):
    from conftest import schutterwald_raw

    raw = schutterwald_raw()
    raw["units"][2]["efficiency"] = 1.18  # the wood boiler
    with pytest.raises(ConfigError, match=r"units\[2\]\.efficiency: 1.18 is above 100 %"):
        load_config(write_config(raw))
    raw["units"][2]["flue_gas_heat_pump"] = {"cop": 4.0, "bus": "plant_lv"}
    scenario_ok = load_config(write_config(raw))
    assert scenario_ok.units[2].flue_gas_heat_pump.cop == 4.0


def test_flue_gas_heat_pump_books_its_electricity(tmp_path):
    units = [{"name": "bio", "type": "boiler", "heat_mw": 10.0, "fuel": "wood_chips",
              "efficiency": 1.18, "min_load_fraction": 0.0, "part_load": [[1.0, 1.0]],
              "flue_gas_heat_pump": {"cop": 4.0, "bus": BUS}}]
    ds = _run(tmp_path, units, {"min_dp_bar": 0.0}, name="fgc")
    q = ds.unit_heat_mw.sel(unit="bio").values
    # the heat above 100 % of the fuel comes from the heat pump: (1.18 - 1.0) / (1.18 * 4)
    np.testing.assert_allclose(ds.unit_el_mw.sel(unit="bio"), q * 0.18 / (1.18 * 4.0),
                               rtol=1e-9)
    np.testing.assert_allclose(ds.unit_fuel_mw.sel(unit="bio"), q / 1.18, rtol=1e-9)


def test_a_cold_substation_gets_a_hotter_supply(tmp_path):
    ds = _run(tmp_path, BOILER, {"min_dp_bar": 0.0, "min_supply_c": 72.0}, supply_c=70.0,
              name="cold")
    assert float(ds.t_supply_k.max()) == pytest.approx(70.0 + 273.15)
    far = ds.consumer_t_supply_k.sel(consumer="far").values - 273.15
    assert np.all(far >= 72.0) and np.all(far < 72.5)
    assert np.all(ds.plant_t_supply_k.sel(plant="main").values - 273.15 > 72.0)
    assert (ds.op_t_supply_ok == 1).all()


def test_the_static_pressure_rises_when_a_junction_falls_below_its_minimum(tmp_path):
    ds = _run(tmp_path, BOILER, {"min_dp_bar": 0.0, "min_p_bar": 3.5}, name="static")
    assert float(ds.junction_p_bar.min()) >= 3.5 - 1e-3
    assert (ds.op_p_min_ok == 1).all()
    # without the response the return side sits at the 3 bar the plant holds
    off = _run(tmp_path, BOILER, {"min_dp_bar": 0.0, "min_p_bar": 3.5,
                                  "pressure_hold": {"enabled": False}}, name="static_off")
    assert (off.op_p_min_ok == 0).all() and (off.feasible == 0).all()
    assert set(off.op_p_min_element.values.tolist()) <= {"r0", "r1"}


def test_heat_pump_cop_on_the_hourly_path_is_the_carnot_function():
    from simulator.supply.physics import carnot_cop
    from simulator.supply.units import HeatPump

    hp = HeatPump("hp", "heat_pump", 2.0, "main", None, "b", carnot_efficiency=0.47,
                  cop_min=1.2, cop_max=7.0, t_sink_max_k=358.15)
    for t_sink in (330.0, 350.0, 358.15, 380.0):
        for t_source in (250.0, 283.15, 303.15, 356.0, 400.0):
            expected = carnot_cop(min(t_sink, 358.15), t_source, 0.47, 1.2, 7.0)
            assert hp.cop(t_sink, t_source) == pytest.approx(float(expected), rel=1e-12)
    assert np.isnan(hp.cop(np.nan, 283.15))


def test_a_boosted_pair_makes_room_for_a_unit_that_must_start_at_its_minimum():
    # heat pump (60 MW, 0.67 MW of booster heat per MW) with its e-boiler (50 MW), a peak
    # boiler with a 30 MW minimum: 115 MW asked is 5 MW more than the pair can make
    boost = Boost(np.array([0.67, 0.0, 0.0]), np.array([1, -1, -1]))
    heat = allocate(115.0, np.array([60.0, 50.0, 200.0]), np.array([0, 1, 2]),
                    np.array([0.0, 0.0, 30.0]), boost)
    assert heat.sum() == pytest.approx(115.0) and heat[2] == pytest.approx(30.0)
    assert heat[1] >= 0.67 * heat[0] - 1e-9  # the booster still lifts what the pump makes


def test_the_supply_boost_stops_where_a_lone_heat_pump_stops(tmp_path):
    # a heat pump (outlet limit 72 °C) alone at the plant: a substation needing 75 °C stays cold
    # and is flagged; the plant never claims a supply its heat pump cannot make
    units = [{"name": "hp", "type": "heat_pump", "heat_mw": 5.0, "source": "constant",
              "t_source_c": 20.0, "t_sink_max_c": 72.0, "bus": BUS}]
    ds = _run(tmp_path, units, {"min_dp_bar": 0.0, "min_supply_c": 75.0}, supply_c=70.0,
              name="lone")
    assert float(ds.plant_t_supply_k.max()) <= 72.0 + 273.15 + 1e-6
    assert (ds.op_t_supply_ok == 0).all() and (ds.feasible == 0).all()
    assert float(ds.op_t_supply_margin.max()) < -3.0
    np.testing.assert_allclose(ds.unit_heat_mw.sel(unit="hp"), ds.heat_supplied_mw, rtol=1e-9)

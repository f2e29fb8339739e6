"""Supply mixes: COP, storage books, merit orders, CHP, hand-computed CO2, unserved heat."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import xarray as xr
import yaml

from simulator.api import run
from simulator.config import parse_scenario
from simulator.dispatch.merit import marginal_values, merit_order
from simulator.output.cube import open_results
from simulator.supply.books import UnitTables
from simulator.supply.carbon import chp_heat_share
from simulator.supply.physics import carnot_cop
from simulator.supply.storage import Storage, limits_mw, next_energy_mwh
from simulator.supply.units import build_unit

from conftest import schutterwald_raw


@pytest.mark.parametrize(
    ("t_source_c", "t_sink_c", "low", "high"),
    [
        # Suomenoja treated waste water (~10 °C) to ~78 °C (Fortum 2015)
        (10.0, 78.0, 2.3, 2.9),
        # data-centre cooling water (~27 °C) to 85 °C (Fortum/Microsoft first stage)
        (27.0, 85.0, 2.8, 3.4),
        # sea water at ~2 °C in winter to 90 °C
        (2.0, 90.0, 1.8, 2.3),
    ],
)
def test_cop_of_large_heat_pumps_is_in_the_published_band(t_source_c, t_sink_c, low, high):
    """Large heat pumps reach 0.45-0.55 of Carnot (ESPOO-FIGURES.md): the model at 0.5 lands
    inside the band that range spans at these temperatures."""
    cop = float(carnot_cop(t_sink_c + 273.15, t_source_c + 273.15, 0.5))
    assert low <= cop <= high


def _scenario(raw, tmp_path):
    path = tmp_path / "s.yaml"
    return parse_scenario(raw, path)


def _tables(units, order_by="co2", prices=None, tmp_path=None):
    raw = schutterwald_raw()
    raw["units"] = units
    raw["dispatch"] = {"order_by": order_by}
    if prices:
        raw["prices"] = prices
    scenario = _scenario(raw, tmp_path)
    producers = [build_unit(u, "main") for u in scenario.units]
    return UnitTables.build(producers, ["main"], scenario)


UNITS = [
    {"name": "gas", "type": "boiler", "heat_mw": 1, "fuel": "natural_gas", "efficiency": 0.9},
    {"name": "hp", "type": "heat_pump", "heat_mw": 1, "t_source_c": 10, "bus": "plant_lv"},
    {"name": "wood", "type": "boiler", "heat_mw": 1, "fuel": "wood_chips", "efficiency": 0.9},
    {"name": "eb", "type": "electric_boiler", "heat_mw": 1, "bus": "plant_lv"},
]


def test_co2_merit_order_puts_biogenic_first_and_gas_last(tmp_path):
    tables = _tables(UNITS, tmp_path=tmp_path)
    value, capacity = marginal_values(tables, "co2", 353.15, np.full(4, 283.15), 100.0, 50.0,
                                      np.ones(4))
    # gas 55 t/TJ * 0.0036 / 0.9 = 0.22 t/MWh; hp 0.1 t/MWh / COP 2.52; eb 0.1 / 0.99
    np.testing.assert_allclose(value, [0.22, 0.1 / 2.5225, 0.0, 0.1 / 0.99], rtol=1e-3)
    assert merit_order(value, "co2").tolist() == [2, 1, 3, 0]
    np.testing.assert_allclose(capacity, 1.0)


def test_cost_merit_order_uses_prices_and_co2_cost(tmp_path):
    prices = {"electricity_eur_per_mwh": 100.0, "co2_eur_per_t": 100.0,
              "fuel_eur_per_mwh": {"natural_gas": 40.0, "wood_chips": 30.0}}
    tables = _tables(UNITS, "cost", prices, tmp_path)
    value, _ = marginal_values(tables, "cost", 353.15, np.full(4, 283.15), 100.0, 100.0,
                               np.ones(4))
    gas = (40.0 + 0.198 * 100.0) / 0.9
    np.testing.assert_allclose(value, [gas, 100 / 2.5225, 30 / 0.9, 100 / 0.99], rtol=1e-3)
    assert merit_order(value, "cost").tolist() == [2, 1, 0, 3]


def test_must_run_units_come_first(tmp_path):
    units = [dict(u) for u in UNITS]
    units[0]["must_run"] = True
    tables = _tables(units, tmp_path=tmp_path)
    value, _ = marginal_values(tables, "co2", 353.15, np.full(4, 283.15), 100.0, 50.0,
                               np.ones(4))
    assert merit_order(value, "co2", tables.must_run).tolist()[0] == 0


def test_air_source_heat_pump_stops_below_its_minimum_source_temperature(tmp_path):
    units = [{"name": "air", "type": "heat_pump", "heat_mw": 2, "source": "air",
              "min_source_c": -15, "bus": "plant_lv"}]
    tables = _tables(units, tmp_path=tmp_path)
    _, cold = marginal_values(tables, "co2", 353.15, np.array([273.15 - 20]), 50, 50, [1.0])
    _, mild = marginal_values(tables, "co2", 353.15, np.array([273.15 + 7]), 50, 50, [1.0])
    # from its rating point's source (7 °C) to a sink below its 85 °C outlet it makes its rated
    # 2 MW: the compressor's power limits it only at larger lifts
    assert cold[0] == 0.0 and mild[0] == 2.0


def test_chp_allocation_methods():
    assert chp_heat_share(1.0, 0.5, "heat") == 1.0
    assert chp_heat_share(1.0, 0.5, "energy") == pytest.approx(1 / 1.5)
    # benefit sharing: (1/0.9) / (1/0.9 + 0.5/0.39)
    assert chp_heat_share(1.0, 0.5, "efficiency") == pytest.approx(0.4643, abs=1e-4)


def test_store_limits_and_books():
    store = Storage("s", "main", 10.0, 2.0, 3.0, 0.24, 0.1, 0.9, 0.5)
    charge, discharge = limits_mw(store, 8.9)
    assert charge == pytest.approx(9.0 - 8.9 * (1 - 0.01))
    assert discharge == 3.0
    energy, loss = next_energy_mwh(store, 5.0, -2.0)
    assert loss == pytest.approx(0.05)
    assert energy == pytest.approx(5.0 + 2.0 - 0.05)


def _price_file(tmp_path, hours: int) -> str:
    times = pd.date_range("2019-01-01", periods=hours, freq="h")
    price = np.where((times.hour >= 23) | (times.hour < 6), 10.0, 120.0)
    path = tmp_path / "price.csv"
    pd.DataFrame({"time": times, "eur_per_mwh": price}).to_csv(path, index=False)
    return str(path)


@pytest.fixture(scope="module")
def mix_cube(tmp_path_factory) -> xr.Dataset:
    tmp = tmp_path_factory.mktemp("mix")
    raw = schutterwald_raw()
    raw["units"] = [
        {"name": "hp", "type": "heat_pump", "heat_mw": 0.6, "source": "ground",
         "bus": "plant_lv"},
        {"name": "eboiler", "type": "electric_boiler", "heat_mw": 1.0, "bus": "plant_lv"},
        {"name": "chp", "type": "chp", "heat_mw": 0.6, "fuel": "biogas", "bus": "plant_lv",
         "power_to_heat": 0.5, "total_efficiency": 0.85, "part_load": [[1.0, 1.0]]},
        {"name": "gas", "type": "boiler", "heat_mw": 3.0, "fuel": "natural_gas"},
        {"name": "store", "type": "thermal_storage", "heat_mw": 0.8, "capacity_mwh": 6.0,
         "soc_initial": 0.3, "standing_loss_per_day": 0.02},
    ]
    raw["dispatch"] = {"order_by": "cost", "storage_window_h": 24, "storage_spread": 0.1}
    raw["prices"] = {"electricity_eur_per_mwh": {"file": _price_file(tmp, 48),
                                                 "column": "eur_per_mwh"},
                     "co2_eur_per_t": 80.0}
    path = tmp / "mix.yaml"
    path.write_text(yaml.safe_dump(raw))
    out = run(path, hours=48, output=tmp / "mix.nc")
    with open_results(out) as ds:
        return ds.load()


def test_mix_runs_and_balances_every_hour(mix_cube):
    ok = mix_cube.sel(time=mix_cube.converged == 1)
    assert ok.sizes["time"] == 48
    supplied = ok.unit_heat_mw.sum("unit")
    error = np.abs(supplied - ok.consumer_heat_mw.sum("consumer") - ok.heat_loss_mw) / supplied
    assert float(error.max()) < 0.01
    np.testing.assert_allclose(ok.unit_co2_t.sum("unit"), ok.co2_t, rtol=1e-12)


def test_store_energy_is_conserved_over_the_run(mix_cube):
    store = mix_cube.sel(unit="store")
    heat = store.unit_heat_mw.values
    charged, discharged = -heat[heat < 0].sum(), heat[heat > 0].sum()
    final = float(store.storage_energy_mwh[-1])
    initial = 0.3 * 6.0
    assert initial + charged - discharged - float(store.storage_loss_mwh.sum()) == \
        pytest.approx(final, abs=1e-9)
    assert charged > 0.5 and discharged > 0.5  # it cycles on the day/night price
    energy = store.storage_energy_mwh.values
    # discharging stops at soc_min (standing loss alone may take it a little lower)
    assert energy[heat > 0].min() >= 0.05 * 6.0 - 1e-9
    assert energy.max() <= 0.95 * 6.0 + 1e-9
    assert float(np.abs(heat).max()) <= 0.8 + 1e-9


def test_store_charges_on_cheap_hours_and_discharges_on_dear_ones(mix_cube):
    heat = mix_cube.unit_heat_mw.sel(unit="store").to_series()
    cheap = (heat.index.hour >= 23) | (heat.index.hour < 6)
    assert heat[cheap].mean() < 0.0 < heat[~cheap].mean()


def test_chp_feeds_power_and_its_co2_is_split(mix_cube):
    ok = mix_cube.sel(time=mix_cube.converged == 1)
    chp = ok.sel(unit="chp")
    running = chp.unit_heat_mw > 0
    assert bool(running.any())
    np.testing.assert_allclose(chp.unit_el_mw.where(running, drop=True),
                               -0.5 * chp.unit_heat_mw.where(running, drop=True))
    np.testing.assert_allclose(chp.unit_fuel_mw, chp.unit_heat_mw * 1.5 / 0.85)
    assert float(chp.unit_co2_t.sum()) == 0.0  # biogas is biogenic


def test_co2_of_a_tiny_case_by_hand(tmp_path, write_config):
    raw = schutterwald_raw()
    raw["units"] = [{"name": "gas", "type": "boiler", "heat_mw": 5.0, "fuel": "natural_gas",
                     "efficiency": 0.9, "part_load": [[1.0, 1.0]]}]  # flat: the hand figure
    raw["carbon"] = {"grid_intensity_g_per_kwh": 200.0}
    out = run(write_config(raw), hours=3, output=tmp_path / "gas.nc")
    with open_results(out) as ds:
        heat = ds.unit_heat_mw.sel(unit="gas").values
        pump_el = ds.unit_el_mw.sel(unit="main_pump").values
        # 55 t/TJ = 0.198 t per MW h of gas, at 90 %; 200 g/kWh = 0.2 t per MW h of electricity
        np.testing.assert_allclose(ds.co2_t, heat / 0.9 * 0.198 + pump_el * 0.2, rtol=1e-9)
        assert float(pump_el.min()) > 0


def test_short_capacity_is_recorded_as_unserved_heat(tmp_path, write_config):
    raw = schutterwald_raw()
    raw["units"] = [{"name": "small", "type": "boiler", "heat_mw": 0.8, "fuel": "wood_chips"}]
    out = run(write_config(raw), hours=4, output=tmp_path / "short.nc")
    with open_results(out) as ds:
        assert bool((ds.converged == 1).all())
        assert float(ds.unserved_heat_mw.min()) > 0.1
        heat = ds.unit_heat_mw.sel(unit="small")
        assert float(heat.min()) >= 0.8 * 0.98  # runs flat out while demand goes unserved
        np.testing.assert_allclose(
            ds.unserved_heat_mw, ds.heat_demand_mw - ds.consumer_heat_mw.sum("consumer"))
        assert float(ds.unit_heat_mw.sel(unit="small").max()) <= 0.8 * 1.002
        supplied = ds.unit_heat_mw.sum("unit")
        balance = supplied - ds.consumer_heat_mw.sum("consumer") - ds.heat_loss_mw
        assert float(np.abs(balance / supplied).max()) < 0.01

"""End to end: the shipped Schutterwald scenario, 48 coupled hours, real solvers, real netCDF."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr

from simulator.api import run
from simulator.cli import main
from simulator.output.cube import open_results

from conftest import SCHUTTERWALD

CONTRACT = {
    "unit_heat_mw": ("unit", "MW"),
    "unit_el_mw": ("unit", "MW"),
    "unit_fuel_mw": ("unit", "MW"),
    "unit_co2_t": ("unit", "t"),
    "unit_cop": ("unit", "1"),
    "storage_energy_mwh": ("unit", "MW h"),
    "consumer_demand_mw": ("consumer", "MW"),
    "consumer_heat_mw": ("consumer", "MW"),
    "heat_loss_mw": (None, "MW"),
    "junction_t_k": ("junction", "K"),
    "junction_p_bar": ("junction", "bar"),
    "pipe_mdot_kg_per_s": ("pipe", "kg s-1"),
    "bus_vm_pu": ("bus", "1"),
    "line_loading_percent": ("line", "percent"),
    "trafo_loading_percent": ("trafo", "percent"),
    "grid_import_mw": (None, "MW"),
    "grid_co2_intensity": (None, "g kW-1 h-1"),
    "co2_t": (None, "t"),
    "t_air_k": (None, "K"),
    "converged": (None, "1"),
}
GLOBAL_ATTRS = ["title", "scenario", "config_yaml", "config_sha256", "simulator_version",
                "pandapower_version", "pandapipes_version", "created_utc", "history"]


@pytest.fixture(scope="module")
def cube(tmp_path_factory) -> xr.Dataset:
    path = run(SCHUTTERWALD, hours=48, output=tmp_path_factory.mktemp("run") / "sw.nc")
    with open_results(path) as ds:
        return ds.load()


@pytest.fixture(scope="module")
def ok(cube) -> xr.Dataset:
    return cube.sel(time=cube.converged == 1)


def test_cube_keeps_the_contract(cube):
    assert cube.attrs["Conventions"] == "CF-1.11"
    for name in GLOBAL_ATTRS:
        assert cube.attrs[name], name
    for name, (dim, units) in CONTRACT.items():
        var = cube[name]
        assert var.dims == ((dim, "time") if dim else ("time",)), name
        assert var.attrs["units"] == units, name
        assert var.attrs["long_name"], name
    assert cube.sizes["time"] == 48
    assert np.all(np.diff(cube.time.values) == np.timedelta64(1, "h"))


def test_at_least_99_percent_of_hours_converge(cube):
    assert float(cube.converged.mean()) >= 0.99


def test_heat_balance_closes_every_converged_hour(ok):
    supplied = ok.unit_heat_mw.sum("unit")
    delivered = ok.consumer_heat_mw.sum("consumer")
    error = np.abs(supplied - delivered - ok.heat_loss_mw) / supplied
    assert float(error.max()) < 0.01
    assert float(ok.heat_loss_mw.min()) > 0.0


def test_demand_is_served_when_capacity_suffices(ok):
    np.testing.assert_allclose(ok.consumer_heat_mw, ok.consumer_demand_mw, rtol=1e-6)
    assert float(ok.unserved_heat_mw.max()) < 1e-6


def test_unit_co2_sums_to_district_co2(ok):
    np.testing.assert_allclose(ok.unit_co2_t.sum("unit"), ok.co2_t, rtol=1e-12)


def test_heat_pump_cop_is_physical_and_sets_its_electricity(ok):
    hp = ok.sel(unit="ground_hp")
    assert float(hp.unit_cop.min()) >= 1.0 and float(hp.unit_cop.max()) <= 8.0
    # COP against the simulated supply temperature: 0.5 * T / (T - 281.15 K)
    t_sink = ok.t_supply_k
    np.testing.assert_allclose(hp.unit_cop, 0.5 * t_sink / (t_sink - 281.15), rtol=1e-3)
    np.testing.assert_allclose(hp.unit_el_mw, hp.unit_heat_mw / hp.unit_cop, rtol=1e-9)
    assert np.isnan(ok.unit_cop.sel(unit="wood_boiler")).all()


def test_listed_merit_order_loads_heat_pump_first(ok):
    hp = ok.unit_heat_mw.sel(unit="ground_hp")
    wood = ok.unit_heat_mw.sel(unit="wood_boiler")
    # the wood boiler runs only when the heat pump and the e-boiler (0.8 + 0.5 MW) cannot cover
    # the hour (it then runs at least at its 30 % minimum, and they make room for it)
    needed = ok.heat_demand_mw + ok.heat_loss_mw > 0.8 + 0.5 - 1e-6
    assert bool(((wood > 1e-9) <= needed).all())
    assert bool(((hp >= 0.8 - 1e-9) | (wood > 1e-9)).all())
    assert float(wood.where(wood > 1e-9).min()) >= 0.3 * 2.5 - 1e-9


def test_temperatures_and_pressures_stay_in_range(ok):
    t_return = 318.15
    assert float(ok.consumer_t_supply_k.min()) > t_return
    assert float(ok.junction_t_k.max()) <= float(ok.t_supply_k.max()) + 0.01
    assert float(ok.junction_t_k.min()) >= float(ok.t_ground_k.min()) - 0.01
    assert float(ok.junction_p_bar.min()) > 0.0
    assert float(ok.junction_p_bar.max()) < 16.0


def test_electric_units_load_the_grid(ok):
    el = ok.unit_el_mw.sum("unit")
    assert float(el.min()) > 0.0
    # the plant's electricity pulls its bus voltage down
    plant_bus = ok.bus_vm_pu.sel(bus="plant_lv")
    assert float(np.corrcoef(el, plant_bus)[0, 1]) < -0.9
    # the external grid supplies the background load plus the plant
    assert float((ok.grid_import_mw - el).min()) > 1.0


def test_cli_run_prints_summary_and_path(tmp_path, capsys):
    out = tmp_path / "cli.nc"
    assert main(["run", str(SCHUTTERWALD), "--hours", "3", "--output", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "heat delivered" in printed and str(out) in printed
    assert main(["summary", str(out)]) == 0
    assert "heat loss" in capsys.readouterr().out

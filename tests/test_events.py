"""Events as SimPy processes: outages, maintenance, derating, element outages, random failures."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import xarray as xr
import yaml

from simulator.api import run
from simulator.events import EventState
from simulator.heat.network import HeatNetwork
from simulator.output.cube import open_results

from conftest import schutterwald_raw

# the pipe feeding the branch of consumer c05 (closing it splits the network)
SPLIT_PIPE = "pipe_K1078_K1079@305"


def _run(tmp_path, raw, hours, name="ev"):
    path = tmp_path / f"{name}.yaml"
    path.write_text(yaml.safe_dump(raw))
    with open_results(run(path, hours=hours, output=tmp_path / f"{name}.nc")) as ds:
        return ds.load()


@pytest.fixture(scope="module")
def events_cube(tmp_path_factory) -> xr.Dataset:
    raw = schutterwald_raw()
    raw["events"] = [
        {"type": "outage", "unit": "ground_hp", "start": "2030-01-01T01:00", "hours": 2},
        {"type": "maintenance", "unit": "eboiler", "start": "2030-01-01T00:00", "hours": 1,
         "every_hours": 4},
        {"type": "derate", "unit": "wood_boiler", "share": 0.2,
         "start": "2030-01-01T05:00", "hours": 2},
        {"type": "pipe_closure", "pipe": SPLIT_PIPE, "start": "2030-01-01T02:00", "hours": 2},
        {"type": "line_outage", "line": "mv_line_1", "start": "2030-01-01T07:00", "hours": 1},
        {"type": "trafo_outage", "trafo": "village_trafo_2", "start": "2030-01-01T08:00",
         "hours": 1},
    ]
    return _run(tmp_path_factory.mktemp("events"), raw, 9)


def test_outage_zeroes_the_unit_and_others_take_over(events_cube):
    hp = events_cube.sel(unit="ground_hp")
    np.testing.assert_array_equal(hp.unit_available.values[[1, 2]], [0.0, 0.0])
    np.testing.assert_array_equal(hp.unit_heat_mw.values[[1, 2]], [0.0, 0.0])
    np.testing.assert_array_equal(hp.unit_el_mw.values[[1, 2]], [0.0, 0.0])
    assert float(hp.unit_heat_mw[0]) > 0 and float(hp.unit_heat_mw[3]) > 0
    others = events_cube.unit_heat_mw.sel(unit=["eboiler", "wood_boiler"]).sum("unit")
    assert float(others[1]) > float(others[0])


def test_recurring_maintenance_follows_its_schedule(events_cube):
    available = events_cube.unit_available.sel(unit="eboiler").values
    assert available.tolist() == [0, 1, 1, 1, 0, 1, 1, 1, 0]
    assert float(events_cube.unit_heat_mw.sel(unit="eboiler")[[0, 4, 8]].max()) == 0.0


def test_derate_limits_the_unit(events_cube):
    wood = events_cube.sel(unit="wood_boiler")
    np.testing.assert_allclose(wood.unit_available.values[[5, 6]], 0.2)
    assert float(wood.unit_heat_mw[[5, 6]].max()) <= 0.2 * 2.5 * 1.002


def test_pipe_closure_splits_the_network_without_crashing(events_cube):
    closed = events_cube.pipe_in_service.sel(pipe=SPLIT_PIPE).values
    assert closed.tolist() == [1, 1, 0, 0, 1, 1, 1, 1, 1]
    assert events_cube.converged.values[[2, 3]].tolist() == [1, 1]
    heat = events_cube.consumer_heat_mw.sel(consumer="c05").values
    assert heat[2] == 0.0 and heat[3] == 0.0 and heat[1] > 0.0
    unserved = events_cube.unserved_heat_mw.values
    assert unserved[2] > 0.0 and unserved[1] == pytest.approx(0.0, abs=1e-6)


def test_heat_balance_holds_through_the_events(events_cube):
    ok = events_cube.sel(time=events_cube.converged == 1)
    supplied = ok.unit_heat_mw.sum("unit")
    error = np.abs(supplied - ok.consumer_heat_mw.sum("consumer") - ok.heat_loss_mw) / supplied
    assert float(error.max()) < 0.01


def test_line_outage_cuts_off_the_plant_and_it_is_flagged(events_cube):
    h = events_cube.isel(time=7)
    assert h.line_in_service.sel(line="mv_line_1").item() == 0
    el_units = h.unit_el_mw.sel(unit=["ground_hp", "eboiler"])
    assert float(el_units.sum()) == 0.0  # no supply: the electric units cannot run
    assert float(h.unit_curtailed_mw.sum()) > 0.0
    assert float(h.unit_heat_mw.sel(unit="wood_boiler")) > 0.0
    assert int(h.grid_limits_ok) == 0
    assert float(h.unserved_heat_mw) == pytest.approx(0.0, abs=1e-6)


def test_trafo_outage_is_recorded(events_cube):
    in_service = events_cube.trafo_in_service.sel(trafo="village_trafo_2").values
    assert in_service.tolist() == [1, 1, 1, 1, 1, 1, 1, 1, 0]
    assert np.isnan(events_cube.bus_vm_pu.sel(bus="village_lv_2").values[8])
    assert int(events_cube.grid_limits_ok[8]) == 0  # its village loads are not supplied


def test_simultaneous_events_give_the_same_state_in_any_order():
    a, b = EventState(["u"]), EventState(["u"])
    a.limit_unit("x", "u", 0.0)
    a.limit_unit("y", "u", 0.5)
    b.limit_unit("y", "u", 0.5)
    b.limit_unit("x", "u", 0.0)
    assert a.unit_share().tolist() == b.unit_share().tolist() == [0.0]
    a.release_unit("x", "u")
    assert a.unit_share().tolist() == [0.5]
    a.take_out("k1", "line", "l")
    a.take_out("k2", "line", "l")
    a.put_back("k1", "line", "l")
    assert a.outages().line == frozenset({"l"})


def _random(tmp_path, seed, name):
    raw = schutterwald_raw()
    raw["events"] = [{"type": "random_failures", "units": ["ground_hp", "eboiler"],
                      "mttf_h": 4, "mttr_h": 3, "seed": seed}]
    return _run(tmp_path, raw, 12, name)


def test_random_failures_are_deterministic_for_a_seed(tmp_path):
    one, two = _random(tmp_path, 7, "a"), _random(tmp_path, 7, "b")
    other = _random(tmp_path, 8, "c")
    avail = one.unit_available.sel(unit=["ground_hp", "eboiler"]).values
    assert (avail == 0).any() and (avail == 1).any()
    for name in one.data_vars:
        np.testing.assert_array_equal(one[name].values, two[name].values, err_msg=name)
    assert not np.array_equal(avail, other.unit_available.sel(unit=["ground_hp",
                                                                     "eboiler"]).values)


def _zero_profile(tmp_path, raw, hours_zero):
    heat = HeatNetwork.from_json(f"{raw['district']}/heat.json")
    times = pd.date_range("2019-01-01", periods=3, freq="h")
    rows = {name: [0.05 if h not in hours_zero else 0.0 for h in range(3)]
            for name in heat.consumer_names}
    frame = pd.DataFrame(rows, index=pd.Index(times, name="time"))
    frame.to_csv(tmp_path / "p.csv")
    return str(tmp_path / "p.csv")


def test_zero_load_hour_and_all_units_out_hour_keep_going(tmp_path):
    raw = schutterwald_raw()
    raw["demand"]["profiles"] = _zero_profile(tmp_path, raw, {1})
    raw["demand"]["min_load_fraction"] = 0.0
    raw["events"] = [{"type": "outage", "unit": u, "start": "2030-01-01T02:00", "hours": 1}
                     for u in ("ground_hp", "eboiler", "wood_boiler")]
    ds = _run(tmp_path, raw, 3, "zero")
    assert ds.converged.values.tolist() == [1, 1, 1]
    assert float(ds.heat_demand_mw[1]) == 0.0 and float(ds.unserved_heat_mw[1]) == 0.0
    assert float(ds.unit_heat_mw.isel(time=2).sum()) == 0.0
    assert float(ds.unserved_heat_mw[2]) == pytest.approx(float(ds.heat_demand_mw[2]))

"""The dynamic thermal model in a run (``heat_network.thermal: dynamic``): every hour's heat
balance closes with the network's stored heat, substations draw their heat from the water
that arrives, the cube records what arrives and when, pre-heating stores heat ahead of a peak."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from simulator.api import run
from simulator.config import ConfigError
from simulator.config.operation import PreHeat
from simulator.heat import HeatInputs, HeatNetwork
from simulator.operation.preheat import peak_threshold_mw, preheat_k
from simulator.output.cube import open_results

from conftest import ROOT

HOURS = 48


@pytest.fixture(scope="module")
def ringtown(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Ringtown (meshed, two plants at their own supply temperatures), steady and dynamic."""
    root = tmp_path_factory.mktemp("dynamic")
    return {m: run(ROOT / "configs" / "ringtown.yaml", hours=HOURS, output=root / f"{m}.nc",
                   overrides={"heat_network.thermal": m}) for m in ("steady", "dynamic")}


def test_every_hour_converges_and_its_balance_closes_with_the_stored_heat(ringtown):
    with open_results(ringtown["dynamic"]) as ds:
        assert ds.converged.values.all()
        supplied = ds.heat_supplied_mw.values
        balance = (supplied - ds.consumer_heat_mw.sum("consumer").values
                   - ds.heat_loss_mw.values - ds.network_heat_change_mw.values)
        assert np.all(np.abs(balance) <= 1e-3 * supplied)  # 0.1 %
        # the change is the stored heat's, hour by hour
        stored = ds.network_heat_stored_mwh.values
        assert np.allclose(np.diff(stored), ds.network_heat_change_mw.values[1:], atol=1e-6)
        assert np.all(np.abs(ds.network_heat_change_mw.values) > 0)  # it is not a steady run


def test_the_substations_get_their_heat_from_the_water_that_arrives(ringtown):
    with open_results(ringtown["dynamic"]) as ds:
        assert float(ds.unserved_heat_mw.sum()) < 1e-3 * float(ds.heat_demand_mw.sum())
        np.testing.assert_allclose(ds.consumer_heat_mw.values, ds.consumer_demand_mw.values,
                                   rtol=1e-3, atol=1e-6)


def test_the_cube_records_transit_times_and_stored_heat(ringtown):
    with open_results(ringtown["dynamic"]) as ds, open_results(ringtown["steady"]) as st:
        transit = ds.consumer_transit_h.values
        assert np.isfinite(transit).all() and (transit > 0).all()
        # Ringtown's far substations are hours away at winter flows
        assert 2.0 < float(transit.max()) < 48.0
        assert np.isfinite(ds.network_heat_stored_mwh.values).all()
        # the steady model records no stored heat and no transit
        assert np.isnan(st.network_heat_stored_mwh.values).all()
        assert (st.network_heat_change_mw.values == 0).all()
        assert np.isnan(st.consumer_transit_h.values).all()


def test_dynamic_and_steady_deliver_the_same_heat_with_similar_losses(ringtown):
    with open_results(ringtown["dynamic"]) as ds, open_results(ringtown["steady"]) as st:
        assert float(ds.consumer_heat_mw.sum()) == pytest.approx(
            float(st.consumer_heat_mw.sum()), rel=2e-3)
        assert float(ds.heat_loss_mw.sum()) == pytest.approx(float(st.heat_loss_mw.sum()),
                                                             rel=0.05)


def test_far_substations_see_a_plant_change_later_than_near_ones(ringtown):
    """The boiler plant's supply set point moves every hour; the arriving temperature of the
    substations it feeds (warmer than the heat-pump plant's water) follows it best at a lag
    that grows with their transit time."""
    with open_results(ringtown["dynamic"]) as ds:
        plant = ds.plant_t_supply_k.isel(plant=0).values
        transit = ds.consumer_transit_h.mean("time").values
        arrive = ds.consumer_t_supply_k.transpose("consumer", "time").values
        fed = arrive.min(axis=1) > ds.plant_t_supply_k.isel(plant=1).values.max() + 3.0
        near = int(np.flatnonzero(fed)[np.argmin(transit[fed])])
        far = int(np.flatnonzero(fed)[np.argmax(transit[fed])])
        assert transit[far] > 2.0 > transit[near]

        def best_lag(series: np.ndarray) -> int:
            d_plant, d_series = np.diff(plant), np.diff(series)
            score = [np.corrcoef(d_plant[:len(d_plant) - k], d_series[k:])[0, 1]
                     for k in range(0, 12)]
            return int(np.nanargmax(score))

        assert best_lag(arrive[near]) <= 1 < best_lag(arrive[far])


def test_preheating_in_a_steady_network_is_refused(tmp_path):
    with pytest.raises(ConfigError, match=r"operation\.preheat"):
        run(ROOT / "configs" / "ringtown.yaml", hours=2, output=tmp_path / "x.nc",
            overrides={"operation.preheat.enabled": True})
    assert not (tmp_path / "x.nc").exists()


def test_a_state_the_model_did_not_give_is_not_committed():
    heat = HeatNetwork.from_json(ROOT / "networks" / "ringtown" / "heat.json",
                                 thermal="dynamic")
    inputs = HeatInputs(consumer_q_w=heat.consumer_design_w * 0.5, t_supply_k=353.15,
                        t_return_k=318.15, t_ground_k=281.15,
                        fixed_plant_q_w=np.zeros(len(heat.fixed_plant_names)))
    first = heat.moved(heat.step(inputs))
    heat.commit(first)
    solved = heat.step(inputs)
    with pytest.raises(RuntimeError, match="did not give"):
        heat.commit(solved)  # solved, but the water was never moved for it


def test_preheat_raises_the_supply_only_ahead_of_a_peak():
    rule = PreHeat(enabled=True, lead_h=3, raise_k=10.0, peak_quantile=0.8)
    demand = np.array([5.0, 5.0, 5.0, 5.0, 5.0, 9.0, 9.5, 5.0, 5.0, 5.0])
    threshold = peak_threshold_mw(demand, rule)
    assert 5.0 < threshold <= 9.0  # both 9 MW hours are peaks
    raise_k = [preheat_k(demand, h, rule, threshold) for h in range(len(demand))]
    assert raise_k == [0.0, 0.0, 10.0, 10.0, 10.0, 0.0, 0.0, 0.0, 0.0, 0.0]
    assert preheat_k(demand, 3, PreHeat(), threshold) == 0.0  # off by default


def test_preheating_stores_heat_that_the_peak_draws(tmp_path):
    """Ringtown's coldest hours of a January week: with pre-heating the network holds more
    heat when the peak comes, and the plants produce less in the peak hours."""
    cubes = {}
    for on in (False, True):
        cubes[on] = run(ROOT / "configs" / "ringtown.yaml", hours=96,
                        output=tmp_path / f"{on}.nc",
                        overrides={"heat_network.thermal": "dynamic",
                                   "operation.preheat.enabled": on,
                                   "operation.preheat.peak_quantile": 0.9})
    with open_results(cubes[False]) as off, open_results(cubes[True]) as on:
        demand = off.heat_demand_mw.values
        peak = demand >= np.quantile(demand, 0.9)
        assert on.converged.values.all()
        before = np.flatnonzero(peak)[0] - 1
        assert on.network_heat_stored_mwh.values[before] > off.network_heat_stored_mwh.values[
            before]
        assert on.heat_supplied_mw.values[peak].sum() < off.heat_supplied_mw.values[peak].sum()
        np.testing.assert_allclose(on.consumer_heat_mw.sum("consumer").values[peak],
                                   demand[peak], rtol=1e-3)

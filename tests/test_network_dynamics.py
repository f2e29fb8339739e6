"""The network-wide dynamic thermal model (``simulator/heat/dynamic.py``): the steady limit
against pandapipes, transport delay, energy balance, standing water, cost per hour."""

from __future__ import annotations

import math
import time

import numpy as np
import pandapipes
import pytest

from simulator.heat import HeatInputs, HeatNetwork, plugflow_nb
from simulator.heat import dynamic as dyn
from simulator.heat import dynamic_pp as dyn_pp
from simulator.heat import plugflow as pf

from conftest import ROOT

C_TO_K = 273.15
CP = pf.CP_WATER_J_PER_KG_K


def _solved(name: str, load: float, t_supply_c: float, t_ground_c: float,
            t_fixed_c: float | None = None) -> tuple[pandapipes.pandapipesNet, object]:
    """One hour solved by :class:`HeatNetwork`; ``t_fixed_c``: the fixed-flow plants' own
    supply temperature (C; default: the slack plant's)."""
    heat = HeatNetwork.from_json(ROOT / "networks" / name / "heat.json", fast=False)
    fixed = np.array([0.3 * load * heat.consumer_design_w.sum() / max(
        len(heat.fixed_plant_names), 1)] * len(heat.fixed_plant_names))
    state = heat.step(HeatInputs(consumer_q_w=heat.consumer_design_w * load,
                                 t_supply_k=np.array([t_supply_c] + [
                                     t_supply_c if t_fixed_c is None else t_fixed_c
                                 ] * len(fixed)) + C_TO_K, t_return_k=45.0 + C_TO_K,
                                 t_ground_k=t_ground_c + C_TO_K, fixed_plant_q_w=fixed))
    assert state.converged
    return heat._net, state


def _steady_limit(name: str, t_fixed_c: float | None = None) -> float:
    """Advance the dynamic model at one hour's constant hydraulics until steady; the largest
    junction difference to pandapipes where water flows (K)."""
    net, state = _solved(name, 0.6, 80.0, 8.0, t_fixed_c)
    hyd = dyn_pp.hydraulics(net)
    # pandapipes' cp at each pipe's mean temperature (the loss exponent uses it)
    t_mean_k = 0.5 * (net.res_pipe["t_from_k"] + net.res_pipe["t_to_k"]).to_numpy(float)
    cp = net.fluid.get_heat_capacity(t_mean_k)  # valves (links) get the default cp
    model = dyn.DynamicNetwork(dyn_pp.topology(net), dyn_pp.pipe_specs(net, cp), 60.0)
    # until no junction moves by 1e-6 K in an hour (a mass-weighted transit misses slow side
    # pipes: Espoo's longest residence is 19 h in a pipe whose water mixes into faster flows)
    previous_c, hours = model.junction_t_c.copy(), 0
    while hours < 500:
        hours += 1
        hour = model.advance(hyd)
        if np.max(np.abs(hour.junction_t_c - previous_c)) < 1e-6:
            break
        previous_c = hour.junction_t_c.copy()
    longest_h = float(np.max(hour.consumer_transit_s)) / 3600
    wet = np.zeros(len(net.junction), bool)
    topo = model.topology
    flowing = np.abs(hyd.pipe_mdot_kg_per_s) > dyn.MDOT_FLOOR_KG_PER_S
    wet[topo.pipe_from[flowing]] = wet[topo.pipe_to[flowing]] = True
    diff = np.abs(hour.junction_t_c + C_TO_K - state.junction_t_k)[wet]
    print(f"{name} (fixed plants at {t_fixed_c} C): steady after {hours} h (longest mean "
          f"transit to a consumer {longest_h:.1f} h), max |dT| {diff.max():.2e} K "
          f"over {wet.sum()} junctions")
    return float(diff.max())


@pytest.mark.parametrize("name", ["schutterwald", "ringtown"])
def test_constant_hydraulics_reach_pandapipes_steady_temperatures(name):
    assert _steady_limit(name) < 0.01


def test_plants_at_their_own_supply_temperatures_mix_as_in_pandapipes():
    assert _steady_limit("ringtown", t_fixed_c=70.0) < 0.01


def test_constant_hydraulics_reach_pandapipes_steady_temperatures_on_espoo():  # ~6 s
    assert _steady_limit("espoo") < 0.01
    assert _steady_limit("espoo", t_fixed_c=72.0) < 0.01


# -- small networks built here ------------------------------------------------------------
def _pipe(water_kg: float, r_m_k_per_w: float = 1e15, wall_j_per_k: float = 0.0,
          t_ground_c: float = 10.0, length_m: float = 100.0) -> pf.PipeSpec:
    """A pipe of ``length_m`` holding ``water_kg`` of water."""
    diameter_m = math.sqrt(4 * water_kg / (pf.RHO_WATER_KG_PER_M3 * math.pi * length_m))
    return pf.PipeSpec(length_m, diameter_m, r_m_k_per_w, wall_j_per_k, t_ground_c)


def _idx(*values: int) -> np.ndarray:
    return np.array(values, dtype=int)


#: a chain: plant 0 -> 1, supply pipes 1 -> 2 -> 3 -> 4, consumer 4 -> 5, return pipe 5 -> 0
CHAIN = dyn.Topology(6, _idx(1, 2, 3, 5), _idx(2, 3, 4, 0), _idx(4), _idx(5), _idx(0), _idx(1))


def _chain_hour(mdot: float, t_plant_c: float, t_ground_c: float = 10.0) -> dyn.Hydraulics:
    return dyn.Hydraulics(np.full(4, mdot), np.array([mdot]), np.array([40.0]),
                          np.array([mdot]), np.array([t_plant_c]), t_ground_c)


@pytest.mark.parametrize("substeps", [1, 12])
def test_a_supply_step_reaches_the_far_consumer_after_the_transit_time(substeps):
    masses_kg = (3000.0, 4000.0, 2000.0)  # 2.5 h at 1 kg/s
    transit_s = sum(masses_kg) / 1.0
    model = dyn.DynamicNetwork(CHAIN, [*map(_pipe, masses_kg), _pipe(9000.0)], 70.0)
    hours = [model.advance(_chain_hour(1.0, 90.0), substeps=substeps) for _ in range(6)]
    arriving_c = np.array([h.consumer_t_arrive_c[0] for h in hours])
    print(f"substeps {substeps}: consumer hour means {np.round(arriving_c, 3)}")
    assert hours[0].consumer_transit_s[0] == pytest.approx(transit_s, rel=1e-12)
    # the front's centroid: hours of hot water within 6 h = 6 h - the delay
    delay_h = 6.0 - float(np.sum((arriving_c - 70.0) / 20.0))
    assert abs(delay_h - transit_s / 3600) < (0.05 if substeps > 1 else 1.0)
    np.testing.assert_allclose(arriving_c[:2], 70.0, atol=1e-9 if substeps > 1 else 20.0)
    np.testing.assert_allclose(arriving_c[4:], 90.0, atol=1e-9)


def test_a_single_pipe_network_steps_exactly_as_plugflow():
    spec = _pipe(5000.0, r_m_k_per_w=5.0, wall_j_per_k=2e6)
    topology = dyn.Topology(3, _idx(1), _idx(2), _idx(2), _idx(0), _idx(0), _idx(1))
    model = dyn.DynamicNetwork(topology, [spec], 60.0)
    state = pf.initial_state(spec, 60.0)
    rng = np.random.default_rng(3)
    for _ in range(40):
        mdot, t_c = rng.uniform(0.05, 5.0), rng.uniform(50.0, 90.0)
        hour = model.advance(dyn.Hydraulics(np.array([mdot]), np.array([mdot]), np.array([40.0]),
                                            np.array([mdot]), np.array([t_c]), 10.0))
        state, result = pf.step(spec, state, 3600.0, mdot, t_c)
        # the same step: equal to the rounding of the junction's mass-weighted mean
        assert hour.consumer_t_arrive_c[0] == pytest.approx(result.t_out_mean_c, rel=1e-14)
        assert hour.pipe_loss_j[0] == pytest.approx(result.heat_loss_j, rel=1e-12)
    np.testing.assert_allclose(model.states[0].excess_b_k, state.excess_b_k, rtol=1e-12)


@pytest.mark.parametrize("wall_j_per_k", [0.0, 2e6])
def test_the_compiled_step_equals_plugflow_on_random_inputs(wall_j_per_k):
    spec = _pipe(5000.0, r_m_k_per_w=0.5, wall_j_per_k=wall_j_per_k)
    ours = theirs = pf.initial_state(spec, 60.0)
    rng = np.random.default_rng(11)
    for _ in range(200):  # flows of both signs, some steps longer than the residence time
        mdot = rng.choice([1.0, -1.0, 0.0], p=[0.5, 0.4, 0.1]) * rng.uniform(0.01, 8.0)
        dt_s, t_c = rng.uniform(10.0, 3600.0), rng.uniform(40.0, 95.0)
        ours, a = plugflow_nb.step(spec, ours, dt_s, mdot, t_c)
        theirs, b = pf.step(spec, theirs, dt_s, mdot, t_c)
        np.testing.assert_allclose([a.t_out_c, a.t_out_mean_c, a.heat_in_j, a.heat_out_j,
                                    a.heat_loss_j],
                                   [b.t_out_c, b.t_out_mean_c, b.heat_in_j, b.heat_out_j,
                                    b.heat_loss_j], rtol=1e-11, atol=1e-6)
        assert len(ours.mass_kg) == len(theirs.mass_kg) and ours.outlet_end == theirs.outlet_end
        np.testing.assert_allclose(ours.excess_b_k, theirs.excess_b_k, rtol=1e-11, atol=1e-12)
        np.testing.assert_allclose(ours.mass_kg, theirs.mass_kg, rtol=1e-12)
        assert plugflow_nb.water_heat_j(spec, ours) == pytest.approx(
            pf.water_heat_j(spec, theirs), rel=1e-12)


#: a mesh: plant 0 -> 1; supply 1 -> 2, 1 -> 3 and the tie 2 -> 3; consumers 2 -> 4, 3 -> 5;
#: return 4 -> 0, 5 -> 0 and the tie 4 -> 5
MESH = dyn.Topology(6, _idx(1, 1, 2, 4, 5, 4), _idx(2, 3, 3, 0, 0, 5), _idx(2, 3), _idx(4, 5),
                    _idx(0), _idx(1))


def _mesh_hour(rng: np.random.Generator, stand: bool, circulate: bool = False
               ) -> dyn.Hydraulics:
    """Random consumer flows and tie flows of either sign (the ties reverse); with
    ``circulate`` the supply tie may carry more than a consumer takes, so that water
    circulates 1 -> 2 -> 3 -> 1 or 1 -> 3 -> 2 -> 1 (a flow cycle)."""
    m1, m2 = (0.0, 0.0) if stand else rng.uniform(0.2, 8.0, 2)
    x = rng.uniform(-3 * m1, 3 * m2) if circulate else rng.uniform(-0.95 * m1, 0.95 * m2)
    y = rng.uniform(-0.95 * m2, 0.95 * m1)
    pipes = np.array([m1 + x, m2 - x, x, m1 - y, m2 + y, y])
    return dyn.Hydraulics(pipes, np.array([m1, m2]), rng.uniform(38.0, 50.0, 2),
                          np.array([m1 + m2]), np.array([rng.uniform(70.0, 95.0)]),
                          float(rng.choice([5.0, 8.0, 12.0])))


def test_plants_minus_consumers_minus_losses_is_the_change_of_stored_heat():
    specs = [_pipe(m, r_m_k_per_w=r, wall_j_per_k=0.1 * m * CP, length_m=500.0)
             for m, r in ((8000, 2.0), (6000, 3.0), (3000, 1.5), (8000, 2.5), (6000, 2.0),
                          (3000, 4.0))]
    model = dyn.DynamicNetwork(MESH, specs, 50.0)
    rng = np.random.default_rng(22)
    worst = 0.0
    for h in range(60):
        before_j = model.stored_heat_j()
        hour = model.advance(_mesh_hour(rng, stand=h % 17 == 5), substeps=1 + h % 3)
        scale_j = max(abs(hour.plant_heat_j), abs(hour.consumer_heat_j),
                      float(np.sum(np.abs(hour.pipe_loss_j))))
        worst = max(worst, abs(hour.balance_residual_j(before_j)) / scale_j)
        assert abs(hour.mixing_residual_j) <= 1e-9 * scale_j
    print(f"worst hourly energy balance residual: {worst:.1e} (relative)")
    assert worst <= 1e-9


def test_a_flow_cycle_is_solved_by_sweeps_to_a_small_residual():
    specs = [_pipe(m, r_m_k_per_w=2.0, wall_j_per_k=0.1 * m * CP, length_m=500.0)
             for m in (8000, 6000, 3000, 8000, 6000, 3000)]
    model = dyn.DynamicNetwork(MESH, specs, 50.0)
    rng = np.random.default_rng(5)
    worst = 0.0
    for _ in range(30):
        before_j = model.stored_heat_j()
        hour = model.advance(_mesh_hour(rng, stand=False, circulate=True))
        worst = max(worst, abs(hour.mixing_residual_j) / abs(hour.plant_heat_j))
        assert abs(hour.balance_residual_j(before_j)) <= 1e-9 * abs(hour.plant_heat_j)
        assert np.all(np.isfinite(hour.junction_t_c))
    print(f"flow cycles: worst unconverged heat {worst:.1e} of the plant heat")
    assert worst < 1e-9


def test_a_branch_without_flow_cools_toward_the_ground_with_its_wall():
    r_m_k_per_w, wall_j_per_k, water_kg = 3.0, 4e6, 8000.0
    specs = [_pipe(water_kg, r_m_k_per_w, wall_j_per_k, length_m=500.0) for _ in range(4)]
    model = dyn.DynamicNetwork(CHAIN, specs, 70.0)
    tau_s = (water_kg * CP + wall_j_per_k) * r_m_k_per_w / 500.0  # (M cp + C) R' / L
    for h in range(1, 49):
        model.advance(_chain_hour(0.0, 90.0))
        excess_j = model.stored_heat_j() - 4 * (water_kg * CP + wall_j_per_k) * 10.0
        expected_j = 4 * (water_kg * CP + wall_j_per_k) * 60.0 * math.exp(-h * 3600 / tau_s)
        assert excess_j == pytest.approx(expected_j, rel=1e-9)
    assert model.states[0].wall_excess_k == pytest.approx(model.states[0].excess_b_k[0])


def test_cost_per_hour_on_espoo():
    net, _ = _solved("espoo", 0.6, 80.0, 8.0)
    hyd = dyn_pp.hydraulics(net)
    model = dyn.DynamicNetwork(dyn_pp.topology(net), dyn_pp.pipe_specs(net), 60.0)
    for substeps in (1, 6):
        start = time.perf_counter()
        for _ in range(24):
            model.advance(hyd, substeps=substeps)
        ms = (time.perf_counter() - start) / 24 * 1e3
        print(f"espoo ({len(model.specs)} pipes), {substeps} substep(s): {ms:.1f} ms per hour")

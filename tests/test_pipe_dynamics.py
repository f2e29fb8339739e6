"""The plug-flow pipe (``simulator/heat/plugflow.py``): exact solutions, mixing, energy, the
ULg measurements, irregular steps and the entry point's input checks."""

from __future__ import annotations

import ast
import json
import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import simulator
from simulator.heat import plugflow as pf

REPO = Path(__file__).resolve().parents[1]
DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "pipe_validation"
CP = pf.CP_WATER_J_PER_KG_K
RHO = pf.RHO_WATER_KG_PER_M3
#: a 500 m DN100 pipe, R' = 2 m K/W, in 10 C ground
GEOMETRY = {"length_m": 500.0, "inner_diameter_m": 0.1, "r_m_k_per_w": 2.0, "t_ambient_c": 10.0}


def _water_mass_kg(length_m: float, inner_diameter_m: float) -> float:
    return RHO * math.pi * inner_diameter_m ** 2 / 4 * length_m


def _steady_c(t_in_c: float, mdot_kg_per_s: float) -> float:
    """The steady outlet: T_amb + (T_in - T_amb) exp(-L / (R' mdot cp))."""
    g = GEOMETRY
    return g["t_ambient_c"] + (t_in_c - g["t_ambient_c"]) * math.exp(
        -g["length_m"] / (g["r_m_k_per_w"] * abs(mdot_kg_per_s) * CP))


def _outlet(times, mdot, t_in, *, wall=0.0, t_initial_c=20.0, **geometry):
    g = {**GEOMETRY, **geometry}
    return simulator.pipe_outlet_temperature(
        np.asarray(times, float), np.asarray(mdot, float), np.asarray(t_in, float),
        wall_heat_capacity_j_per_k=wall, t_initial_c=t_initial_c, **g)


def test_an_inlet_step_arrives_after_the_plug_flow_delay_with_the_steady_loss():
    mdot = 2.0
    delay_s = _water_mass_kg(500.0, 0.1) / mdot  # water in the pipe / mass flow
    tau_s = 2.0 * _water_mass_kg(500.0, 0.1) * CP / 500.0  # R' rho A cp
    times = np.array([0.0, 0.3 * delay_s, delay_s - 1e-3, delay_s + 1e-3, 1.7 * delay_s])
    out = _outlet(times, np.full(5, mdot), np.full(5, 80.0))
    # before the front: the initial water, cooled over the time it has stood in the pipe
    before = 10.0 + 10.0 * np.exp(-times[1:3] / tau_s)
    np.testing.assert_allclose(out[1:3], before, rtol=0, atol=1e-6)
    np.testing.assert_allclose(out[3:], _steady_c(80.0, mdot), rtol=0, atol=1e-6)


def test_with_the_wall_the_final_steady_value_is_still_exact():
    times = np.arange(0.0, 48 * 3600.0, 900.0)
    for mdot in (2.0, -3.5):  # either direction
        out = _outlet(times, np.full(len(times), mdot), np.full(len(times), 80.0), wall=4e5)
        assert abs(out[-1] - _steady_c(80.0, mdot)) < 1e-9


def test_a_step_longer_than_the_residence_time_delivers_the_steady_value():
    mass_kg = _water_mass_kg(500.0, 0.1)
    out = _outlet([0.0, 3 * mass_kg / 2.0], [2.0, 2.0], [80.0, 80.0])
    assert abs(out[-1] - _steady_c(80.0, 2.0)) < 1e-9


def test_at_zero_flow_water_and_wall_cool_down_together():
    wall_j_per_k = 4e5
    mass_kg = _water_mass_kg(500.0, 0.1)
    # (M cp + C) dT/dt = -(L / R') (T - T_amb)
    tau_s = (mass_kg * CP + wall_j_per_k) * 2.0 / 500.0
    times = np.array([0.0, 600.0, 3600.0, 7200.0, 86400.0])
    out = _outlet(times, np.zeros(5), np.full(5, 80.0), wall=wall_j_per_k, t_initial_c=70.0)
    np.testing.assert_allclose(out, 10.0 + 60.0 * np.exp(-times / tau_s), rtol=0, atol=1e-6)
    spec = pf.PipeSpec(500.0, 0.1, 2.0, wall_j_per_k, 10.0)
    state, _ = pf.step(spec, pf.initial_state(spec, 70.0), 86400.0, 0.0, 80.0)
    water_k = state.excess_b_k[0]
    assert abs(water_k - 60.0 * math.exp(-86400.0 / tau_s)) < 1e-6
    assert abs(state.wall_excess_k - water_k) < 1e-9


def _lossless_spec() -> pf.PipeSpec:
    """A pipe of 1000 kg of water that loses nothing measurable (R' = 1e15 m K/W)."""
    diameter_m = math.sqrt(4 * 1000.0 / (RHO * math.pi * 100.0))
    return pf.PipeSpec(100.0, diameter_m, 1e15, 0.0, 0.0)


def _pushed(spec: pf.PipeSpec, temperatures_c: list[float]) -> pf.PipeState:
    """A pipe at 20 C into which 250 kg at each of ``temperatures_c`` were pushed."""
    state = pf.initial_state(spec, 20.0)
    for t_c in temperatures_c:
        state, _ = pf.step(spec, state, 250.0, 1.0, t_c)
    return state


def test_a_step_that_splits_parcels_gives_the_mass_weighted_mix():
    spec = _lossless_spec()
    state = _pushed(spec, [30.0, 40.0, 50.0, 60.0])  # four parcels of 250 kg
    state, first = pf.step(spec, state, 375.0, 1.0, 70.0)  # 250 kg at 30 and half of 40
    assert abs(first.t_out_mean_c - (250 * 30 + 125 * 40) / 375) < 1e-9
    state, second = pf.step(spec, state, 0.25, 2000.0, 70.0)  # 125 at 40, 250 at 50, 125 at 60
    assert abs(second.t_out_mean_c - (125 * 40 + 250 * 50 + 125 * 60) / 500) < 1e-9
    assert abs(second.t_out_c - 60.0) < 1e-9  # the last water out is from the 60 C parcel


def test_reversed_flow_returns_the_last_water_first():
    spec = _lossless_spec()
    state = _pushed(spec, [30.0, 40.0])  # B to A: 500 kg at 20, 250 at 30, 250 at 40
    means = []
    for _ in range(3):
        state, result = pf.step(spec, state, 250.0, -1.0, 90.0)
        means.append(result.t_out_mean_c)
    np.testing.assert_allclose(means, [40.0, 30.0, 20.0], rtol=0, atol=1e-9)
    assert state.outlet_end == -1


def _random_run(spec: pf.PipeSpec, seed: int) -> tuple[float, float]:
    """Heat in - out - lost minus the change of stored heat (J) over 300 random steps (up to
    1 h, some longer than the residence time, with zero flow and reversals), and the largest
    heat term (J)."""
    rng = np.random.default_rng(seed)
    state = pf.initial_state(spec, 40.0)
    start_j = pf.stored_heat_j(spec, state)
    balance_j, scale_j = 0.0, start_j
    for _ in range(300):
        mdot = rng.choice([0.0, 1.0, -1.0]) * rng.uniform(0.05, 6.0)
        state, r = pf.step(spec, state, rng.uniform(1.0, 3600.0), mdot, rng.uniform(30.0, 90.0))
        balance_j += r.heat_in_j - r.heat_out_j - r.heat_loss_j
        scale_j = max(scale_j, abs(r.heat_in_j), abs(r.heat_out_j))
    return balance_j - (pf.stored_heat_j(spec, state) - start_j), scale_j


@pytest.mark.parametrize("wall_j_per_k", [0.0, 4e5])
def test_energy_in_minus_out_minus_loss_is_the_change_of_stored_heat(wall_j_per_k):
    spec = pf.PipeSpec(500.0, 0.1, 0.05, wall_j_per_k, 10.0)  # lossy: tau = 27 min
    residual_j, scale_j = _random_run(spec, seed=22)
    assert abs(residual_j) <= 1e-9 * scale_j


def _ulg_rmse() -> dict[str, float]:
    parameters = json.loads((DATA / "parameters.json").read_text())
    pipe = parameters["pipe"]
    rmse = {}
    for run, info in parameters["runs"].items():
        data = np.genfromtxt(DATA / info["csv"], delimiter=",", names=True)
        out = simulator.pipe_outlet_temperature(
            data["time_s"], data["mdot_kg_per_s"], data["T_water_in_degC"],
            length_m=pipe["length_m"], inner_diameter_m=pipe["inner_diameter_m"],
            r_m_k_per_w=pipe["r_m_k_per_w"],
            wall_heat_capacity_j_per_k=pipe["wall_heat_capacity_j_per_k"],
            t_ambient_c=pipe["t_ambient_c"], t_initial_c=info["t_initial_c"])
        rmse[run] = float(np.sqrt(np.mean((out - data["T_water_out_degC"]) ** 2)))
    return rmse


@pytest.mark.skipif(not DATA.is_dir(), reason=f"the ULg pipe measurements are absent ({DATA})")
def test_the_measured_ulg_runs_are_reproduced():
    rmse = _ulg_rmse()
    print("ULg outlet RMSE (K):", {k: round(v, 3) for k, v in rmse.items()})
    assert len(rmse) == 3
    assert max(rmse.values()) <= 0.8, rmse
    assert np.mean(list(rmse.values())) <= 0.5, rmse


def _step_signal(times: np.ndarray, jumps_s: np.ndarray, values: np.ndarray) -> np.ndarray:
    """A right-continuous step signal: ``values[i]`` from ``jumps_s[i]`` on."""
    return values[np.searchsorted(jumps_s, times, side="right") - 1]


def test_irregular_time_steps_give_the_same_answer_as_regular_ones():
    # piecewise-constant inputs whose jumps lie on both grids: the model is exact for them, so
    # the two grids differ by rounding only (1e-9 K)
    jumps_s = np.arange(0.0, 12 * 3600.0, 3600.0)
    mdot = np.array([2.0, 3.0, 0.0, 1.0, -2.0, -0.5, 0.0, 4.0, 2.5, 1.0, 0.0, 2.0])
    t_in = np.array([70.0, 80.0, 80.0, 60.0, 50.0, 55.0, 55.0, 90.0, 85.0, 70.0, 70.0, 75.0])
    regular = np.arange(0.0, 12 * 3600.0 + 1, 600.0)
    rng = np.random.default_rng(7)
    irregular = np.unique(np.concatenate([regular, rng.uniform(0.0, 12 * 3600.0, 200)]))
    results = []
    for grid in (regular, irregular):
        out = _outlet(grid, _step_signal(grid, jumps_s, mdot), _step_signal(grid, jumps_s, t_in),
                      wall=4e5)
        results.append(out[np.isin(grid, regular)])
    np.testing.assert_allclose(results[1], results[0], rtol=0, atol=1e-9)


@pytest.mark.parametrize(("change", "message"), [
    ({"times": [0.0, 1.0]}, "equal lengths"),
    ({"times": [0.0, 2.0, 1.0]}, "strictly increasing"),
    ({"times": [0.0, 1.0, 1.0]}, "strictly increasing"),
    ({"t_in": [50.0, np.nan, 50.0]}, "NaN"),
    ({"length_m": 0.0}, "length_m must be positive"),
    ({"inner_diameter_m": -0.1}, "inner_diameter_m must be positive"),
    ({"r_m_k_per_w": 0.0}, "r_m_k_per_w must be positive"),
    ({"wall": -1.0}, "wall_heat_capacity_j_per_k"),
])
def test_bad_inputs_raise_clear_errors(change, message):
    args = {"times": [0.0, 1.0, 2.0], "mdot": [1.0, 1.0, 1.0], "t_in": [50.0, 50.0, 50.0],
            **change}
    with pytest.raises(ValueError, match=message):
        _outlet(args.pop("times"), args.pop("mdot"), args.pop("t_in"), **args)


def test_the_plug_flow_pipe_does_not_load_pandapipes():
    for module in ("plugflow.py", "pipe_outlet.py"):
        tree = ast.parse((REPO / "simulator" / "heat" / module).read_text())
        names = [a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names]
        names += [n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)]
        assert not [n for n in names if n.split(".")[0] in ("pandapipes", "pandapower")]
    code = ("import sys, simulator; simulator.pipe_outlet_temperature([0, 1], [1, 1], [50, 50], "
            "length_m=1, inner_diameter_m=0.1, r_m_k_per_w=1, wall_heat_capacity_j_per_k=0, "
            "t_ambient_c=10, t_initial_c=20); print('pandapipes' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          cwd=REPO, check=True)
    assert done.stdout.strip() == "False"

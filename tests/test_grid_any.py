"""The fast grid path on any pandapower grid the plain path solves (issue 13): generators
(PV buses), static generators, isolated buses, a grid near its loadability limit."""

from __future__ import annotations

import os
import warnings

import numpy as np
import pandapower
import pandapower.networks as pn
import pytest

from simulator.grid.checks import network_problems
from simulator.grid.network import ElectricGrid
from simulator.threads import THREAD_VARIABLES, pin_threads


def case118_fixed() -> pandapower.pandapowerNet:
    """pandapower's case118 with its generators and shunts turned into fixed loads at their
    solved powers: the base case solves, 10 % more load does not (no voltage support)."""
    net = pn.case118()
    pandapower.runpp(net)
    for i, g in net.gen.iterrows():
        pandapower.create_load(net, g.bus, p_mw=-net.res_gen.at[i, "p_mw"],
                               q_mvar=-net.res_gen.at[i, "q_mvar"], name=f"gen_{i}")
    for i, sh in net.shunt.iterrows():
        pandapower.create_load(net, sh.bus, p_mw=net.res_shunt.at[i, "p_mw"],
                               q_mvar=net.res_shunt.at[i, "q_mvar"], name=f"shunt_{i}")
    net.gen = net.gen.iloc[0:0]
    net.shunt = net.shunt.iloc[0:0]
    return net


def case9_with_pv_buses() -> pandapower.pandapowerNet:
    net = pn.case9()
    assert len(net.gen) == 2  # two generators hold their buses' voltage (PV buses)
    return net


GRIDS = {
    "cigre_mv_pv_wind": (lambda: pn.create_cigre_network_mv(with_der="pv_wind"), "Bus 11"),
    "cigre_lv": (pn.create_cigre_network_lv, "Bus R11"),
    "case9_gen_pv_buses": (case9_with_pv_buses, None),
}


@pytest.mark.parametrize("name", list(GRIDS))
def test_fast_grid_path_is_used_and_matches_runpp(name):
    build, bus = GRIDS[name]
    grid = ElectricGrid(build())
    bus = bus or grid.bus_names[4]
    grid.attach(["hp", "boiler"], [bus, bus])
    reference = build()
    index = dict(zip(grid.bus_names, reference.bus.index, strict=True))
    loads = [pandapower.create_load(reference, index[bus], p_mw=0.0, q_mvar=0.0)
             for _ in range(2)]
    background = reference.load.index[:-2]
    bg_p = reference.load.loc[background, "p_mw"].to_numpy(copy=True)
    bg_q = reference.load.loc[background, "q_mvar"].to_numpy(copy=True)
    rng = np.random.default_rng(13)
    size = 0.02 if name == "cigre_lv" else 0.5
    paths = []
    for _ in range(6):
        p, scale = rng.uniform(0.0, size, 2), rng.uniform(0.8, 1.05)
        state = grid.step(p, scale)
        paths.append(grid.last_path)
        reference.load.loc[loads, "p_mw"] = p
        reference.load.loc[background, "p_mw"] = bg_p * scale
        reference.load.loc[background, "q_mvar"] = bg_q * scale
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            pandapower.runpp(reference, numba=True)
        np.testing.assert_allclose(state.bus_vm_pu, reference.res_bus["vm_pu"], atol=1e-6)
        np.testing.assert_allclose(state.line_loading_percent,
                                   reference.res_line["loading_percent"], rtol=1e-4, atol=1e-6)
        assert state.ext_grid_p_mw == pytest.approx(reference.res_ext_grid["p_mw"].sum(),
                                                    rel=1e-4, abs=1e-6)
    assert grid.fast_status == ""
    assert paths[0].startswith("plain") and paths[1:] == ["fast"] * 5, paths


def test_a_grid_near_its_loadability_limit_does_not_abort_the_first_hour():
    """The fast path's set-up probe (+10 % load) does not solve on this grid; the run goes on."""
    probe = case118_fixed()
    probe.load["p_mw"] *= 1.1
    probe.load["q_mvar"] *= 1.1
    with pytest.raises(pandapower.LoadflowNotConverged), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pandapower.runpp(probe, numba=True)
    grid = ElectricGrid(case118_fixed())
    grid.attach(["hp"], [grid.bus_names[10]])
    first = grid.step(np.array([1.0]), 1.0)
    assert first.converged
    second = grid.step(np.array([2.0]), 1.0)
    assert second.converged
    assert grid.fast_status == "" or "probe" in grid.fast_status


@pytest.mark.parametrize("build", [pn.case118, pn.case9, pn.create_cigre_network_lv,
                                   pn.mv_oberrhein], ids=lambda b: b.__name__)
def test_bundled_grids_pass_the_checks(build):
    """case118's four transformers with a negative no-load current (i0_percent) are data, not
    errors, though pandapower's diagnostic flags them; taps and set points are in range."""
    assert network_problems(build()) == []


def test_thread_pinning_also_limits_pools_already_loaded(monkeypatch):
    """numpy is loaded here: the variables alone would not reach its BLAS pool."""
    threadpoolctl = pytest.importorskip("threadpoolctl")
    for var in THREAD_VARIABLES:
        monkeypatch.delenv(var, raising=False)
    with threadpoolctl.threadpool_limits(limits=None):  # restored afterwards
        assert pin_threads() == dict.fromkeys(THREAD_VARIABLES, "1")
        assert all(os.environ[v] == "1" for v in THREAD_VARIABLES)
        blas = [p for p in threadpoolctl.threadpool_info() if p["user_api"] == "blas"]
        assert blas and all(p["num_threads"] == 1 for p in blas)

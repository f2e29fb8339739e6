"""Guards on the solver behaviour the adapters rely on (pinned pandapipes/pandapower)."""

from __future__ import annotations

import importlib.metadata as md

import numpy as np
import pandapipes
import pytest

from conftest import ROOT

HEAT = ROOT / "networks" / "schutterwald" / "heat.json"


def test_pinned_solver_versions_are_installed():
    assert md.version("pandapipes") == "0.16.0"
    assert md.version("pandapower") == "3.3.3"


@pytest.fixture(scope="module")
def solved():
    net = pandapipes.from_json(str(HEAT))
    net.pipe["text_k"] = 283.15
    pandapipes.pipeflow(net, mode="bidirectional", max_iter_bidirect=100)
    return net


def test_bidirectional_iteration_count_is_exposed(solved):
    # heat.py reads this private key for the `heat_iterations` variable
    assert solved["_internal_results"]["iterations_bidirectional"] >= 1


def test_result_columns_the_adapter_reads_exist(solved):
    assert {"qext_w", "t_from_k", "p_from_bar", "p_to_bar"} <= set(solved.res_heat_consumer)
    assert {"qext_w", "mdot_from_kg_per_s", "t_from_k", "t_to_k", "p_from_bar", "p_to_bar"} \
        <= set(solved.res_circ_pump_pressure)
    assert {"mdot_from_kg_per_s", "t_from_k", "t_to_k", "t_outlet_k"} <= set(solved.res_pipe)


def test_plant_heat_equals_consumers_plus_pipe_losses(solved):
    res = solved.res_pipe
    mdot = res.mdot_from_kg_per_s.to_numpy()
    t_in = np.where(mdot >= 0, res.t_from_k, res.t_to_k)
    t_out = res.t_outlet_k.to_numpy()
    cp = solved.fluid.get_heat_capacity(0.5 * (t_in + t_out))
    loss = np.sum(np.abs(mdot) * cp * (t_in - t_out))
    plant = solved.res_circ_pump_pressure.qext_w.sum()
    consumers = solved.res_heat_consumer.qext_w.sum()
    assert (plant - consumers - loss) / plant == pytest.approx(0.0, abs=1e-3)


# -- the fast paths' private pandapipes / pandapower API (simulator/heat/, simulator/grid/fast.py)
def _solved(net: pandapipes.pandapipesNet, q_scale: float = 0.4, t_flow_k: float = 353.15,
            t_ground_k: float = 281.15) -> pandapipes.pandapipesNet:
    """``net`` solved plainly at a given load, supply and ground temperature."""
    net.heat_consumer["qext_w"] = net.heat_consumer["qext_w"] * q_scale
    net.circ_pump_pressure["t_flow_k"] = t_flow_k
    net.pipe["text_k"] = t_ground_k
    pandapipes.pipeflow(net, mode="bidirectional", max_iter_bidirect=100,
                        ambient_temperature=t_ground_k)
    return net


def _write(net: pandapipes.pandapipesNet, q_scale: float, t_flow_k: float, t_ground_k: float,
           fixed_on: bool = True) -> dict:
    """FastHeat.write_inputs arguments for an hour unlike the solved one (the pressure-holding
    plant's lift raised by 1.5 bar at the same return pressure, as the Δp control does)."""
    n_fixed = len(net.circ_pump_mass) if "circ_pump_mass" in net else 0
    slack = net.circ_pump_pressure.iloc[0]
    plift = float(slack["plift_bar"]) + 1.5
    return {"q_w": net.heat_consumer["qext_w"].to_numpy() * q_scale, "t_return_k": 318.15,
            "t_supply_k": t_flow_k, "t_ground_k": t_ground_k,
            "fixed_mdot": np.full(n_fixed, 3.0), "fixed_active": np.full(n_fixed, fixed_on),
            "max_iter": 100, "plift_bar": plift,
            "p_flow_bar": float(slack["p_flow_bar"]) + 1.5}


def _nets() -> list[pandapipes.pandapipesNet]:
    """Schutterwald and the test district with a fixed-flow plant (both radial)."""
    from networks_factory import build_heat_net

    return [pandapipes.from_json(str(HEAT)), build_heat_net()]


def test_fast_fluid_tables_are_bit_identical_to_interp1d():
    from simulator.heat.newton import fluid_table

    net = pandapipes.from_json(str(HEAT))
    t = np.random.default_rng(1).uniform(250.0, 450.0, 1000)  # beyond the tables too
    for name in ("heat_capacity", "density", "viscosity"):
        reference = net.fluid.all_properties[name].prop_getter
        fast = fluid_table(net, name)
        assert fast is not None and net.fluid.all_properties[name].prop_getter is fast
        assert np.array_equal(fast(t), reference(t)), name
        assert np.array_equal(fast(300.0), reference(300.0)), name


@pytest.mark.parametrize("fixed_on", [True, False])
def test_fast_path_writes_what_initialize_pit_writes_and_reads_what_pandapipes_extracts(
        fixed_on):
    """FastHeat.self_check: the hour's cells written into the reused pit equal a fresh
    ``initialize_pit`` outside the solver state, and the pit reader equals the result tables."""
    from simulator.heat.fast import FastHeat

    for net in _nets():
        fast = FastHeat.create(_solved(net))
        assert isinstance(fast, FastHeat), fast
        assert fast.self_check(_write(net, 0.7, 361.0, 285.0, fixed_on)) == ""


def test_predicted_state_is_pandapipes_solution_in_one_sweep():
    """The predictor mirrors pandapipes' equations: from its state pandapipes converges in one
    Newton sweep, to the solution a plain pipeflow finds for the same inputs."""
    from simulator.heat.fast import FastHeat
    from simulator.heat.pit import apply_to_tables, read_result_tables

    for net in _nets():
        fast = FastHeat.create(_solved(net))
        assert isinstance(fast, FastHeat)
        write = _write(net, 0.9, 365.0, 279.0)
        fast.write_inputs(**write)
        assert fast.predict(write["q_w"], write["t_return_k"], write["t_ground_k"])
        mine = fast.verify()
        assert mine is not None and fast.iterations() == 1
        plain = _nets()[0 if len(net.junction) > 100 else 1]
        apply_to_tables(plain, write)
        pandapipes.pipeflow(plain, mode="bidirectional", max_iter_bidirect=100,
                            ambient_temperature=write["t_ground_k"])
        reference = read_result_tables(plain)
        for key, value in reference.items():
            np.testing.assert_allclose(mine[key], value, rtol=1e-7, atol=1e-6, err_msg=key)


def test_bidirectional_step_with_cached_bookkeeping_equals_pandapipes_step():
    import copy

    from pandapipes.pf.calculation import solve_bidirectional

    from simulator.heat.fast import FastHeat
    from simulator.heat.newton import Bidirectional

    for net in _nets():
        fast = FastHeat.create(_solved(net))
        assert isinstance(fast, FastHeat)
        fast.write_inputs(**_write(net, 0.5, 358.0, 283.0))
        other = copy.deepcopy(net)
        calc = Bidirectional({})
        calc.prepare(net)
        calc.prepare(other)
        mine = calc.solve_step(net)
        theirs = solve_bidirectional(other)
        for a, b in zip(mine[0], theirs[0], strict=True):
            np.testing.assert_array_equal(a, b)
        np.testing.assert_array_equal(mine[1], theirs[1])
        for kind in ("node", "branch"):
            np.testing.assert_array_equal(net["_pit"][kind], other["_pit"][kind])


def test_fast_grid_reproduces_runpp():
    """FastGrid (Newton-Raphson on pandapower's recycled Ybus and injections) against runpp."""
    import pandapower
    import pandapower.networks

    from simulator.grid.fast import FastGrid

    rng = np.random.default_rng(3)
    grids = [(pandapower.from_json(str(ROOT / "networks" / "schutterwald" / "electric.json")),
              "plant_lv"), (pandapower.networks.create_cigre_network_mv(with_der=False), "Bus 11")]
    for net, bus_name in grids:
        background = net.load.index.to_numpy()
        bg_p, bg_q = net.load["p_mw"].to_numpy(copy=True), net.load["q_mvar"].to_numpy(copy=True)
        bus = net.bus.index[net.bus["name"] == bus_name][0]
        attached = np.array([pandapower.create_load(net, bus=bus, p_mw=0.3, q_mvar=0.0)
                             for _ in range(2)])
        pandapower.runpp(net, numba=True)
        fast = FastGrid.create(net, attached, background, bg_p, bg_q, 1.0)
        assert isinstance(fast, FastGrid), fast
        for _ in range(5):
            p, scale = rng.uniform(0.0, 1.5, 2), rng.uniform(0.5, 1.3)
            net.load.loc[attached, "p_mw"] = p
            net.load.loc[background, "p_mw"] = bg_p * scale
            net.load.loc[background, "q_mvar"] = bg_q * scale
            pandapower.runpp(net, numba=True)
            mine = fast.solve(p, scale)
            assert mine is not None
            np.testing.assert_allclose(mine.bus_vm_pu, net.res_bus["vm_pu"], atol=1e-9)
            np.testing.assert_allclose(mine.line_loading_percent, net.res_line["loading_percent"],
                                       rtol=1e-7)
            np.testing.assert_allclose(mine.trafo_loading_percent,
                                       net.res_trafo["loading_percent"], rtol=1e-7)
            assert mine.ext_grid_p_mw == pytest.approx(net.res_ext_grid["p_mw"].sum(), rel=1e-8)

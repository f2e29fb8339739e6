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

"""Grid feedback within the hour: curtail the electric units behind a violated limit."""

from __future__ import annotations

import numpy as np
import pytest
import yaml

from simulator.api import run
from simulator.coupling.feedback import Limits, extra_curtailment_mw, violations
from simulator.output.cube import open_results

from conftest import schutterwald_raw

LIMITS = Limits(0.95, 1.05, 100.0)


def test_overloaded_branch_sheds_its_excess_from_the_units_behind_it():
    # branch 0 at 125 % carrying 4 MW must drop 0.8 MW; units 0 and 1 are behind it
    shed = extra_curtailment_mw(
        el_mw=np.array([1.0, 3.0, 2.0]), curtailable=np.array([True, True, True]),
        branch_behind=np.array([[True, True, False]]),
        branch_loading_percent=np.array([125.0]), branch_p_mw=np.array([4.0]),
        bus_behind=np.zeros((1, 3), bool), vm_pu=np.array([1.0]), limits=LIMITS)
    np.testing.assert_allclose(shed, [0.2, 0.6, 0.0])


def test_undervoltage_sheds_a_step_and_unsupplied_units_shed_all():
    shed = extra_curtailment_mw(
        el_mw=np.array([2.0, 1.0, -1.0]), curtailable=np.array([True, True, False]),
        branch_behind=np.zeros((0, 3), bool), branch_loading_percent=np.zeros(0),
        branch_p_mw=np.zeros(0), bus_behind=np.array([[True, False, True]]),
        vm_pu=np.array([0.93]), limits=LIMITS, unsupplied=np.array([False, True, False]))
    np.testing.assert_allclose(shed, [0.5, 1.0, 0.0])


def test_nan_voltage_counts_as_a_violation():
    low, over = violations(np.array([1.0, np.nan]), np.array([50.0]), LIMITS)
    assert low.tolist() == [False, True] and not over.any()


def _run(tmp_path, coupling, name):
    raw = schutterwald_raw()
    raw["coupling"] = coupling
    for unit in raw["units"]:  # a wood boiler that follows down to zero: the re-dispatch of
        if unit["name"] == "wood_boiler":  # small curtailments shows in every hour
            unit["min_load_fraction"] = 0.0
    path = tmp_path / f"{name}.yaml"
    path.write_text(yaml.safe_dump(raw))
    with open_results(run(path, hours=8, output=tmp_path / f"{name}.nc")) as ds:
        return ds.load()


@pytest.fixture(scope="module")
def pair(tmp_path_factory):
    """The same 8 winter hours without feedback and with a plant-trafo limit of 20 %."""
    tmp = tmp_path_factory.mktemp("coupling")
    limit = {"loading_limits_percent": {"plant_trafo": 20.0}}
    free = _run(tmp, {"enabled": False, **limit}, "free")
    bound = _run(tmp, {"max_iterations": 8, **limit}, "bound")
    return free, bound


def test_the_limit_binds_without_feedback(pair):
    free, _ = pair
    assert float(free.trafo_loading_percent.sel(trafo="plant_trafo").max()) > 25.0
    assert int(free.grid_limits_ok.min()) == 0
    assert float(free.unit_curtailed_mw.sum()) == 0.0


def test_feedback_keeps_the_trafo_within_its_limit(pair):
    _, bound = pair
    ok = bound.sel(time=bound.converged == 1)
    assert ok.sizes["time"] == 8
    assert int(ok.grid_limits_ok.min()) == 1
    assert float(ok.trafo_loading_percent.sel(trafo="plant_trafo").max()) <= 20.0 * 1.005
    assert float(ok.unit_curtailed_mw.sum()) > 0.0
    assert float(ok.coupling_iterations.max()) > 1


def test_curtailed_heat_is_re_dispatched_to_other_units(pair):
    free, bound = pair
    el_free = free.unit_el_mw.sel(unit=["ground_hp", "eboiler"]).sum("unit")
    el_bound = bound.unit_el_mw.sel(unit=["ground_hp", "eboiler"]).sum("unit")
    assert float((el_free - el_bound).min()) > 0.0
    wood_gain = bound.unit_heat_mw.sel(unit="wood_boiler") - free.unit_heat_mw.sel(
        unit="wood_boiler")
    assert float(wood_gain.min()) > 0.0
    np.testing.assert_allclose(bound.unserved_heat_mw, 0.0, atol=1e-6)
    supplied = bound.unit_heat_mw.sum("unit")
    error = np.abs(supplied - bound.consumer_heat_mw.sum("consumer") - bound.heat_loss_mw)
    assert float((error / supplied).max()) < 0.01


def test_infeasible_limit_is_flagged_not_hidden(tmp_path):
    # 0.1 % of 2 MVA: even the circulation pump (not curtailable) exceeds it
    ds = _run(tmp_path, {"loading_limits_percent": {"plant_trafo": 0.1}}, "infeasible")
    assert ds.converged.values.all()
    assert int(ds.grid_limits_ok.max()) == 0
    np.testing.assert_allclose(ds.unit_el_mw.sel(unit=["ground_hp", "eboiler"]), 0.0,
                               atol=1e-9)

"""The dispatch seam: a policy written outside the package runs through the real step.

The manual's toy policy block (``docs/architecture.md``, "The seams") is executed as written (so
the page stays true), then its cube is checked against what "cleanest unit first, stores idle"
must give on Schutterwald in January: the wood-chip boiler (biogenic, 0 t CO2) covers what it
can before the heat pump runs.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from simulator.config import ConfigError
from simulator.dispatch import policy_factory
from simulator.output.cube import open_results

ROOT = Path(__file__).resolve().parents[1]


PAGE = ROOT / "docs" / "architecture.md"


def _manual_example() -> str:
    text = PAGE.read_text(encoding="utf-8")
    block = re.search(r"<!-- policy-example -->\s*```python\n(.*?)```", text, re.S)
    assert block, f"{PAGE.relative_to(ROOT)} has no policy-example block"
    return block.group(1)


def test_manual_toy_policy_runs_and_ranks_the_cleanest_unit_first(tmp_path, monkeypatch):
    code = _manual_example()
    assert len(code.strip().splitlines()) <= 25
    monkeypatch.chdir(ROOT)
    out = tmp_path / "cleanest.nc"
    namespace: dict = {}
    exec(compile(code.replace('"results/cleanest.nc"', repr(str(out))), str(PAGE), "exec"),
         namespace)
    assert namespace["cube"] == out
    ds = open_results(out)
    assert (ds.converged == 1).all()
    heat = ds.unit_heat_mw
    wood, hp = heat.sel(unit="wood_boiler").values, heat.sel(unit="ground_hp").values
    demand = ds.heat_demand_mw.values + ds.heat_loss_mw.values
    # the wood boiler (2.5 MW) takes everything it can; the heat pump only the rest
    np.testing.assert_allclose(wood, np.minimum(demand, 2.5), rtol=2e-3)
    assert np.all(hp <= np.maximum(demand - 2.5, 0.0) + 1e-3)
    # and the policy is registered by name for later runs in this process
    assert policy_factory("cleanest_first").__name__ == "CleanestFirst"


def test_unknown_policy_is_a_config_error_naming_the_key():
    with pytest.raises(ConfigError, match=r"dispatch.policy: unknown policy 'no_such'"):
        policy_factory("no_such")


def test_a_policy_given_as_module_and_class_is_imported():
    cls = policy_factory("simulator.dispatch.merit_order:MeritOrderPolicy")
    assert cls.__name__ == "MeritOrderPolicy"
    with pytest.raises(ConfigError, match="not a DispatchPolicy"):
        policy_factory("numpy:ndarray")

"""The network seams: the Protocols list exactly what the simulator asks of a heat network and
a grid, the pandapipes and pandapower adapters satisfy them, and toy adapters
(``examples/toy_network.py``) run a scenario through the real coupling, untouched.
"""

from __future__ import annotations

import ast
import inspect
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from simulator.adapters import GridAdapter, HeatAdapter
from simulator.config import load_config, parse_scenario

from conftest import SCHUTTERWALD, example, schutterwald_raw

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "simulator"
PROTOCOLS = {"HeatAdapter": HeatAdapter, "GridAdapter": GridAdapter}
#: how the simulator's modules reach each adapter: ``district.heat``, ``self._heat`` (a class
#: holding it), or a parameter annotated with the Protocol
HOLDERS = {("district", "heat"): "HeatAdapter", ("self", "_heat"): "HeatAdapter",
           ("district", "grid"): "GridAdapter", ("self", "_grid"): "GridAdapter"}


def members(protocol: type) -> set[str]:
    return {name for name in vars(protocol) if not name.startswith("_")}


def _typed_parameters(func: ast.FunctionDef | ast.AsyncFunctionDef) -> dict[str, str]:
    """Parameters of ``func`` annotated with one of the Protocols: name -> Protocol."""
    args = func.args
    return {a.arg: a.annotation.id for a in [*args.posonlyargs, *args.args, *args.kwonlyargs]
            if isinstance(a.annotation, ast.Name) and a.annotation.id in PROTOCOLS}


def used_members() -> dict[str, dict[str, set[str]]]:
    """Per Protocol, every member the simulator's modules (the adapters' own rooms apart) read,
    with the modules that read it."""
    used: dict[str, dict[str, set[str]]] = {name: {} for name in PROTOCOLS}
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE).as_posix()
        if rel.startswith(("heat/", "grid/")) or rel == "adapters.py":
            continue
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):  # district.heat.X, self._grid.X, ...
            if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Attribute)
                    and isinstance(node.value.value, ast.Name)):
                proto = HOLDERS.get((node.value.value.id, node.value.attr))
                if proto is not None:
                    used[proto].setdefault(node.attr, set()).add(rel)
        for func in ast.walk(tree):  # heat.X where the function takes ``heat: HeatAdapter``
            if not isinstance(func, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            typed = _typed_parameters(func)
            for node in ast.walk(func):
                if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
                        and node.value.id in typed):
                    used[typed[node.value.id]].setdefault(node.attr, set()).add(rel)
    return used


@pytest.mark.parametrize("name", sorted(PROTOCOLS))
def test_the_protocols_hold_exactly_what_the_simulator_uses(name):
    used = used_members()[name]
    listed = members(PROTOCOLS[name])
    missing = {m: sorted(where) for m, where in used.items() if m not in listed}
    unused = sorted(listed - set(used))
    assert not missing, f"used but not in {name}: {missing}"
    assert not unused, f"in {name} but used nowhere: {unused}"


def test_the_scan_finds_the_members_through_every_route():
    used = used_members()
    assert "commit" in used["HeatAdapter"]  # self._heat in coupling/step.py
    assert "coupling/record.py" in used["HeatAdapter"]["pipes_in_service"]  # a typed parameter
    assert "district.py" in used["GridAdapter"]["bus_problems"]  # district.grid
    assert "coupling/feedback.py" in used["GridAdapter"]["behind"]


def assert_satisfies(adapter: object, protocol: type) -> None:
    """Every member is there; methods take the Protocol's parameters with its defaults."""
    assert isinstance(adapter, protocol)
    for name in members(protocol):
        declared = inspect.getattr_static(protocol, name)
        if isinstance(declared, property):
            assert not callable(getattr(adapter, name)), name
            continue
        want = list(inspect.signature(declared).parameters.values())[1:]
        have = list(inspect.signature(getattr(adapter, name)).parameters.values())
        assert [(p.name, p.default) for p in have] == [(p.name, p.default) for p in want], name


@pytest.fixture(scope="module")
def schutterwald():
    from simulator.district import load_district

    scenario = load_config(SCHUTTERWALD)
    return scenario, load_district(scenario.district)


def test_the_pandapipes_and_pandapower_adapters_satisfy_the_protocols(schutterwald):
    _, district = schutterwald
    assert_satisfies(district.heat, HeatAdapter)
    assert_satisfies(district.grid, GridAdapter)


def test_the_toy_adapters_satisfy_the_protocols():
    toys = example("toy_network")
    assert_satisfies(toys.StiffGrid(["b0"]), GridAdapter)
    assert_satisfies(toys.LumpedHeat({"c0": 1e6}), HeatAdapter)


def test_the_protocols_import_without_the_solvers():
    code = ("import sys, simulator.adapters; "
            "print(sorted(m for m in ('pandapipes', 'pandapower') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, cwd=ROOT)
    assert out.stdout.strip() == "[]"


def _simulate(scenario, district, hours: int):
    from simulator.api import simulate_scenario
    from simulator.district import check_wiring

    check_wiring(scenario, district, SCHUTTERWALD)
    recorder, attrs = simulate_scenario(scenario, district, hours)
    return recorder.to_dataset(attrs)


def test_a_stiff_toy_grid_runs_the_real_heat_network_as_the_real_grid_does(short_cube):
    from simulator.output.cube import open_results

    toys = example("toy_network")
    scenario = load_config(SCHUTTERWALD)
    ds = _simulate(scenario, toys.toy_district(scenario, "pandapipes"), 6)
    real = open_results(short_cube)
    assert (real.coupling_iterations == 1).all()  # the real grid curtailed nothing either
    for name in ("unit_heat_mw", "unit_el_mw", "consumer_heat_mw", "plant_t_supply_k",
                 "junction_p_bar", "heat_loss_mw", "co2_t"):
        np.testing.assert_array_equal(ds[name].values, real[name].values, err_msg=name)
    assert (ds.bus_vm_pu == 1.0).all() and (ds.grid_converged == 1).all()
    # the stiff grid supplies what the attached units and pumps draw, nothing else
    np.testing.assert_allclose(ds.grid_import_mw, ds.unit_el_mw.sum("unit"), rtol=1e-12)
    assert ds.attrs["solver_grid_plain_hours"] == 6


def test_toy_heat_and_grid_run_two_days_with_a_pipe_closure():
    toys = example("toy_network")
    raw = schutterwald_raw()
    raw["events"] = [{"type": "pipe_closure", "pipe": "supply", "start": "2030-01-02T06:00",
                      "hours": 3}]
    scenario = parse_scenario(raw, SCHUTTERWALD)
    district = toys.toy_district(scenario, "lumped")
    ds = _simulate(scenario, district, 48)
    closed = np.zeros(48, bool)
    closed[30:33] = True
    np.testing.assert_array_equal(ds.converged.values, (~closed).astype(float))
    np.testing.assert_array_equal(ds.pipe_in_service.sel(pipe="supply").values,
                                  (~closed).astype(float))
    ok = ds.isel(time=~closed)
    assert (ok.feasible == 1).all()
    np.testing.assert_allclose(ok.unserved_heat_mw, 0.0, atol=1e-9)  # W -> MW round-off
    # what the units make is what the substations draw plus what the pipes lose
    np.testing.assert_allclose(ok.unit_heat_mw.sum("unit"),
                               ok.consumer_heat_mw.sum("consumer") + ok.heat_loss_mw, rtol=1e-9)
    np.testing.assert_allclose(ok.consumer_heat_mw.sum("consumer"), ok.heat_demand_mw, rtol=1e-12)
    assert "a pipe of the lumped toy network is closed" in ds.attrs["failed_hours"]


def test_the_toy_network_example_runs_from_the_command_line():
    out = subprocess.run([sys.executable, "examples/toy_network.py", "--hours", "3"],
                         capture_output=True, text=True, cwd=ROOT, check=True,
                         env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert "hours converged                           3 h" in out.stdout

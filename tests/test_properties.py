"""Property-based: random well- and ill-typed mutations never produce a traceback.

A valid scenario, a valid sweep file and a small valid district (``networks_factory``) are
mutated by hypothesis; every mutant either validates and runs (exit 0, or exit 1 with its
reason: hours that do not converge) or is refused with exit 2 and lines naming a file; a
mutant that runs gives values inside the documented physical ranges (:func:`assert_physical`). The
budget is fixed (``derandomize``, a few examples each), so ``make test`` stays short and
repeatable; ``HYPOTHESIS_EXAMPLES`` raises it for a deeper search.
"""

from __future__ import annotations

import copy
import math
import os
from pathlib import Path
from typing import Any

import numpy as np
import pandapipes
import pandapower
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from simulator.cli import main
from simulator.config import ConfigError
from simulator.output.cube import open_results
from simulator.sweep.spec import load_sweep, plan

from networks_factory import PLANT_BUS, build_grid, build_heat_net, scenario, write_district

EXAMPLES = int(os.environ.get("HYPOTHESIS_EXAMPLES", "12"))
BUDGET = settings(max_examples=EXAMPLES, derandomize=True, deadline=None, database=None,
                  suppress_health_check=list(HealthCheck))
UNITS = [{"name": "gas", "type": "boiler", "heat_mw": 8.0, "fuel": "natural_gas",
          "efficiency": 0.95},
         {"name": "hp", "type": "heat_pump", "heat_mw": 1.0, "t_source_c": 10, "bus": PLANT_BUS},
         {"name": "store", "type": "thermal_storage", "heat_mw": 1.0, "capacity_mwh": 4.0}]

#: values of every type a hand-edited file may hold
ANY = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True), st.integers(-10**12, 10**12),
    st.booleans(), st.none(), st.text(max_size=12), st.just([]), st.just({}),
    st.lists(st.floats(-100, 100), max_size=3), st.just("2030-01-01T00:00"),
)


def _leaves(node: Any, path: tuple = ()) -> list[tuple]:
    if isinstance(node, dict):
        return [p for k, v in node.items() for p in _leaves(v, (*path, k))] or [path]
    if isinstance(node, list):
        return [p for i, v in enumerate(node) for p in _leaves(v, (*path, i))] or [path]
    return [path]


def _set(node: Any, path: tuple, value: Any) -> None:
    for part in path[:-1]:
        node = node[part]
    node[path[-1]] = value


def _near(value: Any, data: st.DataObject) -> Any:
    """A well-typed neighbour of ``value``: the same type, an edge of its range."""
    if isinstance(value, bool):
        return not value
    if isinstance(value, int | float):
        return data.draw(st.sampled_from([0, -1, -value, value * 1e6, value / 1e6, math.nan,
                                          math.inf, value + 0.5]))
    if isinstance(value, str):
        return data.draw(st.sampled_from(["", value + "x", value.upper(), " ", "../" + value]))
    return data.draw(ANY)


def mutate(raw: dict[str, Any], data: st.DataObject, n: int) -> dict[str, Any]:
    """``n`` changes: a leaf replaced (well- or ill-typed), a key deleted or an unknown key."""
    for _ in range(n):
        leaves = [p for p in _leaves(raw) if p]
        path = data.draw(st.sampled_from(leaves))
        kind = data.draw(st.sampled_from(["near", "any", "delete", "add"]))
        parent: Any = raw
        for part in path[:-1]:
            parent = parent[part]
        if kind == "delete" and isinstance(parent, dict):
            del parent[path[-1]]
        elif kind == "add" and isinstance(parent, dict):
            parent[data.draw(st.text(min_size=1, max_size=8))] = data.draw(ANY)
        else:
            old = parent[path[-1]]
            _set(raw, path, _near(old, data) if kind == "near" else data.draw(ANY))
    return raw


@pytest.fixture(scope="module")
def district(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_district(tmp_path_factory.mktemp("prop") / "district")


def base_scenario(district: Path) -> dict[str, Any]:
    raw = copy.deepcopy(scenario(UNITS))  # mutations must not reach the module's UNITS
    raw["district"] = str(district)
    raw["period"]["hours"] = 48
    return raw


def assert_physical(cube: Path) -> None:
    """What a run that exits 0 must hold, whatever the scenario: values inside the documented
    physical ranges, and no hour called within the grid's limits that is outside them."""
    with open_results(cube) as cube_ds:
        ds = cube_ds.transpose("time", ...)
        cfg = yaml.safe_load(ds.attrs["config_yaml"])
        ok = ds.converged.values > 0.5
        assert np.all((ds.t_air_k.values >= 213.15) & (ds.t_air_k.values <= 323.15))
        for name in ("junction_t_k", "consumer_t_supply_k", "plant_t_supply_k"):
            values = ds[name].values[ok]
            values = values[np.isfinite(values)]
            assert np.all((values > 273.15) & (values < 473.15)), name  # liquid, below 200 °C
        for unit in cfg["units"]:
            if unit["type"] != "heat_pump":
                continue
            one = ds.sel(unit=unit["name"])
            cop, heat = one.unit_cop.values[ok], one.unit_heat_mw.values[ok]
            t_out, t_src = one.unit_t_out_k.values[ok], one.unit_t_source_k.values[ok]
            run_ = np.isfinite(cop) & (heat > 0)
            assert np.all(cop[run_] >= max(unit["cop_min"], 1.0) - 1e-9)
            assert np.all(cop[run_] <= unit["cop_max"] + 1e-9)
            carnot = t_out[run_] / (t_out[run_] - t_src[run_])
            assert np.all((t_out[run_] > t_src[run_]) & (cop[run_] <= carnot + 1e-9))
        low, high = cfg["coupling"]["vm_pu"]
        vm = ds.bus_vm_pu.values
        within = (ds.grid_limits_ok.values > 0.5) & ok
        assert np.all((vm[within] >= low - 1e-9) | np.isnan(vm[within]))
        assert np.all((vm[within] <= high + 1e-9) | np.isnan(vm[within]))
        if cfg["coupling"]["enabled"]:
            assert np.all(ds.grid_limits_ok.values[ds.feasible.values > 0.5] > 0.5)


def outcome(config: Path, files: list[Path], capsys: pytest.CaptureFixture[str]) -> int:
    """validate, and run 2 hours when valid; the exit code. Refusals name a file."""
    code = main(["validate", str(config)])
    err = capsys.readouterr().err
    if code == 0:
        out = config.with_suffix(".nc")
        code = main(["run", str(config), "--hours", "2", "--output", str(out)])
        err = capsys.readouterr().err
        assert code in (0, 1, 2), err
        assert out.exists() == (code == 0)
        if code == 0:
            assert_physical(out)
    assert code in (0, 1, 2), err
    lines = [ln for ln in err.splitlines() if ln.startswith("error: ")]
    if code:
        assert lines, err
        assert all(any(str(f) in ln for f in files) or "--" in ln for ln in lines), err
    return code


@BUDGET
@given(data=st.data())
def test_mutated_scenarios_never_crash(tmp_path_factory, district, capsys, data):
    raw = mutate(base_scenario(district), data, data.draw(st.integers(1, 3)))
    folder = tmp_path_factory.mktemp("scenario")
    config = folder / "s.yaml"
    config.write_text(yaml.safe_dump(raw, allow_unicode=True))
    outcome(config, [config, district], capsys)


@BUDGET
@given(data=st.data())
def test_mutated_sweep_files_never_crash(tmp_path_factory, district, data):
    folder = tmp_path_factory.mktemp("sweep")
    (folder / "base.yaml").write_text(yaml.safe_dump(base_scenario(district)))
    sweep = {"name": "prop", "base": "base.yaml", "mode": "grid",
             "parameters": {"units.hp.heat_mw": [0.5, 1.0], "dispatch.order_by": ["co2"]},
             "fixed": {"period.hours": 24}, "execution": {"workers": 1}}
    path = folder / "sweep.yaml"
    path.write_text(yaml.safe_dump(mutate(sweep, data, data.draw(st.integers(1, 3)))))
    try:
        cases = plan(load_sweep(path), hours=2)
    except ConfigError as err:
        assert err.problems and all(str(path) in p or "--" in p for p in err.problems), err
    else:
        assert all(c.hours == 2 for c in cases)


HEAT_TABLES = {"junction": ["pn_bar", "tfluid_k", "in_service", "name"],
               "pipe": ["from_junction", "to_junction", "length_km", "inner_diameter_mm",
                        "u_w_per_m2k", "k_mm", "in_service", "name"],
               "heat_consumer": ["from_junction", "qext_w", "in_service", "name"],
               "circ_pump_pressure": ["flow_junction", "p_flow_bar", "plift_bar", "in_service"],
               "circ_pump_mass": ["return_junction", "in_service", "name"]}
GRID_TABLES = {"bus": ["vn_kv", "in_service", "name"],
               "line": ["from_bus", "length_km", "r_ohm_per_km", "x_ohm_per_km", "max_i_ka",
                        "in_service", "name"],
               "trafo": ["lv_bus", "sn_mva", "vk_percent", "vkr_percent", "in_service"],
               "load": ["bus", "p_mw", "q_mvar", "in_service"],
               "ext_grid": ["bus", "vm_pu", "in_service"]}
CELL = st.one_of(st.sampled_from([math.nan, math.inf, -math.inf, 0.0, -1.0, 1e9, 999, 0.5,
                                  True, False]), st.floats(-1e3, 1e3))


def _mutate_net(net: Any, tables: dict[str, list[str]], data: st.DataObject) -> None:
    table = data.draw(st.sampled_from(sorted(tables)))
    frame = net[table]
    if data.draw(st.booleans()) and len(frame) > 1:  # drop an element
        frame.drop(frame.index[data.draw(st.integers(0, len(frame) - 1))], inplace=True)
        return
    column = data.draw(st.sampled_from(tables[table]))
    row = frame.index[data.draw(st.integers(0, len(frame) - 1))]
    value = data.draw(st.text(max_size=6) if column == "name" else CELL)
    frame[column] = frame[column].astype(object)
    frame.at[row, column] = value


@BUDGET
@given(data=st.data())
def test_mutated_districts_never_crash(tmp_path_factory, capsys, data):
    folder = tmp_path_factory.mktemp("district")
    (folder / "district").mkdir()
    heat, grid = build_heat_net(), build_grid()
    for _ in range(data.draw(st.integers(1, 2))):
        if data.draw(st.booleans()):
            _mutate_net(heat, HEAT_TABLES, data)
        else:
            _mutate_net(grid, GRID_TABLES, data)
    heat_file, grid_file = folder / "district" / "heat.json", folder / "district" / "electric.json"
    pandapipes.to_json(heat, str(heat_file))
    pandapower.to_json(grid, str(grid_file))
    config = folder / "s.yaml"
    config.write_text(yaml.safe_dump(base_scenario(folder / "district")))
    code = outcome(config, [config, heat_file, grid_file], capsys)
    assert code in (0, 1, 2)


def test_the_unmutated_inputs_run(tmp_path, district, capsys):
    """The base of every mutation is valid: mutants are refused for their mutation."""
    config = tmp_path / "s.yaml"
    config.write_text(yaml.safe_dump(base_scenario(district)))
    assert outcome(config, [config], capsys) == 0
    assert np.isfinite(1.0)

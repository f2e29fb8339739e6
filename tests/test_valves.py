"""Valves and islands (issue 21): cuts in the file are refused before time starts.

A pandapipes 0.16 valve is ``junction``, ``element``, ``et``: ``et == "pi"`` puts it on the end
of the pipe ``element`` at ``junction`` (``element`` is a *pipe* index), ``et == "ju"`` between
two junctions. A plant or consumer that closed valves or out-of-service pipes cut off must make
``validate`` and ``run`` exit 2 at once, naming heat.json, the element and every cut; a pipe
closed by an event only for a window is a run-time matter and passes validation.
"""

from __future__ import annotations

import time
from pathlib import Path

import pandapipes
import pandapower
import pytest
import yaml

from simulator.cli import main
from simulator.output.cube import open_results

from networks_factory import (
    FIXED_PLANT,
    PLANT_BUS,
    SLACK_PLANT,
    build_grid,
    build_heat_net,
    scenario,
)

UNITS = [{"name": "gas_main", "type": "boiler", "heat_mw": 6.0, "fuel": "natural_gas",
          "efficiency": 0.95},
         {"name": "hp_main", "type": "heat_pump", "heat_mw": 1.0, "t_source_c": 10,
          "bus": PLANT_BUS},
         {"name": "wood_east", "type": "boiler", "heat_mw": 1.2, "fuel": "wood_chips",
          "efficiency": 0.88, "plant": FIXED_PLANT}]
#: refused before simulating: loading both networks takes a few seconds, an hour far more
QUICK_S = 20.0

Heat = pandapipes.pandapipesNet


def _j(net: Heat, name: str) -> int:
    return int(net.junction.index[net.junction["name"] == name][0])


def _p(net: Heat, name: str) -> int:
    return int(net.pipe.index[net.pipe["name"] == name][0])


def valve_on_pipe(net: Heat, junction: str, pipe: str, name: str, opened: bool) -> int:
    """A valve on the end of ``pipe`` at ``junction`` (``et="pi"``)."""
    return pandapipes.create_valve(net, _j(net, junction), _p(net, pipe), et="pi",
                                   inner_diameter_mm=200.0, opened=opened, name=name)


def island_east(net: Heat, opened: bool = False) -> None:
    """Valves on both trunk pipes at the fixed-flow plant's node 8 (its only connections)."""
    valve_on_pipe(net, "s8", "trunk_s7_8", "v_east_s", opened)
    valve_on_pipe(net, "r8", "trunk_r7_8", "v_east_r", opened)


def write(folder: Path, heat: Heat, raw: dict | None = None) -> Path:
    (folder / "district").mkdir(parents=True)
    pandapipes.to_json(heat, str(folder / "district" / "heat.json"))
    pandapower.to_json(build_grid(), str(folder / "district" / "electric.json"))
    config = folder / "valves.yaml"
    config.write_text(yaml.safe_dump(raw or scenario(UNITS)))
    return config


def refused(config: Path, capsys: pytest.CaptureFixture[str]) -> str:
    """stderr of ``validate`` and ``run`` (both exit 2, at once, with no traceback, no cube)."""
    errs = []
    out = config.with_suffix(".nc")
    for argv in (["validate", str(config)],
                 ["run", str(config), "--hours", "2", "--output", str(out)]):
        start = time.perf_counter()
        assert main(argv) == 2, argv
        assert time.perf_counter() - start < QUICK_S, argv
        captured = capsys.readouterr()
        assert "Traceback" not in captured.err
        assert "simulated" not in captured.out
        errs.append(captured.err)
    assert errs[0] == errs[1]
    assert not out.exists()
    assert not list(config.parent.glob(".*.tmp-*"))
    return errs[0]


def _line(err: str, config: Path, element: str) -> str:
    heat_file = str(config.parent / "district" / "heat.json")
    hits = [ln for ln in err.splitlines() if heat_file in ln and element in ln]
    assert hits, err
    return hits[0]


def test_fixed_flow_plant_islanded_by_closed_valves_is_refused(tmp_path, capsys):
    heat = build_heat_net()
    island_east(heat)
    config = write(tmp_path, heat)
    line = _line(refused(config, capsys), config, f"circ_pump_mass '{FIXED_PLANT}'")
    assert "islanded" in line
    assert "valve 'v_east_s' (closed)" in line and "valve 'v_east_r' (closed)" in line


def test_pressure_plant_islanded_by_closed_valves_is_refused(tmp_path, capsys):
    heat = build_heat_net()
    valve_on_pipe(heat, "s0", "trunk_s0_1", "v_main_s", opened=False)
    valve_on_pipe(heat, "r0", "trunk_r0_1", "v_main_r", opened=False)
    config = write(tmp_path, heat)
    line = _line(refused(config, capsys), config, f"circ_pump_pressure '{SLACK_PLANT}'")
    assert "islanded" in line
    assert "valve 'v_main_s' (closed)" in line and "valve 'v_main_r' (closed)" in line


def test_plant_islanded_by_out_of_service_pipes_is_refused(tmp_path, capsys):
    heat = build_heat_net()
    heat.pipe.loc[[_p(heat, "trunk_s7_8"), _p(heat, "trunk_r7_8")], "in_service"] = False
    config = write(tmp_path, heat)
    line = _line(refused(config, capsys), config, f"circ_pump_mass '{FIXED_PLANT}'")
    assert "pipe 'trunk_s7_8' (out of service)" in line
    assert "pipe 'trunk_r7_8' (out of service)" in line


def test_consumer_behind_a_closed_junction_valve_is_refused(tmp_path, capsys):
    heat = build_heat_net()
    inlet = pandapipes.create_junction(heat, pn_bar=6.0, tfluid_k=363.15, name="school_in")
    pandapipes.create_valve(heat, _j(heat, "school_s"), inlet, et="ju", inner_diameter_mm=80.0,
                            opened=False, name="v_school")
    heat.heat_consumer.loc[heat.heat_consumer["name"] == "school", "from_junction"] = inlet
    config = write(tmp_path, heat)
    line = _line(refused(config, capsys), config, "heat_consumer 'school'")
    assert "not connected to the pressure-holding plant" in line
    assert "valve 'v_school' (closed)" in line


def test_a_closed_valve_cuts_its_pipe_not_the_junction_its_element_names(tmp_path, capsys):
    # element = the pipe's index; read as a junction it joined school_s to another junction and
    # left the pipe open, so the cut-off consumer passed (before issue 21)
    heat = build_heat_net()
    valve_on_pipe(heat, "school_s", "school_service_s", "v_school", opened=False)
    assert _p(heat, "school_service_s") in heat.junction.index  # the old misreading was possible
    config = write(tmp_path, heat)
    line = _line(refused(config, capsys), config, "heat_consumer 'school'")
    assert "valve 'v_school' (closed)" in line


def test_an_open_valve_on_a_pipe_whose_index_is_its_junction_passes(tmp_path, capsys):
    # pipe 0 (trunk_s0_1) starts at junction 0 (s0): read as a junction, the element made the
    # valve "a loop from a junction to itself" (before issue 21)
    heat = build_heat_net()
    assert _p(heat, "trunk_s0_1") == _j(heat, "s0")
    valve_on_pipe(heat, "s0", "trunk_s0_1", "v_main_s", opened=True)
    config = write(tmp_path, heat)
    assert main(["validate", str(config)]) == 0, capsys.readouterr().err


def test_a_valve_on_a_pipe_that_does_not_end_at_its_junction_is_refused(tmp_path, capsys):
    heat = build_heat_net()
    row = valve_on_pipe(heat, "s0", "trunk_s0_1", "v_bad", opened=True)
    heat.valve.loc[row, "element"] = _p(heat, "trunk_s5_6")
    config = write(tmp_path, heat)
    line = _line(refused(config, capsys), config, "valve 'v_bad'")
    assert "pipe 'trunk_s5_6'" in line and "does not end at its junction 's0'" in line


def test_every_cut_is_reported_at_once(tmp_path, capsys):
    heat = build_heat_net()
    island_east(heat)
    valve_on_pipe(heat, "clinic_s", "clinic_service_s", "v_clinic", opened=False)
    heat.pipe.loc[_p(heat, "pool_service_r"), "in_service"] = False
    config = write(tmp_path, heat)
    err = refused(config, capsys)
    for element, cut in ((f"circ_pump_mass '{FIXED_PLANT}'", "valve 'v_east_s' (closed)"),
                         ("heat_consumer 'clinic'", "valve 'v_clinic' (closed)"),
                         ("heat_consumer 'pool'", "pipe 'pool_service_r' (out of service)")):
        assert cut in _line(err, config, element), err


def test_a_pipe_closed_only_for_a_window_passes_validation(tmp_path, capsys):
    # islanding the plant for two hours is the run's business (unserved heat), not a bad file
    raw = scenario(UNITS)
    raw["events"] = [{"type": "pipe_closure", "pipe": pipe, "start": "2030-01-01T01:00",
                      "hours": 2} for pipe in ("trunk_s7_8", "trunk_r7_8", "school_service_s")]
    config = write(tmp_path, build_heat_net(), raw)
    assert main(["validate", str(config)]) == 0, capsys.readouterr().err


def test_a_network_with_open_valves_runs(tmp_path, capsys):
    heat = build_heat_net()
    island_east(heat, opened=True)
    inlet = pandapipes.create_junction(heat, pn_bar=6.0, tfluid_k=363.15, name="school_in")
    pandapipes.create_valve(heat, _j(heat, "school_s"), inlet, et="ju", inner_diameter_mm=80.0,
                            opened=True, name="v_school")
    heat.heat_consumer.loc[heat.heat_consumer["name"] == "school", "from_junction"] = inlet
    config = write(tmp_path, heat)
    out = tmp_path / "open.nc"
    assert main(["run", str(config), "--hours", "2", "--output", str(out)]) == 0, \
        capsys.readouterr().err
    with open_results(out) as ds:
        assert ds.converged.values.tolist() == [1, 1]
        assert (ds.consumer_heat_mw.sel(consumer="school").values > 0).all()


def test_a_plant_islanded_for_a_window_feeds_nothing_then(tmp_path, capsys):
    raw = scenario(UNITS)
    raw["events"] = [{"type": "pipe_closure", "pipe": pipe, "start": "2030-01-01T01:00",
                      "hours": 1} for pipe in ("trunk_s7_8", "trunk_r7_8")]
    config = write(tmp_path, build_heat_net(), raw)
    out = tmp_path / "window.nc"
    assert main(["run", str(config), "--hours", "3", "--output", str(out)]) == 0, \
        capsys.readouterr().err
    with open_results(out) as ds:
        assert ds.converged.values.tolist() == [1, 1, 1]
        east = ds.plant_heat_mw.sel(plant=FIXED_PLANT).values
        assert east[1] == 0.0 and east[0] > 0 and east[2] > 0

"""Bad-but-parseable networks are refused before time starts: exit 2, the file and the element.

Every case builds the test district from scratch (``networks_factory``), breaks one thing with
the solvers' own tables, writes it with ``to_json`` and runs ``districtsim validate`` and
``districtsim run`` in this process: both must exit 2, print no traceback, name the broken file
and the element, and leave no cube behind.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandapipes
import pandapower
import pytest
import yaml

from simulator.cli import main

from networks_factory import PLANT_BUS, build_grid, build_heat_net, scenario

UNITS = [{"name": "gas_main", "type": "boiler", "heat_mw": 6.0, "fuel": "natural_gas",
          "efficiency": 0.95},
         {"name": "hp_main", "type": "heat_pump", "heat_mw": 1.0, "t_source_c": 10,
          "bus": PLANT_BUS}]

Heat = pandapipes.pandapipesNet
Grid = pandapower.pandapowerNet


def _at(table, name: str) -> int:
    return int(table.index[table["name"] == name][0])


# -- heat network breakages: (what is named, function changing the net) ----------------------
def cut_off_consumer(net: Heat) -> None:
    net.pipe.loc[_at(net.pipe, "school_service_s"), "in_service"] = False


def orphan_junction(net: Heat) -> None:
    pandapipes.create_junction(net, pn_bar=6.0, tfluid_k=360.0, name="orphan")


def pipe_value(column: str, value: float) -> Callable[[Heat], None]:
    def change(net: Heat) -> None:
        net.pipe.loc[_at(net.pipe, "trunk_s2_3"), column] = value
    change.__name__ = f"pipe_{column}_{value}"
    return change


def design_load(value: float) -> Callable[[Heat], None]:
    def change(net: Heat) -> None:
        net.heat_consumer.loc[_at(net.heat_consumer, "pool"), "qext_w"] = value
    change.__name__ = f"design_load_{value}"
    return change


def cold_initial_junction(net: Heat) -> None:
    net.junction.loc[_at(net.junction, "r4"), "tfluid_k"] = 300.0  # 27 °C < 45 °C return


def no_pressure_plant(net: Heat) -> None:
    net.circ_pump_pressure.drop(net.circ_pump_pressure.index, inplace=True)


def two_pressure_plants(net: Heat) -> None:
    s, r = _at(net.junction, "s8"), _at(net.junction, "r8")
    pandapipes.create_circ_pump_const_pressure(net, r, s, p_flow_bar=6.0, plift_bar=3.0,
                                               t_flow_k=363.15, name="second")


def swapped_plant(net: Heat) -> None:
    row = net.circ_pump_pressure.index[0]
    flow, ret = net.circ_pump_pressure.at[row, "flow_junction"], net.circ_pump_pressure.at[
        row, "return_junction"]
    net.circ_pump_pressure.at[row, "flow_junction"] = ret
    net.circ_pump_pressure.at[row, "return_junction"] = flow


def duplicate_consumer(net: Heat) -> None:
    net.heat_consumer.loc[_at(net.heat_consumer, "depot"), "name"] = "clinic"


def duplicate_pipe(net: Heat) -> None:
    net.pipe.loc[_at(net.pipe, "trunk_r0_1"), "name"] = "trunk_s0_1"


def unmodelled_element(net: Heat) -> None:
    pandapipes.create_heat_exchanger(net, _at(net.junction, "s3"), _at(net.junction, "r3"),
                                     inner_diameter_mm=100.0, qext_w=1e5, name="hx")


def missing_junction_index(net: Heat) -> None:
    net.pipe.loc[_at(net.pipe, "clinic_service_r"), "to_junction"] = 999


def consumer_out_of_service(net: Heat) -> None:
    net.heat_consumer.loc[_at(net.heat_consumer, "pool"), "in_service"] = False


HEAT_CASES = [
    (cut_off_consumer, "heat_consumer 'school'", "not connected to the pressure-holding"),
    (orphan_junction, "junction 'orphan'", "no element connects"),
    *[(pipe_value(c, v), "pipe 'trunk_s2_3'", c)
      for c, v in [("length_km", -0.3), ("length_km", 0.0), ("length_km", np.nan),
                   ("inner_diameter_mm", 0.0), ("inner_diameter_mm", np.nan),
                   ("u_w_per_m2k", -0.5), ("u_w_per_m2k", np.nan), ("u_w_per_m2k", 0.0),
                   ("k_mm", -1.0), ("length_km", np.inf)]],
    *[(design_load(v), "heat_consumer 'pool'", "design load") for v in (np.nan, 0.0, -5e5)],
    (cold_initial_junction, "junction 'r4'", "below the return temperature"),
    (no_pressure_plant, "circ_pump_pressure", "found 0"),
    (two_pressure_plants, "circ_pump_pressure", "found 2 ('main', 'second')"),
    (swapped_plant, "circ_pump_pressure 'main'", "swapped"),
    (duplicate_consumer, "heat_consumer 'clinic'", "name used by 2"),
    (duplicate_pipe, "pipe 'trunk_s0_1'", "name used by 2"),
    (unmodelled_element, "heat_exchanger 'hx'", "does not model"),
    (missing_junction_index, "pipe 'clinic_service_r'", "999 is not a junction"),
    (consumer_out_of_service, "heat_consumer 'pool'", "out of service"),
]


# -- grid breakages ----------------------------------------------------------------------------
def no_ext_grid(net: Grid) -> None:
    net.ext_grid.drop(net.ext_grid.index, inplace=True)


def ext_grid_out_of_service(net: Grid) -> None:
    net.ext_grid["in_service"] = False


def unit_bus_out_of_service(net: Grid) -> None:
    net.bus.loc[_at(net.bus, PLANT_BUS), "in_service"] = False


def unit_bus_isolated(net: Grid) -> None:
    bus = _at(net.bus, PLANT_BUS)
    for table, ends in (("line", ("from_bus", "to_bus")), ("trafo", ("hv_bus", "lv_bus"))):
        touching = net[table][ends[0]].eq(bus) | net[table][ends[1]].eq(bus)
        net[table].loc[touching, "in_service"] = False


def zero_impedance_line(net: Grid) -> None:
    net.line.loc[net.line.index[3], ["r_ohm_per_km", "x_ohm_per_km"]] = 0.0


def nan_load(net: Grid) -> None:
    net.load.loc[net.load.index[2], "p_mw"] = np.nan


def missing_bus_index(net: Grid) -> None:
    net.line.loc[net.line.index[1], "to_bus"] = 999


def duplicate_bus(net: Grid) -> None:
    net.bus.loc[net.bus.index[5], "name"] = net.bus.at[net.bus.index[4], "name"]


def line_to_itself(net: Grid) -> None:
    net.line.loc[net.line.index[2], "to_bus"] = net.line.at[net.line.index[2], "from_bus"]


def line_across_voltage_levels(net: Grid) -> None:
    net.line.loc[net.line.index[3], "to_bus"] = _at(net.bus, "Bus 0")  # the 110 kV bus


def trafo_tap_out_of_range(net: Grid) -> None:
    """Issue 21: a tap far outside its changer's range solved as 0.78 p.u. and 157 %."""
    net.trafo.loc[_at(net.trafo, "Trafo 0-1"), [
        "tap_side", "tap_neutral", "tap_min", "tap_max", "tap_step_percent", "tap_pos",
        "tap_changer_type"]] = ["hv", 0, -9, 9, 1.5, 50, "Ratio"]


def trafo3w_tap_out_of_range(net: Grid) -> None:
    mv = pandapower.create_bus(net, 20.0, name="t3_mv")
    lv = pandapower.create_bus(net, 10.0, name="t3_lv")
    t3 = pandapower.create_transformer3w(net, _at(net.bus, "Bus 0"), mv, lv, name="T3",
                                         std_type="63/25/38 MVA 110/20/10 kV")
    net.trafo3w.loc[t3, ["tap_min", "tap_max", "tap_pos"]] = [-10, 10, -40]


def ext_grid_at_five_pu(net: Grid) -> None:
    net.ext_grid["vm_pu"] = 5.0


GRID_CASES = [
    (no_ext_grid, "ext_grid", "no ext_grid"),
    (ext_grid_out_of_service, "ext_grid", "out of service"),
    (unit_bus_out_of_service, f"bus '{PLANT_BUS}'", "out of service"),
    (unit_bus_isolated, f"bus '{PLANT_BUS}'", "isolated"),
    (zero_impedance_line, "line '", "zero impedance"),
    (nan_load, "load '", "p_mw is nan"),
    (missing_bus_index, "line '", "999 is not a bus index"),
    (duplicate_bus, "bus '", "name used by 2"),
    (line_to_itself, "line '", "from_bus and to_bus are the same bus"),
    (line_across_voltage_levels, "line '", "different nominal voltage"),
    (trafo_tap_out_of_range, "trafo 'Trafo 0-1' (trafo index 0)",
     "tap_pos 50 is outside its range tap_min..tap_max = -9..9"),
    (trafo3w_tap_out_of_range, "trafo3w 'T3' (trafo3w index 0)",
     "tap_pos -40 is outside its range tap_min..tap_max = -10..10"),
    (ext_grid_at_five_pu, "ext_grid '", "vm_pu is 5; a voltage set point must lie within 0.8..1.2"),
]


def write(folder: Path, heat: Heat, grid: Grid) -> Path:
    (folder / "district").mkdir(parents=True)
    pandapipes.to_json(heat, str(folder / "district" / "heat.json"))
    pandapower.to_json(grid, str(folder / "district" / "electric.json"))
    config = folder / "bad.yaml"
    config.write_text(yaml.safe_dump(scenario(UNITS)))
    return config


def refused(config: Path, capsys: pytest.CaptureFixture[str]) -> list[str]:
    """The problem lines of ``validate`` and of ``run`` (each must exit 2, write nothing)."""
    lines = []
    for argv in (["validate", str(config)],
                 ["run", str(config), "--hours", "2", "--output", str(config.with_suffix(".nc"))]):
        assert main(argv) == 2, argv
        err = capsys.readouterr().err
        assert "Traceback" not in err
        lines.append(err)
    assert lines[0] == lines[1]
    assert not config.with_suffix(".nc").exists()
    assert not list(config.parent.glob(".*.tmp-*"))
    return lines[0].splitlines()


@pytest.mark.parametrize(("change", "element", "reason"), HEAT_CASES,
                         ids=[c[0].__name__ for c in HEAT_CASES])
def test_bad_heat_network_is_refused(tmp_path, capsys, change, element, reason):
    heat = build_heat_net()
    change(heat)
    config = write(tmp_path, heat, build_grid())
    lines = refused(config, capsys)
    heat_file = str(tmp_path / "district" / "heat.json")
    hits = [ln for ln in lines if heat_file in ln and element in ln and reason in ln]
    assert hits, "\n".join(lines)


@pytest.mark.parametrize(("change", "element", "reason"), GRID_CASES,
                         ids=[c[0].__name__ for c in GRID_CASES])
def test_bad_grid_is_refused(tmp_path, capsys, change, element, reason):
    grid = build_grid()
    change(grid)
    config = write(tmp_path, build_heat_net(), grid)
    lines = refused(config, capsys)
    grid_file = str(tmp_path / "district" / "electric.json")
    hits = [ln for ln in lines if grid_file in ln and element in ln and reason in ln]
    assert hits, "\n".join(lines)


def test_every_problem_of_both_files_at_once(tmp_path, capsys):
    heat, grid = build_heat_net(), build_grid()
    for change in (design_load(np.nan), duplicate_pipe, orphan_junction):
        change(heat)
    zero_impedance_line(grid)
    nan_load(grid)
    lines = refused(write(tmp_path, heat, grid), capsys)
    for text in ("heat_consumer 'pool'", "pipe 'trunk_s0_1'", "junction 'orphan'",
                 "zero impedance", "p_mw is nan"):
        assert any(text in ln for ln in lines), (text, lines)


def test_the_clean_district_passes(tmp_path, capsys):
    config = write(tmp_path, build_heat_net(), build_grid())
    assert main(["validate", str(config)]) == 0, capsys.readouterr().err


def test_shipped_networks_pass_every_check():
    from simulator.district import load_district

    root = Path(__file__).resolve().parents[1] / "networks"
    for name in ("schutterwald", "espoo"):
        load_district(root / name)  # raises ConfigError on any problem

"""Every grid limit the summary names is checked, both ends of the voltage band included
(issue 21): each case breaks the test grid from scratch, runs 2 hours with the grid feedback
enabled and finds every hour infeasible, the limit kind and its worst element named."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandapipes
import pandapower
import pytest
import yaml

from simulator.api import run
from simulator.coupling.feedback import Limits
from simulator.coupling.grid_limits import GridNames, check_grid
from simulator.grid import GridState
from simulator.output.cube import open_results
from simulator.output.operating import operating_notes

from networks_factory import PLANT_BUS, build_grid, build_heat_net, scenario

UNITS = [{"name": "gas", "type": "boiler", "heat_mw": 8.0, "fuel": "natural_gas",
          "efficiency": 0.95},
         {"name": "hp", "type": "heat_pump", "heat_mw": 1.0, "t_source_c": 10,
          "bus": PLANT_BUS}]
#: the clean CIGRE MV grid keeps this band (0.92..1.03 p.u.) and loading limit (101 %)
COUPLING = {"enabled": True, "vm_pu": [0.88, 1.10], "max_loading_percent": 150.0}
Grid = pandapower.pandapowerNet


def low_ext_grid(net: Grid) -> None:
    net.ext_grid["vm_pu"] = 0.95  # the far buses fall to 0.83 p.u.


def high_ext_grid(net: Grid) -> None:
    net.ext_grid["vm_pu"] = 1.15


def thin_line(net: Grid) -> None:
    net.line.loc[net.line["name"] == "Line 10-11", "max_i_ka"] = 0.005


def small_trafo(net: Grid) -> None:
    """Trafo 0-12 at 10 MVA with the same impedance in ohm: loading x2.5, voltages as before."""
    row = net.trafo["name"] == "Trafo 0-12"
    net.trafo.loc[row, ["vk_percent", "vkr_percent"]] *= 10.0 / 25.0
    net.trafo.loc[row, "sn_mva"] = 10.0


CASES: list[tuple[Callable[[Grid], None], str, str, str]] = [
    (low_ext_grid, "vm_min", "bus voltage, low end of the band", "Bus "),
    (high_ext_grid, "vm_max", "bus voltage, high end of the band", "Bus 0"),
    (thin_line, "line_loading", "line loading", "Line 10-11"),
    (small_trafo, "trafo_loading", "transformer loading", "Trafo 0-12"),
]


@pytest.mark.parametrize(("change", "kind", "what", "element"), CASES,
                         ids=[c[1] for c in CASES])
def test_each_grid_limit_flags_its_hours_infeasible(tmp_path, change, kind, what, element):
    grid = build_grid()
    change(grid)
    (tmp_path / "district").mkdir()
    pandapipes.to_json(build_heat_net(), str(tmp_path / "district" / "heat.json"))
    pandapower.to_json(grid, str(tmp_path / "district" / "electric.json"))
    raw = scenario(UNITS)
    raw["coupling"] = COUPLING
    config = tmp_path / "s.yaml"
    config.write_text(yaml.safe_dump(raw))
    with open_results(run(config, hours=2, output=tmp_path / "s.nc")) as ds:
        assert ds.converged.values.tolist() == [1, 1]
        assert ds.feasible.values.tolist() == [0, 0]
        assert ds.grid_limits_ok.values.tolist() == [0, 0]
        assert ds[f"op_{kind}_ok"].values.tolist() == [0, 0]
        assert (ds[f"op_{kind}_margin"].values < 0).all()
        assert all(str(e).startswith(element) for e in ds[f"op_{kind}_element"].values)
        others = [k for _, k, _, _ in CASES if k != kind]
        for other in others:  # the break violates its own kind only
            assert ds[f"op_{other}_ok"].values.tolist() == [1, 1], other
        notes = [n for n in operating_notes(ds.load()) if what in n]
        assert len(notes) == 1 and "2 h outside the limit" in notes[0] and element in notes[0]
        if kind == "vm_max":  # shedding load would raise the voltage further
            assert float(ds.unit_curtailed_mw.sum()) == 0.0


def test_check_grid_both_ends_of_the_band_and_each_branch_kind():
    state = GridState(True, np.array([1.0, 1.08, np.nan]), np.array([50.0, 120.0]),
                      np.array([90.0]), 0.0, np.zeros(3))
    checks = check_grid(state, Limits(0.95, 1.05, np.array([100.0, 100.0, 80.0])),
                        GridNames(["a", "b", "c"], ["l1", "l2"], ["t1"]))
    assert not checks["vm_max"].ok and checks["vm_max"].element == "b"
    assert checks["vm_max"].margin == pytest.approx(-0.03)
    assert not checks["vm_min"].ok and checks["vm_min"].element == "c"  # no supply: 0 p.u.
    assert not checks["line_loading"].ok and checks["line_loading"].element == "l2"
    assert not checks["trafo_loading"].ok and checks["trafo_loading"].margin == -10.0

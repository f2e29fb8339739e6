"""The fast adapters (the default) give the plain adapters' results, hour by hour.

Both ways run through the real simulator (``simulate_scenario`` on a ``District`` whose
``HeatNetwork``/``ElectricGrid`` are built with ``fast=True`` or ``fast=False``) and every recorded
cube variable is compared: temperatures within 0.01 K, pressures within 0.01 bar, voltages within
1e-6 pu, everything else (powers, energies, CO2, loadings, flows, flags) within 1e-4 relative.
The one exception is ``heat_iterations``: it counts pandapipes' Newton sweeps, which is what the
fast path saves (1 instead of ~8), and that is checked too, so the test fails if the fast path
quietly stopped being used.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml

from simulator.api import simulate_scenario
from simulator.config import load_config
from simulator.district import District
from simulator.grid.network import ElectricGrid
from simulator.heat.network import HeatNetwork
from simulator.output.cube import VARIABLES

from conftest import schutterwald_raw
from networks_factory import FIXED_PLANT, PLANT_BUS, scenario, write_district

#: numeric variables (the worst-element names of the operating limits follow their margins,
#: which are compared; near-ties may name another element at round-off)
UNITS = {v.name: v.units for v in VARIABLES if not v.is_text}
NOT_COMPARED = {"heat_iterations"}


def run_both(config: Path, hours: int) -> dict[bool, Any]:
    """Recorder and adapters of the same scenario with fast and with plain adapters."""
    scenario = load_config(config)
    out = {}
    for fast in (True, False):
        folder = scenario.district
        heat = HeatNetwork.from_json(folder / "heat.json", scenario.solver.max_iter_bidirect,
                                     fast=fast)
        grid = ElectricGrid.from_json(folder / "electric.json", fast=fast)
        recorder, _ = simulate_scenario(scenario, District(folder, heat, grid), hours)
        out[fast] = (recorder, heat, grid)
    return out


def assert_equivalent(runs: dict[bool, Any]) -> None:
    fast, plain = runs[True][0], runs[False][0]
    compared = 0
    for name, units in UNITS.items():
        if name in NOT_COMPARED:
            continue
        a, b = fast.array(name), plain.array(name)
        if units in ("K", "bar"):
            tol = {"atol": 0.01, "rtol": 0.0}
        elif name == "bus_vm_pu":
            tol = {"atol": 1e-6, "rtol": 0.0}
        else:
            scale = float(np.nanmax(np.abs(b), initial=0.0)) if np.isfinite(b).any() else 0.0
            tol = {"atol": 1e-6 * max(scale, 1.0), "rtol": 1e-4}
        np.testing.assert_allclose(a, b, err_msg=name, **tol)
        compared += 1
    assert compared == len(UNITS) - len(NOT_COMPARED)


def assert_fast_path_used(runs: dict[bool, Any]) -> None:
    recorder, heat, grid = runs[True]
    assert heat.fast_status == "" and grid.fast_status == ""
    fast_sweeps = np.nanmean(runs[True][0].array("heat_iterations"))
    plain_sweeps = np.nanmean(runs[False][0].array("heat_iterations"))
    assert fast_sweeps < 1.5 < 3.0 < plain_sweeps
    assert recorder.array("converged").min() == 1.0


def write(tmp_path: Path, raw: dict, name: str) -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(raw, sort_keys=False))
    return path


@pytest.mark.parametrize("start", ["2030-01-01T00:00", "2030-07-01T00:00"])
def test_schutterwald_winter_and_summer_hours_are_unchanged(tmp_path, start):
    """Winter (high load) and summer (low load, where pandapipes needs the most sweeps)."""
    raw = schutterwald_raw()
    raw["period"]["start"] = start
    runs = run_both(write(tmp_path, raw, "sw.yaml"), hours=30)
    assert_fast_path_used(runs)
    assert_equivalent(runs)


def test_own_network_with_a_fixed_plant_and_element_outages_is_unchanged(tmp_path):
    """A fixed-flow plant switched off and on (its unit out for 6 h), a consumer cut off by a
    pipe closure (the fast path steps aside while nodes are disconnected) and a line outage
    (the grid's fast path is rebuilt after it)."""
    write_district(tmp_path / "district")
    units = [
        {"name": "hp_main", "type": "heat_pump", "heat_mw": 2.0, "t_source_c": 10.0,
         "carnot_efficiency": 0.5, "bus": PLANT_BUS},
        {"name": "gas_main", "type": "boiler", "heat_mw": 6.0, "fuel": "natural_gas",
         "efficiency": 0.95},
        {"name": "wood_east", "type": "boiler", "heat_mw": 1.2, "fuel": "wood_chips",
         "efficiency": 0.88, "plant": FIXED_PLANT},
    ]
    raw = {
        **scenario(units, "own_fast"),
        "events": [
            {"type": "outage", "unit": "wood_east", "start": "2030-01-01T04:00", "hours": 6},
            {"type": "pipe_closure", "pipe": "depot_service_s", "start": "2030-01-01T12:00",
             "hours": 3},
            {"type": "line_outage", "line": "Line 5-6", "start": "2030-01-01T17:00",
             "hours": 2},
        ],
    }
    runs = run_both(write(tmp_path, raw, "own.yaml"), hours=24)
    assert_equivalent(runs)
    fast = runs[True][0]
    east = fast.array("unit_heat_mw")[:, fast.coords["unit"].index("wood_east")]
    assert east[4:10].max() == 0.0 and east[:4].min() > 0.5 and east[10:].min() > 0.5
    # the fast path took every hour but the closure's (plain) and the first one
    sweeps = fast.array("heat_iterations")
    assert np.mean(sweeps[16:] == 1) > 0.9 and np.mean(sweeps[1:12] == 1) > 0.9
    assert runs[True][1].fast_status == "" and runs[True][2].fast_status == ""


def test_the_radial_predictor_is_the_general_one_without_loops(tmp_path, monkeypatch):
    # a radial network takes predict_radial (so it never compiles the loop code); taken through
    # the general predict_state with no chords instead, every number is the same, bit for bit
    from simulator.heat.pit import PitLayout

    config = write(tmp_path, schutterwald_raw(), "sw.yaml")
    scenario = load_config(config)

    def recorded() -> Any:
        heat = HeatNetwork.from_json(scenario.district / "heat.json",
                                     scenario.solver.max_iter_bidirect, fast=True)
        grid = ElectricGrid.from_json(scenario.district / "electric.json", fast=True)
        return simulate_scenario(scenario, District(scenario.district, heat, grid), 12)[0]

    radial = recorded()
    monkeypatch.setattr(PitLayout, "meshed", property(lambda self: True))
    general = recorded()
    for name in UNITS:
        np.testing.assert_array_equal(radial.array(name), general.array(name), err_msg=name)

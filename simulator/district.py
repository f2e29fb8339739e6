"""A district folder: ``heat.json`` (pandapipes), ``electric.json`` (pandapower), profiles.

:func:`load_district` loads both networks through their adapters; :func:`check_wiring` checks
every name a scenario uses against them before time starts and reports all problems at once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from simulator.adapters import GridAdapter, HeatAdapter
from simulator.config import ConfigError, Scenario
from simulator.constants import C_TO_K
from simulator.dispatch.policy import policy_factory
from simulator.grid import ElectricGrid
from simulator.grid import checks as grid_checks
from simulator.heat import HeatNetwork
from simulator.heat import checks as heat_checks

HEAT_FILE = "heat.json"
ELECTRIC_FILE = "electric.json"


@dataclass
class District:
    """The two networks of a district, each behind its adapter (:mod:`simulator.adapters`:
    :func:`load_district` gives the pandapipes and pandapower ones, any other may stand in)."""

    path: Path
    heat: HeatAdapter
    grid: GridAdapter
    warnings: list[str] = field(default_factory=list)  # unusual but solvable input, by file


def load_district(path: Path, max_iter_bidirect: int = 100, fast: bool = True,
                  thermal: str = "steady") -> District:
    """Load both networks of a district folder, checked (:mod:`simulator.heat.checks`,
    :mod:`simulator.grid.checks`); ConfigError with every problem of both files, each line
    ``file: <table> 'name': reason``."""
    problems = [
        f"{path / name}: file not found"
        for name in (HEAT_FILE, ELECTRIC_FILE)
        if not (path / name).is_file()
    ]
    if problems:
        raise ConfigError(problems)
    heat_net, heat_problems = heat_checks.read_net(path / HEAT_FILE)
    grid_net, grid_problems = grid_checks.read_net(path / ELECTRIC_FILE)
    problems = ([f"{path / HEAT_FILE}: {p}" for p in heat_problems]
                + [f"{path / ELECTRIC_FILE}: {p}" for p in grid_problems])
    if problems:
        raise ConfigError(problems)
    try:
        heat = HeatNetwork(heat_net, max_iter_bidirect, fast, thermal)
    except Exception as err:  # what the checks above did not foresee is still the file's
        problems.append(f"{path / HEAT_FILE}: not a usable pandapipes network: {err}")
    try:
        grid = ElectricGrid(grid_net, fast)
    except Exception as err:
        problems.append(f"{path / ELECTRIC_FILE}: not a usable pandapower network: {err}")
    if problems:
        raise ConfigError(problems)
    warnings = [f"{path / ELECTRIC_FILE}: {w}" for w in grid_checks.network_warnings(grid_net)]
    return District(path=path, heat=heat, grid=grid, warnings=warnings)


def _unknown(kind: str, name: str, known: list[str], where: Path) -> str:
    shown = ", ".join(known[:12]) + (", ..." if len(known) > 12 else "")
    return f"'{name}' is not a {kind} in {where} (known: {shown})"


def _bus_problems(scenario: Scenario, district: District, config_path: Path) -> list[str]:
    """Units and pumps on buses that are out of service or cut off from every external grid."""
    keys = [(f"units[{i}].bus", u.bus) for i, u in enumerate(scenario.units)
            if getattr(u, "bus", None) is not None]
    keys += [(f"pumps[{i}].bus", p.bus) for i, p in enumerate(scenario.pumps)]
    why = district.grid.bus_problems([bus for _, bus in keys])
    grid_file = district.path / ELECTRIC_FILE
    return [f"{config_path}: {key}: bus '{bus}' of {grid_file}: {why[bus]}"
            for key, bus in keys if bus in why]


def check_wiring(scenario: Scenario, district: District, config_path: Path) -> None:
    """Check plants, buses, pumps, event targets and the dispatch policy; raise all at once."""
    plants = district.heat.plant_names
    buses = district.grid.bus_names
    heat_file = district.path / HEAT_FILE
    grid_file = district.path / ELECTRIC_FILE
    problems: list[str] = []
    for i, unit in enumerate(scenario.units):
        if unit.plant is not None and unit.plant not in plants:
            problems.append(f"{config_path}: units[{i}].plant: "
                            + _unknown("plant", unit.plant, plants, heat_file))
        bus = getattr(unit, "bus", None)
        if bus is not None and bus not in buses:
            problems.append(f"{config_path}: units[{i}].bus: "
                            + _unknown("bus", bus, buses, grid_file))
    for i, pump in enumerate(scenario.pumps):
        if pump.plant not in plants:
            problems.append(f"{config_path}: pumps[{i}].plant: "
                            + _unknown("plant", pump.plant, plants, heat_file))
        if pump.bus not in buses:
            problems.append(f"{config_path}: pumps[{i}].bus: "
                            + _unknown("bus", pump.bus, buses, grid_file))
    for name in scenario.supply_temperature.plants:
        if name not in plants:
            problems.append(f"{config_path}: supply_temperature.plants.{name}: "
                            + _unknown("plant", name, plants, heat_file))
    known = {"line": (district.grid.line_names, grid_file),
             "trafo": (district.grid.trafo_names, grid_file),
             "pipe": (district.heat.pipe_names, heat_file)}
    for i, event in enumerate(scenario.events):
        for kind, (names, where) in known.items():
            name = getattr(event, kind, None)
            if name is not None and name not in names:
                problems.append(f"{config_path}: events[{i}].{kind}: "
                                + _unknown(kind, name, names, where))
    branches = district.grid.line_names + district.grid.trafo_names
    for name in scenario.coupling.loading_limits_percent:
        if name not in branches:
            problems.append(f"{config_path}: coupling.loading_limits_percent.{name}: "
                            + _unknown("line or trafo", name, branches, grid_file))
    problems += _bus_problems(scenario, district, config_path)
    problems += [f"{heat_file}: {p}" for p in district.heat.scenario_problems(
        scenario.supply_temperature.return_c + C_TO_K)]
    try:
        policy_factory(scenario.dispatch.policy)
    except ConfigError as err:
        problems += [f"{config_path}: {p}" for p in err.problems]
    slack = district.heat.slack_plant_name
    if all((u.plant or slack) != slack for u in scenario.units):
        # fixed-flow plants without units simply stay out of service; the slack plant holds
        # pressure and balances the network, so it needs at least one unit
        problems.append(f"{config_path}: units: no unit feeds the pressure-holding plant "
                        f"'{slack}' of {heat_file}")
    if problems:
        raise ConfigError(problems)

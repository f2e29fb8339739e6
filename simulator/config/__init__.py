"""The config room: scenario schema, YAML loading and every input error (yaml, pydantic).

``load_config(path)`` reads, validates and resolves a scenario file; every problem is reported
at once through :class:`ConfigError` as ``file: key: reason`` lines.
"""

from simulator.config.effect import scenario_warnings
from simulator.config.errors import ConfigError
from simulator.config.events import (
    Coupling,
    Event,
    LineOutage,
    PipeClosure,
    RandomFailures,
    TrafoOutage,
    UnitDerate,
    UnitOutage,
)
from simulator.config.loader import (
    apply_overrides,
    load_config,
    parse_assignments,
    parse_scenario,
    read_yaml,
    resolve_key,
)
from simulator.config.operation import DpControl, Operation, SupplyBoost
from simulator.config.schema import (
    Carbon,
    Demand,
    Dispatch,
    Ground,
    Period,
    Pump,
    Scenario,
    Solver,
    SupplyTemperature,
    Weather,
)
from simulator.config.units import (
    BoilerUnit,
    ChpUnit,
    ElectricBoilerUnit,
    HeatPumpUnit,
    HourlyFile,
    StorageUnit,
    Unit,
    UnitConfig,
    WasteHeatUnit,
    register_unit_config,
    unit_configs,
)

__all__ = [
    "BoilerUnit",
    "Carbon",
    "ChpUnit",
    "ConfigError",
    "Coupling",
    "Demand",
    "Dispatch",
    "DpControl",
    "ElectricBoilerUnit",
    "Event",
    "Ground",
    "HeatPumpUnit",
    "HourlyFile",
    "LineOutage",
    "Operation",
    "Period",
    "PipeClosure",
    "Pump",
    "RandomFailures",
    "Scenario",
    "Solver",
    "StorageUnit",
    "SupplyBoost",
    "SupplyTemperature",
    "TrafoOutage",
    "Unit",
    "UnitConfig",
    "UnitDerate",
    "UnitOutage",
    "WasteHeatUnit",
    "Weather",
    "apply_overrides",
    "load_config",
    "parse_assignments",
    "parse_scenario",
    "read_yaml",
    "register_unit_config",
    "resolve_key",
    "scenario_warnings",
    "unit_configs",
]

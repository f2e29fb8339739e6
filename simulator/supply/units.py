"""Supply unit types: the registry of the producers a scenario can name, and the built-in ones.

The producer types are a registry, like the dispatch policies': :func:`register_unit_type`
names a scenario model (a :class:`simulator.config.UnitConfig` with ``type: Literal["<tag>"]``),
the function that builds the unit (:class:`~simulator.supply.producers.SupplyUnit`) from an
entry, and the type's defaults; :func:`build_unit` and :func:`source_temperature_c` look the
``type:`` up. What the books ask of a unit is :class:`~simulator.supply.producers.SupplyUnit`'s
methods, which a new type overrides where it differs: a new type is one module and one
registration (``examples/toy_unit.py``).

Defaults of the built-in types, with their sources (est.: no primary source confirmed the figure):

* minimum stable load (share of rating): gas CCGT CHP 0.45 (est.; Danish Energy Agency,
  *Technology Data for Energy Plants*, 40-50 %); solid-fuel boilers (wood, peat, coal) 0.30
  (grate 25-30 %, fluidised bed 30-40 %, est./DEA); gas and oil boilers 0.15 (burner turndown
  1:5-1:10, est.); electric boilers, heat pumps (a plant of several machines), waste heat 0.
* part load: gas/oil boilers gain up to 2.7 % at part load (a low-temperature boiler's
  measured curve: 12 % load 92.3 %, 30 % 94.2 %, 50 % 94.4 %, 80 % 93.0 %, 100 % 91.9 %;
  TransiEnt library, ``WGKennlinie-TL-Wolf450-5200NT``); solid fuels lose 2 % at half load and
  5 % at 30 % (est., DEA); a CHP's electrical efficiency falls to 0.90 of rated at half load and
  0.85 at 30 % at constant total efficiency (est., DEA).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from simulator import config
from simulator.config.units import SOURCE_SEASONAL
from simulator.constants import C_TO_K
from simulator.supply.physics import carnot_cop, seasonal_c
from simulator.supply.producers import Chp, Curve, HeatPump, SupplyUnit, WasteHeat

SOLID_FUELS = ("wood_chips", "wood_pellets", "coal", "peat")
DEFAULT_MIN_LOAD = {"chp": 0.45, "boiler_solid": 0.30, "boiler": 0.15, "electric_boiler": 0.0,
                    "heat_pump": 0.0, "waste_heat": 0.0}
PART_LOAD_GAS: Curve = ((0.12, 1.004), (0.3, 1.025), (0.5, 1.027), (0.8, 1.012), (1.0, 1.0))
PART_LOAD_SOLID: Curve = ((0.3, 0.95), (0.5, 0.98), (1.0, 1.0))
PART_LOAD_CHP_POWER: Curve = ((0.3, 0.85), (0.5, 0.90), (1.0, 1.0))


#: builds a type's unit from its validated entry and the fields every unit has (``name``,
#: ``kind`` (its tag), ``heat_max_mw``, ``plant``, ``min_load_fraction``, ``must_run``)
Builder = Callable[[Any, dict[str, Any]], SupplyUnit]
#: a type's hourly heat-source temperature (°C) from its entry, the air temperature (°C) and
#: the day of the year of each hour
SourceModel = Callable[[Any, np.ndarray, np.ndarray], np.ndarray]


def _no_source(spec: Any, t_air_c: np.ndarray, day: np.ndarray) -> np.ndarray:
    return np.full(len(t_air_c), np.nan)


@dataclass(frozen=True)
class UnitType:
    """A producer type as a scenario names it (``type: <tag>``)."""

    model: type[config.UnitConfig]  # its entry's schema (pydantic, in the config room)
    build: Builder
    #: minimum stable load (share of rating) when the entry gives none
    default_min_load: Callable[[Any], float] = lambda spec: 0.0
    #: heat-source temperature (°C; NaN: the type has no source)
    source_c: SourceModel = _no_source


_TYPES: dict[str, UnitType] = {}


def register_unit_type(model: type[config.UnitConfig], build: Builder, *,
                       default_min_load: Callable[[Any], float] | float = 0.0,
                       source_c: SourceModel | None = None) -> UnitType:
    """Make ``model`` (its ``type: Literal["<tag>"]``) a producer type: scenarios may list it,
    and :func:`build_unit` builds its units with ``build``. ``default_min_load`` is a share of
    rating or a function of the entry; ``source_c`` its hourly source temperature."""
    config.register_unit_config(model)
    min_load = default_min_load if callable(default_min_load) else (
        lambda spec, share=float(default_min_load): share)
    entry = UnitType(model, build, min_load, source_c or _no_source)
    _TYPES[model.type_tag()] = entry
    return entry


def registered_unit_types() -> list[str]:
    """Tags of the registered producer types (thermal storage is not one)."""
    return sorted(_TYPES)


def unit_type(tag: str) -> UnitType:
    """The producer type registered as ``tag``; TypeError for any other."""
    if tag not in _TYPES:
        raise TypeError(f"{tag} is not a heat producer (registered: "
                        f"{', '.join(registered_unit_types())})")
    return _TYPES[tag]


def build_unit(spec: config.UnitConfig, default_plant: str) -> SupplyUnit:
    """The producer a validated config entry describes (not for thermal storage)."""
    entry = unit_type(spec.type)  # type: ignore[attr-defined]
    min_load = spec.min_load_fraction
    return entry.build(spec, {
        "name": spec.name,
        "kind": spec.type,  # type: ignore[attr-defined]
        "heat_max_mw": spec.heat_mw,
        "plant": spec.plant or default_plant,
        "min_load_fraction": entry.default_min_load(spec) if min_load is None else min_load,
        "must_run": spec.must_run,
    })


def source_temperature_c(spec: config.UnitConfig, t_air_c: np.ndarray, day: np.ndarray
                         ) -> np.ndarray:
    """Hourly heat-source temperature of a producer (°C); NaN for types without a source."""
    return unit_type(spec.type).source_c(spec, t_air_c, day)  # type: ignore[attr-defined]


# -- the built-in types ----------------------------------------------------------------------


def _curve(points: list[tuple[float, float]] | None, default: Curve) -> Curve:
    return default if points is None else tuple((float(x), float(f)) for x, f in points)


def heat_pump_rated_source_c(spec: config.HeatPumpUnit) -> float:
    """Source temperature of a heat pump's rating point (°C): given, else its usual source."""
    if spec.rated_source_c is not None:
        return spec.rated_source_c
    if spec.t_source_c is not None and spec.source in ("constant", "data_centre"):
        return spec.t_source_c
    if spec.source == "air":
        return 7.0  # EN 14511 rating point A7
    seasonal = spec.seasonal or SOURCE_SEASONAL[spec.source]
    return seasonal.mean_c


def _heat_pump(spec: config.HeatPumpUnit, common: dict) -> HeatPump:
    t_max_k = spec.t_sink_max_c + C_TO_K
    rated_cop = float(carnot_cop(t_max_k, heat_pump_rated_source_c(spec) + C_TO_K,
                                 spec.carnot_efficiency, spec.cop_min, spec.cop_max))
    return HeatPump(
        **common, fuel=None, bus=spec.bus, carnot_efficiency=spec.carnot_efficiency,
        cop_min=spec.cop_min, cop_max=spec.cop_max,
        min_source_k=(-np.inf if spec.min_source_c is None else spec.min_source_c + C_TO_K),
        t_sink_max_k=t_max_k, el_max_mw=spec.heat_mw / rated_cop,
    )


def _heat_pump_source_c(spec: config.HeatPumpUnit, t_air_c: np.ndarray, day: np.ndarray
                        ) -> np.ndarray:
    if spec.source == "air":
        return np.asarray(t_air_c, dtype=float)
    if spec.source in ("constant", "data_centre"):
        return np.full(len(t_air_c), float(spec.t_source_c))  # type: ignore[arg-type]
    s = spec.seasonal or SOURCE_SEASONAL[spec.source]
    return seasonal_c(day, s.mean_c, s.amplitude_k, s.warmest_day)


def _boiler(spec: config.BoilerUnit, common: dict) -> SupplyUnit:
    fg = spec.flue_gas_heat_pump
    default = PART_LOAD_SOLID if spec.fuel in SOLID_FUELS else PART_LOAD_GAS
    return SupplyUnit(**common, fuel=spec.fuel, bus=None if fg is None else fg.bus,
                      efficiency=spec.efficiency, part_load=_curve(spec.part_load, default),
                      flue_gas_cop=None if fg is None else fg.cop,
                      base_efficiency=1.0 if fg is None else fg.base_efficiency)


register_unit_type(config.HeatPumpUnit, _heat_pump, default_min_load=DEFAULT_MIN_LOAD["heat_pump"],
                   source_c=_heat_pump_source_c)
register_unit_type(
    config.WasteHeatUnit,
    lambda spec, common: WasteHeat(**common, fuel=None, bus=spec.bus, approach_k=spec.approach_k,
                                   pumping_el_per_heat=spec.el_per_heat),
    default_min_load=DEFAULT_MIN_LOAD["waste_heat"],
    source_c=lambda spec, t_air_c, day: np.full(len(t_air_c), spec.t_source_c))
register_unit_type(
    config.ElectricBoilerUnit,
    lambda spec, common: SupplyUnit(**common, fuel=None, bus=spec.bus, efficiency=spec.efficiency),
    default_min_load=DEFAULT_MIN_LOAD["electric_boiler"])
register_unit_type(
    config.ChpUnit,
    lambda spec, common: Chp(**common, fuel=spec.fuel, bus=spec.bus,
                             efficiency=spec.total_efficiency, power_to_heat=spec.power_to_heat,
                             part_load=_curve(spec.part_load, PART_LOAD_CHP_POWER)),
    default_min_load=DEFAULT_MIN_LOAD["chp"])
register_unit_type(config.BoilerUnit, _boiler, default_min_load=lambda spec: DEFAULT_MIN_LOAD[
    "boiler_solid" if spec.fuel in SOLID_FUELS else "boiler"])

__all__ = ["Builder", "Chp", "HeatPump", "SourceModel", "SupplyUnit", "UnitType", "WasteHeat",
           "build_unit", "register_unit_type", "registered_unit_types", "source_temperature_c",
           "unit_type"]

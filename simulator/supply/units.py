"""Supply units: what each consumes or produces per MW of heat, hour by hour.

A unit is described per MW of heat by its fuel input (``fuel_per_heat``) and its electricity
drawn (``el_per_heat``, negative when it feeds power in, as a CHP does), functions of the
hour's supply (sink) and source temperatures in K and of its load (share of ``heat_max_mw``);
``capacity_mw`` is the heat it can make at those temperatures. The physics are the pure
functions of :mod:`simulator.supply.physics`; the classes only hold parameters. Thermal storage
is not a producer: see :mod:`simulator.supply.storage`.

Defaults by type, with their sources (est.: no primary source confirmed the figure):

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

from dataclasses import dataclass

import numpy as np

from simulator import config
from simulator.config.units import SOURCE_SEASONAL
from simulator.constants import C_TO_K
from simulator.supply.carbon import ELECTRICITY
from simulator.supply.physics import carnot_cop

SOLID_FUELS = ("wood_chips", "wood_pellets", "coal", "peat")
DEFAULT_MIN_LOAD = {"chp": 0.45, "boiler_solid": 0.30, "boiler": 0.15, "electric_boiler": 0.0,
                    "heat_pump": 0.0, "waste_heat": 0.0}
Curve = tuple[tuple[float, float], ...]
FLAT: Curve = ((1.0, 1.0),)
PART_LOAD_GAS: Curve = ((0.12, 1.004), (0.3, 1.025), (0.5, 1.027), (0.8, 1.012), (1.0, 1.0))
PART_LOAD_SOLID: Curve = ((0.3, 0.95), (0.5, 0.98), (1.0, 1.0))
PART_LOAD_CHP_POWER: Curve = ((0.3, 0.85), (0.5, 0.90), (1.0, 1.0))


def curve_factor(curve: Curve, load: float) -> float:
    """Factor (1) of a part-load curve at ``load`` (share of rating), held beyond its ends."""
    xs, fs = zip(*curve, strict=True)
    return float(np.interp(load, xs, fs))


@dataclass(frozen=True)
class SupplyUnit:
    """A heat producer at a plant; the base class is a fuel boiler of efficiency ``efficiency``
    (or an electric boiler, when ``fuel`` is None).

    ``bus`` is set for units that draw or feed electricity. ``part_load`` scales the efficiency
    by load; above 1.0 (100 % of the fuel's lower heating value) only with a flue-gas heat pump
    (``flue_gas_cop``, ``base_efficiency``), whose electricity the unit books.
    """

    name: str
    kind: str
    heat_max_mw: float
    plant: str
    fuel: str | None
    bus: str | None
    min_load_fraction: float = 0.0
    must_run: bool = False
    efficiency: float = 1.0
    part_load: Curve = FLAT
    flue_gas_cop: float | None = None
    base_efficiency: float = 1.0

    @property
    def carrier(self) -> str:
        """What the unit consumes: its fuel, or electricity."""
        return self.fuel or ELECTRICITY

    def efficiency_at(self, load: float) -> float:
        """Heat per fuel (LHV) at ``load`` (share of rating); at most 1 without a flue-gas HP."""
        eta = self.efficiency * curve_factor(self.part_load, load)
        return eta if self.flue_gas_cop is not None else min(eta, max(self.efficiency, 1.0))

    def cop(self, t_sink_k: float, t_source_k: float) -> float:
        """Coefficient of performance (1); NaN for units that are not heat pumps."""
        return float("nan")

    def fuel_per_heat(self, t_sink_k: float, t_source_k: float, load: float = 1.0) -> float:
        """Fuel input per heat output (MW per MW) at ``load``."""
        return 1.0 / self.efficiency_at(load) if self.fuel else 0.0

    def el_per_heat(self, t_sink_k: float, t_source_k: float, load: float = 1.0) -> float:
        """Electricity drawn per heat output (MW per MW); negative when fed in."""
        if not self.fuel:
            return 1.0 / self.efficiency
        if self.flue_gas_cop is None:
            return 0.0
        eta = self.efficiency_at(load)
        return max(eta - self.base_efficiency, 0.0) / (eta * self.flue_gas_cop)

    def usable(self, t_sink_k: float, t_source_k: float) -> bool:
        """Whether the unit can run at these temperatures."""
        return True

    def capacity_mw(self, t_sink_k: float, t_source_k: float) -> float:
        """Heat the unit can make at these temperatures (MW), before availability."""
        return self.heat_max_mw if self.usable(t_sink_k, t_source_k) else 0.0


@dataclass(frozen=True)
class HeatPump(SupplyUnit):
    """Electric heat pump lifting heat from ``t_source_k`` to its outlet temperature.

    The outlet is the supply temperature, at most ``t_sink_max_k`` (a booster lifts the rest);
    the COP is evaluated there. The compressor's electric power is limited to ``el_max_mw`` (its
    power at the rating point), so the capacity falls as the lift grows.
    """

    carnot_efficiency: float = 0.5
    cop_min: float = 1.0
    cop_max: float = 8.0
    min_source_k: float = -np.inf
    t_sink_max_k: float = np.inf
    el_max_mw: float = np.inf

    def outlet_k(self, t_sink_k: float) -> float:
        """Temperature the heat pump itself delivers (K)."""
        return min(t_sink_k, self.t_sink_max_k)

    def cop(self, t_sink_k: float, t_source_k: float) -> float:
        """:func:`~simulator.supply.physics.carnot_cop` at the unit's own outlet (scalars, on
        the hourly path: the same arithmetic without numpy's per-call overhead)."""
        t_out = self.outlet_k(t_sink_k)
        if t_out != t_out or t_source_k != t_source_k:  # NaN in: NaN out, as numpy gives
            return float("nan")
        cop = self.carnot_efficiency * t_out / max(t_out - t_source_k, 1e-6)
        return min(max(cop, self.cop_min), self.cop_max)

    def el_per_heat(self, t_sink_k: float, t_source_k: float, load: float = 1.0) -> float:
        return 1.0 / self.cop(t_sink_k, t_source_k)

    def usable(self, t_sink_k: float, t_source_k: float) -> bool:
        return t_source_k >= self.min_source_k

    def capacity_mw(self, t_sink_k: float, t_source_k: float) -> float:
        if not self.usable(t_sink_k, t_source_k):
            return 0.0
        return min(self.heat_max_mw, self.cop(t_sink_k, t_source_k) * self.el_max_mw)


@dataclass(frozen=True)
class WasteHeat(SupplyUnit):
    """Waste heat fed directly; usable when the source beats the supply by ``approach_k``."""

    approach_k: float = 5.0
    pumping_el_per_heat: float = 0.01

    def el_per_heat(self, t_sink_k: float, t_source_k: float, load: float = 1.0) -> float:
        return self.pumping_el_per_heat

    def usable(self, t_sink_k: float, t_source_k: float) -> bool:
        return t_source_k - self.approach_k >= t_sink_k


@dataclass(frozen=True)
class Chp(SupplyUnit):
    """Combined heat and power: feeds ``power_to_heat`` MW of electricity per MW of heat at
    rated load (less at part load, ``part_load`` scaling it), total efficiency constant."""

    power_to_heat: float = 0.5

    def power_to_heat_at(self, load: float) -> float:
        """Electricity per heat (MW per MW) at ``load``."""
        return self.power_to_heat * curve_factor(self.part_load, load)

    def fuel_per_heat(self, t_sink_k: float, t_source_k: float, load: float = 1.0) -> float:
        return (1.0 + self.power_to_heat_at(load)) / self.efficiency

    def el_per_heat(self, t_sink_k: float, t_source_k: float, load: float = 1.0) -> float:
        return -self.power_to_heat_at(load)


def _min_load(spec: config.Unit) -> float:
    if spec.min_load_fraction is not None:
        return spec.min_load_fraction
    if spec.type == "boiler":
        return DEFAULT_MIN_LOAD["boiler_solid" if spec.fuel in SOLID_FUELS else "boiler"]
    return DEFAULT_MIN_LOAD.get(spec.type, 0.0)


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


def build_unit(spec: config.Unit, default_plant: str) -> SupplyUnit:
    """The producer a validated config entry describes (not for thermal storage)."""
    common = {
        "name": spec.name,
        "kind": spec.type,
        "heat_max_mw": spec.heat_mw,
        "plant": spec.plant or default_plant,
        "min_load_fraction": _min_load(spec),
        "must_run": spec.must_run,
    }
    if isinstance(spec, config.HeatPumpUnit):
        return _heat_pump(spec, common)
    if isinstance(spec, config.WasteHeatUnit):
        return WasteHeat(**common, fuel=None, bus=spec.bus, approach_k=spec.approach_k,
                         pumping_el_per_heat=spec.el_per_heat)
    if isinstance(spec, config.ElectricBoilerUnit):
        return SupplyUnit(**common, fuel=None, bus=spec.bus, efficiency=spec.efficiency)
    if isinstance(spec, config.ChpUnit):
        return Chp(**common, fuel=spec.fuel, bus=spec.bus, efficiency=spec.total_efficiency,
                   power_to_heat=spec.power_to_heat,
                   part_load=_curve(spec.part_load, PART_LOAD_CHP_POWER))
    if isinstance(spec, config.BoilerUnit):
        fg = spec.flue_gas_heat_pump
        default = PART_LOAD_SOLID if spec.fuel in SOLID_FUELS else PART_LOAD_GAS
        return SupplyUnit(**common, fuel=spec.fuel, bus=None if fg is None else fg.bus,
                          efficiency=spec.efficiency, part_load=_curve(spec.part_load, default),
                          flue_gas_cop=None if fg is None else fg.cop,
                          base_efficiency=1.0 if fg is None else fg.base_efficiency)
    raise TypeError(f"{spec.type} is not a heat producer")

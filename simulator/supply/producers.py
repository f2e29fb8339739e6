"""The producers as the books see them: what each consumes or produces per MW of heat.

A unit is described per MW of heat by its fuel input (``fuel_per_heat``) and its electricity
drawn (``el_per_heat``, negative when it feeds power in, as a CHP does), functions of the
hour's supply (sink) and source temperatures in K and of its load (share of ``heat_max_mw``);
``capacity_mw`` is the heat it can make at those temperatures. The physics are the pure
functions of :mod:`simulator.supply.physics`; the classes only hold parameters. Thermal storage
is not a producer: see :mod:`simulator.supply.storage`. The types a scenario names, and how
each is built from its entry, are :mod:`simulator.supply.units`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from simulator.supply.carbon import ELECTRICITY, chp_heat_share

Curve = tuple[tuple[float, float], ...]
FLAT: Curve = ((1.0, 1.0),)


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

    The books and the dispatch ask a unit only through these methods (temperatures in K, load
    as a share of ``heat_max_mw``): :meth:`capacity_mw` (with :meth:`usable`), :meth:`per_heat`
    (from :meth:`fuel_per_heat`, :meth:`el_per_heat` and :meth:`cop`), :meth:`co2_heat_share`
    and :meth:`rated_co2_heat_share`, and :attr:`t_outlet_max_k`; ``fuel`` and ``bus`` say
    what it burns and where its electricity flows.
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

    def per_heat(self, t_sink_k: float, t_source_k: float, load: float
                 ) -> tuple[float, float, float]:
        """(fuel MW, electricity MW drawn, COP) per MW of heat at these temperatures, ``load``."""
        return (self.fuel_per_heat(t_sink_k, t_source_k, load),
                self.el_per_heat(t_sink_k, t_source_k, load), self.cop(t_sink_k, t_source_k))

    def usable(self, t_sink_k: float, t_source_k: float) -> bool:
        """Whether the unit can run at these temperatures."""
        return True

    def capacity_mw(self, t_sink_k: float, t_source_k: float) -> float:
        """Heat the unit can make at these temperatures (MW), before availability."""
        return self.heat_max_mw if self.usable(t_sink_k, t_source_k) else 0.0

    @property
    def t_outlet_max_k(self) -> float:
        """Hottest water the unit itself delivers (K): inf, any supply temperature. A unit with
        a limit gets a booster, which lifts its outlet to the supply temperature."""
        return float("inf")

    def co2_heat_share(self, heat_mw: float, el_mw: float, allocation: str) -> float:
        """Share of the unit's direct CO2 booked on its heat (1) when it makes ``heat_mw`` and
        draws ``el_mw`` (negative: fed in), under ``carbon.chp_allocation``: all of it."""
        return 1.0

    def rated_co2_heat_share(self, allocation: str) -> float:
        """:meth:`co2_heat_share` at rated output (1), which the merit order ranks by."""
        return 1.0


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

    def per_heat(self, t_sink_k: float, t_source_k: float, load: float
                 ) -> tuple[float, float, float]:
        cop = self.cop(t_sink_k, t_source_k)
        return 0.0, 1.0 / cop, cop

    @property
    def t_outlet_max_k(self) -> float:
        return self.t_sink_max_k

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

    def co2_heat_share(self, heat_mw: float, el_mw: float, allocation: str) -> float:
        return chp_heat_share(heat_mw, -el_mw, allocation)

    def rated_co2_heat_share(self, allocation: str) -> float:
        return chp_heat_share(1.0, self.power_to_heat, allocation)

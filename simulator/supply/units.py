"""Supply units: what each consumes or produces per MW of heat, hour by hour.

A unit is described per MW of heat by its fuel input (``fuel_per_heat``) and its electricity
drawn (``el_per_heat``, negative when it feeds power in, as a CHP does), both functions of the
hour's supply (sink) and source temperatures in K. The physics are the pure functions of
:mod:`simulator.supply.physics`; the classes only hold parameters. Thermal storage is not a
producer: see :mod:`simulator.supply.storage`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from simulator import config
from simulator.constants import C_TO_K
from simulator.supply.carbon import ELECTRICITY
from simulator.supply.physics import carnot_cop


@dataclass(frozen=True)
class SupplyUnit:
    """A heat producer at a plant; the base class is a fuel boiler of efficiency ``efficiency``.

    ``fuel`` is None for units that burn nothing; ``bus`` is set for units that draw or feed
    electricity.
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

    @property
    def carrier(self) -> str:
        """What the unit consumes: its fuel, or electricity."""
        return self.fuel or ELECTRICITY

    def cop(self, t_sink_k: float, t_source_k: float) -> float:
        """Coefficient of performance (1); NaN for units that are not heat pumps."""
        return float("nan")

    def fuel_per_heat(self, t_sink_k: float, t_source_k: float) -> float:
        """Fuel input per heat output (MW per MW)."""
        return 1.0 / self.efficiency if self.fuel else 0.0

    def el_per_heat(self, t_sink_k: float, t_source_k: float) -> float:
        """Electricity drawn per heat output (MW per MW); negative when fed in."""
        return 0.0 if self.fuel else 1.0 / self.efficiency

    def usable(self, t_sink_k: float, t_source_k: float) -> bool:
        """Whether the unit can run at these temperatures."""
        return True


@dataclass(frozen=True)
class HeatPump(SupplyUnit):
    """Electric heat pump lifting heat from ``t_source_k`` to the supply temperature."""

    carnot_efficiency: float = 0.5
    cop_min: float = 1.0
    cop_max: float = 8.0
    min_source_k: float = -np.inf

    def cop(self, t_sink_k: float, t_source_k: float) -> float:
        return float(carnot_cop(t_sink_k, t_source_k, self.carnot_efficiency,
                                self.cop_min, self.cop_max))

    def el_per_heat(self, t_sink_k: float, t_source_k: float) -> float:
        return 1.0 / self.cop(t_sink_k, t_source_k)

    def usable(self, t_sink_k: float, t_source_k: float) -> bool:
        return t_source_k >= self.min_source_k


@dataclass(frozen=True)
class WasteHeat(SupplyUnit):
    """Waste heat fed directly; usable when the source beats the supply by ``approach_k``."""

    approach_k: float = 5.0
    pumping_el_per_heat: float = 0.01

    def el_per_heat(self, t_sink_k: float, t_source_k: float) -> float:
        return self.pumping_el_per_heat

    def usable(self, t_sink_k: float, t_source_k: float) -> bool:
        return t_source_k - self.approach_k >= t_sink_k


@dataclass(frozen=True)
class Chp(SupplyUnit):
    """Combined heat and power: feeds ``power_to_heat`` MW of electricity per MW of heat."""

    power_to_heat: float = 0.5

    def fuel_per_heat(self, t_sink_k: float, t_source_k: float) -> float:
        return (1.0 + self.power_to_heat) / self.efficiency

    def el_per_heat(self, t_sink_k: float, t_source_k: float) -> float:
        return -self.power_to_heat


def build_unit(spec: config.Unit, default_plant: str) -> SupplyUnit:
    """The producer a validated config entry describes (not for thermal storage)."""
    common = {
        "name": spec.name,
        "kind": spec.type,
        "heat_max_mw": spec.heat_mw,
        "plant": spec.plant or default_plant,
        "min_load_fraction": spec.min_load_fraction,
        "must_run": spec.must_run,
    }
    if isinstance(spec, config.HeatPumpUnit):
        return HeatPump(
            **common, fuel=None, bus=spec.bus, carnot_efficiency=spec.carnot_efficiency,
            cop_min=spec.cop_min, cop_max=spec.cop_max,
            min_source_k=(-np.inf if spec.min_source_c is None else spec.min_source_c + C_TO_K),
        )
    if isinstance(spec, config.WasteHeatUnit):
        return WasteHeat(**common, fuel=None, bus=spec.bus, approach_k=spec.approach_k,
                         pumping_el_per_heat=spec.el_per_heat)
    if isinstance(spec, config.ElectricBoilerUnit):
        return SupplyUnit(**common, fuel=None, bus=spec.bus, efficiency=spec.efficiency)
    if isinstance(spec, config.ChpUnit):
        return Chp(**common, fuel=spec.fuel, bus=spec.bus, efficiency=spec.total_efficiency,
                   power_to_heat=spec.power_to_heat)
    if isinstance(spec, config.BoilerUnit):
        return SupplyUnit(**common, fuel=spec.fuel, bus=None, efficiency=spec.efficiency)
    raise TypeError(f"{spec.type} is not a heat producer")

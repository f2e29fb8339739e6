"""Supply units: what each consumes to deliver heat.

A unit is described by its carrier (what it consumes: ``electricity`` or a fuel) and the input
it needs per MW of heat at a given supply temperature. The physics are the pure functions of
:mod:`simulator.profiles`; the classes here only hold parameters.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass

import numpy as np

from simulator import config
from simulator.carbon import ELECTRICITY
from simulator.profiles import C_TO_K, carnot_cop


@dataclass(frozen=True)
class SupplyUnit(ABC):
    """A heat source at a plant. ``bus`` is set for units drawing electricity."""

    name: str
    kind: str
    heat_max_mw: float
    plant: str
    carrier: str
    bus: str | None

    def cop(self, t_supply_k: float) -> float:
        """Coefficient of performance (1); NaN for units that are not heat pumps."""
        return float("nan")

    @abstractmethod
    def input_per_heat(self, t_supply_k: float) -> float:
        """Carrier input per heat output (MW per MW) at supply temperature ``t_supply_k`` (K)."""


@dataclass(frozen=True)
class HeatPump(SupplyUnit):
    """Electric heat pump lifting heat from a source at ``t_source_k`` to the supply temperature."""

    t_source_k: float = 283.15
    carnot_efficiency: float = 0.5
    cop_min: float = 1.0
    cop_max: float = 8.0

    def cop(self, t_supply_k: float) -> float:
        return float(
            carnot_cop(t_supply_k, self.t_source_k, self.carnot_efficiency,
                       self.cop_min, self.cop_max)
        )

    def input_per_heat(self, t_supply_k: float) -> float:
        return 1.0 / self.cop(t_supply_k)


@dataclass(frozen=True)
class Boiler(SupplyUnit):
    """Electric or fuel boiler with a constant efficiency (heat out per input)."""

    efficiency: float = 1.0

    def input_per_heat(self, t_supply_k: float) -> float:
        return 1.0 / self.efficiency


def build_unit(spec: config.Unit, default_plant: str) -> SupplyUnit:
    """The supply unit a validated config entry describes."""
    common = {
        "name": spec.name,
        "kind": spec.type,
        "heat_max_mw": spec.heat_mw,
        "plant": spec.plant or default_plant,
    }
    if isinstance(spec, config.HeatPumpUnit):
        return HeatPump(
            **common, carrier=ELECTRICITY, bus=spec.bus,
            t_source_k=spec.t_source_c + C_TO_K, carnot_efficiency=spec.carnot_efficiency,
            cop_min=spec.cop_min, cop_max=spec.cop_max,
        )
    if isinstance(spec, config.ElectricBoilerUnit):
        return Boiler(**common, carrier=ELECTRICITY, bus=spec.bus, efficiency=spec.efficiency)
    return Boiler(**common, carrier=spec.fuel, bus=None, efficiency=spec.efficiency)


def pump_el_mw(mdot_kg_per_s: float, plift_bar: float, density_kg_per_m3: float,
               efficiency: float) -> float:
    """Electric power of a circulation pump (MW): mdot * dp / (rho * efficiency)."""
    if not np.isfinite(mdot_kg_per_s) or not np.isfinite(plift_bar):
        return float("nan")
    return max(mdot_kg_per_s, 0.0) * max(plift_bar, 0.0) * 1e5 / (
        density_kg_per_m3 * efficiency) * 1e-6

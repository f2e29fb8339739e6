"""Schema of the heat network's operating limits and the operator's response (config room).

Defaults and their sources (checked against the cited sources; "est." where no source confirmed):

* ``min_dp_bar`` 1.0: differential pressure a substation needs; Finnish/Swedish connection
  rules (Energiateollisuus K1/2013, Svensk Fjärrvärme F:101: ~100 kPa; VICUS 0.4-1.0 bar).
* ``max_p_bar`` 16.0: PN16, the Finnish design pressure class (Energiateollisuus: networks are
  designed for 16 bar and 120 °C).
* ``min_p_bar`` 0.5 (est.): gauge pressure kept everywhere against air ingress.
* ``saturation_margin_bar`` 1.0 (est., common design practice 0.5-1.0): absolute pressure above
  the water's saturation pressure at the local temperature (IAPWS-IF97), against boiling and
  cavitation.
* ``min_supply_c`` 65.0: supply temperature a substation needs for 58 °C domestic hot water
  (K1/2013) plus the heat exchanger's approach (Helen, Energiateollisuus: 65-115 °C).
* ``max_velocity_m_per_s`` 3.0 (est.): an operating ceiling (erosion, noise, surge); design
  rules size pipes for ~2 m/s at the design flow (VICUS), which off-design flows may exceed.

The operator (``dp_control``): the pressure-holding plant keeps its return (suction) pressure
and raises its pump lift, up to ``max_lift_bar``, until the worst substation is at
``min_dp_bar``; ``min_lift_bar`` (default: the network file's lift) is where it starts each
hour, so by default the lift only ever rises above the file's. Substations that the maximum lift
cannot reach get less flow (a fully open valve passes ``m sqrt(dp / min_dp)``), and the heat
they miss is unserved. ``pressure_hold`` raises the return (static) pressure the plant holds
when a junction falls below its minimum pressure, as far as ``max_p_bar`` leaves room (every
pressure moves with it). ``supply_boost`` raises the plants' supply temperature, up to
``max_supply_c``, when a substation's supply falls below ``min_supply_c``.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, model_validator


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class DpControl(_Model):
    """Differential-pressure control at the critical substation by the pressure-holding plant."""

    enabled: bool = True
    max_lift_bar: float | None = Field(None, gt=0.0)  # None: the network file's lift (no reserve)
    min_lift_bar: float | None = Field(None, gt=0.0)  # None: the network file's lift


class PressureHold(_Model):
    """Raise the pressure-holding plant's return (static) pressure while a junction is below
    its minimum pressure, as far as the pressure class allows."""

    enabled: bool = True
    max_hold_bar: float | None = Field(None, gt=0.0)  # None: up to what max_p_bar allows


class SupplyBoost(_Model):
    """Raise the supply temperature while a substation is below ``min_supply_c``."""

    enabled: bool = True
    max_supply_c: float = Field(120.0, gt=0.0, le=200.0)


class ProductionShift(_Model):
    """Move heat from the far fixed-flow plant to the pressure-holding plant while a hydraulic
    limit binds after the lift, static pressure and supply boost (``simulator.operation.shift``:
    the control-room rule and its source)."""

    enabled: bool = True


class PreHeat(_Model):
    """Pre-heat the network ahead of a demand peak (the dynamic thermal model only): while a
    peak hour (total demand at or above the ``peak_quantile`` of the period's hours) is
    forecast within the next ``lead_h`` hours, and the hour itself is below it, every plant's
    supply set point is raised by ``raise_k`` (within ``supply_boost.max_supply_c`` and what
    the running units can make), so the network's water and pipe walls store heat that the
    peak then draws. Defaults are estimates: ``lead_h`` about the transit to the far
    substations in winter, ``raise_k`` within the usual 10-20 K gap below the network's
    maximum supply (Frederiksen & Werner, District Heating and Cooling, 2013, ch. 7)."""

    enabled: bool = False
    lead_h: int = Field(8, ge=1, le=72)
    raise_k: float = Field(10.0, gt=0.0, le=50.0)
    peak_quantile: float = Field(0.98, gt=0.0, lt=1.0)


class Operation(_Model):
    """Operating limits of the heat network, checked every hour, and the operator's response."""

    min_dp_bar: float = Field(1.0, ge=0.0)
    max_p_bar: float = Field(16.0, gt=0.0)
    min_p_bar: float = Field(0.5)
    saturation_margin_bar: float = Field(1.0, ge=0.0)
    min_supply_c: float = Field(65.0)
    max_velocity_m_per_s: float = Field(3.0, gt=0.0)
    dp_control: DpControl = DpControl()
    pressure_hold: PressureHold = PressureHold()
    supply_boost: SupplyBoost = SupplyBoost()
    production_shift: ProductionShift = ProductionShift()
    preheat: PreHeat = PreHeat()

    @model_validator(mode="after")
    def _pressure_band(self) -> Operation:
        if self.min_p_bar >= self.max_p_bar:
            raise ValueError("min_p_bar must be below max_p_bar")
        lifts = self.dp_control
        if (lifts.max_lift_bar is not None and lifts.min_lift_bar is not None
                and lifts.min_lift_bar > lifts.max_lift_bar):
            raise ValueError("dp_control.min_lift_bar must not exceed max_lift_bar")
        return self

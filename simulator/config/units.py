"""Schema of the supply units a scenario lists (part of the config room; pydantic only).

Every unit has a ``name``, a maximum heat output ``heat_mw`` (MW), the ``plant`` it feeds (default
the slack plant), an optional minimum load, a ``must_run`` flag and an ``availability`` (share of
capacity available each hour, constant or an hourly file).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class HourlyFile(_Model):
    """A column of an hourly CSV file (``time`` in UTC)."""

    file: Path
    time_column: str = "time"
    column: str


class Seasonal(_Model):
    """Annual sinusoid of a heat-source temperature (°C), warmest on ``warmest_day``."""

    mean_c: float
    amplitude_k: float = Field(ge=0.0)
    warmest_day: int = Field(ge=1, le=366)


#: Source-temperature defaults (°C). Waste water at Suomenoja: ~10 °C in winter to ~18 °C in
#: summer (Fortum 2015); sea surface off Espoo ~0-2 °C Jan-Mar, ~19 °C in August (FMI/SYKE),
#: taken at the 1 °C floor of a sea-water intake; ground ~6-7 °C (est.).
SOURCE_SEASONAL: dict[str, Seasonal] = {
    "waste_water": Seasonal(mean_c=14.0, amplitude_k=4.0, warmest_day=227),
    "sea_water": Seasonal(mean_c=9.5, amplitude_k=8.5, warmest_day=222),
    "ground": Seasonal(mean_c=6.5, amplitude_k=0.5, warmest_day=260),
}


class _Unit(_Model):
    name: str = Field(min_length=1)
    heat_mw: float = Field(gt=0.0, description="maximum heat output (MW)")
    plant: str | None = None
    min_load_fraction: float = Field(0.0, ge=0.0, le=1.0)
    must_run: bool = False
    availability: float | HourlyFile = Field(1.0)

    @model_validator(mode="after")
    def _availability_share(self) -> _Unit:
        if isinstance(self.availability, float) and not 0.0 <= self.availability <= 1.0:
            raise ValueError("availability must be a share between 0 and 1")
        return self


class HeatPumpUnit(_Unit):
    """Electric heat pump; COP = carnot_efficiency * T_sink / (T_sink - T_source).

    ``source`` picks the hourly source-temperature model: ``constant`` and ``data_centre`` use
    ``t_source_c``; ``air`` the outdoor temperature; ``waste_water``, ``sea_water`` and ``ground``
    an annual sinusoid (defaults in ``SOURCE_SEASONAL``, override with ``seasonal``). Below
    ``min_source_c`` the unit cannot run (an air-source unit stops at about -15 °C).
    """

    type: Literal["heat_pump"]
    bus: str
    source: Literal["constant", "data_centre", "air", "waste_water", "sea_water", "ground"] = (
        "constant"
    )
    t_source_c: float | None = None
    seasonal: Seasonal | None = None
    min_source_c: float | None = None
    carnot_efficiency: float = Field(0.5, gt=0.0, le=1.0)
    cop_min: float = Field(1.0, ge=1.0)
    cop_max: float = Field(8.0, gt=1.0)

    @model_validator(mode="after")
    def _source_defined(self) -> HeatPumpUnit:
        if self.source in ("constant", "data_centre") and self.t_source_c is None:
            raise ValueError(f"source '{self.source}' needs t_source_c")
        return self


class WasteHeatUnit(_Unit):
    """Waste heat fed directly (no heat pump) when the source is hot enough.

    Usable in hours when ``t_source_c - approach_k`` reaches the supply temperature; it then
    needs only pumping electricity, ``el_per_heat`` MW per MW of heat, on ``bus``.
    """

    type: Literal["waste_heat"]
    t_source_c: float
    approach_k: float = Field(5.0, ge=0.0)
    el_per_heat: float = Field(0.01, ge=0.0)
    bus: str | None = None


class ElectricBoilerUnit(_Unit):
    """Electric (resistive or electrode) boiler."""

    type: Literal["electric_boiler"]
    bus: str
    efficiency: float = Field(0.99, gt=0.0, le=1.0)


class BoilerUnit(_Unit):
    """Fuel-fired boiler; efficiency on lower heating value (~1.05 with flue-gas condensing)."""

    type: Literal["boiler"]
    fuel: str
    efficiency: float = Field(0.9, gt=0.0, le=1.2)


class ChpUnit(_Unit):
    """Combined heat and power: electricity = power_to_heat * heat, fed in at ``bus``.

    Fuel input = (heat + electricity) / total_efficiency (lower heating value).
    """

    type: Literal["chp"]
    fuel: str
    bus: str
    power_to_heat: float = Field(gt=0.0, le=3.0)
    total_efficiency: float = Field(0.88, gt=0.0, le=1.2)


class StorageUnit(_Unit):
    """Sensible-heat store at a plant. ``heat_mw`` is its discharge rating (MW).

    Energy is booked exactly: E[t+1] = E[t] + charged - discharged - standing loss, with the
    standing loss a share of the content per day.
    """

    type: Literal["thermal_storage"]
    capacity_mwh: float = Field(gt=0.0)
    charge_mw: float | None = Field(None, gt=0.0)
    standing_loss_per_day: float = Field(0.01, ge=0.0, lt=1.0)
    soc_min: float = Field(0.05, ge=0.0, le=1.0)
    soc_max: float = Field(0.95, ge=0.0, le=1.0)
    soc_initial: float = Field(0.5, ge=0.0, le=1.0)

    @model_validator(mode="after")
    def _soc_order(self) -> StorageUnit:
        if not self.soc_min <= self.soc_initial <= self.soc_max:
            raise ValueError("need soc_min <= soc_initial <= soc_max")
        return self


Unit = Annotated[
    HeatPumpUnit | WasteHeatUnit | ElectricBoilerUnit | BoilerUnit | ChpUnit | StorageUnit,
    Field(discriminator="type"),
]

UNION_TAGS = {"heat_pump", "waste_heat", "electric_boiler", "boiler", "chp", "thermal_storage",
              "float", "HourlyFile", "GridIntensityFile", "Seasonal"}

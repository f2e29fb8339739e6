"""The scenario schema: pydantic models with units in their key names (config room).

Every model forbids unknown keys and is frozen. :class:`Scenario` is the whole validated
scenario; loading, path resolution and error formatting live in :mod:`simulator.config.loader`.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from pathlib import Path
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from holidays import list_supported_countries
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from simulator.config.events import Coupling, Event, utc_naive
from simulator.config.heat_network import HeatNetworkModel
from simulator.config.operation import Operation
from simulator.config.units import (
    HourlyFile,
    Unit,
    rebuilt_with_unit_types,
)


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class Period(_Model):
    """Simulated period: ``hours`` hourly steps from ``start``.

    ``start`` is naive UTC; one written with an offset is converted to UTC once, so that the
    time axis and every series are read at the same instants. It must be a whole hour: the
    input files hold hourly values, read at whole hours.
    """

    start: datetime
    hours: int = Field(8760, gt=0, le=8784 * 50)

    @field_validator("start")
    @classmethod
    def _whole_utc_hour(cls, value: datetime) -> datetime:
        value = utc_naive(value)
        if (value.minute, value.second, value.microsecond) != (0, 0, 0):
            raise ValueError(f"{value:%Y-%m-%dT%H:%M:%S} (UTC) is not a whole hour: hourly "
                             "inputs are read at whole hours; start at "
                             f"{value:%Y-%m-%dT%H}:00 or the next hour")
        return value


class Weather(_Model):
    """Hourly outdoor air temperature from a CSV file.

    ``source_year`` maps the simulated period onto the same hour of year of a measured year
    (e.g. simulate 2030 with 2021 weather); without it the file must cover the period.
    ``offset_k`` shifts every value (K), e.g. for a colder inland site.
    """

    file: Path
    time_column: str = "time"
    column: str = "t_air_c"
    source_year: int | None = None
    offset_k: float = 0.0


class PlantSupplyTemperature(_Model):
    """A plant's own supply-temperature curve (°C): piecewise linear in outdoor temperature."""

    curve_c: list[tuple[float, float]] = Field(min_length=1)


class SupplyTemperature(_Model):
    """Weather-compensated supply temperature: piecewise linear in outdoor temperature (°C).

    ``curve_c`` holds at every plant without a curve of its own in ``plants`` (plant name ->
    ``{curve_c: ...}``); the network mixes the plants' water at the junctions.
    """

    curve_c: list[tuple[float, float]] = Field(
        default_factory=lambda: [(-12.0, 90.0), (10.0, 70.0)], min_length=1
    )
    return_c: float = 45.0
    plants: dict[str, PlantSupplyTemperature] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _supply_above_return(self) -> SupplyTemperature:
        curves = [("curve_c", self.curve_c)] + [
            (f"plants.{name}.curve_c", p.curve_c) for name, p in self.plants.items()]
        low = [key for key, curve in curves if min(t for _, t in curve) <= self.return_c + 5.0]
        if low:
            raise ValueError(f"every supply temperature on {', '.join(low)} must exceed "
                             "return_c by > 5 K")
        return self


#: the built-in consumer classes of ``simulator.inputs.demand_classes`` (names only: the data
#: live in the inputs room)
BUILTIN_DEMAND_CLASSES = ("residential", "commercial", "public", "industry")


class Demand(_Model):
    """Hourly heat demand of each consumer, from its nominal (design) load.

    Without ``rhythm`` (the flat model): demand = nominal * (hot_water_share + (1 -
    hot_water_share) * space_heat_fraction), where the space-heat fraction is linear in outdoor
    temperature between ``design_t_air_c`` (1) and ``heating_limit_c`` (0). Hours below
    ``min_load_fraction`` of nominal are floored there (pandapipes cannot solve a network in which
    every consumer asks for ~0 W). With ``rhythm`` the flat model's annual energy is kept and
    reshaped by consumer class (see :class:`DemandRhythm`).
    """

    design_t_air_c: float = -12.0
    heating_limit_c: float = 15.0
    hot_water_share: float = Field(0.15, ge=0.0, le=1.0)
    min_load_fraction: float = Field(0.02, ge=0.0, le=1.0)
    scale: float = Field(1.0, gt=0.0)
    profiles: Path | None = None
    rhythm: DemandRhythm | None = None

    @model_validator(mode="after")
    def _limit_above_design(self) -> Demand:
        if self.heating_limit_c <= self.design_t_air_c:
            raise ValueError("heating_limit_c must be above design_t_air_c")
        if self.rhythm is not None and (
                self.rhythm.balance_spread_k >= self.heating_limit_c - self.design_t_air_c):
            raise ValueError("rhythm.balance_spread_k must be below heating_limit_c - "
                             "design_t_air_c")
        return self


_Hours = Annotated[list[Annotated[float, Field(ge=0.0)]], Field(min_length=24, max_length=24)]


class DemandClass(_Model):
    """One consumer class's rhythm. Keys left out keep the values of the built-in class
    ``base`` (default: the class of the same name).

    ``hot_water_share``: hot water's share of the class's annual energy (1);
    ``circulation_share``: the flat part of hot-water heat (circulation loss, 1);
    ``day_factors``: daily space-heat energy Monday ... Sunday (holidays count as Sunday; mean 1);
    ``space_*`` / ``hot_water_*``: hour-of-day factors 00-23 h local time (each rescaled to
    mean 1: they move energy within a day, never change it).
    """

    base: str | None = None
    hot_water_share: float | None = Field(None, ge=0.0, le=1.0)
    circulation_share: float | None = Field(None, ge=0.0, le=1.0)
    day_factors: list[Annotated[float, Field(gt=0.0)]] | None = Field(
        None, min_length=7, max_length=7)
    space_weekday: _Hours | None = None
    space_weekend: _Hours | None = None
    hot_water_weekday: _Hours | None = None
    hot_water_weekend: _Hours | None = None

    @model_validator(mode="after")
    def _hours_not_all_zero(self) -> DemandClass:
        for key in ("space_weekday", "space_weekend", "hot_water_weekday", "hot_water_weekend"):
            values = getattr(self, key)
            if values is not None and sum(values) <= 0.0:
                raise ValueError(f"{key}: the factors must not all be zero")
        return self


class DemandMix(_Model):
    """Which class each consumer is: ``file`` (CSV) maps consumers, the rest are ``default``.

    The CSV has a ``consumer`` column and either a ``class`` column (one class each) or one
    column per class holding that class's share of the consumer's annual energy (summing to 1).
    """

    file: Path | None = None
    default: str = "residential"


class DemandRhythm(_Model):
    """Demand with building inertia, daily and weekly rhythms by consumer class.

    Space heat follows the weighted temperature ``instant_share * T + (1 - instant_share) *
    EMA(T, time_constant_h)`` (h); 34.6 h = 24 h / ln 2 is the exponential equivalent of the
    BDEW/SigLinDe allocation weights 1, 1/2, 1/4, 1/8 per day. ``balance_spread_k``: the
    buildings' balance temperatures are spread evenly over [heating_limit_c - spread,
    heating_limit_c] (0: the flat model's straight line). ``timezone`` sets the local hours of
    the rhythms; ``holidays`` (a country code of the ``holidays`` package) are counted as Sunday.
    Each consumer's annual energy (per calendar year) is the flat model's on the same weather.
    """

    timezone: str = "UTC"
    holidays: str | None = None
    instant_share: float = Field(0.5, ge=0.0, le=1.0)
    time_constant_h: float = Field(34.6, gt=0.0)
    balance_spread_k: float = Field(0.0, ge=0.0)
    mix: DemandMix = DemandMix()
    classes: dict[str, DemandClass] = Field(default_factory=dict)

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone '{value}' (e.g. Europe/Helsinki)") from None
        return value

    @field_validator("holidays")
    @classmethod
    def _known_country(cls, value: str | None) -> str | None:
        if value is not None and value not in list_supported_countries():
            raise ValueError(f"unknown country code '{value}' (e.g. FI, DE, SE; see the "
                             "holidays package)")
        return value

    @model_validator(mode="after")
    def _known_names(self) -> DemandRhythm:
        for name, cls in self.classes.items():
            base = cls.base or name
            if base not in BUILTIN_DEMAND_CLASSES:
                raise ValueError(f"classes.{name}: base '{base}' is not a built-in class "
                                 f"({', '.join(BUILTIN_DEMAND_CLASSES)})")
        known = {*BUILTIN_DEMAND_CLASSES, *self.classes}
        if self.mix.default not in known:
            raise ValueError(f"mix.default: unknown class '{self.mix.default}' (known: "
                             f"{', '.join(sorted(known))})")
        return self


class Ground(_Model):
    """Ground temperature around the pipes (°C): annual sinusoid, coldest on ``coldest_day``."""

    mean_c: float = 8.0
    amplitude_k: float = Field(5.0, ge=0.0)
    coldest_day: int = Field(45, ge=1, le=366)


class Pump(_Model):
    """Electricity of a plant's circulation pump: P = mdot * plift / (rho * efficiency)."""

    plant: str
    bus: str
    efficiency: float = Field(0.7, gt=0.0, le=1.0)


class Forecast(_Model):
    """What the optimal policy foresees: the scenario's own inputs (perfect foresight) by
    default; with ``*_sd`` > 0 a noisy forecast. The error of an hour ``lead_h`` ahead is
    relative, normal with standard deviation ``sd x sqrt(lead_h / 24)`` (the hour being solved
    is known), drawn with ``seed``."""

    demand_sd: float = Field(0.0, ge=0.0, le=1.0)  # relative error of heat demand after 24 h
    price_sd: float = Field(0.0, ge=0.0, le=5.0)  # of the electricity price
    carbon_sd: float = Field(0.0, ge=0.0, le=5.0)  # of the grid CO2 intensity
    seed: int = 0


class Dispatch(_Model):
    """How heat is dispatched: ``policy`` names a registered dispatch policy
    (:mod:`simulator.dispatch`; ``merit_order`` by default) or ``package.module:ClassName``.

    The merit order ranks units by marginal CO2 (t per MW h of heat), by marginal cost
    (EUR per MW h of heat, from ``prices``) or as listed. Must-run units come first.

    Storage charges from units cheaper than its value and discharges instead of dearer ones;
    its value is the mean marginal value of serving demand in a window of
    ``storage_window_h`` hours around the hour (a perfect day-ahead forecast), and
    ``storage_spread`` is the relative margin kept between charging and discharging.

    The ``optimal`` policy solves, every ``step_h`` hours, a linear program (mixed-integer
    where minimum loads need it) over the next ``horizon_h`` hours, minimising ``objective``:
    ``co2`` (t, electricity at the ``carbon_signal`` intensity: ``average`` or ``marginal``),
    ``cost`` (EUR, from ``prices``) or ``weighted`` (EUR + ``co2_weight_eur_per_t`` x t).
    HiGHS stops after ``time_limit_s`` (or at a relative ``mip_gap``); an hour without a
    schedule falls back to ``order_by`` merit order. A grid curtailment is remembered as a
    limit on the unit's electricity for ``grid_memory_h`` hours.
    """

    policy: str = Field("merit_order", min_length=1)
    order_by: Literal["co2", "cost", "listed"] = "co2"
    storage_window_h: int = Field(48, ge=2, le=8760)
    storage_spread: float = Field(0.1, ge=0.0, le=1.0)
    objective: Literal["co2", "cost", "weighted"] = "co2"
    carbon_signal: Literal["average", "marginal"] = "average"
    co2_weight_eur_per_t: float = Field(100.0, ge=0.0)
    horizon_h: int = Field(48, ge=1, le=8784)
    step_h: int = Field(24, ge=1, le=8784)
    time_limit_s: float = Field(10.0, gt=0.0)
    mip_gap: float = Field(1e-3, ge=0.0, lt=1.0)
    grid_memory_h: int = Field(168, ge=0)
    forecast: Forecast = Forecast()

    @model_validator(mode="after")
    def _step_within_horizon(self) -> Dispatch:
        if self.step_h > self.horizon_h:
            raise ValueError(f"step_h ({self.step_h}) must not exceed horizon_h "
                             f"({self.horizon_h})")
        return self


class Prices(_Model):
    """Prices for the cost merit order and the cost objective: EUR per MW h of fuel or
    electricity (constant or an hourly file), EUR per t CO2 (added to fossil fuels)."""

    electricity_eur_per_mwh: float | HourlyFile = 50.0
    fuel_eur_per_mwh: dict[str, float] = Field(default_factory=dict)
    co2_eur_per_t: float = Field(0.0, ge=0.0)


class GridIntensityFile(HourlyFile):
    """Hourly grid CO2 intensity (g CO2 per kWh) from a CSV column."""

    column: str = "g_per_kwh"


class ElectricLoad(_Model):
    """Hourly multiplier (1) of the background loads stored in the district's electric.json."""

    scale: Annotated[float, Field(ge=0.0)] | HourlyFile = 1.0


class Carbon(_Model):
    """CO2 accounting.

    Grid electricity at an intensity (g CO2 per kWh, constant or hourly file), fuels by factor
    (t CO2 per TJ; overrides of ``simulator.supply.carbon.FUEL_T_PER_TJ``). A CHP's emissions are
    split between heat and power by ``chp_allocation``: ``efficiency`` (the benefit-sharing
    method with reference efficiencies 0.9 heat / 0.39 power), ``energy`` (by output) or
    ``heat`` (all to heat). ``target_g_per_kwh``: the heat intensity that counts as carbon
    neutral for this scenario (the summary says whether it is met, under the average grid
    intensity). ``grid_marginal_g_per_kwh``: the intensity of the marginal plant, for the
    marginal accounting reported beside it and the optimiser's ``carbon_signal: marginal``.
    """

    grid_intensity_g_per_kwh: Annotated[float, Field(ge=0.0)] | GridIntensityFile = 50.0
    grid_marginal_g_per_kwh: Annotated[float, Field(ge=0.0)] | GridIntensityFile | None = None
    fuel_t_per_tj: dict[str, float] = Field(default_factory=dict)
    chp_allocation: Literal["efficiency", "energy", "heat"] = "efficiency"
    target_g_per_kwh: float | None = Field(None, ge=0.0)


class Solver(_Model):
    """Numerical settings of the hourly solves."""

    max_iter_bidirect: int = Field(100, ge=10)
    max_failed_share: float = Field(0.05, ge=0.0, le=1.0)
    fast: bool = True  # reuse solver structures between hours (docs/physics/fast-paths.md)


class Scenario(_Model):
    """A complete, validated scenario."""

    name: str = Field(min_length=1, pattern=r"^[A-Za-z0-9_.-]+$")
    title: str | None = None
    district: Path
    period: Period
    weather: Weather
    supply_temperature: SupplyTemperature = SupplyTemperature()
    demand: Demand = Demand()
    ground: Ground = Ground()
    units: list[Unit] = Field(min_length=1)
    pumps: list[Pump] = Field(default_factory=list)
    dispatch: Dispatch = Dispatch()
    carbon: Carbon = Carbon()
    prices: Prices = Prices()
    electric_load: ElectricLoad = ElectricLoad()
    events: list[Event] = Field(default_factory=list)
    coupling: Coupling = Coupling()
    operation: Operation = Operation()
    heat_network: HeatNetworkModel = HeatNetworkModel()
    solver: Solver = Solver()

    @model_validator(mode="after")
    def _marginal_signal_has_a_series(self) -> Scenario:
        if (self.dispatch.carbon_signal == "marginal"
                and self.carbon.grid_marginal_g_per_kwh is None):
            raise ValueError("dispatch.carbon_signal 'marginal' needs "
                             "carbon.grid_marginal_g_per_kwh")
        return self

    @model_validator(mode="after")
    def _unique_unit_names(self) -> Scenario:
        names = [u.name for u in self.units]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ValueError(f"unit names must be unique; repeated: {', '.join(dupes)}")
        return self

    def to_yaml(self) -> str:
        """The resolved scenario (absolute paths, defaults filled in) as YAML."""
        return yaml.safe_dump(self.model_dump(mode="json"), sort_keys=False)

    def sha256(self) -> str:
        """Hash of the resolved scenario: identical runs share it."""
        return hashlib.sha256(self.to_yaml().encode()).hexdigest()


rebuilt_with_unit_types(Scenario)  # a unit type registered later is a valid ``units`` entry

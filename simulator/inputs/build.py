"""The hourly inputs of a run, computed for the whole period before time starts."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from simulator.config import (
    ConfigError,
    HeatPumpUnit,
    HourlyFile,
    Scenario,
    StorageUnit,
    Unit,
)
from simulator.constants import C_TO_K
from simulator.inputs.demand import demand_fraction
from simulator.inputs.demand_setup import demand_fractions
from simulator.inputs.profiles import ground_temperature_c, supply_temperature_c
from simulator.inputs.series import (
    Bounds,
    Period,
    align,
    range_problems,
    read_header,
    read_series,
    source_times,
)
from simulator.supply.units import source_temperature_c

#: physically possible values of the hourly input files (inclusive)
AIR_C = Bounds(-60.0, 50.0, "air temperature in °C; outside the range ever measured")
NON_NEGATIVE = Bounds(0.0, float("inf"), "must not be negative")
SHARE = Bounds(0.0, 1.0, "a share of capacity")


@dataclass(frozen=True)
class HourlyInputs:
    """Driving series, one row per simulated hour."""

    time: np.ndarray  # datetime64[ns]
    t_air_k: np.ndarray  # outdoor air temperature (K)
    demand_mw: np.ndarray  # (hours, consumers) heat asked for (MW)
    t_supply_k: np.ndarray  # supply temperature set point of the scenario's curve (K)
    t_return_k: float  # consumer return temperature (K)
    t_ground_k: np.ndarray  # soil temperature at the pipes (K)
    grid_intensity_g_per_kwh: np.ndarray  # CO2 intensity of grid electricity (g per kWh)
    #: CO2 intensity of the marginal plant (g per kWh); NaN when the scenario gives none
    grid_marginal_g_per_kwh: np.ndarray
    electric_load_scale: np.ndarray  # multiplier of the grid's background loads (1)
    electricity_eur_per_mwh: np.ndarray  # electricity price (EUR per MW h)
    unit_t_source_k: np.ndarray  # (hours, units) heat-source temperature (K), NaN if none
    unit_availability: np.ndarray  # (hours, units) share of capacity available (1)
    unit_source_max_mw: np.ndarray  # (hours, units) heat a heat pump's source gives (MW), inf

    filled_values: int  # NaNs filled by interpolation in the input files
    #: (hours, plants) each plant's supply set point (K), the heat network's plant order (the
    #: plants with a curve of their own differ from ``t_supply_k``); no columns when the inputs
    #: were built without plant names
    plant_t_supply_k: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))

    def supply_k(self, h: int, plant: np.ndarray) -> np.ndarray:
        """Supply set point (K) of the plants ``plant`` (indices) in hour ``h``."""
        if self.plant_t_supply_k.shape[1] == 0:
            return np.full(len(plant), float(self.t_supply_k[h]))
        return self.plant_t_supply_k[h, plant]


def _consumer_profiles(
    scenario: Scenario, period: Period, names: list[str]
) -> tuple[dict[str, np.ndarray], int]:
    path = scenario.demand.profiles
    if path is None:
        return {}, 0
    columns = read_header(Path(path), "demand.profiles")
    time_column = columns[0]
    unknown = [c for c in columns[1:] if c not in names]
    if unknown:
        raise ConfigError(
            [f"{path}: demand.profiles: column '{c}' is not a consumer of the heat network"
             for c in unknown]
        )
    frame = read_series(Path(path), time_column, columns[1:], "demand.profiles",
                        NON_NEGATIVE)
    values, filled = align(frame, source_times(period, scenario.weather.source_year),
                           Path(path), "demand.profiles")
    return dict(zip(columns[1:], values.T, strict=True)), filled


def _hourly_value(
    value: float | HourlyFile, times: pd.DatetimeIndex, label: str,
    bounds: Bounds | None = None,
) -> tuple[np.ndarray, int]:
    """A constant or an hourly file column (values within ``bounds``), aligned to the hours."""
    if isinstance(value, HourlyFile):
        series = read_series(value.file, value.time_column, [value.column], label, bounds)
        values, filled = align(series, times, value.file, label)
        return values[:, 0], filled
    return np.full(len(times), float(value)), 0


def _check_lift(producers: list[Unit], t_source_c: np.ndarray, t_supply_c: np.ndarray,
                time: np.ndarray, where: str) -> None:
    """A heat pump lifts heat from a colder source: a source at or above what it delivers
    (its ``t_sink_max_c``, or the hottest supply set point of the hour if lower) is refused
    (a hot source is a ``waste_heat`` unit: a heat exchanger, no compressor)."""
    problems = []
    for j, unit in enumerate(producers):
        if not isinstance(unit, HeatPumpUnit):
            continue
        sink_c = np.minimum(t_supply_c, unit.t_sink_max_c)
        hot = np.flatnonzero(t_source_c[:, j] >= sink_c)
        if len(hot):
            i = hot[0]
            problems.append(
                f"{where}: units.{unit.name}: the heat source is at {t_source_c[i, j]:.1f} °C at "
                f"{pd.Timestamp(time[i]):%Y-%m-%dT%H:%M} (and {len(hot) - 1} more hours), not "
                f"below the {sink_c[i]:.1f} °C the heat pump delivers: a heat pump lifts heat "
                "from a colder source (for a source this hot use a waste_heat unit)")
    if problems:
        raise ConfigError(problems)


def build_inputs(
    scenario: Scenario, consumer_names: list[str], consumer_design_w: np.ndarray,
    hours: int | None = None, plant_names: list[str] | None = None,
    config_path: Path | None = None,
) -> HourlyInputs:
    """All hourly inputs for the scenario's period (optionally shortened to ``hours``);
    ``plant_names`` (the heat network's plants) gives each plant its supply set point;
    ``config_path`` (the scenario file) starts the lines of scenario-level problems.

    Values are checked after every transformation the scenario applies (the weather's
    ``offset_k``; a heat pump's source against what it delivers), not only as read."""
    period = Period.from_start(scenario.period.start, hours or scenario.period.hours)
    times = source_times(period, scenario.weather.source_year)
    w = scenario.weather
    frame = read_series(w.file, w.time_column, [w.column], "weather", AIR_C)
    t_air_c, filled = align(frame, times, w.file, "weather")
    t_air_c = t_air_c[:, 0] + w.offset_k
    if w.offset_k:
        problems = range_problems(t_air_c, period.time, AIR_C,
                                  f"{w.file}: weather with offset_k {w.offset_k:g} K")
        if problems:
            raise ConfigError(problems)
    d = scenario.demand
    if d.rhythm is None:
        fraction = demand_fraction(t_air_c, d.design_t_air_c, d.heating_limit_c,
                                   d.hot_water_share, d.min_load_fraction)[:, None]
    else:
        fraction = demand_fractions(scenario, period, consumer_names)
    demand_mw = fraction * (consumer_design_w * 1e-6) * d.scale
    profiles, filled_profiles = _consumer_profiles(scenario, period, consumer_names)
    for j, name in enumerate(consumer_names):
        if name in profiles:
            demand_mw[:, j] = profiles[name]
    intensity, filled_grid = _hourly_value(
        scenario.carbon.grid_intensity_g_per_kwh, times, "carbon.grid_intensity_g_per_kwh",
        NON_NEGATIVE)
    marginal, filled_marginal = (np.full(len(times), np.nan), 0) if (
        scenario.carbon.grid_marginal_g_per_kwh is None) else _hourly_value(
        scenario.carbon.grid_marginal_g_per_kwh, times, "carbon.grid_marginal_g_per_kwh",
        NON_NEGATIVE)
    load_scale, filled_load = _hourly_value(
        scenario.electric_load.scale, times, "electric_load.scale", NON_NEGATIVE)
    price, filled_price = _hourly_value(
        scenario.prices.electricity_eur_per_mwh, times, "prices.electricity_eur_per_mwh")
    day = pd.DatetimeIndex(period.time).dayofyear.to_numpy()
    producers = [u for u in scenario.units if not isinstance(u, StorageUnit)]
    availability = np.ones((period.hours, len(producers)))
    source_max = np.full((period.hours, len(producers)), np.inf)
    filled_units = 0
    for j, unit in enumerate(producers):
        availability[:, j], filled_unit = _hourly_value(
            unit.availability, times, f"units.{unit.name}.availability", SHARE)
        filled_units += filled_unit
        limit = getattr(unit, "source_max_mw", None)
        if limit is not None:
            source_max[:, j], filled_unit = _hourly_value(
                limit, times, f"units.{unit.name}.source_max_mw", NON_NEGATIVE)
            filled_units += filled_unit
    t_source_c = np.column_stack(
        [source_temperature_c(u, t_air_c, day) for u in producers]
    ) if producers else np.zeros((period.hours, 0))
    st = scenario.supply_temperature
    t_supply_k = supply_temperature_c(t_air_c, st.curve_c) + C_TO_K
    plant_t_supply_k = np.column_stack([
        supply_temperature_c(t_air_c, st.plants[p].curve_c) + C_TO_K if p in st.plants
        else t_supply_k for p in plant_names or []]) if plant_names else np.zeros((len(t_air_c), 0))
    _check_lift(producers, t_source_c, np.column_stack([t_supply_k, plant_t_supply_k]).max(
        axis=1) - C_TO_K, period.time, str(config_path or "scenario"))
    g = scenario.ground
    return HourlyInputs(
        time=period.time,
        t_air_k=t_air_c + C_TO_K,
        demand_mw=demand_mw,
        t_supply_k=t_supply_k,
        t_return_k=scenario.supply_temperature.return_c + C_TO_K,
        t_ground_k=ground_temperature_c(day, g.mean_c, g.amplitude_k, g.coldest_day) + C_TO_K,
        grid_intensity_g_per_kwh=intensity,
        grid_marginal_g_per_kwh=marginal,
        electric_load_scale=load_scale,
        electricity_eur_per_mwh=price,
        unit_t_source_k=t_source_c + C_TO_K,
        unit_availability=availability,
        unit_source_max_mw=np.maximum(source_max, 0.0),
        filled_values=filled + filled_profiles + filled_grid + filled_load + filled_price
        + filled_units + filled_marginal,
        plant_t_supply_k=plant_t_supply_k,
    )

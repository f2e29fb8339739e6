"""The hourly inputs of a run, computed for the whole period before time starts."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from simulator.config import ConfigError, GridIntensityFile, HourlyFile, Scenario
from simulator.profiles import C_TO_K, demand_fraction, ground_temperature_c, supply_temperature_c
from simulator.weather import Period, align, read_series, source_times


@dataclass(frozen=True)
class HourlyInputs:
    """Driving series, one row per simulated hour."""

    time: np.ndarray  # datetime64[ns]
    t_air_k: np.ndarray  # outdoor air temperature (K)
    demand_mw: np.ndarray  # (hours, consumers) heat asked for (MW)
    t_supply_k: np.ndarray  # plant supply temperature set point (K)
    t_return_k: float  # consumer return temperature (K)
    t_ground_k: np.ndarray  # soil temperature at the pipes (K)
    grid_intensity_g_per_kwh: np.ndarray  # CO2 intensity of grid electricity (g per kWh)
    electric_load_scale: np.ndarray  # multiplier of the grid's background loads (1)
    filled_values: int  # NaNs filled by interpolation in the input files


def _consumer_profiles(
    scenario: Scenario, period: Period, names: list[str]
) -> tuple[dict[str, np.ndarray], int]:
    path = scenario.demand.profiles
    if path is None:
        return {}, 0
    columns = list(pd.read_csv(path, nrows=0).columns)
    time_column = columns[0]
    unknown = [c for c in columns[1:] if c not in names]
    if unknown:
        raise ConfigError(
            [f"{path}: demand.profiles: column '{c}' is not a consumer of the heat network"
             for c in unknown]
        )
    frame = read_series(Path(path), time_column, columns[1:], "demand.profiles")
    values, filled = align(frame, source_times(period, scenario.weather.source_year),
                           Path(path), "demand.profiles")
    return dict(zip(columns[1:], values.T, strict=True)), filled


def build_inputs(
    scenario: Scenario, consumer_names: list[str], consumer_design_w: np.ndarray,
    hours: int | None = None,
) -> HourlyInputs:
    """All hourly inputs for the scenario's period (optionally shortened to ``hours``)."""
    period = Period.from_start(scenario.period.start, hours or scenario.period.hours)
    times = source_times(period, scenario.weather.source_year)
    w = scenario.weather
    frame = read_series(w.file, w.time_column, [w.column], "weather")
    t_air_c, filled = align(frame, times, w.file, "weather")
    t_air_c = t_air_c[:, 0] + w.offset_k
    d = scenario.demand
    fraction = demand_fraction(t_air_c, d.design_t_air_c, d.heating_limit_c,
                               d.hot_water_share, d.min_load_fraction)
    demand_mw = np.outer(fraction, consumer_design_w * 1e-6) * d.scale
    profiles, filled_profiles = _consumer_profiles(scenario, period, consumer_names)
    for j, name in enumerate(consumer_names):
        if name in profiles:
            demand_mw[:, j] = profiles[name]
    grid = scenario.carbon.grid_intensity_g_per_kwh
    filled_grid = 0
    if isinstance(grid, GridIntensityFile):
        series = read_series(grid.file, grid.time_column, [grid.column], "carbon.grid_intensity")
        values, filled_grid = align(series, times, grid.file, "carbon.grid_intensity")
        intensity = values[:, 0]
    else:
        intensity = np.full(period.hours, float(grid))
    scale = scenario.electric_load.scale
    filled_load = 0
    if isinstance(scale, HourlyFile):
        series = read_series(scale.file, scale.time_column, [scale.column], "electric_load.scale")
        values, filled_load = align(series, times, scale.file, "electric_load.scale")
        load_scale = values[:, 0]
    else:
        load_scale = np.full(period.hours, float(scale))
    g = scenario.ground
    day = pd.DatetimeIndex(period.time).dayofyear.to_numpy()
    return HourlyInputs(
        time=period.time,
        t_air_k=t_air_c + C_TO_K,
        demand_mw=demand_mw,
        t_supply_k=supply_temperature_c(t_air_c, scenario.supply_temperature.curve_c) + C_TO_K,
        t_return_k=scenario.supply_temperature.return_c + C_TO_K,
        t_ground_k=ground_temperature_c(day, g.mean_c, g.amplitude_k, g.coldest_day) + C_TO_K,
        grid_intensity_g_per_kwh=intensity,
        electric_load_scale=load_scale,
        filled_values=filled + filled_profiles + filled_grid + filled_load,
    )

"""Hourly input files of the Espoo scenarios, made from measured data by documented models.

* ``weather_design_cold.csv``: 2021 Helsinki air temperature with its coldest spell stretched
  to the -26 °C design temperature (``design_cold``).
* ``finland_wind_2021_2023.csv``: the Fingrid wind rows of 2021 and 2023 (copied, CC BY 4.0).
* ``electric_load.csv``: hourly multiplier of the background electric loads (``load_scale``).
* ``grid_co2.csv``: hourly CO2 intensity of Finnish grid electricity (``grid_intensity``).
All times are UTC, hourly, for the weather year 2021 (the scenarios map 2030 onto it).
Temperatures in °C, powers in MW, intensities in g CO2 per kWh.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
WEATHER_FILE = ROOT / "networks" / "weather" / "helsinki_t_air_2018_2024.csv"
WIND_SOURCE = Path("/work/shared/data/finland_wind_2018_2024.csv")
WIND_FILE = HERE / "finland_wind_2021_2023.csv"
WEATHER_YEAR = 2021  # coldest full year of the record (mean 6.6 °C, minimum -21.2 °C)
CALIBRATION_YEAR = 2023  # latest year with a published grid-intensity range

# design-cold variant
DESIGN_T_C = -26.0  # heating design temperature, zone I (ESPOO-FIGURES, Climate)
STRETCH_BELOW_C = -5.0  # only temperatures below this are stretched
SPELL_HALF_WIDTH_H = 7 * 24  # the spell: one week either side of the coldest hour

# background electric load
LOAD_BASE_C = 15.0  # no temperature-driven load above this 24 h mean (°C)
LOAD_PER_K = 0.010  # relative load increase per K of 24 h mean below LOAD_BASE_C (1/K)
WEEKEND_FACTOR = 0.92
#: weekday hourly shape (local time, Europe/Helsinki), 00-23 h
DAY_SHAPE = (0.80, 0.78, 0.77, 0.77, 0.78, 0.82, 0.90, 0.98, 1.02, 1.02, 1.01, 1.00,
             0.99, 0.98, 0.98, 0.99, 1.01, 1.04, 1.05, 1.04, 1.01, 0.96, 0.90, 0.84)

# grid CO2 model
CO2_TARGET_MEAN = 45.0  # g/kWh, 2023 (ESPOO-FIGURES: ~30-60 g/kWh in 2023-24)
CO2_WINTER_GAIN = 3.0  # residual-mix intensity at the coldest / at no heating demand, minus 1
CO2_COLD_C = -15.0  # heating index 1 at and below this 24 h mean (°C)
CO2_MIN, CO2_MAX = 5.0, 250.0  # clip (g/kWh)
FI_CONSUMPTION_MEAN_MW = 9200.0  # ~80 TWh/yr Finnish consumption (est., 2023)
WIND_SHARE_MAX = 0.9


def read_t_air(year: int) -> pd.Series:
    """Hourly Helsinki air temperature (°C) of ``year``, UTC; the few NaNs filled linearly."""
    frame = pd.read_csv(WEATHER_FILE, parse_dates=["time"]).set_index("time")["t_air_c"]
    return frame.interpolate(method="time", limit_direction="both").loc[str(year)]


def design_cold(t_air_c: pd.Series) -> pd.Series:
    """Stretch the coldest spell so its minimum reaches DESIGN_T_C (°C).

    Within SPELL_HALF_WIDTH_H of the coldest hour, every temperature T below STRETCH_BELOW_C
    becomes STRETCH_BELOW_C + (T - STRETCH_BELOW_C) * f with f = (DESIGN_T_C - STRETCH_BELOW_C)
    / (T_min - STRETCH_BELOW_C): continuous at the threshold, exactly DESIGN_T_C at the minimum,
    the rest of the year unchanged.
    """
    i_min = int(np.argmin(t_air_c.to_numpy()))
    t_min = float(t_air_c.iloc[i_min])
    f = (DESIGN_T_C - STRETCH_BELOW_C) / (t_min - STRETCH_BELOW_C)
    hours = np.arange(len(t_air_c))
    spell = (np.abs(hours - i_min) <= SPELL_HALF_WIDTH_H) & (t_air_c.to_numpy() < STRETCH_BELOW_C)
    out = t_air_c.copy()
    out[spell] = STRETCH_BELOW_C + (t_air_c[spell] - STRETCH_BELOW_C) * f
    return out.round(2)


def mean_24h(t_air_c: pd.Series) -> np.ndarray:
    """Trailing 24 h mean temperature (°C); the first hours average what exists."""
    return t_air_c.rolling(24, min_periods=1).mean().to_numpy()


def load_shape(t_air_c: pd.Series) -> np.ndarray:
    """Relative electric load (1) from temperature, hour of day and weekday.

    (1 + LOAD_PER_K * max(0, LOAD_BASE_C - T_24h)) x DAY_SHAPE[local hour]
    x (WEEKEND_FACTOR on Saturdays and Sundays), in Europe/Helsinki local time.
    """
    local = pd.DatetimeIndex(t_air_c.index).tz_localize("UTC").tz_convert("Europe/Helsinki")
    day = np.asarray(DAY_SHAPE)[local.hour]
    week = np.where(local.dayofweek >= 5, WEEKEND_FACTOR, 1.0)
    heat = 1.0 + LOAD_PER_K * np.maximum(0.0, LOAD_BASE_C - mean_24h(t_air_c))
    return heat * day * week


def load_scale(t_air_c: pd.Series) -> np.ndarray:
    """Hourly multiplier of the stored (annual-peak) background loads: shape / max (1)."""
    shape = load_shape(t_air_c)
    return shape / shape.max()


def read_wind(year: int) -> pd.DataFrame:
    """Fingrid hourly wind production and installed capacity (MW) of ``year``, UTC."""
    frame = pd.read_csv(WIND_FILE, parse_dates=["time_utc"]).set_index("time_utc")
    return frame.loc[str(year)]


def heating_index(t_air_c: pd.Series) -> np.ndarray:
    """0 at and above LOAD_BASE_C, 1 at and below CO2_COLD_C, linear between (24 h mean)."""
    return np.clip((LOAD_BASE_C - mean_24h(t_air_c)) / (LOAD_BASE_C - CO2_COLD_C), 0.0, 1.0)


def co2_shape(wind_mw: np.ndarray, t_air_c: pd.Series) -> np.ndarray:
    """Grid intensity before calibration (g/kWh per unit of the level ``a``).

    (1 + CO2_WINTER_GAIN * heating index) x (1 - wind share), where wind share = wind
    production / a Finnish consumption proxy (FI_CONSUMPTION_MEAN_MW x the load shape).
    """
    shape = load_shape(t_air_c)
    consumption_mw = FI_CONSUMPTION_MEAN_MW * shape / shape.mean()
    share = np.clip(wind_mw / consumption_mw, 0.0, WIND_SHARE_MAX)
    return (1.0 + CO2_WINTER_GAIN * heating_index(t_air_c)) * (1.0 - share)


def co2_level() -> float:
    """Level ``a`` (g/kWh) that makes the CALIBRATION_YEAR mean equal CO2_TARGET_MEAN.

    Solved by fixed point because of the clip (converges in a few steps).
    """
    shape = co2_shape(read_wind(CALIBRATION_YEAR)["wind_mw"].to_numpy(),
                      read_t_air(CALIBRATION_YEAR))
    a = CO2_TARGET_MEAN / shape.mean()
    for _ in range(50):
        a *= CO2_TARGET_MEAN / np.clip(a * shape, CO2_MIN, CO2_MAX).mean()
    return float(a)


def grid_intensity(t_air_c: pd.Series) -> tuple[np.ndarray, float]:
    """Hourly intensity (g/kWh) of the WEATHER_YEAR with the CALIBRATION_YEAR wind fleet.

    Wind production = the weather year's measured capacity factor x the calibration year's
    mean installed capacity, so the hourly pattern follows the weather year while the level
    matches the latest published figure. Returns (intensity, level a).
    """
    wind = read_wind(WEATHER_YEAR)
    capacity_mw = read_wind(CALIBRATION_YEAR)["wind_capacity_mw"].mean()
    wind_mw = (wind["wind_mw"] / wind["wind_capacity_mw"]).to_numpy() * capacity_mw
    a = co2_level()
    return np.clip(a * co2_shape(wind_mw, t_air_c), CO2_MIN, CO2_MAX).round(2), a


def copy_wind() -> None:
    """Copy the needed years of the Fingrid wind file into the district folder."""
    frame = pd.read_csv(WIND_SOURCE, parse_dates=["time_utc"]).set_index("time_utc")
    years = pd.concat([frame.loc[str(y)] for y in (WEATHER_YEAR, CALIBRATION_YEAR)])
    years.to_csv(WIND_FILE, date_format="%Y-%m-%dT%H:%M")


def write_series() -> dict[str, float]:
    """Write the hourly CSV files; the figures quoted in README.md."""
    if WIND_SOURCE.is_file():
        copy_wind()
    t_air = read_t_air(WEATHER_YEAR)
    stamp = t_air.index.strftime("%Y-%m-%dT%H:%M")
    cold = design_cold(t_air)
    pd.DataFrame({"time": stamp, "t_air_c": cold.to_numpy()}).to_csv(
        HERE / "weather_design_cold.csv", index=False)
    scale = load_scale(t_air)
    pd.DataFrame({"time": stamp, "scale": scale.round(4)}).to_csv(
        HERE / "electric_load.csv", index=False)
    g, a = grid_intensity(t_air)
    pd.DataFrame({"time": stamp, "g_per_kwh": g}).to_csv(HERE / "grid_co2.csv", index=False)
    t23 = read_t_air(CALIBRATION_YEAR)
    g23 = np.clip(a * co2_shape(read_wind(CALIBRATION_YEAR)["wind_mw"].to_numpy(), t23),
                  CO2_MIN, CO2_MAX)
    return {
        "design_cold_min_c": float(cold.min()),
        "design_cold_changed_hours": float((cold != t_air.round(2)).sum()),
        "load_scale_mean": float(scale.mean()),
        "co2_level_a": a,
        "co2_mean_2023": float(g23.mean()),
        "co2_mean": float(g.mean()),
        "co2_min": float(g.min()),
        "co2_max": float(g.max()),
    }

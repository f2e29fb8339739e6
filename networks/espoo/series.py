"""Hourly input files of the Espoo scenarios, made from measured data by documented models.

* ``weather_design_cold.csv``: 2021 Helsinki air temperature with its coldest spell stretched
  to the -26 °C design temperature (``design_cold``).
* ``finland_wind_2021_2023.csv``: the Fingrid wind rows of 2021 and 2023 (copied, CC BY 4.0).
* ``electric_load.csv``: hourly multiplier of the background electric loads (``load_scale``).
* ``grid_co2.csv``: hourly CO2 intensity of Finnish grid electricity (``grid_intensity``).
* ``spot_price.csv``: hourly Finnish day-ahead price (``spot_price``), EUR per MW h.
* ``grid_co2_marginal.csv``: hourly CO2 intensity of the marginal plant
  (``marginal_intensity``).
All times are UTC, hourly, for the weather year 2021 (the scenarios map 2030 onto it).
Temperatures in °C, powers in MW, intensities in g CO2 per kWh.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
WEATHER_FILE = ROOT / "networks" / "weather" / "helsinki_t_air_2018_2024.csv"
#: the full Fingrid wind record (2018-2024, CC BY 4.0; Fingrid open data, dataset 75 "wind
#: power generation"), kept outside the repository beside it in ``shared/data/``; only the two
#: years the scenarios use ship here (``WIND_FILE``), so the build runs without it. Another
#: location: the environment variable ``DISTRICTSIM_WIND_SOURCE``.
WIND_SOURCE = Path(os.environ.get("DISTRICTSIM_WIND_SOURCE",
                                  ROOT.parent / "shared" / "data" / "finland_wind_2018_2024.csv"))
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
        **write_market_series(t_air),
        "design_cold_min_c": float(cold.min()),
        "design_cold_changed_hours": float((cold != t_air.round(2)).sum()),
        "load_scale_mean": float(scale.mean()),
        "co2_level_a": a,
        "co2_mean_2023": float(g23.mean()),
        "co2_mean": float(g.mean()),
        "co2_min": float(g.min()),
        "co2_max": float(g.max()),
    }


# spot price model (EUR/MWh), calibrated to 2023 (ESPOO-FIGURES, Electricity)
PRICE_TARGET_MEAN = 56.5  # 2023 FI day-ahead annual mean (ENTSO-E via ESPOO-FIGURES)
PRICE_TARGET_MEDIAN = 42.8  # 2023 median
PRICE_TARGET_NEGATIVE_H = 467  # 2023 hours below zero
PRICE_WINTER_GAIN = 1.0  # price at the coldest / at no heating demand, minus 1 (est.)
#: hour-of-day shape (local time) from the 2023 hourly means: low ~33 at 03-04 h, peaks ~82 at
#: 09 h and ~73 at 19 h (ESPOO-FIGURES); the anchors between them are linear (est.)
PRICE_DAY_ANCHORS = ((0, 42.0), (3, 33.0), (4, 33.0), (6, 48.0), (9, 82.0), (12, 62.0),
                     (15, 56.0), (19, 73.0), (22, 52.0), (24, 42.0))

# marginal grid CO2 model (g/kWh), by the residual-load rank of the hour (research REPORT E)
MARGINAL_HYDRO = 10.0  # Nordic reservoir hydro / imports from SE-NO at the margin (est.)
MARGINAL_CCGT = 360.0  # gas CCGT or CHP condensing tail, 55 % (EF gas 55 t/TJ / 0.55)
MARGINAL_OCGT = 570.0  # gas turbine peaker, 35 % (EF gas factor / 0.35)
MARGINAL_CONDENSING = 850.0  # coal/peat condensing or oil-shale imports, ~40 % (EF factors)
MARGINAL_WIND_CURTAILED = 0.0  # negative-price hours: wind is curtailed at the margin
MARGINAL_RAMP = (0.25, 0.50)  # residual-load rank: hydro below, CCGT/CHP above, linear between
MARGINAL_PEAK_RANK = 0.95  # above it the peak plant sets the margin
MARGINAL_COLD_INDEX = 0.5  # heating index above which the peak plant is condensing, not OCGT


def residual_load(wind_mw: np.ndarray, t_air_c: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """(wind share, residual load share) of the Finnish consumption proxy (1) each hour."""
    shape = load_shape(t_air_c)
    consumption_mw = FI_CONSUMPTION_MEAN_MW * shape / shape.mean()
    share = np.clip(wind_mw / consumption_mw, 0.0, WIND_SHARE_MAX)
    return share, (consumption_mw - wind_mw) / FI_CONSUMPTION_MEAN_MW


def local_hour(t_air_c: pd.Series) -> np.ndarray:
    """Hour of day (0-23) of each UTC hour in Europe/Helsinki local time."""
    return pd.DatetimeIndex(t_air_c.index).tz_localize("UTC").tz_convert(
        "Europe/Helsinki").hour.to_numpy()


def day_profile() -> np.ndarray:
    """Mean price by local hour (EUR/MWh): the 2023 anchors, linear between, scaled to
    PRICE_TARGET_MEAN."""
    xs, ps = zip(*PRICE_DAY_ANCHORS, strict=True)
    day = np.interp(np.arange(24), xs, ps)
    return day * PRICE_TARGET_MEAN / day.mean()


def price_base(wind_mw: np.ndarray, t_air_c: pd.Series, gamma: float) -> np.ndarray:
    """Price driver (1): season x residual-load share ^ gamma.

    The residual load (consumption proxy minus wind) sets which plant clears the market; its
    power ``gamma`` makes the supply curve convex (hydro and nuclear below, peak plant above).
    """
    _, residual = residual_load(wind_mw, t_air_c)
    season = 1.0 + PRICE_WINTER_GAIN * heating_index(t_air_c)
    return season * np.clip(residual, 0.0, None) ** gamma


def hour_offsets(base: np.ndarray, hour: np.ndarray, a: float) -> np.ndarray:
    """Additive price of each local hour (EUR/MWh) that makes the mean price of every hour of
    day equal :func:`day_profile` for a price a x base + offset."""
    means = np.bincount(hour, weights=base, minlength=24) / np.bincount(hour, minlength=24)
    return day_profile() - a * means


def price_with(base: np.ndarray, hour: np.ndarray, a: float) -> np.ndarray:
    return a * base + hour_offsets(base, hour, a)[hour]


def _bisect(f, lo: float, hi: float, n: int = 60) -> float:
    """x in [lo, hi] where the increasing function f crosses zero."""
    for _ in range(n):
        mid = 0.5 * (lo + hi)
        lo, hi = (lo, mid) if f(mid) > 0 else (mid, hi)
    return 0.5 * (lo + hi)


def price_calibration() -> tuple[float, float, np.ndarray]:
    """(gamma, a, hour offsets) calibrated on the CALIBRATION_YEAR.

    Price = a x base(gamma) + offset[local hour]. The offsets make the mean of every hour of
    day the 2023 profile (and so the annual mean PRICE_TARGET_MEAN); ``a`` (the spread) gives
    PRICE_TARGET_NEGATIVE_H hours below zero; ``gamma`` (the skew) the median.
    """
    wind = read_wind(CALIBRATION_YEAR)["wind_mw"].to_numpy()
    t23 = read_t_air(CALIBRATION_YEAR)
    hour = local_hour(t23)

    def spread(gamma: float) -> float:
        base = price_base(wind, t23, gamma)
        return _bisect(lambda a: (price_with(base, hour, a) < 0).sum()
                       - PRICE_TARGET_NEGATIVE_H, 0.0, 2000.0)

    def median_gap(gamma: float) -> float:
        base = price_base(wind, t23, gamma)
        return PRICE_TARGET_MEDIAN - float(np.median(price_with(base, hour, spread(gamma))))

    gamma = _bisect(median_gap, 0.5, 8.0, 30)
    a = spread(gamma)
    return gamma, a, hour_offsets(price_base(wind, t23, gamma), hour, a)


def spot_price(wind_mw: np.ndarray, t_air_c: pd.Series,
               calibration: tuple[float, float, np.ndarray]) -> np.ndarray:
    """Hourly spot price (EUR/MWh) with the calibrated (gamma, a, hour offsets)."""
    gamma, a, offsets = calibration
    return (a * price_base(wind_mw, t_air_c, gamma) + offsets[local_hour(t_air_c)]).round(2)


def marginal_intensity(wind_mw: np.ndarray, t_air_c: pd.Series, price_eur: np.ndarray
                       ) -> np.ndarray:
    """Hourly CO2 intensity of the marginal plant (g/kWh) from the residual-load rank.

    Rank q of the hour's residual load within the year (0 lowest): Nordic hydro and imports
    (MARGINAL_HYDRO) below MARGINAL_RAMP[0]; gas CCGT / CHP (MARGINAL_CCGT) above
    MARGINAL_RAMP[1], linear between; above MARGINAL_PEAK_RANK the peak plant, condensing
    (MARGINAL_CONDENSING) in cold hours, a gas turbine (MARGINAL_OCGT) otherwise. Hours of
    negative price curtail wind (MARGINAL_WIND_CURTAILED).
    """
    _, residual = residual_load(wind_mw, t_air_c)
    q = (np.argsort(np.argsort(residual)) + 0.5) / len(residual)
    lo, hi = MARGINAL_RAMP
    g = MARGINAL_HYDRO + (MARGINAL_CCGT - MARGINAL_HYDRO) * np.clip((q - lo) / (hi - lo), 0, 1)
    peak = np.where(heating_index(t_air_c) >= MARGINAL_COLD_INDEX, MARGINAL_CONDENSING,
                    MARGINAL_OCGT)
    g = np.where(q > MARGINAL_PEAK_RANK, peak, g)
    return np.where(price_eur < 0.0, MARGINAL_WIND_CURTAILED, g).round(1)


def weather_year_wind_mw() -> np.ndarray:
    """Wind production (MW) of the WEATHER_YEAR with the CALIBRATION_YEAR fleet."""
    wind = read_wind(WEATHER_YEAR)
    capacity_mw = read_wind(CALIBRATION_YEAR)["wind_capacity_mw"].mean()
    return (wind["wind_mw"] / wind["wind_capacity_mw"]).to_numpy() * capacity_mw


def write_market_series(t_air: pd.Series) -> dict[str, float]:
    """Write ``spot_price.csv`` and ``grid_co2_marginal.csv``; their figures."""
    stamp = t_air.index.strftime("%Y-%m-%dT%H:%M")
    calibration = price_calibration()
    wind_mw = weather_year_wind_mw()
    price = spot_price(wind_mw, t_air, calibration)
    marginal = marginal_intensity(wind_mw, t_air, price)
    pd.DataFrame({"time": stamp, "eur_per_mwh": price}).to_csv(HERE / "spot_price.csv",
                                                               index=False)
    pd.DataFrame({"time": stamp, "g_per_kwh": marginal}).to_csv(
        HERE / "grid_co2_marginal.csv", index=False)
    wind23 = read_wind(CALIBRATION_YEAR)["wind_mw"].to_numpy()
    t23 = read_t_air(CALIBRATION_YEAR)
    p23 = spot_price(wind23, t23, calibration)
    by_hour = pd.Series(p23).groupby(local_hour(t23)).mean()
    return {
        "price_gamma": calibration[0], "price_a": calibration[1],
        "price_mean_2023": float(p23.mean()), "price_median_2023": float(np.median(p23)),
        "price_sd_2023": float(p23.std()), "price_negative_h_2023": float((p23 < 0).sum()),
        "price_min_hour_2023": float(by_hour.min()), "price_h09_2023": float(by_hour[9]),
        "price_h19_2023": float(by_hour[19]), "price_h03_2023": float(by_hour[3]),
        "price_mean": float(price.mean()), "price_min": float(price.min()),
        "price_max": float(price.max()), "price_negative_h": float((price < 0).sum()),
        "marginal_mean": float(marginal.mean()),
        "marginal_corr_price": float(np.corrcoef(marginal, price)[0, 1]),
    }

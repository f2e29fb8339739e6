"""Hourly driving profiles as small pure functions (numpy in, numpy out).

Temperatures in °C unless the name ends in ``_k``; powers in the unit their name gives.
"""

from __future__ import annotations

import numpy as np


def space_heat_fraction(
    t_air_c: np.ndarray, design_t_air_c: float, heating_limit_c: float
) -> np.ndarray:
    """Share of design space-heating load, 1 at ``design_t_air_c``, 0 at ``heating_limit_c``.

    Linear degree-hour model, clipped to [0, inf): colder than design gives more than 1.

    Args:
        t_air_c: outdoor air temperature (°C).
        design_t_air_c: design outdoor temperature (°C).
        heating_limit_c: outdoor temperature above which no space heat is needed (°C).
    """
    t_air_c = np.asarray(t_air_c, dtype=float)
    return np.clip((heating_limit_c - t_air_c) / (heating_limit_c - design_t_air_c), 0.0, None)


def demand_fraction(
    t_air_c: np.ndarray,
    design_t_air_c: float,
    heating_limit_c: float,
    hot_water_share: float,
    min_load_fraction: float,
) -> np.ndarray:
    """Hourly demand as a fraction of nominal (design) load (1).

    ``hot_water_share`` of the design load is a flat hot-water base; the rest is space heat.
    The result is floored at ``min_load_fraction``.
    """
    space = space_heat_fraction(t_air_c, design_t_air_c, heating_limit_c)
    return np.maximum(hot_water_share + (1.0 - hot_water_share) * space, min_load_fraction)


def supply_temperature_c(t_air_c: np.ndarray, curve_c: list[tuple[float, float]]) -> np.ndarray:
    """Weather-compensated supply temperature (°C), piecewise linear in outdoor temperature.

    ``curve_c`` holds (outdoor °C, supply °C) points; outside them the end values hold.
    """
    points = sorted(curve_c)
    t_out = np.array([p[0] for p in points], dtype=float)
    t_sup = np.array([p[1] for p in points], dtype=float)
    return np.interp(np.asarray(t_air_c, dtype=float), t_out, t_sup)


def ground_temperature_c(
    day_of_year: np.ndarray, mean_c: float, amplitude_k: float, coldest_day: int
) -> np.ndarray:
    """Ground temperature at pipe depth (°C): annual sinusoid, minimum on ``coldest_day``."""
    phase = 2.0 * np.pi * (np.asarray(day_of_year, dtype=float) - coldest_day) / 365.25
    return mean_c - amplitude_k * np.cos(phase)


def seasonal_c(day_of_year: np.ndarray, mean_c: float, amplitude_k: float,
               warmest_day: int) -> np.ndarray:
    """Annual sinusoid (°C) peaking on ``warmest_day``: sea, waste-water or ground sources."""
    phase = 2.0 * np.pi * (np.asarray(day_of_year, dtype=float) - warmest_day) / 365.25
    return mean_c + amplitude_k * np.cos(phase)

"""Hourly driving profiles as small pure functions (numpy in, numpy out): supply and ground
temperatures (demand is :mod:`simulator.inputs.demand`, a unit's heat-source temperature its
type's, :func:`simulator.supply.units.source_temperature_c`).

Temperatures in °C unless the name ends in ``_k``; powers in the unit their name gives.
"""

from __future__ import annotations

import numpy as np


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

"""Unit physics as small pure functions (numpy in, numpy out); units in every name.

Temperatures in K (°C where the name ends in ``_c``), powers in MW, pressures in bar, mass
flows in kg/s.
"""

from __future__ import annotations

import numpy as np


def carnot_cop(
    t_sink_k: np.ndarray | float,
    t_source_k: np.ndarray | float,
    carnot_efficiency: float,
    cop_min: float = 1.0,
    cop_max: float = 8.0,
) -> np.ndarray:
    """Heat-pump coefficient of performance (1): eta * T_sink / (T_sink - T_source), clipped.

    Args:
        t_sink_k: temperature delivered (K), here the simulated supply temperature.
        t_source_k: heat-source temperature (K).
        carnot_efficiency: share of the Carnot COP reached (1), ~0.45-0.55 for large units.
        cop_min: lower clip (1); a heat pump is never worse than a resistor.
        cop_max: upper clip (1); guards a lift near zero.
    """
    t_sink_k = np.asarray(t_sink_k, dtype=float)
    lift_k = np.maximum(t_sink_k - np.asarray(t_source_k, dtype=float), 1e-6)
    return np.clip(carnot_efficiency * t_sink_k / lift_k, cop_min, cop_max)


def pump_el_mw(mdot_kg_per_s: float, plift_bar: float, density_kg_per_m3: float,
               efficiency: float) -> float:
    """Electric power of a circulation pump (MW): mdot * dp / (rho * efficiency).

    A plant out of service (no flow, NaN results) draws nothing.
    """
    if not np.isfinite(mdot_kg_per_s) or mdot_kg_per_s <= 0.0 or not np.isfinite(plift_bar):
        return 0.0
    return mdot_kg_per_s * max(plift_bar, 0.0) * 1e5 / (density_kg_per_m3 * efficiency) * 1e-6


def boost_ratio(t_supply_k: np.ndarray | float, t_in_k: np.ndarray | float,
                t_outlet_max_k: np.ndarray | float) -> np.ndarray:
    """Booster heat per MW of a heat pump's own heat (1) when the network needs hotter water.

    A heat pump heats the plant's inlet water (``t_in_k``) up to its outlet limit; a booster in
    series lifts it from there to the supply temperature. The heat shares follow from the
    temperatures: booster / heat pump = (T_supply - T_max) / (T_max - T_in). 0 when the supply
    is within the limit; inf when the limit is not above the inlet (the heat pump cannot help).
    """
    t_s, t_in, t_max = np.broadcast_arrays(*(np.asarray(x, dtype=float)
                                            for x in (t_supply_k, t_in_k, t_outlet_max_k)))
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(t_max > t_in, (t_s - t_max) / (t_max - t_in), np.inf)
    return np.where(t_s <= t_max, 0.0, ratio)


def source_limited_heat_mw(source_max_mw: np.ndarray | float, cop: np.ndarray | float
                           ) -> np.ndarray:
    """Largest heat (MW) a heat pump makes when its source gives at most ``source_max_mw``:
    the draw from the source is Q (1 - 1/COP)."""
    cop = np.asarray(cop, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(cop > 1.0, np.asarray(source_max_mw, dtype=float) / (1.0 - 1.0 / cop),
                        np.inf)


def seasonal_c(day_of_year: np.ndarray, mean_c: float, amplitude_k: float,
               warmest_day: int) -> np.ndarray:
    """Annual sinusoid (°C) peaking on ``warmest_day``: sea, waste-water or ground sources."""
    phase = 2.0 * np.pi * (np.asarray(day_of_year, dtype=float) - warmest_day) / 365.25
    return mean_c + amplitude_k * np.cos(phase)

"""Pre-heating the network ahead of a demand peak (``operation.preheat``, dynamic model).

A control room that knows a cold morning is coming raises the supply temperature hours ahead,
so that the network's water and pipe walls hold extra heat when the peak arrives: the
substations then draw less flow for the same heat and the plants produce less at the peak.
The rule is a forecast window (the demand forecast is the scenario's own demand, as the
dispatch's): :func:`preheat_k` raises the set point while a peak hour lies within the next
``lead_h`` hours and the hour itself is not one.
"""

from __future__ import annotations

import numpy as np

from simulator.config.operation import PreHeat


def peak_threshold_mw(total_demand_mw: np.ndarray, rule: PreHeat) -> float:
    """The demand (MW) at and above which an hour is a peak: the period's ``peak_quantile``."""
    return float(np.quantile(np.asarray(total_demand_mw, float), rule.peak_quantile))


def preheat_k(total_demand_mw: np.ndarray, h: int, rule: PreHeat, threshold_mw: float) -> float:
    """The raise over the curve (K) for hour ``h``: ``raise_k`` while an hour at or above
    ``threshold_mw`` (MW) lies within the next ``lead_h`` hours and hour ``h`` is below it."""
    if not rule.enabled or total_demand_mw[h] >= threshold_mw:
        return 0.0
    window = total_demand_mw[h + 1:h + 1 + rule.lead_h]
    return rule.raise_k if window.size and float(window.max()) >= threshold_mw else 0.0

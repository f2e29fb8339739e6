"""Operating limits of a heat network, checked on a solved hour (pure functions).

Pressures are gauge (bar) as pandapipes gives them; absolute = gauge + the ambient pressure at
the junction's height. Each limit kind gives the hour's worst margin (negative: violated) and
the element that sets it, over the elements the check applies to: substations that draw heat
(differential pressure, supply temperature), connected junctions (pressures), pipes with flow
(velocity).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from simulator.config.operation import Operation
from simulator.constants import C_TO_K
from simulator.heat import HeatState

#: the limit kinds, with the unit of their margin
KINDS: dict[str, str] = {"dp": "bar", "p_max": "bar", "p_min": "bar", "t_supply": "K",
                         "velocity": "m s-1"}
#: a margin above -tolerance holds (solver round-off and the control's own steps)
TOLERANCE = {"dp": 1e-3, "p_max": 1e-3, "p_min": 1e-3, "t_supply": 0.05, "velocity": 1e-3}

# IAPWS-IF97 region 4 (saturation line), eq. 30; valid 273.16 K .. 647.096 K
_N = (1167.0521452767, -724213.16703206, -17.073846940092, 12020.82470247, -3232555.0322333,
      14.91510861353, -4823.2657361591, 405113.40542057, -0.23855557567849, 650.17534844798)


def saturation_pressure_bar(t_k: np.ndarray | float) -> np.ndarray:
    """Saturation pressure of water (bar, absolute) at ``t_k`` (K), IAPWS-IF97 eq. 30.

    Checks (IF97 tables): 1.0142 bar at 100 °C, 1.9867 bar at 120 °C, 4.7610 bar at 150 °C.
    """
    n = _N
    t = np.clip(np.asarray(t_k, dtype=float), 273.16, 647.096)
    theta = t + n[8] / (t - n[9])
    a = theta**2 + n[0] * theta + n[1]
    b = n[2] * theta**2 + n[3] * theta + n[4]
    c = n[5] * theta**2 + n[6] * theta + n[7]
    return (2 * c / (-b + np.sqrt(b**2 - 4 * a * c))) ** 4 * 10.0  # MPa -> bar


@dataclass(frozen=True)
class LimitCheck:
    """One limit kind in one hour: its worst margin (NaN: nothing to check) and who sets it."""

    margin: float
    element: str
    ok: bool


@dataclass(frozen=True)
class Names:
    """Element names of the heat network (for the report) and static data."""

    consumer: Sequence[str]
    junction: Sequence[str]
    pipe: Sequence[str]
    junction_p_amb_bar: np.ndarray


def _worst(margin: np.ndarray, names: Sequence[str], kind: str) -> LimitCheck:
    valid = np.isfinite(margin)
    if not valid.any():
        return LimitCheck(float("nan"), "", True)
    i = int(np.flatnonzero(valid)[np.argmin(margin[valid])])
    return LimitCheck(float(margin[i]), str(names[i]), bool(margin[i] >= -TOLERANCE[kind]))


def drawing(state: HeatState, demand_w: np.ndarray) -> np.ndarray:
    """Substations that ask for heat this hour and are connected (whatever they got)."""
    return np.isfinite(state.consumer_dp_bar) & (np.asarray(demand_w) > 0.0)


def min_pressure_bar(state: HeatState, limits: Operation, p_amb_bar: np.ndarray) -> np.ndarray:
    """Lowest allowed gauge pressure at each junction (bar): the floor, or the saturation
    pressure at its temperature plus the margin, whichever is higher."""
    sat_gauge = saturation_pressure_bar(state.junction_t_k) - p_amb_bar
    return np.maximum(limits.min_p_bar, sat_gauge + limits.saturation_margin_bar)


def check(state: HeatState, demand_w: np.ndarray, limits: Operation, names: Names
          ) -> dict[str, LimitCheck]:
    """The hour's margin to every limit kind (``KINDS``) and the element that sets it;
    ``demand_w``: what each substation asked for (W)."""
    on = drawing(state, demand_w)
    p = state.junction_p_bar
    return {
        "dp": _worst(np.where(on, state.consumer_dp_bar - limits.min_dp_bar, np.nan),
                     names.consumer, "dp"),
        "p_max": _worst(limits.max_p_bar - p, names.junction, "p_max"),
        "p_min": _worst(p - min_pressure_bar(state, limits, names.junction_p_amb_bar),
                        names.junction, "p_min"),
        "t_supply": _worst(np.where(on & (state.consumer_q_w > 0.0),
                                    state.consumer_t_supply_k - (limits.min_supply_c + C_TO_K),
                                    np.nan), names.consumer, "t_supply"),
        "velocity": _worst(limits.max_velocity_m_per_s - np.abs(state.pipe_v_m_per_s),
                           names.pipe, "velocity"),
    }

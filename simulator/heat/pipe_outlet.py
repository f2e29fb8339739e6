"""``simulator.pipe_outlet_temperature``: one pipe's outlet temperature over a time series.

It runs :func:`simulator.heat.plugflow.step`, the step the network model will use, once per
interval of ``time_s``. Inputs are sampled series; over each interval ``(t[i-1], t[i]]`` the
mass flow and the inlet temperature hold the values of its start, ``mdot[i-1]`` and
``t_in[i-1]`` (a right-continuous step signal is thereby reproduced exactly on any grid that
contains its jumps). The returned value at ``t[i]`` is the temperature of the water leaving the
pipe at that instant (after the wall's mixing volume); at ``t[0]`` it is ``t_initial_c``.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from simulator.heat import plugflow


def _series(time_s: ArrayLike, mdot_kg_per_s: ArrayLike,
            t_in_c: ArrayLike) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The three inputs as 1-D float arrays, checked (ValueError with the reason)."""
    arrays = [np.asarray(a, dtype=float) for a in (time_s, mdot_kg_per_s, t_in_c)]
    names = ("time_s", "mdot_kg_per_s", "t_in_c")
    for name, a in zip(names, arrays, strict=True):
        if a.ndim != 1:
            raise ValueError(f"{name} must be one-dimensional, got shape {a.shape}")
        if not np.all(np.isfinite(a)):
            raise ValueError(f"{name} holds NaN or infinite values")
    if len({len(a) for a in arrays}) != 1:
        raise ValueError("time_s, mdot_kg_per_s and t_in_c must have equal lengths, got "
                         + ", ".join(str(len(a)) for a in arrays))
    if len(arrays[0]) == 0:
        raise ValueError("time_s is empty")
    if np.any(np.diff(arrays[0]) <= 0):
        raise ValueError("time_s must be strictly increasing")
    return arrays[0], arrays[1], arrays[2]


def _spec(length_m: float, inner_diameter_m: float, r_m_k_per_w: float,
          wall_heat_capacity_j_per_k: float, t_ambient_c: float) -> plugflow.PipeSpec:
    """The pipe, checked: positive length (m), diameter (m) and resistance (m K/W), a wall
    capacity (J/K) of zero or more, a finite ambient temperature (C)."""
    for name, value in (("length_m", length_m), ("inner_diameter_m", inner_diameter_m),
                        ("r_m_k_per_w", r_m_k_per_w)):
        if not (np.isfinite(value) and value > 0):
            raise ValueError(f"{name} must be positive and finite, got {value}")
    if not (np.isfinite(wall_heat_capacity_j_per_k) and wall_heat_capacity_j_per_k >= 0):
        raise ValueError("wall_heat_capacity_j_per_k must be zero or positive, got "
                         f"{wall_heat_capacity_j_per_k}")
    if not np.isfinite(t_ambient_c):
        raise ValueError(f"t_ambient_c must be finite, got {t_ambient_c}")
    return plugflow.PipeSpec(float(length_m), float(inner_diameter_m), float(r_m_k_per_w),
                             float(wall_heat_capacity_j_per_k), float(t_ambient_c))


def pipe_outlet_temperature(time_s: ArrayLike, mdot_kg_per_s: ArrayLike, t_in_c: ArrayLike,
                            *, length_m: float, inner_diameter_m: float, r_m_k_per_w: float,
                            wall_heat_capacity_j_per_k: float, t_ambient_c: float,
                            t_initial_c: float) -> np.ndarray:
    """Outlet temperature (C) of one plug-flow pipe at each of ``time_s``.

    time_s: sample times (s), strictly increasing, any spacing; mdot_kg_per_s: mass flow
    (kg/s; negative flows the other way, the inlet then being the other end); t_in_c: inlet
    water temperature (C); length_m: pipe length (m); inner_diameter_m: inner diameter (m);
    r_m_k_per_w: thermal resistance per metre between water and ambient (m K/W);
    wall_heat_capacity_j_per_k: the whole wall's heat capacity (J/K); t_ambient_c: ambient
    temperature (C); t_initial_c: uniform initial temperature of water and wall (C).
    """
    times, mdot, t_in = _series(time_s, mdot_kg_per_s, t_in_c)
    if not np.isfinite(t_initial_c):
        raise ValueError(f"t_initial_c must be finite, got {t_initial_c}")
    spec = _spec(length_m, inner_diameter_m, r_m_k_per_w, wall_heat_capacity_j_per_k,
                 t_ambient_c)
    state = plugflow.initial_state(spec, float(t_initial_c))
    out = np.empty_like(times)
    out[0] = t_initial_c
    for i in range(1, len(times)):
        state, result = plugflow.step(spec, state, float(times[i] - times[i - 1]),
                                      float(mdot[i - 1]), float(t_in[i - 1]))
        out[i] = result.t_out_c
    return out

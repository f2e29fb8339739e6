"""A numba-compiled flowing step of the plug-flow pipe, the same arithmetic as
:mod:`simulator.heat.plugflow` (``_forward_step`` and its helpers, scalar by scalar).

``step`` has the signature and results of :func:`plugflow.step`; zero flow goes to the
original. Equal to it to rounding (tests/test_network_dynamics.py); the per-call numpy
overhead of the original (~250 us a step) drops to a few microseconds.
"""

from __future__ import annotations

import math
from dataclasses import replace

import numba
import numpy as np

from simulator.heat import plugflow as pf


@numba.njit(cache=True)
def _phi(rate_per_s: float, h_s: float) -> float:
    """``integral_0^h exp(-rate s) ds`` (s)."""
    if rate_per_s == 0.0:
        return h_s
    return -math.expm1(-rate_per_s * h_s) / rate_per_s


@numba.njit(cache=True)
def _psi(rate_per_s: float, h_s: float) -> float:
    """``integral_0^h s exp(-rate s) ds`` (s^2)."""
    x = rate_per_s * h_s
    if abs(x) < 1e-3:
        return h_s * h_s * (0.5 - x / 3 + x * x / 8 - x ** 3 / 30)
    return -(math.expm1(-x) + x * math.exp(-x)) / (rate_per_s * rate_per_s)


@numba.njit(cache=True)
def _convolved(a_per_s: float, b_per_s: float, h_s: float) -> tuple[float, float]:
    """``F(h)`` and ``integral_0^h F`` of plugflow._convolved."""
    low, d = min(a_per_s, b_per_s), abs(a_per_s - b_per_s)
    f_s = math.exp(-low * h_s) * _phi(d, h_s)
    if d * h_s > 1e-4:
        return f_s, (_phi(low, h_s) - _phi(low + d, h_s)) / d
    mid = 0.5 * (a_per_s + b_per_s)
    return f_s, _psi(mid, h_s) + d * d * h_s ** 4 / 96 * math.exp(-mid * h_s)


@numba.njit(cache=True)
def _wall(wall_k: float, mdot: float, cp: float, c_wall: float, amp: np.ndarray,
          rate: np.ndarray, h: np.ndarray) -> tuple[float, float, float]:
    """plugflow._through_wall: wall excess after (K), last exit excess (K), heat out (J)."""
    n = len(amp)
    last_k = amp[n - 1] * math.exp(-rate[n - 1] * h[n - 1])
    if c_wall <= 0:
        total = 0.0
        for i in range(n):
            total += amp[i] * _phi(rate[i], h[i])
        return last_k, last_k, mdot * cp * total
    a = mdot * cp / c_wall
    integral = 0.0
    for i in range(n):
        f_s, int_f = _convolved(a, rate[i], h[i])
        integral += wall_k * _phi(a, h[i]) + a * amp[i] * int_f
        wall_k = wall_k * math.exp(-a * h[i]) + a * amp[i] * f_s
    return wall_k, last_k, mdot * cp * integral


@numba.njit(cache=True)
def _loss(mass: np.ndarray, edge: np.ndarray, slope: np.ndarray, n: int, leaving: np.ndarray,
          exit_j: np.ndarray, dt: float, mdot: float, u_in: float, tau: float, cp: float,
          water_kg: float) -> float:
    """plugflow._flow_loss_j over the old parcels ``mass, edge, slope`` (J)."""
    n_real = len(mass)
    m = min(n, n_real)
    staying = 0.0
    loss = 0.0
    for i in range(n_real):
        staying += cp * edge[i] * _phi(-slope[i], mass[i])
    for i in range(m):
        share = cp * edge[i] * _phi(-slope[i], leaving[i])
        staying -= share
        loss += share - exit_j[i]
    loss -= staying * math.expm1(-dt / tau)
    through = leaving[n - 1] if n > n_real else 0.0
    stay_s = dt - through / mdot
    loss -= cp * u_in * through * math.expm1(-water_kg / (mdot * tau))
    return loss + cp * u_in * mdot * (stay_s - _phi(1.0 / tau, stay_s))


@numba.njit(cache=True)
def _forward(mass0: np.ndarray, edge0: np.ndarray, slope0: np.ndarray, wall_k: float,
             mdot: float, dt: float, u_in: float, tau: float, cp: float, c_wall: float,
             water_kg: float):
    """plugflow._forward_step on arrays: new (mass, edge, slope), wall and outlet excess (K),
    heat out (J) and loss (J)."""
    k = len(mass0)
    mass = np.append(mass0, mdot * dt)
    edge = np.append(edge0, u_in)
    slope = np.append(slope0, 1.0 / (mdot * tau))
    out_kg = mdot * dt
    start = np.zeros(k + 1)
    for i in range(1, k + 1):
        start[i] = start[i - 1] + mass[i - 1]
    n = max(np.searchsorted(start, out_kg, side="left"), 1)
    leaving, amp, rate, h = np.empty(n), np.empty(n), np.empty(n), np.empty(n)
    for i in range(n):
        leaving[i] = min(mass[i], out_kg - start[i])
        amp[i] = edge[i] * math.exp(-(start[i] / mdot) / tau)
        rate[i] = 1.0 / tau - slope[i] * mdot
        h[i] = leaving[i] / mdot
    wall_end, last_k, heat_out = _wall(wall_k, mdot, cp, c_wall, amp, rate, h)
    exit_j = np.empty(n)
    for i in range(n):
        exit_j[i] = mdot * cp * amp[i] * _phi(rate[i], h[i])
    rest = mass[n - 1] - leaving[n - 1]
    first = n if rest <= 1e-12 * water_kg else n - 1
    new_mass, new_edge, new_slope = mass[first:].copy(), edge[first:].copy(), slope[first:].copy()
    if first == n - 1:
        new_mass[0] = rest
        new_edge[0] *= math.exp(slope[n - 1] * leaving[n - 1])
    new_edge *= math.exp(-dt / tau)
    outlet_k = wall_end if c_wall > 0 else last_k
    loss = _loss(mass0, edge0, slope0, n, leaving, exit_j, dt, mdot, u_in, tau, cp, water_kg)
    return new_mass, new_edge, new_slope, wall_end, outlet_k, heat_out, loss


def step(spec: pf.PipeSpec, state: pf.PipeState, dt_s: float, mdot_kg_per_s: float,
         t_in_c: float) -> tuple[pf.PipeState, pf.StepResult]:
    """:func:`plugflow.step`, compiled for a flowing pipe (zero flow: the original)."""
    if mdot_kg_per_s == 0.0 or dt_s <= 0:
        return pf.step(spec, state, dt_s, mdot_kg_per_s, t_in_c)
    forward = mdot_kg_per_s > 0
    if not forward:
        state = pf.mirrored(state)
    mdot, cp, amb = abs(mdot_kg_per_s), spec.cp_j_per_kg_k, spec.t_ambient_c
    u_in = t_in_c - amb
    m, e, s, wall_k, outlet_k, heat_out, loss = _forward(
        state.mass_kg, state.excess_b_k, state.slope_per_kg, float(state.wall_excess_k), mdot,
        dt_s, u_in, spec.tau_flowing_s, cp, spec.wall_heat_capacity_j_per_k, spec.water_mass_kg)
    new = pf.PipeState(m, e, s, wall_k, outlet_k)
    if not forward:
        new = replace(pf.mirrored(new), outlet_end=-1)
    out_kg = mdot * dt_s
    return new, pf.StepResult(amb + outlet_k, amb + heat_out / (out_kg * cp), out_kg * cp * u_in,
                              heat_out, loss)


def water_heat_j(spec: pf.PipeSpec, state: pf.PipeState) -> float:
    """:func:`plugflow.water_heat_j`, compiled (J above ambient)."""
    return spec.cp_j_per_kg_k * _water(state.mass_kg, state.excess_b_k, state.slope_per_kg)


@numba.njit(cache=True)
def _water(mass: np.ndarray, edge: np.ndarray, slope: np.ndarray) -> float:
    total = 0.0
    for i in range(len(mass)):
        total += edge[i] * _phi(-slope[i], mass[i])
    return total

"""An exact Lagrangian plug-flow pipe with its wall lumped at the outlet (pure numpy).

The pipe holds a queue of water parcels, ordered from end B (the outlet of a positive flow)
to end A. A step of constant mass flow pushes ``|mdot| dt`` kg in at one end and the same mass
out at the other; the outflow is the mass-weighted mix of what entered earlier (a parcel that
leaves in part is split). Temperatures are kept as the excess over ambient, ``u = T - T_amb``.

- **Heat loss of a flowing parcel** (per metre ``q' = u / R'``, water per metre ``rho A``):
  ``u(t) = u_0 exp(-t / tau)`` with ``tau = R' rho A cp``. A parcel's residence time is then
  ``rho A L / mdot`` and the steady outlet is ``T_amb + (T_in - T_amb) exp(-L / (R' mdot cp))``
  exactly. pandapipes 0.16's steady pipe uses the same exponential with ``1/R' = U pi D_outer``
  (U per outer area, falling back to the inner diameter; ambient ``text_k``, which
  ``create_pipe(std_type=...)`` defaults to 0 K) and a temperature-dependent cp, so the two
  agree to the cp difference in the exponent (``../shared/PANDAPIPES-FACTS.md``).
- **A parcel's profile.** Water entering during one step has a spread of ages, so each parcel
  stores the excess at its B-side edge and a log-slope per kg: ``u(z) = u_b exp(k (z - z_0))``.
  Uniform decay keeps that form, so parcels, splits and the steady limit are exact.
- **The wall** (``C_wall``, J/K) is one well-mixed volume the outflow passes through (the IBPSA
  PlugFlowPipe's wall capacity at the outlet): ``C du_w/dt = |mdot| cp (u_x(t) - u_w)``, with
  ``u_x(t)`` the exponential exit profile of each piece, solved exactly piece by piece. It
  loses no heat while water flows, so its steady state adds nothing.
- **At zero flow** the water and the wall share the insulation: every parcel and the wall decay
  with ``tau_0 = (m_water cp + C_wall) R' / L`` (a uniform pipe cools exactly so).

Water properties: ``cp = 4180 J/(kg K)`` and ``rho = 992.2 kg/m3``, IAPWS-95 at 40 C (cp 4178.5,
rounded), used consistently. References: van der Heijde et al. (2017), Energy Conversion and
Management 151, 158-169; the IBPSA Modelica library, ``IBPSA.Fluid.FixedResistances.PlugFlowPipe``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from functools import cached_property

import numpy as np

#: specific heat of water, J/(kg K) (IAPWS-95 at 40 C: 4178.5, rounded)
CP_WATER_J_PER_KG_K = 4180.0
#: density of water, kg/m3 (IAPWS-95 at 40 C)
RHO_WATER_KG_PER_M3 = 992.2


@dataclass(frozen=True)
class PipeSpec:
    """One pipe.

    length_m: length (m); inner_diameter_m: inner diameter (m); r_m_k_per_w: thermal
    resistance per metre between the water and the ambient (m K/W); wall_heat_capacity_j_per_k:
    the whole wall's heat capacity (J/K); t_ambient_c: ambient temperature (C);
    rho_kg_per_m3: water density (kg/m3); cp_j_per_kg_k: water specific heat (J/(kg K)).
    """

    length_m: float
    inner_diameter_m: float
    r_m_k_per_w: float
    wall_heat_capacity_j_per_k: float
    t_ambient_c: float
    rho_kg_per_m3: float = RHO_WATER_KG_PER_M3
    cp_j_per_kg_k: float = CP_WATER_J_PER_KG_K

    @cached_property
    def water_mass_kg(self) -> float:
        """Water in the pipe, kg: ``rho pi D^2 / 4 L``."""
        return self.rho_kg_per_m3 * math.pi * self.inner_diameter_m ** 2 / 4 * self.length_m

    @cached_property
    def tau_flowing_s(self) -> float:
        """Cooling time constant of a flowing parcel, s: ``R' rho A cp``."""
        return self.r_m_k_per_w * self.water_mass_kg * self.cp_j_per_kg_k / self.length_m

    @cached_property
    def tau_stagnant_s(self) -> float:
        """Cooling time constant of water and wall at zero flow, s: ``(M cp + C) R' / L``."""
        heat_capacity_j_per_k = self.water_mass_kg * self.cp_j_per_kg_k
        return ((heat_capacity_j_per_k + self.wall_heat_capacity_j_per_k) * self.r_m_k_per_w
                / self.length_m)


@dataclass(frozen=True)
class PipeState:
    """The pipe's content at one instant.

    mass_kg: parcel masses (kg), from end B to end A; excess_b_k: each parcel's excess over
    ambient at its B-side edge (K); slope_per_kg: d ln(excess)/d(mass from B) inside each
    parcel (1/kg); wall_excess_k: the wall's excess over ambient (K); outlet_excess_k: the
    water's excess where it last left the pipe, after the wall (K); outlet_end: +1 when the
    last outflow left at B, -1 at A.
    """

    mass_kg: np.ndarray
    excess_b_k: np.ndarray
    slope_per_kg: np.ndarray
    wall_excess_k: float
    outlet_excess_k: float
    outlet_end: int = 1


@dataclass(frozen=True)
class StepResult:
    """What one step did (energies relative to the ambient temperature).

    t_out_c: outlet temperature at the step's end (C); t_out_mean_c: mass-weighted mean
    temperature of the step's outflow (C; the end value at zero flow); heat_in_j,
    heat_out_j: heat carried in and out by the flow (J); heat_loss_j: heat lost to the
    ambient by water and wall (J).
    """

    t_out_c: float
    t_out_mean_c: float
    heat_in_j: float
    heat_out_j: float
    heat_loss_j: float


def initial_state(spec: PipeSpec, t_initial_c: float) -> PipeState:
    """A pipe whose water and wall are uniformly at ``t_initial_c`` (C)."""
    excess_k = t_initial_c - spec.t_ambient_c
    return PipeState(np.array([spec.water_mass_kg]), np.array([excess_k]), np.zeros(1),
                     excess_k, excess_k)


def _phi(rate_per_s: np.ndarray | float, h_s: np.ndarray | float) -> np.ndarray:
    """``integral_0^h exp(-rate s) ds`` (s), exact for any rate (1/s), ``h`` at rate 0."""
    rate, h = np.broadcast_arrays(np.asarray(rate_per_s, float), np.asarray(h_s, float))
    out = h.copy()
    nonzero = rate != 0
    out[nonzero] = -np.expm1(-rate[nonzero] * h[nonzero]) / rate[nonzero]
    return out


def water_heat_j(spec: PipeSpec, state: PipeState) -> float:
    """Heat stored in the water above ambient, J: ``cp sum u_b integral_0^m exp(k s) ds``."""
    return float(spec.cp_j_per_kg_k * np.sum(state.excess_b_k
                                             * _phi(-state.slope_per_kg, state.mass_kg)))


def stored_heat_j(spec: PipeSpec, state: PipeState) -> float:
    """Heat stored in water and wall above ambient, J."""
    return water_heat_j(spec, state) + spec.wall_heat_capacity_j_per_k * state.wall_excess_k


def mirrored(state: PipeState) -> PipeState:
    """The same content seen from the other end (parcels ordered from A to B)."""
    edge_k = state.excess_b_k * np.exp(state.slope_per_kg * state.mass_kg)
    return replace(state, mass_kg=state.mass_kg[::-1].copy(), excess_b_k=edge_k[::-1].copy(),
                   slope_per_kg=-state.slope_per_kg[::-1], outlet_end=-state.outlet_end)


def _stagnant_step(spec: PipeSpec, state: PipeState, dt_s: float) -> tuple[PipeState, StepResult]:
    """Zero flow for ``dt_s`` (s): water and wall decay together with ``tau_stagnant_s``."""
    decay = math.exp(-dt_s / spec.tau_stagnant_s)
    before_j = stored_heat_j(spec, state)
    new = replace(state, excess_b_k=state.excess_b_k * decay,
                  wall_excess_k=state.wall_excess_k * decay)
    if spec.wall_heat_capacity_j_per_k > 0:
        outlet_k = new.wall_excess_k
    else:  # the water standing at the end that was last the outlet
        outlet_k = float(new.excess_b_k[0] if new.outlet_end > 0
                         else (new.excess_b_k * np.exp(new.slope_per_kg * new.mass_kg))[-1])
    new = replace(new, outlet_excess_k=outlet_k)
    t_out_c = spec.t_ambient_c + outlet_k
    return new, StepResult(t_out_c, t_out_c, 0.0, 0.0, before_j * (1 - decay))


def _with_inflow(spec: PipeSpec, state: PipeState, mdot_kg_per_s: float, dt_s: float,
                 t_in_c: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The content with the step's inflow appended behind end A as a virtual parcel.

    Water entering at time ``t_e`` of the step sits ``mdot t_e`` kg behind A at the step's
    start; giving it the excess ``u_in exp(t_e / tau)`` makes the step's uniform decay
    ``exp(-dt / tau)`` yield its true age everywhere (slope ``1 / (mdot tau)`` per kg).
    Returns masses (kg), edge excesses (K) and slopes (1/kg), from B.
    """
    slope = 1.0 / (mdot_kg_per_s * spec.tau_flowing_s)
    mass = np.append(state.mass_kg, mdot_kg_per_s * dt_s)
    return (mass, np.append(state.excess_b_k, t_in_c - spec.t_ambient_c),
            np.append(state.slope_per_kg, slope))


def _exit_pieces(mass_kg: np.ndarray, out_kg: float) -> tuple[int, np.ndarray]:
    """How many parcels (from B) the outflow of ``out_kg`` (kg) touches, and the mass of each
    that leaves (kg); the last one may leave in part."""
    start_kg = np.concatenate(([0.0], np.cumsum(mass_kg)[:-1]))
    n = max(int(np.searchsorted(start_kg, out_kg, side="left")), 1)
    leaving_kg = np.minimum(mass_kg[:n], out_kg - start_kg[:n])
    return n, leaving_kg


def _psi(rate_per_s: float, h_s: float) -> float:
    """``integral_0^h s exp(-rate s) ds`` (s^2) for a rate (1/s) and a duration ``h_s`` (s)."""
    x = rate_per_s * h_s
    if abs(x) < 1e-3:  # series of (1 - e^-x (1 + x)) / x^2
        return h_s * h_s * (0.5 - x / 3 + x * x / 8 - x ** 3 / 30)
    return -(math.expm1(-x) + x * math.exp(-x)) / (rate_per_s * rate_per_s)


def _convolved(a_per_s: float, b_per_s: float, h_s: float) -> tuple[float, float]:
    """``F(h) = integral_0^h e^(-a (h-r)) e^(-b r) dr`` (s) and ``integral_0^h F`` (s^2),
    exact and without cancellation for any two rates (1/s), equal ones included."""
    low, d = min(a_per_s, b_per_s), abs(a_per_s - b_per_s)
    f_s = math.exp(-low * h_s) * float(_phi(d, h_s)[()])
    if d * h_s > 1e-4:
        return f_s, float((_phi(low, h_s) - _phi(low + d, h_s))[()]) / d
    # F(s) = e^(-m s) sinh(d s / 2) / (d / 2), m the mean rate: its integral to O(d^2 h^2)
    mid = 0.5 * (a_per_s + b_per_s)
    return f_s, _psi(mid, h_s) + d * d * h_s ** 4 / 96 * math.exp(-mid * h_s)


def _through_wall(spec: PipeSpec, wall_k: float, mdot_kg_per_s: float, amp_k: np.ndarray,
                  rate_per_s: np.ndarray, h_s: np.ndarray) -> tuple[float, float, float]:
    """The exit pieces pass the wall one after another: the wall's excess after them (K), the
    last exit excess before the wall (K) and the heat carried out past the wall (J).

    wall_k: wall excess at the step's start (K); mdot_kg_per_s: |mass flow| (kg/s); each
    piece enters the wall with excess ``amp_k exp(-rate_per_s s)`` for ``h_s`` seconds.
    Exact solution of ``du/ds = a (A e^(-b s) - u)``, ``a = |mdot| cp / C``:
    ``u(h) = u(0) e^(-a h) + a A F(h)`` and ``integral_0^h u = u(0) phi(a, h) + a A int F``.
    """
    cp = spec.cp_j_per_kg_k
    last_k = float(amp_k[-1] * math.exp(-rate_per_s[-1] * h_s[-1]))
    if spec.wall_heat_capacity_j_per_k <= 0:
        out_j = mdot_kg_per_s * cp * float(np.sum(amp_k * _phi(rate_per_s, h_s)))
        return last_k, last_k, out_j
    a_per_s = mdot_kg_per_s * cp / spec.wall_heat_capacity_j_per_k
    integral_ks = 0.0
    for amp, rate, h in zip(amp_k, rate_per_s, h_s, strict=True):
        f_s, int_f_s2 = _convolved(a_per_s, rate, h)
        integral_ks += wall_k * float(_phi(a_per_s, h)[()]) + a_per_s * amp * int_f_s2
        wall_k = wall_k * math.exp(-a_per_s * h) + a_per_s * amp * f_s
    return wall_k, last_k, mdot_kg_per_s * cp * integral_ks


def _remainder(mass: np.ndarray, edge: np.ndarray, slope: np.ndarray, n: int,
               leaving_kg: np.ndarray, floor_kg: float) -> tuple[np.ndarray, ...]:
    """The parcels that stay (from B): the touched parcel's rest, if any, then the others."""
    rest_kg = mass[n - 1] - leaving_kg[-1]
    if rest_kg <= floor_kg:
        return mass[n:].copy(), edge[n:].copy(), slope[n:].copy()
    new_mass, new_edge, new_slope = mass[n - 1:].copy(), edge[n - 1:].copy(), slope[n - 1:]
    new_mass[0] = rest_kg
    new_edge[0] *= math.exp(slope[n - 1] * leaving_kg[-1])
    return new_mass, new_edge, new_slope.copy()


def _forward_step(spec: PipeSpec, state: PipeState, mdot_kg_per_s: float, dt_s: float,
                  t_in_c: float) -> tuple[PipeState, StepResult]:
    """A step of positive flow ``mdot_kg_per_s`` (kg/s, in at A, out at B) for ``dt_s`` (s)
    with the inlet at ``t_in_c`` (C)."""
    tau, cp = spec.tau_flowing_s, spec.cp_j_per_kg_k
    mass, edge, slope = _with_inflow(spec, state, mdot_kg_per_s, dt_s, t_in_c)
    out_kg = mdot_kg_per_s * dt_s
    n, leaving = _exit_pieces(mass, out_kg)
    start_s = np.concatenate(([0.0], np.cumsum(mass)[: n - 1])) / mdot_kg_per_s
    amp = edge[:n] * np.exp(-start_s / tau)  # exit excess when each piece starts to leave
    rate = 1.0 / tau - slope[:n] * mdot_kg_per_s
    h_s = leaving / mdot_kg_per_s
    wall_end, last_k, heat_out_j = _through_wall(spec, state.wall_excess_k, mdot_kg_per_s,
                                                 amp, rate, h_s)
    exit_j = mdot_kg_per_s * cp * amp * _phi(rate, h_s)  # per piece, before the wall
    new_mass, new_edge, new_slope = _remainder(mass, edge, slope, n, leaving,
                                               1e-12 * spec.water_mass_kg)
    outlet_k = wall_end if spec.wall_heat_capacity_j_per_k > 0 else last_k
    new = PipeState(new_mass, new_edge * math.exp(-dt_s / tau), new_slope, wall_end, outlet_k)
    u_in_k = t_in_c - spec.t_ambient_c
    loss_j = _flow_loss_j(spec, state, dt_s, mdot_kg_per_s, n, leaving, exit_j, u_in_k)
    heat_in_j = out_kg * cp * u_in_k
    mean_c = spec.t_ambient_c + heat_out_j / (out_kg * cp)
    return new, StepResult(spec.t_ambient_c + outlet_k, mean_c, heat_in_j, heat_out_j, loss_j)


def _flow_loss_j(spec: PipeSpec, old: PipeState, dt_s: float, mdot_kg_per_s: float, n: int,
                 leaving_kg: np.ndarray, exit_j: np.ndarray, u_in_k: float) -> float:
    """Heat the water lost in a flowing step (J), element by element and independently of
    the new state: an element that stays loses ``1 - exp(-dt/tau)`` of its excess, one that
    leaves what it held minus what it took out, inflow that stays until the end
    ``cp u_in mdot ((dt - t0) - phi(1/tau, dt - t0))``, inflow that passes through
    ``1 - exp(-M / (mdot tau))`` of its excess. n: parcels touched by the outflow."""
    cp, tau = spec.cp_j_per_kg_k, spec.tau_flowing_s
    n_real = len(old.mass_kg)
    m = min(n, n_real)
    held_j = cp * old.excess_b_k * _phi(-old.slope_per_kg, old.mass_kg)
    share_j = cp * old.excess_b_k[:m] * _phi(-old.slope_per_kg[:m], leaving_kg[:m])
    staying_j = float(np.sum(held_j)) - float(np.sum(share_j))
    loss_j = float(np.sum(share_j - exit_j[:m])) - staying_j * math.expm1(-dt_s / tau)
    through_kg = leaving_kg[-1] if n > n_real else 0.0
    stay_s = dt_s - through_kg / mdot_kg_per_s
    loss_j -= cp * u_in_k * through_kg * math.expm1(-spec.water_mass_kg / (mdot_kg_per_s * tau))
    return loss_j + cp * u_in_k * mdot_kg_per_s * (stay_s - float(_phi(1.0 / tau, stay_s)[()]))


def step(spec: PipeSpec, state: PipeState, dt_s: float, mdot_kg_per_s: float,
         t_in_c: float) -> tuple[PipeState, StepResult]:
    """Advance the pipe by ``dt_s`` (s) at a constant mass flow ``mdot_kg_per_s`` (kg/s;
    positive enters at A and leaves at B, negative the other way, zero stands still), the
    water entering at ``t_in_c`` (C). Returns the new state and what the step did."""
    if dt_s <= 0:
        raise ValueError(f"the time step must be positive, got {dt_s} s")
    if mdot_kg_per_s == 0.0:
        return _stagnant_step(spec, state, dt_s)
    if mdot_kg_per_s > 0:
        return _forward_step(spec, state, mdot_kg_per_s, dt_s, t_in_c)
    new, result = _forward_step(spec, mirrored(state), -mdot_kg_per_s, dt_s, t_in_c)
    return replace(mirrored(new), outlet_end=-1), result

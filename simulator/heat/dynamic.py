"""The network-wide dynamic thermal model: plug flow in every pipe, mixing at junctions (numpy).

Each hour the hydraulics come from pandapipes' quasi-steady solve (signed pipe flows, consumer
and plant flows, the plants' outlet and the consumers' return temperatures); this module then
moves the water: every pipe is an exact Lagrangian plug-flow pipe with its wall lumped at the
outlet (:mod:`simulator.heat.plugflow`, one ``step`` per pipe and hour), and each junction takes
the mass-weighted mean temperature of all the water that reaches it over the hour (pipe
outflows, plant outflows, consumer outflows).

- **Flow order.** Consumers and plants impose their outlet temperatures, so only pipes carry
  temperature from junction to junction. Junctions are processed in a topological order of
  the hour's directed pipe-flow graph (Kahn's algorithm); the flows of a steady state form a
  DAG. If a cycle remains (a circulating loop), its junctions and everything downstream are
  solved by Jacobi sweeps from the previous hour's temperatures (each sweep steps those
  pipes from the same start state) until they move by < ``CYCLE_TOL_K`` (at most
  ``CYCLE_SWEEPS``); the heat an unconverged sweep leaves is reported in ``mixing_residual_j``.
- **A pipe's inlet** is the hour-mean temperature of its upstream junction, held constant over
  the hour (the hourly resolution of the hydraulics).
- **No inflow.** A junction no water reaches keeps the previous hour's temperature (it has no
  outflow either, so this carries no energy); pipes at zero flow (``|mdot| < MDOT_FLOOR``)
  cool toward the ground with water and wall together (plugflow's stagnant step).
- **Ground temperature changes** between hours: each parcel is flattened to its mean and
  re-expressed over the new ground temperature (energy kept exactly, the intra-parcel
  profile lost; it is exact again once the parcels are renewed).
- **Transit time** to a junction: the steady path time of the hour's flows, the mass-weighted
  mean over the inflows of (upstream transit + pipe water mass / |mdot|); it is 0 at a plant's
  and a consumer's outlet (so a return junction's value counts from the consumers). It is not
  a parcel age: under changing flows it is the transit at this hour's flows.
- **Energies** are relative to 0 C with each pipe's own ``cp`` and ``NETWORK_CP`` for plants,
  consumers and junctions; the balance closes to rounding when the cps agree and the flows
  balance at every junction (``mixing_residual_j`` reports what the flows do not balance).

Pipe specs and wall heat capacities: :mod:`simulator.heat.walls`.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from simulator.heat import plugflow as pf
from simulator.heat import plugflow_nb, routing

#: specific heat used for plants, consumers and junction mixing, J/(kg K)
NETWORK_CP_J_PER_KG_K = pf.CP_WATER_J_PER_KG_K
#: a pipe flow below this is standing water, kg/s
MDOT_FLOOR_KG_PER_S = 1e-6
#: at most this many Jacobi sweeps over the junctions left in a flow cycle, stopping once no
#: junction moves by more than CYCLE_TOL_K
CYCLE_SWEEPS, CYCLE_TOL_K = 200, 1e-9
@dataclass(frozen=True)
class Topology:
    """Static description: junction indices (0 ... n_junctions - 1) of each element's ends.

    pipe_from/pipe_to: a positive pipe flow runs from ``pipe_from`` to ``pipe_to``;
    consumer_from/consumer_to: supply and return junction; plant_from/plant_to: the return
    junction a plant draws from and the flow junction it feeds.
    """

    n_junctions: int
    pipe_from: np.ndarray
    pipe_to: np.ndarray
    consumer_from: np.ndarray
    consumer_to: np.ndarray
    plant_from: np.ndarray
    plant_to: np.ndarray


@dataclass(frozen=True)
class Hydraulics:
    """One hour's quasi-steady flows (kg/s, signed for pipes) and imposed temperatures (C).

    ``consumer_q_w`` (W), when given, makes each consumer a substation that draws at most its
    heat from the water that arrives: it returns ``max(consumer_t_out_c - reserve_k, T_arrive -
    q / (mdot cp))`` (a flow larger than its heat needs comes back warmer; a smaller one cools
    further, by at most ``reserve_k``, and beyond that delivers less). Without it the consumer
    returns ``consumer_t_out_c``.
    """

    pipe_mdot_kg_per_s: np.ndarray
    consumer_mdot_kg_per_s: np.ndarray
    consumer_t_out_c: np.ndarray
    plant_mdot_kg_per_s: np.ndarray
    plant_t_out_c: np.ndarray
    t_ground_c: float
    consumer_q_w: np.ndarray | None = None
    reserve_k: float = 0.0

    def consumer_outlet_c(self, c: np.ndarray | int, t_arrive_c: object, dt_s: float) -> object:
        """Outlet temperature (C) of consumers ``c`` at the arriving temperature (C)."""
        if self.consumer_q_w is None:
            return self.consumer_t_out_c[c]
        t_ret = self.consumer_t_out_c[c] - self.reserve_k
        m_kg = self.consumer_mdot_kg_per_s[c] * dt_s
        drop_k = self.consumer_q_w[c] * dt_s / np.maximum(m_kg * NETWORK_CP_J_PER_KG_K, 1e-300)
        return np.where(t_arrive_c > t_ret, np.maximum(t_ret, np.subtract(t_arrive_c, drop_k)),
                        t_arrive_c)


@dataclass(frozen=True)
class HourResult:
    """What an hour did. Temperatures (C) are hour means of the arriving water; energies (J)
    over the hour; stored heat relative to 0 C at the hour's end; transit times (s)."""

    junction_t_c: np.ndarray
    consumer_t_arrive_c: np.ndarray
    plant_t_arrive_c: np.ndarray
    consumer_t_out_c: np.ndarray
    consumer_transit_s: np.ndarray
    junction_transit_s: np.ndarray
    pipe_loss_j: np.ndarray
    plant_heat_j: float
    consumer_heat_j: float
    stored_heat_j: float
    mixing_residual_j: float

    def balance_residual_j(self, stored_before_j: float) -> float:
        """Plants - consumers - losses - change of stored heat - mixing residual (J)."""
        return (self.plant_heat_j - self.consumer_heat_j - float(np.sum(self.pipe_loss_j))
                - (self.stored_heat_j - stored_before_j) - self.mixing_residual_j)


def _regrounded(spec: pf.PipeSpec, state: pf.PipeState, t_ground_c: float
                ) -> tuple[pf.PipeSpec, pf.PipeState]:
    """The pipe over a new ground temperature (C), each parcel flattened to its mean."""
    shift_k = spec.t_ambient_c - t_ground_c
    mean_k = state.excess_b_k * pf._phi(-state.slope_per_kg, state.mass_kg) / state.mass_kg
    new = replace(state, excess_b_k=mean_k + shift_k, slope_per_kg=np.zeros_like(mean_k),
                  wall_excess_k=state.wall_excess_k + shift_k,
                  outlet_excess_k=state.outlet_excess_k + shift_k)
    return replace(spec, t_ambient_c=t_ground_c), new


def _pipe_heat_j(spec: pf.PipeSpec, state: pf.PipeState) -> float:
    """Heat in a pipe's water and wall relative to 0 C (J)."""
    capacity_j_per_k = spec.water_mass_kg * spec.cp_j_per_kg_k + spec.wall_heat_capacity_j_per_k
    return (plugflow_nb.water_heat_j(spec, state) + spec.wall_heat_capacity_j_per_k
            * state.wall_excess_k + capacity_j_per_k * spec.t_ambient_c)


@dataclass(frozen=True)
class Snapshot:
    """A :class:`DynamicNetwork`'s pipes (over their ground temperature), their water and
    walls, and its junction temperatures (C)."""

    specs: tuple[pf.PipeSpec, ...]
    states: tuple[pf.PipeState, ...]
    junction_t_c: np.ndarray
    stored_heat_j: float  # heat in the water and walls above 0 C (J)


class DynamicNetwork:
    """The heat content of a whole network, advanced hour by hour (see the module docstring).

    topology: the element ends; specs: one :class:`plugflow.PipeSpec` per pipe (their
    ``t_ambient_c`` is the ground, replaced each hour); t_initial_c: start temperature (C),
    one for all or one per pipe, each pipe uniform with its wall in equilibrium.
    """

    def __init__(self, topology: Topology, specs: list[pf.PipeSpec],
                 t_initial_c: float | np.ndarray) -> None:
        self.topology = topology
        self.specs = list(specs)
        t0_c = np.broadcast_to(np.asarray(t_initial_c, float), (len(self.specs),))
        self.states = [pf.initial_state(s, float(t)) for s, t in zip(self.specs, t0_c,
                                                                      strict=True)]
        self.junction_t_c = np.full(topology.n_junctions, float(np.mean(t0_c)))
        self._water_kg = np.array([s.water_mass_kg for s in self.specs])

    def snapshot(self, stored_heat_j: float | None = None) -> Snapshot:
        """The model's state, to :meth:`restore` later (pipe states are immutable);
        ``stored_heat_j``: :meth:`stored_heat_j` if known (J)."""
        stored = self.stored_heat_j() if stored_heat_j is None else stored_heat_j
        return Snapshot(tuple(self.specs), tuple(self.states), self.junction_t_c.copy(), stored)

    def restore(self, snap: Snapshot) -> None:
        """Go back to a :meth:`snapshot`."""
        self.specs, self.states = list(snap.specs), list(snap.states)
        self.junction_t_c = snap.junction_t_c.copy()

    def stored_heat_j(self) -> float:
        """Heat in all water and walls relative to 0 C (J)."""
        return float(sum(_pipe_heat_j(s, x) for s, x in zip(self.specs, self.states,
                                                               strict=True)))

    def _set_ground(self, t_ground_c: float) -> None:
        """Re-express every pipe over a new ground temperature (C) if it changed."""
        for i, (spec, state) in enumerate(zip(self.specs, self.states, strict=True)):
            if spec.t_ambient_c != t_ground_c:
                self.specs[i], self.states[i] = _regrounded(spec, state, t_ground_c)

    def _step_pipe(self, p: int, mdot: float, t_in_c: float, dt_s: float
                   ) -> tuple[pf.PipeState, pf.StepResult]:
        return plugflow_nb.step(self.specs[p], self.states[p], dt_s, mdot, t_in_c)

    def _sources(self, hyd: Hydraulics, dt_s: float) -> routing.Arrivals:
        """Arrivals from the plants, which impose their outlet temperatures."""
        topo, n = self.topology, self.topology.n_junctions
        arrivals = routing.Arrivals(np.zeros(n), np.zeros(n), np.zeros(n))
        arrivals.add(topo.plant_to, hyd.plant_mdot_kg_per_s * dt_s, hyd.plant_t_out_c, 0.0)
        return arrivals

    def _through_consumers(self, cs: list[int], hyd: Hydraulics, t_c: np.ndarray,
                           arrivals: routing.Arrivals, t_out_c: np.ndarray, dt_s: float) -> None:
        """Consumers ``cs`` take the water of their supply junction (``t_c``) and return it
        to their return junction at their outlet temperature (filled into ``t_out_c``)."""
        if not cs:
            return
        c = np.asarray(cs)
        t_out_c[c] = hyd.consumer_outlet_c(c, t_c[self.topology.consumer_from[c]], dt_s)
        arrivals.add(self.topology.consumer_to[c], hyd.consumer_mdot_kg_per_s[c] * dt_s,
                     t_out_c[c], 0.0)

    def _route(self, mdot: np.ndarray, hyd: Hydraulics, dt_s: float) -> routing.Routed:
        """Move the water through the flowing pipes and consumers in flow order (the ordered
        part in plain Python scalars: per element numpy calls cost more than the arithmetic)."""
        topo = self.topology
        flowing = np.flatnonzero(mdot != 0.0)
        up = np.where(mdot >= 0, topo.pipe_from, topo.pipe_to)
        down = np.where(mdot >= 0, topo.pipe_to, topo.pipe_from)
        drawing = np.flatnonzero(hyd.consumer_mdot_kg_per_s > 0.0)
        order, left = routing.flow_order(topo.n_junctions,
                                  np.concatenate([up[flowing], topo.consumer_from[drawing]]),
                                  np.concatenate([down[flowing], topo.consumer_to[drawing]]))
        r = routing.Routed(self.junction_t_c.copy(), np.zeros(topo.n_junctions), {},
                    hyd.consumer_t_out_c.astype(float).copy(), 0.0)
        pipes_at: dict[int, list[int]] = {}
        for p in flowing.tolist():
            pipes_at.setdefault(int(up[p]), []).append(p)
        consumers_at: dict[int, list[int]] = {}
        for c in drawing.tolist():
            consumers_at.setdefault(int(topo.consumer_from[c]), []).append(c)
        arrivals = self._sources(hyd, dt_s)
        acc = routing.ScalarArrivals(arrivals)
        t_c, age_s, t_out = r.t_c.tolist(), r.age_s.tolist(), r.consumer_t_out_c.tolist()
        mdot_l, down_l, water_l = mdot.tolist(), down.tolist(), self._water_kg.tolist()
        rule = routing.SubstationRule(
            mdot_kg_per_s=hyd.consumer_mdot_kg_per_s, t_out_c=hyd.consumer_t_out_c,
            q_w=hyd.consumer_q_w, reserve_k=hyd.reserve_k, consumer_to=topo.consumer_to,
            dt_s=dt_s, cp=NETWORK_CP_J_PER_KG_K)
        for j in order:
            if acc.mass[j] > 0.0:
                t_c[j], age_s[j] = acc.heat[j] / acc.mass[j], acc.age[j] / acc.mass[j]
            t_j, age_j = t_c[j], age_s[j]
            for p in pipes_at.get(j, ()):
                step = r.steps[p] = self._step_pipe(p, mdot_l[p], t_j, dt_s)
                flow = abs(mdot_l[p])
                acc.add(down_l[p], flow * dt_s, step[1].t_out_mean_c, age_j + water_l[p] / flow)
            for c in consumers_at.get(j, ()):
                t_out[c] = rule.outlet_c(c, t_j)
                acc.add(rule.to[c], rule.mass_kg[c], t_out[c], 0.0)
        acc.write(arrivals)
        r.t_c[:], r.age_s[:], r.consumer_t_out_c[:] = t_c, age_s, t_out
        if left.any():
            cycle = routing.Cycle([p for p in flowing if left[up[p]]],
                           [c for c in drawing if left[topo.consumer_from[c]]], up, down, left)
            r.mismatch_j = self._sweep(cycle, mdot, hyd, arrivals, r, dt_s)
        return r

    def _sweep(self, cycle: routing.Cycle, mdot: np.ndarray, hyd: Hydraulics,
               base: routing.Arrivals, r: routing.Routed, dt_s: float) -> float:
        """Jacobi sweeps over the junctions in or behind a flow cycle (fills ``r`` in place).
        Returns the heat (J) the junctions' final temperatures differ from the inlet
        temperatures the pipes last used (0 once converged)."""
        idx = np.flatnonzero(cycle.left)
        used_c: dict[int, float] = {}
        up, down = cycle.up, cycle.down
        for _ in range(CYCLE_SWEEPS):
            arrivals = routing.Arrivals(base.mass_kg.copy(), base.heat_kg_c.copy(),
                                        base.age_kg_s.copy())
            for p in cycle.pipes:
                used_c[p] = float(r.t_c[up[p]])
                r.steps[p] = self._step_pipe(p, float(mdot[p]), used_c[p], dt_s)
                arrivals.add(down[p], abs(mdot[p]) * dt_s, r.steps[p][1].t_out_mean_c,
                             r.age_s[up[p]] + self._water_kg[p] / abs(mdot[p]))
            self._through_consumers(cycle.consumers, hyd, r.t_c, arrivals, r.consumer_t_out_c,
                                    dt_s)
            previous_c = r.t_c[idx].copy()
            r.t_c[idx], r.age_s[idx] = arrivals.mean(idx, r.t_c[idx])
            if np.max(np.abs(r.t_c[idx] - previous_c)) < CYCLE_TOL_K:
                break
        return float(sum(abs(mdot[p]) * dt_s * self.specs[p].cp_j_per_kg_k
                         * (r.t_c[up[p]] - used_c[p]) for p in cycle.pipes))

    def advance(self, hyd: Hydraulics, dt_s: float = 3600.0, substeps: int = 1) -> HourResult:
        """Advance the network by ``dt_s`` (s) at the hour's hydraulics ``hyd``, in
        ``substeps`` equal steps (a junction holds its mean temperature over one step, which
        shifts a front that reaches it mid-step: finer steps, sharper fronts). Temperatures
        are the hour's means; energies the hour's sums."""
        parts = [self._advance_once(hyd, dt_s / substeps) for _ in range(substeps)]
        if substeps == 1:
            return parts[0]
        topo, last = self.topology, parts[-1]
        t_c = np.mean([r.junction_t_c for r in parts], axis=0)  # constant flows: equal weights
        return replace(
            last, junction_t_c=t_c, consumer_t_arrive_c=t_c[topo.consumer_from],
            consumer_t_out_c=np.mean([r.consumer_t_out_c for r in parts], axis=0),
            plant_t_arrive_c=t_c[topo.plant_from],
            pipe_loss_j=np.sum([r.pipe_loss_j for r in parts], axis=0),
            plant_heat_j=sum(r.plant_heat_j for r in parts),
            consumer_heat_j=sum(r.consumer_heat_j for r in parts),
            mixing_residual_j=sum(r.mixing_residual_j for r in parts))

    def _advance_once(self, hyd: Hydraulics, dt_s: float) -> HourResult:
        """One step of ``dt_s`` (s) at the hydraulics ``hyd``."""
        topo, cp = self.topology, NETWORK_CP_J_PER_KG_K
        self._set_ground(float(hyd.t_ground_c))
        raw = np.asarray(hyd.pipe_mdot_kg_per_s, float)
        mdot = np.where(np.abs(raw) < MDOT_FLOOR_KG_PER_S, 0.0, raw)
        r = self._route(mdot, hyd, dt_s)
        loss_j = np.zeros(len(self.specs))
        for p in range(len(self.specs)):
            if p not in r.steps:  # standing water
                r.steps[p] = self._step_pipe(p, 0.0, float(r.t_c[topo.pipe_from[p]]), dt_s)
            self.states[p], result = r.steps[p]
            loss_j[p] = result.heat_loss_j
        self.junction_t_c = r.t_c
        plant_m_kg = hyd.plant_mdot_kg_per_s * dt_s
        consumer_m_kg = hyd.consumer_mdot_kg_per_s * dt_s
        t_arrive_c = r.t_c[topo.consumer_from]
        return HourResult(
            junction_t_c=r.t_c, consumer_t_arrive_c=t_arrive_c,
            plant_t_arrive_c=r.t_c[topo.plant_from], consumer_t_out_c=r.consumer_t_out_c,
            consumer_transit_s=r.age_s[topo.consumer_from], junction_transit_s=r.age_s,
            pipe_loss_j=loss_j,
            plant_heat_j=float(np.sum(plant_m_kg * cp
                                      * (hyd.plant_t_out_c - r.t_c[topo.plant_from]))),
            consumer_heat_j=float(np.sum(consumer_m_kg * cp
                                         * (t_arrive_c - r.consumer_t_out_c))),
            stored_heat_j=self.stored_heat_j(),
            mixing_residual_j=self._mixing_residual_j(mdot, hyd, r.t_c, dt_s) + r.mismatch_j)

    def _mixing_residual_j(self, mdot: np.ndarray, hyd: Hydraulics, t_c: np.ndarray,
                           dt_s: float) -> float:
        """Heat the flows bring into the junctions but do not take out (J):
        ``cp T_j (in - out)``, zero when the hour's flows balance at every junction."""
        topo, n = self.topology, self.topology.n_junctions
        net_kg_per_s = (np.bincount(topo.pipe_to, mdot, n) - np.bincount(topo.pipe_from, mdot, n)
                        + np.bincount(topo.plant_to, hyd.plant_mdot_kg_per_s, n)
                        - np.bincount(topo.plant_from, hyd.plant_mdot_kg_per_s, n)
                        + np.bincount(topo.consumer_to, hyd.consumer_mdot_kg_per_s, n)
                        - np.bincount(topo.consumer_from, hyd.consumer_mdot_kg_per_s, n))
        return NETWORK_CP_J_PER_KG_K * float(np.sum(net_kg_per_s * t_c)) * dt_s

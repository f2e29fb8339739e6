"""Routing helpers of the dynamic network model (:mod:`simulator.heat.dynamic`): the flow
order of the junctions, what reaches each junction over a step, the substations' rule."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


def flow_order(n_junctions: int, up: np.ndarray, down: np.ndarray) -> tuple[list[int], np.ndarray]:
    """Kahn's topological order of the junctions over the flowing pipes ``up -> down``, and a
    mask of the junctions it could not order (in or behind a flow cycle)."""
    indegree = np.bincount(down, minlength=n_junctions)
    by_up = np.argsort(up, kind="stable")
    starts = np.searchsorted(up[by_up], np.arange(n_junctions + 1))
    ready = list(np.flatnonzero(indegree == 0))
    order: list[int] = []
    while ready:
        j = ready.pop()
        order.append(int(j))
        for p in by_up[starts[j]:starts[j + 1]]:
            indegree[down[p]] -= 1
            if indegree[down[p]] == 0:
                ready.append(down[p])
    left = np.ones(n_junctions, bool)
    left[order] = False
    return order, left


@dataclass
class Arrivals:
    """What reaches each junction over the hour: mass (kg), mass x temperature (kg C) and
    mass x transit (kg s)."""

    mass_kg: np.ndarray
    heat_kg_c: np.ndarray
    age_kg_s: np.ndarray

    def add(self, j: np.ndarray | int, mass_kg: object, t_c: object, age_s: object) -> None:
        """Water of ``mass_kg`` at ``t_c`` (C), ``age_s`` (s) old, arriving at junction j."""
        np.add.at(self.mass_kg, j, mass_kg)
        np.add.at(self.heat_kg_c, j, np.multiply(mass_kg, t_c))
        np.add.at(self.age_kg_s, j, np.multiply(mass_kg, age_s))

    def mean(self, j: np.ndarray | int, t_prev_c: object) -> tuple[object, object]:
        """Mean temperature (C, ``t_prev_c`` where nothing arrives) and transit (s)."""
        m = self.mass_kg[j]
        some = m > 0
        safe = np.where(some, m, 1.0)
        return (np.where(some, self.heat_kg_c[j] / safe, t_prev_c),
                np.where(some, self.age_kg_s[j] / safe, 0.0))


class ScalarArrivals:
    """:class:`Arrivals` as Python lists, for the ordered loop."""

    def __init__(self, arrivals: Arrivals) -> None:
        self.mass = arrivals.mass_kg.tolist()
        self.heat = arrivals.heat_kg_c.tolist()
        self.age = arrivals.age_kg_s.tolist()

    def add(self, j: int, mass_kg: float, t_c: float, age_s: float) -> None:
        self.mass[j] += mass_kg
        self.heat[j] += mass_kg * t_c
        self.age[j] += mass_kg * age_s

    def write(self, arrivals: Arrivals) -> None:
        arrivals.mass_kg[:], arrivals.heat_kg_c[:], arrivals.age_kg_s[:] = (
            self.mass, self.heat, self.age)


class SubstationRule:
    """:meth:`dynamic.Hydraulics.consumer_outlet_c`, one consumer at a time in Python scalars."""

    def __init__(self, mdot_kg_per_s: np.ndarray, t_out_c: np.ndarray, q_w: np.ndarray | None,
                 reserve_k: float, consumer_to: np.ndarray, dt_s: float, cp: float) -> None:
        self.to = consumer_to.tolist()  # each consumer's return junction
        self.mass_kg = (mdot_kg_per_s * dt_s).tolist()
        self.fixed = q_w is None
        self.t_ret = (t_out_c - (0.0 if q_w is None else reserve_k)).tolist()
        q = np.zeros_like(mdot_kg_per_s) if q_w is None else q_w
        self.drop_k = (q / np.maximum(mdot_kg_per_s * cp, 1e-300)).tolist()

    def outlet_c(self, c: int, t_arrive_c: float) -> float:
        if self.fixed:
            return self.t_ret[c]
        t_ret = self.t_ret[c]
        return max(t_ret, t_arrive_c - self.drop_k[c]) if t_arrive_c > t_ret else t_arrive_c


@dataclass
class Routed:
    """An hour's routing: junction temperatures (C) and transits (s), the pipes' steps, the
    consumers' outlet temperatures (C) and a cycle mismatch (J)."""

    t_c: np.ndarray
    age_s: np.ndarray
    steps: dict[int, tuple]
    consumer_t_out_c: np.ndarray
    mismatch_j: float


@dataclass(frozen=True)
class Cycle:
    """The flowing pipes and drawing consumers whose upstream junction is in or behind a
    flow cycle (``left``), with the hour's up- and downstream ends of every pipe."""

    pipes: list[int]
    consumers: list[int]
    up: np.ndarray
    down: np.ndarray
    left: np.ndarray

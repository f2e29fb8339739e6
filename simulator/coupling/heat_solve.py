"""The heat solve of an hour: a policy's plan through pandapipes, with its retries.

:class:`HeatSolve` asks the policy for a plan, solves the heat network for it as the operator
(:mod:`simulator.operation.control`) runs it (lift, supply temperature, under-supplied
substations), settles the stores on what each plant delivered and has the policy book each
plant's heat on its units.
When the pressure-holding (slack) plant had to deliver more than its units can make, it plans
again with less demand served; when a solve with fixed-flow plants fails, it retries with them
scaled down (the slack plant takes the difference).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from simulator.adapters import HeatAdapter
from simulator.dispatch import DispatchPolicy, HourContext
from simulator.heat import HeatInputs, HeatState
from simulator.inputs import HourlyInputs
from simulator.operation.control import Operator, Setpoints
from simulator.operation.preheat import peak_threshold_mw, preheat_k
from simulator.supply.books import UnitTables
from simulator.supply.storage import StoreBank

#: Overflow of the slack plant beyond its units' capacity (share of its heat) that makes the
#: step re-solve with less demand served instead of booking the excess on the last unit.
OVERFLOW_TOLERANCE = 0.002
MAX_PASSES = 3
#: When a solve with fixed-flow plants fails (typically the slack plant's flow reversing because
#: the fixed plants overshoot at a small temperature difference), retry with them scaled down;
#: the slack plant takes the difference and the books follow the solved heat.
FIXED_PLANT_BACK_OFF = (1.0, 0.9, 0.7)


@dataclass(frozen=True)
class SolvedHeat:
    """A converged heat network and the heat booked on it (MW)."""

    state: HeatState
    unit_heat_mw: np.ndarray  # heat of each producer
    store_mw: np.ndarray  # net heat of each store, settled on what its plant delivered


#: re-solves the operator may ask for in one heat solve (lift, supply temperature, under-supply).
#: 12, not 6: at summer-night flows a supply boost reaches the far substations with a gain of
#: ~0.45, so the shortfall closes geometrically (Espoo, June nights with the demand rhythm:
#: 27 of 96 hours stayed 0.07 K short after 6 responses, none after 12)
MAX_RESPONSES = 12

#: the longest trip of the water (h) the operator's look-ahead follows
MAX_TRIP_H = 168

SolvedContext = Callable[[HeatState], HourContext]


class HeatSolve:
    """Solves the heat network of an hour for a policy, as the operator runs it; remembers the
    last network loss and plant inlet temperatures."""

    def __init__(self, heat: HeatAdapter, bank: StoreBank, inputs: HourlyInputs,
                 operator: Operator, tables: UnitTables) -> None:
        self._heat = heat
        self._tables = tables
        self._bank = bank
        self._inputs = inputs
        self._operator = operator
        self._n_plants = len(heat.plant_names)
        #: expected network heat loss (MW): the last converged solve's
        self.loss_guess_mw = 0.0
        #: temperature arriving at each plant (K) in the last converged solve (NaN: none yet)
        self.plant_t_in_k = np.full(self._n_plants, np.nan)
        self._total_mw = inputs.demand_mw.sum(axis=1)
        self._peak_mw = peak_threshold_mw(self._total_mw, operator.limits.preheat)

    @property
    def n_plants(self) -> int:
        """Plants of the network, the pressure-holding plant first."""
        return self._n_plants

    def run(self, h: int, policy: DispatchPolicy, solved: SolvedContext) -> SolvedHeat | None:
        """Plan, solve and book hour ``h``; None when the heat network does not converge.

        ``solved(state)`` gives the hour's context at a solved state's temperatures (heat-pump
        capacities and booster shares), with which the policy books each plant's heat.
        """
        demand_mw = self._inputs.demand_mw[h]
        served_mw = float(demand_mw.sum())
        for _ in range(MAX_PASSES):
            plan = policy.plan(served_mw, self.loss_guess_mw)
            scale = plan.served_fraction * served_mw / max(float(demand_mw.sum()), 1e-12)
            state = self._operate(h, demand_mw * scale, plan.fixed_plant_mw,
                                  self._ceiling_k(h, plan.unit_heat_mw))
            if not state.converged:
                return None
            self.loss_guess_mw = state.loss_w * 1e-6
            self.plant_t_in_k = np.where(np.isfinite(state.plant_t_return_k),
                                         state.plant_t_return_k, self.plant_t_in_k)
            plant_mw = state.plant_q_w * 1e-6
            settled = self._bank.settle(plant_mw, plan.store_mw)
            heat_mw, overflow = policy.split(
                plant_mw - self._bank.per_plant(settled, self._n_plants), solved(state))
            if overflow[0] <= OVERFLOW_TOLERANCE * plant_mw[0]:
                break
            served_mw = max(served_mw * scale - overflow[0], 0.0)
        return SolvedHeat(state, heat_mw, settled)

    def _ceiling_k(self, h: int, unit_heat_mw: np.ndarray) -> float:
        """Hottest supply-curve temperature the planned units can make (K), for the operator's
        boost (a step added to every plant's own set point): a planned heat pump whose booster
        is neither planned to run nor free to start at any load (a booster with a minimum load
        cannot give a few MW) stops the step at its outlet limit over its plant's set point;
        inf when there is none. Never below the curve: a set point already above a heat pump's
        limit is the dispatch's business (its capacity there), not the boost's."""
        t = self._tables
        b = np.maximum(t.booster, 0)
        idle_booster = (unit_heat_mw[b] <= 0.0) & (t.min_load_fraction[b] > 0.0)
        alone = (unit_heat_mw > 0.0) & np.isfinite(t.t_outlet_max_k) & (
            (t.booster < 0) | idle_booster)
        if not alone.any():
            return float("inf")
        own_k = self._inputs.supply_k(h, t.plant[alone])
        room_k = float(np.min(t.t_outlet_max_k[alone] - own_k))
        return float(self._inputs.t_supply_k[h]) + max(room_k, 0.0)

    def _operate(self, h: int, consumer_mw: np.ndarray, fixed_plant_mw: np.ndarray,
                 t_ceiling_k: float) -> HeatState:
        """Solve, then let the operator answer the solved state until it is content.

        A response whose solve fails leaves the last converged state standing.
        """
        demand_w = self._inputs.demand_mw[h] * 1e6
        load_w = float(consumer_mw.sum()) * 1e6
        sp = self._operator.start(
            float(self._inputs.t_supply_k[h]), t_ceiling_k, load_w,
            arrival_load_w=self._arrival_load_w(h, load_w),
            preheat_k=preheat_k(self._total_mw, h, self._operator.limits.preheat, self._peak_mw))
        state = self._solve(h, consumer_mw, fixed_plant_mw, sp)
        for _ in range(MAX_RESPONSES):
            nxt = self._operator.respond(sp, state, demand_w) if state.converged else None
            if nxt is None:
                break
            share = float((consumer_mw * nxt.served).sum() / max(consumer_mw.sum(), 1e-12))
            trial = self._solve(h, consumer_mw * nxt.served, fixed_plant_mw * min(share, 1.0),
                                nxt)
            if not trial.converged:
                break
            sp, state = nxt, trial
        moved = self._heat.moved(state)  # the dynamic model moves the water for the one kept
        self._operator.learn(moved)
        return moved

    def _arrival_load_w(self, h: int, load_w: float) -> float:
        """The load (W) the water leaving in hour ``h`` travels at on its way to the critical
        substation (the dynamic model; NaN in the steady one): the demand forecast's mean over
        the trip, at this hour's served share. The trip is ``lead_h`` hours at this hour's
        flow; at the forecast flows (~ load) it lasts until the forecast load summed from
        ``h`` reaches ``lead_h`` times this hour's (a transit drop ~ residence ~ 1 / mean
        flow)."""
        lead_h = self._operator.lead_h
        if lead_h <= 0.0:
            return float("nan")
        total = self._total_mw
        now = max(float(total[h]), 1e-12)
        travelled = np.cumsum(total[h:h + MAX_TRIP_H])
        hours = min(int(np.searchsorted(travelled, lead_h * now)) + 1, len(travelled))
        return load_w * float(travelled[hours - 1]) / hours / now

    def _solve(self, h: int, consumer_mw: np.ndarray, fixed_plant_mw: np.ndarray,
               sp: Setpoints) -> HeatState:
        """One network solve at the operator's set points, backing the fixed-flow plants off
        while it fails."""
        inp = self._inputs
        # each plant at its own set point, raised by the operator's supply boost
        t_supply_k = inp.supply_k(h, np.arange(self._n_plants)) + (
            sp.t_supply_k - float(inp.t_supply_k[h]))
        for back_off in FIXED_PLANT_BACK_OFF:
            state = self._heat.step(HeatInputs(
                consumer_q_w=consumer_mw * 1e6, t_supply_k=t_supply_k,
                t_return_k=inp.t_return_k, t_ground_k=float(inp.t_ground_k[h]),
                fixed_plant_q_w=fixed_plant_mw * back_off * 1e6, slack_plift_bar=sp.plift_bar,
                slack_hold_p_bar=sp.hold_p_bar,
            ))
            if state.converged or not fixed_plant_mw.any():
                break
        return state

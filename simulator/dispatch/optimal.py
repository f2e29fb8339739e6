"""The ``optimal`` policy: a rolling-horizon optimisation of units and stores (linopy + HiGHS).

Every ``dispatch.step_h`` hours the policy solves the program of
:mod:`simulator.dispatch.optimal_model` over the next ``horizon_h`` hours, with the forecast of
:mod:`simulator.dispatch.forecast`, and then plans each hour from that schedule: the stores do
what the schedule says (within the hour's limits), the units run at their scheduled heat and
the difference the network makes (the loss the schedule could only estimate, what the grid
curtails) moves onto the units in the order of the hour's values, as a plant's operator would.

It solves again before the step is over when the hour no longer matches the schedule: the grid
curtailed a unit (the curtailment becomes a limit of the next program: the schedule learns the
grid), a unit or store has less capacity than scheduled (an event), or the first network loss
is known. When HiGHS returns no schedule (time limit, error), the hour is planned by the merit
order (``dispatch.order_by``), the cube's ``dispatch_fallback`` says so, and the next attempt
is ``step_h`` hours later.
"""

from __future__ import annotations

import numpy as np

from simulator.dispatch.forecast import Forecaster
from simulator.dispatch.horizon import Schedule, Shape
from simulator.dispatch.merit import (
    Boost,
    _boosted,
    _follow,
    merit_order,
    plant_plan,
    served_target,
)
from simulator.dispatch.merit_order import MeritOrderPolicy
from simulator.dispatch.optimal_model import HorizonModel
from simulator.dispatch.plan import HourContext, HourOutcome, Plan
from simulator.dispatch.policy import PolicySetup, RankedPolicy, register_policy

#: heat (MW) by which the hour may fall short of the schedule before the policy solves again
REPLAN_MW = 1.0
#: share of the hour's heat the pressure-holding plant's units keep free while its stores
#: charge: that plant takes whatever the network needs beyond the plan (the loss estimate's
#: error), and it should not have to start a unit at minimum load for it
SLACK_RESERVE = 0.05


@register_policy("optimal")
class OptimalPolicy(RankedPolicy):
    """Rolling-horizon optimal dispatch (``dispatch.objective``: co2, cost or weighted)."""

    def __init__(self, setup: PolicySetup) -> None:
        super().__init__(setup)
        s = setup.settings
        self.shape = Shape.build(setup.tables, setup.n_plants, setup.store_plant, setup.stores)
        self.forecaster = Forecaster(setup, self.shape)
        self._model = HorizonModel(self.shape, s.horizon_h, s.horizon_h, s.time_limit_s,
                                   s.mip_gap)
        self._schedule: Schedule | None = None
        self._values = np.zeros((0, len(setup.tables.units)))
        self._h0 = -1  # hour the schedule starts at
        self._failed_at: int | None = None
        self._solved_blind = False  # solved before any network loss was known
        self._merit: MeritOrderPolicy | None = None
        self._fallback = False
        self.solves, self.failures, self.solve_seconds = 0, 0, 0.0

    # -- the hour -------------------------------------------------------------------------
    def begin(self, hour: HourContext) -> None:
        if self._needs_solve(hour):
            self._solve(hour)
        self._fallback = self._tau(hour.hour) is None
        if self._fallback:
            self._merit_policy().begin(hour)
            self._hour = hour
            return
        super().begin(hour)

    def rank(self, hour: HourContext) -> np.ndarray:
        tau = self._tau(hour.hour)
        return merit_order(self._values[tau], "co2", self.tables.must_run)

    def store_heat(self, hour: HourContext) -> np.ndarray:
        """The scheduled store heat within the hour's limits. Stores charge only from what
        their plant's units can still make (after any curtailment; units off that have a
        minimum load do not count) beyond the plant's planned feed-in, and at the
        pressure-holding plant only while ``SLACK_RESERVE`` stays free."""
        tau = self._tau(hour.hour)
        if self._schedule is None or tau is None or not len(self.setup.store_plant):
            return np.zeros(len(self.setup.store_plant))
        net = np.clip(self._schedule.store_mw[tau], -hour.store_charge_max_mw,
                      hour.store_discharge_max_mw)
        for p in np.unique(self.setup.store_plant):
            at = (self.setup.store_plant == p) & (net < 0.0)
            heat = self._schedule.heat_mw[tau]
            units = (self.tables.plant == p) & ((self.min_mw <= 0.0) | (heat > 0.0))
            feed = float(heat[self.tables.plant == p].sum()) + float(
                self._schedule.store_mw[tau][self.setup.store_plant == p].sum())
            reserve = SLACK_RESERVE * (hour.demand_mw + hour.loss_mw) if p == 0 else 0.0
            room = max(float(hour.capacity_mw[units].sum()) - max(feed, 0.0) - reserve, 0.0)
            if -net[at].sum() > room:
                net[at] *= room / -net[at].sum()
        return net

    def plan(self, served_mw: float, loss_mw: float) -> Plan:
        if self._fallback:
            return self._merit_policy().plan(served_mw, loss_mw)
        hour, stores = self.hour, self._store_mw
        tau = self._tau(hour.hour)
        assert self._schedule is not None and tau is not None
        served, target = served_target(served_mw, loss_mw,
                                       float(hour.capacity_mw.sum() + stores.sum()))
        heat = follow_plan(self._schedule.heat_mw[tau], target - float(stores.sum()),
                           hour.capacity_mw, self.order, self.min_mw, self.boost(hour))
        self._planned = heat
        return plant_plan(served, target, heat, self.tables.plant, self.setup.n_plants,
                          stores, self.setup.store_plant)

    def split(self, plant_heat_mw: np.ndarray, solved: HourContext
              ) -> tuple[np.ndarray, np.ndarray]:
        if self._fallback:
            return self._merit_policy().split(plant_heat_mw, solved)
        return super().split(plant_heat_mw, solved)

    def curtail(self, hour: HourContext) -> None:
        if self._fallback:
            self._merit_policy().curtail(hour)
            self._hour = hour
            return
        super().curtail(hour)

    def hear(self, outcome: HourOutcome) -> None:
        """Remember the network loss; a grid curtailment becomes a limit of the next program."""
        self.forecaster.hear(outcome)

    def record(self) -> dict[str, float]:
        return {"dispatch_fallback": float(self._fallback)}

    # -- the rolling horizon --------------------------------------------------------------
    def _tau(self, h: int) -> int | None:
        """Position of hour ``h`` in the schedule; None when it has none for ``h``."""
        if self._schedule is None or not 0 <= h - self._h0 < len(self._schedule.heat_mw):
            return None
        return h - self._h0

    def _needs_solve(self, hour: HourContext) -> bool:
        h, tau = hour.hour, self._tau(hour.hour)
        if tau is None:  # no schedule: try again a step after a failure
            return self._failed_at is None or h - self._failed_at >= self.settings.step_h
        if tau >= self.settings.step_h or self.forecaster.learned_since(self._h0):
            return True
        if self._solved_blind and self.forecaster.knows_loss:
            return True
        assert self._schedule is not None
        short = np.clip(self._schedule.heat_mw[tau] - hour.capacity_mw, 0.0, None).sum()
        store = self._schedule.store_mw[tau]
        short += np.clip(store - hour.store_discharge_max_mw, 0.0, None).sum()
        short += np.clip(-store - hour.store_charge_max_mw, 0.0, None).sum()
        return bool(short > REPLAN_MW)

    def _solve(self, hour: HourContext) -> None:
        data = self.forecaster.horizon(hour)
        schedule = self._model.solve(data)
        self.solves += 1
        if schedule is None:
            self.failures += 1
            self._schedule, self._failed_at = None, hour.hour
            return
        self.solve_seconds += schedule.seconds
        self._schedule, self._h0, self._failed_at = schedule, hour.hour, None
        self._values = data.value_heat + np.divide(
            data.value_on, self.tables.heat_max_mw, out=np.zeros_like(data.value_on),
            where=self.tables.heat_max_mw > 0)
        self._solved_blind = not self.forecaster.knows_loss

    def _merit_policy(self) -> MeritOrderPolicy:
        if self._merit is None:
            self._merit = MeritOrderPolicy(self.setup)
        return self._merit


def follow_plan(planned_mw: np.ndarray, target_mw: float, capacity_mw: np.ndarray,
                order: np.ndarray, min_mw: np.ndarray, boost: Boost | None = None
                ) -> np.ndarray:
    """Producer heat (MW) as close to ``planned_mw`` as the hour allows: each unit within its
    capacity (a boosted heat pump's booster keeps its share), and the difference to
    ``target_mw`` moved onto the units in ``order`` as a plant's operator would
    (:func:`~simulator.dispatch.merit.split_plant_heat`: running units last in order first,
    then idle ones)."""
    heat = np.minimum(np.asarray(planned_mw, dtype=float), capacity_mw)
    if boost is not None:
        hp = np.flatnonzero(_boosted(boost) & (heat > 0.0))
        for i in hp:  # a heat pump runs only as far as its booster can lift it
            b = int(boost.booster[i])
            heat[i] = min(heat[i], capacity_mw[b] / boost.ratio[i])
        carried = np.bincount(boost.booster[hp], weights=heat[hp] * boost.ratio[hp],
                              minlength=len(heat))
        heat = np.where(carried > 0.0, np.maximum(heat, np.minimum(carried, capacity_mw)),
                        heat)
    _follow(heat, target_mw - float(heat.sum()), np.asarray(capacity_mw, dtype=float),
            np.asarray(order), np.asarray(min_mw, dtype=float), boost)
    return heat

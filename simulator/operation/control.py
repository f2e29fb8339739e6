"""The control room's response to an hour the network could not run as planned.

After each solve the :class:`Operator` looks at the critical substation and answers with new
set points, which the heat solve then runs:

1. **Differential-pressure control** (``dp_control``): the pressure-holding plant keeps its
   return pressure and sets its lift so that the worst substation that draws heat sits at
   ``min_dp_bar`` (+ a 0.01 bar dead band), within ``[min_lift_bar, max_lift_bar]``. Flows are
   set by the substations, so the lift moves every substation's differential pressure one to
   one and one re-solve settles it.
2. **Static pressure** (``pressure_hold``): when a junction is below its minimum pressure
   (``min_p_bar``, or saturation + margin), the plant raises the return pressure it holds by
   the shortfall (+ 0.01 bar), as far as the highest pressure in the network stays within
   ``max_p_bar`` (every pressure moves with it).
3. **Supply-temperature boost** (``supply_boost``): every plant's set point moves by one step
   (the same for all, never below the hour's curve) until the coldest drawing substation's
   supply sits between ``min_supply_c`` and 0.4 K above it, up to ``max_supply_c`` and never
   beyond what the planned units can make (a heat pump whose booster is not running stops at
   its outlet limit): a substation left cold is flagged. Each step aims at the minimum +
   0.2 K through the gain of that substation's supply on the set point (K per K), measured by
   the secant of the hour's last two solves, else the last one measured (1 at the start: the
   step is the shortfall). Feed-forward, as a control room sets its supply temperature: an
   hour starts at the set point that the last solved hour's drop to its coldest substation
   calls for. Stepping by the shortfall from the curve every hour, Espoo's summer hours needed
   ~4 re-solves each (the gain there is ~0.4: transit losses at small flows), Schutterwald's
   and Ringtown's ~2 (20.8 ms per hour against 8-9 in winter).
4. **Under-supply**: a substation still below ``min_dp_bar`` at the maximum lift gets the flow
   its fully open valve passes, ``m sqrt(dp / min_dp)`` (valve law: flow ~ sqrt(dp)), so it
   takes that share of its demand; the rest is unserved. The share is found by fixed-point
   iteration (half-steps after the first), re-solving with the reduced demand each time.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from simulator.config.operation import Operation
from simulator.constants import C_TO_K
from simulator.heat import HeatState
from simulator.operation.limits import drawing, min_pressure_bar

DP_DEAD_BAND_BAR = 0.01
T_DEAD_BAND_K = 0.2
#: a set point change smaller than this is no change
LIFT_STEP_BAR = 0.005
SERVED_STEP = 1e-3
#: smallest gain of the coldest substation's supply on the set point the boost steps by (1):
#: Espoo's summer nights measure ~0.4 (transit losses at small flows)
MIN_GAIN = 0.2
#: the dynamic model's feedback (``Operator.learn``): the share of the bias kept an hour (1;
#: estimate: a ~1 day memory, the period of the load) and its ceiling (K)
BIAS_DECAY, MAX_BIAS_K = 0.96, 15.0


@dataclass(frozen=True)
class Setpoints:
    """What the operator sets for one heat solve."""

    plift_bar: float  # lift of the pressure-holding plant (bar)
    hold_p_bar: float  # return (static) pressure the pressure-holding plant keeps (bar, gauge)
    t_supply_k: float  # supply temperature of every plant (K)
    served: np.ndarray  # share of each substation's demand it can draw (1)
    #: hottest supply the running units can make (K): a heat pump without a running booster
    #: stops at its outlet limit, so the supply boost cannot go beyond it
    t_ceiling_k: float = float("inf")
    #: the supply-temperature curve's value for the hour (K): the boost never eases below it
    t_curve_k: float = float("-inf")


class Operator:
    """Sets the pressure-holding plant's lift, the supply temperature and what substations
    the lift cannot reach still draw."""

    def __init__(self, limits: Operation, base_lift_bar: float, hold_p_bar: float,
                 n_consumers: int, p_amb_bar: np.ndarray) -> None:
        c = limits.dp_control
        self.limits = limits
        self.base_hold_bar = hold_p_bar
        self._p_amb_bar = p_amb_bar
        self.min_lift_bar = c.min_lift_bar if c.min_lift_bar is not None else base_lift_bar
        ceiling = limits.max_p_bar - hold_p_bar  # the flow side at the pressure class
        self.max_lift_bar = max(c.max_lift_bar if c.max_lift_bar is not None else ceiling,
                                self.min_lift_bar)
        self._n = n_consumers
        #: set point minus the coldest drawing substation's supply in the last solved state (K)
        self._drop_k: float | None = None
        self._load_w = 0.0
        #: the coldest substation's supply change per set-point change, last seen (1)
        self._gain = 1.0
        #: this hour's last (set point, coldest substation supply) (K, K)
        self._trial: tuple[float, float] | None = None
        #: this hour's load over the load when its water arrives at the critical substation (1)
        self._ahead = 1.0
        #: hours the water takes to the critical substation, in the last kept state (h)
        self.lead_h = 0.0
        #: the dynamic model: how much colder than the look-ahead said the water arrived
        #: lately (K), added to the target (feedback from the substations' measurements)
        self.bias_k = 0.0

    def start(self, t_supply_k: float, t_ceiling_k: float = float("inf"),
              load_w: float = float("nan"), arrival_load_w: float = float("nan"),
              preheat_k: float = 0.0) -> Setpoints:
        """An hour's first set points: the minimum lift, the file's static pressure, every
        substation served, and the curve's temperature ``t_supply_k`` (K) or, with the supply
        boost on, what the last solved hour's drop to the coldest substation calls for, if
        hotter; ``t_ceiling_k`` caps the boost (K); ``load_w``, the heat the substations are
        to draw this hour (W), scales the last hour's drop (NaN: taken as it was).

        Look-ahead (the dynamic thermal model): ``arrival_load_w`` is the load forecast for
        when the water leaving now reaches the critical substation (``lead_h`` later, W); the
        drop is taken at that load, since the water must be warm enough when it arrives.
        ``preheat_k``: the pre-heating rule's raise over the curve (K, within the limits)."""
        ceiling = max(t_ceiling_k, t_supply_k)
        boost = self.limits.supply_boost
        floor_k = max(t_supply_k, min(t_supply_k + preheat_k, boost.max_supply_c + C_TO_K,
                                      ceiling))
        t_k = floor_k
        self._trial = None
        self._ahead = (float(np.clip(load_w / arrival_load_w, 0.5, 2.0))
                       if load_w > 0.0 and arrival_load_w > 0.0 else 1.0)
        if boost.enabled and self._drop_k is not None:
            drop_k = self._drop_k
            if self._load_w > 0.0 and load_w > 0.0:  # transit drop ~ 1 / flow ~ 1 / load
                drop_k *= self._load_w / load_w
            want = (self.limits.min_supply_c + C_TO_K + T_DEAD_BAND_K + self.bias_k
                    + drop_k * self._ahead)
            t_k = max(floor_k, min(want, boost.max_supply_c + C_TO_K, ceiling))
        return Setpoints(self.min_lift_bar, self.base_hold_bar, t_k, np.ones(self._n),
                         ceiling, floor_k)

    def respond(self, sp: Setpoints, state: HeatState, demand_w: np.ndarray
                ) -> Setpoints | None:
        """New set points for a solved state, or None when nothing should change;
        ``demand_w``: what each substation asks for (W)."""
        on = drawing(state, demand_w)
        if not on.any():
            return None
        lift = self._lift(sp, state, on)
        if sp.served.min() < 1.0:  # ease off only once every substation is served again
            lift = max(lift, sp.plift_bar)
        new = replace(sp, plift_bar=lift, hold_p_bar=self._hold(sp, state, lift - sp.plift_bar),
                      t_supply_k=self._supply(sp, state, on))
        at_max = (not self.limits.dp_control.enabled
                  or new.plift_bar >= self.max_lift_bar - LIFT_STEP_BAR)
        if at_max:  # the lift cannot help any more: starved substations draw what they get
            new = replace(new, served=self._served(sp, state, new.plift_bar - sp.plift_bar))
        changed = (abs(new.plift_bar - sp.plift_bar) > LIFT_STEP_BAR
                   or abs(new.hold_p_bar - sp.hold_p_bar) > LIFT_STEP_BAR
                   or abs(new.t_supply_k - sp.t_supply_k) > 0.01
                   or np.max(np.abs(new.served - sp.served)) > SERVED_STEP)
        return new if changed else None

    def learn(self, state: HeatState) -> None:
        """Remember, of the hour's kept state (the dynamic model's, with transit times), how
        long the water takes to the critical substation (``lead_h``), and how far below its
        minimum (+ the dead band) the coldest substation's water arrived: that shortfall adds
        to ``bias_k``, which fades by ``BIAS_DECAY`` an hour (feedback on the measured
        supply, as a control room trims its set point on the critical points)."""
        if state.consumer_transit_s is None or not state.converged:
            return
        flowing = state.consumer_q_w > 0.0
        if not flowing.any():
            return
        critical = np.flatnonzero(flowing)[np.argmin(state.t_ahead_k[flowing])]
        self.lead_h = float(np.nan_to_num(state.consumer_transit_s[critical])) / 3600.0
        short_k = (self.limits.min_supply_c + C_TO_K + T_DEAD_BAND_K
                   - float(np.min(state.consumer_t_supply_k[flowing])))
        self.bias_k = float(np.clip(self.bias_k * BIAS_DECAY + max(short_k, 0.0), 0.0,
                                    MAX_BIAS_K))

    def _hold(self, sp: Setpoints, state: HeatState, lift_step_bar: float) -> float:
        """Static pressure that lifts the lowest junction to its minimum, within the class.

        ``lift_step_bar``: the lift change of the same response, which raises the flow side
        (and so the highest pressure) by as much.
        """
        hold = self.limits.pressure_hold
        p = state.junction_p_bar
        if not hold.enabled or not np.any(np.isfinite(p)):
            return sp.hold_p_bar
        short = float(np.nanmax(min_pressure_bar(state, self.limits, self._p_amb_bar) - p))
        room = self.limits.max_p_bar - float(np.nanmax(p)) - max(lift_step_bar, 0.0)
        ceiling = hold.max_hold_bar if hold.max_hold_bar is not None else np.inf
        if short <= 0.0:
            return sp.hold_p_bar
        return float(min(sp.hold_p_bar + min(short + DP_DEAD_BAND_BAR, max(room, 0.0)),
                         max(ceiling, sp.hold_p_bar)))

    def _lift(self, sp: Setpoints, state: HeatState, on: np.ndarray) -> float:
        if not self.limits.dp_control.enabled:
            return sp.plift_bar
        worst = float(np.min(state.consumer_dp_bar[on]))
        want = sp.plift_bar + self.limits.min_dp_bar + DP_DEAD_BAND_BAR - worst
        if worst >= self.limits.min_dp_bar and want < sp.plift_bar:
            want = max(want, self.min_lift_bar)  # ease off, never below the minimum lift
        return float(np.clip(want, self.min_lift_bar, self.max_lift_bar))

    def _supply(self, sp: Setpoints, state: HeatState, on: np.ndarray) -> float:
        """Supply set point (K) that brings the coldest flowing substation to its minimum +
        0.2 K, by the gain (K at the substation per K at the plants) last seen; held while that
        substation sits within 0.4 K above its minimum, within [curve, ceiling]. The dynamic
        model: the substation's supply once the water leaving now arrives (``t_ahead_k``), at
        the load forecast for then (``start``)."""
        boost = self.limits.supply_boost
        flowing = on & (state.consumer_q_w > 0.0)
        if not flowing.any():
            return sp.t_supply_k
        ahead_k = state.t_ahead_k  # where the water leaving now arrives (steady: the same)
        critical = np.flatnonzero(flowing)[np.argmin(ahead_k[flowing])]
        self._drop_k = sp.t_supply_k - float(ahead_k[critical])
        coldest = sp.t_supply_k - self._drop_k * self._ahead  # at the load when it arrives
        self._load_w = float(np.sum(state.consumer_q_w[flowing]))
        gain = self._gain_seen(sp.t_supply_k, coldest)
        surplus = coldest - (self.limits.min_supply_c + C_TO_K + self.bias_k)
        if not boost.enabled or 0.0 <= surplus <= 2.0 * T_DEAD_BAND_K:
            return sp.t_supply_k
        top = max(min(boost.max_supply_c + C_TO_K, sp.t_ceiling_k), sp.t_curve_k)
        return float(np.clip(sp.t_supply_k + (T_DEAD_BAND_K - surplus) / gain, sp.t_curve_k,
                             top))

    def _gain_seen(self, t_supply_k: float, coldest_k: float) -> float:
        """The coldest substation's supply change per set-point change (1), by the secant of
        this hour's last two solves when the set point moved; the last one seen otherwise (1
        at first: the step is then the shortfall itself)."""
        last, self._trial = self._trial, (t_supply_k, coldest_k)
        if last is not None and abs(t_supply_k - last[0]) > 0.05:
            self._gain = float(np.clip((coldest_k - last[1]) / (t_supply_k - last[0]),
                                       MIN_GAIN, 1.0))
        return self._gain

    def _served(self, sp: Setpoints, state: HeatState, lift_step_bar: float) -> np.ndarray:
        """Share of demand each substation's fully open valve passes at the maximum lift.

        ``lift_step_bar``: how much the lift rises with these set points (moves every
        substation's differential pressure by as much).
        """
        dp = np.nan_to_num(state.consumer_dp_bar, nan=self.limits.min_dp_bar) + lift_step_bar
        valve = np.clip(np.sqrt(np.clip(dp, 0.0, None) / max(self.limits.min_dp_bar, 1e-9)),
                        0.0, 1.0)
        # first cut: the valve law at the current differential pressure; after that half
        # steps towards it, since a smaller flow raises the differential pressure again
        target = valve if sp.served.min() >= 1.0 else 0.5 * sp.served + 0.5 * valve
        short = (sp.served < 1.0) | (dp < self.limits.min_dp_bar)
        return np.where(short, target, sp.served)

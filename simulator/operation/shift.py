"""The control room's production shift: heat moves to the pressure-holding plant when the
network's hydraulics bind (pure functions and one small per-hour state).

The rule, as control rooms run meshed networks with one pressurisation point: a fixed-flow
plant far from the pressure-holding plant pushes its water through the network against the
others, so its own lift (and the highest and lowest pressures around it) grows with its
output; the plant at the pressurisation point answers every load change at its own pressure.
When a hydraulic limit binds (a substation's differential pressure, the pressure class, the
minimum pressure, a pipe's velocity) after the lift, the static pressure and the supply
temperature have done what they can, the operator lowers the output of the far plant that
pushes hardest (the largest lift) and lets the pressure-holding plant take the difference,
within its spare capacity, before any substation is under-supplied. Frederiksen & Werner,
*District Heating and Cooling* (Studentlitteratur 2013), ch. 6 and 9: the pressure-holding
plant is the load-following plant, remote plants run at set outputs within the network's
pressure limits; the cut steps here are this project's (est.).

Each cut is aimed through the change of the violation per MW that the hour's own solves
show (a secant, as the supply boost's gain), starting at :data:`FIRST_CUT` of the plant's heat.
Once the limits hold, two bisections win back what the last cut overshot. A cut that does
not lower the violation ends the shift, and the best solve stands (least violation, then the
most heat left at the far plant); a cap reaches every policy as
:attr:`~simulator.dispatch.plan.HourContext.plant_cap_mw`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

from simulator.operation.limits import TOLERANCE, LimitCheck

#: limit kinds the hydraulics set, which moving production between plants changes
HYDRAULIC_KINDS = ("dp", "p_max", "p_min", "velocity")
#: the first cut, as a share of the far plant's heat (est.)
FIRST_CUT = 0.1
#: a cut never smaller than this share of the plant's heat (est.: a step an operator makes)
MIN_CUT = 0.02
#: spare capacity of the pressure-holding plant left unused (share; the overflow check's
#: tolerance is 0.002)
SPARE_MARGIN = 0.01
#: cuts in one hour at most, and bisections back up after the limits hold
MAX_SHIFTS = 6
REFINE = 2


def violation(limits: Mapping[str, LimitCheck]) -> float:
    """How far the hour's hydraulic limits are broken: the sum of the negative margins beyond
    their tolerance (bar and m/s added as numbers; 0 when every hydraulic limit holds)."""
    return float(sum(max(-c.margin - TOLERANCE[k], 0.0) for k, c in limits.items()
                     if k in HYDRAULIC_KINDS and np.isfinite(c.margin)))


def far_plant(plant_q_w: np.ndarray, plant_plift_bar: np.ndarray) -> int | None:
    """The fixed-flow plant (index >= 1) feeding heat with the largest lift, or None."""
    lift = np.where((plant_q_w > 0.0) & np.isfinite(plant_plift_bar), plant_plift_bar, -np.inf)
    lift[0] = -np.inf  # the pressure-holding plant is where heat goes, not where it leaves
    return int(np.argmax(lift)) if np.isfinite(lift.max()) else None


@dataclass
class ProductionShift:
    """One hour's shift: the caps tried and what each did to the violation.

    Cuts go down until the hydraulic limits hold; then up to :data:`REFINE` bisections between
    the lowest output that broke them and the highest that kept them win back what the last
    cut overshot (the far plant is usually the cheaper one: that is why it runs)."""

    n_plants: int
    #: (plant heat in MW, violation) of each solve of the plant being cut
    seen: list[tuple[float, float]] = field(default_factory=list)
    plant: int | None = None
    #: (violation, -plant heat in MW) of the best solve and its caps: least violation first,
    #: then the most heat left at the far plant
    best: tuple[tuple[float, float], np.ndarray | None] = ((np.inf, 0.0), None)
    refined: int = 0

    def next_cap(self, violation_now: float, plant_q_w: np.ndarray,
                 plant_plift_bar: np.ndarray, units_mw: np.ndarray, slack_spare_mw: float,
                 cap_now: np.ndarray | None) -> np.ndarray | None:
        """The caps (MW per plant) of the next solve, or None when the shift is over: the
        limits hold (and the bisection is done), no plant can be cut, the pressure-holding
        plant has no spare capacity, a cut did not help or :data:`MAX_SHIFTS` were made.

        ``units_mw``: the heat of each plant's units as solved (MW);
        ``slack_spare_mw``: what the pressure-holding plant's units can still add (MW).
        """
        if self.plant is None:
            self.plant = far_plant(plant_q_w, plant_plift_bar)
            if self.plant is None or violation_now <= 0.0:
                self.best = ((violation_now, 0.0), cap_now)
                return None
        heat_mw = float(units_mw[self.plant])
        key = (violation_now, -heat_mw)
        if key < self.best[0]:
            self.best = (key, cap_now)
        broken = [h for h, v in self.seen if v > 0.0]
        self.seen.append((heat_mw, violation_now))
        if len(self.seen) > MAX_SHIFTS + REFINE:
            return None
        if violation_now <= 0.0 or self.refined:
            return self._bisect(min(broken + [heat_mw] * (violation_now > 0.0)), cap_now)
        if len(self.seen) > MAX_SHIFTS or (len(self.seen) > 1
                                           and violation_now >= self.seen[-2][1]):
            return None
        cut = min(self._cut_mw(heat_mw, violation_now), heat_mw,
                  slack_spare_mw * (1.0 - SPARE_MARGIN))
        if cut <= 1e-6:
            return None
        return self._with(cap_now, heat_mw - cut)

    def _bisect(self, broken_mw: float, cap_now: np.ndarray | None) -> np.ndarray | None:
        """The midpoint between the most heat that kept the limits and the least that broke
        them, while :data:`REFINE` steps are left and the gap is worth a step."""
        kept = [h for h, v in self.seen if v <= 0.0]
        if not kept or self.refined >= REFINE:
            return None
        gap = broken_mw - max(kept)
        if gap <= MIN_CUT * self.seen[0][0]:
            return None
        self.refined += 1
        return self._with(cap_now, max(kept) + 0.5 * gap)

    def _with(self, cap_now: np.ndarray | None, plant_cap_mw: float) -> np.ndarray:
        cap = np.full(self.n_plants, np.inf) if cap_now is None else cap_now.copy()
        assert self.plant is not None
        cap[self.plant] = plant_cap_mw
        return cap

    def _cut_mw(self, heat_mw: float, violation_now: float) -> float:
        """The next cut (MW): by the secant of the last two solves, else FIRST_CUT."""
        if len(self.seen) >= 2:
            (h0, v0), (h1, v1) = self.seen[-2], self.seen[-1]
            if h0 != h1 and (v0 - v1) / (h0 - h1) > 0.0:
                per_mw = (v0 - v1) / (h0 - h1)  # violation per MW of the plant's heat
                return max(violation_now / per_mw * 1.1, MIN_CUT * heat_mw)
        return FIRST_CUT * heat_mw

    @property
    def best_cap(self) -> np.ndarray | None:
        """The caps of the best solve seen (None: the plan as it was)."""
        return self.best[1]

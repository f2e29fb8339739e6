"""The dispatch room: how heat is shared among units and stores, hour by hour.

* ``plan.py``: the values that cross the seam (:class:`HourContext`, :class:`Plan`,
  :class:`HourOutcome`);
* ``policy.py``: the seam itself (:class:`DispatchPolicy`), :class:`RankedPolicy` for policies
  that rank units, and the registry behind ``dispatch: {policy: <name>}``;
* ``merit.py``: merit-order dispatch as pure functions;
* ``merit_order.py``: the ``merit_order`` policy (by CO2, cost or as listed);
* ``optimal.py``: the ``optimal`` policy, a rolling-horizon program (``optimal_model.py``,
  linopy and HiGHS, imported on first use) over a forecast (``forecast.py``, ``horizon.py``).
"""

from simulator.dispatch.merit import Boost, allocate, merit_order, plan_hour, split_plant_heat
from simulator.dispatch.merit_order import MeritOrderPolicy
from simulator.dispatch.plan import HourContext, HourOutcome, Plan
from simulator.dispatch.policy import (
    DispatchPolicy,
    PolicySetup,
    RankedPolicy,
    policy_factory,
    register_policy,
    registered_policies,
)


def _optimal_policy(setup: PolicySetup) -> DispatchPolicy:
    """The ``optimal`` policy, imported on first use (only then do linopy and HiGHS load)."""
    from simulator.dispatch.optimal import OptimalPolicy

    return OptimalPolicy(setup)


register_policy("optimal")(_optimal_policy)  # type: ignore[arg-type]

__all__ = [
    "Boost", "DispatchPolicy", "HourContext", "HourOutcome", "MeritOrderPolicy", "Plan",
    "PolicySetup", "RankedPolicy", "allocate", "merit_order", "plan_hour", "policy_factory",
    "register_policy", "registered_policies", "split_plant_heat",
]

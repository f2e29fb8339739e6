"""The values that cross the dispatch seam: what a policy is told, answers and hears (MW).

A :class:`HourContext` is what the coupled step knows before it solves an hour; a :class:`Plan`
is a policy's answer for one heat solve; a :class:`HourOutcome` is what the physics made of it.
All are frozen dataclasses of numpy arrays, producers and stores in scenario order.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class HourContext:
    """What the coupled step knows of hour ``hour`` before it solves it.

    ``capacity_mw`` already holds availability profiles, events, temperatures a unit cannot
    run at, and any grid curtailment decided so far this hour.
    """

    hour: int  # index of the simulated hour (0 = period start)
    capacity_mw: np.ndarray  # heat each producer can make now (MW)
    store_charge_max_mw: np.ndarray  # charge each store can take this hour (MW)
    store_discharge_max_mw: np.ndarray  # heat each store can give this hour (MW)
    demand_mw: float  # total consumer demand (MW)
    loss_mw: float  # expected network heat loss (MW): the last solved hour's
    #: booster heat per MW of each producer's own heat (1): > 0 for a heat pump whose outlet
    #: limit is below the supply temperature, inf when it cannot help at all, else 0
    boost_ratio: np.ndarray
    #: energy in each store at the start of the hour (MW h); None: not given
    store_energy_mwh: np.ndarray | None = None
    #: temperature expected at each plant's inlet (K): the last solved hour's; None: not given
    plant_t_in_k: np.ndarray | None = None
    #: most heat each plant's units may feed in this hour (MW; inf: no limit), learned from the
    #: network's hydraulics by the operator's production shift
    #: (:mod:`simulator.operation.shift`); None: no limit. Every policy must keep it
    #: (:class:`~simulator.dispatch.policy.RankedPolicy` does, through its capacities)
    plant_cap_mw: np.ndarray | None = None


@dataclass(frozen=True)
class Plan:
    """A policy's plan for one heat solve."""

    served_fraction: float  # share of consumer demand the units and stores can cover (1)
    unit_heat_mw: np.ndarray  # planned heat per producer (MW)
    fixed_plant_mw: np.ndarray  # net feed-in set points of the fixed-flow plants (MW)
    store_mw: np.ndarray  # net heat of each store (MW, + discharge, - charge)


@dataclass(frozen=True)
class HourOutcome:
    """What the physics did with the plans of hour ``hour``."""

    hour: int
    converged: bool  # the heat network converged (False: every array below is NaN)
    unit_heat_mw: np.ndarray  # heat booked on each producer (MW)
    store_mw: np.ndarray  # net heat of each store as settled (MW)
    curtailed_mw: np.ndarray  # electricity curtailed per producer for grid limits (MW)
    capacity_mw: np.ndarray  # producer capacity left after the grid feedback (MW)
    loss_mw: float  # solved network heat loss (MW)


def cap_plants(capacity_mw: np.ndarray, order: np.ndarray, unit_plant: np.ndarray,
               plant_cap_mw: np.ndarray) -> np.ndarray:
    """Producer capacities (MW) that keep each plant within ``plant_cap_mw`` (MW): a plant's
    units keep theirs in ``order`` until its cap is used up; the later ones get what is left."""
    out = np.asarray(capacity_mw, dtype=float).copy()
    room = np.asarray(plant_cap_mw, dtype=float).copy()
    for i in order:
        p = unit_plant[i]
        out[i] = min(out[i], max(room[p], 0.0))
        room[p] -= out[i]
    return out

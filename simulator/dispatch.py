"""Dispatch: which unit makes how much heat. Pure functions over numpy arrays (MW).

The merit order ranks units by marginal CO2 per MW h of heat (or keeps the listed order);
heat is then filled into units in that order up to their available capacity.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

#: Share of the hour's heat target the pressure-holding (slack) plant keeps at least, so that
#: fixed-flow plants never reverse its circulation (pandapipes raises on reversal).
SLACK_MIN_SHARE = 0.02


def merit_order(marginal_co2_t_per_mwh: np.ndarray, order_by: str) -> np.ndarray:
    """Indices of units in dispatch order: cheapest CO2 first (stable), or as listed."""
    if order_by == "listed":
        return np.arange(len(marginal_co2_t_per_mwh))
    return np.argsort(np.asarray(marginal_co2_t_per_mwh, dtype=float), kind="stable")


def allocate(target_mw: float, capacity_mw: np.ndarray, order: np.ndarray) -> np.ndarray:
    """Fill ``target_mw`` into units in ``order``, each up to its ``capacity_mw`` (MW).

    Returns the heat of each unit (MW); its sum is ``min(target_mw, sum(capacity_mw))``.
    """
    capacity_mw = np.asarray(capacity_mw, dtype=float)
    heat_mw = np.zeros_like(capacity_mw)
    remaining = max(float(target_mw), 0.0)
    for i in order:
        take = min(capacity_mw[i], remaining)
        heat_mw[i] = take
        remaining -= take
        if remaining <= 0.0:
            break
    return heat_mw


@dataclass(frozen=True)
class Plan:
    """The dispatch decided before the network is solved."""

    served_fraction: float  # share of consumer demand the units can cover (1)
    unit_heat_mw: np.ndarray  # planned heat per unit (MW)
    fixed_plant_mw: np.ndarray  # set points of the fixed-flow plants (MW)


def plan_hour(
    demand_mw: float,
    loss_guess_mw: float,
    capacity_mw: np.ndarray,
    order: np.ndarray,
    unit_plant: np.ndarray,
    n_plants: int,
) -> Plan:
    """Plan one hour: cover demand plus the expected network loss in merit order.

    Args:
        demand_mw: total consumer demand (MW).
        loss_guess_mw: expected network heat loss (MW), e.g. the previous hour's.
        capacity_mw: available heat capacity per unit (MW).
        order: merit order (unit indices).
        unit_plant: plant index of each unit (0 is the slack plant).
        n_plants: number of plants, slack first.
    """
    capacity_total = float(np.sum(capacity_mw))
    target = demand_mw + loss_guess_mw
    served = 1.0
    if demand_mw > 0 and capacity_total < target:
        served = max(0.0, (capacity_total - loss_guess_mw) / demand_mw)
        target = capacity_total
    heat = allocate(target, capacity_mw, order)
    per_plant = np.bincount(unit_plant, weights=heat, minlength=n_plants)
    fixed = per_plant[1:]
    ceiling = (1.0 - SLACK_MIN_SHARE) * target
    if fixed.sum() > ceiling > 0:
        fixed = fixed * (ceiling / fixed.sum())
    return Plan(served_fraction=served, unit_heat_mw=heat, fixed_plant_mw=fixed)


def split_plant_heat(
    plant_heat_mw: np.ndarray,
    capacity_mw: np.ndarray,
    order: np.ndarray,
    unit_plant: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Share each plant's solved heat among its units in merit order.

    Returns (heat per unit in MW, overflow per plant in MW). Heat a plant delivered beyond the
    capacity of its units is overflow: it is put on that plant's last unit in merit order so
    the books still balance, and the caller decides whether it is acceptable.
    """
    heat = np.zeros(len(capacity_mw))
    overflow = np.zeros(len(plant_heat_mw))
    for p, q_mw in enumerate(plant_heat_mw):
        at_plant = order[unit_plant[order] == p]
        if len(at_plant) == 0:
            overflow[p] = max(q_mw, 0.0)
            continue
        share = allocate(q_mw, capacity_mw, at_plant)
        overflow[p] = max(q_mw - share.sum(), 0.0)
        share[at_plant[-1]] += overflow[p]
        heat += share
    return heat, overflow

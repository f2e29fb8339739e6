"""Merit-order dispatch as pure functions (MW): ranking, filling, stores, plant split.

Units are ranked by a marginal value per MW h of heat (CO2 in t, or cost in EUR; or their listed
position), must-run units first. Heat is filled into units in that order up to their available
capacity, skipping a unit whose minimum load exceeds what is left. Stores discharge instead of
units dearer than their value and charge from units cheaper than it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from simulator.dispatch.plan import Plan
from simulator.supply.books import UnitTables, capacity_mw, per_heat
from simulator.supply.carbon import grid_t_per_mwh

#: Share of the hour's heat target the pressure-holding (slack) plant keeps at least, so that
#: fixed-flow plants never reverse its circulation (pandapipes raises on reversal).
SLACK_MIN_SHARE = 0.05


def merit_order(marginal: np.ndarray, order_by: str, must_run: np.ndarray | None = None
                ) -> np.ndarray:
    """Unit indices in dispatch order: must-run first, then lowest marginal value (stable)."""
    marginal = np.asarray(marginal, dtype=float)
    key = np.arange(len(marginal), dtype=float) if order_by == "listed" else marginal
    first = np.zeros(len(marginal)) if must_run is None else ~np.asarray(must_run, dtype=bool)
    return np.lexsort((np.arange(len(marginal)), key, first))


@dataclass(frozen=True)
class Boost:
    """Heat pumps above their outlet limit this hour and the units that boost them.

    ``ratio[i]`` is the booster heat per MW of heat pump ``i``'s own heat (0: no boost needed),
    ``booster[i]`` the producer that gives it (-1: none).
    """

    ratio: np.ndarray
    booster: np.ndarray


def _boosted_take(i: int, remaining: float, room: np.ndarray, heat: np.ndarray,
                  min_mw: np.ndarray, boost: Boost) -> tuple[float, float]:
    """(own heat of boosted heat pump ``i``, heat its booster adds) in MW.

    Limited by the heat pump's room, what is left and the booster's room. A booster that would
    run below its minimum load runs at it (its extra heat counts against what is left); when
    that does not fit either, the heat pump stays off.
    """
    r, b = float(boost.ratio[i]), int(boost.booster[i])
    x = min(room[i], remaining / (1.0 + r), room[b] / r)
    if x <= 0.0 or heat[i] + x < min_mw[i]:
        return 0.0, 0.0
    top_up = max(min_mw[b] - heat[b] - x * r, 0.0)
    if top_up > 0.0:  # the booster at its minimum: less room for the heat pump itself
        x = min(x, (remaining - top_up) / (1.0 + r), (room[b] - top_up) / r)
        top_up = max(min_mw[b] - heat[b] - x * r, 0.0)
        if x <= 0.0 or heat[i] + x < min_mw[i] or x * (1.0 + r) + top_up > remaining + 1e-9:
            return 0.0, 0.0
    return x, x * r + top_up


def allocate(target_mw: float, capacity_mw: np.ndarray, order: np.ndarray,
             min_mw: np.ndarray | None = None, boost: Boost | None = None) -> np.ndarray:
    """Fill ``target_mw`` into units in ``order``, each up to ``capacity_mw`` (MW).

    A unit whose minimum load ``min_mw`` exceeds what it would run at is skipped. A heat pump
    that needs a booster (``boost``) runs with it: its booster gives ``ratio`` MW per MW of the
    heat pump's heat from its own room (and its own turn fills what room is left). Returns the
    heat of each unit (MW); its sum is at most ``min(target_mw, sum(capacity_mw))``.
    """
    capacity_mw = np.asarray(capacity_mw, dtype=float)
    min_mw = np.zeros_like(capacity_mw) if min_mw is None else np.asarray(min_mw, dtype=float)
    heat_mw = np.zeros_like(capacity_mw)
    room = capacity_mw.copy()
    remaining = max(float(target_mw), 0.0)
    for i in order:
        if boost is not None and boost.ratio[i] > 0.0 and boost.booster[i] >= 0:
            x, extra = _boosted_take(i, remaining, room, heat_mw, min_mw, boost)
            b = boost.booster[i]
            heat_mw[i] += x
            heat_mw[b] += extra
            room[i] -= x
            room[b] -= extra
            remaining -= x + extra
            continue
        take = min(room[i], remaining)
        if take <= 0.0 or heat_mw[i] + take < min_mw[i]:
            continue
        heat_mw[i] += take
        room[i] -= take
        remaining -= take
    if remaining > 1e-9:
        remaining = _commit_at_minimum(remaining, heat_mw, room, order, min_mw, boost)
    return heat_mw


def _floors(heat: np.ndarray, min_mw: np.ndarray, boost: Boost | None) -> np.ndarray:
    """Heat each running unit cannot give up (MW): its minimum load; all of it for a boosted
    heat pump (its booster's share is tied to it); the boost it carries for a booster."""
    floor = np.where(heat > 0.0, min_mw, 0.0)
    if boost is not None:
        hp = _boosted(boost) & (heat > 0.0)
        floor[hp] = heat[hp]
        carried = np.bincount(boost.booster[hp], weights=heat[hp] * boost.ratio[hp],
                              minlength=len(heat))
        floor = np.maximum(floor, carried)
    return floor


def _boosted(boost: Boost | None) -> np.ndarray | bool:
    """Heat pumps that need their booster this hour."""
    if boost is None:
        return False
    return (boost.ratio > 0) & np.isfinite(boost.ratio) & (boost.booster >= 0)


def _commit_at_minimum(remaining: float, heat: np.ndarray, room: np.ndarray,
                       order: np.ndarray, min_mw: np.ndarray, boost: Boost | None) -> float:
    """Cover a residual that every idle unit's minimum load exceeds: start the idle unit with
    the smallest minimum load (the least displacement; merit order breaks ties) at its minimum
    and take the excess back from running units, last in merit order first, down to what they
    cannot give up (:func:`_floors`). Returns what is still uncovered (MW)."""
    boosted = np.broadcast_to(_boosted(boost), heat.shape)
    idle = [i for i in order
            if heat[i] == 0.0 and not boosted[i] and room[i] >= min_mw[i] > remaining]
    for i in sorted(idle, key=lambda k: min_mw[k]):
        excess = min_mw[i] - remaining
        others = [j for j in order[::-1] if j != i]
        if sum(_release(heat.copy(), j, np.inf, min_mw, boost) for j in others) < excess:
            continue
        before = heat.copy()
        for j in others:
            excess -= _release(heat, j, excess, min_mw, boost)
            if excess <= 1e-12:
                break
        room += before - heat
        heat[i] = min_mw[i]
        room[i] -= min_mw[i]
        return 0.0
    return remaining


def _release(heat: np.ndarray, j: int, want_mw: float, min_mw: np.ndarray,
             boost: Boost | None) -> float:
    """Take up to ``want_mw`` off unit ``j`` (in place), never below what it cannot give up; a
    boosted heat pump gives back its booster's share with it. The heat taken (MW)."""
    if heat[j] <= 0.0:
        return 0.0
    if boost is not None and bool(np.broadcast_to(_boosted(boost), heat.shape)[j]):
        r, b = float(boost.ratio[j]), int(boost.booster[j])
        cut = max(min(heat[j] - min_mw[j], want_mw / (1.0 + r), heat[b] / r), 0.0)
        heat[j] -= cut
        heat[b] -= cut * r
        return cut * (1.0 + r)
    cut = max(min(heat[j] - _floors(heat, min_mw, boost)[j], want_mw), 0.0)
    heat[j] -= cut
    return cut


def marginal_value(heat_mw: np.ndarray, marginal: np.ndarray) -> float:
    """Marginal value of the dearest unit running (NaN when none runs)."""
    running = np.asarray(heat_mw) > 0.0
    return float(np.max(np.asarray(marginal)[running])) if running.any() else float("nan")


def storage_value(marginal_series: np.ndarray, window_h: int) -> np.ndarray:
    """Value of stored heat each hour: the mean marginal value in a centred window.

    The mean, not the median: when most hours of a day share one marginal unit, the median
    equals its value and the store would never see a dearer hour to discharge into.
    """
    series = np.asarray(marginal_series, dtype=float)
    half = window_h // 2
    out = np.empty_like(series)
    for h in range(len(series)):
        window = series[max(h - half, 0): h + half + 1]
        finite = window[np.isfinite(window)]
        out[h] = np.mean(finite) if finite.size else np.nan
    return out


def storage_action(
    value: float, spread: float, demand_mw: float, capacity_mw: np.ndarray,
    marginal: np.ndarray, order: np.ndarray, charge_max_mw: float, discharge_max_mw: float,
    can_charge: np.ndarray | None = None, boost: Boost | None = None,
) -> float:
    """Net heat of a store this hour (MW, + discharge, - charge).

    Discharge replaces the heat units dearer than ``value (1 + spread)`` would make; charging
    takes the spare capacity of units cheaper than ``value (1 - spread)`` (with ``|value|``
    as the scale, so zero and negative values work) among those that ``can_charge`` it (the
    units at the store's own plant: a plant feeds the network, it cannot draw from it).
    """
    if not np.isfinite(value):
        return 0.0
    high, low = value + spread * abs(value), value - spread * abs(value)
    base = allocate(demand_mw, capacity_mw, order, boost=boost)
    dear = float(base[np.asarray(marginal) > high].sum())
    if dear > 0.0:
        return min(dear, discharge_max_mw)
    cheap = np.asarray(marginal) < low
    if can_charge is not None:
        cheap &= np.asarray(can_charge, dtype=bool)
    spare = float((np.asarray(capacity_mw) - base)[cheap].sum())
    return -min(spare, charge_max_mw) if spare > 0.0 else 0.0


def plan_hour(
    demand_mw: float,
    loss_guess_mw: float,
    capacity_mw: np.ndarray,
    order: np.ndarray,
    unit_plant: np.ndarray,
    n_plants: int,
    min_mw: np.ndarray | None = None,
    store_heat_mw: np.ndarray | None = None,
    store_plant: np.ndarray | None = None,
    boost: Boost | None = None,
) -> Plan:
    """Plan one hour: cover demand plus the expected loss with the stores' net heat and units.

    Args:
        demand_mw: total consumer demand (MW).
        loss_guess_mw: expected network heat loss (MW), e.g. the previous hour's.
        capacity_mw: available heat capacity per producer (MW).
        order: merit order (producer indices).
        unit_plant: plant index of each producer (0 is the slack plant).
        n_plants: number of plants, slack first.
        min_mw: minimum load of each producer when running (MW).
        store_heat_mw, store_plant: net heat (+ discharge, - charge) and plant of each store.
        boost: heat pumps above their outlet limit and their boosters.
    """
    stores = np.zeros(0) if store_heat_mw is None else np.asarray(store_heat_mw, dtype=float)
    store_plant = np.zeros(0, dtype=int) if store_plant is None else np.asarray(store_plant)
    served, target = served_target(demand_mw, loss_guess_mw,
                                   float(np.sum(capacity_mw)) + float(stores.sum()))
    heat = allocate(target - stores.sum(), capacity_mw, order, min_mw, boost)
    return plant_plan(served, target, heat, unit_plant, n_plants, stores, store_plant)


def served_target(demand_mw: float, loss_guess_mw: float, capacity_total_mw: float
                  ) -> tuple[float, float]:
    """(share of demand served, heat target in MW) when units and stores can give at most
    ``capacity_total_mw``: all of demand plus loss, or what the capacity covers."""
    target = demand_mw + loss_guess_mw
    if demand_mw > 0 and capacity_total_mw < target:
        return (max(0.0, (capacity_total_mw - loss_guess_mw) / demand_mw),
                max(capacity_total_mw, 0.0))
    return 1.0, target


def plant_plan(served: float, target_mw: float, heat_mw: np.ndarray, unit_plant: np.ndarray,
               n_plants: int, store_mw: np.ndarray, store_plant: np.ndarray) -> Plan:
    """The plan of producer heat ``heat_mw`` and store heat ``store_mw`` (MW): each fixed-flow
    plant's net feed-in as its set point, all of them scaled down when they would leave the
    pressure-holding plant less than ``SLACK_MIN_SHARE`` of ``target_mw``."""
    per_plant = np.bincount(unit_plant, weights=heat_mw, minlength=n_plants) + np.bincount(
        store_plant, weights=store_mw, minlength=n_plants)
    fixed = np.maximum(per_plant[1:], 0.0)
    ceiling = (1.0 - SLACK_MIN_SHARE) * target_mw
    if fixed.sum() > ceiling > 0:
        fixed = fixed * (ceiling / fixed.sum())
    return Plan(served_fraction=served, unit_heat_mw=heat_mw, fixed_plant_mw=fixed,
                store_mw=store_mw)


def split_plant_heat(
    plant_heat_mw: np.ndarray,
    capacity_mw: np.ndarray,
    order: np.ndarray,
    unit_plant: np.ndarray,
    min_mw: np.ndarray | None = None,
    boost: Boost | None = None,
    planned_mw: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Share each plant's producer heat (after its stores) among its units.

    Without ``planned_mw``, in merit order as :func:`allocate` does. With the plan the heat was
    solved for, the plan stands and each plant's deviation from it goes to its running units,
    marginal (last in merit order) first, within their capacity and above their minimum load;
    more heat then starts idle units, less stops units last in merit order (a plant's heat is
    what the network takes; its operator follows it). Returns (heat per unit in MW, overflow per
    plant in MW): heat beyond what the plant's units can make, put on its last running unit
    (the last unit if none runs) so the books still balance; the caller decides whether it is
    acceptable.
    """
    capacity_mw = np.asarray(capacity_mw, dtype=float)
    min_mw = np.zeros_like(capacity_mw) if min_mw is None else np.asarray(min_mw, dtype=float)
    heat = np.zeros(len(capacity_mw))
    overflow = np.zeros(len(plant_heat_mw))
    for p, q_mw in enumerate(plant_heat_mw):
        at_plant = order[unit_plant[order] == p]
        if len(at_plant) == 0:
            overflow[p] = max(q_mw, 0.0)
            continue
        if planned_mw is None:
            share = allocate(q_mw, capacity_mw, at_plant, min_mw, boost)
        else:
            share = np.zeros(len(capacity_mw))
            share[at_plant] = planned_mw[at_plant]
            _follow(share, q_mw - share.sum(), capacity_mw, at_plant, min_mw, boost)
            _rebalance_boost(share, capacity_mw, at_plant, min_mw, boost)
        overflow[p] = max(q_mw - share.sum(), 0.0)
        running = at_plant[share[at_plant] > 0.0]
        share[running[-1] if len(running) else at_plant[-1]] += overflow[p]
        heat += share
    return heat, overflow


def _rebalance_boost(heat: np.ndarray, capacity_mw: np.ndarray, at_plant: np.ndarray,
                     min_mw: np.ndarray, boost: Boost | None) -> None:
    """Give each booster at least the lift its heat pump needs at the solved temperatures,
    moving heat from the heat pump to it (in place; the plant's heat stays). An idle booster
    starts for it when it has no minimum load."""
    if boost is None:
        return
    for i in at_plant:
        r, b = float(boost.ratio[i]), int(boost.booster[i])
        if heat[i] <= 0.0 or not (0.0 < r < np.inf) or b < 0:
            continue
        if heat[b] <= 0.0 and min_mw[b] > 0.0:
            continue
        shift = min(max(heat[i] * r - heat[b], 0.0) / (1.0 + r), capacity_mw[b] - heat[b])
        heat[i] -= shift
        heat[b] += shift


def _follow(heat: np.ndarray, deviation_mw: float, capacity_mw: np.ndarray,
            at_plant: np.ndarray, min_mw: np.ndarray, boost: Boost | None) -> None:
    """Move a plant's units (in place) by ``deviation_mw`` from their planned heat."""
    floor = _floors(heat, min_mw, boost)
    boosted = np.broadcast_to(_boosted(boost), heat.shape)
    left = deviation_mw
    for j in at_plant[::-1]:  # marginal unit first
        if left == 0.0 or heat[j] <= 0.0 or boosted[j]:
            continue
        step = (min(left, capacity_mw[j] - heat[j]) if left > 0
                else max(left, floor[j] - heat[j]))
        heat[j] += step
        left -= step
    if left > 0.0:  # start idle units, first in merit order first
        for j in at_plant:
            if heat[j] == 0.0 and not boosted[j] and min_mw[j] <= left and capacity_mw[j] > 0:
                heat[j] = min(left, capacity_mw[j])
                left -= heat[j]
        if left > 1e-9:  # too little for any idle unit's minimum: start one, make room
            _commit_at_minimum(left, heat, capacity_mw - heat, at_plant, min_mw, boost)
    elif left < 0.0:  # stop units, last in merit order first, while that is not too much
        for j in at_plant[::-1]:
            carries = floor[j] > min_mw[j]  # a booster still lifting a running heat pump
            if 0.0 < heat[j] <= -left and not boosted[j] and not carries:
                left += heat[j]
                heat[j] = 0.0
        for j in at_plant[::-1]:  # what is left comes off running units, minimum or not
            if left >= 0.0:
                break
            cut = min(heat[j], -left)
            heat[j] -= cut
            left += cut


def marginal_values(
    tables: UnitTables, order_by: str, t_sink_k: float, t_source_k: np.ndarray,
    grid_g_per_kwh: float, el_eur_per_mwh: float, availability: np.ndarray,
    source_max_mw: np.ndarray | None = None, boost: Boost | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """(marginal value per MW h of heat, available capacity in MW) of each producer.

    The value is CO2 (t) for ``co2``, cost (EUR) for ``cost``, and the CO2 value for
    ``listed`` (which ignores it). A unit that cannot run at these temperatures (air source too
    cold, waste heat too cool) has no capacity. A heat pump that needs a booster (``boost``) is
    valued with it: (own value + ratio x booster's value) / (1 + ratio) per MW h delivered.
    """
    fuel, el, _ = per_heat(tables, t_sink_k, t_source_k)
    if order_by == "cost":
        value = fuel * tables.fuel_eur_per_mwh + el * el_eur_per_mwh
    else:
        value = (fuel * tables.fuel_t_per_mwh * tables.chp_heat_share
                 + np.maximum(el, 0.0) * float(grid_t_per_mwh(grid_g_per_kwh)))
    if boost is not None:
        paired = (boost.ratio > 0) & np.isfinite(boost.ratio) & (boost.booster >= 0)
        r = np.where(paired, boost.ratio, 0.0)
        value = np.where(paired, (value + r * value[np.maximum(boost.booster, 0)]) / (1 + r),
                         value)
    capacity = capacity_mw(tables, t_sink_k, t_source_k, availability, source_max_mw,
                           None if boost is None else boost.ratio)
    return value, capacity

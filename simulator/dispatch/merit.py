"""Merit-order dispatch as pure functions (MW): ranking, filling, stores, plant split.

Units are ranked by a marginal value per MW h of heat (CO2 in t, or cost in EUR; or their listed
position), must-run units first. Heat is filled into units in that order up to their available
capacity, skipping a unit whose minimum load exceeds what is left. Stores discharge instead of
units dearer than their value and charge from units cheaper than it.
"""

from __future__ import annotations

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


def allocate(target_mw: float, capacity_mw: np.ndarray, order: np.ndarray,
             min_mw: np.ndarray | None = None) -> np.ndarray:
    """Fill ``target_mw`` into units in ``order``, each up to ``capacity_mw`` (MW).

    A unit whose minimum load ``min_mw`` exceeds what is left is skipped. Returns the heat of
    each unit (MW); its sum is at most ``min(target_mw, sum(capacity_mw))``.
    """
    capacity_mw = np.asarray(capacity_mw, dtype=float)
    min_mw = np.zeros_like(capacity_mw) if min_mw is None else np.asarray(min_mw, dtype=float)
    heat_mw = np.zeros_like(capacity_mw)
    remaining = max(float(target_mw), 0.0)
    for i in order:
        take = min(capacity_mw[i], remaining)
        if take <= 0.0 or take < min_mw[i]:
            continue
        heat_mw[i] = take
        remaining -= take
    return heat_mw


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
    can_charge: np.ndarray | None = None,
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
    base = allocate(demand_mw, capacity_mw, order)
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
    """
    stores = np.zeros(0) if store_heat_mw is None else np.asarray(store_heat_mw, dtype=float)
    store_plant = np.zeros(0, dtype=int) if store_plant is None else np.asarray(store_plant)
    capacity_total = float(np.sum(capacity_mw)) + float(stores.sum())
    target = demand_mw + loss_guess_mw
    served = 1.0
    if demand_mw > 0 and capacity_total < target:
        served = max(0.0, (capacity_total - loss_guess_mw) / demand_mw)
        target = max(capacity_total, 0.0)
    heat = allocate(target - stores.sum(), capacity_mw, order, min_mw)
    per_plant = np.bincount(unit_plant, weights=heat, minlength=n_plants) + np.bincount(
        store_plant, weights=stores, minlength=n_plants)
    fixed = np.maximum(per_plant[1:], 0.0)
    ceiling = (1.0 - SLACK_MIN_SHARE) * target
    if fixed.sum() > ceiling > 0:
        fixed = fixed * (ceiling / fixed.sum())
    return Plan(served_fraction=served, unit_heat_mw=heat, fixed_plant_mw=fixed,
                store_mw=stores)


def split_plant_heat(
    plant_heat_mw: np.ndarray,
    capacity_mw: np.ndarray,
    order: np.ndarray,
    unit_plant: np.ndarray,
    min_mw: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Share each plant's producer heat (after its stores) among its units in merit order.

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
        share = allocate(q_mw, capacity_mw, at_plant, min_mw)
        overflow[p] = max(q_mw - share.sum(), 0.0)
        share[at_plant[-1]] += overflow[p]
        heat += share
    return heat, overflow


def marginal_values(
    tables: UnitTables, order_by: str, t_sink_k: float, t_source_k: np.ndarray,
    grid_g_per_kwh: float, el_eur_per_mwh: float, availability: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """(marginal value per MW h of heat, available capacity in MW) of each producer.

    The value is CO2 (t) for ``co2``, cost (EUR) for ``cost``, and the CO2 value for
    ``listed`` (which ignores it). A unit that cannot run at these temperatures (air source too
    cold, waste heat too cool) has no capacity.
    """
    fuel, el, _ = per_heat(tables, t_sink_k, t_source_k)
    if order_by == "cost":
        value = fuel * tables.fuel_eur_per_mwh + el * el_eur_per_mwh
    else:
        value = (fuel * tables.fuel_t_per_mwh * tables.chp_heat_share
                 + np.maximum(el, 0.0) * float(grid_t_per_mwh(grid_g_per_kwh)))
    return value, capacity_mw(tables, t_sink_k, t_source_k, availability)

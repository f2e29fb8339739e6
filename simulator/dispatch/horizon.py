"""What the optimiser solves over a horizon: its fixed shape and each solve's data (numpy only).

:class:`Shape` holds what stays fixed over a run (producers, plants, stores, which units need a
commitment variable); :class:`HorizonData` the forecast of one horizon (MW, per MW h values of
the objective). :func:`unit_values` turns the supply model into objective values per MW h of
heat; :func:`forecast` builds a horizon's data from the scenario's hourly inputs.
Penalties are in the objective's own unit (t or EUR) per MW h.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from simulator.dispatch.merit import SLACK_MIN_SHARE
from simulator.supply.books import UnitTables, capacity_mw, per_heat
from simulator.supply.carbon import grid_t_per_mwh
from simulator.supply.physics import boost_ratio
from simulator.supply.storage import Storage

#: penalty of unserved (or surplus) heat, per MW h, as a multiple of the dearest unit's value
UNSERVED_FACTOR = 100.0
#: tie-breaker weight of cost (EUR) in the CO2 objective (t): 1 EUR counts as 1 g
CO2_COST_TIE_T_PER_EUR = 1e-6


@dataclass(frozen=True)
class Shape:
    """The fixed structure of the optimisation (producers and stores in scenario order)."""

    unit_plant: np.ndarray  # plant index of each producer (0 = pressure-holding plant)
    n_plants: int
    heat_max_mw: np.ndarray  # rating of each producer (MW)
    min_mw: np.ndarray  # minimum load when running (MW); > 0 gets a commitment variable
    booster: np.ndarray  # producer boosting each heat pump (-1: none)
    store_plant: np.ndarray  # plant index of each store
    store_min_mwh: np.ndarray  # soc_min x capacity (MW h)
    store_max_mwh: np.ndarray  # soc_max x capacity (MW h)
    store_keep: np.ndarray  # share of the content kept over an hour: 1 - daily loss / 24
    slack_share: float = SLACK_MIN_SHARE  # least share of the target at the slack plant
    grid_slots: int = 4  # grid limits (groups of units behind a branch) the program can hold

    @property
    def committed(self) -> np.ndarray:
        """Producers that need an on/off decision: those with a minimum load."""
        return np.flatnonzero(self.min_mw > 0.0)

    @property
    def boosted(self) -> np.ndarray:
        """Heat pumps that have a booster."""
        return np.flatnonzero(self.booster >= 0)

    @classmethod
    def build(cls, tables: UnitTables, n_plants: int, store_plant: np.ndarray,
              stores: tuple[Storage, ...]) -> Shape:
        def arr(f):
            return np.array([f(s) for s in stores], dtype=float)
        return cls(tables.plant, n_plants, tables.heat_max_mw,
                   tables.min_load_fraction * tables.heat_max_mw, tables.booster,
                   np.asarray(store_plant, dtype=int),
                   arr(lambda s: s.soc_min * s.capacity_mwh),
                   arr(lambda s: s.soc_max * s.capacity_mwh),
                   arr(lambda s: 1.0 - s.standing_loss_per_day / 24.0))


@dataclass(frozen=True)
class HorizonData:
    """One horizon's forecast, hour 0 = the hour being solved (T hours, U producers, K stores).

    ``value_heat`` and ``value_on`` are the objective per MW h of heat and per hour a committed
    unit runs (its no-load part: fuel at minimum load above the linear slope).
    """

    target_mw: np.ndarray  # (T,) heat to deliver: demand plus expected loss
    capacity_mw: np.ndarray  # (T, U) heat each producer can make
    lower_mw: np.ndarray  # (T, U) heat a must-run producer makes at least
    value_heat: np.ndarray  # (T, U) objective per MW h of heat
    value_on: np.ndarray  # (T, U) objective per hour of running (committed units)
    boost_ratio: np.ndarray  # (T, U) booster heat per MW h of a heat pump's own heat
    charge_max_mw: np.ndarray  # (T, K)
    discharge_max_mw: np.ndarray  # (T, K)
    energy_mwh: np.ndarray  # (K,) in each store at the start
    end_value: np.ndarray  # (K,) objective per MW h left in a store at the end
    penalty: float  # objective per MW h of unserved or surplus heat
    #: (G, T, U) electricity per heat of the units in each learned grid limit (0: not in it)
    grid_el_per_heat: np.ndarray | None = None
    grid_limit_mw: np.ndarray | None = None  # (G, T) electricity the group may draw (inf: free)

    @property
    def hours(self) -> int:
        return len(self.target_mw)


@dataclass(frozen=True)
class Schedule:
    """The optimiser's answer over a horizon (MW, MW h)."""

    heat_mw: np.ndarray  # (T, U)
    store_mw: np.ndarray  # (T, K) net heat into the network: + discharge, - charge
    energy_mwh: np.ndarray  # (T, K) at the end of each hour
    unserved_mw: np.ndarray  # (T,)
    objective: float
    status: str  # HiGHS model status
    seconds: float  # wall time of the solve


def _affine(u, load_min: float, t_sink_k: float, t_source_k: float) -> tuple[float, ...]:
    """(fuel on, fuel slope, el on, el+ on, el slope, el+ slope): fuel and electricity of a
    committed unit as ``on x a + heat x b`` (MW), through its minimum and its full load."""
    h1, hm = u.heat_max_mw, load_min * u.heat_max_mw
    f1, fm = (u.fuel_per_heat(t_sink_k, t_source_k, x) * h for x, h in ((1.0, h1),
                                                                         (load_min, hm)))
    e1, em = (u.el_per_heat(t_sink_k, t_source_k, x) * h for x, h in ((1.0, h1),
                                                                      (load_min, hm)))
    bf, be, bp = (f1 - fm) / (h1 - hm), (e1 - em) / (h1 - hm), (max(e1, 0) - max(em, 0)) / (
        h1 - hm)
    return f1 - bf * h1, bf, e1 - be * h1, max(e1, 0.0) - bp * h1, be, bp


def unit_values(tables: UnitTables, objective: str, t_sink_k: float, t_source_k: np.ndarray,
                grid_g_per_kwh: float, price_eur_per_mwh: float, co2_weight: float,
                min_fraction: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(value per MW h of heat, value per hour on) of each producer in one hour.

    CO2 (t) as the books count it (fuel factor, the CHP's heat share at rated output, grid
    electricity drawn); cost (EUR): fuel with its CO2 price, electricity bought and sold at
    the hour's price; weighted: cost + ``co2_weight`` EUR per t. Units with a minimum load
    follow their part-load curves through two points (minimum and full load).
    """
    fuel, el, _ = per_heat(tables, t_sink_k, t_source_k)
    on_f, on_e, on_p = (np.zeros(len(fuel)) for _ in range(3))
    el_pos = np.maximum(el, 0.0)
    for i in np.flatnonzero(min_fraction > 0):
        on_f[i], fuel[i], on_e[i], on_p[i], el[i], el_pos[i] = _affine(
            tables.units[i], float(min_fraction[i]), t_sink_k, float(t_source_k[i]))
    co2_fuel = tables.fuel_t_per_mwh * tables.chp_heat_share
    grid_t = float(grid_t_per_mwh(grid_g_per_kwh))
    co2 = fuel * co2_fuel + el_pos * grid_t, on_f * co2_fuel + on_p * grid_t
    cost = (fuel * tables.fuel_eur_per_mwh + el * price_eur_per_mwh,
            on_f * tables.fuel_eur_per_mwh + on_e * price_eur_per_mwh)
    if objective == "cost":
        return cost
    if objective == "weighted":
        return cost[0] + co2_weight * co2[0], cost[1] + co2_weight * co2[1]
    return (co2[0] + CO2_COST_TIE_T_PER_EUR * cost[0],
            co2[1] + CO2_COST_TIE_T_PER_EUR * cost[1])


def hour_supply(tables: UnitTables, t_supply_k: float, t_in_k: np.ndarray,
                t_source_k: np.ndarray, availability: np.ndarray, source_max_mw: np.ndarray
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(capacity in MW, booster ratio, electricity per heat) of each producer in an hour at
    the supply temperature and each producer's plant inlet estimate ``t_in_k`` (K)."""
    ratio = boost_ratio(t_supply_k, t_in_k, tables.t_outlet_max_k)
    cap = capacity_mw(tables, t_supply_k, t_source_k, availability, source_max_mw, ratio)
    _, el, _ = per_heat(tables, t_supply_k, t_source_k)
    return cap, np.where(np.isfinite(ratio), ratio, 0.0), el


def end_values(shape: Shape, value_heat: np.ndarray, capacity_mw: np.ndarray) -> np.ndarray:
    """Worth of a MW h left in each store at the horizon's end: the cheapest it could be made
    again at the store's plant within the horizon, less a day's standing loss. (Never more
    than refilling costs, so holding heat is never better than using it when it is dearer.)"""
    out = np.zeros(len(shape.store_plant))
    for k, p in enumerate(shape.store_plant):
        at = (shape.unit_plant == p)[None, :] & (capacity_mw > 0.0)
        if at.any():
            out[k] = max(float(np.min(value_heat[at])), 0.0) * shape.store_keep[k] ** 24
    return out


def unserved_penalty(value_heat: np.ndarray) -> float:
    """Penalty per MW h of unserved or surplus heat: far above any unit's value."""
    finite = np.abs(value_heat[np.isfinite(value_heat)])
    return UNSERVED_FACTOR * max(float(finite.max(initial=0.0)), 1.0)

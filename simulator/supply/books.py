"""The books of an hour: unit tables, capacity, and fuel, electricity and CO2 per unit.

:class:`UnitTables` holds the producers' parameters as arrays (PyPSA-style component table);
:func:`capacity_mw` says what each can make this hour; :class:`Books` turns a solved heat state
and the dispatched heat into fuel (MW), electricity (MW) and CO2 (t) per unit for the hour.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from simulator.config import Scenario
from simulator.config.units import booster_tags
from simulator.heat import HeatState
from simulator.supply.carbon import (
    FUEL_EUR_PER_MWH,
    emissions_t,
    fuel_t_per_mwh,
    grid_t_per_mwh,
)
from simulator.supply.physics import pump_el_mw, source_limited_heat_mw
from simulator.supply.producers import SupplyUnit


@dataclass(frozen=True)
class PumpSpec:
    """A plant's circulation pump as an electric consumer."""

    plant_index: int
    bus: str
    efficiency: float


@dataclass(frozen=True)
class UnitTables:
    """Producer parameters as arrays, one entry per producer (config order)."""

    units: tuple[SupplyUnit, ...]
    plant: np.ndarray  # plant index (0 = slack)
    heat_max_mw: np.ndarray
    min_load_fraction: np.ndarray
    must_run: np.ndarray
    fuel_t_per_mwh: np.ndarray  # CO2 factor of the fuel (t per MW h of fuel), 0 if none
    fuel_eur_per_mwh: np.ndarray  # fuel price incl. CO2 cost (EUR per MW h of fuel)
    chp_heat_share: np.ndarray  # share of a CHP's CO2 allocated to heat at rated output (1)
    booster: np.ndarray  # producer that boosts a heat pump above its outlet limit (-1: none)
    t_outlet_max_k: np.ndarray  # a heat pump's outlet limit (K); inf for other units

    @classmethod
    def build(cls, units: list[SupplyUnit], plants: list[str], scenario: Scenario
              ) -> UnitTables:
        """Tables for ``units`` with the scenario's carbon factors and prices."""
        factors = scenario.carbon.fuel_t_per_tj
        prices = {**FUEL_EUR_PER_MWH, **scenario.prices.fuel_eur_per_mwh}
        co2_price = scenario.prices.co2_eur_per_t
        fuel_t = np.array([fuel_t_per_mwh(u.fuel, factors) if u.fuel else 0.0 for u in units])
        return cls(
            units=tuple(units),
            plant=np.array([plants.index(u.plant) for u in units], dtype=int),
            heat_max_mw=np.array([u.heat_max_mw for u in units], dtype=float),
            min_load_fraction=np.array([u.min_load_fraction for u in units], dtype=float),
            must_run=np.array([u.must_run for u in units], dtype=bool),
            fuel_t_per_mwh=fuel_t,
            fuel_eur_per_mwh=np.array([prices.get(u.fuel, 0.0) if u.fuel else 0.0
                                       for u in units]) + fuel_t * co2_price,
            chp_heat_share=np.array([u.rated_co2_heat_share(scenario.carbon.chp_allocation)
                                     for u in units]),
            booster=boosters(units, _named_boosters(scenario)),
            t_outlet_max_k=np.array([u.t_outlet_max_k for u in units]),
        )


def _named_boosters(scenario: Scenario) -> dict[str, str]:
    return {u.name: u.booster for u in scenario.units
            if getattr(u, "booster", None) is not None}


def boosters(units: list[SupplyUnit], named: dict[str, str]) -> np.ndarray:
    """Index of each booster among ``units`` (-1: none, or a unit without an outlet limit).

    A unit with an outlet limit (``t_outlet_max_k``: a heat pump) gets one: a named booster
    wins; otherwise the first unit of the same plant that can boost (a boiler, electric boiler
    or CHP: ``can_boost`` of its type) listed after it, else the first listed before it.
    """
    out = np.full(len(units), -1, dtype=int)
    names = [u.name for u in units]
    can_boost = booster_tags()
    for i, u in enumerate(units):
        if not np.isfinite(u.t_outlet_max_k):
            continue
        if u.name in named:
            out[i] = names.index(named[u.name])
            continue
        same = [j for j, v in enumerate(units) if v.plant == u.plant and v.kind in can_boost]
        after = [j for j in same if j > i]
        out[i] = after[0] if after else (same[0] if same else -1)
    return out


def per_heat(tables: UnitTables, t_sink_k: np.ndarray | float, t_source_k: np.ndarray,
             load: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(fuel per heat, electricity per heat, COP) of each producer at these temperatures and
    loads (share of rating; rated load by default)."""
    n = len(tables.units)
    t_sink = np.broadcast_to(np.asarray(t_sink_k, dtype=float), (n,))
    loads = np.ones(n) if load is None else np.asarray(load, dtype=float)
    rows = [u.per_heat(float(ts), float(tq), float(x))
            for u, ts, tq, x in zip(tables.units, t_sink, t_source_k, loads, strict=True)]
    out = np.array(rows, dtype=float).reshape(n, 3)
    return out[:, 0], out[:, 1], out[:, 2]


def capacity_mw(tables: UnitTables, t_sink_k: np.ndarray | float, t_source_k: np.ndarray,
                availability: np.ndarray, source_max_mw: np.ndarray | None = None,
                boost: np.ndarray | None = None) -> np.ndarray:
    """Heat each producer can make (MW) at these temperatures, times ``availability`` (1).

    0 where a unit cannot run (air source too cold, waste heat too cool); a heat pump is held
    to its compressor power and to what its source gives (``source_max_mw``, MW), and to 0 when
    it needs a booster (``boost`` > 0, booster heat per MW of its own) it does not have, or
    cannot lift above its inlet at all (``boost`` inf).
    """
    n = len(tables.units)
    t_sink = np.broadcast_to(np.asarray(t_sink_k, dtype=float), (n,))
    cap = np.array([u.capacity_mw(ts, tq)
                    for u, ts, tq in zip(tables.units, t_sink, t_source_k, strict=True)])
    cap = cap * availability
    if source_max_mw is not None and np.isfinite(source_max_mw).any():
        cop = np.array([u.cop(ts, tq)
                        for u, ts, tq in zip(tables.units, t_sink, t_source_k, strict=True)])
        cap = np.minimum(cap, np.where(np.isfinite(source_max_mw),
                                       source_limited_heat_mw(source_max_mw, cop), np.inf))
    if boost is not None:
        stuck = np.isinf(boost) | ((boost > 0) & (tables.booster < 0))
        cap = np.where(stuck, 0.0, cap)
    return cap


@dataclass(frozen=True)
class BookedHour:
    """Per-unit quantities of one hour (MW, t, 1) and the pumps'."""

    fuel_mw: np.ndarray
    el_mw: np.ndarray  # drawn (+) or fed in (-)
    co2_t: np.ndarray  # attributed to heat
    cop: np.ndarray
    pump_el_mw: np.ndarray
    pump_co2_t: np.ndarray
    chp_power_co2_t: float  # CHP emissions allocated to electricity
    t_out_k: np.ndarray  # a heat pump's own outlet temperature (K); NaN for other units


class Books:
    """Turns dispatched heat and a solved network into fuel, electricity and CO2."""

    def __init__(self, tables: UnitTables, pumps: list[PumpSpec],
                 density: Callable[[float], np.ndarray], chp_allocation: str) -> None:
        self._t = tables
        self._pumps = pumps
        self._density = density
        self._chp_allocation = chp_allocation

    def hour(self, state: HeatState, heat_mw: np.ndarray, t_source_k: np.ndarray,
             grid_g_per_kwh: float) -> BookedHour:
        """Books for producers delivering ``heat_mw`` into the solved ``state``."""
        t = self._t
        t_sink_k = state.plant_t_supply_k[t.plant]
        load = np.divide(heat_mw, t.heat_max_mw, out=np.ones(len(heat_mw)),
                         where=t.heat_max_mw > 0)
        fuel_ph, el_ph, cop = per_heat(t, t_sink_k, t_source_k, load)
        # a unit that makes no heat uses nothing, even at a plant out of service this hour
        # (whose sink temperature, and so COP, is NaN)
        running = heat_mw > 0.0
        fuel_mw = np.where(running, heat_mw * fuel_ph, 0.0)
        el_mw = np.where(running, heat_mw * el_ph, 0.0)
        share = np.array([u.co2_heat_share(h, e, self._chp_allocation)
                          for u, h, e in zip(t.units, heat_mw, el_mw, strict=True)])
        direct = emissions_t(fuel_mw, t.fuel_t_per_mwh)
        grid = float(grid_t_per_mwh(grid_g_per_kwh))
        pump_mw = np.array([
            pump_el_mw(state.plant_mdot_kg_per_s[p.plant_index],
                       state.plant_plift_bar[p.plant_index],
                       float(self._density(state.plant_t_return_k[p.plant_index])),
                       p.efficiency)
            for p in self._pumps
        ])
        return BookedHour(
            fuel_mw=fuel_mw,
            el_mw=el_mw,
            co2_t=direct * share + emissions_t(np.maximum(el_mw, 0.0), grid),
            cop=cop,
            pump_el_mw=pump_mw,
            pump_co2_t=emissions_t(pump_mw, grid),
            chp_power_co2_t=float(np.sum(direct * (1.0 - share))),
            t_out_k=np.where(np.isfinite(t.t_outlet_max_k) & running,
                             np.minimum(t_sink_k, t.t_outlet_max_k), np.nan),
        )

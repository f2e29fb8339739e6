"""What an hour leaves in the cube: the recorder rows of a solved or a failed hour.

The ``unit`` dimension lists the scenario's units in config order (producers and stores), then
one circulation pump per ``pumps`` entry; :class:`UnitLayout` places per-producer, per-store
and per-pump arrays into rows of that dimension.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from simulator.adapters import GridAdapter, HeatAdapter
from simulator.grid import GridState
from simulator.heat import HeatState
from simulator.inputs import HourlyInputs
from simulator.operation.limits import LimitCheck
from simulator.supply.books import BookedHour, UnitTables

Values = dict[str, float | str | np.ndarray]


@dataclass(frozen=True)
class UnitLayout:
    """Positions of producers and stores among the scenario units; pumps come after them."""

    producers: np.ndarray  # scenario positions of the producers
    stores: np.ndarray  # scenario positions of the stores
    n_scenario: int  # producers + stores
    n_units: int  # entries of the cube's unit dimension (scenario units, then pumps)

    def rows(self, prod: np.ndarray | float, store: np.ndarray | float,
             pumps: np.ndarray | float, fill: float = 0.0) -> np.ndarray:
        """One value per unit of the cube: producers, stores and pumps in their places."""
        row = np.full(self.n_units, fill)
        row[self.producers] = prod
        row[self.stores] = store
        row[self.n_scenario:] = pumps
        return row


@dataclass(frozen=True)
class SolvedHour:
    """Everything a converged hour books (MW, MW h)."""

    state: HeatState
    unit_heat_mw: np.ndarray
    store_mw: np.ndarray
    books: BookedHour
    grid: GridState
    store_energy_mwh: np.ndarray
    store_loss_mwh: np.ndarray


def inputs_record(layout: UnitLayout, inp: HourlyInputs, h: int, share: np.ndarray,
                  capacity_mw: np.ndarray, heat_max_mw: np.ndarray) -> Values:
    """What is known before solving: demand, weather, set points, availability."""
    available = np.ones(layout.n_units)
    available[layout.producers] = capacity_mw / heat_max_mw
    available[layout.stores] = share[layout.stores]
    t_source = np.full(layout.n_units, np.nan)
    t_source[layout.producers] = inp.unit_t_source_k[h]
    return {
        "consumer_demand_mw": inp.demand_mw[h],
        "heat_demand_mw": float(inp.demand_mw[h].sum()),
        "t_air_k": float(inp.t_air_k[h]),
        "t_ground_k": float(inp.t_ground_k[h]),
        "t_supply_k": float(inp.t_supply_k[h]),
        "grid_co2_intensity": float(inp.grid_intensity_g_per_kwh[h]),
        "grid_co2_marginal_intensity": float(inp.grid_marginal_g_per_kwh[h]),
        "electricity_price": float(inp.electricity_eur_per_mwh[h]),
        "unit_available": available,
        "unit_t_source_k": t_source,
    }


def units_record(layout: UnitLayout, s: SolvedHour) -> Values:
    """Per-unit heat, electricity, fuel, CO2, COP and store books of a solved hour."""
    b = s.books
    no_store = np.full(len(layout.stores), np.nan)
    unit_co2 = layout.rows(b.co2_t, 0.0, b.pump_co2_t)
    return {
        "unit_heat_mw": layout.rows(s.unit_heat_mw, s.store_mw, 0.0),
        "unit_el_mw": layout.rows(b.el_mw, 0.0, b.pump_el_mw),
        "unit_fuel_mw": layout.rows(b.fuel_mw, 0.0, 0.0),
        "unit_co2_t": unit_co2,
        "unit_cop": layout.rows(b.cop, no_store, np.nan),
        "storage_energy_mwh": layout.rows(np.nan, s.store_energy_mwh, np.nan, np.nan),
        "storage_loss_mwh": layout.rows(np.nan, s.store_loss_mwh, np.nan, np.nan),
        "unit_t_out_k": layout.rows(b.t_out_k, np.nan, np.nan, np.nan),
        "heat_supplied_mw": float(s.unit_heat_mw.sum() + s.store_mw.sum()),
        "co2_t": float(unit_co2.sum()),
        "chp_power_co2_t": b.chp_power_co2_t,
    }


def networks_record(state: HeatState, grid: GridState, heat: HeatAdapter,
                    electric: GridAdapter) -> Values:
    """Heat-network and grid results of an hour, solved or failed (NaN), and what is in service."""
    return {
        "consumer_heat_mw": state.consumer_q_w * 1e-6,
        "consumer_t_supply_k": state.consumer_t_supply_k,
        "consumer_dp_bar": state.consumer_dp_bar,
        "consumer_transit_h": (np.full(len(state.consumer_q_w), np.nan)
                               if state.consumer_transit_s is None
                               else state.consumer_transit_s / 3600.0),
        "junction_t_k": state.junction_t_k,
        "junction_p_bar": state.junction_p_bar,
        "pipe_mdot_kg_per_s": state.pipe_mdot_kg_per_s,
        "pipe_v_m_per_s": state.pipe_v_m_per_s,
        "plant_heat_mw": state.plant_q_w * 1e-6,
        "plant_plift_bar": state.plant_plift_bar,
        "plant_t_supply_k": state.plant_t_supply_k,
        "plant_t_return_k": state.plant_t_return_k,
        "bus_vm_pu": grid.bus_vm_pu,
        "line_loading_percent": grid.line_loading_percent,
        "trafo_loading_percent": grid.trafo_loading_percent,
        "line_in_service": electric.in_service("line"),
        "trafo_in_service": electric.in_service("trafo"),
        "pipe_in_service": heat.pipes_in_service(),
    }


def solved_record(layout: UnitLayout, inp: HourlyInputs, h: int, s: SolvedHour,
                  heat: HeatAdapter, electric: GridAdapter) -> Values:
    """Electricity, fuel, CO2, stores and network results of a converged hour."""
    delivered_mw = float(s.state.consumer_q_w.sum() * 1e-6)
    return {
        "consumer_unserved_mw": np.maximum(inp.demand_mw[h] - s.state.consumer_q_w * 1e-6, 0.0),
        **units_record(layout, s),
        **networks_record(s.state, s.grid, heat, electric),
        "heat_loss_mw": s.state.loss_w * 1e-6,
        "network_heat_stored_mwh": s.state.network_heat_j / 3.6e9,
        "network_heat_change_mw": s.state.network_heat_change_w * 1e-6,
        "unserved_heat_mw": max(float(inp.demand_mw[h].sum()) - delivered_mw, 0.0),
        "heat_iterations": s.state.iterations,
        "grid_import_mw": s.grid.ext_grid_p_mw,
        "heat_converged": 1.0,
        "grid_converged": float(s.grid.converged),
        "converged": float(s.grid.converged),
    }


def failed_record(layout: UnitLayout, heat: HeatAdapter, electric: GridAdapter,
                  store_energy_mwh: np.ndarray, store_loss_mwh: np.ndarray) -> Values:
    """An hour whose heat network did not converge: NaN results, flags 0.

    Stores stand still (no charge or discharge) but keep their standing loss, so their
    energy books stay exact across failed hours.
    """
    nan_units = layout.rows(np.nan, 0.0, np.nan, np.nan)
    return {
        "unit_heat_mw": nan_units, "unit_el_mw": nan_units, "unit_fuel_mw": nan_units,
        "unit_co2_t": nan_units, "unit_cop": layout.rows(np.nan, np.nan, np.nan),
        "storage_energy_mwh": layout.rows(np.nan, store_energy_mwh, np.nan, np.nan),
        "storage_loss_mwh": layout.rows(np.nan, store_loss_mwh, np.nan, np.nan),
        **networks_record(heat.failed_state(), electric.failed_state(), heat, electric),
        "grid_converged": 0.0, "converged": 0.0, "grid_limits_ok": 0.0, "heat_converged": 0.0,
        "feasible": 0.0,
    }


def boost_record(layout: UnitLayout, booster: np.ndarray, ratio: np.ndarray,
                 heat_mw: np.ndarray) -> Values:
    """Heat each unit made to lift heat pumps above their outlet limit (MW; part of its heat)."""
    boosted = (booster >= 0) & (ratio > 0) & np.isfinite(ratio) & (heat_mw > 0)
    boost = np.minimum(np.bincount(booster[boosted], weights=heat_mw[boosted] * ratio[boosted],
                                   minlength=len(heat_mw)), heat_mw)
    return {"unit_boost_mw": layout.rows(boost, 0.0, 0.0)}


def operation_record(limits: Mapping[str, LimitCheck], grid_limits: Mapping[str, LimitCheck],
                     grid_ok: bool, enforced: bool) -> Values:
    """Each operating limit kind of the heat network (``limits``) and of the grid
    (``grid_limits``): whether it held, its worst margin and the element setting it.

    ``feasible``: every heat-network kind held and the grid kept its limits (``grid_ok``: it
    converged and every grid kind held), the grid counting where the scenario enforces its
    limits (``enforced``: coupling enabled; otherwise they are only recorded).
    """
    out: Values = {}
    for kind, c in {**limits, **grid_limits}.items():
        out[f"op_{kind}_ok"] = float(c.ok)
        out[f"op_{kind}_margin"] = c.margin
        out[f"op_{kind}_element"] = c.element
    out["feasible"] = float((grid_ok or not enforced) and all(c.ok for c in limits.values()))
    return out


def market_record(layout: UnitLayout, tables: UnitTables, inp: HourlyInputs, h: int,
                  books: BookedHour) -> Values:
    """The hour's cost per unit (EUR: fuel with its CO2 price, electricity bought at the hour's
    price, CHP power sold at it) and its CO2 under marginal accounting (t: the same books with
    grid electricity at the marginal plant's intensity instead of the average)."""
    price = float(inp.electricity_eur_per_mwh[h])
    unit_cost = books.fuel_mw * tables.fuel_eur_per_mwh + books.el_mw * price
    pump_cost = books.pump_el_mw * price
    drawn_mw = float(np.clip(books.el_mw, 0.0, None).sum() + books.pump_el_mw.sum())
    shift_t_per_mwh = (float(inp.grid_marginal_g_per_kwh[h])
                       - float(inp.grid_intensity_g_per_kwh[h])) * 1e-3
    co2_average_t = float(books.co2_t.sum() + books.pump_co2_t.sum())
    return {
        "unit_cost_eur": layout.rows(unit_cost, 0.0, pump_cost),
        "cost_eur": float(unit_cost.sum() + pump_cost.sum()),
        "co2_marginal_t": co2_average_t + drawn_mw * shift_t_per_mwh,
    }

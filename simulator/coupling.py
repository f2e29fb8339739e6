"""One coupled hour: dispatch -> heat network (pandapipes) -> electricity (pandapower) -> books.

:class:`CoupledStep` holds the units and both adapters and turns the inputs of hour ``h`` into
the values the recorder stores. It knows nothing of SimPy; :mod:`simulator.engine` calls it.
The unit dimension of the cube lists the scenario's units in config order (producers and
stores), then one circulation pump per ``pumps`` entry.
"""

from __future__ import annotations

import numpy as np

from simulator.books import Books, PumpSpec, UnitTables, marginal_values
from simulator.config import Scenario, StorageUnit
from simulator.dispatch import (
    allocate,
    marginal_value,
    merit_order,
    plan_hour,
    split_plant_heat,
    storage_action,
    storage_value,
)
from simulator.district import District
from simulator.heat import HeatInputs, HeatState
from simulator.inputs import HourlyInputs
from simulator.storage import Storage, limits_mw, next_energy_mwh
from simulator.supply import build_unit

#: Overflow of the slack plant beyond its units' capacity (share of its heat) that makes the
#: step re-solve with less demand served instead of booking the excess on the last unit.
OVERFLOW_TOLERANCE = 0.002
MAX_PASSES = 3
PUMP_SUFFIX = "_pump"

Values = dict[str, float | np.ndarray]


def _store(spec: StorageUnit, plant: str) -> Storage:
    return Storage(
        name=spec.name, plant=plant, capacity_mwh=spec.capacity_mwh,
        charge_max_mw=spec.charge_mw or spec.heat_mw, discharge_max_mw=spec.heat_mw,
        standing_loss_per_day=spec.standing_loss_per_day, soc_min=spec.soc_min,
        soc_max=spec.soc_max, soc_initial=spec.soc_initial,
    )


class CoupledStep:
    """Solves hours of a scenario on a district, one call per hour, in order."""

    def __init__(self, scenario: Scenario, district: District, inputs: HourlyInputs) -> None:
        self._heat = district.heat
        self._grid = district.grid
        self._inputs = inputs
        self._dispatch = scenario.dispatch
        plants = self._heat.plant_names
        slack = self._heat.slack_plant_name
        specs = scenario.units
        self._prod_pos = np.array([i for i, u in enumerate(specs)
                                   if not isinstance(u, StorageUnit)], dtype=int)
        self._store_pos = np.array([i for i, u in enumerate(specs)
                                    if isinstance(u, StorageUnit)], dtype=int)
        producers = [build_unit(specs[i], slack) for i in self._prod_pos]
        self._stores = [_store(specs[i], specs[i].plant or slack) for i in self._store_pos]
        self._tables = UnitTables.build(producers, plants, scenario)
        self._store_plant = np.array([plants.index(s.plant) for s in self._stores], dtype=int)
        self._energy_mwh = np.array([s.initial_mwh for s in self._stores])
        pumps = [PumpSpec(plants.index(p.plant), p.bus, p.efficiency) for p in scenario.pumps]
        self.unit_names = [u.name for u in specs] + [
            plants[p.plant_index] + PUMP_SUFFIX for p in pumps
        ]
        self._books = Books(self._tables, pumps, self._heat.density_kg_per_m3,
                            scenario.carbon.chp_allocation)
        el_prod = [u for u in producers if u.bus is not None]
        self._el_prod = np.array([u.bus is not None for u in producers], dtype=bool)
        self._grid.attach([u.name for u in el_prod] + self.unit_names[len(specs):],
                          [str(u.bus) for u in el_prod] + [p.bus for p in pumps])
        self._n_units = len(specs)
        self._n_pumps = len(pumps)
        self._loss_guess_mw = 0.0
        self._value = self._storage_values() if self._stores else None

    @property
    def n_scenario_units(self) -> int:
        """Units the scenario lists (producers and stores), without pumps."""
        return self._n_units

    @property
    def n_units(self) -> int:
        """Entries of the cube's ``unit`` dimension: scenario units, then pumps."""
        return len(self.unit_names)

    def _hour_marginals(self, h: int, t_sink_k: float) -> tuple[np.ndarray, np.ndarray]:
        """(marginal value, available capacity in MW) of each producer in hour ``h``."""
        inp = self._inputs
        return marginal_values(
            self._tables, self._dispatch.order_by, t_sink_k, inp.unit_t_source_k[h],
            float(inp.grid_intensity_g_per_kwh[h]), float(inp.electricity_eur_per_mwh[h]),
            inp.unit_availability[h],
        )

    def _storage_values(self) -> np.ndarray:
        """Value of stored heat each hour from a network-free dispatch of the whole period."""
        inp = self._inputs
        series = np.empty(len(inp.time))
        for h in range(len(inp.time)):
            marginal, capacity = self._hour_marginals(h, float(inp.t_supply_k[h]))
            order = merit_order(marginal, self._dispatch.order_by, self._tables.must_run)
            heat = allocate(float(inp.demand_mw[h].sum()), capacity, order)
            series[h] = marginal_value(heat, marginal)
        return storage_value(series, self._dispatch.storage_window_h)

    def step(self, h: int, available: np.ndarray) -> Values:
        """Solve hour ``h`` with ``available`` (bool per scenario unit); values to record."""
        inp = self._inputs
        t_supply_k = float(inp.t_supply_k[h])
        demand_mw = inp.demand_mw[h]
        marginal, capacity = self._hour_marginals(h, t_supply_k)
        capacity = np.where(available[self._prod_pos], capacity, 0.0)
        order = merit_order(marginal, self._dispatch.order_by, self._tables.must_run)
        min_mw = self._tables.min_load_fraction * self._tables.heat_max_mw
        store_mw = self._store_plan(h, available, float(demand_mw.sum()), capacity, marginal,
                                    order)
        base = self._inputs_record(h, available, capacity)
        served_mw = float(demand_mw.sum())
        for _ in range(MAX_PASSES):
            plan = plan_hour(served_mw, self._loss_guess_mw, capacity, order,
                             self._tables.plant, len(self._heat.plant_names), min_mw,
                             store_mw, self._store_plant)
            scale = plan.served_fraction * served_mw / max(float(demand_mw.sum()), 1e-12)
            state = self._heat.step(HeatInputs(
                consumer_q_w=demand_mw * scale * 1e6, t_supply_k=t_supply_k,
                t_return_k=inp.t_return_k, t_ground_k=float(inp.t_ground_k[h]),
                fixed_plant_q_w=plan.fixed_plant_mw * 1e6,
            ))
            if not state.converged:
                return {**base, **self._failed(store_mw * 0.0), "heat_converged": 0.0}
            self._loss_guess_mw = state.loss_w * 1e-6
            plant_mw = state.plant_q_w * 1e-6
            store_mw = self._settle_stores(plant_mw, store_mw)
            per_plant_store = np.bincount(self._store_plant, weights=store_mw,
                                          minlength=len(plant_mw))
            heat_mw, overflow = split_plant_heat(plant_mw - per_plant_store, capacity, order,
                                                 self._tables.plant, min_mw)
            if overflow[0] <= OVERFLOW_TOLERANCE * plant_mw[0]:
                break
            served_mw = max(served_mw * scale - overflow[0], 0.0)
        return {**base, **self._record(h, state, heat_mw, store_mw)}

    def _store_plan(self, h: int, available: np.ndarray, demand_mw: float,
                    capacity: np.ndarray, marginal: np.ndarray, order: np.ndarray
                    ) -> np.ndarray:
        """Net heat of each store this hour (MW, + discharge, - charge), stores in turn."""
        out = np.zeros(len(self._stores))
        for k, store in enumerate(self._stores):
            if not available[self._store_pos[k]] or self._value is None:
                continue
            charge_max, discharge_max = limits_mw(store, float(self._energy_mwh[k]))
            out[k] = storage_action(
                float(self._value[h]), self._dispatch.storage_spread,
                demand_mw + self._loss_guess_mw - out[:k].sum(), capacity, marginal, order,
                charge_max, discharge_max,
            )
        return out

    def _settle_stores(self, plant_mw: np.ndarray, store_mw: np.ndarray) -> np.ndarray:
        """Stores at a plant never feed in more than the plant delivered to the network."""
        out = store_mw.copy()
        for k, p in enumerate(self._store_plant):
            if out[k] > 0.0:
                at_plant = out[(self._store_plant == p) & (out > 0.0)].sum()
                if at_plant > plant_mw[p]:
                    out[k] *= max(plant_mw[p], 0.0) / at_plant
        return out

    def _inputs_record(self, h: int, available: np.ndarray, capacity: np.ndarray) -> Values:
        """What is known before solving: demand, weather, set points, availability."""
        inp = self._inputs
        share = np.ones(self.n_units)
        share[self._prod_pos] = capacity / self._tables.heat_max_mw
        share[self._store_pos] = available[self._store_pos]
        t_source = np.full(self.n_units, np.nan)
        t_source[self._prod_pos] = inp.unit_t_source_k[h]
        return {
            "consumer_demand_mw": inp.demand_mw[h],
            "heat_demand_mw": float(inp.demand_mw[h].sum()),
            "t_air_k": float(inp.t_air_k[h]),
            "t_ground_k": float(inp.t_ground_k[h]),
            "t_supply_k": float(inp.t_supply_k[h]),
            "grid_co2_intensity": float(inp.grid_intensity_g_per_kwh[h]),
            "unit_available": share,
            "unit_t_source_k": t_source,
        }

    def _store_books(self, store_mw: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Advance the stores by one hour; (energy at the end, standing loss) per store."""
        loss = np.zeros(len(self._stores))
        for k, store in enumerate(self._stores):
            self._energy_mwh[k], loss[k] = next_energy_mwh(store, float(self._energy_mwh[k]),
                                                          float(store_mw[k]))
        return self._energy_mwh.copy(), loss

    def _unit_rows(self, prod: np.ndarray, store: np.ndarray, pumps: np.ndarray,
                   fill: float = 0.0) -> np.ndarray:
        row = np.full(self.n_units, fill)
        row[self._prod_pos] = prod
        row[self._store_pos] = store
        row[self._n_units:] = pumps
        return row

    def _record(self, h: int, state: HeatState, heat_mw: np.ndarray, store_mw: np.ndarray
                ) -> Values:
        """Electricity, fuel, CO2, stores and grid results for a solved heat state."""
        inp = self._inputs
        b = self._books.hour(state, heat_mw, inp.unit_t_source_k[h],
                             float(inp.grid_intensity_g_per_kwh[h]))
        energy, loss = self._store_books(store_mw)
        no_store = np.full(len(self._stores), np.nan)
        grid = self._grid.step(
            np.concatenate([b.el_mw[self._el_prod], b.pump_el_mw]),
            background_scale=float(inp.electric_load_scale[h]),
        )
        unit_co2 = self._unit_rows(b.co2_t, 0.0, b.pump_co2_t)
        delivered_mw = float(state.consumer_q_w.sum() * 1e-6)
        return {
            "unit_heat_mw": self._unit_rows(heat_mw, store_mw, 0.0),
            "unit_el_mw": self._unit_rows(b.el_mw, 0.0, b.pump_el_mw),
            "unit_fuel_mw": self._unit_rows(b.fuel_mw, 0.0, 0.0),
            "unit_co2_t": unit_co2,
            "unit_cop": self._unit_rows(b.cop, no_store, np.nan),
            "storage_energy_mwh": self._unit_rows(np.nan, energy, np.nan, np.nan),
            "storage_loss_mwh": self._unit_rows(np.nan, loss, np.nan, np.nan),
            "consumer_heat_mw": state.consumer_q_w * 1e-6,
            "consumer_t_supply_k": state.consumer_t_supply_k,
            "consumer_dp_bar": state.consumer_dp_bar,
            "junction_t_k": state.junction_t_k,
            "junction_p_bar": state.junction_p_bar,
            "pipe_mdot_kg_per_s": state.pipe_mdot_kg_per_s,
            "heat_supplied_mw": float(heat_mw.sum() + store_mw.sum()),
            "heat_loss_mw": state.loss_w * 1e-6,
            "unserved_heat_mw": max(float(inp.demand_mw[h].sum()) - delivered_mw, 0.0),
            "heat_iterations": state.iterations,
            "co2_t": float(unit_co2.sum()),
            "chp_power_co2_t": b.chp_power_co2_t,
            "bus_vm_pu": grid.bus_vm_pu,
            "line_loading_percent": grid.line_loading_percent,
            "trafo_loading_percent": grid.trafo_loading_percent,
            "grid_import_mw": grid.ext_grid_p_mw,
            "heat_converged": 1.0,
            "grid_converged": float(grid.converged),
            "converged": float(grid.converged),
        }

    def _failed(self, store_mw: np.ndarray) -> Values:
        """An hour whose heat network did not converge: NaN results, flags 0.

        Stores stand still (no charge or discharge) but keep their standing loss, so their
        energy books stay exact across failed hours.
        """
        heat = self._heat.failed_state()
        grid = self._grid.failed_state()
        energy, loss = self._store_books(store_mw)
        nan_units = self._unit_rows(np.nan, 0.0, np.nan, np.nan)
        return {
            "unit_heat_mw": nan_units, "unit_el_mw": nan_units, "unit_fuel_mw": nan_units,
            "unit_co2_t": nan_units, "unit_cop": self._unit_rows(np.nan, np.nan, np.nan),
            "storage_energy_mwh": self._unit_rows(np.nan, energy, np.nan, np.nan),
            "storage_loss_mwh": self._unit_rows(np.nan, loss, np.nan, np.nan),
            "consumer_heat_mw": heat.consumer_q_w,
            "consumer_t_supply_k": heat.consumer_t_supply_k,
            "consumer_dp_bar": heat.consumer_dp_bar,
            "junction_t_k": heat.junction_t_k, "junction_p_bar": heat.junction_p_bar,
            "pipe_mdot_kg_per_s": heat.pipe_mdot_kg_per_s,
            "bus_vm_pu": grid.bus_vm_pu, "line_loading_percent": grid.line_loading_percent,
            "trafo_loading_percent": grid.trafo_loading_percent,
            "grid_converged": 0.0, "converged": 0.0,
        }

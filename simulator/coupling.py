"""One coupled hour: dispatch -> heat network (pandapipes) -> electricity (pandapower) -> books.

:class:`CoupledStep` holds the units and both adapters and turns the inputs of hour ``h`` into
the values the recorder stores. It knows nothing of SimPy; :mod:`simulator.engine` calls it.
The unit dimension of the cube lists the scenario's units in config order (producers and
stores), then one circulation pump per ``pumps`` entry.
"""

from __future__ import annotations

import numpy as np

from simulator.books import BookedHour, Books, PumpSpec, UnitTables, marginal_values
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
from simulator.events import Outages
from simulator.feedback import Limits, extra_curtailment_mw, violations
from simulator.grid import GridState
from simulator.heat import HeatInputs, HeatState
from simulator.inputs import HourlyInputs
from simulator.storage import Storage, StoreBank
from simulator.supply import build_unit

#: Overflow of the slack plant beyond its units' capacity (share of its heat) that makes the
#: step re-solve with less demand served instead of booking the excess on the last unit.
OVERFLOW_TOLERANCE = 0.002
MAX_PASSES = 3
#: When a solve with fixed-flow plants fails (typically the slack plant's flow reversing because
#: the fixed plants overshoot at a small temperature difference), retry with them scaled down;
#: the slack plant takes the difference and the books follow the solved heat.
FIXED_PLANT_BACK_OFF = (1.0, 0.9, 0.7)
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
        stores = [_store(specs[i], specs[i].plant or slack) for i in self._store_pos]
        self._bank = StoreBank(stores, np.array([plants.index(s.plant) for s in stores],
                                                dtype=int))
        self._tables = UnitTables.build(producers, plants, scenario)
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
        self._value = self._storage_values() if len(self._bank) else None
        c = scenario.coupling
        self._coupling = c
        branches = self._grid.line_names + self._grid.trafo_names
        self._limits = Limits(c.vm_pu[0], c.vm_pu[1], np.array(
            [c.loading_limits_percent.get(name, c.max_loading_percent) for name in branches]))
        self._outages = Outages()

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

    def step(self, h: int, share: np.ndarray, outages: Outages | None = None) -> Values:
        """Solve hour ``h``: ``share`` of each scenario unit available, elements ``outages``.

        Grid feedback: while a branch is overloaded or a bus is below its band, the electric
        units behind it are curtailed, heat is re-dispatched and both networks are solved again.
        """
        inp = self._inputs
        self._apply(outages or Outages())
        marginal, capacity = self._hour_marginals(h, float(inp.t_supply_k[h]))
        capacity = capacity * share[self._prod_pos]
        order = merit_order(marginal, self._dispatch.order_by, self._tables.must_run)
        demand = float(inp.demand_mw[h].sum())

        def action(k: int, charge_max: float, discharge_max: float, already_mw: float
                   ) -> float:
            return storage_action(
                float(self._value[h]), self._dispatch.storage_spread,  # type: ignore[index]
                demand + self._loss_guess_mw - already_mw, capacity, marginal, order,
                charge_max, discharge_max, self._tables.plant == self._bank.plant[k])

        store_mw = self._bank.plan(share[self._store_pos], action)
        base = self._inputs_record(h, share, capacity)
        curtailed = np.zeros(len(capacity))
        iterations = 0
        for iterations in range(1, self._coupling.max_iterations + 1):  # noqa: B007
            solved = self._solve_heat(h, capacity, order, store_mw)
            if solved is None:
                energy, loss = self._bank.advance(store_mw * 0.0)
                return {**base, **self._failed(energy, loss), "heat_converged": 0.0}
            state, heat_mw, settled_mw = solved
            books = self._books.hour(state, heat_mw, inp.unit_t_source_k[h],
                                     float(inp.grid_intensity_g_per_kwh[h]))
            grid = self._grid.step(np.concatenate([books.el_mw[self._el_prod], books.pump_el_mw]),
                                   background_scale=float(inp.electric_load_scale[h]))
            extra = self._extra_curtailment(grid, books.el_mw) if grid.converged else None
            if extra is None or not self._coupling.enabled or (
                    extra.sum() < self._coupling.tolerance_mw):
                break
            curtailed += extra
            with np.errstate(divide="ignore", invalid="ignore"):
                kept = np.where(books.el_mw > 0, 1.0 - extra / books.el_mw, 1.0)
            capacity = np.minimum(capacity, np.where(extra > 0, heat_mw * kept, np.inf))
            # stores re-plan on the curtailed capacity: a store must not keep charging from a
            # unit the grid has just curtailed
            store_mw = self._bank.plan(share[self._store_pos], action)
        energy, loss = self._bank.advance(settled_mw)
        return {**base, **self._record(h, state, heat_mw, settled_mw, books, grid, energy,
                                       loss),
                "coupling_iterations": float(iterations),
                "unit_curtailed_mw": self._unit_rows(curtailed, 0.0, 0.0),
                "grid_limits_ok": float(grid.converged and not self._violated(grid))}

    def _apply(self, outages: Outages) -> None:
        """Switch network elements in or out of service when the events changed them."""
        if outages != self._outages:
            self._grid.set_out_of_service(sorted(outages.line), sorted(outages.trafo))
            self._heat.set_closed_pipes(sorted(outages.pipe))
            self._outages = outages

    def _violated(self, grid: GridState) -> bool:
        low, over = violations(grid.bus_vm_pu, grid.branch_loading_percent, self._limits)
        return bool(low.any() or over.any())

    def _extra_curtailment(self, grid: GridState, el_mw: np.ndarray) -> np.ndarray:
        """Electricity to shed per producer (MW) for the grid's violations this iteration."""
        attached = np.concatenate([el_mw[self._el_prod], np.zeros(self._n_pumps)])
        curtailable = np.concatenate([np.ones(int(self._el_prod.sum()), bool),
                                      np.zeros(self._n_pumps, bool)])
        branch_behind, bus_behind, unsupplied = self._grid.behind()
        shed = extra_curtailment_mw(attached, curtailable, branch_behind,
                                    grid.branch_loading_percent, grid.branch_p_mw, bus_behind,
                                    grid.bus_vm_pu, self._limits, unsupplied)
        out = np.zeros(len(el_mw))
        out[self._el_prod] = shed[: int(self._el_prod.sum())]
        return out

    def _solve_heat(self, h: int, capacity: np.ndarray, order: np.ndarray,
                    store_mw: np.ndarray) -> tuple[HeatState, np.ndarray, np.ndarray] | None:
        """Plan, solve the heat network and book each plant's heat on its units and stores.

        Re-solves with less demand served while the slack plant delivers more than its units
        can make. None when the heat network does not converge.
        """
        inp = self._inputs
        demand_mw = inp.demand_mw[h]
        min_mw = self._tables.min_load_fraction * self._tables.heat_max_mw
        n_plants = len(self._heat.plant_names)
        served_mw = float(demand_mw.sum())
        for _ in range(MAX_PASSES):
            plan = plan_hour(served_mw, self._loss_guess_mw, capacity, order,
                             self._tables.plant, n_plants, min_mw, store_mw, self._bank.plant)
            scale = plan.served_fraction * served_mw / max(float(demand_mw.sum()), 1e-12)
            for back_off in FIXED_PLANT_BACK_OFF:
                state = self._heat.step(HeatInputs(
                    consumer_q_w=demand_mw * scale * 1e6, t_supply_k=float(inp.t_supply_k[h]),
                    t_return_k=inp.t_return_k, t_ground_k=float(inp.t_ground_k[h]),
                    fixed_plant_q_w=plan.fixed_plant_mw * back_off * 1e6,
                ))
                if state.converged or not plan.fixed_plant_mw.any():
                    break
            if not state.converged:
                return None
            self._loss_guess_mw = state.loss_w * 1e-6
            plant_mw = state.plant_q_w * 1e-6
            settled = self._bank.settle(plant_mw, store_mw)
            heat_mw, overflow = split_plant_heat(
                plant_mw - self._bank.per_plant(settled, n_plants), capacity, order,
                self._tables.plant, min_mw)
            if overflow[0] <= OVERFLOW_TOLERANCE * plant_mw[0]:
                break
            served_mw = max(served_mw * scale - overflow[0], 0.0)
        return state, heat_mw, settled

    def _inputs_record(self, h: int, share: np.ndarray, capacity: np.ndarray) -> Values:
        """What is known before solving: demand, weather, set points, availability."""
        inp = self._inputs
        available = np.ones(self.n_units)
        available[self._prod_pos] = capacity / self._tables.heat_max_mw
        available[self._store_pos] = share[self._store_pos]
        t_source = np.full(self.n_units, np.nan)
        t_source[self._prod_pos] = inp.unit_t_source_k[h]
        return {
            "consumer_demand_mw": inp.demand_mw[h],
            "heat_demand_mw": float(inp.demand_mw[h].sum()),
            "t_air_k": float(inp.t_air_k[h]),
            "t_ground_k": float(inp.t_ground_k[h]),
            "t_supply_k": float(inp.t_supply_k[h]),
            "grid_co2_intensity": float(inp.grid_intensity_g_per_kwh[h]),
            "unit_available": available,
            "unit_t_source_k": t_source,
        }

    def _unit_rows(self, prod: np.ndarray, store: np.ndarray, pumps: np.ndarray,
                   fill: float = 0.0) -> np.ndarray:
        row = np.full(self.n_units, fill)
        row[self._prod_pos] = prod
        row[self._store_pos] = store
        row[self._n_units:] = pumps
        return row

    def _record(self, h: int, state: HeatState, heat_mw: np.ndarray, store_mw: np.ndarray,
                b: BookedHour, grid: GridState, energy: np.ndarray, loss: np.ndarray) -> Values:
        """Electricity, fuel, CO2, stores and grid results for a solved hour."""
        inp = self._inputs
        no_store = np.full(len(self._bank), np.nan)
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
            "line_in_service": self._grid.in_service("line"),
            "trafo_in_service": self._grid.in_service("trafo"),
            "pipe_in_service": self._heat.pipes_in_service(),
        }

    def _failed(self, energy: np.ndarray, loss: np.ndarray) -> Values:
        """An hour whose heat network did not converge: NaN results, flags 0.

        Stores stand still (no charge or discharge) but keep their standing loss, so their
        energy books stay exact across failed hours.
        """
        heat = self._heat.failed_state()
        grid = self._grid.failed_state()
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
            "grid_converged": 0.0, "converged": 0.0, "grid_limits_ok": 0.0,
            "line_in_service": self._grid.in_service("line"),
            "trafo_in_service": self._grid.in_service("trafo"),
            "pipe_in_service": self._heat.pipes_in_service(),
        }

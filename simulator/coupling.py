"""One coupled hour: dispatch -> heat network (pandapipes) -> electricity (pandapower) -> books.

:class:`CoupledStep` holds the units and both adapters and turns the inputs of hour ``h`` into
the values the recorder stores. It knows nothing of SimPy; :mod:`simulator.engine` calls it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from simulator.carbon import ELECTRICITY, emissions_t, fuel_t_per_mwh, grid_t_per_mwh
from simulator.config import Scenario
from simulator.dispatch import merit_order, plan_hour, split_plant_heat
from simulator.district import District
from simulator.heat import HeatInputs, HeatState
from simulator.inputs import HourlyInputs
from simulator.supply import SupplyUnit, build_unit, pump_el_mw

#: Overflow of the slack plant beyond its units' capacity (share of its heat) that makes the
#: step re-solve with less demand served instead of booking the excess on the last unit.
OVERFLOW_TOLERANCE = 0.002
MAX_PASSES = 3
PUMP_SUFFIX = "_pump"


@dataclass(frozen=True)
class PumpSpec:
    """A plant's circulation pump as an electric consumer."""

    plant_index: int
    bus: str
    efficiency: float


class CoupledStep:
    """Solves hours of a scenario on a district, one call per hour."""

    def __init__(self, scenario: Scenario, district: District, inputs: HourlyInputs) -> None:
        self._heat = district.heat
        self._grid = district.grid
        self._inputs = inputs
        self._order_by = scenario.dispatch.order_by
        plants = self._heat.plant_names
        self.units: list[SupplyUnit] = [
            build_unit(u, self._heat.slack_plant_name) for u in scenario.units
        ]
        self._unit_plant = np.array([plants.index(u.plant) for u in self.units], dtype=int)
        self._capacity_mw = np.array([u.heat_max_mw for u in self.units])
        self._electric = np.array([u.carrier == ELECTRICITY for u in self.units])
        self._fuel_factor = np.array(
            [0.0 if u.carrier == ELECTRICITY
             else fuel_t_per_mwh(u.carrier, scenario.carbon.fuel_t_per_tj) for u in self.units]
        )
        self._pumps = [
            PumpSpec(plants.index(p.plant), p.bus, p.efficiency) for p in scenario.pumps
        ]
        self.unit_names = [u.name for u in self.units] + [
            plants[p.plant_index] + PUMP_SUFFIX for p in self._pumps
        ]
        el_units = [u for u in self.units if u.carrier == ELECTRICITY]
        self._grid.attach(
            [u.name for u in el_units] + self.unit_names[len(self.units):],
            [str(u.bus) for u in el_units] + [p.bus for p in self._pumps],
        )
        self._loss_guess_mw = 0.0

    @property
    def n_units(self) -> int:
        """Units in the cube's ``unit`` dimension: supply units, then pumps."""
        return len(self.unit_names)

    def step(self, h: int, available: np.ndarray) -> dict[str, float | np.ndarray]:
        """Solve hour ``h`` with units ``available`` (bool per supply unit); values to record."""
        inp = self._inputs
        t_supply_k = float(inp.t_supply_k[h])
        intensity = float(inp.grid_intensity_g_per_kwh[h])
        demand_mw = inp.demand_mw[h]
        factor = np.where(self._electric, grid_t_per_mwh(intensity), self._fuel_factor)
        input_per_heat = np.array([u.input_per_heat(t_supply_k) for u in self.units])
        order = merit_order(input_per_heat * factor, self._order_by)
        capacity = np.where(available, self._capacity_mw, 0.0)
        base = {
            "consumer_demand_mw": demand_mw,
            "heat_demand_mw": float(demand_mw.sum()),
            "t_air_k": float(inp.t_air_k[h]),
            "t_ground_k": float(inp.t_ground_k[h]),
            "t_supply_k": t_supply_k,
            "grid_co2_intensity": intensity,
            "unit_available": np.concatenate([available, np.ones(len(self._pumps))]),
        }
        served_mw = float(demand_mw.sum())
        state = None
        for _ in range(MAX_PASSES):
            plan = plan_hour(served_mw, self._loss_guess_mw, capacity, order,
                             self._unit_plant, len(self._heat.plant_names))
            scale = plan.served_fraction * served_mw / max(float(demand_mw.sum()), 1e-12)
            state = self._heat.step(HeatInputs(
                consumer_q_w=demand_mw * scale * 1e6,
                t_supply_k=t_supply_k,
                t_return_k=inp.t_return_k,
                t_ground_k=float(inp.t_ground_k[h]),
                fixed_plant_q_w=plan.fixed_plant_mw * 1e6,
            ))
            if not state.converged:
                return {**base, **self._failed(), "heat_converged": 0.0}
            self._loss_guess_mw = state.loss_w * 1e-6
            heat_mw, overflow = split_plant_heat(state.plant_q_w * 1e-6, capacity, order,
                                                 self._unit_plant)
            if overflow[0] <= OVERFLOW_TOLERANCE * state.plant_q_w[0] * 1e-6:
                break
            served_mw = max(served_mw * scale - overflow[0], 0.0)
        assert state is not None
        return {**base, **self._books(h, state, heat_mw, t_supply_k, intensity, factor)}

    def _books(
        self, h: int, state: HeatState, heat_mw: np.ndarray, t_supply_k: float,
        intensity: float, factor: np.ndarray,
    ) -> dict[str, float | np.ndarray]:
        """Electricity, fuel, CO2 and grid results for a solved heat state."""
        t_sink_k = state.plant_t_supply_k[self._unit_plant]
        pairs = list(zip(self.units, t_sink_k, strict=True))
        cop = np.array([u.cop(t) for u, t in pairs])
        input_mw = heat_mw * np.array([u.input_per_heat(t) for u, t in pairs])
        pump_mw = np.array([
            pump_el_mw(state.plant_mdot_kg_per_s[p.plant_index],
                       state.plant_plift_bar[p.plant_index],
                       float(self._heat.density_kg_per_m3(state.plant_t_return_k[p.plant_index])),
                       p.efficiency)
            for p in self._pumps
        ])
        el_mw = np.concatenate([np.where(self._electric, input_mw, 0.0), pump_mw])
        fuel_mw = np.concatenate([np.where(self._electric, 0.0, input_mw), np.zeros(len(pump_mw))])
        co2 = np.concatenate([
            emissions_t(input_mw, factor),
            emissions_t(pump_mw, grid_t_per_mwh(intensity)),
        ])
        grid = self._grid.step(
            el_mw[np.concatenate([self._electric, np.ones(len(pump_mw), bool)])],
            background_scale=float(self._inputs.electric_load_scale[h]),
        )
        delivered_mw = float(state.consumer_q_w.sum() * 1e-6)
        return {
            "unit_heat_mw": np.concatenate([heat_mw, np.zeros(len(pump_mw))]),
            "unit_el_mw": el_mw,
            "unit_fuel_mw": fuel_mw,
            "unit_co2_t": co2,
            "unit_cop": np.concatenate([cop, np.full(len(pump_mw), np.nan)]),
            "consumer_heat_mw": state.consumer_q_w * 1e-6,
            "consumer_t_supply_k": state.consumer_t_supply_k,
            "consumer_dp_bar": state.consumer_dp_bar,
            "junction_t_k": state.junction_t_k,
            "junction_p_bar": state.junction_p_bar,
            "pipe_mdot_kg_per_s": state.pipe_mdot_kg_per_s,
            "heat_supplied_mw": float(heat_mw.sum()),
            "heat_loss_mw": state.loss_w * 1e-6,
            "unserved_heat_mw": max(float(self._inputs.demand_mw[h].sum()) - delivered_mw, 0.0),
            "heat_iterations": state.iterations,
            "co2_t": float(co2.sum()),
            "bus_vm_pu": grid.bus_vm_pu,
            "line_loading_percent": grid.line_loading_percent,
            "trafo_loading_percent": grid.trafo_loading_percent,
            "grid_import_mw": grid.ext_grid_p_mw,
            "heat_converged": 1.0,
            "grid_converged": float(grid.converged),
            "converged": float(grid.converged),
        }

    def _failed(self) -> dict[str, float | np.ndarray]:
        """Values of an hour whose heat network did not converge: NaN results, flags 0."""
        heat = self._heat.failed_state()
        grid = self._grid.failed_state()
        nan_units = np.full(self.n_units, np.nan)
        return {
            "unit_heat_mw": nan_units, "unit_el_mw": nan_units, "unit_fuel_mw": nan_units,
            "unit_co2_t": nan_units, "unit_cop": nan_units,
            "consumer_heat_mw": heat.consumer_q_w,
            "consumer_t_supply_k": heat.consumer_t_supply_k,
            "consumer_dp_bar": heat.consumer_dp_bar,
            "junction_t_k": heat.junction_t_k, "junction_p_bar": heat.junction_p_bar,
            "pipe_mdot_kg_per_s": heat.pipe_mdot_kg_per_s,
            "bus_vm_pu": grid.bus_vm_pu, "line_loading_percent": grid.line_loading_percent,
            "trafo_loading_percent": grid.trafo_loading_percent,
            "grid_converged": 0.0, "converged": 0.0,
        }

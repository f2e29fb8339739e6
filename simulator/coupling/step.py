"""One coupled hour: plan -> heat network (pandapipes) -> books -> grid (pandapower) -> record.

:class:`CoupledStep` holds the units, the stores' books and both adapters, and executes the
plans of a dispatch policy (:mod:`simulator.dispatch`); it contains no dispatch logic. It knows
nothing of SimPy: :mod:`simulator.engine` calls :meth:`CoupledStep.step` once per hour.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from simulator.config import Scenario, StorageUnit
from simulator.coupling.feedback import GridFeedback, Limits, curtailed_capacity_mw
from simulator.coupling.grid_limits import GridNames, check_grid
from simulator.coupling.heat_solve import HeatSolve, SolvedHeat
from simulator.coupling.record import (
    SolvedHour,
    UnitLayout,
    Values,
    boost_record,
    failed_record,
    inputs_record,
    market_record,
    operation_record,
    solved_record,
)
from simulator.dispatch import DispatchPolicy, HourContext, HourOutcome, PolicySetup
from simulator.dispatch.policy import policy_factory
from simulator.district import District
from simulator.events import Outages
from simulator.grid import GridState
from simulator.heat import HeatState
from simulator.inputs import HourlyInputs
from simulator.operation.control import Operator
from simulator.operation.limits import Names, check
from simulator.operation.shift import ProductionShift, violation
from simulator.supply.books import BookedHour, Books, PumpSpec, UnitTables, capacity_mw
from simulator.supply.physics import boost_ratio
from simulator.supply.storage import Storage, StoreBank, limits_mw
from simulator.supply.units import build_unit

PUMP_SUFFIX = "_pump"


def _store(spec: StorageUnit, plant: str) -> Storage:
    return Storage(
        name=spec.name, plant=plant, capacity_mwh=spec.capacity_mwh,
        charge_max_mw=spec.charge_mw or spec.heat_mw, discharge_max_mw=spec.heat_mw,
        standing_loss_per_day=spec.standing_loss_per_day, soc_min=spec.soc_min,
        soc_max=spec.soc_max, soc_initial=spec.soc_initial,
    )


@dataclass(frozen=True)
class CoupledHour:
    """The last solve of an hour's grid feedback loop."""

    heat: SolvedHeat
    books: BookedHour
    grid: GridState
    iterations: int  # heat/grid solves in the hour
    curtailed_mw: np.ndarray  # electricity curtailed per producer (MW)
    capacity_mw: np.ndarray  # producer capacity left after curtailment (MW)
    boost_ratio: np.ndarray  # booster heat per MW of each heat pump's heat, as solved (1)


class CoupledStep:
    """Solves hours of a scenario on a district, one call per hour, in order."""

    def __init__(self, scenario: Scenario, district: District, inputs: HourlyInputs,
                 policy: DispatchPolicy | None = None) -> None:
        self._heat, self._grid, self._inputs = district.heat, district.grid, inputs
        self._coupling = scenario.coupling
        plants, slack, specs = self._heat.plant_names, self._heat.slack_plant_name, scenario.units
        producers_at = [i for i, u in enumerate(specs) if not isinstance(u, StorageUnit)]
        stores_at = [i for i, u in enumerate(specs) if isinstance(u, StorageUnit)]
        producers = [build_unit(specs[i], slack) for i in producers_at]
        stores = [_store(specs[i], specs[i].plant or slack) for i in stores_at]
        self._bank = StoreBank(stores, np.array([plants.index(s.plant) for s in stores], int))
        self._tables = UnitTables.build(producers, plants, scenario)
        pumps = [PumpSpec(plants.index(p.plant), p.bus, p.efficiency) for p in scenario.pumps]
        self.unit_names = [u.name for u in specs] + [
            plants[p.plant_index] + PUMP_SUFFIX for p in pumps]
        self._layout = UnitLayout(np.array(producers_at, dtype=int),
                                  np.array(stores_at, dtype=int), len(specs),
                                  len(self.unit_names))
        self._books = Books(self._tables, pumps, self._heat.density_kg_per_m3,
                            scenario.carbon.chp_allocation)
        electric = np.array([u.bus is not None for u in producers], dtype=bool)
        self._grid.attach([u.name for u in producers if u.bus is not None]
                          + self.unit_names[len(specs):],
                          [str(u.bus) for u in producers if u.bus is not None]
                          + [p.bus for p in pumps])
        self._grid_limits = self._limits(scenario)
        self._feedback = GridFeedback(self._grid, self._grid_limits, electric, len(pumps))
        self._grid_names = GridNames(self._grid.bus_names, self._grid.line_names,
                                     self._grid.trafo_names)
        self._operation = scenario.operation
        self._names = Names(self._heat.consumer_names, self._heat.junction_names,
                            self._heat.pipe_names, self._heat.junction_p_amb_bar)
        operator = Operator(scenario.operation, self._heat.base_plift_bar,
                            self._heat.hold_p_bar, len(self._names.consumer),
                            self._names.junction_p_amb_bar)
        self._heat_solve = HeatSolve(self._heat, self._bank, inputs, operator, self._tables)
        self._share = np.ones(len(specs))
        self._policy = policy or policy_factory(scenario.dispatch.policy)(PolicySetup(
            self._tables, inputs, scenario.dispatch, self._bank.plant, len(plants),
            tuple(self._bank.stores)))
        self._outages = Outages()

    def _limits(self, scenario: Scenario) -> Limits:
        c = scenario.coupling
        branches = self._grid.line_names + self._grid.trafo_names
        return Limits(c.vm_pu[0], c.vm_pu[1], np.array(
            [c.loading_limits_percent.get(name, c.max_loading_percent) for name in branches]))

    @property
    def n_scenario_units(self) -> int:
        """Units the scenario lists (producers and stores), without pumps."""
        return self._layout.n_scenario

    @property
    def n_units(self) -> int:
        """Entries of the cube's ``unit`` dimension: scenario units, then pumps."""
        return self._layout.n_units

    def step(self, h: int, share: np.ndarray, outages: Outages | None = None) -> Values:
        """Solve hour ``h``: ``share`` of each scenario unit available, elements ``outages``.

        Grid feedback: while a branch is overloaded or a bus is below its band, the electric
        units behind it are curtailed, heat is re-dispatched and both networks are solved again.
        A bus above the band curtails nothing (shedding load would raise it further); every
        grid limit kind is recorded, and a violated one makes the hour infeasible.
        """
        self._apply(outages or Outages())
        hour = self._open_hour(h, share)
        self._policy.begin(hour)
        known = inputs_record(self._layout, self._inputs, h, share, hour.capacity_mw,
                              self._tables.heat_max_mw)
        coupled = self._couple(hour)
        if coupled is None:
            return {**known, **self._fail(hour), **self._policy.record()}
        solved = self._book(coupled)
        self._policy.hear(self._outcome(hour, coupled))
        grid_limits = check_grid(coupled.grid, self._grid_limits, self._grid_names)
        grid_ok = coupled.grid.converged and all(c.ok for c in grid_limits.values())
        limits = check(solved.state, self._inputs.demand_mw[h] * 1e6, self._operation,
                       self._names)
        return {**known, **solved_record(self._layout, self._inputs, h, solved, self._heat,
                                         self._grid),
                **operation_record(limits, grid_limits, grid_ok, self._coupling.enabled),
                **boost_record(self._layout, self._tables.booster, coupled.boost_ratio,
                               coupled.heat.unit_heat_mw),
                **market_record(self._layout, self._tables, self._inputs, h, coupled.books),
                **self._policy.record(),
                "coupling_iterations": float(coupled.iterations),
                "unit_curtailed_mw": self._layout.rows(coupled.curtailed_mw, 0.0, 0.0),
                "grid_limits_ok": float(grid_ok)}

    def _apply(self, outages: Outages) -> None:
        """Switch network elements in or out of service when the events changed them."""
        if outages != self._outages:
            self._grid.set_out_of_service(sorted(outages.line), sorted(outages.trafo))
            self._heat.set_closed_pipes(sorted(outages.pipe))
            self._outages = outages

    def _temperatures_capacity(self, h: int, t_sink_k: np.ndarray, t_in_k: np.ndarray
                               ) -> tuple[np.ndarray, np.ndarray]:
        """(capacity in MW, booster ratio) of each producer at its plant's supply and inlet
        temperatures (K), after the hour's availability and events."""
        inp, t = self._inputs, self._tables
        ratio = boost_ratio(t_sink_k, t_in_k, t.t_outlet_max_k)
        capacity = capacity_mw(t, t_sink_k, inp.unit_t_source_k[h], inp.unit_availability[h],
                               inp.unit_source_max_mw[h], ratio)
        return capacity * self._share[self._layout.producers], ratio

    def _solved_context(self, hour: HourContext, state: HeatState) -> HourContext:
        """The hour's context at the temperatures the network solved (never more capacity
        than planned: curtailments stand)."""
        plant = self._tables.plant
        capacity, ratio = self._temperatures_capacity(
            hour.hour, state.plant_t_supply_k[plant],
            np.where(np.isfinite(state.plant_t_return_k), state.plant_t_return_k,
                     self._inputs.t_return_k)[plant])
        return replace(hour, capacity_mw=np.minimum(capacity, hour.capacity_mw),
                       boost_ratio=ratio)

    def _open_hour(self, h: int, share: np.ndarray) -> HourContext:
        """What hour ``h`` offers: producer capacity and store limits after the events."""
        inp, layout = self._inputs, self._layout
        self._share = share
        t_in = np.where(np.isfinite(self._heat_solve.plant_t_in_k),
                        self._heat_solve.plant_t_in_k, inp.t_return_k)
        capacity, ratio = self._temperatures_capacity(
            h, inp.supply_k(h, self._tables.plant),
            t_in[self._tables.plant])
        store_share = share[layout.stores]
        limits = np.array([limits_mw(s, float(e)) for s, e in
                           zip(self._bank.stores, self._bank.energy_mwh, strict=True)]
                          ).reshape(len(self._bank), 2)
        on = store_share > 0.0
        return HourContext(
            hour=h, capacity_mw=capacity,
            store_charge_max_mw=np.where(on, limits[:, 0] * store_share, 0.0),
            store_discharge_max_mw=np.where(on, limits[:, 1] * store_share, 0.0),
            demand_mw=float(inp.demand_mw[h].sum()), loss_mw=self._heat_solve.loss_guess_mw,
            boost_ratio=ratio, store_energy_mwh=self._bank.energy_mwh.copy(), plant_t_in_k=t_in)

    def _couple(self, hour: HourContext) -> CoupledHour | None:
        """Heat solve, books and power flow, repeated while the grid curtails electric units.

        None when the heat network does not converge.
        """
        h, inp = hour.hour, self._inputs
        curtailed = np.zeros(len(hour.capacity_mw))
        iterations = 0
        for iterations in range(1, self._coupling.max_iterations + 1):  # noqa: B007
            heat, hour = self._shifted_heat(hour)
            if heat is None:
                return None
            books = self._books.hour(heat.state, heat.unit_heat_mw, inp.unit_t_source_k[h],
                                     float(inp.grid_intensity_g_per_kwh[h]))
            grid = self._feedback.power_flow(books.el_mw, books.pump_el_mw,
                                             float(inp.electric_load_scale[h]))
            extra = (self._feedback.extra_curtailment(grid, books.el_mw)
                     if grid.converged else None)
            if extra is None or not self._coupling.enabled or (
                    extra.sum() < self._coupling.tolerance_mw):
                break
            curtailed += extra
            hour = replace(hour, loss_mw=self._heat_solve.loss_guess_mw,
                           capacity_mw=curtailed_capacity_mw(hour.capacity_mw, extra,
                                                             books.el_mw, heat.unit_heat_mw))
            self._policy.curtail(hour)
        return CoupledHour(heat, books, grid, iterations, curtailed, hour.capacity_mw,
                           self._solved_context(hour, heat.state).boost_ratio)

    def _run_heat(self, hour: HourContext) -> SolvedHeat | None:
        return self._heat_solve.run(
            hour.hour, self._policy, lambda state, hour=hour: self._solved_context(hour, state))

    def _shifted_heat(self, hour: HourContext) -> tuple[SolvedHeat | None, HourContext]:
        """The hour's heat solve; while its hydraulics bind, production moves from the far
        fixed-flow plant to the pressure-holding plant (:mod:`simulator.operation.shift`), and
        the policy plans again within the learned plant caps. The least-violating solve
        stands."""
        heat = self._run_heat(hour)
        if heat is None or not self._operation.production_shift.enabled or (
                self._heat_solve.n_plants < 2):
            return heat, hour
        shift, tried = ProductionShift(self._heat_solve.n_plants), hour
        while heat is not None:
            cap = shift.next_cap(**self._shift_inputs(tried, heat))
            if cap is None:
                break
            tried = replace(hour, plant_cap_mw=cap)
            self._policy.curtail(tried)
            heat = self._run_heat(tried)
        if heat is not None and tried.plant_cap_mw is shift.best_cap:
            return heat, tried
        # the last solve failed or broke more: the best caps again (None: the plan as it was)
        tried = hour if shift.best_cap is None else replace(hour, plant_cap_mw=shift.best_cap)
        self._policy.curtail(tried)
        return self._run_heat(tried), tried

    def _shift_inputs(self, hour: HourContext, heat: SolvedHeat) -> dict:
        """What the production shift reads of a solved hour (see ``next_cap``)."""
        state, plant = heat.state, self._tables.plant
        limits = check(state, self._inputs.demand_mw[hour.hour] * 1e6, self._operation,
                       self._names)
        capacity = self._solved_context(hour, state).capacity_mw
        units_mw = np.bincount(plant, weights=heat.unit_heat_mw,
                               minlength=self._heat_solve.n_plants)
        return {"violation_now": violation(limits), "plant_q_w": state.plant_q_w,
                "plant_plift_bar": state.plant_plift_bar, "units_mw": units_mw,
                "slack_spare_mw": float(capacity[plant == 0].sum() - units_mw[0]),
                "cap_now": hour.plant_cap_mw}

    def _book(self, coupled: CoupledHour) -> SolvedHour:
        """Advance the stores' books on the settled store heat; everything the hour records."""
        heat = coupled.heat
        self._heat.commit(heat.state)
        energy, loss = self._bank.advance(heat.store_mw)
        return SolvedHour(heat.state, heat.unit_heat_mw, heat.store_mw, coupled.books,
                          coupled.grid, energy, loss)

    def _fail(self, hour: HourContext) -> Values:
        """Record a failed hour: stores stand still, the policy hears of it."""
        self._heat.commit(None)
        energy, loss = self._bank.advance(np.zeros(len(self._bank)))
        nan = np.full(len(hour.capacity_mw), np.nan)
        self._policy.hear(HourOutcome(hour.hour, False, nan, np.zeros(len(self._bank)), nan,
                                      hour.capacity_mw, float("nan")))
        return failed_record(self._layout, self._heat, self._grid, energy, loss)

    def _outcome(self, hour: HourContext, coupled: CoupledHour) -> HourOutcome:
        return HourOutcome(hour.hour, True, coupled.heat.unit_heat_mw, coupled.heat.store_mw,
                           coupled.curtailed_mw, coupled.capacity_mw,
                           self._heat_solve.loss_guess_mw)

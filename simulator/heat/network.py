"""The district-heating adapter: the only module that talks to pandapipes.

A :class:`HeatNetwork` owns its pandapipes ``net``; nothing else reads or writes it. Each hour
:meth:`HeatNetwork.step` writes the hour's inputs, solves, returns a frozen :class:`HeatState`.
Modelling choices (PANDAPIPES-FACTS.md, ``docs/physics/heat-network.md``): ``heat_consumer``
rows in ``qext_w + treturn_k`` mode solved ``bidirectional``; one ``circ_pump_pressure`` slack
plant; further plants ``circ_pump_mass`` of type "t" at ``Q / (cp (T_flow - T_in))``, each at
its own supply temperature; ``text_k`` written every hour. Speed (``fast=True``): after the
first converged hour each hour runs on :class:`FastHeat`, any failure on the plain retries;
``last_path`` says which. ``thermal="dynamic"``: the water is then moved through the hour by
:mod:`simulator.heat.thermal` (the steady solve keeps the hydraulics); :meth:`HeatNetwork.commit`
ends each hour.
"""

from __future__ import annotations

import logging
import warnings
from pathlib import Path

import numpy as np
import pandapipes
import pandas as pd
from pandapipes.component_models.component_toolbox import p_correction_height_air

from simulator.heat import checks, geometry, topology
from simulator.heat.fast import SOLVER_ERRORS, FastHeat
from simulator.heat.names import ElementNames
from simulator.heat.pit import apply_to_tables, plant_temperatures, read_result_tables
from simulator.heat.state import HeatInputs, HeatState, fixed_off_target, nan_state
from simulator.heat.thermal import NetworkThermal

logging.getLogger("pandapipes").setLevel(logging.ERROR)
#: Relative heat error of a fixed-flow plant that triggers a re-solve, and the re-solves allowed.
FIXED_PLANT_TOLERANCE = 0.002
FIXED_PLANT_PASSES = 2


class HeatNetwork(ElementNames):
    """A pandapipes district-heating network solved hour by hour."""

    def __init__(self, net: pandapipes.pandapipesNet, max_iter_bidirect: int = 100,
                 fast: bool = True, thermal: str = "steady") -> None:
        self._net = net
        self._max_iter = max_iter_bidirect
        self._fast: FastHeat | None = None
        self._pending = False  # the last fast solve is a prediction still to be confirmed
        #: why the fast path is not in use ('' while it is, or before the first hour)
        self.fast_status = "" if fast else "disabled (fast=False)"
        #: the path of the last solve: 'fast', or 'plain: <why>'
        self.last_path, self._fast_miss = "", ""
        self.last_failure = ""  # why the last plain solve failed, for the run's message
        problems = self._prepare()
        if problems:
            raise ValueError("; ".join(problems))
        self._pipe_on_file = net.pipe["in_service"].to_numpy(dtype=bool, copy=True)  # events
        self._reachable = topology.reachable_consumers(net)  # never open the file's closed pipes
        self._init_t_k = net.junction["tfluid_k"].to_numpy(copy=True)
        self._init_p_bar = net.junction["pn_bar"].to_numpy(copy=True)
        self._fixed_t_in_k = np.full(len(self.fixed_plant_names), np.nan)
        #: the dynamic thermal model (None: steady), and the last solve's raw results
        self._thermal = NetworkThermal(net) if thermal == "dynamic" else None
        self._raw: dict[str, np.ndarray] = {}

    @classmethod
    def from_json(cls, path: str | Path, max_iter_bidirect: int = 100,
                  fast: bool = True, thermal: str = "steady") -> HeatNetwork:
        """Load a network written with ``pandapipes.to_json``."""
        return cls(pandapipes.from_json(str(path)), max_iter_bidirect, fast, thermal)

    def scenario_problems(self, t_return_k: float) -> list[str]:
        """:func:`simulator.heat.checks.scenario_problems` at a return temperature (K)."""
        return checks.scenario_problems(self._net, t_return_k)

    def _prepare(self) -> list[str]:
        """Check the structure and switch every element into the modes the adapter drives."""
        net = self._net
        problems = []
        for table in ("heat_consumer", "circ_pump_pressure"):
            if table not in net or net[table].empty:
                problems.append(f"the network has no '{table}' element")
        if problems:
            return problems
        slack = net.circ_pump_pressure[net.circ_pump_pressure["in_service"]]
        if len(slack) != 1:
            problems.append(
                f"exactly one in-service circ_pump_pressure (the slack plant) is needed, "
                f"found {len(slack)}"
            )
            return problems
        if "circ_pump_mass" not in net:
            net["circ_pump_mass"] = pd.DataFrame(
                columns=["name", "return_junction", "flow_junction", "p_flow_bar",
                         "mdot_flow_kg_per_s", "t_flow_k", "in_service", "type"]
            )
        # Fixed-flow plants must not hold pressure next to the slack plant (facts §2, a1).
        net.circ_pump_mass["p_flow_bar"] = np.nan
        net.circ_pump_mass["type"] = "t"
        net.heat_consumer["controlled_mdot_kg_per_s"] = np.nan
        net.heat_consumer["deltat_k"] = np.nan
        self._design_q_w = net.heat_consumer["qext_w"].to_numpy(dtype=float, copy=True)
        self._slack_row = net.circ_pump_pressure.index[net.circ_pump_pressure["in_service"]][0]
        self.base_plift_bar = float(net.circ_pump_pressure.at[self._slack_row, "plift_bar"])
        #: the return (suction) pressure the pressure-holding plant keeps (bar, gauge)
        self.hold_p_bar = float(net.circ_pump_pressure.at[self._slack_row, "p_flow_bar"]
                                ) - self.base_plift_bar
        self._pipe_area_m2 = np.pi * (net.pipe["inner_diameter_mm"].to_numpy(float) / 2e3) ** 2
        self._fixed_in_service = net.circ_pump_mass["in_service"].to_numpy(dtype=bool, copy=True)
        return problems

    # -- names and design data -------------------------------------------------------------
    def geometry(self) -> dict[str, tuple[str, list]]:
        """Auxiliary cube coordinates: junction positions and the ends of pipes and consumers."""
        return geometry.coordinates(self._net, self.junction_names)

    @property
    def junction_p_amb_bar(self) -> np.ndarray:
        """Ambient pressure at each junction's height (bar): gauge + this = absolute."""
        return np.asarray(p_correction_height_air(
            self._net.junction["height_m"].to_numpy(dtype=float)), dtype=float)

    @property
    def pipe_inner_diameter_m(self) -> np.ndarray:
        """Inner diameter of each pipe (m)."""
        return self._net.pipe["inner_diameter_mm"].to_numpy(dtype=float) * 1e-3

    @property
    def consumer_design_w(self) -> np.ndarray:
        """Nominal (design) heat load of each consumer, the ``qext_w`` stored in the JSON (W)."""
        return self._design_q_w.copy()

    # -- the hourly step ---------------------------------------------------------------------
    def step(self, inputs: HeatInputs) -> HeatState:
        """Solve one hour; re-solve while a fixed-flow plant misses its heat target.

        A fixed plant's mass flow is set from its inlet temperature of the previous solve; when
        that guess is off (first hour, load changes) one warm re-solve with the updated inlet
        temperature brings the plant to its target (measured: +1.6 % -> +0.05 %). On the fast
        path the passes before the last are predictions, and only the state returned is solved
        by pandapipes (the predictor solves the same equations to round-off).
        """
        # dynamic: plants are set from the return water that arrives, which moves slowly
        for passes_left in range(0 if self._thermal else FIXED_PLANT_PASSES, -1, -1):
            state = self._solve(inputs, provisional=passes_left > 0)
            if (not state.converged or not passes_left
                    or not fixed_off_target(state, inputs, FIXED_PLANT_TOLERANCE)):
                break
        state = self._confirm(state, inputs)
        if self._thermal is not None and state.converged:
            self._thermal.keep(state, self._raw, inputs)
        return state

    def moved(self, state: HeatState) -> HeatState:
        """``state`` (one :meth:`step` returned this hour) with the water moved through the
        hour by the dynamic thermal model (``heat.thermal``): what arrives where, the heat
        delivered and stored; the state itself in the steady model or when not converged."""
        if self._thermal is None or not state.converged:
            return state
        moved = self._thermal.settle(state, lambda inputs: self._confirm(self._solve(inputs),
                                                                         inputs),
                                     lambda: self._raw)
        self._fixed_t_in_k = moved.plant_t_return_k[1:].copy()
        return moved

    def commit(self, state: HeatState | None) -> None:
        """The hour is over: ``state`` (one :meth:`moved` returned this hour) is the one kept,
        None when the hour failed. The dynamic thermal model moves on from it."""
        if self._thermal is not None:
            self._thermal.commit(state)

    def _solve(self, inputs: HeatInputs, provisional: bool = False) -> HeatState:
        """One solve: warm start first, then once more from the stored initial state.

        The retry is damped (``alpha`` 0.5) with three times the iteration limit, the fix that
        worked on stagnation hours (facts §5). The fast path is tried first when it is running;
        ``provisional`` lets it return a prediction that :meth:`_confirm` must solve.
        """
        write = self._setpoints(inputs)
        self._pending = False
        if self._fast is not None:
            state = self._solve_fast(inputs, write, provisional)
            if state is not None:
                self.last_path = "fast"
                return state
            self._leave_fast()
        why = self.fast_status or self._fast_miss or "setting the fast path up on a solved hour"
        self.last_path, self._fast_miss = f"plain: {why}", ""
        apply_to_tables(self._net, write)
        self.last_failure = "pandapipes did not converge (warm, then damped with 3x the iterations)"
        for warm in (True, False):
            if not warm:
                self._cold_start()
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    pandapipes.pipeflow(
                        self._net, mode="bidirectional",
                        max_iter_bidirect=self._max_iter if warm else 3 * self._max_iter,
                        alpha=1.0 if warm else 0.5,
                        # stagnant junctions take this temperature (facts §7)
                        ambient_temperature=inputs.t_ground_k,
                    )
            except SOLVER_ERRORS as err:
                self.last_failure = f"pandapipes raised {type(err).__name__}: {err}"[:200]
                continue
            if self._net.converged:
                state = self._read_state(inputs)
                if state.converged:
                    self._warm_start()
                    if not self.fast_status:  # set the fast path up on this converged pit
                        fast = FastHeat.create(self._net)
                        self._fast = fast if isinstance(fast, FastHeat) else None
                        self.fast_status = "" if self._fast else str(fast)
                    return state
        self._cold_start()
        return self.failed_state()

    def _solve_fast(self, inputs: HeatInputs, write: dict, provisional: bool
                    ) -> HeatState | None:
        """One hour on the fast path; None when it did not give a converged, physical state."""
        fast = self._fast
        assert fast is not None
        raw = fast.provisional(write)
        self.fast_status = fast.problem
        if fast.problem:
            return None
        if raw is None:  # no use solving from the unpredicted state: ~plain sweeps, wasted
            self._fast_miss = "the predictor did not settle"
            return None
        if provisional and raw is not None and len(write["fixed_mdot"]):
            state = self._state_from(raw, inputs, np.nan)
            if state.converged:
                self._pending = True
                return state
        return self._verified(inputs)

    def _verified(self, inputs: HeatInputs) -> HeatState | None:
        """pandapipes' solution of what the fast path wrote and predicted, if converged."""
        fast = self._fast
        assert fast is not None
        raw = fast.verify()
        state = None if raw is None else self._state_from(raw, inputs, fast.iterations())
        if state is None or not state.converged:
            self._fast_miss = "pandapipes did not confirm the predicted state"
            return None
        fast.remember()
        return state

    def _confirm(self, state: HeatState, inputs: HeatInputs) -> HeatState:
        """The state itself, or pandapipes' solution of a pending prediction of it."""
        if not self._pending:
            return state
        self._pending = False
        final = self._verified(inputs)
        if final is not None:
            self.last_path = "fast"
            return final
        self._leave_fast()
        return self._solve(inputs)

    def _leave_fast(self) -> None:
        """Back to the plain path, warm from the last converged hour."""
        assert self._fast is not None
        self._net.junction["tfluid_k"] = self._fast.last_junction_t_k
        self._net.junction["pn_bar"] = self._fast.last_junction_p_bar
        self._fast = None

    def _setpoints(self, inputs: HeatInputs) -> dict:
        """The hour's inputs as written into the network (``heat.pit.apply_to_tables`` keys).

        A fixed-flow plant gets the mass flow (kg/s) that carries its heat target from its
        inlet temperature of the previous solve (the return temperature before the first),
        and is out of service while its target is zero.
        """
        q_fixed = np.asarray(inputs.fixed_plant_q_w, dtype=float)
        t_plant = plant_temperatures(inputs.t_supply_k, 1 + len(q_fixed))
        t_in_k = np.where(np.isnan(self._fixed_t_in_k), inputs.t_return_k, self._fixed_t_in_k)
        cp = self._cp(0.5 * (t_plant[1:] + t_in_k))
        mdot = q_fixed / (cp * np.maximum(t_plant[1:] - t_in_k, 1.0))
        plift = (self.base_plift_bar if np.isnan(inputs.slack_plift_bar)
                 else float(inputs.slack_plift_bar))
        hold = (self.hold_p_bar if np.isnan(inputs.slack_hold_p_bar)
                else float(inputs.slack_hold_p_bar))
        flow = 1.0 if self._thermal is None else self._thermal.flow_factor(inputs)
        return {"q_w": np.asarray(inputs.consumer_q_w, dtype=float) * flow,
                "plift_bar": plift, "p_flow_bar": hold + plift,
                "t_return_k": inputs.t_return_k, "t_supply_k": t_plant.copy(),
                "t_ground_k": inputs.t_ground_k, "fixed_mdot": np.maximum(mdot, 0.0),
                "fixed_active": self._fixed_in_service & (q_fixed > 0.0),
                "max_iter": self._max_iter}

    def _cp(self, t_k: np.ndarray | float) -> np.ndarray:
        """Specific heat capacity of the network fluid (J kg-1 K-1)."""
        return np.asarray(self._net.fluid.get_heat_capacity(np.asarray(t_k, dtype=float)))

    def set_closed_pipes(self, names: list[str]) -> None:
        """Close the named pipes, reopen the others the file has open; restart cold on change."""
        open_ = ~np.isin(self.pipe_names, names) & self._pipe_on_file
        if np.array_equal(open_, self._net.pipe["in_service"].to_numpy(dtype=bool)):
            return
        self._net.pipe["in_service"] = open_
        self._reachable = topology.reachable_consumers(self._net)
        self._cold_start()
        # the structure changed: the next plain solve sets the fast path up again and checks it
        self._fast = None
        if self.fast_status != "disabled (fast=False)":
            self.fast_status = ""

    def pipes_in_service(self) -> np.ndarray:
        """1 for each open pipe, 0 for a closed one."""
        return self._net.pipe["in_service"].to_numpy(dtype=float)

    def density_kg_per_m3(self, t_k: np.ndarray | float) -> np.ndarray:
        """Density of the network fluid (kg m-3) at ``t_k`` (K)."""
        return np.asarray(self._net.fluid.get_density(np.asarray(t_k, dtype=float)))

    def _warm_start(self) -> None:
        self._net.junction["tfluid_k"] = self._net.res_junction["t_k"].to_numpy()
        self._net.junction["pn_bar"] = self._net.res_junction["p_bar"].to_numpy()

    def _cold_start(self) -> None:
        self._net.junction["tfluid_k"] = self._init_t_k
        self._net.junction["pn_bar"] = self._init_p_bar

    def _read_state(self, inputs: HeatInputs) -> HeatState:
        iterations = self._net.get("_internal_results", {}).get("iterations_bidirectional")
        return self._state_from(read_result_tables(self._net), inputs,
                                float(np.nan if iterations is None else iterations))

    def _state_from(self, raw: dict[str, np.ndarray], inputs: HeatInputs,
                    iterations: float) -> HeatState:
        """The hour's state from raw results (``pit.read_result_tables``, ``FastHeat.read``)."""
        self._raw = raw
        t_in_c = raw["consumer_t_from_k"]
        mdot = raw["pipe_mdot_kg_per_s"]
        t_in = np.where(mdot >= 0, raw["pipe_t_from_k"], raw["pipe_t_to_k"])
        t_out = raw["pipe_t_outlet_k"]
        plift = raw["plant_p_to_bar"] - raw["plant_p_from_bar"]
        if len(t_in_plant := raw["plant_t_from_k"]) > 1 and self._thermal is None:
            self._fixed_t_in_k = np.where(np.isfinite(t_in_plant[1:]), t_in_plant[1:], np.nan)
        q_c = raw["consumer_q_w"]
        # consumers cut off from every plant (a closed pipe split the network) get NaN results:
        # they receive nothing, which the caller books as unserved heat
        connected = np.isfinite(q_c) & np.isfinite(t_in_c)
        # a consumer with a path to the plant but no result: the solve failed (measured: an
        # unsolvable net returns NaN for every consumer without raising)
        physical = bool(np.all(connected[self._reachable])
                        and np.all(t_in_c[connected & (q_c > 0)] > inputs.t_return_k))
        return HeatState(
            converged=physical,
            iterations=iterations,
            consumer_q_w=np.where(connected, q_c, 0.0),
            consumer_t_supply_k=t_in_c,
            consumer_dp_bar=raw["consumer_p_from_bar"] - raw["consumer_p_to_bar"],
            junction_t_k=raw["junction_t_k"],
            junction_p_bar=raw["junction_p_bar"],
            pipe_mdot_kg_per_s=mdot,
            pipe_v_m_per_s=mdot / (self.density_kg_per_m3(0.5 * (t_in + t_out))
                                   * self._pipe_area_m2),
            pipe_loss_w=raw["pipe_loss_w"],  # per pipe section, summed (heat.pit)
            # fixed plants out of service have NaN results: they fed nothing
            plant_q_w=np.nan_to_num(raw["plant_q_w"], nan=0.0),
            plant_mdot_kg_per_s=np.nan_to_num(raw["plant_mdot_kg_per_s"], nan=0.0),
            # each plant's own outlet, its set point (its flow junction may mix other plants')
            plant_t_supply_k=np.where(np.isfinite(raw["plant_t_to_k"]), np.broadcast_to(
                inputs.t_supply_k, raw["plant_t_to_k"].shape), np.nan),
            plant_t_return_k=t_in_plant,
            plant_plift_bar=np.nan_to_num(plift),
        )

    def failed_state(self) -> HeatState:
        """A state of NaNs shaped like this network, with ``converged`` False."""
        net = self._net
        return nan_state({"consumer": len(net.heat_consumer), "junction": len(net.junction),
                          "pipe": len(net.pipe), "plant": 1 + len(net.circ_pump_mass)})

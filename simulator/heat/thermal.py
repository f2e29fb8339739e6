"""The dynamic thermal model behind the heat adapter (``heat_network.thermal: dynamic``).

pandapipes solves each hour's hydraulics quasi-steadily, as in the steady model; this module
then moves the water through the network (:class:`simulator.heat.dynamic.DynamicNetwork`: plug
flow in every pipe, the pipe walls as heat stores, mixing at junctions) and replaces the
state's temperatures and heats by what actually arrives:

- **Consumers** draw their heat from the water that arrives: a substation's flow follows its
  arriving temperature (``mdot = q / (cp (T_arrive - T_return))``). pandapipes sets the flows
  from its steady temperatures, so each consumer's heat in the hydraulic solve is scaled by
  ``flow_factor``, corrected after every solve by the flow its arriving water needs over the
  flow it got (within ``FLOW_FACTOR_RANGE``): its flow is then the one its water needs. The
  factor lags by a solve: a substation whose water arrives colder than its flow was set for
  cools it further, by up to ``SUBSTATION_RESERVE_K`` below its return temperature, and beyond
  that delivers less (the rest is unserved, and the hour solves once more with the flows its
  water needs, ``heat.network``); one whose water arrives warmer returns it warmer
  (``dynamic.Hydraulics``).
- **Plants** deliver ``mdot cp (T_supply - T_arrive)`` at the temperature the return water
  actually brings them; the pipe losses are each parcel's own over its residence time.
- **Storage**: the state's ``network_heat_change_w`` closes the balance (heat supplied =
  delivered + losses + change of the water's and walls' heat).
- ``consumer_t_ahead_k`` keeps pandapipes' steady supply temperature of the hour: what each
  consumer will see once the water leaving now arrives at these flows, which the operator
  looks ahead by (:mod:`simulator.operation.control`).

Every solve of an hour is advanced from the hour's start (:meth:`NetworkThermal.apply`) and
the coupling makes the one it keeps permanent (:meth:`NetworkThermal.commit`); a failed hour
leaves the water standing for the hour. The model starts from the first converged hour's
steady temperatures (each pipe uniform at its mean, walls in equilibrium).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING

import numpy as np

from simulator.heat import dynamic, dynamic_pp
from simulator.heat.state import HeatInputs, HeatState

if TYPE_CHECKING:
    import pandapipes

C_TO_K = 273.15
HOUR_S = 3600.0
#: the bounds of a consumer's heat scaling in the hydraulic solve (1)
FLOW_FACTOR_RANGE = (0.5, 2.0)
#: how far below its return temperature a substation cools water that came with too small a
#: flow (K; estimate: its heat exchanger's approach shrinks at part flow, so the return falls)
SUBSTATION_RESERVE_K = 2.0
#: a substation short of its heat by more than this share (its flow was set for an arriving
#: temperature a solve old) makes the hour solve once more with the flows it needs
SUBSTATION_TOLERANCE = 1e-3


class NetworkThermal:
    """The network's heat content, advanced once an hour on pandapipes' hydraulics."""

    def __init__(self, net: pandapipes.pandapipesNet) -> None:
        self._topology = dynamic_pp.topology(net)
        self._specs = dynamic_pp.pipe_specs(net)
        self._n_pipes = len(net.pipe)
        self._model: dynamic.DynamicNetwork | None = None
        self._committed: dynamic.Snapshot | None = None
        self._tentative: dict[int, tuple[HeatState, dynamic.Snapshot]] = {}
        self._solves: dict[int, tuple[HeatState, dict[str, np.ndarray], HeatInputs]] = {}
        #: each consumer's heat scaling in the hydraulic solve at the last solve's supply
        #: (see the module docstring and :meth:`flow_factor`)
        self._factor = np.ones(len(net.heat_consumer))
        #: of the last solve: the slack plant's supply (K), each consumer's steady and
        #: arriving supply (K) and the share of its water that left the plants in the hour
        self._last: tuple[float, np.ndarray, np.ndarray, np.ndarray] | None = None

    @property
    def water_and_wall_j_per_k(self) -> float:
        """Heat capacity of the network's water and pipe walls (J/K)."""
        return float(sum(s.water_mass_kg * s.cp_j_per_kg_k + s.wall_heat_capacity_j_per_k
                         for s in self._specs))

    def keep(self, state: HeatState, raw: dict[str, np.ndarray], inputs: HeatInputs) -> None:
        """Remember a converged solve of this hour (its result arrays and inputs), so that
        :meth:`settle` can move the water for it."""
        self._solves[id(state)] = (state, raw, inputs)

    def settle(self, state: HeatState, resolve: Callable[[HeatInputs], HeatState],
               last_raw: Callable[[], dict[str, np.ndarray]]) -> HeatState:
        """:meth:`apply` to a solve :meth:`keep` remembered; when a substation is then short
        of its heat, ``resolve(inputs)`` once at the flow factors that apply learned
        (``last_raw()``: that solve's result arrays) and apply to it if it converged."""
        kept, raw, inputs = self._solves[id(state)]
        assert kept is state, "settle of a heat state not solved this hour"
        moved = self.apply(state, raw, inputs)
        if self.shortfall(moved, inputs) <= SUBSTATION_TOLERANCE:
            return moved
        again = resolve(inputs)
        return self.apply(again, last_raw(), inputs) if again.converged else moved

    def apply(self, state: HeatState, raw: dict[str, np.ndarray], inputs: HeatInputs
              ) -> HeatState:
        """``state`` (pandapipes' converged steady solve, ``raw`` its result arrays) with the
        temperatures and heats of the water moved through the hour from the hour's start."""
        if self._model is None:
            self._model = self._first_model(raw)
            self._committed = self._model.snapshot()
        assert self._committed is not None
        self._model.restore(self._committed)
        result = self._model.advance(_hydraulics(raw, inputs, self._n_pipes))
        solved = self._solved_state(state, result, raw["consumer_mdot_kg_per_s"],
                                    self._committed.stored_heat_j)
        self._tentative[id(solved)] = (solved, self._model.snapshot(result.stored_heat_j))
        self._update_flow_factor(solved, raw["consumer_mdot_kg_per_s"], inputs)
        self._last = (float(np.ravel(inputs.t_supply_k)[0]), raw["consumer_t_from_k"],
                      solved.consumer_t_supply_k,
                      np.clip(1.0 - np.nan_to_num(solved.consumer_transit_s) / HOUR_S, 0, 1))
        return solved

    def _update_flow_factor(self, solved: HeatState, mdot_kg_per_s: np.ndarray,
                            inputs: HeatInputs) -> None:
        """Scale each substation's heat in the hydraulic solve by the flow its arriving water
        needs over the flow it got (``q / (cp (T_arrive - T_return))`` over ``mdot``)."""
        rise_k = solved.consumer_t_supply_k - inputs.t_return_k
        need = np.asarray(inputs.consumer_q_w, float) / (
            dynamic.NETWORK_CP_J_PER_KG_K * np.maximum(rise_k, 1e-3))
        ratio = need / np.where(mdot_kg_per_s > 0, mdot_kg_per_s, np.nan)
        self._factor = np.where(np.isfinite(ratio), np.clip(
            self.flow_factor(inputs) * ratio, *FLOW_FACTOR_RANGE), self._factor)

    def flow_factor(self, inputs: HeatInputs) -> np.ndarray:
        """Each consumer's heat scaling for a solve of ``inputs`` (1): the last solve's
        factor, moved with the supply set point since then. A supply change ``d`` moves the
        steady supply pandapipes sets the flow by (``T_steady + d``), but only the share of a
        consumer's water that leaves the plants within the hour (transit under an hour)
        arrives changed (``T_arrive + share d``)."""
        if self._last is None:
            return self._factor
        t_set_k, steady_k, arrive_k, share = self._last
        t_ret_k = inputs.t_return_k
        d_k = float(np.ravel(inputs.t_supply_k)[0]) - t_set_k
        if d_k == 0.0:
            return self._factor
        moved = ((steady_k + d_k - t_ret_k) / np.maximum(steady_k - t_ret_k, 1e-3)
                 * (arrive_k - t_ret_k) / np.maximum(arrive_k + share * d_k - t_ret_k, 1e-3))
        return np.where(np.isfinite(moved), np.clip(self._factor * moved, *FLOW_FACTOR_RANGE),
                        self._factor)

    @staticmethod
    def shortfall(state: HeatState, inputs: HeatInputs) -> float:
        """The largest share of its heat a substation did not get (1)."""
        want_w = np.asarray(inputs.consumer_q_w, float)
        on = want_w > 0.0
        if not on.any():
            return 0.0
        return float(np.max((want_w[on] - state.consumer_q_w[on]) / want_w[on]))

    def commit(self, state: HeatState | None) -> None:
        """Keep the advance that gave ``state`` (a state :meth:`apply` returned this hour);
        None: the hour failed, and the water stood still for it."""
        if self._model is None:
            return
        assert self._committed is not None
        if state is None:
            self._model.restore(self._committed)
            self._model.advance(self._standing())
            self._committed = self._model.snapshot()
        elif id(state) in self._tentative and self._tentative[id(state)][0] is state:
            self._committed = self._tentative[id(state)][1]
        else:
            raise RuntimeError("commit of a heat state the dynamic model did not give this hour")
        self._tentative.clear()
        self._solves.clear()

    def _first_model(self, raw: dict[str, np.ndarray]) -> dynamic.DynamicNetwork:
        """The model at a converged hour's steady temperatures."""
        t_from = np.nan_to_num(raw["pipe_t_from_k"], nan=np.nanmean(raw["junction_t_k"]))
        t_to = np.nan_to_num(raw["pipe_t_to_k"], nan=np.nanmean(raw["junction_t_k"]))
        junction_c = np.nan_to_num(raw["junction_t_k"], nan=np.nanmean(raw["junction_t_k"]))
        n_links = len(self._specs) - self._n_pipes
        at = self._topology.pipe_from[self._n_pipes:]
        pipe_c = np.concatenate([0.5 * (t_from + t_to), junction_c[at]]) - C_TO_K
        assert len(pipe_c) == self._n_pipes + n_links
        model = dynamic.DynamicNetwork(self._topology, self._specs, pipe_c)
        model.junction_t_c = junction_c - C_TO_K
        return model

    def _standing(self) -> dynamic.Hydraulics:
        """An hour with no flow anywhere, at the model's last ground temperature (C)."""
        topo = self._topology
        return dynamic.Hydraulics(
            pipe_mdot_kg_per_s=np.zeros(len(self._specs)),
            consumer_mdot_kg_per_s=np.zeros(len(topo.consumer_from)),
            consumer_t_out_c=np.zeros(len(topo.consumer_from)),
            plant_mdot_kg_per_s=np.zeros(len(topo.plant_from)),
            plant_t_out_c=np.zeros(len(topo.plant_from)),
            t_ground_c=self._model.specs[0].t_ambient_c if self._model else 10.0)

    def _solved_state(self, state: HeatState, r: dynamic.HourResult,
                      consumer_mdot_kg_per_s: np.ndarray, before_j: float) -> HeatState:
        """``state`` with the dynamic model's temperatures (K) and heats (W)."""
        cp = dynamic.NETWORK_CP_J_PER_KG_K
        mdot_c = np.nan_to_num(consumer_mdot_kg_per_s)
        reached = np.isfinite(state.consumer_t_supply_k)
        plant_in_c = r.plant_t_arrive_c
        plant_q_w = state.plant_mdot_kg_per_s * cp * (state.plant_t_supply_k - C_TO_K
                                                      - plant_in_c)
        return replace(
            state,
            consumer_q_w=np.where(reached, mdot_c * cp * (r.consumer_t_arrive_c
                                                          - r.consumer_t_out_c), 0.0),
            consumer_t_supply_k=np.where(reached, r.consumer_t_arrive_c + C_TO_K, np.nan),
            consumer_t_ahead_k=state.consumer_t_supply_k,
            consumer_transit_s=np.where(reached, r.consumer_transit_s, np.nan),
            junction_t_k=r.junction_t_c + C_TO_K,
            pipe_loss_w=r.pipe_loss_j[:self._n_pipes] / HOUR_S,
            plant_q_w=np.nan_to_num(plant_q_w),
            plant_t_return_k=np.where(state.plant_mdot_kg_per_s > 0, plant_in_c + C_TO_K,
                                      state.plant_t_return_k),
            network_heat_j=r.stored_heat_j,
            network_heat_change_w=(r.stored_heat_j - before_j + r.mixing_residual_j) / HOUR_S)


def _hydraulics(raw: dict[str, np.ndarray], inputs: HeatInputs, n_pipes: int
                ) -> dynamic.Hydraulics:
    """The hour's flows (kg/s) from pandapipes' result arrays, and what the consumers draw."""
    n_c = len(raw["consumer_mdot_kg_per_s"])
    n_plants = len(raw["plant_mdot_kg_per_s"])
    t_plant_c = np.broadcast_to(np.asarray(inputs.t_supply_k, float), (n_plants,)) - C_TO_K
    return dynamic.Hydraulics(
        pipe_mdot_kg_per_s=np.nan_to_num(np.concatenate(
            [raw["pipe_mdot_kg_per_s"], raw["valve_mdot_kg_per_s"]])),
        consumer_mdot_kg_per_s=np.nan_to_num(raw["consumer_mdot_kg_per_s"]),
        consumer_t_out_c=np.full(n_c, inputs.t_return_k - C_TO_K),
        plant_mdot_kg_per_s=np.nan_to_num(raw["plant_mdot_kg_per_s"]),
        plant_t_out_c=t_plant_c.copy(),
        t_ground_c=float(inputs.t_ground_k) - C_TO_K,
        consumer_q_w=np.asarray(inputs.consumer_q_w, float), reserve_k=SUBSTATION_RESERVE_K)

"""What the heat adapter is asked each hour and what it answers: frozen arrays (W, K, bar)."""

from __future__ import annotations

from dataclasses import MISSING, dataclass, fields

import numpy as np


@dataclass(frozen=True)
class HeatInputs:
    """What the heat network is asked to do for one hour."""

    consumer_q_w: np.ndarray  # heat each consumer draws (W)
    #: supply temperature leaving the plants (K): one value for all, or one per plant in
    #: ``plant_names`` order (slack first); the network mixes them at the junctions
    t_supply_k: float | np.ndarray
    t_return_k: float  # return temperature leaving every consumer (K)
    t_ground_k: float  # soil temperature around the pipes (K)
    fixed_plant_q_w: np.ndarray  # heat of each fixed-flow plant (W), in ``fixed_plant_names`` order
    #: pressure lift of the pressure-holding plant (bar); NaN keeps the network file's. The
    #: plant holds its return (suction) pressure, so the flow-side pressure rises with the lift.
    slack_plift_bar: float = float("nan")
    #: return (suction) pressure the pressure-holding plant keeps (bar, gauge); NaN: the file's
    slack_hold_p_bar: float = float("nan")


@dataclass(frozen=True)
class HeatState:
    """Solved state of the heat network for one hour (NaN everywhere when not converged)."""

    converged: bool
    iterations: float
    consumer_q_w: np.ndarray  # heat delivered (W)
    consumer_t_supply_k: np.ndarray  # temperature arriving at the consumer (K)
    consumer_dp_bar: np.ndarray  # supply minus return pressure at the consumer (bar)
    junction_t_k: np.ndarray
    junction_p_bar: np.ndarray
    pipe_mdot_kg_per_s: np.ndarray
    pipe_v_m_per_s: np.ndarray  # mean flow velocity, signed like the mass flow (m/s)
    pipe_loss_w: np.ndarray  # heat lost to the ground per pipe (W)
    plant_q_w: np.ndarray  # heat fed in per plant, slack first (W)
    plant_mdot_kg_per_s: np.ndarray
    plant_t_supply_k: np.ndarray  # temperature leaving each plant (K)
    plant_t_return_k: np.ndarray  # temperature arriving at each plant (K)
    plant_plift_bar: np.ndarray  # pressure lift across each plant (bar)
    # -- the dynamic thermal model (``heat_network.thermal: dynamic``); steady: the defaults --
    #: supply temperature each consumer sees once the water leaving the plants now arrives at
    #: this hour's flows (K): the steady solution, which the operator looks ahead by; None:
    #: ``consumer_t_supply_k`` (the steady model, where the two are one)
    consumer_t_ahead_k: np.ndarray | None = None
    consumer_transit_s: np.ndarray | None = None  # plant-to-consumer travel time (s)
    network_heat_j: float = float("nan")  # heat in the water and pipe walls, above 0 C (J)
    network_heat_change_w: float = 0.0  # change of that heat over the hour, per second (W)

    @property
    def t_ahead_k(self) -> np.ndarray:
        """What the operator steers the supply temperature by (K), see ``consumer_t_ahead_k``."""
        ahead = self.consumer_t_ahead_k
        return self.consumer_t_supply_k if ahead is None else ahead

    @property
    def loss_w(self) -> float:
        """Total network heat loss (W)."""
        return float(np.sum(self.pipe_loss_w))

    def balance_error(self) -> float:
        """(plants - consumers - losses - change of the network's stored heat) / plants (1)."""
        supplied = float(np.sum(self.plant_q_w))
        return (supplied - float(np.sum(self.consumer_q_w)) - self.loss_w
                - self.network_heat_change_w) / supplied


def nan_state(sizes: dict[str, int]) -> HeatState:
    """A state of NaNs, ``converged`` False; ``sizes`` of consumer, junction, pipe and plant."""
    values: dict[str, object] = {"converged": False, "iterations": np.nan}
    for f in fields(HeatState):
        if f.name not in values and f.default is MISSING:
            values[f.name] = np.full(sizes[f.name.split("_")[0]], np.nan)
    return HeatState(**values)  # type: ignore[arg-type]


def fixed_off_target(state: HeatState, inputs: HeatInputs, tolerance: float) -> bool:
    """Whether a fixed-flow plant's heat misses its target by more than ``tolerance`` (1)."""
    target_w = np.asarray(inputs.fixed_plant_q_w, dtype=float)
    active = target_w > 0.0
    error = np.abs(state.plant_q_w[1:][active] - target_w[active]) / target_w[active]
    return bool(np.any(error > tolerance))

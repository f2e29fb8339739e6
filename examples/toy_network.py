"""Toy network adapters: a heat network and a grid in a few lines of numpy, behind the seams.

:class:`StiffGrid` satisfies :class:`simulator.adapters.GridAdapter`: every bus is held at
1.0 p.u. by an external grid of infinite strength, no line carries anything, and the grid
supplies whatever the units draw. :class:`LumpedHeat` satisfies
:class:`simulator.adapters.HeatAdapter`: one plant feeds every substation at its own supply
temperature, and the pipes lose ``ua_w_per_k`` per kelvin of mean water temperature above the
ground. Neither imports pandapipes or pandapower; the coupling runs them as it runs the real
adapters.

    python examples/toy_network.py --hours 24            # both toys (no solver at all)
    python examples/toy_network.py --hours 24 --heat pandapipes   # Schutterwald's real pipes

Either runs the shipped Schutterwald scenario (units, weather, dispatch) and prints its period
figures.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from simulator.adapters import GridAdapter, GridState, HeatAdapter, HeatInputs, HeatState
from simulator.config import Scenario
from simulator.district import District, check_wiring, load_district
from simulator.heat.state import nan_state

ROOT = Path(__file__).resolve().parents[1]
SCENARIO = ROOT / "configs" / "schutterwald.yaml"
CP_J_PER_KG_K = 4190.0  # water, 60-90 °C
RHO_KG_PER_M3 = 975.0


class StiffGrid:
    """A grid whose buses never move from 1.0 p.u. (MW in, a converged state out)."""

    def __init__(self, buses: Sequence[str], lines: Sequence[str] = (),
                 trafos: Sequence[str] = ()) -> None:
        self.bus_names, self.line_names, self.trafo_names = list(buses), list(lines), list(trafos)
        self.last_path, self.last_failure = "", ""
        self._load_bus: list[int] = []  # bus index of each attached load

    def bus_problems(self, buses: list[str]) -> dict[str, str]:
        return {}

    def geometry(self) -> dict[str, tuple[str, list]]:
        return {}

    def attach(self, names: list[str], buses: list[str]) -> None:
        self._load_bus = [self.bus_names.index(b) for b in buses]

    def step(self, p_mw: np.ndarray, background_scale: float = 1.0) -> GridState:
        self.last_path = "plain: a stiff toy grid"
        n_branch = len(self.line_names) + len(self.trafo_names)
        return GridState(converged=True, bus_vm_pu=np.ones(len(self.bus_names)),
                         line_loading_percent=np.zeros(len(self.line_names)),
                         trafo_loading_percent=np.zeros(len(self.trafo_names)),
                         ext_grid_p_mw=float(np.sum(p_mw)), branch_p_mw=np.zeros(n_branch))

    def failed_state(self) -> GridState:
        n_branch = len(self.line_names) + len(self.trafo_names)
        return GridState(False, np.full(len(self.bus_names), np.nan),
                         np.full(len(self.line_names), np.nan),
                         np.full(len(self.trafo_names), np.nan), float("nan"),
                         np.full(n_branch, np.nan))

    def behind(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        n = len(self._load_bus)
        own_bus = np.zeros((len(self.bus_names), n), dtype=bool)
        own_bus[self._load_bus, np.arange(n)] = True  # a load is behind its own bus only
        branches = len(self.line_names) + len(self.trafo_names)
        return np.zeros((branches, n), dtype=bool), own_bus, np.zeros(n, dtype=bool)

    def set_out_of_service(self, lines: list[str], trafos: list[str]) -> None:
        pass  # nothing carries power, so nothing changes

    def in_service(self, kind: str) -> np.ndarray:
        return np.ones(len(self.line_names if kind == "line" else self.trafo_names))


class LumpedHeat:
    """One plant, every substation served at the plant's temperature, one supply and one return
    pipe whose heat loss is ``ua_w_per_k`` (W/K) times the mean water temperature over the
    ground's (W, K, bar throughout)."""

    def __init__(self, consumer_design_w: dict[str, float], plant: str = "main",
                 ua_w_per_k: float = 1500.0, plift_bar: float = 3.0, hold_p_bar: float = 2.0,
                 pipe_area_m2: float = 0.01) -> None:
        self.consumer_names = list(consumer_design_w)
        self.consumer_design_w = np.array(list(consumer_design_w.values()), dtype=float)
        self.junction_names = ["plant_supply", "plant_return"]
        self.pipe_names = ["supply", "return"]
        self.plant_names, self.slack_plant_name = [plant], plant
        self.junction_p_amb_bar = np.zeros(2)
        self.base_plift_bar, self.hold_p_bar = plift_bar, hold_p_bar
        self.last_path, self.last_failure = "", ""
        self._ua_w_per_k, self._area_m2 = ua_w_per_k, pipe_area_m2
        self._open = np.ones(2, dtype=bool)

    def density_kg_per_m3(self, t_k: np.ndarray | float) -> np.ndarray:
        return np.full(np.shape(t_k), RHO_KG_PER_M3)

    def scenario_problems(self, t_return_k: float) -> list[str]:
        return []

    def geometry(self) -> dict[str, tuple[str, list]]:
        return {}

    def step(self, inputs: HeatInputs) -> HeatState:
        self.last_path = "plain: a lumped toy network"
        if not self._open.all():  # a closed pipe cuts every substation off
            self.last_failure = "a pipe of the lumped toy network is closed"
            return self.failed_state()
        t_s = float(np.ravel(inputs.t_supply_k)[0])
        t_r = float(inputs.t_return_k)
        q_w = np.asarray(inputs.consumer_q_w, dtype=float)
        loss_w = self._ua_w_per_k * max(0.5 * (t_s + t_r) - inputs.t_ground_k, 0.0)
        plant_w = float(q_w.sum()) + loss_w
        mdot = plant_w / (CP_J_PER_KG_K * max(t_s - t_r, 1.0))
        lift = self.base_plift_bar if np.isnan(inputs.slack_plift_bar) else inputs.slack_plift_bar
        hold = self.hold_p_bar if np.isnan(inputs.slack_hold_p_bar) else inputs.slack_hold_p_bar
        v = mdot / (RHO_KG_PER_M3 * self._area_m2)
        return HeatState(
            converged=True, iterations=1.0, consumer_q_w=q_w,
            consumer_t_supply_k=np.full(len(q_w), t_s), consumer_dp_bar=np.full(len(q_w), lift),
            junction_t_k=np.array([t_s, t_r]), junction_p_bar=np.array([hold + lift, hold]),
            pipe_mdot_kg_per_s=np.array([mdot, -mdot]), pipe_v_m_per_s=np.array([v, -v]),
            pipe_loss_w=np.array([0.6, 0.4]) * loss_w,  # the hotter pipe loses more
            plant_q_w=np.array([plant_w]), plant_mdot_kg_per_s=np.array([mdot]),
            plant_t_supply_k=np.array([t_s]), plant_t_return_k=np.array([t_r]),
            plant_plift_bar=np.array([lift]))

    def moved(self, state: HeatState) -> HeatState:
        return state  # a steady network: no water in transit, nothing stored

    def commit(self, state: HeatState | None) -> None:
        pass  # no memory from hour to hour

    def failed_state(self) -> HeatState:
        return nan_state({"consumer": len(self.consumer_names), "junction": 2, "pipe": 2,
                          "plant": 1})

    def set_closed_pipes(self, names: list[str]) -> None:
        self._open = ~np.isin(self.pipe_names, names)

    def pipes_in_service(self) -> np.ndarray:
        return self._open.astype(float)


def toy_district(scenario: Scenario, heat: str = "lumped") -> District:
    """Schutterwald's buses on a stiff grid, with the lumped heat network or the real one."""
    grid = StiffGrid(["plant_lv"])
    if heat == "lumped":
        network: HeatAdapter = LumpedHeat({"north": 1.2e6, "centre": 1.0e6, "south": 0.8e6})
    else:
        s = scenario.solver
        network = load_district(scenario.district, s.max_iter_bidirect, s.fast,
                                scenario.heat_network.thermal).heat
    assert isinstance(network, HeatAdapter) and isinstance(grid, GridAdapter)
    return District(path=ROOT / "networks" / "toy", heat=network, grid=grid)


def main(argv: list[str] | None = None) -> dict[str, float]:
    from simulator.api import geometry_coords, simulate_scenario
    from simulator.config import load_config
    from simulator.output.summary import format_summary, summarize

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hours", type=int, default=24)
    parser.add_argument("--heat", choices=("lumped", "pandapipes"), default="lumped")
    args = parser.parse_args(argv)
    scenario = load_config(SCENARIO)
    district = toy_district(scenario, args.heat)
    check_wiring(scenario, district, SCENARIO)
    recorder, attrs = simulate_scenario(scenario, district, args.hours)
    ds = recorder.to_dataset(attrs).assign_coords(geometry_coords(district))
    figures = summarize(ds)
    print(format_summary(figures, f"Schutterwald on toy networks ({args.heat} heat), "
                                  f"{args.hours} h"))
    return figures


if __name__ == "__main__":
    main()

"""The electric adapter: the only module that talks to pandapower.

An :class:`ElectricGrid` owns its pandapower ``net``. The simulator's electric consumers (heat
pumps, electric boilers, circulation pumps) are attached once as ``load`` rows named
``districtsim:<name>``; each hour :meth:`ElectricGrid.step` writes their ``p_mw`` vectorised,
runs an AC power flow (warm-started from the previous hour's voltages) and returns a frozen
:class:`GridState` of numpy arrays.

Speed (``fast=True``, the default): after the first converged hour the power flow runs on the
structures pandapower built (:class:`simulator.grid.fast.FastGrid`: ``Ybus``, bus injections,
Newton-Raphson from the previous voltages), checked against ``runpp`` when it is set up and
every ``VERIFY_EVERY`` hours; anything it does not cover, or any failure, takes the plain
``runpp`` path. ``fast=False`` uses ``runpp`` only (the reference for tests).
"""

from __future__ import annotations

import logging
import warnings
from pathlib import Path

import networkx as nx
import numpy as np
import pandapower
import pandas as pd
from pandapower import topology

from simulator.grid import checks
from simulator.grid.fast import FastGrid, GridResult
from simulator.grid.state import GridState
from simulator.naming import point_xy, unique_names

logging.getLogger("pandapower").setLevel(logging.ERROR)

LOAD_PREFIX = "districtsim:"
#: hours between two checks of the fast path against a full ``runpp``
VERIFY_EVERY = 168


class ElectricGrid:
    """A pandapower grid with the district's electric consumers attached at named buses."""

    def __init__(self, net: pandapower.pandapowerNet, fast: bool = True) -> None:
        self._net = net
        #: (name, bus name) of each attached load, in ``step``'s ``p_mw`` order
        self.attached_loads: list[tuple[str, str]] = []
        self._fast: FastGrid | None = None
        self._fast_hours = 0
        #: why the fast path is not in use ('' while it is, or before the first hour)
        self.fast_status = "" if fast else "disabled (fast=False)"
        #: the path of the last solve: 'fast', or 'plain: <why>'
        self.last_path = ""
        self.last_failure = ""  #: why the last plain power flow failed
        self._loads = np.zeros(0, dtype=int)
        #: branches the file has in service: events take branches out, never put the file's in
        self._on_file = {kind: net[kind]["in_service"].to_numpy(dtype=bool, copy=True)
                         for kind in ("line", "trafo")}
        self._background_p_mw = net.load["p_mw"].to_numpy(dtype=float, copy=True)
        self._background_q_mvar = net.load["q_mvar"].to_numpy(dtype=float, copy=True)
        self._init = "auto"
        self._scale = 1.0
        self._behind: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None

    @classmethod
    def from_json(cls, path: str | Path, fast: bool = True) -> ElectricGrid:
        """Load a grid written with ``pandapower.to_json``."""
        return cls(pandapower.from_json(str(path)), fast)

    @property
    def bus_names(self) -> list[str]:
        return unique_names(self._net.bus, "bus_")

    @property
    def line_names(self) -> list[str]:
        return unique_names(self._net.line, "line_")

    @property
    def trafo_names(self) -> list[str]:
        return unique_names(self._net.trafo, "trafo_")

    def geometry(self) -> dict[str, tuple[str, list]]:
        """Auxiliary cube coordinates: bus positions and the ends of lines and transformers."""
        net = self._net
        buses = dict(zip(net.bus.index, self.bus_names, strict=True))
        geo = net.bus["geo"] if "geo" in net.bus else pd.Series(None, net.bus.index)
        x, y = point_xy(geo)
        return {
            "bus_x": ("bus", x),
            "bus_y": ("bus", y),
            "line_from_bus": ("line", [buses[b] for b in net.line["from_bus"]]),
            "line_to_bus": ("line", [buses[b] for b in net.line["to_bus"]]),
            "trafo_hv_bus": ("trafo", [buses[b] for b in net.trafo["hv_bus"]]),
            "trafo_lv_bus": ("trafo", [buses[b] for b in net.trafo["lv_bus"]]),
        }

    def bus_problems(self, buses: list[str]) -> dict[str, str]:
        """Why each named bus cannot carry a unit (out of service, isolated); others left out."""
        return checks.bus_problems(self._net, buses)

    def attach(self, names: list[str], buses: list[str]) -> None:
        """Create one load per simulator consumer of electricity, ``names[i]`` at ``buses[i]``."""
        self.attached_loads = list(zip(names, buses, strict=True))
        index = {name: i for name, i in zip(self.bus_names, self._net.bus.index, strict=True)}
        self._loads = np.array(
            [
                pandapower.create_load(self._net, bus=index[bus], p_mw=0.0, q_mvar=0.0,
                                       name=LOAD_PREFIX + name)
                for name, bus in zip(names, buses, strict=True)
            ],
            dtype=int,
        )
        self._background = ~self._net.load.index.isin(self._loads)
        self._behind = None
        self._drop_fast()

    def _drop_fast(self) -> None:
        """Forget the fast path (the grid changed); the next plain solve sets it up again."""
        self._fast = None
        if self.fast_status != "disabled (fast=False)":
            self.fast_status = ""

    def step(self, p_mw: np.ndarray, background_scale: float = 1.0) -> GridState:
        """Solve one hour with the attached loads at ``p_mw`` (MW, unity power factor)."""
        p_mw = np.asarray(p_mw, dtype=float)
        if not (np.all(np.isfinite(p_mw)) and np.isfinite(background_scale)):
            # a NaN load makes runpp fail and leaves the net failing in every later hour too
            return self.failed_state()
        if self._fast is None:
            self.last_path = "plain: " + (self.fast_status or "setting the fast path up")
            return self._step_plain(p_mw, background_scale)
        result = self._fast.solve(p_mw, background_scale)
        self._fast_hours += 1
        if result is not None and self._fast_hours % VERIFY_EVERY:
            self.last_path = "fast"
            return _state(result)
        self.last_path = ("plain: the fast Newton did not converge" if result is None
                          else f"plain: checking the fast path against runpp (every "
                               f"{VERIFY_EVERY} h)")
        plain = self._step_plain(p_mw, background_scale)
        if result is not None and plain.converged:
            problem = FastGrid.compare(self._net, result)
            if problem:
                self._fast = None
                self.fast_status = f"fast path left runpp's results ({problem}): disabled"
        return plain

    def _step_plain(self, p_mw: np.ndarray, background_scale: float) -> GridState:
        net = self._net
        net.load.loc[self._loads, "p_mw"] = p_mw
        if background_scale != self._scale:
            self._scale = background_scale
            net.load.loc[self._background, "p_mw"] = self._background_p_mw * background_scale
            net.load.loc[self._background, "q_mvar"] = self._background_q_mvar * background_scale
        self.last_failure = "runpp did not converge (from the last results, then a flat start)"
        for init in (self._init, "flat"):
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    pandapower.runpp(net, init=init, numba=True)
            except (pandapower.LoadflowNotConverged, ArithmeticError, ValueError):
                continue
            if net.converged:
                self._init = "results"
                if self._fast is None and not self.fast_status:
                    self._set_up_fast()
                return GridState(
                    converged=True,
                    bus_vm_pu=net.res_bus["vm_pu"].to_numpy(dtype=float),
                    line_loading_percent=net.res_line["loading_percent"].to_numpy(dtype=float),
                    trafo_loading_percent=net.res_trafo["loading_percent"].to_numpy(dtype=float),
                    ext_grid_p_mw=float(net.res_ext_grid["p_mw"].sum()),
                    branch_p_mw=np.concatenate([
                        net.res_line["p_from_mw"].to_numpy(dtype=float),
                        net.res_trafo["p_hv_mw"].to_numpy(dtype=float),
                    ]),
                )
        self._init = "auto"
        return self.failed_state()

    def _set_up_fast(self) -> None:
        """Set the fast path up on the converged ``runpp`` (never aborts the run)."""
        net = self._net
        try:
            fast: FastGrid | str = FastGrid.create(
                net, self._loads, net.load.index[self._background].to_numpy(),
                self._background_p_mw, self._background_q_mvar, self._scale)
        except Exception as err:
            fast = f"set-up failed ({type(err).__name__}: {err})"
        self.fast_status = fast if isinstance(fast, str) else ""
        self._fast = None if isinstance(fast, str) else fast

    def failed_state(self) -> GridState:
        """A state of NaNs shaped like this grid, with ``converged`` False."""
        return GridState(
            converged=False,
            bus_vm_pu=np.full(len(self._net.bus), np.nan),
            line_loading_percent=np.full(len(self._net.line), np.nan),
            trafo_loading_percent=np.full(len(self._net.trafo), np.nan),
            ext_grid_p_mw=float("nan"),
            branch_p_mw=np.full(len(self._net.line) + len(self._net.trafo), np.nan),
        )

    # -- outages and topology --------------------------------------------------------------
    def set_out_of_service(self, lines: list[str], trafos: list[str]) -> None:
        """Take the named lines and transformers out of service, all others the file has in
        service back in."""
        line_on = ~np.isin(self.line_names, lines) & self._on_file["line"]
        trafo_on = ~np.isin(self.trafo_names, trafos) & self._on_file["trafo"]
        if (np.array_equal(line_on, self._net.line["in_service"].to_numpy(dtype=bool))
                and np.array_equal(trafo_on, self._net.trafo["in_service"].to_numpy(dtype=bool))):
            return
        self._net.line["in_service"] = line_on
        self._net.trafo["in_service"] = trafo_on
        self._behind = None
        self._init = "auto"
        self._drop_fast()

    def in_service(self, kind: str) -> np.ndarray:
        """1 for each line or trafo (``kind``) in service, else 0."""
        return self._net[kind]["in_service"].to_numpy(dtype=float)

    def behind(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Which attached loads sit behind each branch and bus, and which have no supply.

        Returns (branch x load, bus x load, load) boolean arrays: a load is behind a branch
        when taking the branch out cuts it off from every external grid, behind a bus when
        that bus is its own or lies on every path to the external grids. Branches are lines
        then transformers, as in :attr:`GridState.branch_loading_percent`.
        """
        if self._behind is None:
            self._behind = _behind(self._net, self._net.load.loc[self._loads, "bus"].to_numpy())
        return self._behind



def _behind(net: pandapower.pandapowerNet, load_bus: np.ndarray
            ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Topology of the in-service grid (see :meth:`ElectricGrid.behind`)."""
    graph = topology.create_nxgraph(net, respect_switches=True, include_out_of_service=False)
    sources = set(net.ext_grid.loc[net.ext_grid["in_service"], "bus"])

    def supplied(g: object) -> set[int]:
        reached: set[int] = set()
        for component in nx.connected_components(g):
            if component & sources:
                reached |= component
        return reached

    base = supplied(graph)
    unsupplied = np.array([b not in base for b in load_bus], dtype=bool)
    branches = [("line", i, net.line.at[i, "from_bus"], net.line.at[i, "to_bus"])
                for i in net.line.index] + [
        ("trafo", i, net.trafo.at[i, "hv_bus"], net.trafo.at[i, "lv_bus"])
        for i in net.trafo.index]
    branch_behind = np.zeros((len(branches), len(load_bus)), dtype=bool)
    for k, (kind, idx, a, b) in enumerate(branches):
        if not net[kind].at[idx, "in_service"] or not graph.has_edge(a, b, key=(kind, idx)):
            continue
        cut = graph.copy()
        cut.remove_edge(a, b, key=(kind, idx))
        reached = supplied(cut)
        branch_behind[k] = [(bus in base) and (bus not in reached) for bus in load_bus]
    buses = net.bus.index.to_numpy()
    bus_behind = np.zeros((len(buses), len(load_bus)), dtype=bool)
    for k, bus in enumerate(buses):
        if bus not in base:
            continue
        cut = graph.copy()
        cut.remove_node(bus)
        reached = supplied(cut)
        bus_behind[k] = [(lb == bus) or (lb in base and lb not in reached) for lb in load_bus]
    return branch_behind, bus_behind, unsupplied


def _state(result: GridResult) -> GridState:
    """A converged :class:`GridState` from a fast-path result."""
    return GridState(
        converged=True,
        bus_vm_pu=result.bus_vm_pu,
        line_loading_percent=result.line_loading_percent,
        trafo_loading_percent=result.trafo_loading_percent,
        ext_grid_p_mw=result.ext_grid_p_mw,
        branch_p_mw=result.branch_p_mw,
    )

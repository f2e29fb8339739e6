"""The two network seams as Protocols: what the simulator asks of a heat network and of a grid.

:class:`HeatAdapter` and :class:`GridAdapter` list exactly the members that the coupling
(:mod:`simulator.coupling`), the wiring checks (:mod:`simulator.district`) and the run
(:mod:`simulator.api`, :mod:`simulator.sweep.spec`) use, and nothing else
(``tests/test_adapters.py`` reads those modules and checks it). The pandapipes adapter
:class:`simulator.heat.HeatNetwork` and the pandapower adapter
:class:`simulator.grid.ElectricGrid` satisfy them structurally. Any other object with these
members can stand in for either; put it in a :class:`~simulator.district.District` and run it::

    district = District(path=Path("my_district"), heat=MyHeat(), grid=MyGrid())
    check_wiring(scenario, district, config_path)
    recorder, attrs = simulate_scenario(scenario, district, hours=24)

(``examples/toy_network.py`` does this with a grid of fixed voltages.)

Units: the heat adapter speaks W, K, bar (gauge unless said) and kg/s (:class:`HeatInputs`,
:class:`HeatState`), the grid adapter MW, p.u. and percent (:class:`GridState`). Names are in
the order of the cube's dimensions, and every array of an input or a state follows them.

This module imports neither pandapipes nor pandapower: the states are plain numpy dataclasses.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

import numpy as np

from simulator.grid.state import GridState
from simulator.heat.state import HeatInputs, HeatState

#: auxiliary cube coordinates: name -> (dimension, one value per element of that dimension)
Geometry = dict[str, tuple[str, list]]


@runtime_checkable
class HeatAdapter(Protocol):
    """A district-heating network solved hour by hour (W, K, bar)."""

    # -- names: the cube's consumer, junction, pipe and plant dimensions -------------------
    @property
    def consumer_names(self) -> list[str]:
        """Substations, in the order of ``HeatInputs.consumer_q_w`` and ``HeatState.consumer_*``."""
        ...

    @property
    def junction_names(self) -> list[str]:
        """Junctions (nodes), in the order of ``HeatState.junction_*``."""
        ...

    @property
    def pipe_names(self) -> list[str]:
        """Pipes, in the order of ``HeatState.pipe_*``; the names ``pipe_closure`` events use."""
        ...

    @property
    def plant_names(self) -> list[str]:
        """Plants, the pressure-holding (slack) plant first, then the fixed-flow plants: the
        order of ``HeatState.plant_*`` and of a per-plant ``HeatInputs.t_supply_k``;
        ``HeatInputs.fixed_plant_q_w`` follows ``plant_names[1:]``."""
        ...

    @property
    def slack_plant_name(self) -> str:
        """The plant that holds the pressure and balances the network (``plant_names[0]``);
        units without a ``plant`` feed it."""
        ...

    # -- design data ---------------------------------------------------------------------------
    @property
    def consumer_design_w(self) -> np.ndarray:
        """Design (nominal) heat load of each substation (W); demand is scaled from it."""
        ...

    @property
    def junction_p_amb_bar(self) -> np.ndarray:
        """Ambient pressure at each junction's height (bar): gauge + this = absolute; the
        operating limits check absolute pressures."""
        ...

    @property
    def base_plift_bar(self) -> float:
        """Pressure lift of the slack plant as the network file gives it (bar); the operator's
        differential-pressure control starts from it."""
        ...

    @property
    def hold_p_bar(self) -> float:
        """Return (suction) pressure the slack plant holds as the file gives it (bar, gauge)."""
        ...

    def density_kg_per_m3(self, t_k: np.ndarray | float) -> np.ndarray:
        """Density of the network's water at ``t_k`` (K), in kg/m3 (circulation-pump power)."""
        ...

    # -- before time starts ----------------------------------------------------------------
    def scenario_problems(self, t_return_k: float) -> list[str]:
        """What makes the network unusable at the scenario's return temperature (K), one line
        per problem (``<table> 'name': reason``); empty when none."""
        ...

    def geometry(self) -> Geometry:
        """Auxiliary cube coordinates (positions, connected elements) of the heat dimensions;
        may be empty."""
        ...

    # -- every hour ----------------------------------------------------------------------------
    def step(self, inputs: HeatInputs) -> HeatState:
        """Solve one hour (W, K, bar in ``inputs``); a state with ``converged`` False (and NaN
        results) when it cannot, never an exception. It may be called several times an hour
        (the operator's responses, grid curtailment): each call is a trial of the same hour."""
        ...

    def moved(self, state: HeatState) -> HeatState:
        """``state`` (one :meth:`step` returned this hour, the one the operator keeps) once
        the hour has passed through the network's memory: what arrives where, the heat
        delivered and stored (``HeatState.network_heat_j``). A steady network returns
        ``state`` itself, as does any network for a state that did not converge."""
        ...

    def commit(self, state: HeatState | None) -> None:
        """The hour is over: ``state`` (one :meth:`moved` returned this hour) is the one kept,
        None when the hour failed. A network with memory (water in transit, stored heat)
        moves on from it; a steady one does nothing."""
        ...

    def failed_state(self) -> HeatState:
        """A state of NaNs shaped like this network, ``converged`` False (a failed hour)."""
        ...

    def set_closed_pipes(self, names: list[str]) -> None:
        """Close exactly the named pipes (events), reopening the others the network had open."""
        ...

    def pipes_in_service(self) -> np.ndarray:
        """1.0 for each open pipe, 0.0 for a closed one (``pipe_in_service`` in the cube)."""
        ...

    @property
    def last_path(self) -> str:
        """How the last solve ran: ``'fast'`` or ``'plain: <why>'`` (the cube's solver
        attributes count hours by it); ``''`` before the first."""
        ...

    @property
    def last_failure(self) -> str:
        """Why the last failed solve failed (the run's ``failed_hours`` message)."""
        ...


@runtime_checkable
class GridAdapter(Protocol):
    """An electricity grid solved hour by hour with the simulator's loads attached (MW)."""

    # -- names: the cube's bus, line and trafo dimensions ----------------------------------
    @property
    def bus_names(self) -> list[str]:
        """Buses, in the order of ``GridState.bus_vm_pu``; the names units' ``bus`` use."""
        ...

    @property
    def line_names(self) -> list[str]:
        """Lines, in the order of ``GridState.line_loading_percent``."""
        ...

    @property
    def trafo_names(self) -> list[str]:
        """Transformers, in the order of ``GridState.trafo_loading_percent``."""
        ...

    # -- before time starts ----------------------------------------------------------------
    def bus_problems(self, buses: list[str]) -> dict[str, str]:
        """Why each of these buses cannot carry a unit (out of service, cut off from every
        external grid), by bus name; buses without a problem are left out."""
        ...

    def geometry(self) -> Geometry:
        """Auxiliary cube coordinates (positions, connected buses) of the grid dimensions;
        may be empty."""
        ...

    def attach(self, names: list[str], buses: list[str]) -> None:
        """Attach the simulator's electric consumers once: ``names[i]`` at bus ``buses[i]``;
        :meth:`step`'s ``p_mw`` and :meth:`behind`'s load axis follow this order."""
        ...

    # -- every hour ----------------------------------------------------------------------------
    def step(self, p_mw: np.ndarray, background_scale: float = 1.0) -> GridState:
        """Solve one hour with the attached loads drawing ``p_mw`` (MW; negative: fed in) and
        the grid's own loads scaled by ``background_scale`` (1); ``converged`` False (and NaN
        results) when it cannot, never an exception."""
        ...

    def failed_state(self) -> GridState:
        """A state of NaNs shaped like this grid, ``converged`` False (a failed hour)."""
        ...

    def behind(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Which attached loads each branch and bus supplies: (branch x load, bus x load,
        load) booleans. A load is behind a branch (lines, then transformers) when taking the
        branch out cuts it off from every external grid, behind a bus when that bus is its own
        or lies on every path to the external grids; the last array marks loads with no supply
        at all. Curtailment sheds the loads behind an overloaded branch or a low bus."""
        ...

    def set_out_of_service(self, lines: list[str], trafos: list[str]) -> None:
        """Take exactly the named lines and transformers out of service (events), putting the
        others the grid had in service back."""
        ...

    def in_service(self, kind: str) -> np.ndarray:
        """1.0 for each ``kind`` (``'line'`` or ``'trafo'``) in service, else 0.0."""
        ...

    @property
    def last_path(self) -> str:
        """How the last power flow ran: ``'fast'`` or ``'plain: <why>'``; ``''`` before the
        first."""
        ...

    @property
    def last_failure(self) -> str:
        """Why the last failed power flow failed (the run's ``failed_hours`` message)."""
        ...


__all__ = ["Geometry", "GridAdapter", "GridState", "HeatAdapter", "HeatInputs", "HeatState"]

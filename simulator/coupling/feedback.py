"""Grid limits feeding back into dispatch: which electric units to curtail, by how much (MW).

Pure functions over arrays, and :class:`GridFeedback`, which runs the power flow of an hour
and asks them what to shed. ``behind`` matrices say which attached units sit behind a branch
(the branch lies on every path from them to the external grid) or behind a bus (their own bus,
or one they reach the external grid through).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from simulator.adapters import GridAdapter
from simulator.grid import GridState

#: Share of the units' remaining electricity shed per iteration behind a bus out of its band
#: (voltage has no closed-form sensitivity here; the loop iterates to the band).
VOLTAGE_STEP = 0.25


@dataclass(frozen=True)
class Limits:
    """Operating limits: voltage band (pu) and loading limit of each branch (percent: lines,
    then transformers)."""

    vm_min_pu: float
    vm_max_pu: float
    max_loading_percent: np.ndarray | float


def violations(vm_pu: np.ndarray, loading_percent: np.ndarray, limits: Limits,
               tolerance: float = 0.005) -> tuple[np.ndarray, np.ndarray]:
    """(buses below the band or without supply, branches above the loading limit) as masks.

    A bus whose voltage is NaN has no supply (an outage cut it off): that is a violation too.
    A branch violates when it exceeds its limit by more than the relative ``tolerance``.
    """
    low = np.nan_to_num(vm_pu, nan=0.0) < limits.vm_min_pu - 1e-6
    over = np.nan_to_num(loading_percent) > np.asarray(limits.max_loading_percent) * (
        1.0 + tolerance)
    return low, over


def overvoltage(vm_pu: np.ndarray, limits: Limits) -> np.ndarray:
    """Buses above the band (pu) as a mask; a bus without supply (NaN) is not among them.

    Nothing is curtailed for them: shedding load behind a bus raises its voltage further.
    They are recorded (``op_vm_max_*``) and the hour counts as infeasible.
    """
    return np.nan_to_num(vm_pu, nan=0.0) > limits.vm_max_pu + 1e-6


def extra_curtailment_mw(
    el_mw: np.ndarray,
    curtailable: np.ndarray,
    branch_behind: np.ndarray,
    branch_loading_percent: np.ndarray,
    branch_p_mw: np.ndarray,
    bus_behind: np.ndarray,
    vm_pu: np.ndarray,
    limits: Limits,
    unsupplied: np.ndarray | None = None,
) -> np.ndarray:
    """Further electricity (MW) to curtail per attached unit to relieve the violations.

    An overloaded branch must carry ``(1 - limit / loading)`` less power; that much is shed
    from the curtailable units behind it, in proportion to their draw. Behind a bus below the
    voltage band, ``VOLTAGE_STEP`` of their draw is shed. A unit cut off from every external
    grid (``unsupplied``) sheds all of it. Each unit sheds the largest amount any violation
    asks of it, never more than it draws.
    """
    draw = np.where(curtailable, np.clip(el_mw, 0.0, None), 0.0)
    low, over = violations(vm_pu, branch_loading_percent, limits)
    shed = np.zeros_like(draw)
    for b in np.flatnonzero(over):
        behind = branch_behind[b] & (draw > 0)
        total = draw[behind].sum()
        if total <= 0.0:
            continue
        limit = np.broadcast_to(limits.max_loading_percent, branch_loading_percent.shape)[b]
        excess_mw = abs(branch_p_mw[b]) * (1.0 - limit / branch_loading_percent[b])
        shed[behind] = np.maximum(shed[behind], draw[behind] * min(excess_mw / total, 1.0))
    for k in np.flatnonzero(low):
        behind = bus_behind[k] & (draw > 0)
        shed[behind] = np.maximum(shed[behind], draw[behind] * VOLTAGE_STEP)
    if unsupplied is not None:
        shed = np.where(unsupplied, draw, shed)
    return np.minimum(shed, draw)


class GridFeedback:
    """The power flow of an hour and the curtailment its violations ask for (whether the
    hour kept the grid's limits: :func:`simulator.coupling.grid_limits.check_grid`).

    ``electric_producer`` marks the producers attached to the grid (scenario order); the
    circulation pumps are attached after them and are never curtailed.
    """

    def __init__(self, grid: GridAdapter, limits: Limits, electric_producer: np.ndarray,
                 n_pumps: int) -> None:
        self._grid = grid
        self._limits = limits
        self._el_prod = np.asarray(electric_producer, dtype=bool)
        self._n_pumps = n_pumps

    def power_flow(self, el_mw: np.ndarray, pump_el_mw: np.ndarray,
                   background_scale: float) -> GridState:
        """Solve the grid with the producers' and pumps' electricity (MW, + drawn)."""
        return self._grid.step(np.concatenate([el_mw[self._el_prod], pump_el_mw]),
                               background_scale=background_scale)

    def extra_curtailment(self, grid: GridState, el_mw: np.ndarray) -> np.ndarray:
        """Electricity to shed per producer (MW) for the grid's violations this iteration."""
        n_el = int(self._el_prod.sum())
        attached = np.concatenate([el_mw[self._el_prod], np.zeros(self._n_pumps)])
        curtailable = np.concatenate([np.ones(n_el, bool), np.zeros(self._n_pumps, bool)])
        branch_behind, bus_behind, unsupplied = self._grid.behind()
        shed = extra_curtailment_mw(attached, curtailable, branch_behind,
                                    grid.branch_loading_percent, grid.branch_p_mw, bus_behind,
                                    grid.bus_vm_pu, self._limits, unsupplied)
        out = np.zeros(len(el_mw))
        out[self._el_prod] = shed[:n_el]
        return out


def curtailed_capacity_mw(capacity_mw: np.ndarray, extra_el_mw: np.ndarray,
                          el_mw: np.ndarray, heat_mw: np.ndarray) -> np.ndarray:
    """Heat capacity left (MW) when producers shed ``extra_el_mw`` of the ``el_mw`` they drew
    while making ``heat_mw``: a curtailed unit keeps the heat of the electricity it keeps."""
    with np.errstate(divide="ignore", invalid="ignore"):
        kept = np.where(el_mw > 0, 1.0 - extra_el_mw / el_mw, 1.0)
    return np.minimum(capacity_mw, np.where(extra_el_mw > 0, heat_mw * kept, np.inf))

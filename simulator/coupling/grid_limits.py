"""The grid's limits in a solved hour, kind by kind: the worst margin and the element setting it.

One kind per grid figure the summary names: ``vm_min`` (``min_bus_vm_pu``: no bus below the
band's low end; a bus without supply counts as 0 p.u.), ``vm_max`` (``max_bus_vm_pu``: no bus
above its high end), ``line_loading`` and ``trafo_loading`` (``max_line_loading_percent``,
``max_trafo_loading_percent``: no branch above its loading limit, whichever way the power
flows: pandapower's loading is the larger current of the two ends). A kind is violated exactly
when :func:`simulator.coupling.feedback.violations` / :func:`overvoltage` say so; its margin
(negative: violated) is the worst of the violating elements then, else the worst of all.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from simulator.coupling.feedback import Limits, overvoltage, violations
from simulator.grid import GridState
from simulator.operation.limits import LimitCheck

#: the grid's limit kinds, with the unit of their margin
KINDS: dict[str, str] = {"vm_min": "1", "vm_max": "1", "line_loading": "percent",
                         "trafo_loading": "percent"}


@dataclass(frozen=True)
class GridNames:
    """Element names of the grid, in the order of the power-flow results."""

    bus: Sequence[str]
    line: Sequence[str]
    trafo: Sequence[str]


def _worst(margin: np.ndarray, bad: np.ndarray, names: Sequence[str]) -> LimitCheck:
    """The worst margin among the violating elements (any), else among all that have one."""
    pool = bad if bad.any() else np.isfinite(margin)
    if not pool.any():
        return LimitCheck(float("nan"), "", True)
    i = int(np.flatnonzero(pool)[np.argmin(margin[pool])])
    return LimitCheck(float(margin[i]), str(names[i]), not bool(bad.any()))


def check_grid(state: GridState, limits: Limits, names: GridNames) -> dict[str, LimitCheck]:
    """The hour's margin to every grid limit kind (``KINDS``: p.u., percentage points) and the
    bus, line or transformer that sets it."""
    vm = np.nan_to_num(state.bus_vm_pu, nan=0.0)  # no supply: as far below the band as it gets
    loading = state.branch_loading_percent
    low, over = violations(state.bus_vm_pu, loading, limits)
    margin = np.broadcast_to(limits.max_loading_percent, loading.shape) - loading
    n = len(names.line)
    return {
        "vm_min": _worst(vm - limits.vm_min_pu, low, names.bus),
        "vm_max": _worst(limits.vm_max_pu - vm, overvoltage(state.bus_vm_pu, limits),
                         names.bus),
        "line_loading": _worst(margin[:n], over[:n], names.line),
        "trafo_loading": _worst(margin[n:], over[n:], names.trafo),
    }

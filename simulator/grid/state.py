"""What the grid adapter answers each hour: a frozen state of numpy arrays (p.u., percent, MW).

Pure numpy, no pandapower: :mod:`simulator.adapters` names it in the grid Protocol.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class GridState:
    """Solved state of the grid for one hour (NaN everywhere when not converged)."""

    converged: bool
    bus_vm_pu: np.ndarray
    line_loading_percent: np.ndarray
    trafo_loading_percent: np.ndarray
    ext_grid_p_mw: float  # power drawn from the external grid (MW)
    branch_p_mw: np.ndarray  # active power into each line, then each transformer (MW)

    @property
    def branch_loading_percent(self) -> np.ndarray:
        """Loading of each line, then each transformer (percent)."""
        return np.concatenate([self.line_loading_percent, self.trafo_loading_percent])

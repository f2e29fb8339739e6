"""The grid room: the electricity grid behind its pandapower adapter.

:class:`ElectricGrid` (``network.py``) is the adapter; ``fast.py`` is its fast Newton-Raphson
path on pandapower's stored matrices; ``state.py`` the :class:`GridState` it answers (pure
numpy). Only this package imports pandapower.

The adapter's names load on first use (PEP 562), so that importing the state (as
:mod:`simulator.adapters` does) does not import pandapower.
"""

from __future__ import annotations

# before pandapower loads: its numba functions are then compiled once and cached on disk
from simulator import jitcache
from simulator.lazy import lazy_names

jitcache.install()

_LAZY = {
    "ElectricGrid": "simulator.grid.network",
    "GridState": "simulator.grid.state",
}
__all__ = ["ElectricGrid", "GridState"]


__getattr__, __dir__ = lazy_names("simulator.grid", _LAZY, globals())

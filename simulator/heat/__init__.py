"""The heat room: the district-heating network behind its pandapipes adapter.

:class:`HeatNetwork` (``network.py``) is the adapter the simulator talks to; ``fast.py``,
``pit.py`` and ``predict.py`` are its fast hourly path (pandapipes' internal tables reused,
a numba predictor). Only this package imports pandapipes. ``plugflow.py`` is the dynamic
plug-flow pipe (pure numpy, no pandapipes) and ``pipe_outlet.py`` its public entry point.

The adapter's names load on first use (PEP 562), so that importing the plug-flow pipe does not
import pandapipes (2-5 s).
"""

from __future__ import annotations

import importlib
from typing import Any

# before pandapipes loads: its numba functions are then compiled once and cached on disk
from simulator import jitcache

jitcache.install()

_LAZY = {
    "HeatInputs": "simulator.heat.state",
    "HeatNetwork": "simulator.heat.network",
    "HeatState": "simulator.heat.state",
}
__all__ = ["HeatInputs", "HeatNetwork", "HeatState"]


def __getattr__(name: str) -> Any:
    if name not in _LAZY:
        raise AttributeError(f"module 'simulator.heat' has no attribute {name!r}")
    value = getattr(importlib.import_module(_LAZY[name]), name)
    globals()[name] = value  # found directly from now on
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_LAZY])

"""The heat room: the district-heating network behind its pandapipes adapter.

:class:`HeatNetwork` (``network.py``) is the adapter the simulator talks to; ``fast.py``,
``pit.py`` and ``predict.py`` are its fast hourly path (pandapipes' internal tables reused,
a numba predictor). Only this package imports pandapipes. ``plugflow.py`` is the dynamic
plug-flow pipe (pure numpy, no pandapipes) and ``pipe_outlet.py`` its public entry point.

The adapter's names load on first use (PEP 562), so that importing the plug-flow pipe does not
import pandapipes (2-5 s).
"""

from __future__ import annotations

# before pandapipes loads: its numba functions are then compiled once and cached on disk
from simulator import jitcache
from simulator.lazy import lazy_names

jitcache.install()

_LAZY = {
    "HeatInputs": "simulator.heat.state",
    "HeatNetwork": "simulator.heat.network",
    "HeatState": "simulator.heat.state",
}
__all__ = ["HeatInputs", "HeatNetwork", "HeatState"]


__getattr__, __dir__ = lazy_names("simulator.heat", _LAZY, globals())

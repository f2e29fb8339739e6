"""The heat room: the district-heating network behind its pandapipes adapter.

:class:`HeatNetwork` (``network.py``) is the adapter the simulator talks to; ``fast.py``,
``pit.py`` and ``predict.py`` are its fast hourly path (pandapipes' internal tables reused,
a numba predictor). Only this package imports pandapipes.
"""

# before pandapipes loads: its numba functions are then compiled once and cached on disk
from simulator import jitcache

jitcache.install()

from simulator.heat.network import HeatNetwork  # noqa: E402
from simulator.heat.state import HeatInputs, HeatState  # noqa: E402

__all__ = ["HeatInputs", "HeatNetwork", "HeatState"]

"""The heat room: the district-heating network behind its pandapipes adapter.

:class:`HeatNetwork` (``network.py``) is the adapter the simulator talks to; ``fast.py``,
``pit.py`` and ``predict.py`` are its fast hourly path (pandapipes' internal tables reused,
a numba predictor). Only this package imports pandapipes.
"""

from simulator.heat.network import HeatNetwork
from simulator.heat.state import HeatInputs, HeatState

__all__ = ["HeatInputs", "HeatNetwork", "HeatState"]

"""The inputs room: every hourly driving series of a run, computed before time starts.

* ``series.py``: reading hourly CSV columns and aligning them to the simulated period;
* ``profiles.py``: demand, supply-temperature and ground-temperature models (pure functions);
* ``build.py``: :func:`build_inputs`, the :class:`HourlyInputs` of a scenario.
"""

from simulator.inputs.build import HourlyInputs, build_inputs

__all__ = ["HourlyInputs", "build_inputs"]

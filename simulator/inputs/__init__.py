"""The inputs room: every hourly driving series of a run, computed before time starts.

* ``series.py``: reading hourly CSV columns and aligning them to the simulated period;
* ``demand.py``: the demand model, weather to hourly demand (flat, or with a rhythm: inertia,
  class rhythms, yearly energy anchor); ``demand_classes.py`` its class data;
  ``demand_setup.py`` the scenario's weather window, local calendar and class mix;
* ``profiles.py``: supply-temperature and ground-temperature models (pure functions);
* ``build.py``: :func:`build_inputs`, the :class:`HourlyInputs` of a scenario.
"""

from simulator.inputs.build import HourlyInputs, build_inputs

__all__ = ["HourlyInputs", "build_inputs"]

"""districtsim: coupled hourly district-heating and electricity simulation.

``simulator.run("configs/schutterwald.yaml")`` simulates a scenario and returns the path of its
netCDF cube; ``simulator.open_results(path)`` opens one cube or a sweep directory.
"""

from simulator.api import RunFailed, run, validate
from simulator.config import ConfigError, load_config
from simulator.output.cube import open_results
from simulator.output.summary import format_summary, summarize

__all__ = [
    "ConfigError",
    "RunFailed",
    "format_summary",
    "load_config",
    "open_results",
    "run",
    "summarize",
    "validate",
]

"""districtsim: coupled hourly district-heating and electricity simulation.

``simulator.run("configs/schutterwald.yaml")`` simulates a scenario and returns the path of its
netCDF cube; ``simulator.open_results(path)`` opens one cube or a sweep directory.

The names below load on first use (PEP 562): importing the package itself is instant, so the
command line can start, and be interrupted, before the solvers load.
"""

from __future__ import annotations

import importlib
from typing import Any

_FROM = {
    "ConfigError": "simulator.config",
    "RunFailed": "simulator.api",
    "format_summary": "simulator.output.summary",
    "load_config": "simulator.config",
    "open_results": "simulator.output.cube",
    "run": "simulator.api",
    "summarize": "simulator.output.summary",
    "validate": "simulator.api",
}
__all__ = sorted(_FROM)


def __getattr__(name: str) -> Any:
    if name not in _FROM:
        raise AttributeError(f"module 'simulator' has no attribute {name!r}")
    value = getattr(importlib.import_module(_FROM[name]), name)
    globals()[name] = value
    return value

"""districtsim: coupled hourly district-heating and electricity simulation.

``simulator.run("configs/schutterwald.yaml")`` simulates a scenario and returns the path of its
netCDF cube; ``simulator.open_results(path)`` opens one cube or a sweep directory.

The names below load on first use (PEP 562), so ``import simulator.cli`` or a Dask worker
unpickling one function does not import the solvers, numpy or xarray before it needs them
(the CLI pins the BLAS threads before numpy loads: :mod:`simulator.threads`).
"""

from __future__ import annotations

from simulator.lazy import lazy_names

_LAZY = {
    "ConfigError": "simulator.config",
    "RunFailed": "simulator.api",
    "format_summary": "simulator.output.summary",
    "load_config": "simulator.config",
    "open_results": "simulator.output.cube",
    "pipe_outlet_temperature": "simulator.heat.pipe_outlet",
    "run": "simulator.api",
    "summarize": "simulator.output.summary",
    "validate": "simulator.api",
}
__all__ = sorted(_LAZY)


__getattr__, __dir__ = lazy_names("simulator", _LAZY, globals())

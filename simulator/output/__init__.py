"""The output room: the result cube and what is made of it.

* ``cube.py``: the variable table, the hourly Recorder, atomic CF netCDF writing and reading;
* ``summary.py``: period figures of a cube (``districtsim summary``);
* ``report.py``: data preparation for figures and the ``index.html`` page;
* ``plots.py``: the standard figures (the only module that imports matplotlib).
"""

from simulator.output.cube import Recorder, open_results, write_cube
from simulator.output.summary import format_summary, summarize

__all__ = ["Recorder", "format_summary", "open_results", "summarize", "write_cube"]

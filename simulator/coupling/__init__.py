"""The coupling room: one hour of both networks, executed from a dispatch policy's plans.

* ``step.py``: :class:`CoupledStep`, the hour as a pipeline (open, plan, couple, book, record);
* ``heat_solve.py``: a plan through the heat network, with its retries;
* ``feedback.py``: the power flow and the curtailment that grid limits ask for;
* ``record.py``: the recorder rows of a solved or failed hour.
"""

from simulator.coupling.step import CoupledStep

__all__ = ["CoupledStep"]

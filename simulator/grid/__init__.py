"""The grid room: the electricity grid behind its pandapower adapter.

:class:`ElectricGrid` (``network.py``) is the adapter; ``fast.py`` is its fast Newton-Raphson
path on pandapower's stored matrices. Only this package imports pandapower.
"""

from simulator.grid.network import ElectricGrid, GridState

__all__ = ["ElectricGrid", "GridState"]

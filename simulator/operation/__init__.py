"""The operation room: the heat network's operating limits and the control room's response.

* ``limits.py``: pure functions: water saturation pressure (IAPWS-IF97), the hour's margin to
  every limit (substation differential pressure, pressure class, minimum pressure, supply
  temperature at substations, flow velocity) and the element that sets it;
* ``control.py``: the operator: differential-pressure control by the pressure-holding plant's
  lift, a higher supply temperature when a substation runs cold, and the flow a substation
  still gets when the maximum lift cannot reach it.
"""

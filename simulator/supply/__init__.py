"""The supply room: what units make and use, hour by hour, and the books they keep.

* ``physics.py``: small pure functions (heat-pump COP, pump power);
* ``producers.py``: the producers as the books see them (boiler, heat pump, waste heat, CHP),
  parameter holders with the methods the books call;
* ``units.py``: the registry of unit types (a scenario's ``type:``) and the built-in ones;
* ``carbon.py``: carriers and their CO2 factors and prices;
* ``books.py``: unit tables and the fuel, electricity and CO2 books of an hour;
* ``storage.py``: thermal stores and their exact energy book.
"""

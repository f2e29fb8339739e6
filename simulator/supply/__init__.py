"""The supply room: what units make and use, hour by hour, and the books they keep.

* ``physics.py``: small pure functions (heat-pump COP, pump power);
* ``units.py``: the producer types (boiler, heat pump, waste heat, CHP) as parameter holders;
* ``carbon.py``: carriers and their CO2 factors and prices;
* ``books.py``: unit tables and the fuel, electricity and CO2 books of an hour;
* ``storage.py``: thermal stores and their exact energy book.
"""

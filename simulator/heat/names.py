"""The heat adapter's element names: one per row of pandapipes' tables, unique, computed once."""

from __future__ import annotations

from typing import TYPE_CHECKING

from simulator.naming import unique_names

if TYPE_CHECKING:
    import pandapipes


class ElementNames:
    """Names of a pandapipes net's elements (``_net``), by table, in table order."""

    _net: pandapipes.pandapipesNet

    def _names(self, table: str, prefix: str) -> list[str]:
        """Element names of ``table`` (computed once: the adapter never renames elements)."""
        cache = self.__dict__.setdefault("_name_cache", {})
        if table not in cache:
            cache[table] = unique_names(self._net[table], prefix)
        return list(cache[table])

    @property
    def consumer_names(self) -> list[str]:
        return self._names("heat_consumer", "consumer_")

    @property
    def junction_names(self) -> list[str]:
        return self._names("junction", "junction_")

    @property
    def pipe_names(self) -> list[str]:
        return self._names("pipe", "pipe_")

    @property
    def slack_plant_name(self) -> str:
        return self._names("circ_pump_pressure", "plant_")[0]

    @property
    def fixed_plant_names(self) -> list[str]:
        return self._names("circ_pump_mass", "plant_mass_")

    @property
    def plant_names(self) -> list[str]:
        """Slack plant first, then the fixed-flow plants."""
        return [self.slack_plant_name, *self.fixed_plant_names]

"""The heat network's geometry for the cube: junction positions and element ends."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from simulator.naming import point_xy

if TYPE_CHECKING:
    import pandapipes


def coordinates(net: pandapipes.pandapipesNet, junction_names: list[str]
                ) -> dict[str, tuple[str, list]]:
    """Auxiliary cube coordinates: junction positions (x, y) and the junctions at the ends of
    pipes and consumers, by name."""
    junctions = dict(zip(net.junction.index, junction_names, strict=True))
    geo = net.junction["geo"] if "geo" in net.junction else pd.Series(None, net.junction.index)
    x, y = point_xy(geo)
    return {
        "junction_x": ("junction", x),
        "junction_y": ("junction", y),
        "pipe_from_junction": ("pipe", [junctions[j] for j in net.pipe["from_junction"]]),
        "pipe_to_junction": ("pipe", [junctions[j] for j in net.pipe["to_junction"]]),
        "consumer_junction": (
            "consumer", [junctions[j] for j in net.heat_consumer["from_junction"]]
        ),
    }

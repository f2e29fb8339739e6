"""Schema of the heat network's thermal model (config room)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict


class HeatNetworkModel(BaseModel):
    """How the heat network's temperatures are computed.

    ``thermal``: ``steady`` solves every hour as a steady state (pandapipes' temperatures:
    the water reaches every consumer at once); ``dynamic`` keeps pandapipes for the hydraulics
    and moves the water through the network, hour by hour: plug flow in every pipe with the
    pipe walls as heat stores, so a change at a plant reaches a consumer after the transit
    time and the network stores heat (:mod:`simulator.heat.thermal`).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    thermal: Literal["steady", "dynamic"] = "steady"

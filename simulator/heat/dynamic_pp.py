"""The dynamic thermal model's inputs read from a pandapipes network and its result tables
(the plain path's ``res_*``): :func:`topology`, :func:`pipe_specs`, :func:`hydraulics`. Reads
pandas tables only; pandapipes is named for the type hints."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from simulator.heat import dynamic as dyn
from simulator.heat import plugflow as pf
from simulator.heat import walls

if TYPE_CHECKING:
    import pandapipes

C_TO_K = 273.15
CP = pf.CP_WATER_J_PER_KG_K


def topology(net: pandapipes.pandapipesNet) -> dyn.Topology:
    """The element ends of ``net`` (junction positions); valves become links after the pipes,
    plants are the slack ``circ_pump_pressure`` then the ``circ_pump_mass`` rows."""
    at = net.junction.index.get_indexer
    plants = [net.circ_pump_pressure, net.get("circ_pump_mass", net.circ_pump_pressure[:0])]
    ret = np.concatenate([at(t["return_junction"]) for t in plants])
    flow = np.concatenate([at(t["flow_junction"]) for t in plants])
    valve = net.get("valve", net.pipe[:0].assign(junction=[], element=[]))
    return dyn.Topology(len(net.junction),
                        np.concatenate([at(net.pipe["from_junction"]), at(valve["junction"])]),
                        np.concatenate([at(net.pipe["to_junction"]), at(valve["element"])]),
                        at(net.heat_consumer["from_junction"]),
                        at(net.heat_consumer["to_junction"]), ret, flow)


def pipe_specs(net: pandapipes.pandapipesNet, cp: np.ndarray | float = CP
               ) -> list[pf.PipeSpec]:
    """:func:`walls.pipe_specs` of ``net``'s pipes (ground: the first pipe's ``text_k``),
    then one :func:`walls.link_spec` per valve; ``cp`` (J/(kg K)) per pipe or one value."""
    pipe = net.pipe
    t_ground_c = float(pipe["text_k"].iloc[0]) - C_TO_K
    specs = walls.pipe_specs(pipe["length_km"].to_numpy(float) * 1e3,
                           pipe["inner_diameter_mm"].to_numpy(float) / 1e3,
                           pipe["u_w_per_m2k"].to_numpy(float),
                           pipe["outer_diameter_mm"].to_numpy(float) / 1e3,
                           t_ground_c, cp_j_per_kg_k=cp)
    valves = net.get("valve", net.pipe[:0])
    return specs + [walls.link_spec(d / 1e3, t_ground_c) for d in valves["inner_diameter_mm"]]


def hydraulics(net: pandapipes.pandapipesNet) -> dyn.Hydraulics:
    """The solved hour of ``net`` (its result tables) as the dynamic model's input."""
    plants = [net.res_circ_pump_pressure, net.get("res_circ_pump_mass",
                                                  net.res_circ_pump_pressure[:0])]
    valve = net.get("res_valve", net.res_pipe[:0])["mdot_from_kg_per_s"].to_numpy(float)
    pipe = net.res_pipe["mdot_from_kg_per_s"].to_numpy(float)
    return dyn.Hydraulics(
        pipe_mdot_kg_per_s=np.nan_to_num(np.concatenate([pipe, valve])),
        consumer_mdot_kg_per_s=np.nan_to_num(
            net.res_heat_consumer["mdot_from_kg_per_s"].to_numpy(float)),
        consumer_t_out_c=np.nan_to_num(net.res_heat_consumer["t_outlet_k"].to_numpy(float))
        - C_TO_K,
        plant_mdot_kg_per_s=np.nan_to_num(np.concatenate(
            [t["mdot_from_kg_per_s"].to_numpy(float) for t in plants])),
        plant_t_out_c=np.nan_to_num(np.concatenate(
            [t["t_outlet_k"].to_numpy(float) for t in plants])) - C_TO_K,
        t_ground_c=float(net.pipe["text_k"].iloc[0]) - C_TO_K)

"""The Espoo electricity supply: a pandapower model of the 110 kV / 20 kV network (README.md).

One 110 kV infeed from the transmission grid, a meshed 110 kV overhead network to one 110/20 kV
substation per heat-network hub (standard 40 / 63 MVA transformers), the area's background load
on each substation's 20 kV busbar, and a 20 kV cable from the busbar to each heat plant's bus
(``<plant>_20kv``), where the simulator attaches heat pumps, electric boilers and pumps.
Powers in MW / Mvar, lengths in km.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandapower as ppw
from heat_net import HUBS, distance_km

LINE_110KV = "490-AL1/64-ST1A 110.0"  # 960 A, ~183 MVA per circuit
CABLE_20KV = "NA2XS2Y 1x240 RM/25 12/20 kV"  # 421 A, ~14.6 MVA per circuit
CABLE_MVA = math.sqrt(3.0) * 20.0 * 0.421
COS_PHI = 0.97  # background load power factor
ROUTE_FACTOR = 1.2
INFEED = ("fingrid_espoo", (24.630, 60.215))  # transmission substation (approximate position)


@dataclass(frozen=True)
class Substation:
    """A 110/20 kV substation at a hub: transformers (std type, count), background load (MW)."""

    hub: str
    trafo: str
    n_trafos: int
    load_mw: float


#: Background load = the area's share of the annual peak (est., README.md); sum 474 MW.
SUBSTATIONS: tuple[Substation, ...] = (
    Substation("suomenoja", "63 MVA 110/20 kV", 2, 20.0),
    Substation("matinkyla", "40 MVA 110/20 kV", 2, 45.0),
    Substation("tapiola", "63 MVA 110/20 kV", 2, 50.0),
    Substation("otaniemi", "40 MVA 110/20 kV", 2, 40.0),
    Substation("mankkaa", "40 MVA 110/20 kV", 1, 18.0),
    Substation("leppavaara", "63 MVA 110/20 kV", 2, 55.0),
    Substation("vermo", "40 MVA 110/20 kV", 1, 15.0),
    Substation("laaksolahti", "40 MVA 110/20 kV", 1, 22.0),
    Substation("espoonlahti", "40 MVA 110/20 kV", 2, 38.0),
    Substation("kivenlahti", "40 MVA 110/20 kV", 2, 28.0),
    Substation("masala", "40 MVA 110/20 kV", 1, 14.0),
    Substation("kolabacken", "40 MVA 110/20 kV", 2, 2.0),
    Substation("kirkkonummi", "40 MVA 110/20 kV", 2, 30.0),
    Substation("nuijala", "63 MVA 110/20 kV", 1, 8.0),
    Substation("kauniainen", "40 MVA 110/20 kV", 1, 14.0),
    Substation("espoon_keskus", "40 MVA 110/20 kV", 2, 38.0),
    Substation("kauklahti", "40 MVA 110/20 kV", 1, 16.0),
    Substation("hepokorpi", "63 MVA 110/20 kV", 2, 3.0),
    Substation("kalajarvi", "40 MVA 110/20 kV", 1, 18.0),
)
#: 110 kV circuits: (from, to, parallel circuits). "fingrid_espoo" is the infeed.
LINES_110KV: tuple[tuple[str, str, int], ...] = (
    ("fingrid_espoo", "espoon_keskus", 1), ("fingrid_espoo", "nuijala", 2),
    ("fingrid_espoo", "hepokorpi", 1), ("fingrid_espoo", "kauklahti", 1),
    ("fingrid_espoo", "kauniainen", 2), ("nuijala", "suomenoja", 2),
    ("suomenoja", "espoonlahti", 1), ("espoonlahti", "kivenlahti", 1),
    ("kivenlahti", "masala", 1), ("masala", "kolabacken", 1), ("kolabacken", "kirkkonummi", 1),
    ("kauklahti", "masala", 1), ("suomenoja", "matinkyla", 2), ("matinkyla", "tapiola", 1),
    ("tapiola", "otaniemi", 1), ("tapiola", "mankkaa", 1), ("kauniainen", "leppavaara", 2),
    ("leppavaara", "otaniemi", 1), ("leppavaara", "vermo", 1), ("leppavaara", "laaksolahti", 1),
    ("mankkaa", "kauniainen", 1), ("hepokorpi", "kalajarvi", 1),
)
#: Heat plants: (plant, hub, largest electric demand in MW at the 2030 capacities) -> cables.
PLANT_BUSES: tuple[tuple[str, str, float], ...] = (
    ("suomenoja", "suomenoja", 88.0),  # waste-water HPs ~35 + e-boiler 50.5 + pump
    ("kivenlahti", "kivenlahti", 4.5),  # bio plant: flue-gas heat pump ~2.2, auxiliaries, pump
    ("nuijala", "nuijala", 51.0),  # e-boiler 50.5
    ("dc_espoo", "hepokorpi", 76.0),  # data-centre heat pump ~25 at COP 3.3 + booster 50.5
    ("dc_kirkkonummi", "kolabacken", 67.0),  # heat pump ~26 + e-boiler 40.4
    ("vermo", "vermo", 7.0),  # air-source heat pump
)
PLANT_CABLE_KM = 1.0


def build_electric() -> ppw.pandapowerNet:
    """The 110 / 20 kV network with background loads at their annual-peak values (scale 1)."""
    net = ppw.create_empty_network(name="espoo_electric", f_hz=50.0)
    hv = {INFEED[0]: ppw.create_bus(net, 110.0, name=f"{INFEED[0]}_110kv", geodata=INFEED[1])}
    mv = {}
    tan_phi = math.tan(math.acos(COS_PHI))
    for s in SUBSTATIONS:
        xy = HUBS[s.hub]
        hv[s.hub] = ppw.create_bus(net, 110.0, name=f"{s.hub}_sub_110kv", geodata=xy)
        mv[s.hub] = ppw.create_bus(net, 20.0, name=f"{s.hub}_sub_20kv", geodata=xy)
        for k in range(s.n_trafos):
            ppw.create_transformer(net, hv[s.hub], mv[s.hub], s.trafo, name=f"{s.hub}_t{k + 1}")
        ppw.create_load(net, mv[s.hub], p_mw=s.load_mw, q_mvar=s.load_mw * tan_phi,
                        name=f"{s.hub}_load")
    ppw.create_ext_grid(net, hv[INFEED[0]], vm_pu=1.03, name="fingrid", s_sc_max_mva=6000.0,
                        rx_max=0.1)
    points = {**{h: xy for h, xy in HUBS.items()}, INFEED[0]: INFEED[1]}
    for a, b, n in LINES_110KV:
        km = round(max(distance_km(points[a], points[b]), 0.5) * ROUTE_FACTOR, 2)
        ppw.create_line(net, hv[a], hv[b], km, LINE_110KV, name=f"{a}-{b}_110kv", parallel=n)
    for plant, hub, p_mw in PLANT_BUSES:
        x, y = HUBS[hub]
        bus = ppw.create_bus(net, 20.0, name=f"{plant}_20kv", geodata=(x + 0.004, y + 0.002))
        circuits = max(1, math.ceil(p_mw / (0.85 * CABLE_MVA)))
        ppw.create_line(net, mv[hub], bus, PLANT_CABLE_KM, CABLE_20KV, name=f"{plant}_20kv_cable",
                        parallel=circuits)
    return net

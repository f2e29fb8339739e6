"""The Espoo heat network: an aggregated city-scale pandapipes model (see README.md).

19 trunk hubs joined by a radial trunk, 100 area substations (``areas.csv``) on their own
branch pipes, one pressure-holding plant (Suomenoja) and five fixed-flow plants. Pipes are
ISOPLUS pre-insulated types sized for the design flows; their heat-transfer values are scaled
by one factor so that the annual loss share lands on a target (``loss_factor``).
Units: MW and kg/s in the sizing, W and K in the pandapipes tables, km for lengths.
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandapipes as pps

HERE = Path(__file__).resolve().parent
CP_J_PER_KGK = 4190.0  # design heat capacity of water
RHO_KG_PER_M3 = 950.0  # water at ~115 °C (design supply)
MU_PA_S = 2.5e-4  # dynamic viscosity at ~115 °C
T_SUPPLY_K = 388.15  # design supply 115 °C at -26 °C (Finnish practice, ESPOO-FIGURES)
T_RETURN_K = 318.15  # consumer return 45 °C
T_GROUND_K = 280.15  # stored ground temperature 7 °C (the simulator overwrites it hourly)
DESIGN_LOAD_MW = 800.0  # sum of the areas' design loads at -26 °C (ESPOO-FIGURES, est.)
ROUTE_FACTOR = 1.3  # pipe route length / straight-line distance
V_MAX_M_PER_S = 2.0  # design velocity limit
R_MAX_TRUNK_PA_PER_M = 30.0  # design specific friction-loss limit of trunk mains
R_MAX_BRANCH_PA_PER_M = 100.0  # ... of the branches to the area substations
FLOW_MARGIN = 1.05  # design flows include ~5 % for network losses
P_RETURN_BAR = 3.5  # gauge pressure the slack plant holds at its return (suction) side
DP_CONSUMER_MIN_BAR = 1.0  # required worst area-substation differential pressure
P_MAX_BAR = 16.0  # PN16 pipes
STD_DN = (50, 65, 80, 100, 125, 150, 200, 250, 300, 350, 400, 450, 500, 600, 700, 800, 900, 1000)

#: Trunk hubs: (lon, lat) in WGS84, approximate positions of the district centres / plant sites.
HUBS: dict[str, tuple[float, float]] = {
    "suomenoja": (24.715, 60.160),
    "espoonlahti": (24.660, 60.155),
    "kivenlahti": (24.640, 60.150),
    "masala": (24.545, 60.150),
    "kolabacken": (24.470, 60.135),
    "kirkkonummi": (24.440, 60.120),
    "matinkyla": (24.745, 60.160),
    "tapiola": (24.805, 60.176),
    "otaniemi": (24.830, 60.187),
    "mankkaa": (24.775, 60.200),
    "leppavaara": (24.810, 60.220),
    "vermo": (24.845, 60.215),
    "laaksolahti": (24.770, 60.245),
    "nuijala": (24.705, 60.205),
    "kauniainen": (24.730, 60.210),
    "espoon_keskus": (24.660, 60.205),
    "kauklahti": (24.600, 60.190),
    "hepokorpi": (24.625, 60.250),
    "kalajarvi": (24.640, 60.290),
}
#: Radial trunk, each edge written (upstream from Suomenoja, downstream).
TRUNK: tuple[tuple[str, str], ...] = (
    ("suomenoja", "espoonlahti"), ("espoonlahti", "kivenlahti"), ("kivenlahti", "masala"),
    ("masala", "kolabacken"), ("kolabacken", "kirkkonummi"),
    ("suomenoja", "matinkyla"), ("matinkyla", "tapiola"), ("tapiola", "otaniemi"),
    ("tapiola", "mankkaa"), ("mankkaa", "leppavaara"), ("leppavaara", "vermo"),
    ("leppavaara", "laaksolahti"),
    ("suomenoja", "nuijala"), ("nuijala", "kauniainen"), ("nuijala", "espoon_keskus"),
    ("espoon_keskus", "kauklahti"), ("espoon_keskus", "hepokorpi"), ("hepokorpi", "kalajarvi"),
)
SLACK_PLANT = "suomenoja"


#: Plants: name -> hub. The slack plant holds pressure; the others are fixed-flow plants.
PLANT_HUBS: dict[str, str] = {
    "suomenoja": "suomenoja",
    "kivenlahti": "kivenlahti",
    "nuijala": "nuijala",
    "dc_espoo": "hepokorpi",
    "dc_kirkkonummi": "kolabacken",
    "vermo": "vermo",
}
FIXED_PLANTS: tuple[str, ...] = tuple(p for p in PLANT_HUBS if p != SLACK_PLANT)


@dataclass(frozen=True)
class Area:
    """An area substation: a heat consumer on its own branch from a hub."""

    name: str
    hub: str
    design_mw: float
    lon: float
    lat: float
    branch_km: float


def distance_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle distance (km) between two (lon, lat) points."""
    lon1, lat1, lon2, lat2 = map(math.radians, (*a, *b))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin(
        (lon2 - lon1) / 2) ** 2
    return 2.0 * 6371.0 * math.asin(math.sqrt(h))


def read_areas(path: Path = HERE / "areas.csv") -> list[Area]:
    """Areas with design loads and schematic positions.

    Design load = DESIGN_LOAD_MW x weight / sum(weights). The k-th area of a hub sits on a
    golden-angle spiral around it, 0.5-1.5 km away (schematic, not surveyed); its branch is
    that distance x ROUTE_FACTOR.
    """
    with path.open(newline="") as f:
        rows = list(csv.DictReader(f))
    total = sum(float(r["weight"]) for r in rows)
    seen: dict[str, int] = {}
    areas = []
    for r in rows:
        k = seen.get(r["hub"], 0)
        seen[r["hub"]] = k + 1
        lon0, lat0 = HUBS[r["hub"]]
        radius_km = 0.5 + 1.0 * ((k * 0.618034) % 1.0)
        angle = math.radians(137.508 * k + 20.0)
        lat = lat0 + radius_km * math.sin(angle) / 111.2
        lon = lon0 + radius_km * math.cos(angle) / (111.2 * math.cos(math.radians(lat0)))
        areas.append(Area(r["name"], r["hub"], DESIGN_LOAD_MW * float(r["weight"]) / total,
                          round(lon, 5), round(lat, 5), round(radius_km * ROUTE_FACTOR, 3)))
    return areas


def subtree(hub: str) -> set[str]:
    """The hubs at and downstream of ``hub`` (away from the slack plant) on the trunk."""
    out = {hub}
    for a, b in TRUNK:
        if a == hub:
            out |= subtree(b)
    return out


def trunk_flows_kg_per_s(areas: list[Area], load_fraction: float, feed_mw: dict[str, float],
                         t_supply_c: float) -> dict[tuple[str, str], float]:
    """Supply mass flow of each trunk edge (kg/s, + = away from the slack plant).

    The trunk is a tree, so an edge carries the net withdrawal of everything downstream of it:
    area loads (design x ``load_fraction`` x FLOW_MARGIN) minus the fixed plants' feed-in (MW),
    at the temperature difference ``t_supply_c`` - 45 °C.
    """
    load = {h: sum(a.design_mw for a in areas if a.hub == h) for h in HUBS}
    dt_k = t_supply_c + 273.15 - T_RETURN_K
    flows = {}
    for a, b in TRUNK:
        down = subtree(b)
        net_mw = sum(load[h] for h in down) * load_fraction * FLOW_MARGIN - sum(
            mw for p, mw in feed_mw.items() if PLANT_HUBS[p] in down)
        flows[(a, b)] = net_mw * 1e6 / (CP_J_PER_KGK * dt_k)
    return flows


def friction_pa_per_m(mdot: float, d_m: float, k_mm: float) -> float:
    """Darcy-Weisbach friction gradient (Pa/m), Swamee-Jain friction factor."""
    v = mdot / (RHO_KG_PER_M3 * math.pi * d_m**2 / 4.0)
    re = max(RHO_KG_PER_M3 * v * d_m / MU_PA_S, 1.0)
    lam = 64.0 / re if re < 2300.0 else 0.25 / math.log10(
        k_mm / 1e3 / (3.7 * d_m) + 5.74 / re**0.9) ** 2
    return lam / d_m * RHO_KG_PER_M3 * v**2 / 2.0


def select_std_type(net: pps.pandapipesNet, mdot: float, r_max_pa_per_m: float) -> str:
    """Smallest ISOPLUS_DRE{DN}_STD with v <= V_MAX and R <= ``r_max`` at ``mdot`` (kg/s)."""
    for dn in STD_DN:
        name = f"ISOPLUS_DRE{dn}_STD"
        st = pps.std_types.load_std_type(net, name, "pipe")
        d_m = st["inner_diameter_mm"] / 1e3
        v = mdot / (RHO_KG_PER_M3 * math.pi * d_m**2 / 4.0)
        if v <= V_MAX_M_PER_S and friction_pa_per_m(mdot, d_m, st["k_mm"]) <= r_max_pa_per_m:
            return name
    raise ValueError(f"no ISOPLUS type carries {mdot:.0f} kg/s")


def _pair(net: pps.pandapipesNet, name: str, lon: float, lat: float) -> tuple[int, int]:
    """Supply and return junctions ``<name>_s`` / ``<name>_r`` at one point."""
    s = pps.create_junction(net, pn_bar=P_RETURN_BAR + 8.0, tfluid_k=T_SUPPLY_K,
                            name=f"{name}_s", geodata=(lon, lat))
    r = pps.create_junction(net, pn_bar=P_RETURN_BAR, tfluid_k=T_RETURN_K,
                            name=f"{name}_r", geodata=(lon, lat))
    return s, r


def _pipes(net: pps.pandapipesNet, a: tuple[int, int], b: tuple[int, int], name: str,
           std_type: str, length_km: float) -> None:
    """A supply pipe a->b and a return pipe b->a of one type (text_k set, not left at 0 K)."""
    pps.create_pipe(net, a[0], b[0], std_type, length_km, text_k=T_GROUND_K,
                    name=f"{name}_supply")
    pps.create_pipe(net, b[1], a[1], std_type, length_km, text_k=T_GROUND_K,
                    name=f"{name}_return")


def build_topology(areas: list[Area], flows: dict[tuple[str, str], float]) -> pps.pandapipesNet:
    """Junctions, pipes sized for the trunk design ``flows`` (kg/s) and the areas' design loads
    (u at catalogue values), consumers and plants (design set points)."""
    net = pps.create_empty_network(name="espoo_heat", fluid="water")
    hub = {h: _pair(net, h, *xy) for h, xy in HUBS.items()}
    for a, b in TRUNK:
        km = round(distance_km(HUBS[a], HUBS[b]) * ROUTE_FACTOR, 3)
        std_type = select_std_type(net, flows[(a, b)], R_MAX_TRUNK_PA_PER_M)
        _pipes(net, hub[a], hub[b], f"{a}-{b}", std_type, km)
    dt_k = T_SUPPLY_K - T_RETURN_K
    for area in areas:
        # an area named like its hub gets its own junction names (names must be unique)
        node = _pair(net, f"{area.name}_area" if area.name in HUBS else area.name, area.lon,
                     area.lat)
        mdot = area.design_mw * FLOW_MARGIN * 1e6 / (CP_J_PER_KGK * dt_k)
        _pipes(net, hub[area.hub], node, f"{area.hub}-{area.name}",
               select_std_type(net, mdot, R_MAX_BRANCH_PA_PER_M), area.branch_km)
        pps.create_heat_consumer(net, node[0], node[1], qext_w=area.design_mw * 1e6,
                                 treturn_k=T_RETURN_K, name=area.name)
    s, r = hub[SLACK_PLANT]
    pps.create_circ_pump_const_pressure(net, r, s, p_flow_bar=P_RETURN_BAR + 8.0, plift_bar=8.0,
                                        t_flow_k=T_SUPPLY_K, name=SLACK_PLANT)
    for plant in FIXED_PLANTS:
        s, r = hub[PLANT_HUBS[plant]]
        pps.create_circ_pump_const_mass_flow(net, r, s, p_flow_bar=None, t_flow_k=T_SUPPLY_K,
                                             name=plant, mdot_flow_kg_per_s=0.0)
    net.heat_consumer["controlled_mdot_kg_per_s"] = np.nan
    net.heat_consumer["deltat_k"] = np.nan
    net.pipe["loss_coefficient"] = 0.0
    return net


def pipe_u_w_per_mk(net: pps.pandapipesNet) -> np.ndarray:
    """Heat loss per metre and kelvin of each pipe (W/mK): u_w_per_m2k x pi x D_outer."""
    return net.pipe["u_w_per_m2k"].to_numpy() * math.pi * net.pipe["outer_diameter_mm"] / 1e3


def set_plant_pressures(net: pps.pandapipesNet, plift_bar: float) -> None:
    """Slack plant lift (bar) with its return side held at P_RETURN_BAR; junction initial state."""
    p_flow = P_RETURN_BAR + plift_bar
    net.circ_pump_pressure["p_flow_bar"] = p_flow
    net.circ_pump_pressure["plift_bar"] = plift_bar
    is_ret = net.junction["name"].str.endswith("_r").to_numpy()
    net.junction["tfluid_k"] = np.where(is_ret, T_RETURN_K, T_SUPPLY_K)
    net.junction["pn_bar"] = np.where(is_ret, P_RETURN_BAR, p_flow)

"""Build the Schutterwald district: ``heat.json`` (pandapipes) and ``electric.json`` (pandapower).

Run as ``python networks/schutterwald/build.py``; both files are written next to this script.
The heat network keeps the topology, junction geodata and pipe lengths of pandapipes'
bundled ``schutterwald_heat()`` and replaces its placeholder parameters (see README.md).
The output is deterministic: loads come from a seeded generator, everything else from rules.
"""

from __future__ import annotations

import itertools
import logging
import math
import warnings
from pathlib import Path

import networkx as nx
import numpy as np
import pandapipes as pps
import pandapower as ppw
from pandapipes.networks import schutterwald_heat

HERE = Path(__file__).resolve().parent
SEED = 20240611  # seed of the consumer-load generator
CP_J_PER_KGK = 4190.0  # design heat capacity of water
RHO_KG_PER_M3 = 965.0  # water at 90 °C (design supply)
MU_PA_S = 3.15e-4  # dynamic viscosity at 90 °C
T_SUPPLY_K = 363.15  # design supply 90 °C
T_RETURN_K = 318.15  # consumer return 45 °C
T_GROUND_K = 283.15  # stored ground temperature (overwritten hourly by the simulator)
V_MAX_M_PER_S = 1.5  # design velocity limit
R_MAX_PA_PER_M = 200.0  # design specific pressure-loss limit
P_RETURN_BAR = 2.0  # gauge pressure held at the plant return (suction) side
MIN_PIPE_KM = 0.001  # the STANET source has 68 zero-length, 32 sub-metre sections: >= 1 m
DP_CONSUMER_MIN_BAR = 1.0  # required worst consumer differential pressure at design load
Q_MIN_W, Q_MAX_W, Q_MEDIAN_W, Q_SIGMA = 10e3, 150e3, 55e3, 0.6  # consumer design-load rule
STD_DN = (20, 25, 32, 40, 50, 65, 80, 100, 125, 150, 200, 250, 300, 350, 400, 450, 500, 600)


def consumer_loads_w(n: int, seed: int = SEED) -> np.ndarray:
    """Design heat loads (W) at -12 °C.

    Seeded lognormal (median 55 kW, sigma 0.6), clipped to 10-150 kW, rounded to 0.5 kW.
    """
    rng = np.random.default_rng(seed)
    q = rng.lognormal(mean=math.log(Q_MEDIAN_W), sigma=Q_SIGMA, size=n)
    return np.round(np.clip(q, Q_MIN_W, Q_MAX_W) / 500.0) * 500.0


def configure_consumers(net: pps.pandapipesNet) -> None:
    """Set consumers to mode qext_w + treturn_k (W, K), names c00..c43."""
    hc = net.heat_consumer
    hc["qext_w"] = consumer_loads_w(len(hc))
    hc["treturn_k"] = T_RETURN_K
    hc["controlled_mdot_kg_per_s"] = np.nan
    hc["deltat_k"] = np.nan
    hc["name"] = [f"c{i:02d}" for i in range(len(hc))]
    # same convention as the source data: annual energy (Wh) = qext_w * 1500 full-load hours
    hc["annual_consumption"] = hc["qext_w"] * 1500.0
    net.heat_consumer = hc.drop(columns=["diameter_m"], errors="ignore")


def add_isoplus_types(net: pps.pandapipesNet) -> None:
    """Copy the ISOPLUS pipe std types of pandapipes 0.16 (absent from the stored net)."""
    fresh = pps.create_empty_network(fluid="water")
    for name, data in fresh.std_types["pipe"].items():
        if name.startswith("ISOPLUS_DRE"):
            net.std_types["pipe"][name] = dict(data)


def tree_graph(net: pps.pandapipesNet) -> nx.Graph:
    """Undirected graph of pipes and valves; edge attribute ``pipe`` = pipe index or None."""
    g = nx.Graph()
    for idx, row in net.pipe.iterrows():
        g.add_edge(int(row.from_junction), int(row.to_junction), pipe=idx)
    for _, row in net.valve.iterrows():
        g.add_edge(int(row.junction), int(row.element), pipe=None)
    if not nx.is_forest(g):
        raise ValueError("expected a radial (tree) network")
    return g


def design_pipe_flows(net: pps.pandapipesNet, flow_j: int, return_j: int) -> np.ndarray:
    """Design mass flow (kg/s) of every pipe.

    Sum over the consumers it serves of qext_w / (cp * (90 - 45 K)), accumulated along the
    supply tree (from the plant flow junction) and the return tree (to the plant return junction).
    """
    g = tree_graph(net)
    mdot = np.zeros(len(net.pipe))
    pos = {idx: i for i, idx in enumerate(net.pipe.index)}
    for _, c in net.heat_consumer.iterrows():
        m = c.qext_w / (CP_J_PER_KGK * (T_SUPPLY_K - T_RETURN_K))
        for root, leaf in ((flow_j, c.from_junction), (return_j, c.to_junction)):
            path = nx.shortest_path(g, root, int(leaf))
            for a, b in itertools.pairwise(path):
                pipe = g.edges[a, b]["pipe"]
                if pipe is not None:
                    mdot[pos[pipe]] += m
    return mdot


def pressure_gradient_pa_per_m(mdot: float, d_m: float, k_mm: float) -> float:
    """Darcy-Weisbach friction gradient (Pa/m) with the Swamee-Jain friction factor."""
    v = mdot / (RHO_KG_PER_M3 * math.pi * d_m**2 / 4.0)
    re = max(RHO_KG_PER_M3 * v * d_m / MU_PA_S, 1.0)
    if re < 2300.0:
        lam = 64.0 / re
    else:
        lam = 0.25 / math.log10(k_mm / 1e3 / (3.7 * d_m) + 5.74 / re**0.9) ** 2
    return lam / d_m * RHO_KG_PER_M3 * v**2 / 2.0


def select_std_type(net: pps.pandapipesNet, mdot: float) -> str:
    """Smallest ISOPLUS_DRE{DN}_STD with v <= 1.5 m/s and R <= 200 Pa/m at ``mdot`` (kg/s)."""
    for dn in STD_DN:
        name = f"ISOPLUS_DRE{dn}_STD"
        st = pps.std_types.load_std_type(net, name, "pipe")
        d_m = st["inner_diameter_mm"] / 1e3
        v = mdot / (RHO_KG_PER_M3 * math.pi * d_m**2 / 4.0)
        r = pressure_gradient_pa_per_m(mdot, d_m, st["k_mm"])
        if v <= V_MAX_M_PER_S and r <= R_MAX_PA_PER_M:
            return name
    raise ValueError(f"no pipe type for {mdot:.1f} kg/s")


def size_pipes(net: pps.pandapipesNet, mdot: np.ndarray) -> None:
    """Assign std types; u (W/m²K) = u_w_per_mk / (pi * D_outer); text_k = 283.15 K."""
    for idx, m in zip(net.pipe.index, mdot, strict=True):
        name = select_std_type(net, m)
        st = pps.std_types.load_std_type(net, name, "pipe")
        net.pipe.loc[idx, "std_type"] = name
        net.pipe.loc[idx, ["inner_diameter_mm", "outer_diameter_mm", "k_mm"]] = (
            st["inner_diameter_mm"],
            st["outer_diameter_mm"],
            st["k_mm"],
        )
        u = st["u_w_per_mk"] / (math.pi * st["outer_diameter_mm"] / 1e3)
        net.pipe.loc[idx, "u_w_per_m2k"] = u
    net.pipe["text_k"] = T_GROUND_K
    net.pipe["loss_coefficient"] = 0.0
    # stale STANET-import columns: diameter_m (0.1 m) and the removed pipe qext_w
    net.pipe = net.pipe.drop(columns=["diameter_m", "qext_w"], errors="ignore")


def set_plant(net: pps.pandapipesNet, plift_bar: float) -> None:
    """Replace the plant by one circ_pump_const_pressure ``main`` (bar gauge, K).

    Also sets the junction initial state: supply side 90 °C / p_flow, return side 45 °C / 2 bar.
    """
    old = net.circ_pump_pressure.iloc[0]
    ret_j, flow_j = int(old.return_junction), int(old.flow_junction)
    stale = ["angle", "control_dp", "p_mid_bar", "p_min_bar"]  # not used by pandapipes 0.16
    net.circ_pump_pressure = net.circ_pump_pressure.iloc[0:0].drop(columns=stale, errors="ignore")
    p_flow = P_RETURN_BAR + plift_bar
    pps.create_circ_pump_const_pressure(
        net,
        ret_j,
        flow_j,
        p_flow_bar=p_flow,
        plift_bar=plift_bar,
        t_flow_k=T_SUPPLY_K,
        name="main",
        index=0,
    )
    is_ret = net.junction["name"].str.startswith("return_").to_numpy()
    net.junction["tfluid_k"] = np.where(is_ret, T_RETURN_K, T_SUPPLY_K)
    net.junction["pn_bar"] = np.where(is_ret, P_RETURN_BAR, p_flow)


def tune_plift(net: pps.pandapipesNet) -> float:
    """Run BIDIR at design load and set plift (bar) so the worst consumer dp is >= 1 bar."""
    pps.pipeflow(net, mode="bidirectional", max_iter_bidirect=100)
    res = net.res_heat_consumer
    worst = float((res.p_from_bar - res.p_to_bar).min())
    plift = float(net.circ_pump_pressure.plift_bar.iloc[0])
    new = math.ceil((plift - worst + DP_CONSUMER_MIN_BAR) * 10.0) / 10.0 + 0.1
    set_plant(net, new)
    return new


def lon_lat_geo(net: pps.pandapipesNet) -> None:
    """Rewrite junction points as GeoJSON [lon, lat]; the source stores [lat, lon]."""

    def swap(point: object) -> object:
        if isinstance(point, dict) and len(point.get("coordinates", ())) >= 2:
            lat, lon = point["coordinates"][:2]
            return {"type": "Point", "coordinates": [lon, lat]}
        return point

    net.junction["geo"] = [swap(p) for p in net.junction["geo"]]


def unique_pipe_names(net: pps.pandapipesNet) -> None:
    """STANET names every section of a pipe alike: a repeated name gets ``@<index>``."""
    name = net.pipe["name"].astype(str)
    repeated = name.duplicated(keep=False).to_numpy()
    net.pipe["name"] = np.where(repeated, name + "@" + net.pipe.index.astype(str), name)


def build_heat() -> pps.pandapipesNet:
    """Schutterwald heat network sized for 90/45 °C at the -12 °C design point."""
    net = schutterwald_heat()
    pps.toolbox.clear_result_tables(net)
    pps.toolbox.remove_empty_components(net)
    unique_pipe_names(net)
    net.pipe["length_km"] = net.pipe["length_km"].clip(lower=MIN_PIPE_KM)
    configure_consumers(net)
    lon_lat_geo(net)
    add_isoplus_types(net)
    pump = net.circ_pump_pressure.iloc[0]
    size_pipes(net, design_pipe_flows(net, int(pump.flow_junction), int(pump.return_junction)))
    set_plant(net, plift_bar=3.0)
    tune_plift(net)
    pps.toolbox.clear_result_tables(net)
    return net


# --- electric grid -------------------------------------------------------------------------
MV_LINE_TYPE = "NA2XS2Y 1x185 RM/25 12/20 kV"
COS_PHI = 0.95
# name: (lon, lat) in WGS84; the plant sits at the heat network's Central Station
BUSES_MV = {
    "mv_substation": (7.8560, 48.4700),
    "mv_feeder_1": (7.8765, 48.4624),
    "mv_feeder_2": (7.8790, 48.4610),
    "mv_feeder_3": (7.8835, 48.4620),
    "mv_feeder_4": (7.8880, 48.4610),
}
# LV bus: (MV bus, lon, lat, background load MW)
BUSES_LV = {
    "plant_lv": ("mv_feeder_1", 7.87627, 48.46218, 0.0),
    "village_lv_1": ("mv_feeder_1", 7.8775, 48.4630, 0.35),
    "village_lv_2": ("mv_feeder_2", 7.8785, 48.4603, 0.40),
    "village_lv_3": ("mv_feeder_3", 7.8835, 48.4618, 0.30),
    "village_lv_4": ("mv_feeder_4", 7.8880, 48.4612, 0.45),
}
# name, from, to, length km (straight distance x ~1.25 for the cable route)
MV_LINES = (
    ("mv_line_1", "mv_substation", "mv_feeder_1", 2.2),
    ("mv_line_2", "mv_feeder_1", "mv_feeder_2", 0.3),
    ("mv_line_3", "mv_feeder_2", "mv_feeder_3", 0.45),
    ("mv_line_4", "mv_feeder_3", "mv_feeder_4", 0.45),
)


def add_plant_trafo(net: ppw.pandapowerNet, hv: int, lv: int) -> int:
    """2 MVA 20/0.4 kV Dyn5 distribution transformer (EN 50588 Ak-class losses)."""
    return ppw.create_transformer_from_parameters(
        net,
        hv,
        lv,
        sn_mva=2.0,
        vn_hv_kv=20.0,
        vn_lv_kv=0.4,
        vkr_percent=0.9,
        vk_percent=6.0,
        pfe_kw=1.45,
        i0_percent=0.2,
        shift_degree=150,
        vector_group="Dyn5",
        tap_side="hv",
        tap_neutral=0,
        tap_min=-2,
        tap_max=2,
        tap_step_percent=2.5,
        tap_pos=0,
        name="plant_trafo",
    )


def build_electric() -> ppw.pandapowerNet:
    """20 kV feeder with 20/0.4 kV substations; background loads at cos phi 0.95 (MW, Mvar)."""
    net = ppw.create_empty_network(name="schutterwald_electric", f_hz=50.0)
    bus = {n: ppw.create_bus(net, 20.0, name=n, type="b", geodata=xy) for n, xy in BUSES_MV.items()}
    ppw.create_ext_grid(
        net, bus["mv_substation"], vm_pu=1.02, name="grid", s_sc_max_mva=250.0, rx_max=0.1
    )
    for name, a, b, km in MV_LINES:
        ppw.create_line(net, bus[a], bus[b], km, MV_LINE_TYPE, name=name)
    tan_phi = math.tan(math.acos(COS_PHI))
    for i, (name, (mv, lon, lat, p_mw)) in enumerate(BUSES_LV.items()):
        lv = ppw.create_bus(net, 0.4, name=name, type="b", geodata=(lon, lat))
        if name == "plant_lv":
            add_plant_trafo(net, bus[mv], lv)
            continue
        ppw.create_transformer(net, bus[mv], lv, "0.63 MVA 20/0.4 kV", name=f"village_trafo_{i}")
        ppw.create_load(net, lv, p_mw=p_mw, q_mvar=p_mw * tan_phi, name=f"village_load_{i}")
    return net


def main() -> None:
    """Build both networks and write them next to this file."""
    warnings.filterwarnings("ignore", category=DeprecationWarning)
    logging.getLogger("pandapipes").setLevel(logging.ERROR)
    heat = build_heat()
    pps.to_json(heat, str(HERE / "heat.json"))
    elec = build_electric()
    ppw.runpp(elec)
    ppw.toolbox.clear_result_tables(elec)
    ppw.to_json(elec, str(HERE / "electric.json"))
    q = heat.heat_consumer.qext_w
    print(
        f"heat.json: {len(q)} consumers, {q.sum() / 1e6:.3f} MW design, "
        f"plift {heat.circ_pump_pressure.plift_bar.iloc[0]:.1f} bar"
    )
    print(f"electric.json: {len(elec.bus)} buses, {elec.load.p_mw.sum():.2f} MW background load")


if __name__ == "__main__":
    main()

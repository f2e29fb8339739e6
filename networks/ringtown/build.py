"""Build Ringtown: a meshed district-heating network (``heat.json``) and its MV grid
(``electric.json``).

Run as ``python networks/ringtown/build.py``; both files are written next to this script.
Ringtown is synthetic (see README.md): a ring main with two cross mains meeting in the town
centre, sixteen streets leaving the ring, 80 substations on service pipes, a pressure-holding
boiler plant and a heat-pump plant on the opposite side of the ring feeding a set flow. The
output is deterministic: loads come from a seeded generator, everything else from rules.
"""

from __future__ import annotations

import logging
import math
import warnings
from pathlib import Path

import numpy as np
import pandapipes as pps
import pandapower as ppw
import pandapower.networks as ppn

HERE = Path(__file__).resolve().parent
SEED = 20261201  # seed of the consumer-load generator
CP_J_PER_KGK = 4190.0  # design heat capacity of water
RHO_KG_PER_M3 = 955.0  # water at 105 °C (design supply)
T_SUPPLY_K = 378.15  # design supply 105 °C at -26 °C
T_RETURN_K = 318.15  # consumer return 45 °C
T_GROUND_K = 283.15  # stored ground temperature (overwritten hourly by the simulator)
V_MAX_M_PER_S = 1.5  # design velocity limit
P_RETURN_BAR = 3.0  # gauge pressure held at the main plant's return (suction) side
DP_CONSUMER_MIN_BAR = 1.0  # worst substation differential pressure at design load
N_RING, RING_RADIUS_M = 16, 900.0  # ring-main nodes, ring radius
N_STREET, STREET_STEP_M = 5, 90.0  # substations per street, spacing along the street
SERVICE_M = 20.0  # service pipe length (each way)
Q_MEDIAN_W, Q_SIGMA, Q_MIN_W, Q_MAX_W = 120e3, 0.55, 30e3, 600e3  # substation design loads
STD_DN = (32, 40, 50, 65, 80, 100, 125, 150, 200, 250, 300, 350, 400)
RING_DN, CROSS_DN = 250, 200  # ring and cross mains (checked by the design run)
LON0, LAT0 = 24.70, 60.25  # arbitrary placement, for maps only
HP_PLANT_NODE = N_RING // 2  # the heat-pump plant sits opposite the boiler plant
HP_DESIGN_MDOT = 12.0  # kg/s, the heat-pump plant's file flow (set hourly by the dispatch)


def substation_loads_w(n: int, seed: int = SEED) -> np.ndarray:
    """Design loads (W) at -26 °C: seeded lognormal (median 120 kW, sigma 0.55), clipped to
    30-600 kW and rounded to 1 kW (apartment blocks, schools, shops; est.)."""
    rng = np.random.default_rng(seed)
    q = rng.lognormal(math.log(Q_MEDIAN_W), Q_SIGMA, n)
    return np.round(np.clip(q, Q_MIN_W, Q_MAX_W) / 1e3) * 1e3


def geo(x_m: float, y_m: float) -> tuple[float, float]:
    """(lon, lat) of a point x east, y north of the town centre (m)."""
    return (LON0 + x_m / (111_320.0 * math.cos(math.radians(LAT0))), LAT0 + y_m / 110_540.0)


def height_m(x_m: float, y_m: float) -> float:
    """Flat: a coastal town 5 m above sea level (see README: heights and meshes)."""
    return 5.0 + 0.0 * (x_m + y_m)


class Builder:
    """Supply and return junction pairs and the pipes between them."""

    def __init__(self) -> None:
        self.net = pps.create_empty_network(name="ringtown_heat", fluid="water")
        self.p_flow_bar = P_RETURN_BAR + 4.0

    def pair(self, name: str, x: float, y: float) -> tuple[int, int]:
        h = height_m(x, y)
        s = pps.create_junction(self.net, pn_bar=self.p_flow_bar, tfluid_k=T_SUPPLY_K,
                                height_m=h, name=f"s_{name}", geodata=geo(x, y))
        r = pps.create_junction(self.net, pn_bar=P_RETURN_BAR, tfluid_k=T_RETURN_K + 10.0,
                                height_m=h, name=f"r_{name}", geodata=geo(x, y))
        return s, r

    def pipes(self, a: tuple[int, int], b: tuple[int, int], length_m: float, dn: int,
              name: str) -> None:
        """A supply pipe a -> b and its return b -> a (ISOPLUS STD, u from the std type)."""
        for side, (f, t) in (("s", (a[0], b[0])), ("r", (b[1], a[1]))):
            pps.create_pipe(self.net, f, t, std_type=f"ISOPLUS_DRE{dn}_STD",
                            length_km=length_m / 1e3, text_k=T_GROUND_K, name=f"{name}_{side}")


def street_dn(load_w: float) -> int:
    """Smallest ISOPLUS DN that carries ``load_w`` at 105/45 °C within 1.5 m/s."""
    mdot = load_w / (CP_J_PER_KGK * (T_SUPPLY_K - T_RETURN_K))
    for dn in STD_DN:
        st = pps.std_types.load_std_type(pps.create_empty_network(), f"ISOPLUS_DRE{dn}_STD",
                                         "pipe")
        area = math.pi * (st["inner_diameter_mm"] / 2e3) ** 2
        if mdot / (RHO_KG_PER_M3 * area) <= V_MAX_M_PER_S:
            return dn
    raise ValueError(f"no pipe for {load_w / 1e6:.2f} MW")


def build_heat() -> pps.pandapipesNet:
    """The meshed network at its design point, with the main plant's lift tuned."""
    b = Builder()
    loads = substation_loads_w(N_RING * N_STREET)
    ring = []
    for i in range(N_RING):
        a = 2 * math.pi * i / N_RING
        ring.append(b.pair(f"ring{i:02d}", RING_RADIUS_M * math.cos(a),
                           RING_RADIUS_M * math.sin(a)))
    chord = 2 * RING_RADIUS_M * math.sin(math.pi / N_RING)
    for i in range(N_RING):
        b.pipes(ring[i], ring[(i + 1) % N_RING], chord * 1.1, RING_DN, f"ring{i:02d}")
    centre = b.pair("centre", 0.0, 0.0)
    for i in (2, 6, 10, 14):  # two cross mains through the centre
        b.pipes(ring[i], centre, RING_RADIUS_M * 1.05, CROSS_DN, f"cross{i:02d}")
    k = 0
    for i in range(N_RING):
        a = 2 * math.pi * i / N_RING
        prev, street_loads = ring[i], loads[i * N_STREET:(i + 1) * N_STREET]
        for j in range(N_STREET):
            rad = RING_RADIUS_M + STREET_STEP_M * (j + 1)
            x, y = rad * math.cos(a), rad * math.sin(a)
            node = b.pair(f"st{i:02d}_{j}", x, y)
            b.pipes(prev, node, STREET_STEP_M, street_dn(street_loads[j:].sum()),
                    f"st{i:02d}_{j}")
            house = b.pair(f"h{k:02d}", x + SERVICE_M * math.sin(a), y - SERVICE_M * math.cos(a))
            b.pipes(node, house, SERVICE_M, street_dn(street_loads[j]), f"service{k:02d}")
            pps.create_heat_consumer(b.net, house[0], house[1], qext_w=float(loads[k]),
                                     treturn_k=T_RETURN_K, name=f"sub{k:02d}")
            prev, k = node, k + 1
    net = b.net
    pps.create_circ_pump_const_pressure(
        net, return_junction=ring[0][1], flow_junction=ring[0][0], p_flow_bar=b.p_flow_bar,
        plift_bar=b.p_flow_bar - P_RETURN_BAR, t_flow_k=T_SUPPLY_K, name="boiler_plant")
    hp = ring[HP_PLANT_NODE]
    pps.create_circ_pump_const_mass_flow(
        net, return_junction=hp[1], flow_junction=hp[0], p_flow_bar=None,
        mdot_flow_kg_per_s=HP_DESIGN_MDOT, t_flow_k=T_SUPPLY_K, name="heat_pump_plant")
    tune_plift(net)
    return net


def tune_plift(net: pps.pandapipesNet) -> None:
    """Solve the design point and set the main plant's lift so that the worst substation has
    ``DP_CONSUMER_MIN_BAR`` (+0.1 bar), keeping its return pressure."""
    pps.pipeflow(net, mode="bidirectional", max_iter_bidirect=100)
    res = net.res_heat_consumer
    worst = float((res.p_from_bar - res.p_to_bar).min())
    lift = float(net.circ_pump_pressure.plift_bar.iloc[0])
    lift = math.ceil((lift - worst + DP_CONSUMER_MIN_BAR) * 10.0) / 10.0 + 0.1
    net.circ_pump_pressure["plift_bar"] = lift
    net.circ_pump_pressure["p_flow_bar"] = P_RETURN_BAR + lift
    is_supply = net.junction["name"].str.startswith("s_").to_numpy()
    net.junction["pn_bar"] = np.where(is_supply, P_RETURN_BAR + lift, P_RETURN_BAR)
    v = net.res_pipe["v_mean_m_per_s"].abs().max()
    pps.pipeflow(net, mode="bidirectional", max_iter_bidirect=100)
    print(f"design point: {net.res_heat_consumer.qext_w.sum() / 1e6:.2f} MW, lift {lift:.1f} "
          f"bar, v_max {v:.2f} m/s, worst dp "
          f"{(net.res_heat_consumer.p_from_bar - net.res_heat_consumer.p_to_bar).min():.2f} bar")
    pps.toolbox.clear_result_tables(net)


# --- electric grid -------------------------------------------------------------------------
#: (name, CIGRE MV bus) of the buses the plants connect to (renamed for the scenario)
PLANT_BUSES = {"boiler_plant_mv": "Bus 12", "heat_pump_plant_mv": "Bus 8"}
EXT_GRID_VM_PU = 1.04  # HV/MV transformer set-point raised from CIGRE's 1.03 (est.)


def build_electric() -> ppw.pandapowerNet:
    """CIGRE MV benchmark (110/20 kV, two feeders) with its PV and wind generators; the two
    plant buses renamed; the source voltage 1.04 pu so the feeders stay in +-5 % with the
    district's electric load on them."""
    net = ppn.create_cigre_network_mv(with_der="pv_wind")
    for new, old in PLANT_BUSES.items():
        net.bus.loc[net.bus["name"] == old, "name"] = new
    net.ext_grid["vm_pu"] = EXT_GRID_VM_PU
    net.name = "ringtown_electric"
    return net


def main() -> None:
    """Build both networks and write them next to this file."""
    warnings.filterwarnings("ignore", category=DeprecationWarning)
    logging.getLogger("pandapipes").setLevel(logging.ERROR)
    heat = build_heat()
    pps.to_json(heat, str(HERE / "heat.json"))
    elec = build_electric()
    ppw.runpp(elec)
    print(f"electric.json: {len(elec.bus)} buses, {elec.load.p_mw.sum():.1f} MW load, "
          f"{elec.sgen.p_mw.sum():.2f} MW PV/wind, vm {elec.res_bus.vm_pu.min():.3f}-"
          f"{elec.res_bus.vm_pu.max():.3f} pu")
    ppw.toolbox.clear_result_tables(elec)
    ppw.to_json(elec, str(HERE / "electric.json"))
    q = heat.heat_consumer.qext_w
    print(f"heat.json: {len(heat.junction)} junctions, {len(heat.pipe)} pipes, {len(q)} "
          f"substations, {q.sum() / 1e6:.2f} MW design")


if __name__ == "__main__":
    main()

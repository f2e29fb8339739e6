"""Small networks built from scratch with the solvers' own create functions, for tests.

Nothing here reads the bundled districts: these nets exercise the "bring your own network"
path, i.e. JSON files written by ``pandapipes.to_json`` / ``pandapower.to_json`` by someone
who has never seen ``networks/``.
"""

from __future__ import annotations

from pathlib import Path

import pandapipes
import pandapower
import pandapower.networks

T_SUPPLY_K = 363.15  # design supply 90 °C
T_RETURN_K = 318.15  # consumer return 45 °C
T_GROUND_K = 283.15  # soil around the pipes 10 °C
P_FLOW_BAR = 6.0  # main plant supply pressure (gauge)
PLIFT_BAR = 3.0  # main plant pressure lift

#: (name, design load in W) of the consumers at trunk nodes 1, 2, ...
CONSUMERS: tuple[tuple[str, float], ...] = (
    ("school", 0.6e6),
    ("town_hall", 0.25e6),
    ("block_a", 0.9e6),
    ("block_b", 0.75e6),
    ("pool", 1.0e6),
    ("depot", 0.2e6),
    ("clinic", 0.45e6),
)
SEGMENT_KM = 0.3
TRUNK_STD_TYPE = "ISOPLUS_DRE200_STD"
SERVICE_STD_TYPE = "ISOPLUS_DRE80_STD"
SLACK_PLANT = "main"
FIXED_PLANT = "east"
#: Bus of the pandapower CIGRE MV network the test scenario connects its units to.
PLANT_BUS = "Bus 11"
WEATHER = Path(__file__).resolve().parents[1] / "networks" / "weather" / (
    "helsinki_t_air_2018_2024.csv")


def build_heat_net() -> pandapipes.pandapipesNet:
    """A supply/return trunk of ``len(CONSUMERS) + 2`` junction pairs (300 m segments).

    ``main`` (circ_pump_const_pressure) sits at node 0, ``east`` (circ_pump_const_mass of
    type "t": no pressure set point) at the last node, one heat_consumer per inner node,
    connected through a 30 m service pipe pair. Every pipe is a pre-insulated ISOPLUS type
    with ``text_k`` set explicitly (``create_pipe`` would default to 0 K).
    """
    net = pandapipes.create_empty_network(name="own_test_district", fluid="water")
    n_nodes = len(CONSUMERS) + 2
    p_return_bar = P_FLOW_BAR - PLIFT_BAR
    supply = [
        pandapipes.create_junction(net, pn_bar=P_FLOW_BAR, tfluid_k=T_SUPPLY_K, name=f"s{i}")
        for i in range(n_nodes)
    ]
    ret = [
        pandapipes.create_junction(net, pn_bar=p_return_bar, tfluid_k=T_RETURN_K + 10.0,
                                   name=f"r{i}")
        for i in range(n_nodes)
    ]
    for i in range(n_nodes - 1):
        for side, nodes in (("s", supply), ("r", ret)):
            a, b = (nodes[i], nodes[i + 1]) if side == "s" else (nodes[i + 1], nodes[i])
            pandapipes.create_pipe(net, a, b, std_type=TRUNK_STD_TYPE, length_km=SEGMENT_KM,
                                   text_k=T_GROUND_K, name=f"trunk_{side}{i}_{i + 1}")
    for k, (name, q_w) in enumerate(CONSUMERS, start=1):
        hs = pandapipes.create_junction(net, pn_bar=P_FLOW_BAR, tfluid_k=T_SUPPLY_K,
                                        name=f"{name}_s")
        hr = pandapipes.create_junction(net, pn_bar=p_return_bar, tfluid_k=T_RETURN_K + 10.0,
                                        name=f"{name}_r")
        pandapipes.create_pipe(net, supply[k], hs, std_type=SERVICE_STD_TYPE, length_km=0.03,
                               text_k=T_GROUND_K, name=f"{name}_service_s")
        pandapipes.create_pipe(net, hr, ret[k], std_type=SERVICE_STD_TYPE, length_km=0.03,
                               text_k=T_GROUND_K, name=f"{name}_service_r")
        pandapipes.create_heat_consumer(net, hs, hr, qext_w=q_w, treturn_k=T_RETURN_K,
                                        name=name)
    pandapipes.create_circ_pump_const_pressure(
        net, return_junction=ret[0], flow_junction=supply[0], p_flow_bar=P_FLOW_BAR,
        plift_bar=PLIFT_BAR, t_flow_k=T_SUPPLY_K, name=SLACK_PLANT,
    )
    pandapipes.create_circ_pump_const_mass_flow(
        net, return_junction=ret[-1], flow_junction=supply[-1], p_flow_bar=None,
        mdot_flow_kg_per_s=5.0, t_flow_k=T_SUPPLY_K, name=FIXED_PLANT,
    )
    return net


def build_grid() -> pandapower.pandapowerNet:
    """pandapower's CIGRE MV benchmark (20 kV, 15 buses ``Bus 0`` .. ``Bus 14``), no DER."""
    return pandapower.networks.create_cigre_network_mv(with_der=False)


def write_district(folder: Path) -> Path:
    """Write ``heat.json`` and ``electric.json`` of the test district into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    pandapipes.to_json(build_heat_net(), str(folder / "heat.json"))
    pandapower.to_json(build_grid(), str(folder / "electric.json"))
    return folder


def scenario(units: list[dict], name: str = "own_network") -> dict:
    """A scenario mapping for the test district (paths relative to the YAML file)."""
    return {
        "name": name,
        "district": "district",
        "period": {"start": "2030-01-01T00:00", "hours": 8760},
        "weather": {"file": str(WEATHER), "source_year": 2019},
        "supply_temperature": {"curve_c": [[-12, 90], [15, 70]], "return_c": 45},
        "demand": {"design_t_air_c": -15, "heating_limit_c": 15, "min_load_fraction": 0.05},
        "ground": {"mean_c": 10, "amplitude_k": 5, "coldest_day": 45},
        "units": units,
        "pumps": [{"plant": SLACK_PLANT, "bus": PLANT_BUS, "efficiency": 0.7}],
        # By CO2: wood (biogenic, 0 t/TJ) first, then the heat pump, gas for the rest.
        "dispatch": {"policy": "merit_order", "order_by": "co2"},
        "carbon": {"grid_intensity_g_per_kwh": 100},
        # The CIGRE MV base case sits at 0.92 pu on its own: these tests are about the heat
        # side, so grid feedback only records violations (tests/test_coupling.py exercises it).
        "coupling": {"enabled": False},
    }

"""Build the Espoo district: ``heat.json``, ``electric.json`` and the hourly input CSV files.

Run as ``python networks/espoo/build.py`` (``make networks``); everything is written next to
this script, deterministically. The parts live beside it: ``heat_net.py`` (pandapipes network,
pipe sizing), ``operation.py`` (reference dispatch, sizing envelope, loss calibration,
pressure tuning), ``electric_net.py`` (pandapower 110/20 kV
network) and ``series.py`` (weather variant, electric load scale, grid CO2 intensity).
README.md explains every figure and assumption.
"""

from __future__ import annotations

import logging
import sys
import warnings
from pathlib import Path

import numpy as np
import pandapipes as pps
import pandapower as ppw

sys.path.insert(0, str(Path(__file__).resolve().parent))

import electric_net
import heat_net
import operation
import series

HERE = Path(__file__).resolve().parent


def geojson_points(net: pps.pandapipesNet) -> None:
    """Junction positions as a GeoJSON ``geo`` column [lon, lat] (what the simulator reads)."""
    geo = net.junction_geodata
    net.junction["geo"] = [
        {"type": "Point", "coordinates": [float(geo.at[i, "x"]), float(geo.at[i, "y"])]}
        for i in net.junction.index
    ]


def check_point(net: pps.pandapipesNet, ref: operation.Reference, op: operation.OperatingPoint,
                ground_c: float) -> dict[str, float]:
    """Solve one operating point; worst consumer dp, pressure range, slack heat, plant errors."""
    operation.solve(net, ref, op, ground_c)
    res = net.res_circ_pump_mass
    target = np.array([op.feed_mw[n] for n in net.circ_pump_mass["name"]])
    got = np.nan_to_num(res["qext_w"].to_numpy() / 1e6)
    on = target > 0
    return {
        "dp_min_bar": operation.worst_consumer_dp_bar(net),
        "p_min_bar": float(net.res_junction["p_bar"].min()),
        "p_max_bar": float(net.res_junction["p_bar"].max()),
        "slack_mw": float(net.res_circ_pump_pressure["qext_w"].iloc[0] / 1e6),
        "fixed_err_pct": float(np.max(np.abs(got[on] / target[on] - 1.0)) * 100) if on.any()
        else 0.0,
        "t_min_c": float(net.res_heat_consumer["t_from_k"].min() - 273.15),
    }


def build_heat() -> tuple[pps.pandapipesNet, dict[str, float]]:
    """Sized network with calibrated u and tuned plift, plus its check figures."""
    ref = operation.reference()
    areas = heat_net.read_areas()
    net = heat_net.build_topology(areas, operation.design_flows(ref, areas))
    design_w = net.heat_consumer["qext_w"].to_numpy(copy=True)
    net.heat_consumer["design_qext_w"] = design_w
    t_air = series.read_t_air(series.WEATHER_YEAR)
    k = operation.loss_factor(net, ref, t_air.to_numpy(), t_air.index.dayofyear.to_numpy())
    net.pipe["u_w_per_m2k"] = (net.pipe["u_w_per_m2k"] * k).round(6)
    plift = operation.tune_plift(net, ref)
    figures = {"loss_factor": k, "plift_bar": plift,
               "trench_km": float(net.pipe["length_km"].sum() / 2.0)}
    for op, ground_c in operation.tuning_points(ref):
        for key, value in check_point(net, ref, op, ground_c).items():
            figures[f"{key}@{op.t_air_c:+.0f}C"] = value
    for plant in heat_net.FIXED_PLANTS:
        op = operation.operating_point(ref, ref.design_t_air_c, frozenset({plant}))
        figures[f"dp_min_bar@-26C_without_{plant}"] = check_point(
            net, ref, op, ref.ground[0] - ref.ground[1])["dp_min_bar"]
    net.heat_consumer["qext_w"] = design_w
    net.heat_consumer = net.heat_consumer.drop(columns=["design_qext_w"])
    net.circ_pump_mass["in_service"] = True
    heat_net.set_plant_pressures(net, plift)
    net.pipe["text_k"] = heat_net.T_GROUND_K
    geojson_points(net)
    pps.toolbox.clear_result_tables(net)
    return net, figures


def main() -> None:
    """Build the networks and series; print the figures README.md quotes."""
    warnings.filterwarnings("ignore", category=DeprecationWarning)
    logging.getLogger("pandapipes").setLevel(logging.ERROR)
    figures = series.write_series()
    heat, heat_figures = build_heat()
    pps.to_json(heat, str(HERE / "heat.json"))
    elec = electric_net.build_electric()
    ppw.runpp(elec)
    ppw.toolbox.clear_result_tables(elec)
    ppw.to_json(elec, str(HERE / "electric.json"))
    q = heat.heat_consumer["qext_w"].to_numpy()
    print(f"heat.json: {len(q)} area substations, {q.sum() / 1e6:.1f} MW design, "
          f"{len(heat.circ_pump_mass) + 1} plants, {len(heat.pipe)} pipes")
    print(f"electric.json: {len(elec.bus)} buses, {len(elec.trafo)} transformers, "
          f"{elec.load['p_mw'].sum():.0f} MW background load at scale 1")
    for key, value in {**heat_figures, **figures}.items():
        print(f"  {key}: {value:.3f}" if np.isfinite(value) else f"  {key}: n/a")


if __name__ == "__main__":
    main()

"""How the Espoo network is operated, for sizing and checking it (README.md, "Several plants").

The reference scenario ``configs/espoo_2030.yaml`` fixes the supply curve, the demand model and
the units in dispatch order. Here they define operating points (outdoor temperature -> demand,
supply temperature, heat of each fixed plant), the envelope of trunk flows the pipes are sized
for, the solves that tune the slack plant's pressure lift, and the loss calibration.
Units: MW, °C in the operating points; W, K, bar, kg/s in pandapipes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import heat_net as hn
import numpy as np
import pandapipes as pps
import yaml

SCENARIO = Path(__file__).resolve().parents[2] / "configs" / "espoo_2030.yaml"
LOSS_SHARE_TARGET = 0.08  # annual loss / heat supplied (ESPOO-FIGURES: ~8 %, est.)
SLACK_MIN_SHARE = 0.02  # the simulator keeps >= 2 % of each hour's heat on the slack plant
ENVELOPE_T_AIR_C = tuple(float(t) for t in range(-26, 21))  # sizing: every 1 K
TUNING_T_AIR_C = (-26.0, -20.0, -15.0, -10.0, -5.0, 0.0, 5.0, 10.0, 15.0, 20.0)


@dataclass(frozen=True)
class Reference:
    """What the reference scenario says about operation."""

    curve_c: tuple[tuple[float, float], ...]  # (outdoor °C, supply °C)
    design_t_air_c: float
    heating_limit_c: float
    hot_water_share: float
    min_load_fraction: float
    ground: tuple[float, float, int]  # mean °C, amplitude K, coldest day
    units: tuple[tuple[str, float], ...]  # (plant, heat MW) in dispatch order, stores left out


def reference(path: Path = SCENARIO) -> Reference:
    """Read the reference scenario (plain YAML; the network must exist before it validates)."""
    raw = yaml.safe_load(path.read_text())
    d, g = raw["demand"], raw["ground"]
    units = tuple((u.get("plant") or hn.SLACK_PLANT, float(u["heat_mw"]))
                  for u in raw["units"] if u["type"] != "thermal_storage")
    return Reference(
        curve_c=tuple((float(a), float(b)) for a, b in raw["supply_temperature"]["curve_c"]),
        design_t_air_c=d["design_t_air_c"], heating_limit_c=d["heating_limit_c"],
        hot_water_share=d["hot_water_share"], min_load_fraction=d["min_load_fraction"],
        ground=(g["mean_c"], g["amplitude_k"], g["coldest_day"]), units=units)


def demand_fraction(ref: Reference, t_air_c: np.ndarray | float) -> np.ndarray:
    """Demand / design load (1): the simulator's model (``inputs.profiles.demand_fraction``)."""
    space = np.clip((ref.heating_limit_c - np.asarray(t_air_c, dtype=float))
                    / (ref.heating_limit_c - ref.design_t_air_c), 0.0, None)
    return np.maximum(ref.hot_water_share + (1 - ref.hot_water_share) * space,
                      ref.min_load_fraction)


def supply_c(ref: Reference, t_air_c: np.ndarray | float) -> np.ndarray:
    """Supply temperature (°C) on the weather curve."""
    x, y = zip(*sorted(ref.curve_c), strict=True)
    return np.interp(np.asarray(t_air_c, dtype=float), x, y)


@dataclass(frozen=True)
class OperatingPoint:
    """One steady state: demand share, supply temperature, fixed plants' heat (MW)."""

    t_air_c: float
    load_fraction: float
    t_supply_c: float
    feed_mw: dict[str, float]


def operating_point(ref: Reference, t_air_c: float, out: frozenset[str] = frozenset()
                    ) -> OperatingPoint:
    """Merit-order dispatch at ``t_air_c`` as the simulator plans it.

    Units fill demand x (1 + FLOW_MARGIN loss allowance) in order; units of plants in ``out``
    are unavailable; the fixed plants together keep below (1 - SLACK_MIN_SHARE) of the target.
    """
    fraction = float(demand_fraction(ref, t_air_c))
    target = hn.DESIGN_LOAD_MW * fraction * hn.FLOW_MARGIN
    remaining, feed = target, dict.fromkeys(hn.FIXED_PLANTS, 0.0)
    for plant, mw in ref.units:
        take = 0.0 if plant in out else min(mw, remaining)
        remaining -= take
        if plant != hn.SLACK_PLANT:
            feed[plant] += take
    fixed = sum(feed.values())
    if fixed > (1.0 - SLACK_MIN_SHARE) * target:
        feed = {p: mw * (1.0 - SLACK_MIN_SHARE) * target / fixed for p, mw in feed.items()}
    return OperatingPoint(t_air_c, fraction, float(supply_c(ref, t_air_c)), feed)


def envelope(ref: Reference) -> list[OperatingPoint]:
    """Sizing states: every ENVELOPE_T_AIR_C with all plants, and the design point with each
    fixed plant out in turn (N-1)."""
    points = [operating_point(ref, t) for t in ENVELOPE_T_AIR_C]
    return points + [operating_point(ref, ref.design_t_air_c, frozenset({p}))
                     for p in hn.FIXED_PLANTS]


def design_flows(ref: Reference, areas: list[hn.Area]) -> dict[tuple[str, str], float]:
    """Largest |mass flow| of each trunk edge over the envelope (kg/s)."""
    out: dict[tuple[str, str], float] = dict.fromkeys(hn.TRUNK, 0.0)
    for op in envelope(ref):
        flows = hn.trunk_flows_kg_per_s(areas, op.load_fraction, op.feed_mw, op.t_supply_c)
        out = {e: max(out[e], abs(m)) for e, m in flows.items()}
    return out


def ground_c(ref: Reference, day_of_year: np.ndarray | float) -> np.ndarray:
    """Ground temperature (°C), the simulator's sinusoid."""
    mean, amplitude, coldest = ref.ground
    return mean - amplitude * np.cos(2 * np.pi * (np.asarray(day_of_year) - coldest) / 365.25)


def solve(net: pps.pandapipesNet, ref: Reference, op: OperatingPoint,
          t_ground_c: float) -> None:
    """BIDIR at an operating point; fixed plants' mass flow from their inlet temperature.

    mdot = Q / (cp (T_flow - T_in)), T_in from the previous solve (three passes, as the
    simulator's re-solves). Raises if pandapipes does not converge.
    """
    net.heat_consumer["qext_w"] = net.heat_consumer["design_qext_w"] * op.load_fraction
    t_flow_k = op.t_supply_c + 273.15
    net.circ_pump_pressure["t_flow_k"] = t_flow_k
    net.pipe["text_k"] = t_ground_c + 273.15
    cm = net.circ_pump_mass
    q_w = np.array([op.feed_mw[n] * 1e6 for n in cm["name"]])
    cm["in_service"] = q_w > 0.0
    cm["t_flow_k"] = t_flow_k
    t_in_k = np.full(len(cm), hn.T_RETURN_K)
    for _ in range(3):
        cm["mdot_flow_kg_per_s"] = q_w / (hn.CP_J_PER_KGK * (t_flow_k - t_in_k))
        pps.pipeflow(net, mode="bidirectional", max_iter_bidirect=100)
        t_in_k = np.nan_to_num(net.res_circ_pump_mass["t_from_k"].to_numpy(), nan=hn.T_RETURN_K)


def worst_consumer_dp_bar(net: pps.pandapipesNet) -> float:
    """Smallest supply-return pressure difference over the area substations (bar)."""
    res = net.res_heat_consumer
    return float((res["p_from_bar"] - res["p_to_bar"]).min())


def tuning_points(ref: Reference) -> list[tuple[OperatingPoint, float]]:
    """(operating point, ground °C) for TUNING_T_AIR_C: ground at its minimum below 0 °C air,
    its mean up to 10 °C, its maximum above."""
    mean, amplitude, _ = ref.ground
    out = []
    for t in TUNING_T_AIR_C:
        g = mean - amplitude if t < 0 else mean if t <= 10 else mean + amplitude
        out.append((operating_point(ref, t), g))
    return out


def tune_plift(net: pps.pandapipesNet, ref: Reference) -> float:
    """Slack plant lift (bar): worst consumer dp >= 1 bar at every tuning point, +0.1 bar.

    Consumers force their flows, so every supply pressure moves one to one with the lift.
    """
    hn.set_plant_pressures(net, 8.0)
    need = 0.0
    for op, g in tuning_points(ref):
        solve(net, ref, op, g)
        need = max(need, 8.0 - worst_consumer_dp_bar(net) + hn.DP_CONSUMER_MIN_BAR)
    plift = math.ceil(need * 10.0) / 10.0 + 0.1
    hn.set_plant_pressures(net, plift)
    return plift


def loss_factor(net: pps.pandapipesNet, ref: Reference, t_air_c: np.ndarray,
                day_of_year: np.ndarray) -> float:
    """Factor k on every pipe's u so that annual loss / supply = LOSS_SHARE_TARGET (facts §5).

    Annual loss at catalogue u, estimated per pipe as u (W/mK) x L x (T_fluid - T_ground) over
    the hours: supply pipes at the hour's supply temperature, return pipes at 45 °C, ground by
    the scenario's sinusoid. Then k = s / (1 - s) x E_demand / E_loss.
    """
    t_ground = ground_c(ref, day_of_year)
    ua = hn.pipe_u_w_per_mk(net) * net.pipe["length_km"].to_numpy() * 1e3  # W/K per pipe
    supply = net.pipe["name"].str.endswith("_supply").to_numpy()
    loss_w = ua[supply].sum() * (supply_c(ref, t_air_c) - t_ground) + ua[~supply].sum() * (
        hn.T_RETURN_K - 273.15 - t_ground)
    demand_w = demand_fraction(ref, t_air_c) * hn.DESIGN_LOAD_MW * 1e6
    s = LOSS_SHARE_TARGET
    return float(s / (1.0 - s) * demand_w.sum() / loss_w.sum())

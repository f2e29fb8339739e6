"""A pandapipes net from a drawn :class:`~simulator.gis.plan.Plan`, and the plan of a net.

:func:`build_net` doubles the drawn network: every node becomes a supply junction
``<node>_s`` and a return junction ``<node>_r``, every pipe ``p`` a supply pipe ``p_supply``
(drawn direction) and a return pipe ``p_return`` (back), unless the plan names them; consumers
sit between the two junctions of their node, the pressure plant is a
``circ_pump_const_pressure``, flow plants ``circ_pump_const_mass`` of type "t" (the
conventions of ``networks/espoo``, which :mod:`simulator.heat.checks` accepts).

:func:`net_plan` is the way back for ``export-network``: it pairs each supply junction with its
return junction (through consumers and plants, then pipe by pipe along the network) and each
supply pipe with its return pipe, and carries every value the net solves with, so that the
exported file imports to the same net.
"""

from __future__ import annotations

import json
from collections import defaultdict

import numpy as np
import pandapipes
import pandas as pd

from simulator.config import ConfigError
from simulator.gis.plan import K_TO_C, NODE_PROPERTIES, PIPE_PROPERTIES, Plan
from simulator.naming import point_xy, unique_names

#: tables whose (supply, return) junction pairs seed the pairing
_PAIRS = (("heat_consumer", "from_junction", "to_junction"),
          ("circ_pump_pressure", "flow_junction", "return_junction"),
          ("circ_pump_mass", "flow_junction", "return_junction"))


def _value(row: pd.Series, key: str, default: object) -> object:
    value = row.get(key) if key in row.index else None
    return default if value is None or (isinstance(value, float) and np.isnan(value)) else value


def _junctions(net: pandapipes.pandapipesNet, plan: Plan) -> tuple[dict, dict]:
    slack = plan.plants[plan.plants["type"] == "pressure"].iloc[0]
    p_flow, p_return = float(slack["p_flow_bar"]), float(slack["p_flow_bar"] - slack["plift_bar"])
    t_return_k = float(plan.consumers["treturn_k"].max()) + 10.0 if len(plan.consumers) else (
        float(slack["t_flow_k"]))
    s, r, geo = {}, {}, []
    for node, row in plan.nodes.iterrows():
        height = float(_value(row, "height_m", 0.0))
        s[node] = pandapipes.create_junction(
            net, pn_bar=float(_value(row, "pn_bar", p_flow)),
            tfluid_k=float(_value(row, "tfluid_k", slack["t_flow_k"])), height_m=height,
            name=str(_value(row, "name", f"{node}_s")))
        r[node] = pandapipes.create_junction(
            net, pn_bar=float(_value(row, "return_pn_bar", p_return)),
            tfluid_k=float(_value(row, "return_tfluid_k", t_return_k)),
            height_m=float(_value(row, "return_height_m", height)),
            name=str(_value(row, "return_name", f"{node}_r")))
        point = {"type": "Point", "coordinates": [float(row["x"]), float(row["y"])]}
        geo += [point, dict(point)]
    net.junction["geo"] = geo
    return s, r


def _pipe(net: pandapipes.pandapipesNet, a: int, b: int, row: pd.Series, prefix: str,
          name: str) -> None:
    def get(key: str) -> float:
        return float(_value(row, f"{prefix}{key}", row[key]))

    pandapipes.create_pipe_from_parameters(
        net, a, b, length_km=get("length_m") / 1e3, inner_diameter_mm=get("inner_diameter_mm"),
        outer_diameter_mm=get("outer_diameter_mm"), k_mm=get("k_mm"),
        loss_coefficient=get("loss_coefficient"), sections=int(get("sections")),
        u_w_per_m2k=get("u_w_per_m2k"), text_k=get("text_k"), name=name)


def build_net(plan: Plan, name: str = "imported_heat") -> pandapipes.pandapipesNet:
    """The supply/return pandapipes net of ``plan`` (see the module docstring)."""
    net = pandapipes.create_empty_network(name=name, fluid="water")
    s, r = _junctions(net, plan)
    for _, row in plan.pipes.iterrows():
        a, b = row["from_node"], row["to_node"]
        _pipe(net, s[a], s[b], row, "", str(_value(row, "supply_name", f"{row['name']}_supply")))
        along = bool(_value(row, "return_along", False))
        _pipe(net, r[a] if along else r[b], r[b] if along else r[a], row, "return_",
              str(_value(row, "return_name", f"{row['name']}_return")))
    for _, row in plan.consumers.iterrows():
        pandapipes.create_heat_consumer(net, s[row["node"]], r[row["node"]],
                                        qext_w=float(row["design_w"]),
                                        treturn_k=float(row["treturn_k"]), name=row["name"])
    for _, row in plan.plants.iterrows():
        if row["type"] == "pressure":
            pandapipes.create_circ_pump_const_pressure(
                net, return_junction=r[row["node"]], flow_junction=s[row["node"]],
                p_flow_bar=float(row["p_flow_bar"]), plift_bar=float(row["plift_bar"]),
                t_flow_k=float(row["t_flow_k"]), name=row["name"])
        else:
            pandapipes.create_circ_pump_const_mass_flow(
                net, return_junction=r[row["node"]], flow_junction=s[row["node"]],
                p_flow_bar=None, mdot_flow_kg_per_s=float(row["mdot_flow_kg_per_s"]),
                t_flow_k=float(row["t_flow_k"]), name=row["name"])
    net.heat_consumer["controlled_mdot_kg_per_s"] = np.nan
    net.heat_consumer["deltat_k"] = np.nan
    return net


# -- the way back: export -------------------------------------------------------------------
def _seed_pairs(net: pandapipes.pandapipesNet) -> dict[int, int]:
    pairs: dict[int, int] = {}
    for table, a, b in _PAIRS:
        if table in net and len(net[table]):
            for s, r in zip(net[table][a], net[table][b], strict=True):
                pairs.setdefault(int(s), int(r))
    return pairs


def pair_network(net: pandapipes.pandapipesNet) -> tuple[dict[int, int], dict[int, int]]:
    """(supply junction -> return junction, supply pipe -> return pipe), found from the
    consumers' and plants' junction pairs outwards: a supply pipe leaving a paired junction
    pairs with the return pipe at its partner of the nearest length (then position)."""
    pairs = _seed_pairs(net)
    adj: dict[int, list[tuple[int, int]]] = defaultdict(list)
    length = net.pipe["length_km"].to_dict()
    for i, f, t in zip(net.pipe.index, net.pipe["from_junction"], net.pipe["to_junction"],
                       strict=True):
        adj[int(f)].append((int(t), int(i)))
        adj[int(t)].append((int(f), int(i)))
    x, y = point_xy(net.junction["geo"]) if "geo" in net.junction else ([], [])
    where = {j: np.array([x[k], y[k]]) for k, j in enumerate(net.junction.index)} if x else {}
    pipes: dict[int, int] = {}
    queue = list(pairs.items())
    while queue:
        s, r = queue.pop(0)
        taken_r = set(pipes.values())
        for js, ps in adj[s]:
            if ps in pipes or ps in taken_r:
                continue
            cands = [(jr, pr) for jr, pr in adj[r] if pr not in taken_r and pr not in pipes
                     and pr != ps and pairs.get(js, jr) == jr]
            if not cands:
                continue

            def score(c: tuple[int, int], js: int = js, ps: int = ps) -> tuple[float, float]:
                far = float(np.hypot(*(where[js] - where[c[0]]))) if where else 0.0
                return abs(length[c[1]] - length[ps]), far

            jr, pr = min(cands, key=score)
            pipes[ps] = pr
            taken_r.add(pr)
            if js not in pairs:
                pairs[js] = jr
                queue.append((js, jr))
    return pairs, pipes


def _node_table(net: pandapipes.pandapipesNet, pairs: dict[int, int]) -> pd.DataFrame:
    if "geo" not in net.junction:
        raise ConfigError(["heat.json: junction: no 'geo' positions; export-network needs "
                           "the junctions' positions"])
    x, y = point_xy(net.junction["geo"])
    pos = {j: k for k, j in enumerate(net.junction.index)}
    names = unique_names(net.junction, "junction_")
    rows = []
    for s, r in pairs.items():
        row = {"x": x[pos[s]], "y": y[pos[s]]}
        for key in NODE_PROPERTIES:
            for prefix, j in (("", s), ("return_", r)):
                row[prefix + key] = (names[pos[j]] if key == "name"
                                     else float(net.junction.at[j, key]))
        rows.append(row)
    nodes = pd.DataFrame(rows, index=[f"n{k}" for k in range(len(rows))])
    if not np.isfinite(nodes[["x", "y"]].to_numpy(float)).all():
        raise ConfigError(["heat.json: junction: some junctions have no 'geo' position"])
    return nodes


def _pipe_coords(net: pandapipes.pandapipesNet, i: int, a: np.ndarray, b: np.ndarray
                 ) -> list[tuple[float, float]]:
    """A pipe's drawn vertices (its own ``geo`` LineString if any), ends on its junctions."""
    inner: list[tuple[float, float]] = []
    geo = net.pipe.at[i, "geo"] if "geo" in net.pipe else None
    geo = json.loads(geo) if isinstance(geo, str) else geo
    if isinstance(geo, dict) and len(geo.get("coordinates") or []) > 2:
        inner = [tuple(map(float, p[:2])) for p in geo["coordinates"][1:-1]]
    return [tuple(map(float, a)), *inner, tuple(map(float, b))]


def _pipe_table(net: pandapipes.pandapipesNet, pairs: dict[int, int], pipes: dict[int, int],
                nodes: pd.DataFrame) -> pd.DataFrame:
    node_of = {s: n for n, s in zip(nodes.index, pairs, strict=True)}
    xy = {n: nodes.loc[n, ["x", "y"]].to_numpy(float) for n in nodes.index}
    names = dict(zip(net.pipe.index, unique_names(net.pipe, "pipe_"), strict=True))
    rows = []
    for ps, pr in pipes.items():
        a, b = node_of[int(net.pipe.at[ps, "from_junction"])], node_of[
            int(net.pipe.at[ps, "to_junction"])]
        row: dict[str, object] = {"name": names[ps], "supply_name": names[ps],
                                  "from_node": a, "to_node": b}
        for key in PIPE_PROPERTIES[1:]:
            column = "length_km" if key == "length_m" else key
            scale = 1e3 if key == "length_m" else 1.0
            row[key] = float(net.pipe.at[ps, column]) * scale
            row[f"return_{key}"] = float(net.pipe.at[pr, column]) * scale
        row["return_name"] = names[pr]
        row["return_along"] = pairs[int(net.pipe.at[ps, "from_junction"])] == int(
            net.pipe.at[pr, "from_junction"])
        row["coords"] = _pipe_coords(net, ps, xy[a], xy[b])
        rows.append(row)
    return pd.DataFrame(rows)


def _element_table(net: pandapipes.pandapipesNet, node_of: dict[int, str]) -> tuple[
        pd.DataFrame, pd.DataFrame]:
    consumers = pd.DataFrame({
        "name": unique_names(net.heat_consumer, "consumer_"),
        "node": [node_of[int(j)] for j in net.heat_consumer["from_junction"]],
        "design_kw": net.heat_consumer["qext_w"].to_numpy(float) / 1e3,
        "t_return_c": net.heat_consumer["treturn_k"].to_numpy(float) - K_TO_C})
    rows = []
    for table, kind in (("circ_pump_pressure", "pressure"), ("circ_pump_mass", "flow")):
        if table not in net:
            continue
        names = unique_names(net[table], "plant_" if kind == "pressure" else "plant_mass_")
        for k, (_, p) in enumerate(net[table].iterrows()):
            rows.append({"name": names[k], "node": node_of[int(p["flow_junction"])],
                         "type": kind, "t_flow_c": float(p["t_flow_k"]) - K_TO_C,
                         "p_flow_bar": float(p.get("p_flow_bar", np.nan)),
                         "plift_bar": float(p.get("plift_bar", np.nan)),
                         "mdot_kg_per_s": float(p.get("mdot_flow_kg_per_s", np.nan))})
    return consumers, pd.DataFrame(rows)


def net_plan(net: pandapipes.pandapipesNet) -> Plan:
    """The drawn network of a supply/return ``net`` (for export; see the module docstring).

    Raises ConfigError when a junction has no position or a pipe no return twin."""
    pairs, pipes = pair_network(net)
    twins = set(pipes) | set(pipes.values())
    names = unique_names(net.pipe, "pipe_")
    lonely = [names[k] for k, i in enumerate(net.pipe.index) if i not in twins]
    if lonely:
        raise ConfigError([f"heat.json: pipe '{n}': no return twin found (export-network "
                           "needs supply and return pipes in pairs)" for n in lonely[:12]])
    nodes = _node_table(net, pairs)
    node_of = {s: n for n, s in zip(nodes.index, pairs, strict=True)}
    consumers, plants = _element_table(net, node_of)
    return Plan(nodes, _pipe_table(net, pairs, pipes, nodes), consumers, plants)


def write_json(net: pandapipes.pandapipesNet, path: str) -> None:
    """``pandapipes.to_json``: the district folder's ``heat.json``."""
    pandapipes.to_json(net, path)


def read_json(path: str) -> pandapipes.pandapipesNet:
    """``pandapipes.from_json``."""
    return pandapipes.from_json(path)

"""From drawn lines and points to a :class:`~simulator.gis.plan.Plan` (numpy and scipy only).

Steps, each booked in the plan's report:

1. **joined**: a line end within ``snap_m`` of another line's interior (and of no other end)
   splits that line there (a T drawn without a vertex);
2. **snapped**: line ends (and junction points) within ``snap_m`` of each other become one node,
   at the junction point if there is one, else at the first end drawn;
3. **dropped**: lines of no length or whose ends snap to one node, duplicates (same two nodes,
   lengths within 1 %), consumers and plants farther than ``connect_m`` from every node,
   dangling pipes (a dead end with no consumer or plant, repeatedly) and everything not
   connected to the pressure-holding plant.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components
from scipy.spatial import cKDTree

from simulator.config import ConfigError
from simulator.gis.attributes import consumer_values, pipe_values, plant_values, text
from simulator.gis.plan import Plan

Lines = list[np.ndarray]  # one (k, 2) array of vertices (m) per line


def _length_m(coords: np.ndarray) -> float:
    return float(np.hypot(*np.diff(coords, axis=0).T).sum())


def _split(coords: np.ndarray, cuts_m: list[float]) -> Lines:
    """``coords`` cut at the distances ``cuts_m`` along it (m), cut points added as vertices."""
    run = np.concatenate([[0.0], np.cumsum(np.hypot(*np.diff(coords, axis=0).T))])
    pieces, start = [], 0.0
    for cut in [*sorted(cuts_m), run[-1]]:
        inner = (run > start) & (run < cut)
        ends = [np.array([np.interp(d, run, coords[:, 0]), np.interp(d, run, coords[:, 1])])
                for d in (start, cut)]
        pieces.append(np.vstack([ends[0], coords[inner], ends[1]]))
        start = cut
    return pieces


def _nearest_on_line(point: np.ndarray, coords: np.ndarray) -> tuple[float, float]:
    """Distance (m) from ``point`` to the polyline and the position along it (m)."""
    a, b = coords[:-1], coords[1:]
    ab = b - a
    t = np.clip(((point - a) * ab).sum(1) / np.maximum((ab * ab).sum(1), 1e-18), 0.0, 1.0)
    d = np.hypot(*(a + t[:, None] * ab - point).T)
    k = int(np.argmin(d))
    seg = np.hypot(*ab.T)
    return float(d[k]), float(seg[:k].sum() + t[k] * seg[k])


def join_tees(lines: Lines, names: list[str], snap_m: float, plan: Plan) -> tuple[Lines, list[int]]:
    """Split lines where another line's end touches their interior; pieces and their source."""
    ends = np.array([c[i] for c in lines for i in (0, -1)])
    tree = cKDTree(ends)
    cuts: dict[int, list[float]] = {}
    for e, point in enumerate(ends):
        if len([k for k in tree.query_ball_point(point, snap_m) if k // 2 != e // 2]):
            continue
        for j, coords in enumerate(lines):
            if j == e // 2:
                continue
            d, along = _nearest_on_line(point, coords)
            if d <= snap_m and snap_m < along < _length_m(coords) - snap_m:
                cuts.setdefault(j, []).append(along)
                plan.note("joined", f"pipe '{names[e // 2]}' {('start', 'end')[e % 2]} joins "
                          f"pipe '{names[j]}' {along:.1f} m along it (split there)")
                break
    out, source = [], []
    for j, coords in enumerate(lines):
        pieces = _split(coords, cuts[j]) if j in cuts else [coords]
        out += pieces
        source += [j] * len(pieces)
    return out, source


def cluster_nodes(lines: Lines, junction_xy: np.ndarray, snap_m: float
                  ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Node of every line end (2 per line) and junction point; node coordinates; node source
    (the point index its position came from: junction points are after the ends)."""
    points = np.vstack([np.array([c[i] for c in lines for i in (0, -1)]).reshape(-1, 2),
                        junction_xy.reshape(-1, 2)])
    pairs = cKDTree(points).query_pairs(snap_m, output_type="ndarray")
    n = len(points)
    graph = coo_matrix((np.ones(len(pairs)), (pairs[:, 0], pairs[:, 1])), shape=(n, n))
    _, label = connected_components(graph, directed=False)
    first_junction = 2 * len(lines)
    order, node_of, rep = {}, np.empty(n, dtype=int), []
    for k in range(n):
        if label[k] not in order:
            order[label[k]] = len(order)
            rep.append(k)
        node_of[k] = order[label[k]]
    for k in range(first_junction, n):  # a junction point gives its node its position
        if rep[node_of[k]] < first_junction:
            rep[node_of[k]] = k
    source = np.array(rep)
    return node_of, points[source], source


def build_plan(lines: Lines, pipes: pd.DataFrame, consumer_xy: np.ndarray,
               consumers: pd.DataFrame, plant_xy: np.ndarray, plants: pd.DataFrame,
               junction_xy: np.ndarray, junctions: pd.DataFrame, snap_m: float = 1.0,
               connect_m: float = 10.0) -> Plan:
    """The plan of drawn ``lines`` (m, projected) with their ``pipes`` attributes, consumer,
    plant and (optional) junction points. Bad attributes raise ConfigError, all at once."""
    plan = Plan(pd.DataFrame(), pd.DataFrame(), pd.DataFrame(), pd.DataFrame())
    names = [text(row, "name", f"p{k}") for k, (_, row) in enumerate(pipes.iterrows())]
    keep = [k for k, c in enumerate(lines) if len(c) >= 2 and _length_m(c) > 0]
    for k in sorted(set(range(len(lines))) - set(keep)):
        plan.note("dropped", f"pipe '{names[k]}': no length")
    pieces, source = join_tees([lines[k] for k in keep], [names[k] for k in keep], snap_m, plan)
    source = [keep[s] for s in source]
    node_of, xy, rep = cluster_nodes(pieces, junction_xy, snap_m)
    ends = np.array([c[i] for c in pieces for i in (0, -1)])
    for e, point in enumerate(ends):
        moved = float(np.hypot(*(point - xy[node_of[e]])))
        if moved > 1e-9:
            plan.note("snapped", f"pipe '{names[source[e // 2]]}' {('start', 'end')[e % 2]} "
                      f"moved {moved:.2f} m onto node n{node_of[e]}")
    problems: list[str] = []
    plan.nodes = _nodes(xy, rep, 2 * len(pieces), junctions, pipes, source, node_of)
    plan.pipes = _pipes(pieces, pipes, source, names, node_of, problems)
    plan.consumers = _points(consumer_xy, consumers, xy, connect_m, "consumer", plan, problems)
    plan.plants = _points(plant_xy, plants, xy, connect_m, "plant", plan, problems)
    if problems:
        raise ConfigError(problems)
    _drop_duplicates(plan)
    _prune(plan)
    _fill_heights(plan, consumers, plants)
    return plan


def _fill_heights(plan: Plan, consumers: pd.DataFrame, plants: pd.DataFrame) -> None:
    """Heights still missing: a consumer's or plant's ``height_m`` at its node, else 0 m."""
    for table, attrs in (("consumers", consumers), ("plants", plants)):
        if "height_m" not in attrs:
            continue
        height = dict(zip(attrs.get("name", pd.Series(dtype=str)).astype(str),
                          pd.to_numeric(attrs["height_m"], errors="coerce"), strict=False))
        for _, row in getattr(plan, table).iterrows():
            value = height.get(str(row["name"]))
            if value is not None and np.isfinite(value) and pd.isna(
                    plan.nodes.at[row["node"], "height_m"]):
                plan.nodes.at[row["node"], "height_m"] = float(value)
    missing = plan.nodes["height_m"].isna()
    if missing.any():
        plan.note("assumed", f"{int(missing.sum())} node(s) without a height: 0 m")
        plan.nodes.loc[missing, "height_m"] = 0.0


def _nodes(xy: np.ndarray, rep: np.ndarray, n_ends: int, junctions: pd.DataFrame,
           pipes: pd.DataFrame, source: list[int], node_of: np.ndarray) -> pd.DataFrame:
    """Node table: position, and height from a junction point or a pipe end's attribute."""
    nodes = pd.DataFrame({"x": xy[:, 0], "y": xy[:, 1]}, index=[f"n{k}" for k in range(len(xy))])
    nodes["height_m"] = np.nan
    for e in range(n_ends):  # line ends' heights: from_height_m / to_height_m
        key = ("from_height_m", "to_height_m")[e % 2]
        if key in pipes:
            value = pd.to_numeric(pipes[key], errors="coerce").iloc[source[e // 2]]
            if np.isfinite(value) and np.isnan(nodes["height_m"].iloc[node_of[e]]):
                nodes.iloc[node_of[e], nodes.columns.get_loc("height_m")] = float(value)
    for k, r in enumerate(rep):
        if r >= n_ends:
            row = junctions.iloc[r - n_ends]
            for column in junctions.columns:
                if column not in ("geometry", "x", "y") and pd.notna(row[column]):
                    nodes.loc[nodes.index[k], column] = row[column]
    return nodes


def _pipes(pieces: Lines, pipes: pd.DataFrame, source: list[int], names: list[str],
           node_of: np.ndarray, problems: list[str]) -> pd.DataFrame:
    rows = []
    count = np.bincount(source, minlength=len(names))
    seen: dict[int, int] = {}
    for k, coords in enumerate(pieces):
        s = source[k]
        seen[s] = seen.get(s, 0) + 1
        row = pipes.iloc[s]
        geometry_m = _length_m(coords)
        values = pipe_values(row, geometry_m, f"pipes: pipe '{names[s]}'", problems)
        if count[s] > 1:  # a split pipe: each piece its share of the given length
            values["length_m"] = float(values.get("length_m", geometry_m)) * geometry_m / sum(
                _length_m(c) for c, o in zip(pieces, source, strict=True) if o == s)
            values.pop("return_name", None)
            values.pop("supply_name", None)
        name = names[s] if count[s] == 1 else f"{names[s]}.{seen[s]}"
        rows.append({"name": name, "from_node": f"n{node_of[2 * k]}",
                     "to_node": f"n{node_of[2 * k + 1]}", **values,
                     "coords": [tuple(map(float, p)) for p in coords]})
    return pd.DataFrame(rows)


def _points(xy: np.ndarray, attrs: pd.DataFrame, node_xy: np.ndarray, connect_m: float,
            what: str, plan: Plan, problems: list[str]) -> pd.DataFrame:
    """Consumers or plants on their nearest node within ``connect_m`` (m)."""
    tree = cKDTree(node_xy)
    rows = []
    for k, (_, row) in enumerate(attrs.iterrows()):
        name = text(row, "name", f"{what}_{k}")
        where = f"{what}s: {what} '{name}'"
        values = (consumer_values if what == "consumer" else plant_values)(row, where, problems)
        d, node = tree.query(xy[k])
        if d > connect_m:
            plan.note("dropped", f"{what} '{name}': no pipe end within {connect_m:g} m "
                      f"(nearest {d:.1f} m)")
            continue
        rows.append({"name": name, "node": f"n{node}", **values})
    return pd.DataFrame(rows) if rows else pd.DataFrame(columns=["name", "node", "type"])


def _drop_duplicates(plan: Plan) -> None:
    """Pipes whose ends snapped to one node, and second pipes between the same two nodes."""
    pipes, seen, drop = plan.pipes, {}, []
    for i, row in pipes.iterrows():
        key = frozenset((row["from_node"], row["to_node"]))
        if len(key) == 1:
            plan.note("dropped", f"pipe '{row['name']}': both ends snapped to node "
                      f"{row['from_node']}")
            drop.append(i)
        elif key in seen and abs(row["length_m"] / pipes.at[seen[key], "length_m"] - 1) < 0.01:
            plan.note("dropped", f"pipe '{row['name']}': duplicate of pipe "
                      f"'{pipes.at[seen[key], 'name']}' (same nodes and length)")
            drop.append(i)
        else:
            seen.setdefault(key, i)
    plan.pipes = pipes.drop(index=drop).reset_index(drop=True)


def _prune(plan: Plan) -> None:
    """Drop dangling pipes (repeatedly), then what is not connected to the pressure plant."""
    pressure = plan.plants[plan.plants.get("type", pd.Series(dtype=str)) == "pressure"]
    if len(pressure) != 1:
        raise ConfigError([f"plants: exactly one plant of type 'pressure' (the pressure-holding "
                           f"plant) is needed, found {len(pressure)}"])
    used = set(plan.consumers["node"]) | set(plan.plants["node"])
    while True:
        ends = pd.concat([plan.pipes["from_node"], plan.pipes["to_node"]]).value_counts()
        leaves = set(ends.index[ends == 1]) - used
        dangling = plan.pipes["from_node"].isin(leaves) | plan.pipes["to_node"].isin(leaves)
        if not dangling.any():
            break
        for name in plan.pipes.loc[dangling, "name"]:
            plan.note("dropped", f"pipe '{name}': dangling (a dead end with no consumer or "
                      "plant)")
        plan.pipes = plan.pipes[~dangling].reset_index(drop=True)
    _keep_plant_component(plan, pressure["node"].iloc[0])


def _keep_plant_component(plan: Plan, slack_node: str) -> None:
    index = {n: k for k, n in enumerate(plan.nodes.index)}
    a = plan.pipes["from_node"].map(index).to_numpy(dtype=int)
    b = plan.pipes["to_node"].map(index).to_numpy(dtype=int)
    n = len(index)
    _, label = connected_components(coo_matrix((np.ones(len(a)), (a, b)), shape=(n, n)),
                                    directed=False)
    on = {node for node, k in index.items() if label[k] == label[index[slack_node]]}
    for table in ("consumers", "plants"):
        frame = getattr(plan, table)
        off = ~frame["node"].isin(on)
        for name in frame.loc[off, "name"]:
            plan.note("dropped", f"{table[:-1]} '{name}': not connected to the pressure plant")
        setattr(plan, table, frame[~off].reset_index(drop=True))
    off = ~plan.pipes["from_node"].isin(on)
    for name in plan.pipes.loc[off, "name"]:
        plan.note("dropped", f"pipe '{name}': not connected to the pressure plant")
    plan.pipes = plan.pipes[~off].reset_index(drop=True)
    used = set(plan.pipes["from_node"]) | set(plan.pipes["to_node"])
    plan.nodes = plan.nodes[plan.nodes.index.isin(used)]

"""How a pandapipes network hangs together: pipes and valves as links that are open or cut.

A pandapipes 0.16 valve (``net.valve``: ``junction``, ``element``, ``et``, ``opened``) joins
its junction either to another junction (``et == "ju"``: ``element`` is a *junction* index)
or to the end of a pipe at that junction (``et == "pi"``: ``element`` is a *pipe* index;
pandapipes moves that pipe end onto an internal node of the valve, one node per junction and
pipe, so a closed valve cuts the pipe off there). Valves of older files with
``from_junction``/``to_junction`` columns join those two junctions.

A link passes no water when it is out of service (a valve: ``opened`` false) or one of its
junctions is. :func:`topology_problems` finds, before time starts, the plants and consumers
such cuts leave without a partner, and names the cuts; :func:`reachable_consumers` answers
the same question each hour for pipes closed by events (a run-time matter: unserved heat).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import networkx as nx
import numpy as np
import pandapipes
import pandas as pd

from simulator.naming import unique_names

#: tables the simulator drives, with the prefix of their generated names
MODELLED = {"junction": "junction_", "pipe": "pipe_", "valve": "valve_",
            "heat_consumer": "consumer_", "circ_pump_pressure": "plant_",
            "circ_pump_mass": "plant_mass_"}
PLANTS = ("circ_pump_pressure", "circ_pump_mass")
JUNCTION_COLUMNS = ("junction", "from_junction", "to_junction", "return_junction",
                    "flow_junction", "element")
VALVE_KINDS = {"ju": "junction to junction", "pi": "junction to pipe"}

#: a junction (its index) or the internal node of the valves between a junction and a pipe
Node = int | tuple[str, int, int]
#: (table, kind, line) of one problem, for :class:`simulator.heat.checks.Problems`
Problem = tuple[str, str, str]


@dataclass(frozen=True)
class Link:
    """A pipe or valve between two nodes; ``cut`` says why no water passes ('' if open)."""

    what: str  # "valve 'v1'", "pipe 'p3'"
    a: Node
    b: Node
    cut: str


def in_service(frame: pd.DataFrame, column: str = "in_service") -> np.ndarray:
    """In-service mask (a missing column: all in service; only ``True`` counts)."""
    if column not in frame:
        return np.ones(len(frame), dtype=bool)
    return np.array([v is True or v is np.True_ or v == 1 for v in frame[column]], dtype=bool)


def element_names(net: pandapipes.pandapipesNet, table: str) -> list[str]:
    """The names problems and results use for ``table``'s elements."""
    return unique_names(net[table], MODELLED.get(table, f"{table}_"))


def element_tables(net: pandapipes.pandapipesNet) -> list[str]:
    """Element tables of ``net``: its components, and the modelled tables it holds."""
    names = [c.table_name() for c in getattr(net, "component_list", [])]
    names += [t for t in MODELLED if t in net and t not in names]
    return [t for t in names if t in net and isinstance(net[t], pd.DataFrame)]


def _valves(net: pandapipes.pandapipesNet) -> pd.DataFrame:
    frame = net.get("valve", None)
    return frame if isinstance(frame, pd.DataFrame) else pd.DataFrame()


def _kinds(valves: pd.DataFrame) -> list[object]:
    """``et`` of each valve; a valve without one joins two junctions (``"ju"``)."""
    return list(valves["et"]) if "et" in valves else ["ju"] * len(valves)


def valve_problems(net: pandapipes.pandapipesNet) -> list[Problem]:
    """Valve ends that point nowhere: an unknown ``et``, a ``"ju"`` element that is no
    junction (or the valve's own junction), a ``"pi"`` element that is no pipe or a pipe that
    does not end at the valve's junction. The ``junction`` column is checked with the rest."""
    valves = _valves(net)
    if not len(valves) or "from_junction" in valves or "element" not in valves:
        return []
    found: list[Problem] = []
    names = element_names(net, "valve")
    junctions = set(net.junction.index)
    for i, (j, element, kind) in enumerate(zip(valves["junction"], valves["element"],
                                               _kinds(valves), strict=True)):
        where = f"valve '{names[i]}'"
        if kind not in VALVE_KINDS:
            found.append(("valve", "et", f"{where}: et {kind!r} must be 'ju' (junction to "
                          "junction) or 'pi' (junction to pipe)"))
        elif kind == "ju" and element not in junctions:
            found.append(("valve", "element", f"{where}: element {element!r} is not a junction "
                          "index of the network (et 'ju': the valve joins two junctions)"))
        elif kind == "ju" and element == j:
            found.append(("valve", "loop", f"{where}: junction and element are the same "
                          "junction"))
        elif kind == "pi" and element not in net.pipe.index:
            found.append(("valve", "element", f"{where}: element {element!r} is not a pipe "
                          "index of the network (et 'pi': the valve sits on a pipe's end)"))
        elif kind == "pi" and j not in (net.pipe.at[element, "from_junction"],
                                        net.pipe.at[element, "to_junction"]):
            pipe = element_names(net, "pipe")[net.pipe.index.get_loc(element)]
            at = element_names(net, "junction")[net.junction.index.get_loc(j)]
            found.append(("valve", "element", f"{where}: pipe '{pipe}' (element {element}) "
                          f"does not end at its junction '{at}'"))
    return found


def _junction_cuts(net: pandapipes.pandapipesNet) -> dict[int, str]:
    """Why links at an out-of-service junction pass nothing, per junction index."""
    names = element_names(net, "junction")
    off = ~in_service(net.junction)
    return {int(j): f"junction '{names[k]}' is out of service"
            for k, j in enumerate(net.junction.index) if off[k]}


def _valve_links(net: pandapipes.pandapipesNet, off: dict[int, str]
                 ) -> tuple[list[Link], dict[tuple[int, int], Node]]:
    """The valves as links, and the pipe ends (pipe index, junction) they moved."""
    valves, pipe = _valves(net), net.pipe
    out: list[Link] = []
    moved: dict[tuple[int, int], Node] = {}
    if not len(valves):
        return out, moved
    names = element_names(net, "valve")
    opened = in_service(valves, "opened") & in_service(valves)
    shut = "closed" if "opened" in valves else "out of service"
    ends = ("from_junction", "to_junction") if "from_junction" in valves else (
        "junction", "element")
    for i, (j, e, kind) in enumerate(zip(valves[ends[0]], valves[ends[1]], _kinds(valves),
                                         strict=True)):
        if kind == "pi" and e in pipe.index and j in (pipe.at[e, "from_junction"],
                                                      pipe.at[e, "to_junction"]):
            node: Node = moved.setdefault((int(e), int(j)), ("valve", int(j), int(e)))
            at = [int(j)]
        elif kind == "ju" and e in net.junction.index and j in net.junction.index:
            node, at = int(e), [int(j), int(e)]
        else:
            continue  # bad ends: valve_problems names them
        why = "" if opened[i] else shut
        why = why or next((off[x] for x in at if x in off), "")
        out.append(Link(f"valve '{names[i]}'", int(j), node, why))
    return out, moved


def links(net: pandapipes.pandapipesNet) -> list[Link]:
    """Every pipe and valve of ``net`` as a :class:`Link` (valves with bad ends left out)."""
    off = _junction_cuts(net)
    out, moved = _valve_links(net, off)
    pipe = net.pipe
    names = element_names(net, "pipe")
    on = in_service(pipe)
    for k, (p, f, t) in enumerate(zip(pipe.index, pipe["from_junction"], pipe["to_junction"],
                                      strict=True)):
        a, b = moved.get((int(p), int(f)), int(f)), moved.get((int(p), int(t)), int(t))
        why = "" if on[k] else "out of service"
        why = why or next((off[x] for x in (int(f), int(t)) if x in off), "")
        out.append(Link(f"pipe '{names[k]}'", a, b, why))
    return out


def open_graph(net: pandapipes.pandapipesNet, all_links: list[Link]) -> nx.Graph:
    """Junctions and valve nodes, joined by the links that pass water."""
    graph = nx.Graph()
    graph.add_nodes_from(int(j) for j in net.junction.index)
    graph.add_nodes_from(n for link in all_links for n in (link.a, link.b))
    graph.add_edges_from((link.a, link.b) for link in all_links if not link.cut)
    return graph


def cuts(all_links: list[Link], island: set[Node], targets: Iterable[Node]) -> list[str]:
    """The cut links that would join ``island`` to one of ``targets`` if they were open,
    as ``"valve 'v1' (closed)"``; empty if no pipe or valve leads there at all."""
    rest = nx.Graph()
    rest.add_edges_from((ln.a, ln.b) for ln in all_links
                        if ln.a not in island and ln.b not in island)
    goal = [t for t in targets if t not in island]
    rest.add_nodes_from(goal)
    beyond = set().union(*(nx.node_connected_component(rest, t) for t in goal)) if goal else set()
    named = [f"{ln.what} ({ln.cut})" for ln in all_links if ln.cut and (
        (ln.a in island and ln.b in beyond) or (ln.b in island and ln.a in beyond))]
    return sorted(set(named))


def edges(net: pandapipes.pandapipesNet, table: str, a: str, b: str
          ) -> list[tuple[int, int, int]]:
    """``(a, b, row position)`` of the in-service elements of ``table``."""
    frame = net[table] if table in net else pd.DataFrame()
    if not len(frame):
        return []
    on = in_service(frame)
    return [(int(x), int(y), i) for i, (x, y) in
            enumerate(zip(frame[a], frame[b], strict=True)) if on[i]]


def reachable_consumers(net: pandapipes.pandapipesNet) -> np.ndarray:
    """Which consumers are fed now (pipes closed by events included): their supply junction
    has a path of open links to the flow junction of the in-service pressure-holding plant,
    and their return junction one to its return junction. A solve that leaves one of them
    without a result has failed; the others are cut off (unserved)."""
    graph = open_graph(net, links(net))
    slack = edges(net, "circ_pump_pressure", "flow_junction", "return_junction")
    if not slack:
        return np.zeros(len(net.heat_consumer), dtype=bool)
    flow = nx.node_connected_component(graph, slack[0][0])
    back = nx.node_connected_component(graph, slack[0][1])
    return np.array([int(s) in flow and int(r) in back for s, r in
                     zip(net.heat_consumer["from_junction"], net.heat_consumer["to_junction"],
                         strict=True)], dtype=bool)


@dataclass
class _Wiring:
    """The open components of a network and what sits on them, for the cut-off checks."""

    links: list[Link]
    side: dict[Node, int]  # open component of each node
    parts: list[set[Node]]
    consumers: list[tuple[int, int, int]]
    plants: dict[str, list[tuple[int, int, int]]]
    junction: dict[int, str]  # junction index -> name
    _memo: dict[tuple[frozenset[int], str], list[str]]

    @classmethod
    def of(cls, net: pandapipes.pandapipesNet) -> _Wiring:
        all_links = links(net)
        parts = [set(c) for c in nx.connected_components(open_graph(net, all_links))]
        side = {n: k for k, comp in enumerate(parts) for n in comp}
        return cls(all_links, side, parts,
                   edges(net, "heat_consumer", "from_junction", "to_junction"),
                   {t: edges(net, t, "flow_junction", "return_junction") for t in PLANTS},
                   dict(zip(net.junction.index, element_names(net, "junction"), strict=True)),
                   {})

    def ends(self, kind: str) -> list[int]:
        """Junctions of every consumer's ``supply``/``return`` or every plant's
        ``flow``/``back`` (return) side."""
        pick = {"supply": (self.consumers, 0), "return": (self.consumers, 1),
                "flow": ([e for p in self.plants.values() for e in p], 0),
                "back": ([e for p in self.plants.values() for e in p], 1)}
        rows, k = pick[kind]
        return [row[k] for row in rows]

    def sides(self, kind: str) -> set:
        """The connected sides (``side`` of each junction) that :meth:`ends` of ``kind``
        lie on."""
        return {self.side[j] for j in self.ends(kind)}

    def cut_text(self, nodes: Iterable[int], kind: str) -> list[str]:
        """The cuts between the components of ``nodes`` and the ``kind`` ends (memoised)."""
        key = (frozenset(self.side[n] for n in nodes), kind)
        if key not in self._memo:
            island = set().union(*(self.parts[k] for k in key[0]))
            self._memo[key] = cuts(self.links, island, self.ends(kind))
        return self._memo[key]


def _because(named: list[str]) -> str:
    return (f"; cut off by {', '.join(named)}" if named
            else "; no pipe or valve leads there, open or not")


def _orphans(net: pandapipes.pandapipesNet) -> list[Problem]:
    """In-service junctions no element connects to (a ``"pi"`` valve's element is a pipe)."""
    used: set[object] = set()
    for table in (t for t in element_tables(net) if t != "junction"):
        frame = net[table]
        for column in (c for c in JUNCTION_COLUMNS if c in frame):
            values = frame[column]
            if table == "valve" and column == "element":
                values = [e for e, k in zip(values, _kinds(frame), strict=True) if k == "ju"]
            used |= set(values)
    names, on = element_names(net, "junction"), in_service(net.junction)
    return [("junction", "orphan", f"junction '{names[k]}': no element connects to it")
            for k, j in enumerate(net.junction.index) if on[k] and j not in used]


def _swapped(net: pandapipes.pandapipesNet, w: _Wiring) -> list[Problem]:
    """A plant whose flow junction lies on the consumers' return side and whose return
    junction on their supply side (decided only where the two sides are apart)."""
    supply, ret = w.sides("supply"), w.sides("return")
    found = []
    for table, rows in w.plants.items():
        names = element_names(net, table) if rows else []
        for f, r, i in rows:
            if (w.side[f] in ret and w.side[f] not in supply
                    and w.side[r] in supply and w.side[r] not in ret):
                found.append((table, "swapped", f"{table} '{names[i]}': flow_junction and "
                              "return_junction are swapped (its flow side meets the "
                              "consumers' return junctions)"))
    return found


def _plant_cuts(net: pandapipes.pandapipesNet, w: _Wiring, skip: set[str],
                slack: str, reach: set[Node]) -> list[Problem]:
    """Plants whose flow side meets no consumer's supply junction or whose return side no
    consumer's return junction (islanded), and fixed-flow plants the slack cannot reach."""
    supply, ret = w.sides("supply"), w.sides("return")
    found = []
    for table, rows in w.plants.items():
        names = element_names(net, table) if rows else []
        for f, r, i in rows:
            where = f"{table} '{names[i]}'"
            if where in skip:
                continue
            why, named = [], []
            if w.side[f] not in supply:
                why.append(f"its flow junction '{w.junction[f]}' reaches no consumer's "
                           "supply junction")
                named += w.cut_text([f], "supply")
            if w.side[r] not in ret:
                why.append(f"its return junction '{w.junction[r]}' reaches no consumer's "
                           "return junction")
                named += w.cut_text([r], "return")
            if why:
                found.append((table, "islanded", f"{where}: islanded: "
                              f"{' and '.join(why)}{_because(sorted(set(named)))}"))
            elif table == "circ_pump_mass" and f not in reach:
                named = w.cut_text([f, r], "flow") + w.cut_text([f, r], "back")
                found.append((table, "cut off", f"{where}: not connected to the "
                              f"pressure-holding plant '{slack}'"
                              f"{_because(sorted(set(named)))}"))
    return found


def _consumer_cuts(net: pandapipes.pandapipesNet, w: _Wiring, slack: str,
                   reach: set[Node]) -> list[Problem]:
    """Consumers without a path to the plants' flow (supply side) or return (return side)."""
    flows = {w.side[f] for f in w.ends("flow")}
    returns = w.sides("back")
    names = element_names(net, "heat_consumer")
    found = []
    for s, r, i in w.consumers:
        if s not in reach:
            why = "no path of open pipes, valves and plants leads to it"
            named = w.cut_text([s, r], "flow") + w.cut_text([s, r], "back")
        elif w.side[s] not in flows:
            why = f"its supply junction '{w.junction[s]}' has no pipe path to a plant's flow"
            named = w.cut_text([s], "flow")
        elif w.side[r] not in returns:
            why = (f"its return junction '{w.junction[r]}' has no pipe path to a plant's "
                   "return")
            named = w.cut_text([r], "back")
        else:
            continue
        found.append(("heat_consumer", "cut off", f"heat_consumer '{names[i]}': not connected "
                      f"to the pressure-holding plant '{slack}': {why}"
                      f"{_because(sorted(set(named)))}"))
    return found


def topology_problems(net: pandapipes.pandapipesNet) -> list[Problem]:
    """Orphan junctions, swapped plants, plants islanded from every consumer (or fixed-flow
    plants from the pressure-holding one), consumers cut off from the plants; each cut off
    element with the closed valves, out-of-service pipes or junctions that cut it off.
    Needs valid junction references and exactly one in-service pressure-holding plant."""
    found = _orphans(net)
    w = _Wiring.of(net)
    swapped = _swapped(net, w)
    found += swapped
    whole = open_graph(net, w.links)
    whole.add_edges_from((s, r) for s, r, _ in w.consumers)
    whole.add_edges_from((f, r) for rows in w.plants.values() for f, r, _ in rows)
    f0, _, k = w.plants["circ_pump_pressure"][0]
    reach = nx.node_connected_component(whole, f0)
    slack = element_names(net, "circ_pump_pressure")[k]
    skip = {line.split(":")[0] for _, _, line in swapped}
    found += _plant_cuts(net, w, skip, slack, reach)
    found += _consumer_cuts(net, w, slack, reach)
    return found

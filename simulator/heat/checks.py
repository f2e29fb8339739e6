"""What a pandapipes network must be before time starts: every problem, each naming its element.

:func:`network_problems` reads a raw ``net`` (never solved) and returns ``"<table> 'name': reason"``
lines, all of them at once: elements the simulator does not model, indices that point nowhere,
missing, NaN, infinite, zero or negative values, duplicate names, junctions without connections,
the pressure-holding plant (exactly one), consumers cut off from it and plants whose flow and
return are swapped. :func:`scenario_problems` adds what depends on the scenario (initial junction
temperatures below its return temperature). :func:`load_heat` reads a JSON file through them.

A pandapipes network solves hour after hour with any of these flaws and returns zeros or NaN as
if converged (measured: a NaN design load makes every consumer's load NaN, a consumer with no
path to the plant is booked as unserved demand), so they are refused here, not found later.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import networkx as nx
import numpy as np
import pandapipes
import pandas as pd

from simulator.naming import unique_names
from simulator.netfile import read_checked

#: tables the simulator drives, with the prefix of their generated names
MODELLED = {"junction": "junction_", "pipe": "pipe_", "valve": "valve_",
            "heat_consumer": "consumer_", "circ_pump_pressure": "plant_",
            "circ_pump_mass": "plant_mass_"}
PLANTS = ("circ_pump_pressure", "circ_pump_mass")
JUNCTION_COLUMNS = ("junction", "from_junction", "to_junction", "return_junction",
                    "flow_junction", "element")
#: (table, column, rule) of every value the solve uses; rules: ``>0``, ``>=0``, ``finite``,
#: ``bool``. ``text_k``, ``treturn_k``, ``t_flow_k`` and plant flows are set by the simulator.
VALUES: tuple[tuple[str, str, str], ...] = (
    ("junction", "pn_bar", "finite"), ("junction", "tfluid_k", ">0"),
    ("junction", "height_m", "finite"), ("junction", "in_service", "bool"),
    ("pipe", "length_km", ">0"), ("pipe", "k_mm", ">=0"), ("pipe", "loss_coefficient", ">=0"),
    ("pipe", "u_w_per_m2k", ">0"), ("pipe", "sections", ">0"), ("pipe", "in_service", "bool"),
    ("valve", "loss_coefficient", ">=0"), ("valve", "opened", "bool"),
    ("heat_consumer", "qext_w", ">0"), ("heat_consumer", "in_service", "bool"),
    ("circ_pump_pressure", "p_flow_bar", "finite"), ("circ_pump_pressure", "plift_bar", ">0"),
    ("circ_pump_pressure", "in_service", "bool"), ("circ_pump_mass", "in_service", "bool"),
)
WHAT = {"qext_w": "design load, W", "u_w_per_m2k": "heat-transfer coefficient, W m-2 K-1",
        "length_km": "length", "inner_diameter_mm": "inner diameter",
        "diameter_m": "diameter", "tfluid_k": "initial temperature",
        "plift_bar": "pressure lift", "k_mm": "roughness"}
RULE = {">0": "must be a positive number", ">=0": "must be a number >= 0",
        "finite": "must be a finite number", "bool": "must be true or false"}
#: problems of one kind shown per table before they are counted
SHOWN = 12


def _tables(net: pandapipes.pandapipesNet) -> list[str]:
    """Element tables of ``net``: its components, and the modelled tables it holds."""
    names = [c.table_name() for c in getattr(net, "component_list", [])]
    names += [t for t in MODELLED if t in net and t not in names]
    return [t for t in names if t in net and isinstance(net[t], pd.DataFrame)]


def _names(net: pandapipes.pandapipesNet, table: str) -> list[str]:
    return unique_names(net[table], MODELLED.get(table, f"{table}_"))


def _on(frame: pd.DataFrame) -> np.ndarray:
    """In-service mask (a missing column: all in service; only ``True`` counts)."""
    if "in_service" not in frame:
        return np.ones(len(frame), dtype=bool)
    return np.array([v is True or v is np.True_ or v == 1 for v in frame["in_service"]])


def _bad(values: pd.Series, rule: str) -> np.ndarray:
    if rule == "bool":
        return ~values.map(lambda v: isinstance(v, bool | np.bool_)
                           or (isinstance(v, int | float) and v in (0, 1))).to_numpy()
    x = pd.to_numeric(values, errors="coerce").to_numpy(dtype=float)
    bad = ~np.isfinite(x)
    if rule == ">0":
        bad |= ~(x > 0)
    elif rule == ">=0":
        bad |= ~(x >= 0)
    return bad


def _show(value: object) -> str:
    """A cell as a user wrote it: ``-0.3``, ``nan``, ``'abc'``, ``None``."""
    if isinstance(value, bool | np.bool_):
        return str(bool(value)).lower()
    if isinstance(value, int | float | np.integer | np.floating):
        return f"{float(value):g}"
    return repr(value)


class Problems:
    """Problem lines grouped by (table, kind), at most :data:`SHOWN` of each, then a count."""

    def __init__(self) -> None:
        self._groups: dict[tuple[str, str], list[str]] = {}

    def add(self, table: str, kind: str, line: str) -> None:
        self._groups.setdefault((table, kind), []).append(line)

    def lines(self) -> list[str]:
        out = []
        for (table, _), lines in self._groups.items():
            out += lines[:SHOWN]
            if len(lines) > SHOWN:
                out.append(f"{table}: {len(lines) - SHOWN} more element(s) with the same problem")
        return out

    def __bool__(self) -> bool:
        return bool(self._groups)


def _value_problems(net: pandapipes.pandapipesNet, found: Problems) -> None:
    diameter = ("inner_diameter_mm" if "inner_diameter_mm" in net.pipe else "diameter_m")
    rules = [*VALUES, ("pipe", diameter, ">0")]
    if "valve" in net and len(net.valve):
        rules.append(("valve", "inner_diameter_mm" if "inner_diameter_mm" in net.valve
                      else "diameter_m", ">0"))
    for table, column, rule in rules:
        if table not in net or not len(net[table]):
            continue
        frame = net[table]
        if column not in frame:
            if rule != "finite":  # an absent height or pressure is pandapipes' default
                found.add(table, column, f"{table}: column '{column}' is missing ({RULE[rule]})")
            continue
        names = _names(net, table)
        what = f" ({WHAT[column]})" if column in WHAT else ""
        for i in np.flatnonzero(_bad(frame[column], rule)):
            found.add(table, column, f"{table} '{names[i]}': {column}{what} is "
                      f"{_show(frame[column].iloc[i])}; {RULE[rule]}")
    for table in _tables(net):  # every flag a pipeflow reads must be true or false
        for column in ("in_service", "opened"):
            if column in net[table] and (table, column) not in {(t, c) for t, c, _ in rules}:
                names = _names(net, table)
                for i in np.flatnonzero(_bad(net[table][column], "bool")):
                    found.add(table, column, f"{table} '{names[i]}': {column} is "
                              f"{_show(net[table][column].iloc[i])}; must be true or false")
    pipe = net.pipe
    if "outer_diameter_mm" in pipe and "inner_diameter_mm" in pipe and len(pipe):
        outer = pd.to_numeric(pipe["outer_diameter_mm"], errors="coerce").to_numpy(dtype=float)
        inner = pd.to_numeric(pipe["inner_diameter_mm"], errors="coerce").to_numpy(dtype=float)
        names = _names(net, "pipe")
        for i in np.flatnonzero(np.isfinite(outer) & (outer < inner)):
            found.add("pipe", "outer", f"pipe '{names[i]}': outer_diameter_mm {outer[i]:g} is "
                      f"below inner_diameter_mm {inner[i]:g}")


def _reference_problems(net: pandapipes.pandapipesNet, found: Problems) -> bool:
    """Junction indices that point nowhere, and elements whose two ends are one junction."""
    junctions = set(net.junction.index)
    ok = True
    for table in _tables(net):
        frame = net[table]
        if table == "junction" or not len(frame):
            continue
        names = _names(net, table)
        for column in (c for c in JUNCTION_COLUMNS if c in frame):
            for i, value in enumerate(frame[column]):
                if value not in junctions:
                    ok = False
                    found.add(table, column, f"{table} '{names[i]}': {column} {value!r} is not "
                              "a junction index of the network")
        ends = [c for c in (("from_junction", "to_junction"), ("flow_junction", "return_junction"),
                            ("junction", "element")) if c[0] in frame and c[1] in frame]
        for a, b in ends[:1]:
            for i in np.flatnonzero(frame[a].to_numpy() == frame[b].to_numpy()):
                found.add(table, "loop", f"{table} '{names[i]}': {a} and {b} are the same "
                          "junction")
    return ok


def _duplicate_problems(net: pandapipes.pandapipesNet, found: Problems) -> None:
    groups = [("junction",), ("pipe",), ("valve",), ("heat_consumer",), PLANTS]
    for tables in groups:
        seen: dict[str, list[str]] = {}
        for table in tables:
            if table in net and "name" in net[table]:
                for i, name in zip(net[table].index, net[table]["name"], strict=True):
                    if isinstance(name, str) and name.strip():
                        seen.setdefault(name, []).append(f"{table} {i}")
        for name, where in seen.items():
            if len(where) > 1:
                found.add(tables[0], "duplicate", f"{tables[0]} '{name}': name used by "
                          f"{len(where)} elements ({', '.join(where)}); names must be unique")


def _unmodelled_problems(net: pandapipes.pandapipesNet, found: Problems) -> None:
    for table in _tables(net):
        if table in MODELLED or not len(net[table]):
            continue
        names = _names(net, table)
        for i in np.flatnonzero(_on(net[table])):
            found.add(table, "unmodelled", f"{table} '{names[i]}': an element the simulator "
                      f"does not model (it models {', '.join(MODELLED)}); remove it or set "
                      "in_service to false")


def _plant_count_problems(net: pandapipes.pandapipesNet, found: Problems) -> None:
    frame = net["circ_pump_pressure"] if "circ_pump_pressure" in net else pd.DataFrame()
    on = np.flatnonzero(_on(frame)) if len(frame) else []
    if len(on) != 1:
        names = _names(net, "circ_pump_pressure") if len(frame) else []
        listed = ", ".join(f"'{names[i]}'" for i in on)
        found.add("circ_pump_pressure", "count", "circ_pump_pressure: exactly one in-service "
                  f"pressure-holding plant (circ_pump_const_pressure) is needed, found {len(on)}"
                  + (f" ({listed})" if listed else ""))
    if "heat_consumer" not in net or not len(net.heat_consumer):
        found.add("heat_consumer", "count", "heat_consumer: the network has no heat consumer "
                  "(their qext_w are the design loads)")


def network_problems(net: pandapipes.pandapipesNet) -> list[str]:
    """Every problem of a pandapipes network as ``"<table> 'name': reason"`` lines."""
    found = Problems()
    if "junction" not in net or not isinstance(net["junction"], pd.DataFrame):
        return ["junction: the network has no junction table"]
    if "pipe" not in net:
        return ["pipe: the network has no pipe table"]
    _plant_count_problems(net, found)
    _unmodelled_problems(net, found)
    refs_ok = _reference_problems(net, found)
    _value_problems(net, found)
    _duplicate_problems(net, found)
    consumers = net["heat_consumer"] if "heat_consumer" in net else pd.DataFrame()
    if len(consumers):
        names = _names(net, "heat_consumer")
        for i in np.flatnonzero(~_on(consumers)):
            found.add("heat_consumer", "off", f"heat_consumer '{names[i]}': out of service: "
                      "its demand would go unserved every hour; remove it or put it in service")
    slack = net["circ_pump_pressure"] if "circ_pump_pressure" in net else pd.DataFrame()
    if refs_ok and len(slack) and _on(slack).sum() == 1 and len(consumers):
        _topology_problems(net, found)
    return found.lines()


def _edges(net: pandapipes.pandapipesNet, table: str, a: str, b: str
           ) -> Iterable[tuple[int, int, int]]:
    frame = net[table] if table in net else pd.DataFrame()
    if not len(frame):
        return []
    on = _on(frame)
    if table == "valve":
        on &= frame["opened"].to_numpy(dtype=bool)
    return [(int(x), int(y), i) for i, (x, y) in
            enumerate(zip(frame[a], frame[b], strict=True)) if on[i]]


def reachable_consumers(net: pandapipes.pandapipesNet) -> np.ndarray:
    """Which consumers are fed now (pipes closed by events included): their supply junction
    has a path of in-service pipes and open valves to the flow junction of the in-service
    pressure-holding plant, and their return junction one to its return junction. A solve
    that leaves one of them without a result has failed; the others are cut off (unserved)."""
    pipes = nx.Graph()
    pipes.add_nodes_from(net.junction.index)
    valve = ("from_junction", "to_junction") if "from_junction" in net.get("valve", ()) else (
        "junction", "element")
    for table, ends in (("pipe", ("from_junction", "to_junction")), ("valve", valve)):
        pipes.add_edges_from((x, y) for x, y, _ in _edges(net, table, *ends))
    slack = _edges(net, "circ_pump_pressure", "flow_junction", "return_junction")
    if not slack:
        return np.zeros(len(net.heat_consumer), dtype=bool)
    flow = nx.node_connected_component(pipes, slack[0][0])
    back = nx.node_connected_component(pipes, slack[0][1])
    return np.array([int(s) in flow and int(r) in back for s, r in
                     zip(net.heat_consumer["from_junction"], net.heat_consumer["to_junction"],
                         strict=True)], dtype=bool)


def _topology_problems(net: pandapipes.pandapipesNet, found: Problems) -> None:
    """Orphan junctions, consumers cut off from the slack plant, swapped plants."""
    junctions = _names(net, "junction")
    at = {j: k for k, j in enumerate(net.junction.index)}
    used = set()
    for table in _tables(net):
        for column in (c for c in JUNCTION_COLUMNS if c in net[table] and table != "junction"):
            used |= set(net[table][column])
    for j in net.junction.index[_on(net.junction)]:
        if j not in used:
            found.add("junction", "orphan", f"junction '{junctions[at[j]]}': no element "
                      "connects to it")
    pipes = nx.Graph()
    pipes.add_nodes_from(net.junction.index)
    pipes.add_edges_from((x, y) for x, y, _ in _edges(net, "pipe", "from_junction", "to_junction"))
    valve = ("from_junction", "to_junction") if "from_junction" in net.get("valve", ()) else (
        "junction", "element")  # a junction-to-junction valve of older files
    pipes.add_edges_from((x, y) for x, y, _ in _edges(net, "valve", *valve))
    side = {j: k for k, comp in enumerate(nx.connected_components(pipes)) for j in comp}
    consumers = _edges(net, "heat_consumer", "from_junction", "to_junction")
    plants = {t: _edges(net, t, "flow_junction", "return_junction") for t in PLANTS}
    _swapped(net, found, side, consumers, plants)
    whole = pipes.copy()
    whole.add_edges_from((x, y) for x, y, _ in consumers)
    for edges in plants.values():
        whole.add_edges_from((x, y) for x, y, _ in edges)
    slack = plants["circ_pump_pressure"][0]
    reach = nx.node_connected_component(whole, slack[0])
    flows = {side[f] for edges in plants.values() for f, _, _ in edges}
    returns = {side[r] for edges in plants.values() for _, r, _ in edges}
    names = _names(net, "heat_consumer")
    plant = _names(net, "circ_pump_pressure")[slack[2]]
    for s, r, i in consumers:
        if s not in reach:
            why = "no path of in-service pipes and plants leads to it"
        elif side[s] not in flows:
            why = f"its supply junction '{junctions[at[s]]}' has no pipe path to a plant's flow"
        elif side[r] not in returns:
            why = f"its return junction '{junctions[at[r]]}' has no pipe path to a plant's return"
        else:
            continue
        found.add("heat_consumer", "cut off", f"heat_consumer '{names[i]}': not connected to "
                  f"the pressure-holding plant '{plant}': {why}")
    mass = _names(net, "circ_pump_mass") if "circ_pump_mass" in net else []
    for f, _, i in plants["circ_pump_mass"]:
        if f not in reach:
            found.add("circ_pump_mass", "cut off", f"circ_pump_mass '{mass[i]}': not connected "
                      f"to the pressure-holding plant '{plant}'")


def _swapped(net: pandapipes.pandapipesNet, found: Problems, side: dict[int, int],
             consumers: list[tuple[int, int, int]],
             plants: dict[str, list[tuple[int, int, int]]]) -> None:
    """A plant whose flow junction lies on the consumers' return side and whose return
    junction on their supply side (decided only where the two sides are apart)."""
    supply = {side[s] for s, _, _ in consumers}
    ret = {side[r] for _, r, _ in consumers}
    for table, edges in plants.items():
        names = _names(net, table) if edges else []
        for f, r, i in edges:
            if (side[f] in ret and side[f] not in supply
                    and side[r] in supply and side[r] not in ret):
                found.add(table, "swapped", f"{table} '{names[i]}': flow_junction and "
                          "return_junction are swapped (its flow side meets the consumers' "
                          "return junctions)")


def scenario_problems(net: pandapipes.pandapipesNet, t_return_k: float) -> list[str]:
    """What the scenario's return temperature (K) asks of the network: initial junction
    temperatures not below it (pandapipes starts consumers' flows from them, facts §1)."""
    found = Problems()
    names = _names(net, "junction")
    t = pd.to_numeric(net.junction["tfluid_k"], errors="coerce").to_numpy(dtype=float)
    for i in np.flatnonzero(_on(net.junction) & (t < t_return_k)):
        found.add("junction", "cold", f"junction '{names[i]}': initial temperature tfluid_k "
                  f"{t[i]:.2f} K is below the return temperature {t_return_k:.2f} K")
    return found.lines()


def read_net(path: Path) -> tuple[pandapipes.pandapipesNet | None, list[str]]:
    """A network written with ``pandapipes.to_json`` and its problems; None if unreadable."""
    return read_checked(path, pandapipes.from_json, pandapipes.pandapipesNet, "pandapipes",
                        network_problems)

"""What a pandapipes network must be before time starts: every problem, each naming its element.

:func:`network_problems` reads a raw ``net`` (never solved) and returns ``"<table> 'name': reason"``
lines, all of them at once: elements the simulator does not model, indices that point nowhere,
missing, NaN, infinite, zero or negative values, duplicate names, junctions without connections,
the pressure-holding plant (exactly one), plants islanded and consumers cut off by closed
valves or out-of-service pipes (:mod:`simulator.heat.topology`, naming the cuts) and plants
whose flow and return are swapped. :func:`scenario_problems` adds what depends on the scenario
(initial junction temperatures below its return temperature). :func:`read_net` reads a JSON
file through them.

A pandapipes network solves hour after hour with any of these flaws and returns zeros or NaN as
if converged (measured: a NaN design load makes every consumer's load NaN, a consumer with no
path to the plant is booked as unserved demand), so they are refused here, not found later.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandapipes
import pandas as pd

from simulator.heat.topology import (
    JUNCTION_COLUMNS,
    MODELLED,
    PLANTS,
    element_names,
    element_tables,
    in_service,
    topology_problems,
    valve_problems,
)
from simulator.netfile import read_checked

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


_tables = element_tables
_names = element_names
_on = in_service


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
    """Junction (and a valve's pipe) indices that point nowhere, and elements whose two ends
    are one junction. A valve's ``element`` is a junction or a pipe by its ``et``
    (:func:`simulator.heat.topology.valve_problems`), never read as a junction here."""
    junctions = set(net.junction.index)
    ok = True
    for table in _tables(net):
        frame = net[table]
        if table == "junction" or not len(frame):
            continue
        names = _names(net, table)
        valve = table == "valve" and "from_junction" not in frame
        for column in (c for c in JUNCTION_COLUMNS if c in frame
                       and not (valve and c == "element")):
            for i, value in enumerate(frame[column]):
                if value not in junctions:
                    ok = False
                    found.add(table, column, f"{table} '{names[i]}': {column} {value!r} is not "
                              "a junction index of the network")
        ends = [c for c in (("from_junction", "to_junction"), ("flow_junction", "return_junction"))
                if c[0] in frame and c[1] in frame]
        for a, b in ends[:1]:
            for i in np.flatnonzero(frame[a].to_numpy() == frame[b].to_numpy()):
                found.add(table, "loop", f"{table} '{names[i]}': {a} and {b} are the same "
                          "junction")
    if ok:  # a valve's pipe is looked up only when every junction index is sound
        for table, kind, line in valve_problems(net):
            ok = False
            found.add(table, kind, line)
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
        for table, kind, line in topology_problems(net):
            found.add(table, kind, line)
    return found.lines()


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

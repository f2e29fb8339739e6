"""What a pandapower grid must be before time starts: every problem, each naming its element.

:func:`network_problems` returns ``"<table> 'name': reason"`` lines, all at once. Value ranges,
bus references and voltage levels come from pandapower's own diagnostic (``InvalidValues``,
``MissingBusIndices``, ``DifferentVoltageLevelsConnected``: its documented input restrictions,
not its plausibility limits on transformer short-circuit voltages, nor its sign rule on a
transformer's no-load current); added here: references in every other table, flags that are
not true or false, infinite values, branches whose two ends are one bus, zero-impedance lines
and impedances, transformer tap positions outside their own range (2- and 3-winding), voltage
set points outside 0.8..1.2 p.u., a missing or out-of-service external grid and duplicate
names. :func:`bus_problems` says why a bus cannot carry a unit (out of service, or no path to
an in-service external grid). pandapower 3.3's pandera schemas were tried first and left:
they reject pandapower's own example networks on column dtypes.
"""

from __future__ import annotations

from pathlib import Path

import networkx as nx
import numpy as np
import pandapower
import pandas as pd
from pandapower import topology
from pandapower.diagnostic.diagnostic_functions import (
    DifferentVoltageLevelsConnected,
    InvalidValues,
    MissingBusIndices,
)

from simulator.naming import unique_names
from simulator.netfile import read_checked

PREFIX = {"bus": "bus_", "line": "line_", "trafo": "trafo_"}
BUS_COLUMNS = ("bus", "from_bus", "to_bus", "hv_bus", "mv_bus", "lv_bus")
#: pandapower's plausibility limits (vk < 20 %, vkr < 15 %): real transformers exceed them
PLAUSIBILITY = {"<15", "<20"}
FINITE = {"bus": ("vn_kv",), "line": ("length_km", "r_ohm_per_km", "x_ohm_per_km",
                                      "c_nf_per_km", "max_i_ka"),
          "trafo": ("sn_mva", "vn_hv_kv", "vn_lv_kv", "vk_percent", "vkr_percent"),
          "load": ("p_mw", "q_mvar", "scaling"), "sgen": ("p_mw", "q_mvar", "scaling"),
          "gen": ("p_mw", "vm_pu"), "ext_grid": ("vm_pu", "va_degree"),
          "shunt": ("p_mw", "q_mvar"), "impedance": ("rft_pu", "xft_pu", "sn_mva"),
          "storage": ("p_mw", "q_mvar")}
SHOWN = 12
#: columns whose negative values the diagnostic flags but the power flow takes (see _allowed):
#: pandapower's own case118 ships four transformers with a negative no-load current and runpp
#: solves it; such values are warnings (network_warnings), not refusals
NEGATIVE_ALLOWED = {("trafo", "i0_percent"), ("trafo3w", "i0_percent")}
#: plausible voltage set points of external grids and generators (p.u.): pandapower's bundled
#: cases set 0.85..1.18
VM_SETPOINT_PU = (0.8, 1.2)
#: flags pandapower's InvalidValues checks itself
LIBRARY_FLAGS = {*((t, "in_service") for t in ("bus", "line", "trafo", "trafo3w", "load",
                                               "sgen", "gen")), ("switch", "closed")}


def _names(net: pandapower.pandapowerNet, table: str) -> dict[int, str]:
    return dict(zip(net[table].index, unique_names(net[table], PREFIX.get(table, f"{table}_")),
                    strict=True))


def _tables(net: pandapower.pandapowerNet) -> list[str]:
    return [t for t in net if isinstance(net[t], pd.DataFrame) and len(net[t])
            and not t.startswith(("res_", "_")) and t not in ("std_types", "bus_geodata")]


def _allowed(table: str, column: str, value: object) -> bool:
    """A value pandapower's diagnostic calls invalid that its power flow takes as data: a
    negative no-load current (``i0_percent``), which MATPOWER conversions give transformers
    with a capacitive magnetising branch (case118, case300)."""
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return False
    return (table, column) in NEGATIVE_ALLOWED and np.isfinite(number) and number < 0.0


def _library_problems(net: pandapower.pandapowerNet) -> list[str]:
    out = []
    levels = DifferentVoltageLevelsConnected().diagnostic(net) or {}
    for key, table in (("lines", "line"), ("switches", "switch")):
        names = _names(net, table) if levels.get(key) else {}
        out += [f"{table} '{names[i]}': connects buses of different nominal voltage (vn_kv); "
                "only a transformer may" for i in levels.get(key, [])]
    invalid = InvalidValues().diagnostic(net) or {}
    for table, rows in invalid.items():
        names = _names(net, table)
        out += [f"{table} '{names.get(i, i)}': {column} is {value}; must be "
                f"{'a number' if rule == 'number' else rule.replace('_', ' ')}"
                for i, column, value, rule in rows
                if rule not in PLAUSIBILITY and not _allowed(table, column, value)]
    return out


def network_warnings(net: pandapower.pandapowerNet) -> list[str]:
    """Unusual values a power flow still solves (e.g. a negative transformer ``i0_percent``),
    as ``"<table> 'name': ..."`` lines; printed by validate and run, kept in the cube."""
    out = []
    invalid = InvalidValues().diagnostic(net) or {}
    for table, rows in invalid.items():
        names = _names(net, table)
        out += [f"{table} '{names.get(i, i)}': {column} is {value}; unusual (pandapower "
                f"expects {rule.replace('_', ' ')}) but solvable, kept"
                for i, column, value, rule in rows if _allowed(table, column, value)]
    return _capped(out)


def _reference_problems(net: pandapower.pandapowerNet) -> list[str]:
    buses = set(net.bus.index)
    out = []
    for table in _tables(net):
        if table == "bus":
            continue
        names = _names(net, table)
        for column in (c for c in BUS_COLUMNS if c in net[table]):
            out += [f"{table} '{names[i]}': {column} {b!r} is not a bus index of the grid"
                    for i, b in zip(net[table].index, net[table][column], strict=True)
                    if b not in buses]
    switch = net.switch if "switch" in net else pd.DataFrame()
    if len(switch):
        names = _names(net, "switch")
        kinds = {"b": "bus", "l": "line", "t": "trafo", "t3": "trafo3w"}
        for i, et, element in zip(switch.index, switch["et"], switch["element"], strict=True):
            table = kinds.get(et)
            if table is None or element not in net[table].index:
                out.append(f"switch '{names[i]}': element {element!r} is not a "
                           f"{table or repr(et)} index of the grid")
    return out


def _is_flag(value: object) -> bool:
    return isinstance(value, bool | np.bool_) or (
        isinstance(value, int | float | np.integer | np.floating) and value in (0, 1))


def _value_problems(net: pandapower.pandapowerNet) -> list[str]:
    out = []
    for table in _tables(net):  # every flag a power flow reads must be true or false
        for column in ("in_service", "closed", "slack"):
            if column in net[table] and (table, column) not in LIBRARY_FLAGS:
                names = _names(net, table)
                out += [f"{table} '{names[i]}': {column} is {v!r}; must be true or false"
                        for i, v in zip(net[table].index, net[table][column], strict=True)
                        if not _is_flag(v)]
    for table, columns in FINITE.items():
        if table not in net or not len(net[table]):
            continue
        names = _names(net, table)
        for column in (c for c in columns if c in net[table]):
            x = pd.to_numeric(net[table][column], errors="coerce").to_numpy(dtype=float)
            out += [f"{table} '{names[i]}': {column} is {x[k]:g}; must be a finite number"
                    for k, i in enumerate(net[table].index) if np.isinf(x[k])]
    for table, a, b in (("line", "from_bus", "to_bus"), ("trafo", "hv_bus", "lv_bus")):
        if len(net[table]):
            names = _names(net, table)
            same = net[table][a].to_numpy() == net[table][b].to_numpy()
            out += [f"{table} '{names[i]}': {a} and {b} are the same bus"
                    for i in net[table].index[same]]
    if len(net.line):
        names = _names(net, "line")
        zero = (net.line["r_ohm_per_km"] == 0) & (net.line["x_ohm_per_km"] == 0)
        out += [f"line '{names[i]}': zero impedance (r_ohm_per_km and x_ohm_per_km are 0)"
                for i in net.line.index[zero.to_numpy()]]
    if len(net.trafo):
        names = _names(net, "trafo")
        over = net.trafo["vkr_percent"] > net.trafo["vk_percent"]
        out += [f"trafo '{names[i]}': vkr_percent above vk_percent" for i in
                net.trafo.index[over.to_numpy()]]
    if "impedance" in net and len(net.impedance):
        names = _names(net, "impedance")
        zero = (net.impedance["rft_pu"] == 0) & (net.impedance["xft_pu"] == 0)
        out += [f"impedance '{names[i]}': zero impedance (rft_pu and xft_pu are 0)"
                for i in net.impedance.index[zero.to_numpy()]]
    return out


def _tap_problems(net: pandapower.pandapowerNet) -> list[str]:
    """Transformers (2- and 3-winding) whose tap position lies outside their own tap range, or
    whose range is upside down: pandapower solves them at a ratio no tap changer can reach."""
    out = []
    for table in ("trafo", "trafo3w"):
        if table not in net or not len(net[table]):
            continue
        names = _names(net, table)
        for prefix in ("tap", "tap2"):
            columns = [f"{prefix}_{c}" for c in ("pos", "min", "max")]
            if not all(c in net[table] for c in columns):
                continue
            pos, lo, hi = (pd.to_numeric(net[table][c], errors="coerce").to_numpy(dtype=float)
                           for c in columns)
            for k, i in enumerate(net[table].index):
                if not np.isfinite([pos[k], lo[k], hi[k]]).all():
                    continue
                where = f"{table} '{names[i]}' ({table} index {i})"
                if lo[k] > hi[k]:
                    out.append(f"{where}: {prefix}_min {lo[k]:g} is above {prefix}_max "
                               f"{hi[k]:g}")
                elif not lo[k] <= pos[k] <= hi[k]:
                    out.append(f"{where}: {prefix}_pos {pos[k]:g} is outside its range "
                               f"{prefix}_min..{prefix}_max = {lo[k]:g}..{hi[k]:g}")
    return out


def _setpoint_problems(net: pandapower.pandapowerNet) -> list[str]:
    """Voltage set points (``vm_pu`` of external grids and generators) outside
    :data:`VM_SETPOINT_PU`: no grid is operated there, and every bus would follow them."""
    out = []
    low, high = VM_SETPOINT_PU
    for table in ("ext_grid", "gen"):
        if table not in net or not len(net[table]) or "vm_pu" not in net[table]:
            continue
        names = _names(net, table)
        vm = pd.to_numeric(net[table]["vm_pu"], errors="coerce").to_numpy(dtype=float)
        out += [f"{table} '{names[i]}': vm_pu is {vm[k]:g}; a voltage set point must lie "
                f"within {low:g}..{high:g} p.u." for k, i in enumerate(net[table].index)
                if np.isfinite(vm[k]) and not low <= vm[k] <= high]
    return out


def _slack_problems(net: pandapower.pandapowerNet) -> list[str]:
    ext = net.ext_grid
    on = int(ext["in_service"].astype(bool).sum()) if len(ext) else 0
    slack_gens = int((net.gen["slack"].astype(bool) & net.gen["in_service"].astype(bool)).sum()
                     ) if len(net.gen) and "slack" in net.gen else 0
    if on + slack_gens:
        return []
    what = "no ext_grid" if not len(ext) else f"its {len(ext)} ext_grid(s) are out of service"
    return [f"ext_grid: {what}; the power flow needs an in-service external grid (its slack)"]


def _duplicate_problems(net: pandapower.pandapowerNet) -> list[str]:
    out = []
    for table in ("bus", "line", "trafo"):
        names = net[table]["name"] if "name" in net[table] else pd.Series(dtype=object)
        named = names[names.map(lambda n: isinstance(n, str) and bool(n.strip()))]
        for name, count in named.value_counts().items():
            if count > 1:
                where = ", ".join(str(i) for i in named.index[named == name])
                out.append(f"{table} '{name}': name used by {count} elements ({table} {where}); "
                           "names must be unique")
    return out


def _capped(lines: list[str]) -> list[str]:
    """At most :data:`SHOWN` lines per table, then a count."""
    kept: dict[str, list[str]] = {}
    for line in lines:
        kept.setdefault(line.split(" ", 1)[0].split(":", 1)[0], []).append(line)
    out = []
    for table, group in kept.items():
        out += group[:SHOWN]
        if len(group) > SHOWN:
            out.append(f"{table}: {len(group) - SHOWN} more problem(s) of this table")
    return out


def network_problems(net: pandapower.pandapowerNet) -> list[str]:
    """Every problem of a pandapower grid as ``"<table> 'name': reason"`` lines."""
    if not isinstance(net.get("bus"), pd.DataFrame) or not len(net.bus):
        return ["bus: the grid has no buses"]
    refs = _reference_problems(net)
    if refs:  # pandapower's own checks index buses by these values
        return _capped(refs + _duplicate_problems(net))
    missing = MissingBusIndices().diagnostic(net) or {}
    refs = [f"{t} {i}: {c} {b!r} is not a bus index" for t, rows in missing.items()
            for i, c, b in rows]
    return _capped(refs + _library_problems(net) + _value_problems(net) + _tap_problems(net)
                   + _setpoint_problems(net) + _slack_problems(net) + _duplicate_problems(net))


def supplied_buses(net: pandapower.pandapowerNet) -> set[int]:
    """Buses with a path of in-service, closed branches to an in-service external grid."""
    graph = topology.create_nxgraph(net, respect_switches=True, include_out_of_service=False)
    sources = set(net.ext_grid.loc[net.ext_grid["in_service"].astype(bool), "bus"])
    if len(net.gen) and "slack" in net.gen:
        sources |= set(net.gen.loc[net.gen["slack"].astype(bool)
                                   & net.gen["in_service"].astype(bool), "bus"])
    out: set[int] = set()
    for component in nx.connected_components(graph):
        if component & sources:
            out |= component
    return out


def bus_problems(net: pandapower.pandapowerNet, buses: list[str]) -> dict[str, str]:
    """Why each named bus cannot carry a unit: out of service, or cut off from every external
    grid; buses without problems are left out."""
    names = _names(net, "bus")
    index = {name: i for i, name in names.items()}
    supplied = supplied_buses(net)
    out = {}
    for name in dict.fromkeys(buses):
        i = index.get(name)
        if i is None:
            continue  # unknown names are the wiring check's
        if not bool(net.bus.at[i, "in_service"]):
            out[name] = "the bus is out of service"
        elif i not in supplied:
            out[name] = "the bus is isolated: no in-service path to an external grid"
    return out


def read_net(path: Path) -> tuple[pandapower.pandapowerNet | None, list[str]]:
    """A grid written with ``pandapower.to_json`` and its problems; None if unreadable."""
    return read_checked(path, pandapower.from_json, pandapower.pandapowerNet, "pandapower",
                        network_problems)

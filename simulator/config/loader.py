"""Reading scenario YAML: paths, overrides, validation and error lines (config room).

A scenario file is validated in one pass; every problem is reported at once as
``file.yaml: dotted.key: reason`` through :class:`ConfigError`. Relative paths in a
scenario are resolved against the directory of the YAML file that names them.
"""

from __future__ import annotations

import copy
import re
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from simulator.config.effect import effect_problems
from simulator.config.errors import ConfigError
from simulator.config.events import EVENT_TAGS
from simulator.config.schema import Scenario
from simulator.config.units import UNION_TAGS
from simulator.supply.carbon import FUEL_EUR_PER_MWH, FUEL_T_PER_TJ

#: Keys whose string values are paths, resolved against the YAML file's directory.
_PATH_KEYS = {"district", "file", "profiles"}


def _format_loc(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif part in UNION_TAGS or part in EVENT_TAGS:
            continue  # pydantic union tags: not keys the user wrote
        else:
            out += ("." if out else "") + str(part)
    return out or "(top level)"


def _resolve_paths(node: Any, base: Path) -> None:
    """Make every path value (keys in ``_PATH_KEYS``) absolute, in place, at any depth."""
    items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(
        node, list) else ()
    for key, value in list(items):
        if key in _PATH_KEYS and isinstance(value, str):
            node[key] = str((base / value).resolve())
        else:
            _resolve_paths(value, base)


def _path_values(node: Any, loc: str = "") -> list[tuple[str, str]]:
    """(dotted key, path) of every path value in a dumped scenario."""
    out: list[tuple[str, str]] = []
    items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(
        node, list) else ()
    for key, value in items:
        where = f"{loc}[{key}]" if isinstance(key, int) else f"{loc}.{key}" if loc else key
        if key in _PATH_KEYS and isinstance(value, str):
            out.append((where, value))
        else:
            out.extend(_path_values(value, where))
    return out


def resolve_key(raw: Any, dotted: str) -> tuple[str, str | None]:
    """``dotted`` with list items named by index, and why it cannot address ``raw`` (or None).

    A list item is addressed by its index (``units.0.heat_mw``) or, when the items are mappings
    with a ``name``, by that name (``units.ground_hp.heat_mw`` -> ``units.0.heat_mw``), which
    survives units being added or reordered in the base scenario. The sweep keys and the
    command line's ``--set`` both go through here.
    """
    node = raw
    parts = dotted.split(".")
    out: list[str] = []
    for depth, part in enumerate(parts):
        here = ".".join(parts[:depth]) or "(top level)"
        if not part:
            return dotted, "an empty part between dots"
        if isinstance(node, list):
            names = [item.get("name") if isinstance(item, dict) else None for item in node]
            if part in names:
                part = str(names.index(part))
            elif not re.fullmatch(r"\d+", part):
                known = ", ".join(str(n) for n in names if n is not None)
                return dotted, f"'{here}' has no item named '{part}' (index or name: {known})"
            if int(part) >= len(node):
                return dotted, f"index {part} out of range: '{here}' has {len(node)} items"
            node = node[int(part)]
        elif isinstance(node, dict):
            if part in node and node[part] is None and depth < len(parts) - 1:
                return dotted, f"'{'.'.join(parts[:depth + 1])}' is null in the base scenario"
            node = node.get(part)  # a missing key is created; the schema then judges it
        elif node is not None:
            return dotted, f"'{here}' is a single value, it has no '{part}'"
        out.append(part)
    return ".".join(out), None


def apply_overrides(raw: dict[str, Any], overrides: dict[str, Any]) -> dict[str, Any]:
    """Return a copy of ``raw`` with dotted keys set; a list item is addressed by its index
    (``units.0.heat_mw``) or its name (``units.ground_hp.heat_mw``), see :func:`resolve_key`.
    The values are judged afterwards, with the rest of the scenario, by the schema."""
    out = copy.deepcopy(raw)
    problems = []
    for dotted, value in overrides.items():
        key, why = resolve_key(out, dotted)
        if why is not None:
            problems.append(f"override '{dotted}': {why}")
            continue
        _set(out, key, value)
    if problems:
        raise ConfigError(problems)
    return out


def _set(out: dict[str, Any], dotted: str, value: Any) -> None:
    node: Any = out
    parts = dotted.split(".")
    for part in parts[:-1]:
        if isinstance(node, list):
            node = node[int(part)]
        else:
            if not isinstance(node.get(part), dict | list):
                node[part] = {}
            node = node[part]
    last = parts[-1]
    if isinstance(node, list):
        node[int(last)] = value
    else:
        node[last] = value


#: limits of a scenario's YAML tree: nesting depth and values after aliases are expanded (a
#: "billion laughs" file of a few lines expands to 10^9 values)
MAX_DEPTH = 32
MAX_VALUES = 200_000
MAX_BYTES = 10_000_000


def _expanded_size(node: Any, depth: int, memo: dict[int, int]) -> int:
    """Values in ``node`` with every alias expanded; each shared node is counted once by
    ``id`` and multiplied, so the walk costs the nodes written, not the expansion."""
    if depth > MAX_DEPTH:
        raise ConfigError([f"nested deeper than {MAX_DEPTH} levels"])
    key = id(node)
    if key in memo:
        return memo[key]
    children = (list(node.keys()) + list(node.values()) if isinstance(node, dict)
                else node if isinstance(node, list) else [])
    memo[key] = size = 1 + sum(_expanded_size(c, depth + 1, memo) for c in children)
    return size


def _text(path: Path) -> str:
    if not path.exists():
        raise ConfigError([f"{path}: file not found"])
    if not path.is_file():
        raise ConfigError([f"{path}: not a regular file"])
    if path.stat().st_size > MAX_BYTES:
        raise ConfigError([f"{path}: larger than {MAX_BYTES // 1_000_000} MB: not a scenario"])
    data = path.read_bytes()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line = data[:err.start].count(b"\n") + 1
        raise ConfigError([f"{path}: line {line}: not UTF-8 text (byte "
                           f"0x{data[err.start]:02x}); save the file as UTF-8"]) from None


class _StrictLoader(yaml.SafeLoader):
    """PyYAML's safe loader that refuses a key written twice in one mapping (PyYAML keeps the
    last value without a word: ``heat_mw: 0.8`` then ``heat_mw: 80`` is 80). Keys merged in
    with ``<<: *alias`` may be overridden, as YAML intends; every duplicate is collected."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        #: (line, problem) of every key given twice
        self.duplicates: list[tuple[int, str]] = []

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: dict[Any, int] = {}
        for key_node, _ in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                continue
            key = self.construct_object(key_node, deep=True)
            line = key_node.start_mark.line + 1
            try:
                first = seen.setdefault(key, line)
            except TypeError:  # an unhashable key: the constructor below says so
                continue
            if first != line:
                self.duplicates.append((line, f"line {line}: key '{key}' is given twice "
                                        f"(first on line {first}); a mapping takes each key "
                                        "once"))
        return super().construct_mapping(node, deep=deep)


def _strict_load(text: str) -> Any:
    """The one document of ``text``; ConfigError lines (without the file) for duplicates."""
    loader = _StrictLoader(text)
    try:
        raw = loader.get_single_data()
    finally:
        loader.dispose()
    if loader.duplicates:
        raise ConfigError([problem for _, problem in sorted(loader.duplicates)])
    return raw


def read_yaml(path: Path) -> dict[str, Any]:
    """Parse a YAML mapping; raise ConfigError naming the file (and line) otherwise.

    A key given twice in one mapping is an error naming both lines."""
    text = _text(path)
    try:
        raw = _strict_load(text)
    except ConfigError as err:
        raise ConfigError([f"{path}: {p}" for p in err.problems]) from None
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f"line {mark.line + 1}: " if mark is not None else ""
        reason = getattr(err, "problem", None) or str(err)
        raise ConfigError([f"{path}: {where}invalid YAML: {reason}"]) from None
    except RecursionError:
        raise ConfigError([f"{path}: invalid YAML: nested too deeply"]) from None
    try:
        size = _expanded_size(raw, 0, {})
    except ConfigError as err:
        raise ConfigError([f"{path}: {p}" for p in err.problems]) from None
    if size > MAX_VALUES:
        raise ConfigError([f"{path}: expands to more than {MAX_VALUES} values (YAML aliases "
                           "repeated within each other); not a scenario"])
    if not isinstance(raw, dict):
        raise ConfigError([f"{path}: expected a mapping of keys at the top level"])
    return raw


def parse_scenario(raw: dict[str, Any], path: Path) -> Scenario:
    """Validate a raw mapping read from ``path``; report every problem at once."""
    raw = copy.deepcopy(raw)
    _resolve_paths(raw, path.parent)
    try:
        scenario = Scenario.model_validate(raw)
    except ValidationError as err:
        problems = [
            f"{path}: {_format_loc(e['loc'])}: {e['msg'].removeprefix('Value error, ')}"
            for e in err.errors()
        ]
        raise ConfigError(problems) from None
    missing = [
        f"{path}: {key}: file or folder not found: {value}"
        for key, value in _path_values(scenario.model_dump(mode="json"))
        if not Path(value).exists()
    ]
    problems = missing + _semantic_problems(scenario, path) + effect_problems(scenario, path)
    if problems:
        raise ConfigError(problems)
    return scenario


def _semantic_problems(scenario: Scenario, path: Path) -> list[str]:
    """Cross-field checks with precise keys: fuels and their prices must be known."""
    factors = {**FUEL_T_PER_TJ, **scenario.carbon.fuel_t_per_tj}
    prices = {**FUEL_EUR_PER_MWH, **scenario.prices.fuel_eur_per_mwh}
    problems = []
    for i, unit in enumerate(scenario.units):
        fuel = getattr(unit, "fuel", None)
        if fuel is not None and fuel not in factors:
            problems.append(f"{path}: units[{i}].fuel: unknown fuel '{fuel}' (known: "
                            f"{', '.join(sorted(factors))}; add it under carbon.fuel_t_per_tj)")
        elif fuel is not None and fuel not in prices and scenario.dispatch.order_by == "cost":
            problems.append(f"{path}: units[{i}].fuel: no price for '{fuel}' "
                            "(add it under prices.fuel_eur_per_mwh)")
    names = {u.name for u in scenario.units}
    by_name = {u.name: u for u in scenario.units}
    for i, unit in enumerate(scenario.units):
        if (unit.type == "boiler" and unit.efficiency > 1.0
                and unit.flue_gas_heat_pump is None):
            problems.append(
                f"{path}: units[{i}].efficiency: {unit.efficiency:g} is above 100 % of the "
                "fuel's lower heating value: only a flue-gas heat pump makes that possible, and "
                "its electricity must be booked (add flue_gas_heat_pump: {cop, bus})")
        booster = getattr(unit, "booster", None)
        if booster is None:
            continue
        other = by_name.get(booster)
        if other is None or not other.can_boost:
            problems.append(f"{path}: units[{i}].booster: '{booster}' is not a unit of this "
                            "scenario that can boost a heat pump (a boiler, electric boiler or "
                            "CHP)")
        elif other.plant != unit.plant:
            problems.append(f"{path}: units[{i}].booster: '{booster}' is at plant "
                            f"'{other.plant or '(pressure-holding plant)'}', not at this heat "
                            f"pump's plant '{unit.plant or '(pressure-holding plant)'}'")
    for i, event in enumerate(scenario.events):
        units = getattr(event, "units", None) or [getattr(event, "unit", None)]
        for name in units:
            if name is not None and name not in names:
                problems.append(f"{path}: events[{i}].unit: '{name}' is not a unit of this "
                                f"scenario (units: {', '.join(sorted(names))})")
    return problems


def load_config(path: str | Path, overrides: dict[str, Any] | None = None) -> Scenario:
    """Read, override and validate a scenario YAML file."""
    path = Path(path)
    raw = read_yaml(path)
    if overrides:
        raw = apply_overrides(raw, overrides)
    return parse_scenario(raw, path)


def parse_assignments(items: list[str], path: str | Path) -> dict[str, Any]:
    """``KEY=VALUE`` strings (the command line's ``--set``) as overrides; values are read as
    YAML (``48`` a number, ``optimal`` a string, ``[1, 2]`` a list)."""
    out: dict[str, Any] = {}
    problems = []
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key:
            problems.append(f"{path}: --set {item}: expected KEY=VALUE")
            continue
        try:
            out[key] = yaml.safe_load(value)
        except yaml.YAMLError as err:
            problems.append(f"{path}: --set {item}: invalid value: {err}")
    if problems:
        raise ConfigError(problems)
    return out

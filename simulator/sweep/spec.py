"""What a sweep file asks for: loading it, expanding it into cases, validating every case.

A sweep file (YAML) names a ``base`` scenario and swept ``parameters`` as dotted keys
(``units.0.heat_mw``; a number indexes a list, a name addresses a named item) with a list of
values each, combined as a cartesian product (``mode: grid``) or pairwise (``mode: zip``).
``fixed`` overrides apply to every case. Every case is expanded and validated against its
district before anything runs. Reading a sweep file loads no solver (the CLI decides where
numba caches before the solvers load); :func:`plan` loads the districts.
"""

from __future__ import annotations

import itertools
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from simulator.config import ConfigError, apply_overrides, parse_scenario, read_yaml
from simulator.config.loader import resolve_key
from simulator.constants import RESULTS_DIR

if TYPE_CHECKING:
    from simulator.district import District

MODES = ("grid", "zip")
_NAME = re.compile(r"^[A-Za-z0-9_.-]+$")
_KEYS = ("name", "description", "base", "mode", "parameters", "fixed", "execution")
_NO_SEEDS = ("not supported: scenarios have no random inputs (no seed), so every case is "
             "deterministic and replicates would repeat identical runs")


@dataclass(frozen=True)
class Sweep:
    """A loaded sweep file. ``base`` is absolute; ``execution`` holds executor options."""

    path: Path
    name: str
    base: Path
    mode: str
    parameters: dict[str, list[Any]]
    fixed: dict[str, Any] = field(default_factory=dict)
    execution: dict[str, Any] = field(default_factory=dict)
    description: str = ""


@dataclass(frozen=True)
class Case:
    """One validated case: ``overrides`` (fixed + swept) is what ``api.run`` receives."""

    case_id: str
    parameters: dict[str, Any]
    overrides: dict[str, Any]
    config_sha256: str
    hours: int  # time length of the cube (--hours, else the scenario period)


def _mapping_of(value: Any, where: str, problems: list[str]) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict) or not all(isinstance(k, str) for k in value):
        problems.append(f"{where}: expected a mapping of dotted keys")
        return {}
    return value


def load_sweep(path: str | os.PathLike[str]) -> Sweep:
    """Read a sweep file; ConfigError with one ``file: key: reason`` line per problem.

    ``base`` and a string ``execution`` (a separate execution YAML) resolve relative to it.
    """
    path = Path(path)
    raw = read_yaml(path)
    problems = [f"{path}: {k}: unknown key (known: {', '.join(_KEYS)})"
                for k in raw if k not in _KEYS and k not in ("replicates", "seeds")]
    problems += [f"{path}: {k}: {_NO_SEEDS}" for k in ("replicates", "seeds") if k in raw]
    name = str(raw.get("name") or path.stem)
    if not _NAME.match(name):
        problems.append(f"{path}: name: '{name}' may hold only letters, digits, '_', '.', '-'")
    base = raw.get("base")
    if not isinstance(base, str):
        problems.append(f"{path}: base: required, the path of the base scenario YAML")
    elif not (path.parent / base).is_file():
        problems.append(f"{path}: base: file not found: {(path.parent / base).resolve()}")
    mode = raw.get("mode", "grid")
    if mode not in MODES:
        problems.append(f"{path}: mode: '{mode}' is not one of {', '.join(MODES)}")
    params = _mapping_of(raw.get("parameters"), f"{path}: parameters", problems)
    if not params and "parameters" in raw:
        problems.append(f"{path}: parameters: at least one swept key is needed")
    for key, values in params.items():
        if not isinstance(values, list) or not values:
            problems.append(f"{path}: parameters.{key}: expected a non-empty list of values")
    lengths = {len(v) for v in params.values() if isinstance(v, list)}
    if mode == "zip" and len(lengths) > 1:
        sizes = ", ".join(f"{k}: {len(v)}" for k, v in params.items() if isinstance(v, list))
        problems.append(f"{path}: parameters: zip mode needs lists of equal length ({sizes})")
    if "parameters" not in raw:
        problems.append(f"{path}: parameters: required, dotted keys with lists of values")
    fixed = _mapping_of(raw.get("fixed"), f"{path}: fixed", problems)
    problems += [f"{path}: fixed.{k}: also swept under parameters" for k in fixed if k in params]
    execution = raw.get("execution") or {}
    if isinstance(execution, str):
        exec_path = path.parent / execution
        execution = read_yaml(exec_path) if exec_path.is_file() else {}
        if not exec_path.is_file():
            problems.append(f"{path}: execution: file not found: {exec_path.resolve()}")
    if not isinstance(execution, dict):
        problems.append(f"{path}: execution: expected a mapping or the path of an execution YAML")
        execution = {}
    if problems:
        raise ConfigError(problems)
    return Sweep(path=path, name=name, base=(path.parent / base).resolve(), mode=mode,
                 parameters=params, fixed=fixed, execution=execution,
                 description=str(raw.get("description") or ""))


def default_out(sweep: Sweep) -> Path:
    """Where the sweep's results go without ``--out``: ``results/<sweep name>``."""
    return RESULTS_DIR / sweep.name


def expand(sweep: Sweep) -> list[dict[str, Any]]:
    """The swept values of every case, in order: grid = cartesian product, zip = pairs."""
    keys = list(sweep.parameters)
    lists = [sweep.parameters[k] for k in keys]
    rows = itertools.product(*lists) if sweep.mode == "grid" else zip(*lists, strict=True)
    return [dict(zip(keys, row, strict=True)) for row in rows]


def _label(case_id: str, parameters: Mapping[str, Any]) -> str:
    return f"{case_id} ({', '.join(f'{k}={v}' for k, v in parameters.items())})"


def plan(sweep: Sweep, hours: int | None = None) -> list[Case]:
    """Expand and validate every case (schema, district wiring, input files) before any run.

    Raises one ConfigError with every problem of every case, each naming the sweep file.
    """
    from simulator.api import hours_problems
    from simulator.district import check_wiring, load_district  # the solvers load here
    from simulator.inputs import build_inputs

    if hours is not None and hours <= 0:
        raise ConfigError([f"{sweep.path}: --hours: must be a positive number of hours"])
    raw = read_yaml(sweep.base)
    resolved: dict[str, str] = {}  # key as written -> key with list indices
    key_problems = []
    for group, keys in (("parameters", sweep.parameters), ("fixed", sweep.fixed)):
        for key in keys:
            resolved[key], why = resolve_key(raw, key)
            if why is not None:
                key_problems.append(f"{sweep.path}: {group}.{key}: {why}")
    seen: dict[str, str] = {}
    for key, index_key in resolved.items():
        if seen.setdefault(index_key, key) != key:
            key_problems.append(f"{sweep.path}: parameters.{key}: the same key as "
                                f"{seen[index_key]} ({index_key})")
    if key_problems:
        raise ConfigError(key_problems)
    combos = expand(sweep)
    width = max(3, len(str(len(combos) - 1)))
    districts: dict[tuple[Path, int], District] = {}
    found: dict[str, list[str]] = {}  # problem -> labels of the cases that have it
    cases: list[Case] = []
    for i, params in enumerate(combos):
        case_id = f"case_{i:0{width}d}"
        overrides = {resolved[k]: v for k, v in {**sweep.fixed, **params}.items()}
        try:
            scenario = parse_scenario(apply_overrides(raw, overrides) if overrides else raw,
                                      sweep.base)  # = load_config, the YAML read once
            problems = hours_problems(sweep.base, scenario, hours)
            if problems:
                raise ConfigError(problems)
            key = (scenario.district, scenario.solver.max_iter_bidirect)
            if key not in districts:
                districts[key] = load_district(*key)
            district = districts[key]
            check_wiring(scenario, district, sweep.base)
            build_inputs(scenario, district.heat.consumer_names, district.heat.consumer_design_w,
                         hours, config_path=sweep.base)
        except ConfigError as err:
            for problem in err.problems:
                found.setdefault(problem, []).append(_label(case_id, params))
            continue
        cases.append(Case(case_id, params, overrides, scenario.sha256(),
                          hours or scenario.period.hours))
    if found:
        raise ConfigError([
            f"{sweep.path}: {labels[0]}"
            + (f" and {len(labels) - 1} more case(s)" if len(labels) > 1 else "")
            + f": {problem}"
            for problem, labels in found.items()
        ])
    return cases

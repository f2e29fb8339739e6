"""The public entry points: ``run`` reads like the pipeline it performs."""

from __future__ import annotations

import getpass
import importlib.metadata as md
import json
import sys
from collections import Counter
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from simulator.config import (
    ConfigError,
    Scenario,
    StorageUnit,
    load_config,
    read_yaml,
    scenario_warnings,
)
from simulator.constants import RESULTS_DIR
from simulator.coupling import CoupledStep
from simulator.district import District, check_wiring, load_district
from simulator.engine import simulate
from simulator.failures import FailureLog
from simulator.inputs import build_inputs
from simulator.output.cube import Recorder, output_problems, write_cube
from simulator.output.summary import summarize


class RunFailed(RuntimeError):
    """Too many hours failed to converge, or the cube could not be written: nothing was."""


def hours_problems(config_path: Path, scenario: Scenario, hours: int | None) -> list[str]:
    """``--hours`` must be a positive count within the scenario's period."""
    if hours is None:
        return []
    if hours <= 0:
        return [f"{config_path}: --hours: must be a positive number of hours"]
    if hours > scenario.period.hours:
        return [f"{config_path}: --hours: {hours} is more than the scenario's period.hours "
                f"({scenario.period.hours}); --hours simulates the first hours of the period"]
    return []


def validate(config_path: str | Path, overrides: dict[str, Any] | None = None,
             warnings: list[str] | None = None) -> Scenario:
    """Load a scenario and check it against its district, input files included; the
    district's warnings (unusual but solvable values) are appended to ``warnings``."""
    config_path = Path(config_path)
    scenario = load_config(config_path, overrides)
    district = load_district(scenario.district, scenario.solver.max_iter_bidirect,
                             scenario.solver.fast, scenario.heat_network.thermal)
    check_wiring(scenario, district, config_path)
    if warnings is not None:
        warnings += district.warnings
    build_inputs(scenario, district.heat.consumer_names, district.heat.consumer_design_w,
                 plant_names=district.heat.plant_names, config_path=config_path)
    return scenario


def _version(dist: str) -> str:
    try:
        return md.version(dist)
    except md.PackageNotFoundError:
        return "unknown"


def _attrs(scenario: Scenario, filled: int, district_warnings: list[str]) -> dict[str, str]:
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return {
        "title": scenario.title or f"districtsim scenario {scenario.name}",
        "scenario": scenario.name,
        "config_yaml": scenario.to_yaml(),
        "config_sha256": scenario.sha256(),
        "simulator_version": _version("districtsim"),
        "pandapower_version": _version("pandapower"),
        "pandapipes_version": _version("pandapipes"),
        "created_utc": now,
        "history": f"{now} districtsim run by {getpass.getuser()}: {' '.join(sys.argv)}",
        "comment": f"{filled} missing input values were filled by linear interpolation in time",
        "co2_target_g_per_kwh": ("" if scenario.carbon.target_g_per_kwh is None
                                 else f"{scenario.carbon.target_g_per_kwh:g}"),
        "dispatch_policy": scenario.dispatch.policy,
        "input_warnings": "\n".join(scenario_warnings(scenario) + district_warnings),
        # whether the grid's limit kinds (op_vm_min_ok, ...) count in `feasible`
        "grid_limits_enforced": "1" if scenario.coupling.enabled else "0",
        "storage_usable_mwh": json.dumps({
            u.name: (u.soc_max - u.soc_min) * u.capacity_mwh for u in scenario.units
            if isinstance(u, StorageUnit)}),
        "co2_accounting": (
            "unit_co2_t: fuel CO2 by factor (biogenic 0), CHP split by "
            f"'{scenario.carbon.chp_allocation}' allocation, electricity at the hourly grid "
            "intensity (average); co2_t = sum over units; co2_marginal_t: the same with grid "
            "electricity at the marginal plant's intensity (grid_co2_marginal_intensity)"),
    }


def geometry_coords(district: District) -> dict[str, tuple[str, Any, dict[str, str]]]:
    """Positions and connectivity of the network elements, as auxiliary cube coordinates."""
    out = {}
    for name, (dim, values) in {**district.heat.geometry(), **district.grid.geometry()}.items():
        what = "position" if name.endswith(("_x", "_y")) else "connected element"
        attrs = {"long_name": f"{name.replace('_', ' ')} ({what})"}
        if what == "position":
            attrs["units"] = "1"  # the network file's own coordinate system
        out[name] = (dim, values, attrs)
    return out


#: ``progress(done, total, failed)``: hours done, hours in the run, failed hours so far
Progress = Callable[[int, int, int], None]


def simulate_scenario(
    scenario: Scenario, district: District, hours: int | None = None,
    progress: Progress | None = None, config_path: Path | None = None,
) -> tuple[Recorder, dict[str, str]]:
    """Run the coupled hourly simulation; the filled recorder and the cube's global attrs.

    ``progress(done, total, failed)`` is called after each simulated hour; the cube attribute
    ``failed_hours`` names the hours that did not converge and why ('' when none).
    """
    inputs = build_inputs(scenario, district.heat.consumer_names,
                          district.heat.consumer_design_w, hours, district.heat.plant_names,
                          config_path=config_path)
    step = CoupledStep(scenario, district, inputs)
    recorder = Recorder(inputs.time, {
        "unit": step.unit_names,
        "plant": district.heat.plant_names,
        "consumer": district.heat.consumer_names,
        "junction": district.heat.junction_names,
        "pipe": district.heat.pipe_names,
        "bus": district.grid.bus_names,
        "line": district.grid.line_names,
        "trafo": district.grid.trafo_names,
    })
    total = len(inputs.time)
    paths: dict[str, Counter[str]] = {"heat": Counter(), "grid": Counter()}
    failures = FailureLog()

    def record(h: int, values: Mapping[str, float | np.ndarray]) -> None:
        recorder.record(h, values)
        failures.note(h, values, district.heat.last_failure, district.grid.last_failure)
        # the path of the solve whose state the hour recorded
        paths["heat"][district.heat.last_path or "plain: not solved"] += 1
        paths["grid"][district.grid.last_path or "plain: not solved"] += 1
        if progress is not None:
            progress(h + 1, total, len(failures.causes))

    simulate(step, total, record, [u.name for u in scenario.units], scenario.events,
             scenario.period.start)
    attrs = {**_attrs(scenario, inputs.filled_values, district.warnings), **solver_paths(paths),
             "failed_hours": failures.describe(inputs.time)}
    return recorder, attrs


def solver_paths(paths: Mapping[str, Mapping[str, int]]) -> dict[str, Any]:
    """Cube attributes: per adapter, the hours solved on the fast path and why the plain path
    ran in the others (``solver_fast_path`` as text, ``solver_<adapter>_fast_hours``)."""
    parts, attrs = [], {}
    for adapter, counts in paths.items():
        fast = int(counts.get("fast", 0))
        plain = sorted(((n, k.removeprefix("plain: ")) for k, n in counts.items()
                        if k != "fast"), reverse=True)
        text = f"{adapter}: fast {fast} h"
        if plain:
            text += ", plain " + ", ".join(f"{n} h ({why})" for n, why in plain)
        parts.append(text)
        attrs[f"solver_{adapter}_fast_hours"] = fast
        attrs[f"solver_{adapter}_plain_hours"] = int(sum(n for n, _ in plain))
    attrs["solver_fast_path"] = "; ".join(parts)
    return attrs


def run(
    config_path: str | Path,
    hours: int | None = None,
    output: str | Path | None = None,
    overrides: dict[str, Any] | None = None,
    progress: Progress | None = None,
) -> Path:
    """Simulate a scenario file and write its cube; the cube's path.

    Raises ConfigError on bad input and RunFailed when more than ``solver.max_failed_share``
    of the hours did not converge. In both cases no file is written.
    """
    config_path = Path(config_path)
    scenario = load_config(config_path, overrides)
    path = Path(output) if output is not None else RESULTS_DIR / f"{scenario.name}.nc"
    problems = hours_problems(config_path, scenario, hours) + [
        f"--output: {p}" for p in output_problems(path)]
    if problems:
        raise ConfigError(problems)
    district = load_district(scenario.district, scenario.solver.max_iter_bidirect,
                             scenario.solver.fast, scenario.heat_network.thermal)
    check_wiring(scenario, district, config_path)
    recorder, attrs = simulate_scenario(scenario, district, hours, progress, config_path)
    converged = recorder.array("converged")
    failed_share = float(np.mean(converged < 0.5))
    if failed_share > scenario.solver.max_failed_share:
        raise RunFailed(
            f"{config_path}: {failed_share:.1%} of hours failed to converge "
            f"(limit solver.max_failed_share = {scenario.solver.max_failed_share:.1%}); "
            f"{attrs['failed_hours']}; no cube written"
        )
    ds = recorder.to_dataset(attrs).assign_coords(geometry_coords(district))
    try:
        write_cube(ds, path)
    except (OSError, RuntimeError) as err:  # netCDF reports a full disk as RuntimeError
        reason = getattr(err, "strerror", None) or str(err)
        raise RunFailed(f"{path}: cannot write the cube: {reason}; nothing was written "
                        "(a previous file at that path is unchanged)") from err
    return path


def without_stores(config_path: str | Path, overrides: dict[str, Any] | None = None
                   ) -> dict[str, Any]:
    """Overrides that take every thermal store out of a scenario (and events naming one)."""
    from simulator.config import apply_overrides

    raw = apply_overrides(read_yaml(Path(config_path)), overrides or {})
    stores = {u.get("name") for u in raw.get("units", []) if u.get("type") == "thermal_storage"}
    if not stores:
        raise ConfigError([f"{config_path}: units: the scenario has no thermal_storage unit"])
    out = {**(overrides or {}),
           "units": [u for u in raw["units"] if u.get("name") not in stores]}
    if raw.get("events"):
        out["events"] = [e for e in raw["events"]
                         if not {e.get("unit"), *(e.get("units") or [])} & stores]
    return out


def storage_worth(config_path: str | Path, hours: int | None = None,
                  overrides: dict[str, Any] | None = None, out_dir: str | Path | None = None,
                  progress: Progress | None = None) -> dict[str, dict[str, float]]:
    """What the stores are worth: the scenario run as it is and with its stores taken out.

    Both cubes are written to ``out_dir`` (default ``results/``) as ``<name>.nc`` and
    ``<name>_no_stores.nc``. Returns the period figures of both runs, ``with`` and
    ``without`` (see :func:`summarize`).
    """
    out = Path(out_dir) if out_dir is not None else RESULTS_DIR
    name = load_config(Path(config_path), overrides).name
    kept = run(config_path, hours, out / f"{name}.nc", overrides, progress)
    taken = run(config_path, hours, out / f"{name}_no_stores.nc",
                without_stores(config_path, overrides), progress)
    from simulator.output.cube import open_results

    return {"with": summarize(open_results(kept)), "without": summarize(open_results(taken))}


__all__ = ["RunFailed", "run", "storage_worth", "summarize", "validate", "without_stores"]

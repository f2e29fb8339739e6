"""Does every scenario entry take effect? (config room).

An entry that can never apply is refused (a ``file: key: reason`` line) or, where it is
harmless, reported as a warning that the run prints and records in its cube:

- an event whose windows all lie outside the period, or a window that holds no hour's sampling
  instant (hour ``h`` is solved at ``h + 0.5`` h after the period start, see
  :mod:`simulator.engine`): it would change nothing;
- a fuel price or CO2 factor for a fuel that no unit burns: refused when the name is no fuel the
  scenario knows (a typo that silently drops the price), a warning for a built-in fuel;
- a unit that can never run: a waste-heat source never hot enough for any supply temperature of
  the curves, a heat pump whose constant source is below its ``min_source_c`` (refused); a unit
  available 0 all the time, a derate to its full capacity (warnings).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from simulator.config.events import RandomFailures, UnitDerate
from simulator.config.schema import Scenario
from simulator.config.units import HeatPumpUnit, WasteHeatUnit
from simulator.supply.carbon import FUEL_EUR_PER_MWH, FUEL_T_PER_TJ

#: the fuels the scenario knows without defining them (CO2 factor or price built in)
BUILT_IN_FUELS = frozenset(FUEL_T_PER_TJ) | frozenset(FUEL_EUR_PER_MWH)
#: more occurrences than this of one recurring window are not enumerated (a window recurring
#: every second over 50 years); such an event is refused as unreadable
MAX_OCCURRENCES = 2_000_000


def window_starts_h(start_h: float, hours: float, every_h: float | None,
                    repeat: int | None, period_h: float) -> np.ndarray | None:
    """Start times (h from the period start) of a window's occurrences that overlap the
    period ``[0, period_h)``; None when there would be more than :data:`MAX_OCCURRENCES`."""
    if every_h is None:
        count = 1
    else:
        count = int(np.floor(max(period_h - start_h, 0.0) / every_h)) + 1
        count = min(count, repeat) if repeat is not None else count
    if count > MAX_OCCURRENCES:
        return None
    starts = start_h + np.arange(count) * (every_h or 0.0)
    return starts[(starts < period_h) & (starts + hours > 0.0)]


def blind_windows(starts_h: np.ndarray, hours: float, period_h: int) -> np.ndarray:
    """Which windows ``[start, start + hours)`` hold no sampling instant ``h + 0.5`` of an hour
    ``0 <= h < period_h`` strictly inside them (an instant on a window's edge is a tie between
    two SimPy events: it does not count)."""
    first = np.maximum(np.floor(starts_h - 0.5) + 1.0, 0.0)  # first h with h + 0.5 > start
    return (first + 0.5 >= starts_h + hours) | (first >= period_h)


def _event_problems(scenario: Scenario, path: Path) -> list[str]:
    t0, period_h = scenario.period.start, scenario.period.hours
    end = f"{t0:%Y-%m-%dT%H:%M} + {period_h} h"
    problems = []
    for i, event in enumerate(scenario.events):
        if isinstance(event, RandomFailures):
            continue
        start_h = (event.start - t0).total_seconds() / 3600.0
        starts = window_starts_h(start_h, event.hours, event.every_hours, event.repeat,
                                 period_h)
        if starts is None:
            problems.append(f"{path}: events[{i}].every_hours: recurs more than "
                            f"{MAX_OCCURRENCES} times in the period")
        elif not len(starts):
            problems.append(f"{path}: events[{i}].start: {event.start:%Y-%m-%dT%H:%M} for "
                            f"{event.hours:g} h lies outside the period ({end}): the event "
                            "would change nothing")
        elif (blind := blind_windows(starts, event.hours, period_h)).any():
            first = float(starts[blind][0])
            problems.append(
                f"{path}: events[{i}].hours: the window from {first:g} h after the period "
                f"start for {event.hours:g} h holds no hour's sampling instant (each hour is "
                "solved at its half past, hh:30): the event would change nothing; make it "
                "cover an hh:30 instant, e.g. start on a whole hour and last at least 1 h")
    return problems


def _fuels_burnt(scenario: Scenario) -> set[str]:
    return {f for u in scenario.units if (f := getattr(u, "fuel", None)) is not None}


def _fuel_entries(scenario: Scenario) -> list[tuple[str, str]]:
    """(key, fuel) of every price and CO2 factor the scenario sets."""
    return ([(f"prices.fuel_eur_per_mwh.{f}", f) for f in scenario.prices.fuel_eur_per_mwh]
            + [(f"carbon.fuel_t_per_tj.{f}", f) for f in scenario.carbon.fuel_t_per_tj])


def _fuel_problems(scenario: Scenario, path: Path) -> list[str]:
    burnt = _fuels_burnt(scenario)
    return [f"{path}: {key}: no unit burns '{fuel}' and it is no built-in fuel (a typo?); "
            f"the units burn: {', '.join(sorted(burnt)) or 'no fuel'}"
            for key, fuel in _fuel_entries(scenario)
            if fuel not in burnt and fuel not in BUILT_IN_FUELS]


def _supply_range_c(scenario: Scenario) -> tuple[float, float]:
    """Lowest and highest supply temperature any plant's curve asks for (°C)."""
    st = scenario.supply_temperature
    temps = [t for curve in [st.curve_c, *(p.curve_c for p in st.plants.values())]
             for _, t in curve]
    return min(temps), max(temps)


def _unit_problems(scenario: Scenario, path: Path) -> list[str]:
    low_c, _ = _supply_range_c(scenario)
    problems = []
    for i, unit in enumerate(scenario.units):
        if isinstance(unit, WasteHeatUnit) and unit.t_source_c - unit.approach_k < low_c:
            problems.append(
                f"{path}: units[{i}].t_source_c: {unit.t_source_c:g} °C less the approach "
                f"{unit.approach_k:g} K never reaches the lowest supply temperature of the "
                f"curves ({low_c:g} °C): the unit could never run (a heat pump lifts a "
                "colder source)")
        if (isinstance(unit, HeatPumpUnit) and unit.source in ("constant", "data_centre")
                and unit.min_source_c is not None
                and unit.t_source_c < unit.min_source_c):  # type: ignore[operator]
            problems.append(f"{path}: units[{i}].min_source_c: {unit.min_source_c:g} °C is "
                            f"above the constant source ({unit.t_source_c:g} °C): the unit "
                            "could never run")
    return problems


def _model_problems(scenario: Scenario, path: Path) -> list[str]:
    """Pre-heating in a steady network, which stores no heat."""
    if scenario.operation.preheat.enabled and scenario.heat_network.thermal != "dynamic":
        return [f"{path}: operation.preheat: pre-heating needs heat_network.thermal 'dynamic' "
                "(a steady network stores no heat, so it could never take effect)"]
    return []


def effect_problems(scenario: Scenario, path: Path) -> list[str]:
    """Entries that can never take effect and are refused (see the module docstring)."""
    return (_event_problems(scenario, path) + _fuel_problems(scenario, path)
            + _unit_problems(scenario, path) + _model_problems(scenario, path))


def scenario_warnings(scenario: Scenario) -> list[str]:
    """Harmless entries that take no effect: a price or factor of a built-in fuel that no
    unit burns, a unit never available, a derate to the full capacity. Printed by ``run``
    and ``validate`` and recorded in the cube (``input_warnings``)."""
    burnt = _fuels_burnt(scenario)
    out = [f"{key}: no unit burns '{fuel}': this entry takes no effect"
           for key, fuel in _fuel_entries(scenario) if fuel not in burnt
           and fuel in BUILT_IN_FUELS]
    out += [f"units[{i}].availability: 0: the unit '{u.name}' never runs"
            for i, u in enumerate(scenario.units) if u.availability == 0.0]
    out += [f"events[{i}].share: 1: the derate leaves '{e.unit}' its full capacity and "
            "takes no effect" for i, e in enumerate(scenario.events)
            if isinstance(e, UnitDerate) and e.share >= 1.0]
    return out

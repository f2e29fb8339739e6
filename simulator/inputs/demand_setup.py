"""What the demand model needs from a scenario: the weather window, the local calendar, the
classes and each consumer's class mix (files, time zones and holidays; the model itself is
:mod:`simulator.inputs.demand`).
"""

from __future__ import annotations

from pathlib import Path

import holidays
import numpy as np
import pandas as pd

from simulator.config import ConfigError, Scenario
from simulator.config.schema import DemandRhythm
from simulator.inputs.demand import (
    LocalCalendar,
    demand_fraction,
    mix_and_floor,
    rhythm_fractions,
)
from simulator.inputs.demand_classes import BUILTIN, ClassRhythm
from simulator.inputs.series import Period, read_series, source_times

#: warm-up of the weighted temperature before the first anchored hour, in time constants
WARM_UP_TAUS = 8.0


def local_calendar(time_utc: np.ndarray, timezone: str, country: str | None) -> LocalCalendar:
    """Local hour, day kind (holidays of ``country`` as Sunday), day and year of UTC stamps."""
    local = pd.DatetimeIndex(time_utc).tz_localize("UTC").tz_convert(timezone)
    kind = local.dayofweek.to_numpy().copy()
    if country is not None:
        years = sorted(set(local.year))
        days = holidays.country_holidays(country, years=years)
        kind[np.isin(local.date, list(days))] = 6
    dates = local.tz_localize(None).normalize()
    return LocalCalendar(hour=local.hour.to_numpy(), kind=kind,
                         day=(dates.to_numpy().astype("datetime64[D]").astype(np.int64)),
                         year=local.year.to_numpy())


def resolve_classes(rhythm: DemandRhythm) -> dict[str, ClassRhythm]:
    """Built-in classes, with the scenario's ``classes`` overriding or adding (by ``base``)."""
    out = dict(BUILTIN)
    for name, spec in rhythm.classes.items():
        base = BUILTIN[spec.base or name]
        space = [spec.space_weekday, spec.space_weekend]
        water = [spec.hot_water_weekday, spec.hot_water_weekend]
        out[name] = ClassRhythm(
            hot_water_share=base.hot_water_share if spec.hot_water_share is None
            else spec.hot_water_share,
            circulation_share=base.circulation_share if spec.circulation_share is None
            else spec.circulation_share,
            day_factors=base.day_factors if spec.day_factors is None
            else np.array(spec.day_factors),
            space=np.array([base.space[i] if v is None else v for i, v in enumerate(space)]),
            hot_water=np.array([base.hot_water[i] if v is None else v
                                for i, v in enumerate(water)]))
    return out


def class_shares(rhythm: DemandRhythm, names: list[str],
                 classes: list[str]) -> np.ndarray:
    """Each consumer's share of each class (consumers, classes), from ``mix.file`` or default.

    ConfigError (naming the CSV) on unknown consumers or classes and shares not summing to 1.
    """
    shares = np.zeros((len(names), len(classes)))
    shares[:, classes.index(rhythm.mix.default)] = 1.0
    path = rhythm.mix.file
    if path is None:
        return shares
    frame = _read_mix(Path(path))
    problems, index = [], {n: i for i, n in enumerate(names)}
    for consumer in frame.index:
        if consumer not in index:
            problems.append(f"{path}: demand.rhythm.mix: '{consumer}' is not a consumer of the "
                            "heat network")
    if "class" in frame.columns:
        frame = pd.get_dummies(frame["class"]).astype(float)
    for column in frame.columns:
        if column not in classes:
            problems.append(f"{path}: demand.rhythm.mix: unknown class '{column}' (known: "
                            f"{', '.join(classes)})")
    sums = frame.sum(axis=1)
    for consumer in sums.index[(sums - 1.0).abs() > 1e-3]:
        problems.append(f"{path}: demand.rhythm.mix: shares of '{consumer}' sum to "
                        f"{sums[consumer]:.4f}, not 1")
    if (frame < 0).to_numpy().any():
        problems.append(f"{path}: demand.rhythm.mix: shares must not be negative")
    if problems:
        raise ConfigError(problems)
    for consumer, row in frame.iterrows():
        shares[index[consumer]] = [row.get(c, 0.0) / sums[consumer] for c in classes]
    return shares


def _read_mix(path: Path) -> pd.DataFrame:
    try:
        frame = pd.read_csv(path)
    except (OSError, ValueError) as err:
        raise ConfigError([f"{path}: demand.rhythm.mix: cannot read CSV: {err}"]) from None
    if "consumer" not in frame.columns or len(frame.columns) < 2:
        raise ConfigError([f"{path}: demand.rhythm.mix: expected a 'consumer' column and a "
                           "'class' column or one column per class"])
    frame = frame.set_index("consumer")
    dupes = sorted(set(frame.index[frame.index.duplicated()]))
    if dupes:
        raise ConfigError([f"{path}: demand.rhythm.mix: consumers listed twice: "
                           f"{', '.join(map(str, dupes))}"])
    if "class" in frame.columns:
        return frame[["class"]]
    try:
        return frame.astype(float)
    except ValueError as err:
        raise ConfigError([f"{path}: demand.rhythm.mix: shares must be numbers: {err}"]) from None


def weather_window(scenario: Scenario, period: Period, warm_up_h: int) -> tuple[
        Period, np.ndarray, np.ndarray, int]:
    """The whole local calendar years around ``period`` plus ``warm_up_h`` hours before.

    Returns the window, its outdoor temperature (°C; hours the weather file lacks hold the
    nearest value), which hours are measured, and the offset of the period's first hour in it.
    """
    rhythm = scenario.demand.rhythm
    zone = rhythm.timezone if rhythm is not None else "UTC"
    local = pd.DatetimeIndex(period.time).tz_localize("UTC").tz_convert(zone)
    first = pd.Timestamp(local[0].year, 1, 1).tz_localize(zone).tz_convert("UTC")
    end = pd.Timestamp(local[-1].year + 1, 1, 1).tz_localize(zone).tz_convert("UTC")
    start = first.tz_localize(None) - pd.Timedelta(hours=warm_up_h)
    hours = int((end.tz_localize(None) - start) / pd.Timedelta(hours=1))
    window = Period.from_start(start, hours)
    w = scenario.weather
    frame = read_series(w.file, w.time_column, [w.column], "weather")[w.column]
    frame = frame.interpolate(method="time", limit_area="inside")
    values = frame.reindex(source_times(window, w.source_year)).to_numpy(dtype=float)
    counted = ~np.isnan(values)
    filled = pd.Series(values).ffill().bfill().to_numpy()
    offset = int((pd.Timestamp(period.time[0]) - start) / pd.Timedelta(hours=1))
    return window, filled + w.offset_k, counted, offset


def demand_fractions(scenario: Scenario, period: Period, names: list[str]) -> np.ndarray:
    """Hourly demand of every consumer as a fraction of its design load (hours, consumers).

    The flat model without ``demand.rhythm``; else the rhythm model anchored on the flat
    model's energy of each whole local calendar year of the weather (see ``demand.py``).
    """
    d, rhythm = scenario.demand, scenario.demand.rhythm
    if rhythm is None:
        raise ValueError("demand_fractions needs demand.rhythm; the flat model needs no window")
    warm_up = int(np.ceil(WARM_UP_TAUS * rhythm.time_constant_h))
    window, t_air_c, counted, offset = weather_window(scenario, period, warm_up)
    cal = local_calendar(window.time, rhythm.timezone, rhythm.holidays)
    counted = counted & (np.arange(window.hours) >= warm_up)
    flat = demand_fraction(t_air_c, d.design_t_air_c, d.heating_limit_c, d.hot_water_share,
                           d.min_load_fraction)
    library = resolve_classes(rhythm)
    used = list(library)
    per_class = rhythm_fractions(
        t_air_c, cal, counted, flat, [library[c] for c in used],
        design_t_air_c=d.design_t_air_c, heating_limit_c=d.heating_limit_c,
        spread_k=rhythm.balance_spread_k, instant_share=rhythm.instant_share,
        time_constant_h=rhythm.time_constant_h)
    shares = class_shares(rhythm, names, used)
    fraction = mix_and_floor(per_class, shares, d.min_load_fraction, cal.year, counted)
    return fraction[offset:offset + period.hours]

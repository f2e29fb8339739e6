"""Hourly input series read from CSV files and aligned to the simulated period.

Used for outdoor air temperature, hourly grid CO2 intensity and per-consumer demand profiles.
Missing values (NaN) are filled linearly in time; the number filled is reported.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from simulator.config import ConfigError


@dataclass(frozen=True)
class Period:
    """An hourly time axis: ``time`` (datetime64[ns], UTC, naive)."""

    time: np.ndarray

    @classmethod
    def from_start(cls, start: pd.Timestamp | str, hours: int) -> Period:
        """``hours`` hourly stamps from ``start``."""
        return cls(pd.date_range(pd.Timestamp(start), periods=hours, freq="h").to_numpy())

    @property
    def hours(self) -> int:
        """Number of hourly steps."""
        return len(self.time)


def source_times(period: Period, source_year: int | None) -> pd.DatetimeIndex:
    """Timestamps to read from a measured series for each simulated hour.

    With ``source_year``, each simulated hour maps to the same month, day and hour of that year;
    29 February maps to 28 February when the source year is not a leap year.
    """
    times = pd.DatetimeIndex(period.time)
    if source_year is None:
        return times
    day = np.where(
        (times.month == 2) & (times.day == 29) & (not pd.Timestamp(source_year, 1, 1).is_leap_year),
        28,
        times.day,
    )
    return pd.DatetimeIndex(pd.to_datetime(
        {"year": np.full(len(times), source_year), "month": times.month, "day": day,
         "hour": times.hour}
    ))


def read_series(
    path: Path, time_column: str, columns: list[str], label: str
) -> pd.DataFrame:
    """Read ``columns`` of an hourly CSV indexed by ``time_column``; ConfigError on problems."""
    try:
        head = pd.read_csv(path, nrows=0)
    except (OSError, ValueError) as err:
        raise ConfigError([f"{path}: {label}: cannot read CSV: {err}"]) from None
    missing = [c for c in [time_column, *columns] if c not in head.columns]
    if missing:
        raise ConfigError(
            [f"{path}: {label}: column '{c}' not found (have: {', '.join(head.columns)})"
             for c in missing]
        )
    frame = pd.read_csv(path, usecols=[time_column, *columns])
    index = pd.to_datetime(frame.pop(time_column), utc=True).dt.tz_localize(None)
    frame.index = pd.DatetimeIndex(index)
    return frame[~frame.index.duplicated()].astype(float)


def align(
    frame: pd.DataFrame, times: pd.DatetimeIndex, path: Path, label: str
) -> tuple[np.ndarray, int]:
    """Values of ``frame`` at ``times`` as a (hours, columns) array, and the count of filled NaNs.

    Missing timestamps are an error; NaN values inside the covered range are interpolated
    linearly in time.
    """
    absent = times.difference(frame.index)
    if len(absent):
        raise ConfigError(
            [f"{path}: {label}: no data for {len(absent)} of {len(times)} hours "
             f"(first missing {absent[0]:%Y-%m-%dT%H:%M}); file covers "
             f"{frame.index.min():%Y-%m-%d} to {frame.index.max():%Y-%m-%d}"]
        )
    n_nan = int(frame.loc[times].isna().to_numpy().sum())
    if n_nan:
        frame = frame.interpolate(method="time", limit_direction="both")
    return frame.loc[times].to_numpy(dtype=float), n_nan

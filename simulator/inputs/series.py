"""Hourly input series read from CSV files and aligned to the simulated period.

Used for outdoor air temperature, hourly grid CO2 intensity, prices, availabilities and
per-consumer demand profiles. Every problem of a file is reported at once, naming the file and
the line (or the hour). Short runs of missing values (at most :data:`MAX_GAP_H` hours) are
filled linearly in time and counted; longer ones are an error.
"""

from __future__ import annotations

import io
import os
from collections import OrderedDict
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


#: longest run of missing values (h) filled by linear interpolation; a longer one is an error.
#: The shipped FMI weather has runs of at most 2 h; 6 h is a quarter of the daily cycle (est.).
MAX_GAP_H = 6
#: cells read as "no value" (a gap), not as an error
MISSING = {"", "nan", "NaN", "NA", "N/A", "n/a", "null", "NULL", "None", "-"}
#: lines of one kind of problem shown per file before they are counted
SHOWN = 5
_OFFSET = r"(?:Z|[+-]\d{2}(?::?\d{2})?)$"


@dataclass(frozen=True)
class Bounds:
    """The physical range of a column's values (inclusive) and what it is, for messages."""

    low: float
    high: float
    what: str


def _say(path: Path, label: str, kind: str, lines: list[str], found: list[str]) -> None:
    """Append the first :data:`SHOWN` lines of one kind of problem and a count of the rest."""
    found += [f"{path}: {label}: {line}" for line in lines[:SHOWN]]
    if len(lines) > SHOWN:
        found.append(f"{path}: {label}: {len(lines) - SHOWN} more line(s): {kind}")


def _read_text(path: Path, label: str) -> str:
    """The file as text (UTF-8, a BOM allowed); ConfigError for anything else."""
    if not path.is_file():
        what = "not found" if not path.exists() else "not a regular file"
        raise ConfigError([f"{path}: {label}: {what}"])
    try:
        data = path.read_bytes()
    except OSError as err:
        raise ConfigError([f"{path}: {label}: cannot read: {err.strerror or err}"]) from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line = data[:err.start].count(b"\n") + 1
        raise ConfigError([f"{path}: {label}: line {line}: not UTF-8 text (byte "
                           f"0x{data[err.start]:02x}); save the file as UTF-8"]) from None
    if not text.strip():
        raise ConfigError([f"{path}: {label}: the file is empty"])
    return text


def read_table(path: Path, label: str) -> pd.DataFrame:
    """Every cell of a CSV file as text, blank lines dropped; row labels are file line numbers."""
    text = _read_text(path, label)
    try:
        frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False,
                            skip_blank_lines=False)
    except (ValueError, pd.errors.ParserError) as err:
        reason = str(err).strip().splitlines()[-1] if str(err).strip() else type(err).__name__
        raise ConfigError([f"{path}: {label}: not a CSV table: {reason}"]) from None
    frame.index = pd.RangeIndex(2, len(frame) + 2)  # line 1 is the header
    frame = frame[~(frame.apply(lambda c: c.str.strip()) == "").all(axis=1)]
    if frame.empty:
        raise ConfigError([f"{path}: {label}: no data rows below the header"])
    return frame


def read_header(path: Path, label: str) -> list[str]:
    """The column names of a CSV file (ConfigError naming the file when it cannot be read)."""
    return list(read_table(path, label).columns)


def _times(raw: pd.Series, path: Path, label: str, found: list[str]) -> pd.Series:
    """UTC-naive hourly timestamps of a time column; problems appended to ``found``."""
    text = raw.str.strip()
    aware = text.str.contains(_OFFSET, regex=True)
    if aware.any() and not aware.all():
        found.append(f"{path}: {label}: line {aware.idxmin()} ({text[aware.idxmin()]}) has no "
                     f"UTC offset but line {aware.idxmax()} ({text[aware.idxmax()]}) has one: "
                     "mixed time zones (write every timestamp in UTC, or all with offsets)")
    times = pd.to_datetime(text, errors="coerce", utc=True, format="ISO8601")
    times = times.dt.tz_localize(None)
    bad = times.isna()
    _say(path, label, "unparseable timestamps", [
        f"line {n}: timestamp '{text[n]}' is not an ISO 8601 date and time "
        "(e.g. 2019-01-01T00:00)" for n in bad[bad].index], found)
    off = ~bad & (times != times.dt.floor("h"))
    _say(path, label, "timestamps not on the hour", [
        f"line {n}: {text[n]} is not on a whole hour: the file must hold hourly values"
        for n in off[off].index], found)
    dup = ~bad & times.duplicated(keep=False)
    firsts = {}
    for n in dup[dup].index:
        firsts.setdefault(times[n], []).append(n)
    _say(path, label, "duplicated hours", [
        f"lines {', '.join(map(str, lines))}: the hour {t:%Y-%m-%dT%H:%M} (UTC) is given "
        f"{len(lines)} times" for t, lines in firsts.items()], found)
    return times


def _numbers(raw: pd.Series, column: str, path: Path, label: str, bounds: Bounds | None,
             found: list[str]) -> pd.Series:
    """A column's values as floats (missing cells NaN); problems appended to ``found``."""
    text = raw.str.strip()
    gap = text.isin(MISSING)
    values = pd.to_numeric(text.where(~gap), errors="coerce")
    bad = values.isna() & ~gap
    _say(path, label, f"non-numeric '{column}' values", [
        f"line {n}: {column} '{text[n]}' is not a number" for n in bad[bad].index], found)
    inf = np.isinf(values)
    _say(path, label, f"infinite '{column}' values", [
        f"line {n}: {column} is {text[n]}; must be finite" for n in inf[inf].index], found)
    if bounds is not None:
        out = values.notna() & ~inf & ((values < bounds.low) | (values > bounds.high))
        _say(path, label, f"'{column}' out of range", [
            f"line {n}: {column} {values[n]:g} is outside {bounds.low:g}..{bounds.high:g} "
            f"({bounds.what})" for n in out[out].index], found)
    return values.where(~inf)


#: files read and checked in this process, by (path, inode, times, size, columns, bounds):
#: a sweep validates every case against the same weather and price files (Espoo: 6 files per
#: case, 0.5 s of the 0.6 s a case's validation cost), and a worker reads them again per case
_READ: OrderedDict[tuple, pd.DataFrame] = OrderedDict()
_READ_MAX = 32


def read_series(
    path: Path, time_column: str, columns: list[str], label: str,
    bounds: Bounds | None = None,
) -> pd.DataFrame:
    """``columns`` of an hourly CSV indexed by its UTC ``time_column``; every problem of the
    file at once as ConfigError lines naming the file and the line: encoding, empty file,
    missing columns, unparseable or non-hourly or duplicated timestamps, mixed time zones,
    non-numeric or infinite values, values outside ``bounds``. Missing cells are NaN.

    A file read before in this process, unchanged since (same inode, modification and change
    times and size), is not parsed again: a copy of the checked frame is returned."""
    try:
        stat = os.stat(path)
        key: tuple | None = (str(Path(path).resolve()), stat.st_ino, stat.st_mtime_ns,
                             stat.st_ctime_ns, stat.st_size, time_column, tuple(columns),
                             bounds)
    except OSError:
        key = None  # read_table says what is wrong with the file
    if key is not None and key in _READ:
        _READ.move_to_end(key)
        return _READ[key].copy()
    frame = _parse_series(path, time_column, columns, label, bounds)
    if key is not None:
        _READ[key] = frame.copy()
        while len(_READ) > _READ_MAX:
            _READ.popitem(last=False)
    return frame


def _parse_series(path: Path, time_column: str, columns: list[str], label: str,
                  bounds: Bounds | None) -> pd.DataFrame:
    """:func:`read_series` without the memory."""
    table = read_table(path, label)
    missing = [c for c in [time_column, *columns] if c not in table.columns]
    if missing:
        raise ConfigError(
            [f"{path}: {label}: column '{c}' not found (have: {', '.join(table.columns)})"
             for c in missing]
        )
    found: list[str] = []
    times = _times(table[time_column], path, label, found)
    frame = pd.DataFrame({c: _numbers(table[c], c, path, label, bounds, found)
                          for c in columns}, index=table.index)
    if found:
        raise ConfigError(found)
    frame.index = pd.DatetimeIndex(times.to_numpy())
    return frame.sort_index()


def range_problems(values: np.ndarray, times: np.ndarray, bounds: Bounds, where: str
                   ) -> list[str]:
    """Hours whose ``values`` (after an offset or a scaling the scenario applies) lie outside
    ``bounds``: the first :data:`SHOWN` and a count, each line starting with ``where``."""
    out = np.flatnonzero(~((values >= bounds.low) & (values <= bounds.high)))
    lines = [f"{where}: {values[i]:g} at {pd.Timestamp(times[i]):%Y-%m-%dT%H:%M} (UTC) is "
             f"outside {bounds.low:g}..{bounds.high:g} ({bounds.what})" for i in out[:SHOWN]]
    if len(out) > SHOWN:
        lines.append(f"{where}: {len(out) - SHOWN} more hour(s) outside the range")
    return lines


def _runs(missing: np.ndarray) -> list[tuple[int, int]]:
    """(start, length) of every run of True."""
    edges = np.diff(np.r_[0, missing.astype(np.int8), 0])
    starts, ends = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)
    return list(zip(starts.tolist(), (ends - starts).tolist(), strict=True))


def align(
    frame: pd.DataFrame, times: pd.DatetimeIndex, path: Path, label: str
) -> tuple[np.ndarray, int]:
    """Values of ``frame`` at ``times`` as a (hours, columns) array, and the count of filled NaNs.

    Missing timestamps are an error; runs of NaN of at most :data:`MAX_GAP_H` hours inside the
    needed hours are interpolated linearly in time, longer ones are an error.
    """
    absent = times.difference(frame.index)
    if len(absent):
        raise ConfigError(
            [f"{path}: {label}: no data for {len(absent)} of {len(times)} hours "
             f"(first missing {absent[0]:%Y-%m-%dT%H:%M}); file covers "
             f"{frame.index.min():%Y-%m-%d} to {frame.index.max():%Y-%m-%d}"]
        )
    needed = frame.loc[times]
    problems = []
    for column in frame.columns:
        for start, length in _runs(needed[column].isna().to_numpy()):
            if length > MAX_GAP_H:
                problems.append(
                    f"{path}: {label}: {column}: {length} hours without a value from "
                    f"{times[start]:%Y-%m-%dT%H:%M} (at most {MAX_GAP_H} are filled by "
                    "interpolation)")
    n_nan = int(needed.isna().to_numpy().sum())
    if n_nan and not problems:
        frame = frame.interpolate(method="time", limit_direction="both")
        left = frame.loc[times].isna().any()
        problems += [f"{path}: {label}: {c}: no value in the file to fill its gaps from"
                     for c in left[left].index]
    if problems:
        raise ConfigError(problems)
    return frame.loc[times].to_numpy(dtype=float), n_nan

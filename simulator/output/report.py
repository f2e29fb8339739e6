"""What the standard figures show, without drawing them (no matplotlib here): the numpy/xarray
preparation that ``output.plots`` and ``output.maps`` draw, and the standalone ``index.html``
beside the figures.

The page has relative image links, inline CSS and no script: sending the folder shares the run.
It shows the summary (or a per-case table for a sweep), every figure with its caption, and the
cube's provenance attributes. All text is escaped.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import quote

import numpy as np
import pandas as pd
import xarray as xr

__all__ = [
    "failed_spans", "map_frame", "mask_failed", "peak_hour", "pipe_temperatures_c",
    "segments", "sweep_parameters", "sweep_table", "values", "week_window", "write_index",
]

K0 = 273.15  # K at 0 °C
INPUTS = {"t_air_k", "t_ground_k", "t_supply_k", "grid_co2_intensity", "heat_demand_mw",
          "converged", "heat_converged", "grid_converged", "unit_available"}
SWEEP_COLUMNS = (("hours_converged", ".0f"), ("heat_delivered_mwh", ".1f"),
                 ("unserved_heat_mwh", ".2f"), ("co2_t", ".2f"), ("co2_g_per_kwh_heat", ".1f"))


def values(ds: xr.Dataset, name: str) -> np.ndarray:
    """``name`` as float (time[, element]); NaN-filled (time,) when the variable is absent."""
    if name not in ds:
        return np.full(ds.sizes["time"], np.nan)
    da = ds[name]
    return da.transpose("time", *(d for d in da.dims if d != "time")).to_numpy().astype(float)


def mask_failed(ds: xr.Dataset) -> xr.Dataset:
    """Result variables set to NaN at hours with ``converged != 1`` (inputs and flags kept)."""
    ok = ds["converged"].fillna(0) == 1 if "converged" in ds else None
    if ok is None or bool(ok.all()):
        return ds
    out = ds.copy()
    for name, var in ds.data_vars.items():
        if "time" in var.dims and name not in INPUTS and var.dtype.kind == "f":
            out[name] = var.where(ok)
    return out


def failed_spans(ds: xr.Dataset) -> list[tuple[np.datetime64, np.datetime64]]:
    """(start, end) of each run of time steps (hours, or days of daily means) with
    ``converged != 1``; end exclusive."""
    if "converged" not in ds:
        return []
    failed = np.r_[False, ds["converged"].fillna(0).to_numpy() != 1, False].astype(int)
    edges = np.flatnonzero(np.diff(failed))
    time = ds["time"].to_numpy()
    step = time[1] - time[0] if time.size > 1 else np.timedelta64(1, "h")
    return [(time[a], time[b - 1] + step) for a, b in zip(edges[::2], edges[1::2], strict=True)]


def peak_hour(ds: xr.Dataset, *names: str) -> int | None:
    """Index of the largest hourly total of the first of ``names`` with any finite value."""
    for name in names:
        a = values(ds, name)
        a = np.where(np.isfinite(a).any(axis=1), np.nansum(a, axis=1), np.nan) \
            if a.ndim == 2 else a
        if np.isfinite(a).any():
            return int(np.nanargmax(a))
    return None


def week_window(ds: xr.Dataset, week_start: str | None = None) -> slice:
    """The seven days from ``week_start``, else the Monday-to-Sunday week of peak demand."""
    if week_start is not None:
        start, time = pd.Timestamp(week_start), ds["time"].values
        if start > time[-1] or start + pd.Timedelta(hours=167) < time[0]:
            raise ValueError(f"week from {week_start} lies outside the period "
                             f"{pd.Timestamp(time[0]):%Y-%m-%d}..{pd.Timestamp(time[-1]):%Y-%m-%d}")
    else:
        t = pd.Timestamp(ds["time"].values[peak_hour(ds, "heat_demand_mw") or 0]).normalize()
        start = t - pd.Timedelta(days=t.dayofweek)
    return slice(start, start + pd.Timedelta(hours=167))


def segments(ds: xr.Dataset, node: str, ends: tuple[str, str]) -> tuple[np.ndarray, np.ndarray]:
    """Segments (n, 2, 2) between the positions ``<node>_x/_y`` of the nodes named by the
    coordinates ``ends``; and the indices of the elements drawn (both ends positioned)."""
    pos = {str(n): (x, y) for n, x, y in zip(ds[node].values, ds[f"{node}_x"].values,
                                              ds[f"{node}_y"].values, strict=True)}
    segs, keep = [], []
    for i, (a, b) in enumerate(zip(ds[ends[0]].values, ds[ends[1]].values, strict=True)):
        pa, pb = pos.get(str(a), (np.nan, np.nan)), pos.get(str(b), (np.nan, np.nan))
        if np.all(np.isfinite([*pa, *pb])):
            segs.append([pa, pb])
            keep.append(i)
    return np.array(segs, dtype=float).reshape(-1, 2, 2), np.array(keep, dtype=int)


def has_positions(ds: xr.Dataset, node: str) -> bool:
    """Whether the cube carries any finite position of ``node`` elements."""
    return (f"{node}_x" in ds.coords and ds.sizes.get(node, 0) > 0
            and bool(np.isfinite(ds[f"{node}_x"].values.astype(float)).any()))


def pipe_temperatures_c(ds: xr.Dataset, hour: int, pipes: np.ndarray) -> np.ndarray:
    """Mean of the end-junction temperatures (°C) of ``pipes`` (indices) at ``hour``."""
    t_j = dict(zip(map(str, ds["junction"].values), values(ds, "junction_t_k")[hour] - K0,
                   strict=True))
    ends = zip(ds["pipe_from_junction"].values[pipes], ds["pipe_to_junction"].values[pipes],
               strict=True)
    pairs = np.array([(t_j.get(str(a), np.nan), t_j.get(str(b), np.nan)) for a, b in ends],
                     dtype=float).reshape(-1, 2)
    ok = np.isfinite(pairs)
    n = ok.sum(axis=1)
    return np.where(n > 0, np.where(ok, pairs, 0.0).sum(axis=1) / np.maximum(n, 1), np.nan)


def map_frame(x: np.ndarray, y: np.ndarray) -> tuple[float, bool, float]:
    """(y-axis aspect for equal distances, positions look like lon/lat degrees, height/width
    of the data box clipped to 0.3..1.5)."""
    ok = np.isfinite(x) & np.isfinite(y)
    x, y = x[ok], y[ok]
    geographic = bool(x.size and np.all(np.abs(x) <= 180) and np.all(np.abs(y) <= 90)
                      and np.ptp(x) < 5 and np.ptp(y) < 5)
    aspect = float(1 / np.cos(np.radians(np.mean(y)))) if geographic else 1.0
    ratio = np.ptp(y) * aspect / np.ptp(x) if x.size and np.ptp(x) > 0 else 1.0
    return aspect, geographic, float(np.clip(ratio, 0.3, 1.5))


def sweep_parameters(ds: xr.Dataset) -> list[str]:
    """Swept-parameter coordinates along ``scenario`` (``units__0__heat_mw`` style names)."""
    return [str(c) for c in ds.coords
            if ds[c].dims == ("scenario",) and c not in ("scenario", "case_id")]


def sweep_table(ds: xr.Dataset, figures: Sequence[Mapping[str, float]]
                ) -> tuple[list[str], list[list[str]]]:
    """Header and rows (case, parameters, SWEEP_COLUMNS) for the sweep index page."""
    params = sweep_parameters(ds)
    header = ["case", *(ds[p].attrs.get("long_name", p) for p in params),
              *(c for c, _ in SWEEP_COLUMNS)]
    rows = [[str(ds["scenario"].values[k]), *(str(ds[p].values[k]) for p in params),
             *(format(f[c], fmt) for c, fmt in SWEEP_COLUMNS)] for k, f in enumerate(figures)]
    return header, rows

CSS = """
body { font-family: system-ui, sans-serif; margin: 2em auto; max-width: 1200px; color: #222; }
h1 { font-size: 1.5em; } h2 { font-size: 1.2em; margin-top: 1.5em; }
pre { background: #f6f6f6; padding: 0.8em; overflow-x: auto; }
table { border-collapse: collapse; font-size: 0.9em; }
td, th { border: 1px solid #ccc; padding: 0.25em 0.6em; text-align: right; }
th { background: #eee; } td:first-child { text-align: left; }
figure { margin: 1.5em 0; } figure img { max-width: 100%; border: 1px solid #ddd; }
figcaption { color: #555; font-size: 0.9em; } dt { font-weight: bold; }
"""
PROVENANCE = ("scenario", "title", "config_sha256", "created_utc", "simulator_version",
              "pandapipes_version", "pandapower_version", "history", "comment")


def _e(value: Any) -> str:
    return html.escape(str(value), quote=True)


def _table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    head = "".join(f"<th>{_e(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{_e(c)}</td>" for c in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def write_index(
    out: Path,
    title: str,
    figures: Sequence[tuple[str, str]],
    summary: str | None = None,
    table: tuple[Sequence[str], Sequence[Sequence[str]]] | None = None,
    attrs: Mapping[str, Any] | None = None,
) -> Path:
    """Write ``out/index.html``: ``figures`` are (file name in ``out``, caption) pairs,
    ``summary`` a preformatted text block, ``table`` (header, rows); the path written."""
    parts = [f"<h1>{_e(title)}</h1>"]
    if summary:
        parts.append(f"<h2>Summary</h2><pre>{_e(summary)}</pre>")
    if table:
        parts.append(f"<h2>Cases</h2>{_table(*table)}")
    parts.append("<h2>Figures</h2><ul>" + "".join(
        f'<li><a href="#{_e(name)}">{_e(name)}</a>: {_e(caption)}</li>'
        for name, caption in figures) + "</ul>")
    parts += [f'<figure id="{_e(name)}"><img src="{_e(quote(name))}" alt="{_e(caption)}">'
              f"<figcaption>{_e(name)}: {_e(caption)}</figcaption></figure>"
              for name, caption in figures]
    attrs = attrs or {}
    meta = "".join(f"<dt>{_e(k)}</dt><dd>{_e(attrs[k])}</dd>" for k in PROVENANCE if k in attrs)
    if meta:
        parts.append(f"<h2>Provenance</h2><dl>{meta}</dl>")
    if "config_yaml" in attrs:
        parts.append("<details><summary>Resolved configuration</summary>"
                     f"<pre>{_e(attrs['config_yaml'])}</pre></details>")
    page = ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<title>{_e(title)}</title><style>{CSS}</style></head>\n<body>\n"
            + "\n".join(parts) + "\n</body></html>\n")
    path = out / "index.html"
    path.write_text(page, encoding="utf-8")
    return path

"""Element figures of a cube: time x element images and maps of both networks (output room).

Bus voltages and branch loadings as images (time along x, elements along y); pipes coloured by
temperature at the peak-heat hour and the grid coloured by voltage and loading at the
peak-import hour, drawn at the positions the cube's auxiliary coordinates carry.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import xarray as xr
from matplotlib import colors as mcolors
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure

from simulator.output.canvas import HOT, MAX_LABELS, new_figure, save, time_axis
from simulator.output.report import (
    has_positions,
    map_frame,
    peak_hour,
    pipe_temperatures_c,
    segments,
)
from simulator.output.report import values as _arr


def _heatmap(fig: Figure, ax, ds: xr.Dataset, var: str, label: str, **kw) -> None:
    """``var`` as an image: time along x, elements along y, colour bar ``label``."""
    dim = next(d for d in ds[var].dims if d != "time")
    data, t = _arr(ds, var).T, ds["time"].to_numpy()
    im = ax.imshow(data, aspect="auto", interpolation="nearest", origin="upper",
                   extent=(t[0], t[-1] + np.timedelta64(1, "h"), data.shape[0] - 0.5, -0.5),
                   **kw)  # first element on top
    if data.shape[0] <= MAX_LABELS:
        ax.set_yticks(range(data.shape[0]), [str(n) for n in ds[dim].values], fontsize="small")
    ax.set_ylabel(dim if data.shape[0] <= MAX_LABELS else f"{dim} (index)")
    time_axis(ax)
    fig.colorbar(im, ax=ax, label=label)


def _rows_height(n: int) -> float:
    """Figure height (inch) for an image of ``n`` element rows: named rows 0.15 in each."""
    return 2.5 + 0.15 * n if n <= MAX_LABELS else 6.0


def fig_bus_voltage(ds: xr.Dataset, out: Path) -> Path | None:
    """Bus voltage magnitude over time (time x bus image)."""
    vm = _arr(ds, "bus_vm_pu")
    if ds.sizes.get("bus", 0) == 0 or not np.isfinite(vm).any():
        return None
    half = max(float(np.nanmax(np.abs(vm - 1.0))), 0.005)
    fig, (ax,) = new_figure(ds, "bus voltage", size=(10, _rows_height(vm.shape[1])))
    _heatmap(fig, ax, ds, "bus_vm_pu", "voltage magnitude (p.u.)", cmap="RdBu_r",
             vmin=1 - half, vmax=1 + half)
    return save(fig, out, "bus_voltage.png")


def fig_loading(ds: xr.Dataset, out: Path) -> Path | None:
    """Line and transformer loading over time (time x branch images)."""
    present = [(d, f"{d}_loading_percent") for d in ("line", "trafo")
               if ds.sizes.get(d, 0) and np.isfinite(_arr(ds, f"{d}_loading_percent")).any()]
    if not present:
        return None
    fig, axes = new_figure(ds, "branch loading", len(present), 1,
                     (10, sum(_rows_height(ds.sizes[d]) for d, _ in present)))
    vmax = max(100.0, *(float(np.nanmax(_arr(ds, v))) for _, v in present))
    for ax, (dim, var) in zip(axes, present, strict=True):
        _heatmap(fig, ax, ds, var, f"{dim} loading (%)", cmap="magma_r", vmin=0, vmax=vmax)
    return save(fig, out, "branch_loading.png")


def _map_axes(ax, frame: tuple[float, bool, float]) -> None:
    aspect, geographic, _ = frame
    ax.autoscale()
    ax.set_aspect(aspect, adjustable="box")
    unit = "(°)" if geographic else "(network coordinates)"
    ax.set_xlabel(f"{'longitude' if geographic else 'x'} {unit}")
    ax.set_ylabel(f"{'latitude' if geographic else 'y'} {unit}")


def fig_heat_map(ds: xr.Dataset, out: Path) -> Path | None:
    """Heat-network pipes coloured by temperature at the peak-heat hour; supply and return
    side apart (split halfway between the 10th and 90th percentile of pipe temperature)."""
    hour = peak_hour(ds, "heat_supplied_mw", "unit_heat_mw")
    if hour is None or not has_positions(ds, "junction") or "pipe_to_junction" not in ds.coords:
        return None
    segs, keep = segments(ds, "junction", ("pipe_from_junction", "pipe_to_junction"))
    t_pipe = pipe_temperatures_c(ds, hour, keep)
    if not np.isfinite(t_pipe).any():
        return None
    hot = t_pipe >= np.mean(np.nanpercentile(t_pipe, [10, 90]))
    frame = map_frame(segs[..., 0].ravel(), segs[..., 1].ravel())
    when = pd.Timestamp(ds["time"].values[hour])
    fig, axes = new_figure(ds, f"heat network at the peak hour {when:%Y-%m-%d %H:%M} "
                     f"({np.nansum(_arr(ds, 'unit_heat_mw')[hour]):.1f} MW)", 1, 2,
                     (12, 4.4 * frame[2] + 1.4))
    for ax, sel, side in ((axes[0], hot, "supply"), (axes[1], ~hot, "return")):
        lo, hi = np.nanpercentile(t_pipe[sel], [2, 98]) if sel.any() else (0.0, 1.0)
        lc = LineCollection(segs[sel], array=t_pipe[sel], cmap=HOT, lw=2,
                            norm=mcolors.Normalize(lo, max(hi, lo + 0.1)))
        ax.add_collection(lc)
        _map_axes(ax, frame)
        ax.set_title(f"{side} pipes ({int(sel.sum())})")
        fig.colorbar(lc, ax=ax, label="pipe temperature (°C)", extend="both", shrink=0.8)
    if "consumer_junction" in ds.coords:
        at = np.isin(ds["junction"].values.astype(str), ds["consumer_junction"].values.astype(str))
        axes[0].scatter(ds["junction_x"].values[at], ds["junction_y"].values[at], s=14, c="k",
                        marker="s", label="consumers", zorder=3)
        axes[0].legend(fontsize="small")
    return save(fig, out, "heat_network_map.png")


def fig_grid_map(ds: xr.Dataset, out: Path) -> Path | None:
    """Buses coloured by voltage, lines and transformers by loading, at the peak-import hour."""
    hour = peak_hour(ds, "grid_import_mw", "unit_el_mw")
    vm = _arr(ds, "bus_vm_pu")
    if hour is None or not has_positions(ds, "bus") or not np.isfinite(vm[hour]).any():
        return None
    x, y = ds["bus_x"].values.astype(float), ds["bus_y"].values.astype(float)
    frame = map_frame(x, y)
    when = pd.Timestamp(ds["time"].values[hour])
    fig, (ax,) = new_figure(ds, f"electric grid at the peak-import hour {when:%Y-%m-%d %H:%M}",
                      size=(10, 6.5 * frame[2] + 1.4))
    loading = {d: _arr(ds, f"{d}_loading_percent")[hour] for d in ("line", "trafo")}
    norm = mcolors.Normalize(0, max(100.0, *(np.nanmax(v, initial=0) for v in loading.values())))
    lc = None
    for dim, ends, style in (("line", ("line_from_bus", "line_to_bus"), "-"),
                             ("trafo", ("trafo_hv_bus", "trafo_lv_bus"), "--")):
        if ds.sizes.get(dim, 0) and ends[1] in ds.coords:
            segs, keep = segments(ds, "bus", ends)
            if keep.size:
                lc = LineCollection(segs, array=loading[dim][keep], cmap="magma_r", norm=norm,
                                    lw=3, linestyles=style, label=f"{dim}s")
                ax.add_collection(lc)
    half = max(float(np.nanmax(np.abs(vm[hour] - 1.0))), 0.005)
    sc = ax.scatter(x, y, c=vm[hour], cmap="RdBu_r", vmin=1 - half, vmax=1 + half, s=60,
                    edgecolors="k", zorder=3, label="buses")
    if x.size <= MAX_LABELS:
        for name, xi, yi in zip(ds["bus"].values, x, y, strict=True):
            if np.isfinite([xi, yi]).all():
                ax.annotate(str(name), (xi, yi), fontsize=7, xytext=(4, 4),
                            textcoords="offset points")
    _map_axes(ax, frame)
    fig.colorbar(sc, ax=ax, label="bus voltage (p.u.)", shrink=0.8)
    if lc is not None:
        fig.colorbar(lc, ax=ax, label="loading (%)", shrink=0.8)
    ax.legend(fontsize="small")
    return save(fig, out, "grid_map.png")

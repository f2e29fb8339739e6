"""Standard figures of a result cube or a sweep directory: PNG files plus an ``index.html``.

Figures are drawn on ``matplotlib.figure.Figure`` with an explicit Agg canvas (no pyplot, no
global backend state, no display: :mod:`simulator.output.canvas`). The data each figure shows is
prepared in :mod:`simulator.output.report` (no matplotlib there); element images and network
maps are in :mod:`simulator.output.maps`. Result variables of hours
with ``converged != 1`` are masked (gaps in time series, grey bands in the dispatch plots, left
out of sorted and scatter plots); inputs (outdoor and supply temperature, demand, grid intensity)
are kept. Temperatures are shown in °C, heat and power in MW, CO2 intensities in g/kWh.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import xarray as xr
from matplotlib.figure import Figure

from simulator.output.canvas import EPS_MW, PALETTE, new_figure, save, time_axis
from simulator.output.cube import open_results
from simulator.output.maps import fig_bus_voltage, fig_grid_map, fig_heat_map, fig_loading
from simulator.output.report import (
    K0,
    failed_spans,
    mask_failed,
    sweep_parameters,
    sweep_table,
    week_window,
    write_index,
)
from simulator.output.report import values as _arr
from simulator.output.summary import format_summary, summarize

__all__ = ["FIGURES", "plot_cube", "plot_results", "plot_sweep"]

def _stack(ax, x: np.ndarray, ds: xr.Dataset, heat: np.ndarray, unserved: np.ndarray,
           step: bool = False) -> None:
    """Heat (MW) by unit stacked above zero, storage charging below, unserved heat on top."""
    names = [str(n) for n in ds["unit"].values]
    units = [i for i in range(len(names))
             if np.nanmax(np.abs(heat[:, i]), initial=0.0) > EPS_MW]  # pumps give no heat
    colours = [PALETTE[i % len(PALETTE)] for i in range(len(names))]
    kw = {"step": "post"} if step else {}
    show = int(np.nanmax(unserved, initial=0.0) > EPS_MW)
    layers = [(np.clip(heat[:, i], 0, None), names[i], colours[i]) for i in units]
    layers += [(unserved, "unserved heat", "#d62728")] * show
    base = np.zeros(len(x))
    for layer, label, colour in layers:
        top = base + layer
        ax.fill_between(x, base, top, label=label, color=colour, lw=0, **kw)
        base = np.where(np.isfinite(top), top, base)
    base = np.zeros(len(x))
    for i in units:
        charge = np.clip(heat[:, i], None, 0)
        if np.nanmin(charge, initial=0.0) < -EPS_MW:
            ax.fill_between(x, base, base + charge, color=colours[i], alpha=0.5, hatch="//",
                            lw=0, label=f"{names[i]} charging", **kw)
            base = base + np.nan_to_num(charge)
    ax.axhline(0, color="k", lw=0.5)
    ax.set_ylabel("heat (MW)")


def fig_load_duration(ds: xr.Dataset, out: Path) -> Path | None:
    """Heat load duration curve: hours sorted by total heat supplied, stacked by unit."""
    heat = _arr(ds, "unit_heat_mw")
    ok = np.all(np.isfinite(heat), axis=1) if heat.ndim == 2 else np.zeros(0, bool)
    if not ok.any():
        return None
    order = np.argsort(-heat[ok].sum(axis=1), kind="stable")
    fig, (ax,) = new_figure(ds, "heat load duration curve")
    x = np.arange(order.size)
    _stack(ax, x, ds, heat[ok][order], _arr(ds, "unserved_heat_mw")[ok][order], step=True)
    ax.step(x, _arr(ds, "heat_demand_mw")[ok][order], "k", where="post", lw=1,
            label="heat demand (same hours)")
    ax.set_xlabel("hours, sorted by total heat supplied (h)")
    ax.set_xlim(0, max(order.size - 1, 1))
    fig.legend(loc="outside right upper", fontsize="small")
    return save(fig, out, "load_duration.png")


def _dispatch(ds: xr.Dataset, title: str, failed: str = "hours not converged") -> Figure:
    """Dispatch stack over time with demand, stored energy (right axis) and failed hours."""
    time = ds["time"].to_numpy()
    fig, (ax,) = new_figure(ds, title)
    _stack(ax, time, ds, _arr(ds, "unit_heat_mw"), np.nan_to_num(_arr(ds, "unserved_heat_mw")))
    ax.plot(time, _arr(ds, "heat_demand_mw"), "k", lw=1.2, label="heat demand")
    store = _arr(ds, "storage_energy_mwh")
    if store.ndim == 2 and np.isfinite(store).any():
        ax2 = ax.twinx()
        for i in np.flatnonzero(np.isfinite(store).any(axis=0)):
            ax2.plot(time, store[:, i], "--", lw=1, label=f"{ds['unit'].values[i]} stored")
        ax2.set_ylabel("stored energy (MW h)")
    for k, (a, b) in enumerate(failed_spans(ds)):
        ax.axvspan(a, b, color="0.85", zorder=0, label=None if k else failed)
    time_axis(ax)
    fig.legend(loc="outside right upper", fontsize="small")
    return fig


def fig_dispatch_week(ds: xr.Dataset, out: Path, week_start: str | None = None) -> Path | None:
    """Hourly dispatch by unit with demand, storage and unserved heat, for one week."""
    week = ds.sel(time=week_window(ds, week_start))
    if week.sizes["time"] == 0:
        return None
    first = pd.Timestamp(week["time"].values[0])
    return save(_dispatch(week, f"hourly heat dispatch, week from {first:%Y-%m-%d}"), out,
                 "dispatch_week.png")


def fig_dispatch_period(ds: xr.Dataset, out: Path) -> Path:
    """Dispatch by unit over the whole period, daily means."""
    keep = [v for v in ("unit_heat_mw", "unserved_heat_mw", "heat_demand_mw",
                        "storage_energy_mwh", "converged") if v in ds]
    daily = ds[keep].resample(time="1D").mean()  # means of the converged hours
    daily.attrs = ds.attrs
    return save(_dispatch(daily, "heat dispatch, daily means", "days with hours not converged"),
                 out, "dispatch_period.png")


def fig_co2(ds: xr.Dataset, out: Path) -> Path:
    """Hourly grid CO2 intensity and the district's heat-weighted intensity, period means."""
    grid, co2_t = _arr(ds, "grid_co2_intensity"), _arr(ds, "co2_t")
    heat = np.where(np.isfinite(co2_t), np.nansum(_arr(ds, "consumer_heat_mw"), axis=1), np.nan)
    with np.errstate(divide="ignore", invalid="ignore"):
        district = np.where(heat > EPS_MW, co2_t / heat * 1e3, np.nan)  # t/MWh -> g/kWh
        means = (np.nansum(grid) / np.isfinite(grid).sum(),
                 np.nansum(co2_t) / np.nansum(heat) * 1e3)
    fig, (ax,) = new_figure(ds, "CO2 intensity")
    for series, mean, label, colour in ((grid, means[0], "grid electricity", "#7f7f7f"),
                                        (district, means[1], "district heat", "#2ca02c")):
        ax.plot(ds["time"].to_numpy(), series, color=colour, lw=1, label=f"{label} (hourly)")
        if np.isfinite(mean):
            ax.axhline(mean, color=colour, ls="--", lw=1.2,
                       label=f"{label}: period mean {mean:.1f} g/kWh")
    ax.set_ylabel("CO2 intensity (g/kWh)")
    ax.set_ylim(bottom=0)
    time_axis(ax)
    ax.legend(fontsize="small")
    return save(fig, out, "co2_intensity.png")


def fig_supply_temperature(ds: xr.Dataset, out: Path) -> Path:
    """Plant and coldest-consumer supply temperature against outdoor temperature (°C)."""
    t_air = _arr(ds, "t_air_k") - K0
    consumer = _arr(ds, "consumer_t_supply_k")
    worst = (np.min(consumer, axis=1, initial=np.inf, where=np.isfinite(consumer))
             if consumer.ndim == 2 else np.full(t_air.size, np.inf))
    fig, (ax,) = new_figure(ds, "supply temperature against outdoor temperature")
    ax.scatter(t_air, _arr(ds, "t_supply_k") - K0, s=10, label="plant supply (set-point)")
    ax.scatter(t_air, np.where(np.isfinite(worst), worst - K0, np.nan), s=10, marker="x",
               label="coldest consumer supply")
    ax.set_xlabel("outdoor air temperature (°C)")
    ax.set_ylabel("supply temperature (°C)")
    ax.legend()
    return save(fig, out, "supply_temperature.png")


def fig_cop(ds: xr.Dataset, out: Path) -> Path | None:
    """Heat-pump COP against source (where the cube has ``unit_t_source_k``), supply and
    outdoor temperature."""
    cop = _arr(ds, "unit_cop")
    if cop.ndim != 2 or not np.isfinite(cop).any():
        return None
    panels = [(v, label) for v, label in (
        ("unit_t_source_k", "heat-source temperature (°C)"),
        ("t_supply_k", "plant supply temperature (°C)"),
        ("t_air_k", "outdoor air temperature (°C)")) if np.isfinite(_arr(ds, v)).any()]
    fig, axes = new_figure(ds, "heat-pump COP", 1, len(panels), (5 * len(panels) + 2, 4.5))
    for ax, (var, label) in zip(axes, panels, strict=True):
        x = _arr(ds, var) - K0
        for k, i in enumerate(np.flatnonzero(np.isfinite(cop).any(axis=0))):
            ax.scatter(x[:, i] if x.ndim == 2 else x, cop[:, i], s=12, marker="ox^sv+D"[k % 7],
                       color=PALETTE[i % len(PALETTE)],
                       label=str(ds["unit"].values[i]) if ax is axes[0] else None)
        ax.set_xlabel(label)
        ax.set_ylabel("COP (1)")
    fig.legend(loc="outside right upper", fontsize="small")
    return save(fig, out, "heat_pump_cop.png")


_LIMITS = (("dp", "substation Δp (bar)"), ("p_max", "max pressure (bar)"),
           ("p_min", "min pressure (bar)"), ("t_supply", "substation supply (K)"),
           ("velocity", "pipe velocity (m/s)"))


def fig_operating(ds: xr.Dataset, out: Path) -> Path | None:
    """Worst margin to each operating limit over time (below zero: violated) and the lifts."""
    if "op_dp_margin" not in ds or not np.isfinite(_arr(ds, "op_dp_margin")).any():
        return None
    t = ds["time"].to_numpy()
    fig, axes = new_figure(ds, "operating limits: worst margin each hour (below 0: violated)",
                           len(_LIMITS) + 1, 1, (10, 11))
    for ax, (kind, label) in zip(axes, _LIMITS, strict=False):
        margin = _arr(ds, f"op_{kind}_margin")
        ax.plot(t, margin, lw=0.8, color=PALETTE[0])
        ax.fill_between(t, np.minimum(margin, 0.0), 0.0, color="tab:red", alpha=0.5)
        ax.axhline(0.0, color="black", lw=0.6)
        ax.set_ylabel(label, fontsize="small")
        time_axis(ax)
    lift = _arr(ds, "plant_plift_bar")
    for i, name in enumerate(ds["plant"].values if "plant" in ds.dims else []):
        axes[-1].plot(t, lift[:, i], lw=0.8, color=PALETTE[i % len(PALETTE)], label=str(name))
    axes[-1].set_ylabel("plant lift (bar)", fontsize="small")
    axes[-1].legend(fontsize="small", ncols=3)
    time_axis(axes[-1])
    return save(fig, out, "operating_limits.png")


FIGURES: dict[str, tuple[Callable[..., Path | None], str]] = {
    "load_duration": (fig_load_duration, "Heat load duration curve, production stacked by unit"),
    "dispatch_week": (fig_dispatch_week, "Hourly dispatch by unit in the chosen week"),
    "dispatch_period": (fig_dispatch_period, "Dispatch by unit over the period, daily means"),
    "co2_intensity": (fig_co2, "Hourly CO2 intensity of grid electricity and of district heat"),
    "supply_temperature": (fig_supply_temperature,
                           "Plant and coldest-consumer supply temperature vs outdoor air"),
    "heat_pump_cop": (fig_cop, "Heat-pump COP vs source, supply and outdoor temperature"),
    "operating_limits": (fig_operating, "Worst margin to each operating limit, and plant lifts"),
    "bus_voltage": (fig_bus_voltage, "Bus voltage magnitude over time"),
    "branch_loading": (fig_loading, "Line and transformer loading over time"),
    "heat_network_map": (fig_heat_map, "Heat network pipe temperatures at the peak-heat hour"),
    "grid_map": (fig_grid_map, "Grid voltages and loadings at the peak-import hour"),
}


def plot_cube(ds: xr.Dataset, out: Path, week_start: str | None = None) -> list[Path]:
    """Every standard figure of one cube into ``out``, then ``index.html``; the written paths.
    Figures without data (no heat pumps, no positions, no lines) are left out."""
    out.mkdir(parents=True, exist_ok=True)
    masked = mask_failed(ds)
    written: list[tuple[Path, str]] = []
    for key, (fn, caption) in FIGURES.items():
        path = fn(masked, out, week_start) if key == "dispatch_week" else fn(masked, out)
        if path is not None:
            written.append((path, caption))
    name = str(ds.attrs.get("scenario", "cube"))
    index = write_index(out, f"{name}: {ds.attrs.get('title', '')}",
                        [(p.name, c) for p, c in written],
                        summary=format_summary(summarize(ds), name), attrs=ds.attrs)
    return [p for p, _ in written] + [index]


def _period_axes(axes: np.ndarray, figures: list[dict[str, float]], draw: Callable) -> None:
    """Left: CO2 (t), right: unserved heat (MW h) over the period, y from 0 to at least 1 so
    that round-off (1e-15 MW h) does not fill the axis; ``draw(ax, key)`` plots the values."""
    for ax, key, label in ((axes[0], "co2_t", "CO2 over the period (t)"),
                           (axes[1], "unserved_heat_mwh", "unserved heat (MW h)")):
        draw(ax, key)
        ax.set_ylim(0, max([1.0, *(1.05 * f[key] for f in figures if np.isfinite(f[key]))]))
        ax.set_ylabel(label)


def fig_sweep(ds: xr.Dataset, figures: list[dict[str, float]], param: str,
              out: Path) -> Path:
    """Period CO2 and unserved heat against one parameter; a line per value of the others."""
    others = [p for p in sweep_parameters(ds) if p != param]
    x, label = ds[param].values, ds[param].attrs.get("long_name", param)
    groups: dict[str, list[int]] = {}
    for k in range(ds.sizes["scenario"]):
        key = ", ".join(f"{ds[o].attrs.get('long_name', o)}={ds[o].values[k]}" for o in others)
        groups.setdefault(key, []).append(k)

    def draw(ax, key: str) -> None:
        for group, idx in groups.items():
            idx = sorted(idx, key=lambda k: x[k]) if x.dtype.kind in "fiu" else idx
            xs = x[idx] if x.dtype.kind in "fiu" else [str(x[k]) for k in idx]
            ax.plot(xs, [figures[k][key] if abs(figures[k][key]) > 1e-6 else 0.0
                         for k in idx], "o-", label=group or None)
        ax.set_xlabel(label)
        if len(groups) > 1:
            ax.legend(fontsize="small")

    hours = max(f["hours"] for f in figures)
    fig, axes = new_figure(ds, f"CO2 and unserved heat against {label} ({hours:.0f} h)", 1, 2,
                     (11, 4.5))
    _period_axes(axes, figures, draw)
    return save(fig, out, f"sweep_{param}.png")


def fig_sweep_cases(ds: xr.Dataset, figures: list[dict[str, float]], out: Path) -> Path:
    """Period CO2 and unserved heat per case, for a directory without swept parameters."""
    names = [str(s) for s in ds["scenario"].values]

    def draw(ax, key: str) -> None:
        ax.bar(names, [f[key] for f in figures], color=PALETTE[: len(names)])
        ax.set_xlabel("case")
        ax.tick_params(axis="x", labelrotation=30)

    fig, axes = new_figure(ds, "CO2 and unserved heat per case", 1, 2, (11, 4.5))
    _period_axes(axes, figures, draw)
    return save(fig, out, "sweep_cases.png")


def plot_sweep(ds: xr.Dataset, out: Path) -> list[Path]:
    """Sweep figures (one per swept parameter) and ``index.html`` with a per-case table."""
    out.mkdir(parents=True, exist_ok=True)
    figures = [summarize(ds.isel(scenario=k)) for k in range(ds.sizes["scenario"])]
    written = [(fig_sweep(ds, figures, p, out),
                f"CO2 and unserved heat against {ds[p].attrs.get('long_name', p)}")
               for p in sweep_parameters(ds)]
    written = written or [(fig_sweep_cases(ds, figures, out), "CO2 and unserved heat per case")]
    index = write_index(out, f"sweep of {ds.sizes['scenario']} cases",
                        [(p.name, c) for p, c in written], table=sweep_table(ds, figures),
                        attrs=ds.attrs)
    return [p for p, _ in written] + [index]


def plot_results(source: str | os.PathLike[str], out: str | os.PathLike[str] | None = None,
                 week_start: str | None = None) -> list[Path]:
    """Figures and ``index.html`` of a cube (default ``<cube stem>_figures/`` beside it) or of
    a sweep directory (default ``<dir>/figures/``); the written paths, ``index.html`` last."""
    source = Path(source)
    ds = open_results(source)
    if "scenario" in ds.dims:
        return plot_sweep(ds, Path(out) if out else source / "figures")
    return plot_cube(ds, Path(out) if out else source.with_name(f"{source.stem}_figures"),
                     week_start)

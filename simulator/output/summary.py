"""Period figures of a result cube: what ``districtsim summary`` prints.

Figures are computed over converged hours (1 h per step; heat demand, an input, over all hours,
with the demand of hours not solved shown apart): heat (MW h), losses (%), electricity, CO2
(t and g per kWh of heat delivered), each unit's share of the heat, extremes of temperatures,
voltages and loadings, the worst heat-balance error, and whether a carbon target is met.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import numpy as np
import xarray as xr

from simulator.output.operating import operating_figures


def _values(ds: xr.Dataset, name: str) -> np.ndarray | None:
    """``name`` as a (time[, element]) float array, or None when absent."""
    if name not in ds:
        return None
    da = ds[name]
    return da.transpose("time", *(d for d in da.dims if d != "time")).to_numpy().astype(float)


def _sum(a: np.ndarray, axis: int | None = None) -> Any:
    """nansum that gives NaN where every value is NaN (nothing recorded, or no elements)."""
    return np.where(np.all(np.isnan(a), axis=axis), np.nan, np.nansum(a, axis=axis))


def _extreme(a: np.ndarray | None, fn: Any) -> float:
    if a is None or not np.any(np.isfinite(a)):
        return float("nan")
    return float(fn(a))


def summarize(ds: xr.Dataset) -> dict[str, float]:
    """Period figures (MW h, t, MW, °C, percent, per unit) over converged hours, 1 h per step.

    Element variables are summed over elements hour by hour; absent variables or dims give NaN.
    """
    if "scenario" in ds.dims:
        raise ValueError("summarize takes one scenario; select one with ds.sel(scenario=...)")
    n = ds.sizes["time"]
    conv = _values(ds, "converged")
    mask = np.ones(n, bool) if conv is None else np.nan_to_num(conv) == 1
    nan = float("nan")

    def rows(name: str) -> np.ndarray | None:
        a = _values(ds, name)
        return None if a is None else a[mask]

    def hourly(*names: str) -> np.ndarray | None:
        """Hourly totals (MW) of the first of ``names`` that holds any recorded value."""
        for name in names:
            a = rows(name)
            if a is not None:
                h = _sum(a, axis=1) if a.ndim == 2 else a
                if np.any(np.isfinite(h)):
                    return h
        return None

    def total(*names: str) -> float:
        h = hourly(*names)
        return nan if h is None else float(_sum(h))

    supplied_h, delivered_h = hourly("unit_heat_mw"), hourly("consumer_heat_mw")
    loss_h = hourly("heat_loss_mw")
    f: dict[str, float] = {"hours": float(n), "hours_converged": float(mask.sum())}
    f["converged_share"] = f["hours_converged"] / n
    f["heat_delivered_mwh"] = deliv = total("consumer_heat_mw")
    f["heat_supplied_mwh"] = sup = total("unit_heat_mw")
    f.update(_demand(ds, mask))
    f["unserved_heat_mwh"] = total("unserved_heat_mw")
    f["heat_loss_mwh"] = total("heat_loss_mw")
    f["heat_loss_percent"] = f["heat_loss_mwh"] / sup * 100 if sup else nan
    el = rows("unit_el_mw")
    f["el_drawn_mwh"] = nan if el is None else float(_sum(np.clip(el, 0.0, None)))
    f["co2_t"] = total("co2_t", "unit_co2_t")
    f["co2_g_per_kwh_heat"] = f["co2_t"] * 1e6 / (deliv * 1e3) if deliv else nan
    if "co2_marginal_t" in ds and np.any(np.isfinite(rows("co2_marginal_t"))):
        f["co2_marginal_t"] = total("co2_marginal_t")
        f["co2_marginal_g_per_kwh_heat"] = f["co2_marginal_t"] * 1e3 / deliv if deliv else nan
    if "cost_eur" in ds and np.any(np.isfinite(rows("cost_eur"))):
        f["cost_eur"] = total("cost_eur")
        f["cost_eur_per_mwh_heat"] = f["cost_eur"] / deliv if deliv else nan
    fallback = rows("dispatch_fallback")
    if fallback is not None and (ds.attrs.get("dispatch_policy") == "optimal"
                                 or np.nansum(fallback) > 0):
        f["hours_fallback"] = float(np.nansum(fallback))
    f["peak_heat_mw"] = _extreme(supplied_h, np.nanmax)
    f["min_consumer_t_supply_c"] = _extreme(rows("consumer_t_supply_k"), np.nanmin) - 273.15
    f["min_bus_vm_pu"] = _extreme(rows("bus_vm_pu"), np.nanmin)
    f["max_bus_vm_pu"] = _extreme(rows("bus_vm_pu"), np.nanmax)
    f["max_line_loading_percent"] = _extreme(rows("line_loading_percent"), np.nanmax)
    f["max_trafo_loading_percent"] = _extreme(rows("trafo_loading_percent"), np.nanmax)
    err = None
    if supplied_h is not None and delivered_h is not None and loss_h is not None:
        ok = np.abs(supplied_h) > 1e-9
        stored_h = hourly("network_heat_change_mw")
        change_h = 0.0 if stored_h is None else np.nan_to_num(stored_h)
        err = (np.abs(supplied_h - delivered_h - loss_h - change_h)[ok]
               / np.abs(supplied_h[ok]) * 100)
    f["max_balance_error_percent"] = _extreme(err, np.nanmax)
    f["el_fed_in_mwh"] = nan if el is None else float(-_sum(np.clip(el, None, 0.0))) + 0.0
    f.update(operating_figures(ds))
    f.update(_carbon_target(ds, f["co2_g_per_kwh_heat"]))
    f.update(_unit_shares(ds, rows("unit_heat_mw")))
    f.update(_store_cycles(ds, rows("unit_heat_mw")))
    for adapter in ("heat", "grid"):  # which solver path ran (cubes written since issue 13)
        key = f"solver_{adapter}_fast_hours"
        if key in ds.attrs:
            f[f"hours_{adapter}_fast"] = float(ds.attrs[key])
    return f


def _demand(ds: xr.Dataset, mask: np.ndarray) -> dict[str, float]:
    """Heat demand over every hour (an input, known whether or not the hour was solved) and,
    when hours were not solved, how many and the demand they held (their delivery is unknown)."""
    hourly = None
    for name in ("heat_demand_mw", "consumer_demand_mw"):
        a = _values(ds, name)
        if a is not None:
            h = _sum(a, axis=1) if a.ndim == 2 else a
            if np.any(np.isfinite(h)):
                hourly = h
                break
    if hourly is None:
        return {"heat_demand_mwh": float("nan")}
    out = {"heat_demand_mwh": float(_sum(hourly))}
    if not mask.all():
        out["hours_not_solved"] = float((~mask).sum())
        out["demand_not_solved_mwh"] = float(_sum(hourly[~mask]))
    return out


def _store_cycles(ds: xr.Dataset, heat: np.ndarray | None) -> dict[str, float]:
    """Full-cycle equivalents of each store: heat it discharged over its usable energy
    (``storage_usable_mwh`` attribute: (soc_max - soc_min) x capacity)."""
    usable = json.loads(str(ds.attrs.get("storage_usable_mwh") or "{}"))
    if heat is None or not usable or "unit" not in ds.dims:
        return {}
    names = ds["unit"].values.tolist()
    out = {}
    for name, mwh in usable.items():
        if name in names and mwh > 0:
            out[f"cycles:{name}"] = float(np.nansum(np.clip(heat[:, names.index(name)], 0.0,
                                                            None)) / mwh)
    return out


def _carbon_target(ds: xr.Dataset, g_per_kwh: float) -> dict[str, float]:
    """The scenario's carbon target (cube attribute) and whether the period meets it."""
    target = ds.attrs.get("co2_target_g_per_kwh")
    if target is None or target == "":
        return {}
    target = float(target)
    return {"co2_target_g_per_kwh": target, "carbon_target_met": float(g_per_kwh <= target)}


def _verdict(figures: Mapping[str, float]) -> str:
    """Whether the carbon target is met, and whether every hour behind it was feasible."""
    if figures["carbon_target_met"] != 1.0:
        return "NO"
    infeasible = figures.get("hours_infeasible", 0.0) + figures.get("hours", 0.0) - figures.get(
        "hours_converged", figures.get("hours", 0.0))
    if infeasible > 0:
        return f"yes, but {infeasible:.0f} h not feasible"
    return "yes, every hour feasible" if "hours_infeasible" in figures else "yes"


def _unit_shares(ds: xr.Dataset, heat: np.ndarray | None) -> dict[str, float]:
    """Each unit's share (%) of the heat produced (positive heat; stores' discharge counts)."""
    if heat is None or "unit" not in ds.dims:
        return {}
    produced = np.nansum(np.clip(heat, 0.0, None), axis=0)
    total = produced.sum()
    if total <= 0.0:
        return {}
    return {f"share:{name}": float(p / total * 100.0)
            for name, p in zip(ds["unit"].values.tolist(), produced, strict=True) if p > 0.0}


#: figures of the solved hours only: labelled so when hours were not solved
SOLVED_ONLY = {"heat_delivered_mwh", "heat_supplied_mwh", "unserved_heat_mwh", "hours_unserved"}
_ROWS: tuple[tuple[str, str, str, str], ...] = (
    ("hours", "hours", "h", ".0f"), ("hours_converged", "hours converged", "h", ".0f"),
    ("converged_share", "converged share", "1", ".3f"),
    ("heat_demand_mwh", "heat demand", "MW h", ".1f"),
    ("heat_delivered_mwh", "heat delivered", "MW h", ".1f"),
    ("hours_not_solved", "not solved (delivery unknown)", "h", ".0f"),
    ("demand_not_solved_mwh", "  demand in hours not solved", "MW h", ".1f"),
    ("heat_supplied_mwh", "heat supplied", "MW h", ".1f"),
    ("unserved_heat_mwh", "heat unserved", "MW h", ".1f"),
    ("heat_loss_mwh", "heat loss", "MW h", ".1f"), ("heat_loss_percent", "heat loss", "%", ".2f"),
    ("el_drawn_mwh", "electricity drawn", "MW h", ".1f"), ("co2_t", "CO2", "t", ".1f"),
    ("co2_g_per_kwh_heat", "CO2 per heat delivered", "g/kWh", ".1f"),
    ("co2_marginal_t", "CO2, marginal grid accounting", "t", ".1f"),
    ("co2_marginal_g_per_kwh_heat", "CO2 per heat, marginal grid", "g/kWh", ".1f"),
    ("cost_eur", "cost (fuel, CO2 price, electricity)", "EUR", ".0f"),
    ("cost_eur_per_mwh_heat", "cost per heat delivered", "EUR/MWh", ".2f"),
    ("hours_fallback", "hours planned by merit fallback", "h", ".0f"),
    ("peak_heat_mw", "peak heat", "MW", ".1f"),
    ("min_consumer_t_supply_c", "min consumer supply temp", "°C", ".1f"),
    ("min_bus_vm_pu", "min bus voltage", "p.u.", ".4f"),
    ("max_bus_vm_pu", "max bus voltage", "p.u.", ".4f"),
    ("max_line_loading_percent", "max line loading", "%", ".1f"),
    ("max_trafo_loading_percent", "max trafo loading", "%", ".1f"),
    ("max_balance_error_percent", "max heat balance error", "%", ".3f"),
    ("el_fed_in_mwh", "electricity fed in (CHP)", "MW h", ".1f"),
    ("hours_feasible", "hours feasible", "h", ".0f"),
    ("hours_infeasible", "hours converged, not feasible", "h", ".0f"),
    ("hours_unserved", "hours with unserved heat", "h", ".0f"),
    ("max_slack_lift_bar", "max lift, pressure-holding plant", "bar", ".2f"),
    ("hours_heat_fast", "hours on the fast heat path", "h", ".0f"),
    ("hours_grid_fast", "hours on the fast grid path", "h", ".0f"),
    ("co2_target_g_per_kwh", "carbon target", "g/kWh", ".1f"),
)


def format_summary(figures: Mapping[str, float], title: str) -> str:
    """An aligned text table: label, value, unit per row; NaN shown as ``n/a``."""
    known = {key for key, *_ in _ROWS} | {"carbon_target_met"}
    prefixed = {"share:": ("  heat share {}", "%", ".1f"), "boost:": ("  booster heat {}", "MW h",
                                                                      ".1f"),
                "hours_violated:": ("  hours violating {}", "h", ".0f"),
                "cycles:": ("  full-cycle equivalents {}", "1", ".1f")}
    rows = [r for r in _ROWS if r[0] in figures]
    for prefix, (label, unit, fmt) in prefixed.items():
        rows += [(k, label.format(k.split(":", 1)[1]), unit, fmt)
                 for k in figures if k.startswith(prefix)]
    rows += [(k, k, "", ".4g") for k in figures
             if k not in known and not k.startswith(tuple(prefixed))]
    if figures.get("hours_not_solved"):  # delivery of the hours not solved is unknown
        rows = [(k, label + (" (solved hours)" if k in SOLVED_ONLY else ""), unit, fmt)
                for k, label, unit, fmt in rows]
    cells = [(label, "n/a" if np.isnan(figures[k]) else format(figures[k], fmt), unit)
             for k, label, unit, fmt in rows]
    if "carbon_target_met" in figures:
        cells.append(("carbon target met", _verdict(figures), ""))
    lw = max((len(c[0]) for c in cells), default=0)
    vw = max((len(c[1]) for c in cells), default=0)
    lines = [title, "-" * max(len(title), lw + vw + 8)]
    lines += [f"{label:<{lw}}  {value:>{vw}} {unit}".rstrip() for label, value, unit in cells]
    return "\n".join(lines)


def format_comparison(figures: Mapping[str, Mapping[str, float]]) -> str:
    """Side-by-side CO2 and heat figures of several cubes, with the change against the first."""
    names = list(figures)
    keys = [("heat_delivered_mwh", "heat delivered", "MW h"), ("co2_t", "CO2", "t"),
            ("co2_g_per_kwh_heat", "CO2 per heat delivered", "g/kWh"),
            ("el_drawn_mwh", "electricity drawn", "MW h")]
    width = max(12, *(len(n) for n in names))
    lines = ["comparison".ljust(32) + "".join(n.rjust(width + 2) for n in names)]
    for key, label, unit in keys:
        values = [figures[n].get(key, float("nan")) for n in names]
        lines.append(f"{label} ({unit})".ljust(32)
                     + "".join(f"{v:{width + 2}.1f}" for v in values))
    base = figures[names[0]].get("co2_g_per_kwh_heat", float("nan"))
    for n in names[1:]:
        value = figures[n].get("co2_g_per_kwh_heat", float("nan"))
        if base > 0 and np.isfinite(value):
            lines.append(f"{n} emits {(1 - value / base) * 100:.1f} % less CO2 per MW h of heat "
                         f"than {names[0]}" if value <= base else
                         f"{n} emits {(value / base - 1) * 100:.1f} % more CO2 per MW h of heat "
                         f"than {names[0]}")
    return "\n".join(lines)


def format_worth(figures: Mapping[str, Mapping[str, float]], title: str) -> str:
    """What the stores change: the run with them, without them, and the difference."""
    with_, without = figures["with"], figures["without"]
    keys = [("heat_delivered_mwh", "heat delivered", "MW h"), ("co2_t", "CO2", "t"),
            ("co2_marginal_t", "CO2, marginal grid accounting", "t"),
            ("cost_eur", "cost", "EUR"), ("el_drawn_mwh", "electricity drawn", "MW h"),
            ("unserved_heat_mwh", "heat unserved", "MW h")]
    lines = [title, f"{'':34}{'with stores':>16}{'without':>16}{'stores change':>16}"]
    for key, label, unit in keys:
        a, b = with_.get(key, float("nan")), without.get(key, float("nan"))
        lines.append(f"{label + ' (' + unit + ')':34}{a:16.1f}{b:16.1f}{a - b:+16.1f}")
    lines += [f"{'full-cycle equivalents ' + k.split(':', 1)[1]:34}{v:16.1f}"
              for k, v in with_.items() if k.startswith("cycles:")]
    return "\n".join(lines)

"""What a cube says about feasible operation: infeasible hours, worst elements, lifts, boosters.

:func:`operating_figures` gives numbers for the summary table (hours, MW h, bar);
:func:`operating_notes` the lines that name the worst element of each limit kind and when.
Cubes written before the operating limits existed give neither.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import xarray as xr

KINDS = {"dp": ("substation differential pressure", "bar"),
         "p_max": ("maximum pressure", "bar"), "p_min": ("minimum pressure", "bar"),
         "t_supply": ("substation supply temperature", "K"),
         "velocity": ("pipe velocity", "m/s")}


def _flag(ds: xr.Dataset, name: str) -> np.ndarray:
    return np.nan_to_num(ds[name].to_numpy().astype(float)) == 1


def operating_figures(ds: xr.Dataset) -> dict[str, float]:
    """Hours infeasible (converged, but a limit or the grid not kept), per limit kind; the
    hours with unserved heat; the pressure-holding plant's highest lift; booster heat by unit.
    """
    if "feasible" not in ds:
        return {}
    conv = _flag(ds, "converged")
    out = {"hours_feasible": float((_flag(ds, "feasible") & conv).sum()),
           "hours_infeasible": float((~_flag(ds, "feasible") & conv).sum())}
    for kind in KINDS:
        out[f"hours_violated:{kind}"] = float((~_flag(ds, f"op_{kind}_ok") & conv).sum())
    unserved = np.nan_to_num(ds["unserved_heat_mw"].to_numpy()) > 1e-6
    out["hours_unserved"] = float((unserved & conv).sum())
    if "plant_plift_bar" in ds and ds.sizes.get("plant", 0):
        lift = ds["plant_plift_bar"].isel(plant=0).to_numpy()[conv]
        out["max_slack_lift_bar"] = float(np.nanmax(lift)) if np.isfinite(lift).any() else np.nan
    if "unit_boost_mw" in ds:
        boost = ds["unit_boost_mw"].transpose("time", "unit").to_numpy()[conv]
        for name, mwh in zip(ds["unit"].values.tolist(), np.nansum(boost, axis=0), strict=True):
            if mwh > 0.0:
                out[f"boost:{name}"] = float(mwh)
    return out


def operating_notes(ds: xr.Dataset) -> list[str]:
    """One line per limit kind that was violated: how often, the worst margin, where, when."""
    if "feasible" not in ds:
        return []
    conv = _flag(ds, "converged")
    lines = []
    for kind, (what, unit) in KINDS.items():
        bad = ~_flag(ds, f"op_{kind}_ok") & conv
        if not bad.any():
            continue
        margin = np.where(bad, ds[f"op_{kind}_margin"].to_numpy(), np.nan)
        h = int(np.nanargmin(margin))
        when = pd.Timestamp(ds["time"].to_numpy()[h]).strftime("%Y-%m-%d %H:%M")
        element = str(ds[f"op_{kind}_element"].to_numpy()[h])
        lines.append(f"  {what}: {int(bad.sum())} h outside the limit, worst "
                     f"{margin[h]:+.2f} {unit} at {element} ({when})")
    return lines

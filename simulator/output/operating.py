"""What a cube says about feasible operation: infeasible hours, worst elements, lifts, boosters.

:func:`operating_figures` gives numbers for the summary table (hours, MW h, bar);
:func:`operating_notes` the lines that name the worst element of each limit kind and when.
Cubes written before the operating limits existed give neither.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import xarray as xr

#: limit kind: (what, unit of the margin, its format); the grid's kinds are in cubes written
#: since issue 21 (older cubes leave them out)
KINDS = {"dp": ("substation differential pressure", "bar", "+.2f"),
         "p_max": ("maximum pressure", "bar", "+.2f"), "p_min": ("minimum pressure", "bar", "+.2f"),
         "t_supply": ("substation supply temperature", "K", "+.2f"),
         "velocity": ("pipe velocity", "m/s", "+.2f"),
         "vm_min": ("bus voltage, low end of the band", "p.u.", "+.4f"),
         "vm_max": ("bus voltage, high end of the band", "p.u.", "+.4f"),
         "line_loading": ("line loading", "% points", "+.1f"),
         "trafo_loading": ("transformer loading", "% points", "+.1f")}

GRID = ("vm_min", "vm_max", "line_loading", "trafo_loading")
RECORDED_ONLY = "; recorded only (coupling disabled: not counted as infeasible)"


def _kinds(ds: xr.Dataset) -> list[str]:
    """The limit kinds the cube records."""
    return [kind for kind in KINDS if f"op_{kind}_ok" in ds]


def _flag(ds: xr.Dataset, name: str) -> np.ndarray:
    return np.nan_to_num(ds[name].to_numpy().astype(float)) == 1


def operating_figures(ds: xr.Dataset) -> dict[str, float]:
    """Hours infeasible (converged, but a limit or the grid not kept), per limit kind (the
    grid's counted even where the scenario only records them, coupling disabled); the
    hours with unserved heat; the pressure-holding plant's highest lift; booster heat by unit.
    """
    if "feasible" not in ds:
        return {}
    conv = _flag(ds, "converged")
    out = {"hours_feasible": float((_flag(ds, "feasible") & conv).sum()),
           "hours_infeasible": float((~_flag(ds, "feasible") & conv).sum())}
    for kind in _kinds(ds):
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
    enforced = ds.attrs.get("grid_limits_enforced", "1") != "0"
    lines = []
    for kind in _kinds(ds):
        what, unit, fmt = KINDS[kind]
        bad = ~_flag(ds, f"op_{kind}_ok") & conv
        if not bad.any():
            continue
        margin = np.where(bad, ds[f"op_{kind}_margin"].to_numpy(), np.nan)
        h = int(np.nanargmin(margin))
        when = pd.Timestamp(ds["time"].to_numpy()[h]).strftime("%Y-%m-%d %H:%M")
        element = str(ds[f"op_{kind}_element"].to_numpy()[h])
        lines.append(f"  {what}: {int(bad.sum())} h outside the limit, worst "
                     f"{margin[h]:{fmt}} {unit} at {element} ({when})"
                     + (RECORDED_ONLY if kind in GRID and not enforced else ""))
    return lines

"""Hourly results of a cube summarised per element, placed by the cube's geometry coordinates.

Tables (a ``coords`` column of vertex lists, for :func:`simulator.gis.layers.write_layers`):

* ``pipes``: ``peak_mdot_kg_per_s`` (largest |mass flow|), ``max_v_m_per_s`` (largest
  |velocity|), ``mean_loss_kw`` (heat loss estimated from the end junctions' temperatures,
  |mdot| cp (T_upstream - T_downstream), mean over the hours; est.: the downstream junction's
  temperature is mixed), ``min_t_c`` (lowest upstream temperature);
* ``junctions``: ``min_p_bar``, ``max_p_bar``, ``min_t_c``, ``max_t_c``;
* ``consumers``: ``peak_demand_mw``, ``peak_heat_mw``, ``min_dp_bar`` (smallest supply minus
  return pressure), ``min_t_supply_c``, ``unserved_mwh``.

Elements without a position (a network file without ``geo``) are left out.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import xarray as xr

CP_J_PER_KGK = 4190.0  # water, for the loss estimate
K_TO_C = 273.15


def _positions(ds: xr.Dataset) -> dict[str, tuple[float, float]]:
    x = ds["junction_x"].to_numpy().astype(float)
    y = ds["junction_y"].to_numpy().astype(float)
    return {str(n): (x[k], y[k]) for k, n in enumerate(ds["junction"].to_numpy())
            if np.isfinite(x[k]) and np.isfinite(y[k])}


def _hourly(ds: xr.Dataset, name: str, dim: str) -> np.ndarray:
    """``ds[name]`` as a (time, element) float array."""
    return ds[name].transpose("time", dim).to_numpy().astype(float)


def _has(ds: xr.Dataset, *names: str) -> bool:
    return all(n in ds.variables for n in names)


def pipe_table(ds: xr.Dataset, where: dict[str, tuple[float, float]]) -> pd.DataFrame:
    """Per pipe: peak flow, max velocity, mean loss (est.), lowest upstream temperature."""
    mdot = _hourly(ds, "pipe_mdot_kg_per_s", "pipe")  # (time, pipe)
    t = _hourly(ds, "junction_t_k", "junction")
    index = {str(n): k for k, n in enumerate(ds["junction"].to_numpy())}
    a = np.array([index[str(j)] for j in ds["pipe_from_junction"].to_numpy()])
    b = np.array([index[str(j)] for j in ds["pipe_to_junction"].to_numpy()])
    t_up = np.where(mdot >= 0, t[:, a], t[:, b])
    t_down = np.where(mdot >= 0, t[:, b], t[:, a])
    loss_kw = np.abs(mdot) * CP_J_PER_KGK * (t_up - t_down) / 1e3
    frame = pd.DataFrame({
        "name": ds["pipe"].to_numpy().astype(str),
        "from_junction": ds["pipe_from_junction"].to_numpy().astype(str),
        "to_junction": ds["pipe_to_junction"].to_numpy().astype(str),
        "peak_mdot_kg_per_s": np.nanmax(np.abs(mdot), axis=0),
        "max_v_m_per_s": np.nanmax(np.abs(_hourly(ds, "pipe_v_m_per_s", "pipe")), axis=0),
        "mean_loss_kw": np.nanmean(loss_kw, axis=0),
        "min_t_c": np.nanmin(t_up, axis=0) - K_TO_C,
    })
    frame["coords"] = [[where[f], where[t]] if f in where and t in where else None
                       for f, t in zip(frame["from_junction"], frame["to_junction"], strict=True)]
    return frame.dropna(subset=["coords"]).reset_index(drop=True)


def junction_table(ds: xr.Dataset, where: dict[str, tuple[float, float]]) -> pd.DataFrame:
    """Per junction: pressure and temperature range over the hours."""
    p = _hourly(ds, "junction_p_bar", "junction")
    t = _hourly(ds, "junction_t_k", "junction") - K_TO_C
    frame = pd.DataFrame({
        "name": ds["junction"].to_numpy().astype(str),
        "min_p_bar": np.nanmin(p, axis=0), "max_p_bar": np.nanmax(p, axis=0),
        "min_t_c": np.nanmin(t, axis=0), "max_t_c": np.nanmax(t, axis=0)})
    frame["coords"] = [[where[n]] if n in where else None for n in frame["name"]]
    return frame.dropna(subset=["coords"]).reset_index(drop=True)


def consumer_table(ds: xr.Dataset, where: dict[str, tuple[float, float]]) -> pd.DataFrame:
    """Per consumer: peak demand and heat, smallest differential pressure, coldest supply,
    unserved energy (MWh, hourly steps)."""
    frame = pd.DataFrame({
        "name": ds["consumer"].to_numpy().astype(str),
        "junction": ds["consumer_junction"].to_numpy().astype(str),
        "peak_demand_mw": ds["consumer_demand_mw"].max("time").to_numpy().astype(float),
        "peak_heat_mw": ds["consumer_heat_mw"].max("time").to_numpy().astype(float),
        "min_dp_bar": ds["consumer_dp_bar"].min("time").to_numpy().astype(float),
        "min_t_supply_c": ds["consumer_t_supply_k"].min("time").to_numpy().astype(float) - K_TO_C,
    })
    if _has(ds, "consumer_unserved_mw"):
        frame["unserved_mwh"] = ds["consumer_unserved_mw"].sum("time").to_numpy().astype(float)
    frame["coords"] = [[where[j]] if j in where else None for j in frame["junction"]]
    return frame.dropna(subset=["coords"]).reset_index(drop=True)


def result_tables(ds: xr.Dataset) -> dict[str, pd.DataFrame]:
    """The three summary tables of a cube (see the module docstring)."""
    if not _has(ds, "junction_x", "junction_y", "pipe_from_junction", "consumer_junction"):
        raise ValueError("the cube has no geometry coordinates (junction_x, junction_y, ...)")
    where = _positions(ds)
    return {"pipes": pipe_table(ds, where), "junctions": junction_table(ds, where),
            "consumers": consumer_table(ds, where)}

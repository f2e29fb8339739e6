"""Result cube: the hourly Recorder, and CF netCDF writing and reading (the variable table:
:mod:`simulator.output.variables`).

The :class:`Recorder` fills one contiguous row per hour, ``(time, element)``; the cube stores
every element variable as ``(element, time)`` (:func:`cube_dims`): CF §2.4 recommends that
dimensions other than T, Z, Y and X stand to the *left* of them. Element names are strings, and
CF coordinate variables must be numeric and monotonic, so on disk a dimension ``unit`` has no
coordinate variable: its names are the auxiliary coordinate ``unit_name(unit)``.
:func:`open_results` makes them the ``unit`` index again (``ds.sel(unit="dc_hp")``). Values are
float64 while recording; the 0/1 flags are stored as int8. Encodings (compression, fill values,
time units) are built by :func:`encoding_for`, apart from the attributes set in
:meth:`Recorder.to_dataset`, as xarray itself keeps them apart.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from simulator.output.atomic import clean_stale_temps, fsync, output_problems, temp_name
from simulator.output.variables import (
    _BY_NAME,
    _HOUR,
    CONVENTIONS,
    ELEMENT_DIMS,
    NAME_SUFFIX,
    ON_SCALE,
    VARIABLES,
    Variable,
    cube_dims,
)

__all__ = [
    "ELEMENT_DIMS", "VARIABLES", "Recorder", "Variable", "cube_dims", "encoding_for",
    "from_disk", "open_results", "output_problems", "to_disk", "write_cube",
]



class Recorder:
    """Preallocated float64 arrays (NaN-filled), one row per hour, for every entry of VARIABLES."""

    def __init__(self, time: np.ndarray, coords: Mapping[str, Sequence[str]]) -> None:
        """``time``: hourly datetime64 array; ``coords``: element names per dim (missing = none)."""
        t = np.asarray(time).astype("datetime64[ns]")
        if t.ndim != 1 or t.size == 0:
            raise ValueError("time must be a non-empty 1-D datetime64 array")
        if np.any(np.diff(t) != _HOUR):
            raise ValueError("time must be hourly and increasing")
        unknown = set(coords) - set(ELEMENT_DIMS)
        if unknown:
            raise ValueError(f"unknown element dims {sorted(unknown)}; known: {ELEMENT_DIMS}")
        self.time = t
        self.coords: dict[str, list[str]] = {}
        for dim in ELEMENT_DIMS:
            names = [str(n) for n in coords.get(dim, ())]
            if len(set(names)) != len(names):
                raise ValueError(f"duplicate {dim} names in {names}")
            self.coords[dim] = names
        self._data: dict[str, np.ndarray] = {}
        for var in VARIABLES:
            shape = (t.size, *(len(self.coords[d]) for d in var.dims[1:]))
            self._data[var.name] = (np.full(shape, "", dtype=object) if var.is_text
                                    else np.full(shape, np.nan, dtype=np.float64))

    def record(self, i: int, values: Mapping[str, float | str | np.ndarray]) -> None:
        """Write hour ``i``; all names and shapes are checked before anything is written."""
        if not 0 <= i < self.time.size:
            raise IndexError(f"hour index {i} outside 0..{self.time.size - 1}")
        rows: list[tuple[str, np.ndarray]] = []
        for name, value in values.items():
            if name not in self._data:
                raise KeyError(f"unknown result variable {name!r}")
            text = _BY_NAME[name].is_text
            row = np.asarray(value, dtype=object if text else np.float64)
            expected = self._data[name].shape[1:]
            if row.shape != expected:
                raise ValueError(f"{name}: expected shape {expected}, got {row.shape}")
            rows.append((name, row))
        for name, row in rows:
            self._data[name][i] = row

    def array(self, name: str) -> np.ndarray:
        """The recording array of ``name`` itself (not a copy), shaped (time[, element])."""
        if name not in self._data:
            raise KeyError(f"unknown result variable {name!r}")
        return self._data[name]

    def to_dataset(self, attrs: Mapping[str, str]) -> xr.Dataset:
        """A CF dataset (copies of the arrays) with ``Conventions`` plus the given global attrs."""
        coords: dict[str, Any] = {
            "time": ("time", self.time.copy(),
                     {"standard_name": "time", "long_name": "time", "axis": "T",
                      # UTC-naive hours of 3600 s: CF 1.11 §4.4.1
                      "units_metadata": "leap_seconds: none"}),
        }
        for dim, names in self.coords.items():
            coords[dim] = (dim, np.array(names, dtype=str), {"long_name": f"{dim} name"})
        data_vars: dict[str, Any] = {}
        for var in VARIABLES:
            values = self._data[var.name]
            dims, order = cube_dims(var.dims), [var.dims.index(d) for d in cube_dims(var.dims)]
            if var.is_text:
                data_vars[var.name] = (dims, values.astype(str).transpose(order),
                                       {"long_name": var.long_name})
                continue
            var_attrs: dict[str, Any] = {"units": var.units, "long_name": var.long_name}
            if var.standard_name:
                var_attrs["standard_name"] = var.standard_name
            if var.currency:
                var_attrs["currency"] = var.currency
            metadata = var.units_metadata or (ON_SCALE if var.units == "K" else None)
            if metadata:
                var_attrs["units_metadata"] = metadata
            if var.flag_meanings:
                values = (np.isfinite(values) & (values != 0)).astype(np.int8)
                var_attrs["flag_values"] = np.array([0, 1], dtype=np.int8)
                var_attrs["flag_meanings"] = var.flag_meanings
            data_vars[var.name] = (dims, np.ascontiguousarray(values.transpose(order)), var_attrs)
        return xr.Dataset(data_vars, coords, attrs={"Conventions": CONVENTIONS, **attrs})


def encoding_for(ds: xr.Dataset) -> dict[str, dict[str, Any]]:
    """netCDF encodings: zlib level 4 float64 with NaN fill; no fill for ints and coords; time in
    hours since its first value (int64 when whole hours), proleptic Gregorian calendar."""
    enc: dict[str, dict[str, Any]] = {}
    for name, var in ds.variables.items():
        if name == "time":
            t = pd.DatetimeIndex(np.asarray(var.values))
            offsets = (t - t[0]) / pd.Timedelta(hours=1)
            whole = bool(np.all(np.asarray(offsets) == np.round(offsets)))
            enc[name] = {
                "units": f"hours since {t[0].isoformat()}",
                "calendar": "proleptic_gregorian",
                "dtype": "int64" if whole else "float64",
                "_FillValue": None,
            }
        elif name in ds.coords or var.dtype.kind not in "fiub":
            enc[name] = {"_FillValue": None}
        elif var.dtype.kind == "f":
            enc[name] = {"zlib": True, "complevel": 4, "shuffle": True,
                         "dtype": "float64", "_FillValue": np.nan}
        else:
            enc[name] = {"zlib": True, "complevel": 4, "_FillValue": None}
    return enc


def to_disk(ds: xr.Dataset) -> xr.Dataset:
    """The on-disk form: each string element index ``dim`` becomes the auxiliary coordinate
    ``<dim>_name`` (CF coordinate variables are numeric and monotonic)."""
    out = ds
    for dim in [d for d in ds.dims if d != "time" and d in ds.indexes]:
        if ds[dim].dtype.kind in "OSU":
            attrs = dict(ds[dim].attrs)
            names = (dim, np.asarray(ds[dim].values, dtype=str), attrs)
            out = out.drop_vars(dim).assign_coords({f"{dim}{NAME_SUFFIX}": names})
    return out


def from_disk(ds: xr.Dataset) -> xr.Dataset:
    """The in-memory form of a cube read from disk: ``<dim>_name`` is the ``dim`` index again."""
    for dim in list(ds.dims):
        name = f"{dim}{NAME_SUFFIX}"
        if name in ds.coords and ds[name].dims == (dim,) and dim not in ds.variables:
            ds = ds.assign_coords({dim: (dim, ds[name].values.astype(str), ds[name].attrs)})
            ds = ds.drop_vars(name)
    return ds


def write_cube(ds: xr.Dataset, path: str | os.PathLike[str]) -> Path:
    """Write ``ds`` atomically: temp file beside the target, fsync, ``os.replace``. Returns path.

    On any failure or interruption the temp file is removed and the original error raised;
    temp files of dead earlier runs at the same path are removed first.
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    clean_stale_temps(target)
    tmp = temp_name(target)
    disk = to_disk(ds.drop_encoding())
    try:
        disk.to_netcdf(tmp, engine="netcdf4", encoding=encoding_for(disk))
        fsync(tmp)
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):  # never mask the original error
            tmp.unlink(missing_ok=True)
        raise
    with contextlib.suppress(OSError):  # make the rename durable where directories can be synced
        fsync(target.parent)
    return target


def _load(path: Path) -> xr.Dataset:
    with xr.open_dataset(path, engine="netcdf4") as ds:
        return from_disk(ds.load())


def _open_lazy(path: Path) -> xr.Dataset:
    """A cube whose variables are dask arrays read from the file when computed (its netCDF
    chunks), so that a sweep of many cases opens without loading them."""
    return from_disk(xr.open_dataset(path, engine="netcdf4", chunks={}))


def _parameter_coord(values: list[Any]) -> np.ndarray:
    values = [json.dumps(v) if isinstance(v, list | dict) else v for v in values]
    present = [v for v in values if v is not None]
    if all(isinstance(v, int | float) and not isinstance(v, bool) for v in present):
        return np.array([np.nan if v is None else v for v in values], dtype=np.float64)
    return np.array(values, dtype=object if len(present) < len(values) else None)


def _manifest(manifest: Path) -> dict[str, Any]:
    """A sweep directory's manifest ({} without one)."""
    books = json.loads(manifest.read_text(encoding="utf-8")) if manifest.is_file() else {}
    if not isinstance(books, dict):
        raise ValueError(f"{manifest}: not a manifest with a 'cases' list")
    return books


def open_results(path: str | os.PathLike[str]) -> xr.Dataset:
    """Open one cube (loaded into memory), or every ``*.nc`` in a directory along a new
    ``scenario`` dimension (swept parameters from ``manifest.json`` as coordinates, ``.`` in
    keys replaced by ``__``). A directory opens lazily: its variables are dask arrays, read
    from the files only when computed (``.values``, ``.compute()``, ``.load()``), so a sweep of
    hundreds of year-long cases opens in a fraction of its size. The cubes the manifest lists
    as ``dropped`` (former cases its sweep left in the folder) are not opened."""
    path = Path(path)
    if path.is_file():
        return _load(path)
    if not path.is_dir():
        raise FileNotFoundError(f"no result cube or directory at {path}")
    books = _manifest(path / "manifest.json")
    left = {d.get("case_id") for d in books.get("dropped") or [] if isinstance(d, dict)}
    files = sorted(p for p in path.glob("*.nc") if p.is_file() and not p.name.startswith(".")
                   and p.stem not in left)  # a former case's cube, left by its sweep
    if not files:
        raise FileNotFoundError(f"no *.nc result cubes in directory {path}")
    cubes = [_open_lazy(p) for p in files]
    stems = [p.stem for p in files]
    labels = [str(c.attrs.get("scenario") or s) for c, s in zip(cubes, stems, strict=True)]
    if len(set(labels)) != len(labels):
        labels = stems  # scenario attributes repeat across cases: the case ids are unique
    ds = xr.concat(
        cubes, dim=pd.Index(labels, name="scenario"), data_vars="all", coords="minimal",
        compat="override", join="outer", combine_attrs="drop_conflicts",
    )
    ds = ds.assign_coords(case_id=("scenario", np.array(stems, dtype=str)))
    if books:
        params = {c.get("case_id"): c.get("parameters") or {} for c in books.get("cases", [])}
        keys = sorted({k for s in stems for k in params.get(s, {})})
        for key in keys:
            values = [params.get(s, {}).get(key) for s in stems]
            coord = ("scenario", _parameter_coord(values), {"long_name": key})
            ds = ds.assign_coords({key.replace(".", "__"): coord})
    return ds

"""GIS files in and out: the only module that imports geopandas, shapely and pyogrio.

geopandas (with pyogrio, GDAL's reader, and shapely) reads and writes every format QGIS and
utility network-information systems export, GeoPackage, GeoJSON and shapefiles alike, with
their coordinate systems; a hand-written parser would cover one format and no CRS.

A *source* is a GeoPackage (``.gpkg``) whose layers are named ``pipes``, ``consumers``,
``plants`` and, optionally, ``junctions``, or a folder with one file per layer
(``pipes.geojson``, ``consumers.shp``, ...; ``.geojson``, ``.json``, ``.gpkg``, ``.shp``).
Lengths come from the geometry, so the coordinates must be in a projected CRS in metres: a
geographic CRS (degrees, e.g. EPSG:4326) is refused unless ``crs`` names a projected CRS to
reproject to; a file without a CRS is read in ``crs``.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
from shapely.geometry import LineString, MultiLineString, Point

from simulator.config import ConfigError

LAYERS = ("pipes", "consumers", "plants", "junctions")
REQUIRED = ("pipes", "consumers", "plants")
SUFFIXES = (".geojson", ".json", ".gpkg", ".shp")
GEOMETRY = {"pipes": "LineString", "consumers": "Point", "plants": "Point", "junctions": "Point"}


def _layer_files(source: Path) -> dict[str, tuple[Path, str | None]]:
    """(file, layer name inside it or None) of each layer the source holds."""
    if not source.exists():
        raise ConfigError([f"{source}: no such file or folder"])
    if source.is_file():
        try:
            names = [str(n) for n in pyogrio.list_layers(source)[:, 0]]
        except Exception as err:  # any GDAL failure of a user's file is bad input
            raise ConfigError([f"{source}: not a readable GIS file: {err}"]) from None
        return {n: (source, n) for n in LAYERS if n in names}
    found = {}
    for name in LAYERS:
        for suffix in SUFFIXES:
            if (source / f"{name}{suffix}").exists():
                found[name] = (source / f"{name}{suffix}", None)
                break
    return found


def _projected(frame: gpd.GeoDataFrame, where: str, crs: str | None) -> gpd.GeoDataFrame:
    """``frame`` in a projected CRS in metres (``crs`` if given), or ConfigError saying why."""
    if frame.crs is None:
        if crs is None:
            raise ConfigError([f"{where}: the file has no coordinate system; give --crs "
                               "(the projected CRS its coordinates are in, e.g. EPSG:3067)"])
        frame = frame.set_crs(crs)
    if crs is not None and frame.crs != crs:
        frame = frame.to_crs(crs)
    if frame.crs.is_geographic:
        raise ConfigError([f"{where}: coordinate system {frame.crs.to_string()} is geographic "
                           "(degrees): pipe lengths need a projected CRS in metres; reproject "
                           "the layer or give --crs EPSG:xxxx (e.g. your national grid or UTM "
                           "zone) to reproject it on import"])
    unit = frame.crs.axis_info[0].unit_name if frame.crs.axis_info else ""
    if unit not in ("metre", "meter"):
        raise ConfigError([f"{where}: coordinate system {frame.crs.to_string()} is in "
                           f"{unit or 'unknown units'}, not metres; give --crs"])
    return frame


def read_source(source: Path, crs: str | None = None) -> tuple[dict[str, gpd.GeoDataFrame], str]:
    """Every layer of ``source`` (see the module docstring) in one projected CRS; that CRS."""
    files = _layer_files(source)
    missing = [n for n in REQUIRED if n not in files]
    if missing:
        raise ConfigError([f"{source}: layer '{n}' is missing (a GeoPackage layer or a file "
                           f"{n}.geojson/.gpkg/.shp in the folder)" for n in missing])
    frames, target = {}, crs
    for name, (path, layer) in files.items():
        where = f"{path}" + (f" (layer '{layer}')" if layer else "")
        try:
            frame = gpd.read_file(path, layer=layer, engine="pyogrio")
        except Exception as err:  # any GDAL failure of a user's file is bad input
            raise ConfigError([f"{where}: not a readable GIS layer: {err}"]) from None
        frame = _projected(frame, where, target)
        target = target or frame.crs.to_string()
        kinds = set(frame.geometry.geom_type.dropna()) - {GEOMETRY[name],
                                                            f"Multi{GEOMETRY[name]}"}
        if kinds:
            raise ConfigError([f"{where}: {name} must be {GEOMETRY[name]}s, found "
                               f"{', '.join(sorted(kinds))}"])
        frames[name] = frame
    return frames, str(target)


def line_coords(frame: gpd.GeoDataFrame) -> tuple[list[np.ndarray], pd.DataFrame]:
    """Vertices (m) of every line and its attributes; a MultiLineString gives each part."""
    lines, rows = [], []
    for k, geom in enumerate(frame.geometry):
        parts = list(geom.geoms) if isinstance(geom, MultiLineString) else [geom]
        for part in parts:
            if part is None or part.is_empty:
                continue
            lines.append(np.asarray(part.coords, dtype=float)[:, :2])
            rows.append(k)
    return lines, pd.DataFrame(frame.drop(columns="geometry")).iloc[rows].reset_index(drop=True)


def point_coords(frame: gpd.GeoDataFrame | None) -> tuple[np.ndarray, pd.DataFrame]:
    """(n, 2) coordinates (m) of points (a MultiPoint's first) and their attributes."""
    if frame is None or not len(frame):
        return np.zeros((0, 2)), pd.DataFrame()
    points = [g.geoms[0] if hasattr(g, "geoms") else g for g in frame.geometry]
    xy = np.array([[p.x, p.y] for p in points], dtype=float).reshape(-1, 2)
    return xy, pd.DataFrame(frame.drop(columns="geometry")).reset_index(drop=True)


def _frame(table: pd.DataFrame, crs: str | None) -> gpd.GeoDataFrame:
    geometry = [Point(c[0]) if len(c) == 1 else LineString(c) for c in table["coords"]]
    return gpd.GeoDataFrame(table.drop(columns="coords"), geometry=geometry, crs=crs)


def write_layers(out: Path, tables: dict[str, pd.DataFrame], crs: str | None) -> list[Path]:
    """Each table (a ``coords`` column of vertex lists: one vertex = a point) as a layer:
    layers of one GeoPackage when ``out`` ends in ``.gpkg``, else ``<out>/<layer>.geojson``.
    The files written."""
    written = []
    if out.suffix == ".gpkg":
        out.parent.mkdir(parents=True, exist_ok=True)
        out.unlink(missing_ok=True)
        for name, table in tables.items():
            _frame(table, crs).to_file(out, layer=name, driver="GPKG", engine="pyogrio")
        return [out]
    out.mkdir(parents=True, exist_ok=True)
    for name, table in tables.items():
        path = out / f"{name}.geojson"
        path.unlink(missing_ok=True)
        _frame(table, crs).to_file(path, driver="GeoJSON", engine="pyogrio")
        written.append(path)
    return written

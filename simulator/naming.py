"""Readable, unique element names for network tables (no solver imports)."""

from __future__ import annotations

import json

import pandas as pd


def unique_names(table: pd.DataFrame, prefix: str) -> list[str]:
    """Element names: the ``name`` column, else ``prefix<index>``.

    A missing name becomes ``prefix<index>``; a repeated one becomes ``name@<index>``, so every
    element can be addressed in configs and cubes.
    """
    raw = table["name"] if "name" in table else pd.Series(None, index=table.index)
    base = [
        str(n) if isinstance(n, str) and n.strip() else f"{prefix}{i}"
        for i, n in zip(table.index, raw, strict=True)
    ]
    counts = pd.Series(base, dtype=object).value_counts()
    return [b if counts[b] == 1 else f"{b}@{i}" for b, i in zip(base, table.index, strict=True)]


def point_xy(geo: pd.Series) -> tuple[list[float], list[float]]:
    """x and y of GeoJSON points (a ``geo`` column of dicts or JSON strings); NaN if absent."""
    xs, ys = [], []
    for value in geo:
        point = json.loads(value) if isinstance(value, str) else value
        coords = point.get("coordinates") if isinstance(point, dict) else None
        ok = isinstance(coords, list | tuple) and len(coords) >= 2
        xs.append(float(coords[0]) if ok else float("nan"))
        ys.append(float(coords[1]) if ok else float("nan"))
    return xs, ys

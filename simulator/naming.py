"""Readable, unique element names for network tables (no solver imports)."""

from __future__ import annotations

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

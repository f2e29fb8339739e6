"""The sweep's books on disk: ``manifest.json`` and the cubes a resumed sweep may keep.

``manifest.json`` (written atomically by the driver only, after every finished case) records
per case its parameters, config hash, status (``pending``/``done``/``failed``), error text,
wall, CPU and numba compile time (s); its header says which sweep wrote it
(:mod:`simulator.sweep.owner`) and lists under ``dropped`` the entries of former cases whose
cubes were left in the folder (``open_results`` skips them). A cube is kept on resume when its
``config_sha256`` and time length match.
"""

from __future__ import annotations

import json
import os
import secrets
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import xarray as xr

from simulator.sweep.spec import Case

MANIFEST = "manifest.json"


def now_utc() -> str:
    """The current UTC time as ISO 8601 with a ``Z``."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def write_json_atomic(data: Any, path: Path) -> None:
    """Write JSON beside ``path`` as ``.<name>.tmp-*``, fsync, then rename over ``path``."""
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}-{secrets.token_hex(4)}")
    try:
        with tmp.open("w", encoding="utf-8") as fh:
            json.dump(data, fh, indent=1, default=str)  # dates as ISO text
            fh.write("\n")
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


class Manifest:
    """``manifest.json``: one entry per case, rewritten atomically on every change."""

    def __init__(self, path: Path, header: dict[str, Any], cases: list[Case],
                 previous: dict[str, dict[str, Any]]) -> None:
        self.path = path
        self.header = header
        self.entries: dict[str, dict[str, Any]] = {}
        for case in cases:
            entry = {"case_id": case.case_id, "parameters": case.parameters,
                     "config_sha256": case.config_sha256, "hours": case.hours,
                     "output": f"{case.case_id}.nc", "status": "pending", "error": None,
                     "wall_time_s": None, "cpu_time_s": None, "compile_s": None,
                     "worker": None, "finished_utc": None}
            self.entries[case.case_id] = entry
            old = previous.get(case.case_id)
            if old and old.get("config_sha256") == case.config_sha256:
                for key in ("wall_time_s", "cpu_time_s", "compile_s", "worker", "finished_utc"):
                    entry[key] = old.get(key)

    def record(self, outcome: Mapping[str, Any]) -> None:
        self.entries[outcome["case_id"]].update(outcome)
        self.write()

    def write(self) -> None:
        write_json_atomic({**self.header, "updated_utc": now_utc(),
                           "cases": list(self.entries.values())}, self.path)


def cube_matches(path: Path, config_sha256: str, hours: int) -> bool:
    """True when ``path`` is a readable cube of this exact config and time length (h)."""
    try:
        with xr.open_dataset(path, engine="netcdf4", decode_times=False) as ds:
            return ds.attrs.get("config_sha256") == config_sha256 and ds.sizes["time"] == hours
    except (OSError, ValueError, KeyError, RuntimeError):
        return False


def finished_cases(out: Path, cases: list[Case]) -> list[str]:
    """Ids of the cases whose cube in ``out`` matches their config hash and time length."""
    return [c.case_id for c in cases
            if (out / f"{c.case_id}.nc").exists()
            and cube_matches(out / f"{c.case_id}.nc", c.config_sha256, c.hours)]


def clean_out_dir(out: Path, cases: list[Case], kept: list[str], prune: list[str]) -> None:
    """Create ``out``; remove stale ``.*.tmp-*`` files, the cubes of this sweep's cases not
    ``kept`` (another config or period: they run again) and, listed on stdout first, the cubes
    of the former cases ``prune``. Other cubes stay; those outside the sweep and its manifest
    are named in a warning on stderr."""
    out.mkdir(parents=True, exist_ok=True)
    for tmp in out.glob(".*.tmp-*"):
        tmp.unlink(missing_ok=True)
    if prune:
        print(f"--prune: deleting {len(prune)} cube(s) of cases no longer in the sweep: "
              + ", ".join(f"{out / case_id}.nc" for case_id in prune), flush=True)
    for case_id in [*(c.case_id for c in cases if c.case_id not in kept), *prune]:
        (out / f"{case_id}.nc").unlink(missing_ok=True)


def foreign_cubes(out: Path, cases: list[Case], dropped: list[str]) -> list[str]:
    """The names of the cubes in ``out`` that are neither this sweep's nor former cases'."""
    ids = {f"{c.case_id}.nc" for c in cases} | {f"{d}.nc" for d in dropped}
    return sorted(p.name for p in out.glob("*.nc") if p.name not in ids)

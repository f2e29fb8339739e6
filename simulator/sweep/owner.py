"""Who owns a sweep folder: the sweep whose ``manifest.json`` it holds.

The manifest's header records the sweep's identity (:func:`identity`): its ``sweep`` name,
the resolved ``sweep_file`` and ``sweep_sha256``, a hash of its definition (name, mode, swept
and fixed keys, the bytes of the base scenario; not the description nor the execution
block). A folder belongs to the sweep asking for it when

* the manifest names the same sweep, and
* it was written from the same sweep file (the file may have been edited since: an edited
  sweep resumed is still the same sweep, and reruns the cases whose config changed), or from
  a file with the same definition (the sweep file moved or copied unchanged).

Anything else is refused with a :class:`~simulator.config.ConfigError` before anything in
the folder is touched: another sweep's manifest, a manifest that cannot be read, and cubes
without a manifest (no sweep owns them, so none may overwrite or delete them).

Manifests of the first format (``districtsim-sweep/1``) have the name and the file but no
``sweep_sha256``. They are this sweep's when name and file match; from another file (or
without a name) only when every case they record is one this sweep defines, with the same
config hash: that needs the planned cases, so :func:`claim` leaves it to :func:`confirm`.
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from typing import Any

from simulator.config import ConfigError
from simulator.sweep.manifest import MANIFEST
from simulator.sweep.spec import Case, Sweep

CASE_ID = re.compile(r"^case_\d+$")  # what spec.plan names cases; nothing else is pruned


def definition_sha256(sweep: Sweep) -> str:
    """The hash of what the sweep runs: name, mode, keys and the bytes of the base scenario
    (not its path, which a moved sweep file writes differently)."""
    text = json.dumps({"name": sweep.name, "mode": sweep.mode, "parameters": sweep.parameters,
                       "fixed": sweep.fixed,
                       "base_sha256": hashlib.sha256(sweep.base.read_bytes()).hexdigest()},
                      sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def identity(sweep: Sweep) -> dict[str, str]:
    """The manifest header fields that say which sweep wrote it."""
    return {"sweep": sweep.name, "sweep_file": str(sweep.path.resolve()),
            "sweep_sha256": definition_sha256(sweep)}


def same_sweep(books: dict[str, Any], sweep: Sweep, cases: list[Case] | None) -> bool | None:
    """Whether the manifest ``books`` is ``sweep``'s; None when only ``cases`` can tell."""
    name = books.get("sweep")
    if name is not None and name != sweep.name:
        return False
    if name is not None and books.get("sweep_file") == str(sweep.path.resolve()):
        return True
    if books.get("sweep_sha256") is not None:
        return name is not None and books["sweep_sha256"] == definition_sha256(sweep)
    if cases is None:  # a first-format manifest from another file: the cases decide
        return None
    ours = {c.case_id: c.config_sha256 for c in cases}
    entries = books.get("cases") or []
    return bool(entries) and all(isinstance(e, dict) and e.get("case_id") in ours
                                 and ours[e["case_id"]] == e.get("config_sha256")
                                 for e in entries)


def _read(out: Path) -> dict[str, Any]:
    """The manifest in ``out``; ConfigError when it is not a sweep manifest."""
    path = out / MANIFEST
    try:
        books = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(books, dict) or not isinstance(books.get("cases"), list):
            raise ValueError("no 'cases' list")
    except (OSError, ValueError) as err:
        raise ConfigError([f"{path}: not a sweep manifest ({err}); nothing in {out} was "
                           "changed: choose another --out"]) from None
    return books


def _foreign(out: Path, books: dict[str, Any], sweep: Sweep) -> ConfigError:
    owner = f"'{books.get('sweep', '?')}' ({books.get('sweep_file', 'file not recorded')})"
    asked = f"'{sweep.name}' ({sweep.path.resolve()})"
    why = ("another sweep file with the same name and another definition"
           if books.get("sweep") == sweep.name else "another sweep")
    return ConfigError([f"{out}: --out: belongs to sweep {owner}, not to sweep {asked} asked "
                        f"for ({why}); nothing there was changed or deleted: choose another "
                        "--out"])


def claim(out: Path, sweep: Sweep, resume: bool) -> dict[str, Any] | None:
    """The manifest of ``out`` when this sweep may run there (None: a fresh folder).

    Raises ConfigError, touching nothing, when ``out`` holds cubes without a manifest, a
    manifest of another sweep (see the module docstring), or, without ``resume``, results
    of this sweep. Call before the solvers load (numba may then write into ``out``).
    """
    if not out.is_dir():
        return None
    if not (out / MANIFEST).exists():
        cubes = sorted(p.name for p in out.glob("*.nc"))
        if cubes:
            shown = ", ".join(cubes[:5]) + (f" and {len(cubes) - 5} more" if len(cubes) > 5
                                            else "")
            raise ConfigError([f"{out}: --out: holds {len(cubes)} cube(s) ({shown}) but no "
                               f"{MANIFEST}: no sweep owns them, so this one neither "
                               "overwrites nor deletes them: choose another --out"])
        return None
    books = _read(out)
    if same_sweep(books, sweep, None) is False:
        raise _foreign(out, books, sweep)
    if not resume:
        raise ConfigError([f"{out}: --out: already holds results of sweep '{sweep.name}'; "
                           "pass --resume to continue them, or choose another directory"])
    return books


def confirm(out: Path, books: dict[str, Any], sweep: Sweep, cases: list[Case]) -> None:
    """Finish :func:`claim` for a first-format manifest from another file: the cases decide."""
    if not same_sweep(books, sweep, cases):
        raise _foreign(out, books, sweep)


def dropped_entries(out: Path, books: dict[str, Any] | None,
                    cases: list[Case]) -> list[dict[str, Any]]:
    """The manifest entries of former cases that the sweep no longer defines and whose cube is
    still in ``out`` (from the manifest's ``cases`` and its earlier ``dropped`` list)."""
    if books is None:
        return []
    ours = {c.case_id for c in cases}
    found: dict[str, dict[str, Any]] = {}
    for entry in [*books.get("cases", []), *(books.get("dropped") or [])]:
        case_id = entry.get("case_id") if isinstance(entry, dict) else None
        if (isinstance(case_id, str) and CASE_ID.match(case_id) and case_id not in ours
                and (out / f"{case_id}.nc").is_file()):
            found.setdefault(case_id, entry)
    return [found[k] for k in sorted(found)]

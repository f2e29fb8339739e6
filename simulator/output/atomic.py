"""Files written atomically: temp names beside the target, stale temps of dead processes, and
whether a path can take a file at all (checked before a run, not after it).
"""

from __future__ import annotations

import contextlib
import os
import secrets
import tempfile
from pathlib import Path

__all__ = ["clean_stale_temps", "fsync", "output_problems", "temp_name"]


def fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def temp_name(target: Path) -> Path:
    """A fresh hidden temp file beside ``target``: ``.<name>.tmp-<pid>-<random>``."""
    return target.with_name(f".{target.name}.tmp-{os.getpid()}-{secrets.token_hex(4)}")


def clean_stale_temps(target: Path) -> list[Path]:
    """Remove temp files of ``target`` left by processes that no longer run (a SIGKILL, a power
    cut); the removed paths. A live process's temp file is left alone."""
    removed = []
    for tmp in target.parent.glob(f".{glob_escape(target.name)}.tmp-*"):
        pid = tmp.name.rsplit(".tmp-", 1)[1].split("-")[0]
        if pid.isdigit() and not _alive(int(pid)):
            with contextlib.suppress(OSError):
                tmp.unlink()
                removed.append(tmp)
    return removed


def glob_escape(name: str) -> str:
    """``name`` with glob metacharacters escaped."""
    return "".join(f"[{c}]" if c in "*?[" else c for c in name)


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _existing_ancestor(path: Path) -> Path:
    for parent in path.parents:
        if os.path.exists(parent):  # False, not ENAMETOOLONG, for a too-long name
            return parent
    return Path(path.anchor or ".")


def output_problems(path: str | os.PathLike[str]) -> list[str]:
    """Why a cube could not be written at ``path`` (a directory, an unwritable or missing
    parent, a name too long for the file system), found before anything is simulated: the
    nearest existing folder is probed by creating and removing a temp file in it."""
    target = Path(path)
    folder = _existing_ancestor(target.absolute())
    try:
        name_max = os.pathconf(folder if folder.is_dir() else folder.parent, "PC_NAME_MAX")
    except (OSError, ValueError):
        name_max = 255
    longest = len(temp_name(target).name.encode())
    too_long = [part for part in target.parts if len(part.encode()) > name_max]
    if too_long or longest > name_max:  # before any stat: a long name raises ENAMETOOLONG
        return [f"{target}: the file name is too long for the file system "
                f"(names of at most {name_max - (longest - len(target.name.encode()))} bytes)"]
    try:
        if target.is_dir():
            return [f"{target}: is a directory; give the cube's file path, e.g. "
                    f"{target / 'x.nc'}"]
        if target.exists() and not target.is_file():
            return [f"{target}: exists and is not a regular file"]
    except OSError as err:
        return [f"{target}: cannot be used: {err.strerror or err}"]
    if not folder.is_dir():
        return [f"{target}: {folder} is a file, not a folder"]
    try:
        fd, probe = tempfile.mkstemp(prefix=".districtsim-probe-", dir=folder)
        os.close(fd)
        os.unlink(probe)
    except OSError as err:
        return [f"{target}: cannot write in {folder}: {err.strerror or err}"]
    return []

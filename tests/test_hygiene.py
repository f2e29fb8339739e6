"""No machine paths and no merge leftovers in the tracked files: a clone anywhere works."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
#: absolute paths of one machine: a developer's home, this workplace's folders, a Windows drive
MACHINE_PATH = re.compile(r"(?<![\w.])(/work/|/root/|/home/[a-z_][\w-]*/|/Users/\w|"
                          r"[A-Z]:\\\\Users\\\\)")
#: this file names the patterns it looks for
SELF = Path(__file__).resolve().relative_to(ROOT).as_posix()


def tracked_files() -> list[Path]:
    try:
        out = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True,
                             check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        pytest.skip("not a git checkout: the tracked files cannot be listed")
    return [ROOT / name for name in out.decode().split("\0") if name]


def test_no_tracked_file_holds_an_absolute_machine_path():
    found = []
    for path in tracked_files():
        if path.relative_to(ROOT).as_posix() == SELF or not path.is_file():
            continue
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue  # binary (figures)
        for n, line in enumerate(text.splitlines(), 1):
            if MACHINE_PATH.search(line):
                found.append(f"{path.relative_to(ROOT)}:{n}: {line.strip()[:100]}")
    assert not found, "\n".join(found)


def test_no_merge_leftovers_are_tracked():
    names = {p.name for p in tracked_files()}
    assert "PATCH-NOTES.md" not in names
    assert not [n for n in names if n.endswith((".orig", ".rej"))]

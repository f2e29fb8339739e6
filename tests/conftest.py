"""Shared fixtures: the repository root and scenario files written into tmp_path."""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import yaml

from simulator.config import read_yaml

ROOT = Path(__file__).resolve().parents[1]
SCHUTTERWALD = ROOT / "configs" / "schutterwald.yaml"


def schutterwald_raw() -> dict[str, Any]:
    """The shipped Schutterwald scenario with its relative paths made absolute."""
    raw = read_yaml(SCHUTTERWALD)
    raw["district"] = str((SCHUTTERWALD.parent / raw["district"]).resolve())
    raw["weather"]["file"] = str((SCHUTTERWALD.parent / raw["weather"]["file"]).resolve())
    return raw


def example(name: str) -> ModuleType:
    """The module ``examples/<name>.py``, imported once per session (as ``simulator.run``'s
    users would import their own plug-in module)."""
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, ROOT / "examples" / f"{name}.py")
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


@pytest.fixture
def write_config(tmp_path: Path) -> Callable[[dict[str, Any]], Path]:
    """Write a raw scenario mapping to tmp_path/scenario.yaml and return the path."""

    def write(raw: dict[str, Any], name: str = "scenario.yaml") -> Path:
        path = tmp_path / name
        path.write_text(yaml.safe_dump(raw, sort_keys=False))
        return path

    return write


@pytest.fixture(scope="session")
def short_cube(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 6-hour Schutterwald cube, written once per test session (read it, never change it)."""
    from simulator.api import run

    return run(SCHUTTERWALD, hours=6, output=tmp_path_factory.mktemp("short") / "sw6.nc")

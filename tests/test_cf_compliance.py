"""The cube is clean under the community's own CF checker (IOOS compliance-checker, cf:1.11).

The checker runs as a user would run it, as a command on a real cube; "clean" means every
check scored, no error (high priority), no warning (medium priority) and no checker exception.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import netCDF4
import pytest

CHECKER = shutil.which("compliance-checker") or str(Path(sys.executable).with_name(
    "compliance-checker"))


def check(path: Path, tmp_path: Path) -> tuple[dict, str]:
    """The cf:1.11 report of ``path`` (JSON) and the checker's console output."""
    report = tmp_path / f"{path.stem}_cf.json"
    done = subprocess.run([CHECKER, "--test", "cf:1.11", "--format", "json", "-o", str(report),
                           str(path)], capture_output=True, text=True, timeout=300)
    assert report.is_file(), done.stdout + done.stderr
    return json.loads(report.read_text())["cf:1.11"], done.stdout + done.stderr


def test_a_simulated_cube_has_no_cf_errors_or_warnings(short_cube: Path, tmp_path: Path):
    result, console = check(short_cube, tmp_path)
    problems = [f"{p['name']}: {m}" for p in result["all_priorities"] for m in p["msgs"]]
    assert result["high_count"] == 0, problems  # errors
    assert result["medium_count"] == 0, problems  # warnings
    assert result["scored_points"] == result["possible_points"], problems
    assert "exceptions occurred" not in console, console


def test_the_checker_sees_what_it_would_flag(short_cube: Path, tmp_path: Path):
    """The same cube with time left of the elements and no units_metadata: the warnings of
    issue 15 come back, so the clean result above is the checker's verdict, not its silence."""
    bad = tmp_path / "time_first.nc"
    with netCDF4.Dataset(short_cube) as src, netCDF4.Dataset(bad, "w") as dst:
        for name, dim in src.dimensions.items():
            dst.createDimension(name, len(dim))
        for name, var in src.variables.items():
            dims = var.dimensions
            if len(dims) == 2 and dims[1] == "time":
                dims = ("time", dims[0])
            out = dst.createVariable(name, var.datatype, dims)
            attrs = {k: var.getncattr(k) for k in var.ncattrs()
                     if k not in ("_FillValue", "units_metadata")}
            out.setncatts(attrs)
            out[:] = var[:].T if dims != var.dimensions else var[:]
        dst.setncatts({k: src.getncattr(k) for k in src.ncattrs()})
    result, _ = check(bad, tmp_path)
    messages = " ".join(m for p in result["all_priorities"] for m in p["msgs"])
    assert result["medium_count"] > 0
    assert "recommended order" in messages and "units_metadata" in messages


@pytest.mark.parametrize("name", ["unit", "consumer", "junction", "pipe", "bus"])
def test_element_names_are_auxiliary_coordinates(short_cube: Path, name: str):
    with netCDF4.Dataset(short_cube) as nc:
        assert name not in nc.variables  # no string coordinate variable (CF §1.3: numeric)
        assert nc[f"{name}_name"].dimensions == (name,)

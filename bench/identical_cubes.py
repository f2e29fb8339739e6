"""Check that a code change left the cubes identical: the same scenarios run on two commits.

The house-plan refactor (issue 16) changes structure only, so every data variable of a cube
must be bit-identical before and after. This script runs each scenario on ``--before`` (a git
commit, checked out into a temporary worktree) and on the working tree, and compares every data
variable and coordinate exactly (NaN equal to NaN). Global attributes that carry the time of the
run (``created_utc``, ``history``) are ignored.

    python bench/identical_cubes.py --before e84bd51 --hours 336 \
        configs/espoo_2030.yaml configs/espoo_2030_stress.yaml

Exit code 0 when every cube is identical, 1 otherwise (the differing variables are listed).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import xarray as xr

ROOT = Path(__file__).resolve().parents[1]
#: attributes that carry the moment of the run, or a hash over the run's absolute paths
VOLATILE_ATTRS = {"created_utc", "history", "simulator_version", "config_sha256"}


def run_cube(code_root: Path, config: Path, hours: int, out: Path) -> None:
    """Simulate ``config`` with the ``simulator`` package found in ``code_root``."""
    env = {**os.environ, "PYTHONPATH": str(code_root)}
    cmd = [sys.executable, "-m", "simulator", "run", str(config), "--hours", str(hours),
           "--output", str(out)]
    subprocess.run(cmd, cwd=code_root, env=env, check=True, stdout=subprocess.DEVNULL)


def differences(a: xr.Dataset, b: xr.Dataset, tree: Path) -> list[str]:
    """Names of variables, coordinates or attributes that differ between two cubes.

    Attributes of ``a`` (run in the worktree ``tree``) name its paths; they are compared with
    ``tree`` read as this checkout, so the resolved configuration must match too.
    """
    out = []
    for name in sorted(set(a.variables) | set(b.variables)):
        if name not in a.variables or name not in b.variables:
            out.append(f"{name}: only in {'after' if name in b.variables else 'before'}")
            continue
        x, y = a[name].values, b[name].values
        if x.shape != y.shape:
            out.append(f"{name}: shape {x.shape} != {y.shape}")
        elif x.dtype.kind == "f":
            if not np.array_equal(x, y, equal_nan=True):
                diff = np.nanmax(np.abs(x - y))
                out.append(f"{name}: values differ (max |diff| {diff:.3g})")
        elif not np.array_equal(x, y):
            out.append(f"{name}: values differ")
    for key in sorted((set(a.attrs) | set(b.attrs)) - VOLATILE_ATTRS):
        if str(a.attrs.get(key)).replace(str(tree), str(ROOT)) != str(b.attrs.get(key)):
            out.append(f"attribute {key} differs")
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("configs", nargs="+", type=Path)
    parser.add_argument("--before", required=True, help="git commit of the reference code")
    parser.add_argument("--hours", type=int, default=336)
    args = parser.parse_args(argv)
    failed = False
    with tempfile.TemporaryDirectory() as tmp:
        tree = Path(tmp) / "before"
        subprocess.run(["git", "worktree", "add", "--detach", str(tree), args.before],
                       cwd=ROOT, check=True, capture_output=True)
        try:
            for config in args.configs:
                config = config.resolve()
                cubes = []
                for label, root in (("before", tree), ("after", ROOT)):
                    path = Path(tmp) / f"{config.stem}_{label}.nc"
                    run_cube(root, root / config.relative_to(ROOT), args.hours, path)
                    cubes.append(path)
                with xr.open_dataset(cubes[0]) as a, xr.open_dataset(cubes[1]) as b:
                    diffs = differences(a, b, tree)
                    n_vars = len(a.data_vars)
                status = "identical" if not diffs else "DIFFERENT"
                print(f"{config.name} ({args.hours} h): {status} "
                      f"({n_vars} data variables compared)")
                for d in diffs:
                    print(f"  {d}")
                failed |= bool(diffs)
        finally:
            subprocess.run(["git", "worktree", "remove", "--force", str(tree)], cwd=ROOT,
                           check=False, capture_output=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

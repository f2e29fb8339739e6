"""The Espoo year with the steady and the dynamic thermal model, side by side in one process.

Used by ``make bench`` (``bench/bench.py``) and runnable alone:

    .venv/bin/python bench/dynamic_bench.py [--hours 8760]

Each year is ``simulator.api.run`` of ``configs/espoo_2030.yaml`` with ``heat_network.thermal``
set explicitly, after a 24-hour warm-up of each model (the numba JIT); wall and CPU time, and
the figures the comparison needs: peak supply, losses, the lowest arriving supply, hours
below the minimum supply, infeasible hours, unserved heat and CO2. The ratio is the dynamic
year's CPU time over the steady one's. Writes ``bench/results_dynamic.{json,md}``.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from simulator.api import run  # noqa: E402
from simulator.output.cube import open_results  # noqa: E402
from simulator.output.summary import summarize  # noqa: E402

ESPOO = ROOT / "configs" / "espoo_2030.yaml"
OUT = ROOT / "bench"
MODELS = ("steady", "dynamic")


def one_year(thermal: str, hours: int | None, tmp: Path, extra: dict | None = None
             ) -> dict[str, Any]:
    """One Espoo run with the given thermal model: times and the comparison's figures."""
    overrides = {"heat_network.thermal": thermal, **(extra or {})}
    t0, c0 = time.perf_counter(), time.process_time()
    path = run(ESPOO, hours=hours, output=tmp / f"{thermal}.nc", overrides=overrides)
    out: dict[str, Any] = {"wall_s": time.perf_counter() - t0, "cpu_s": time.process_time() - c0}
    with open_results(path) as ds:
        f = summarize(ds)
        below = ds["op_t_supply_ok"].to_numpy() == 0
        margin = ds["op_t_supply_margin"].to_numpy()
        out.update({
            "hours": int(ds.sizes["time"]),
            "failed_hours": int((ds["converged"] < 0.5).sum()),
            "peak_supply_mw": float(ds["heat_supplied_mw"].max()),
            "heat_loss_mwh": float(f["heat_loss_mwh"]),
            "min_consumer_t_supply_c": float(f["min_consumer_t_supply_c"]),
            "hours_below_min_supply": int(below.sum()),
            "worst_below_min_supply_k": float(np.min(margin[below])) if below.any() else 0.0,
            "hours_infeasible": int(f.get("hours_infeasible", 0)),
            "unserved_mwh": float(f.get("unserved_heat_mwh", 0.0)),
            "co2_t": float(f["co2_t"]),
            "max_balance_error_percent": float(f["max_balance_error_percent"]),
        })
    return out


def thermal_years(hours: int | None = None) -> dict[str, Any]:
    """The steady and the dynamic Espoo year, side by side, and the dynamic/steady ratio."""
    res: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for thermal in MODELS:  # warm-up: the JIT of each model's kernels
            one_year(thermal, 24, Path(tmp))
        for thermal in MODELS:
            res[thermal] = one_year(thermal, hours, Path(tmp))
    res["cpu_ratio"] = res["dynamic"]["cpu_s"] / res["steady"]["cpu_s"]
    res["wall_ratio"] = res["dynamic"]["wall_s"] / res["steady"]["wall_s"]
    return res


ROWS = (("wall_s", "wall time", "s", ".1f"), ("cpu_s", "CPU time", "s", ".1f"),
        ("failed_hours", "hours not converged", "h", "d"),
        ("peak_supply_mw", "peak supply", "MW", ".1f"),
        ("heat_loss_mwh", "heat loss", "MW h", ".0f"),
        ("min_consumer_t_supply_c", "lowest arriving supply", "°C", ".1f"),
        ("hours_below_min_supply", "hours a substation below its minimum supply", "h", "d"),
        ("worst_below_min_supply_k", "worst shortfall below the minimum", "K", ".2f"),
        ("hours_infeasible", "hours infeasible", "h", "d"),
        ("unserved_mwh", "heat unserved", "MW h", ".1f"), ("co2_t", "CO2", "t", ".0f"),
        ("max_balance_error_percent", "largest hourly balance error", "%", ".4f"))


def markdown(res: dict[str, Any]) -> list[str]:
    """The side-by-side table."""
    lines = ["| Espoo year | steady | dynamic | unit |", "|---|---:|---:|---|"]
    for key, what, unit, fmt in ROWS:
        lines.append(f"| {what} | {res['steady'][key]:{fmt}} | {res['dynamic'][key]:{fmt}} "
                     f"| {unit} |")
    lines.append(f"\nDynamic over steady: {res['cpu_ratio']:.2f}x CPU, "
                 f"{res['wall_ratio']:.2f}x wall (the same process, one after the other).")
    return lines


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--hours", type=int, default=None)
    args = ap.parse_args(argv)
    res = {"created_utc": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
           **thermal_years(args.hours)}
    OUT.mkdir(exist_ok=True)
    (OUT / "results_dynamic.json").write_text(json.dumps(res, indent=2) + "\n")
    text = "\n".join([f"# Steady and dynamic thermal model ({res['created_utc']})", "",
                      *markdown(res), ""])
    (OUT / "results_dynamic.md").write_text(text)
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""The manual's benchmark tables, generated at build time from what ``make bench`` and the other
benchmark scripts wrote (``bench/*.json``), so that the page shows the last measurement and
never a number typed by hand.

Each function takes the parsed JSON and returns a Markdown table (with the date it was
measured); :data:`TABLES` names them for the ``<!-- generated: bench:NAME -->`` markers.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parents[2] / "bench"


def load(name: str) -> dict[str, Any]:
    return json.loads((BENCH / name).read_text(encoding="utf-8"))


def _table(header: list[str], rows: list[list[str]]) -> str:
    return "\n".join(["| " + " | ".join(header) + " |", "|" + "---|" * len(header),
                      *("| " + " | ".join(r) + " |" for r in rows)])


def _ms(s_per_hour: float) -> str:
    return f"{1e3 * s_per_hour:.1f}"


#: the compared variables and how a difference of each is read
DIFF_UNITS = {"junction_t_k": "K", "junction_p_bar": "bar", "bus_vm_pu": "pu",
              "pipe_mdot_kg_per_s": "(flow, relative)"}


def _diffs(d: dict[str, float]) -> str:
    return ", ".join(f"{v:.1e} {DIFF_UNITS.get(k, k)}" for k, v in d.items())


def _measured(res: dict[str, Any], what: str) -> str:
    return f"*{what}, measured {res['created_utc']}.*\n\n"


def speed(res: dict[str, Any]) -> str:
    """Simulator against the plain pipeflow + runpp loop, per district."""
    rows = []
    f, p = res["fast"], res["plain"]
    diff = _diffs(p["max_abs_diff_vs_fast"])
    rows.append(["Schutterwald (radial)", f"{f['hours']}", _ms(p["s_per_hour"]),
                 _ms(f["s_per_hour"]), f"**{res['ratio']:.1f}x**", f"{res['cpu_ratio']:.1f}x",
                 f"heat {100 * f['heat_fast_share']:.1f} %, "
                 f"grid {100 * f['grid_fast_share']:.1f} %",
                 f"{p['hours'] - len(p['hours_outside_tolerances'])} of {p['hours']}", diff])
    mesh = res.get("meshed")
    if mesh:
        mf, mp = mesh["fast"], mesh["plain"]
        diff = _diffs(mp["max_abs_diff_vs_fast"])
        rows.append(["Ringtown (meshed, two plants)", f"{mf['hours']}", _ms(mp["s_per_hour"]),
                     _ms(mf["s_per_hour"]), f"**{mesh['ratio']:.1f}x**",
                     f"{mesh['cpu_ratio']:.1f}x",
                     f"heat {100 * mf['heat_fast_share']:.1f} %, "
                     f"grid {100 * mf['grid_fast_share']:.1f} %",
                     f"{mp['hours'] - len(mp['hours_outside_tolerances'])} of {mp['hours']}",
                     diff])
    header = ["district", "hours simulated", "plain loop, ms per hour",
              "simulator, ms per hour", "ratio", "CPU-time ratio", "fast path in use",
              "sampled hours within tolerance", "largest plain - fast"]
    return _measured(res, "`make bench`, `bench/results.json`") + _table(header, rows)


def time_split(res: dict[str, Any]) -> str:
    """Where an hour's time goes: plain adapters, fast adapters, the plain loop."""
    parts = ("heat_solve", "power_flow", "dispatch", "recording")
    rows = []
    for label, r in (("plain adapters (`solver.fast: false`)", res["before"]),
                     ("fast adapters (the default)", res["fast"])):
        ms = r["ms_per_hour"]
        rows.append([label, f"{r['hours']}", _ms(r["s_per_hour"]),
                     f"{r['heat_sweeps_per_hour']:.2f}",
                     *(f"{ms[k]:.2f} ({100 * r['share'][k]:.0f} %)" for k in parts)])
    p = res["plain"]
    pf = p["pipeflow_s_per_hour"]
    rows.append([f"plain pipeflow + runpp loop (every {p['every']}th hour)", f"{p['hours']}",
                 _ms(p["s_per_hour"]), "", f"{1e3 * pf:.2f} (pipeflow)",
                 f"{1e3 * (p['s_per_hour'] - pf):.2f} (runpp + input writes)", "", ""])
    header = ["Schutterwald run", "hours", "ms per hour", "pandapipes sweeps per hour",
              "heat solve, ms", "power flow, ms", "dispatch, ms", "recording, ms"]
    return _measured(res, "`make bench`, `bench/results.json`") + _table(header, rows)


def espoo(res: dict[str, Any]) -> str:
    """The default Espoo year, in the benchmark process and as a user starts it."""
    e = res.get("espoo") or {}
    if e.get("espoo_year_s") is None:
        return _measured(res, "`make bench`") + "The Espoo year was not measured in this run."
    rows = [["in the benchmark process (`simulator.api.run`, cube written)",
             f"{e['espoo_year_s']:.1f}", f"{e['cpu_s']:.1f}", "",
             f"{e['cube_mib']:.1f}", f"{e['failed_hours']}"]]
    if "fresh_process_s" in e:
        rows.append(["a new process (`python -m simulator run`: imports and numba included)",
                     f"{e['fresh_process_s']:.1f}", "", f"{e['fresh_process_peak_rss_mib']:.0f}",
                     "", ""])
    header = ["Espoo 2030, 8760 h", "wall s", "CPU s", "peak memory MiB", "cube MiB",
              "failed hours"]
    return _measured(res, "`make bench`, `bench/results.json`") + _table(header, rows)


def optimal(res: dict[str, Any], label: str = "`make bench`, `bench/results.json`") -> str:
    """The Espoo year under merit order and under the optimal policy."""
    o, e = res.get("espoo_optimal") or {}, res.get("espoo") or {}
    if "cpu_s" not in o:
        return _measured(res, label) + "The optimal policy was not measured in this run."
    header = ["Espoo 2030, 8760 h", "CPU s", "extra CPU s per year", "HiGHS solves",
              "solve s", "failed solves", "hours on merit fallback", "CO2 t", "g/kWh",
              "Nuijala store full cycles"]
    rows = [["merit order", f"{e['cpu_s']:.1f}", "", "", "", "", "", "", "", ""],
            ["`policy: optimal`, objective co2", f"{o['cpu_s']:.1f}",
             f"{o['cpu_s'] - e['cpu_s']:+.1f} ({100 * (o['cpu_s'] / e['cpu_s'] - 1):+.0f} %)",
             f"{o['solves']}", f"{o['solve_s']:.1f}", f"{o['failures']}",
             f"{o['hours_fallback']:.0f}", f"{o['co2_t']:,.0f}",
             f"{o['co2_g_per_kwh_heat']:.1f}", f"{o['cycles:nuijala_store']:.1f}"]]
    return _measured(res, label) + _table(header, rows)


def machine(res: dict[str, Any]) -> str:
    """The machine the run shared: load averages and other busy processes."""
    rows = []
    for when in ("start", "end"):
        m = res["machine_load"][when]
        rows.append([when, f"{m['cores']}", ", ".join(f"{x:.2f}" for x in m["loadavg"]),
                     "; ".join(m["busy"]) or "none"])
    header = ["when", "cores", "load average 1 / 5 / 15 min", "other busy processes"]
    return _measured(res, f"`make bench` on {res['machine']}") + _table(header, rows)


def meshed(res: dict[str, Any]) -> str:
    """The meshed Ringtown year: balance, failures, plant temperatures, solver paths."""
    mesh = res.get("meshed")
    if not mesh:
        return _measured(res, "`make bench`") + "The meshed district was not measured in this run."
    f = mesh["fast"]
    rows = [["largest heat-balance error", f"{100 * f['max_balance_error']:.3f} %"],
            ["failed hours", f"{f['failed_hours']}"],
            ["plant supply temperatures, °C", ", ".join(
                f"{a:.1f}-{b:.1f}" for a, b in f["plant_t_supply_c_range"])],
            ["pandapipes sweeps per hour", f"{f['heat_sweeps_per_hour']:.2f}"],
            ["solver paths", f["solver_paths"]]]
    return _measured(res, "`make bench`, `bench/results.json`") + _table(
        [f"Ringtown, {f['hours']} h", "measured"], rows)


def two_states(res: dict[str, Any]) -> str:
    """Ringtown's sampled hours outside the tolerances, seeded into pandapipes."""
    p = (res.get("meshed") or {}).get("plain") or {}
    seeds = p.get("seeded") or []
    if not seeds:
        return _measured(res, "`make bench`") + "Every sampled hour was within the tolerances."
    rows = [[f"{s['hour']}", "yes" if s.get("converged") else "no", f"{s.get('iterations')}",
             f"{s['max_dt_k_vs_simulator']:.1e}", f"{s['max_dt_k_cold_vs_simulator']:.2f}"]
            for s in seeds]
    header = ["Ringtown hour", "pandapipes, seeded with the simulator's state, converged",
              "its iterations", "its drift from that state, K",
              "pandapipes from a cold start vs the simulator, K"]
    return _measured(res, "`make bench`, `bench/results.json`") + _table(header, rows)


def sweep(res: dict[str, Any]) -> str:
    """``bench/sweep_bench.py``: serial against a local Dask cluster."""
    header = ["cases x hours", "workers", "start", "serial s", "local s", "speed-up"]
    rows = []
    for r in res["rows"]:
        for key, label in (("cold", "cold: new processes, empty numba cache"),
                           ("cold_cache_kept", "cold, a cache an earlier sweep filled"),
                           ("warm", "warm: workers started, only the cases timed")):
            rows.append([f"{r['cases']} x {r['hours']}", f"{r['workers']}", label,
                         f"{r[f'{key}_serial_s']:.1f}", f"{r[f'{key}_local_s']:.1f}",
                         f"**{r[f'speedup_{key}']:.2f}x**"])
    m = res["machine"]
    note = (f"\n\n{m['cpus']} cores; 1-minute load {m['load_avg_1min_at_start']} at the start, "
            f"{m['load_avg_1min_at_end']} at the end; other processes "
            f"{res['others']['cores_busy_on_average']} cores on average.")
    return _measured(res, "`bench/sweep_bench.py`, `bench/sweep_results.json`") \
        + _table(header, rows) + note


def scaling_measured(res: dict[str, Any]) -> str:
    """``bench/scaling_bench.py`` on the local SLURM: the measured terms."""
    m = res["measured"]

    def span(xs: list[float]) -> str:
        lo, hi = min(xs), max(xs)
        if hi < 0.005:
            return "< 0.01"
        return f"{lo:.2f}" if hi - lo < 0.005 else f"{lo:.2f} to {hi:.2f}"

    rows = [
        ["`sbatch` job ids", ", ".join(m["sbatch_job_ids"] + m["year"]["sbatch_job_ids"])],
        ["validation in the client, per case / fixed (CPU s)",
         f"{m['validation_cpu_s_per_case']} / {m['validation_cpu_s_fixed']}"],
        ["client warm-up, the numba compile once per sweep (s)", f"{m['client_warm_up_s']}"],
        ["job start, submission to worker running (s)", span(m["job_start_s"])],
        ["worker start-up: imports, Dask, the preload (s)", span(m["worker_start_up_s"])],
        [f"a {m['sweep']['hours']}-hour case, CPU (s)", span(m["case_cpu_s"])],
        ["numba compile inside any case (s)", span(m["case_compile_s"])],
        ["Dask's gap between two cases on a worker (s)", span(m["dask_gap_between_cases_s"])],
        ["manifest rewrite at 1,000 cases (s)", f"{m['manifest_write_s_at_1000_cases']}"],
        ["one full Espoo year in a job of its own, CPU / wall (s)",
         f"{m['year']['cpu_s']} / {m['year']['wall_s']}"],
    ]
    return _measured(res, f"`bench/scaling_bench.py` on {res['machine']['cpus']} cores, "
                          "`bench/scaling_results.json`") + _table(["term", "measured"], rows)


def scaling_projection(res: dict[str, Any]) -> str:
    """The projection of the same file: 1,000 years on 64 cores (computed, not measured)."""
    p = res["projection"]
    rows = [[term, f"{s:,.1f}"] for term, s in p["terms_s"].items()]
    rows.append([f"**total ({p['cases']} cases on {p['cores']} cores)**",
                 f"**{p['total_s']:,.0f} s = {p['total_min']:.0f} min "
                 f"(parallel efficiency {p['efficiency']:.2f})**"])
    return (f"*Projected from the measurement of {res['created_utc']}; a year = "
            f"{p['year_s']} s ({p['year_basis']}).*\n\n" + _table(["term", "seconds"], rows))


#: the steady/dynamic comparison's rows: key, what, unit, format (bench/dynamic_bench.py)
THERMAL_ROWS = (
    ("wall_s", "wall time", "s", ".1f"), ("cpu_s", "CPU time", "s", ".1f"),
    ("failed_hours", "hours not converged", "h", "d"),
    ("peak_supply_mw", "peak supply", "MW", ".1f"),
    ("heat_loss_mwh", "heat loss", "MW h", ".0f"),
    ("min_consumer_t_supply_c", "lowest arriving supply", "°C", ".1f"),
    ("hours_below_min_supply", "hours a substation's water arrived below its minimum", "h", "d"),
    ("worst_below_min_supply_k", "worst shortfall below the minimum", "K", ".2f"),
    ("hours_infeasible", "hours infeasible", "h", "d"),
    ("unserved_mwh", "heat unserved", "MW h", ".1f"), ("co2_t", "CO2", "t", ".0f"),
    ("max_balance_error_percent", "largest hourly balance error (with storage)", "%", ".4f"))


def thermal_models(res: dict[str, Any]) -> str:
    """The Espoo year with the steady and the dynamic thermal model, side by side."""
    rows = [[what, f"{res['steady'][k]:{fmt}}", f"{res['dynamic'][k]:{fmt}}", unit]
            for k, what, unit, fmt in THERMAL_ROWS]
    return (_measured(res, "`bench/dynamic_bench.py` (also in `make bench`)")
            + _table(["espoo_2030, one year", "steady", "dynamic", "unit"], rows)
            + f"\n\nDynamic over steady, in the same process one after the other: "
              f"**{res['cpu_ratio']:.2f}x** CPU, {res['wall_ratio']:.2f}x wall.")


#: marker name -> (JSON file, renderer)
TABLES: dict[str, tuple[str, Callable[[dict[str, Any]], str]]] = {
    "speed": ("results.json", speed),
    "time-split": ("results.json", time_split),
    "espoo": ("results.json", espoo),
    "optimal": ("results.json", optimal),
    "optimal-only": ("results_optimal.json",
                     lambda r: optimal(r, "`bench/bench.py --optimal-only`, "
                                          "`bench/results_optimal.json`")),
    "machine": ("results.json", machine),
    "two-states": ("results.json", two_states),
    "meshed": ("results.json", meshed),
    "sweep": ("sweep_results.json", sweep),
    "scaling-measured": ("scaling_results.json", scaling_measured),
    "scaling-projection": ("scaling_results.json", scaling_projection),
    "thermal-models": ("results_dynamic.json", thermal_models),
}


def table(name: str) -> str:
    """The Markdown of the table ``name`` from its file's current contents."""
    file, render = TABLES[name]
    return render(load(file))

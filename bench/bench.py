"""``make bench``: the simulator's full year against a plain pandapipes + pandapower loop.

Run from the repository root on an otherwise idle machine (it is a benchmark, not a test):

    .venv/bin/python bench/bench.py [--hours 8760] [--plain-every 15] [--before-hours 336]

In one process and one run it measures, after a warm-up that pays the numba JIT:

* ``fast``: the project's coupled simulation (``simulator.api.simulate_scenario``) of
  ``configs/schutterwald.yaml`` over ``--hours`` hours with the default (fast) adapters, with the
  wall time split into heat solve, power flow, recording and dispatch (everything else in the
  coupled step, SimPy included);
* ``before``: the same simulation with the plain adapters (``fast=False``) over the first
  ``--before-hours`` hours, split the same way;
* ``plain``: a plain hourly loop (``pandapipes.pipeflow(mode="bidirectional")`` from the JSON's
  initial state, then ``pandapower.runpp``) on the same inputs as ``fast`` for every
  ``--plain-every``-th hour (at least 500), each hour compared with the simulator's results;
* ``meshed``: the same for the meshed Ringtown district (``configs/ringtown.yaml``, two
  plants, one at a set flow) over ``--meshed-hours`` hours, the plain loop every
  ``--meshed-every``-th hour, with the equality tolerances 0.01 K, 0.01 bar, 1e-6 pu, 1e-4
  relative, and the share of hours each fast path ran;
* ``espoo_year_s``: wall time of ``simulator.api.run`` on ``configs/espoo_2030.yaml`` (its default
  year, cube written to a temporary file), when that file exists; then the same run once more
  as a user starts it, ``python -m simulator run`` in a new process, for its wall time with
  imports and JIT and its peak memory.

* ``espoo_optimal``: the same Espoo year with ``dispatch.policy: optimal`` (objective co2,
  the scenario's horizon and step), its wall and CPU time, the solves, and the figures the
  optimal policy's "Done when" asks for (CO2, cost, delivered heat, fallback hours, the
  store's full-cycle equivalents). The extra cost per simulated year is its CPU time less the
  merit-order year's. ``--optimal-only`` measures just the two Espoo years (merit, optimal).

* ``espoo_dynamic``: the Espoo year with the steady and with the dynamic thermal model
  (``heat_network.thermal``), side by side (``bench/dynamic_bench.py``), and their CPU ratio.

``--plain-every`` must keep the plain sample at 500 hours or more (15 gives 584 of 8760).

Writes ``bench/results.json`` and ``bench/results.md``.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
import warnings
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandapipes
import pandapower

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from simulator.api import RunFailed, run, simulate_scenario  # noqa: E402
from simulator.config import load_config  # noqa: E402
from simulator.district import District, load_district  # noqa: E402
from simulator.grid.network import LOAD_PREFIX, ElectricGrid  # noqa: E402
from simulator.heat.network import HeatNetwork  # noqa: E402
from simulator.heat.pit import apply_to_tables  # noqa: E402
from simulator.inputs.build import build_inputs  # noqa: E402
from simulator.output import cube as results_module  # noqa: E402
from simulator.output.cube import open_results  # noqa: E402
from simulator.threads import pin_threads  # noqa: E402

sys.path.insert(0, str(ROOT / "bench"))
import dynamic_bench  # noqa: E402

SCHUTTERWALD = ROOT / "configs" / "schutterwald.yaml"
ESPOO = ROOT / "configs" / "espoo_2030.yaml"
RINGTOWN = ROOT / "configs" / "ringtown.yaml"
OUT = ROOT / "bench"
PARTS = ("heat_solve", "power_flow", "recording", "dispatch")


class Timers:
    """Wall time spent inside wrapped callables, by name."""

    def __init__(self) -> None:
        self.seconds = dict.fromkeys(PARTS, 0.0)

    def wrap(self, name: str, fn: Callable[..., Any]) -> Callable[..., Any]:
        def timed(*args: Any, **kwargs: Any) -> Any:
            t0 = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                self.seconds[name] += time.perf_counter() - t0
        return timed


def district(scenario: Any, fast: bool) -> District:
    """The scenario's district with fast or plain adapters."""
    base = load_district(scenario.district, scenario.solver.max_iter_bidirect)
    return District(base.path,
                    HeatNetwork.from_json(base.path / "heat.json",
                                          scenario.solver.max_iter_bidirect, fast=fast),
                    ElectricGrid.from_json(base.path / "electric.json", fast=fast))


def timed_simulation(scenario: Any, fast: bool, hours: int, keep_pit: int = 0
                     ) -> dict[str, Any]:
    """Run the coupled simulation with instrumented adapters; times and the recorder.

    ``keep_pit``: keep pandapipes' internal state (the pit) of every ``keep_pit``-th recorded
    hour (``heat_pits``), to seed pandapipes with the simulator's state (:func:`seeded`)."""
    d = district(scenario, fast)
    timers = Timers()
    d.grid.step = timers.wrap("power_flow", d.grid.step)  # type: ignore[method-assign]
    original = results_module.Recorder.record
    # the heat network's inputs of each recorded hour, as the adapter wrote them for the state
    # the hour recorded (not a later trial the operator dropped): the plain loop solves these
    writes: list[dict] = []
    last: dict[str, dict] = {}
    solved: dict[int, tuple[Any, dict]] = {}
    setpoints, heat_step = d.heat._setpoints, d.heat.step

    def capture(inputs: Any) -> dict:
        last["write"] = setpoints(inputs)
        return last["write"]

    pits: dict[int, dict[str, np.ndarray]] = {}  # hour -> the adapter's pit (every keep_pit)

    def step(inputs: Any) -> Any:
        state = heat_step(inputs)
        pit = d.heat._net.get("_pit") if keep_pit and len(writes) % keep_pit == 0 else None
        solved[id(state.junction_t_k)] = (state, last.get("write", {}), None if pit is None else
                                          {k: pit[k].copy() for k in ("node", "branch")})
        return state

    def record(self: Any, h: int, values: Any) -> None:
        _, write, pit = solved.get(id(values.get("junction_t_k")), (None, {}, None))
        writes.append(write)
        if pit is not None:
            pits[h] = pit
        solved.clear()
        original(self, h, values)

    d.heat._setpoints = capture  # type: ignore[method-assign]
    d.heat.step = timers.wrap("heat_solve", step)  # type: ignore[method-assign]
    results_module.Recorder.record = timers.wrap("recording", record)  # type: ignore[method-assign]
    try:
        t0, c0 = time.perf_counter(), time.process_time()
        recorder, attrs = simulate_scenario(scenario, d, hours)
        total, cpu = time.perf_counter() - t0, time.process_time() - c0
    finally:
        results_module.Recorder.record = original  # type: ignore[method-assign]
    parts = dict(timers.seconds)
    parts["dispatch"] = total - parts["heat_solve"] - parts["power_flow"] - parts["recording"]
    return {
        "hours": hours, "total_s": total, "cpu_s": cpu, "s_per_hour": total / hours,
        "heat_sweeps_per_hour": float(np.nanmean(recorder.array("heat_iterations"))),
        "share": {k: v / total for k, v in parts.items()},
        "ms_per_hour": {k: 1e3 * v / hours for k, v in parts.items()},
        "failed_hours": int(np.sum(recorder.array("converged") < 0.5)),
        "heat_fast_status": d.heat.fast_status or "in use",
        "grid_fast_status": d.grid.fast_status or "in use",
        "solver_paths": attrs["solver_fast_path"],
        "heat_fast_share": attrs["solver_heat_fast_hours"] / hours,
        "grid_fast_share": attrs["solver_grid_fast_hours"] / hours,
        "recorder": recorder, "district": d, "heat_writes": writes, "heat_pits": pits,
    }


#: equality tolerances of the plain loop against the simulator (issue 13)
TOLERANCES = {"junction_t_k": 0.01, "junction_p_bar": 0.01, "bus_vm_pu": 1e-6,
              "pipe_mdot_kg_per_s": 1e-4}  # the last one relative to the largest flow


def plain_loop(scenario: Any, fast: dict[str, Any], every: int) -> dict[str, Any]:
    """pandapipes.pipeflow + pandapower.runpp per sampled hour, on the fast run's inputs."""
    rec, d = fast["recorder"], fast["district"]
    inputs = build_inputs(scenario, d.heat.consumer_names, d.heat.consumer_design_w,
                          fast["hours"], d.heat.plant_names)
    heat = pandapipes.from_json(str(d.path / "heat.json"))
    # the modes the adapter drives (HeatNetwork._prepare): consumers qext_w + treturn_k,
    # fixed-flow plants without a pressure set point
    heat.heat_consumer["controlled_mdot_kg_per_s"] = np.nan
    heat.heat_consumer["deltat_k"] = np.nan
    if "circ_pump_mass" in heat:
        heat.circ_pump_mass["p_flow_bar"] = np.nan
        heat.circ_pump_mass["type"] = "t"
    grid = pandapower.from_json(str(d.path / "electric.json"))
    background = grid.load.index.to_numpy()
    bg_p, bg_q = grid.load["p_mw"].to_numpy(copy=True), grid.load["q_mvar"].to_numpy(copy=True)
    bus_index = dict(zip(d.grid.bus_names, grid.bus.index, strict=True))
    units = rec.coords["unit"]
    loads, unit_rows = [], []
    for name, bus in d.grid.attached_loads:
        loads.append(pandapower.create_load(grid, bus=bus_index[bus], p_mw=0.0, q_mvar=0.0,
                                            name=LOAD_PREFIX + name))
        unit_rows.append(units.index(name))
    hours = np.arange(0, fast["hours"], every)
    seconds = np.zeros(len(hours))
    pipeflow_s = np.zeros(len(hours))
    cpu = np.zeros(len(hours))
    worst = dict.fromkeys(TOLERANCES, 0.0)
    outside: list[int] = []  # sampled hours with a difference beyond the tolerances
    seeds: list[dict[str, Any]] = []  # at those hours: pandapipes seeded with the fast state
    failed = 0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for i, h in enumerate(hours):
            if rec.array("converged")[h] < 0.5 or not fast["heat_writes"][h]:
                continue
            t0, c0 = time.perf_counter(), time.process_time()
            apply_to_tables(heat, fast["heat_writes"][h])
            grid.load.loc[loads, "p_mw"] = rec.array("unit_el_mw")[h, unit_rows]
            scale = inputs.electric_load_scale[h]
            grid.load.loc[background, "p_mw"] = bg_p * scale
            grid.load.loc[background, "q_mvar"] = bg_q * scale
            try:
                t1 = time.perf_counter()
                pandapipes.pipeflow(heat, mode="bidirectional", max_iter_bidirect=100,
                                    ambient_temperature=inputs.t_ground_k[h])
                pipeflow_s[i] = time.perf_counter() - t1
                pandapower.runpp(grid, numba=True)
            except Exception:
                failed += 1
                continue
            seconds[i] = time.perf_counter() - t0
            cpu[i] = time.process_time() - c0
            for name, res in (("junction_t_k", heat.res_junction["t_k"]),
                              ("junction_p_bar", heat.res_junction["p_bar"]),
                              ("pipe_mdot_kg_per_s", heat.res_pipe["mdot_from_kg_per_s"]),
                              ("bus_vm_pu", grid.res_bus["vm_pu"])):
                mine = rec.array(name)[h]
                diff = float(np.nanmax(np.abs(res.to_numpy(dtype=float) - mine)))
                if name == "pipe_mdot_kg_per_s":
                    diff /= max(float(np.nanmax(np.abs(mine))), 1e-9)
                worst[name] = max(worst[name], diff)
                if diff > TOLERANCES[name] and (not outside or outside[-1] != h):
                    outside.append(int(h))
            if outside and outside[-1] == h and h in fast.get("heat_pits", {}):
                seeds.append(seeded(heat, fast["heat_pits"][h], rec, h))
    done = seconds > 0
    return {"hours": int(done.sum()), "every": every, "failed": failed,
            "s_per_hour": float(seconds[done].mean()),
            "cpu_s_per_hour": float(cpu[done].mean()),
            "pipeflow_s_per_hour": float(pipeflow_s[done].mean()),
            "max_abs_diff_vs_fast": worst,
            "within_tolerances": all(worst[k] <= tol for k, tol in TOLERANCES.items()),
            "hours_outside_tolerances": outside, "seeded": seeds}


def seeded(heat: Any, pit: dict[str, np.ndarray], rec: Any, h: int) -> dict[str, Any]:
    """pandapipes' own Newton loop started from the simulator's state of hour ``h``.

    ``heat`` has just been solved by a plain ``pipeflow`` on the same inputs (so its pit has
    the same rows); its state columns are replaced by the adapter's pit, and pandapipes'
    ``BidirectionalCalculation`` runs with its default tolerances. If it converges at once and
    stays at the simulator's state while the cold start converged elsewhere, both are solutions
    of pandapipes' equations for that hour (a network with two steady states)."""
    from pandapipes.pf.calculation import BidirectionalCalculation
    from pandapipes.pipeflow import extract_all_results

    cold_t_k = heat.res_junction["t_k"].to_numpy(dtype=float).copy()
    if any(heat["_pit"][k].shape != pit[k].shape for k in pit):
        return {"hour": int(h), "note": "pit shapes differ"}
    for k in pit:
        heat["_pit"][k][:] = pit[k]
    calc = BidirectionalCalculation()
    calc.run(heat)
    iterations = int(heat["_internal_results"].get("iterations_bidirectional", -1))
    converged = bool(heat.converged)
    if converged:  # as pandapipes.pipeflow finishes: into the pit, then the result tables
        calc.extract_results(heat)
        extract_all_results(heat)
    t = heat.res_junction["t_k"].to_numpy(dtype=float)
    return {"hour": int(h), "converged": converged, "iterations": iterations,
            "max_dt_k_vs_simulator": float(np.nanmax(np.abs(t - rec.array("junction_t_k")[h]))),
            "max_dt_k_cold_vs_simulator": float(np.nanmax(np.abs(
                cold_t_k - rec.array("junction_t_k")[h])))}


def meshed(hours: int, every: int) -> dict[str, Any]:
    """Ringtown (meshed, two plants, one at a set flow) like Schutterwald: the simulator's
    fast run against the plain loop on the same inputs."""
    scenario = load_config(RINGTOWN)
    fast = timed_simulation(scenario, True, hours, keep_pit=every)
    plain = plain_loop(scenario, fast, every)
    rec = fast["recorder"]
    ok = rec.array("converged") > 0.5
    supplied = rec.array("heat_supplied_mw")[ok]
    error = (supplied - rec.array("consumer_heat_mw")[ok].sum(axis=1)
             - rec.array("heat_loss_mw")[ok]) / supplied
    fast["max_balance_error"] = float(np.max(np.abs(error))) if ok.any() else float("nan")
    t = rec.array("plant_t_supply_k")[ok]
    fast["plant_t_supply_c_range"] = [[float(t[:, k].min()) - 273.15, float(t[:, k].max()) - 273.15]
                                      for k in range(t.shape[1])]
    fast.pop("recorder"), fast.pop("district"), fast.pop("heat_writes"), fast.pop("heat_pits")
    return {"fast": fast, "plain": plain, "ratio": plain["s_per_hour"] / fast["s_per_hour"],
            "cpu_ratio": plain["cpu_s_per_hour"] / (fast["cpu_s"] / fast["hours"])}


def espoo_year() -> dict[str, Any]:
    """``simulator.api.run`` on the Espoo default scenario: load, simulate, write the cube."""
    if not ESPOO.is_file():
        return {"espoo_year_s": None, "note": f"{ESPOO.relative_to(ROOT)} not found"}
    out: dict[str, Any] = {"note": ""}
    with tempfile.TemporaryDirectory() as tmp:
        t0, c0 = time.perf_counter(), time.process_time()
        try:
            path = run(ESPOO, output=Path(tmp) / "espoo.nc")
        except RunFailed as err:  # the time still counts; the note says why nothing was written
            out["note"] = f"RunFailed: {err}"
        else:
            with open_results(path) as ds:
                out["hours"] = int(ds.sizes["time"])
                out["failed_hours"] = int((ds["converged"] < 0.5).sum())
            out["cube_mib"] = path.stat().st_size / 2**20
        out["espoo_year_s"] = time.perf_counter() - t0
        out["cpu_s"] = time.process_time() - c0
    return out


def espoo_optimal_year(objective: str = "co2") -> dict[str, Any]:
    """The Espoo year under the optimal policy: time, solver work and its figures."""
    from simulator.dispatch.optimal import OptimalPolicy
    from simulator.output.summary import summarize

    if not ESPOO.is_file():
        return {"note": f"{ESPOO.relative_to(ROOT)} not found"}
    policies: list[OptimalPolicy] = []
    init = OptimalPolicy.__init__

    def remember(self: OptimalPolicy, setup: Any) -> None:
        init(self, setup)
        policies.append(self)

    OptimalPolicy.__init__ = remember  # type: ignore[method-assign]
    try:
        with tempfile.TemporaryDirectory() as tmp:
            t0, c0 = time.perf_counter(), time.process_time()
            path = run(ESPOO, output=Path(tmp) / "espoo.nc", overrides={
                "dispatch.policy": "optimal", "dispatch.objective": objective})
            out: dict[str, Any] = {"wall_s": time.perf_counter() - t0,
                                   "cpu_s": time.process_time() - c0}
            with open_results(path) as ds:
                figures = summarize(ds)
    finally:
        OptimalPolicy.__init__ = init  # type: ignore[method-assign]
    p = policies[-1]
    keys = ("co2_t", "co2_g_per_kwh_heat", "co2_marginal_g_per_kwh_heat", "cost_eur",
            "heat_delivered_mwh", "unserved_heat_mwh", "hours_converged", "hours_fallback",
            "cycles:nuijala_store")
    return {**out, "solves": p.solves, "failures": p.failures,
            "solve_s": p.solve_seconds, **{k: figures.get(k) for k in keys}}


def espoo_fresh_process() -> dict[str, Any]:
    """The same run as a user starts it: ``python -m simulator run`` in a new process (imports
    and the numba JIT of pandapipes/pandapower included); its wall time and peak memory."""
    if not ESPOO.is_file():
        return {}
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        done = subprocess.run([sys.executable, "-m", "simulator", "run", str(ESPOO),
                               "--output", str(Path(tmp) / "espoo.nc")], cwd=ROOT,
                              capture_output=True, text=True, check=False)
        seconds = time.perf_counter() - t0
    return {"fresh_process_s": seconds, "fresh_process_exit_code": done.returncode,
            "fresh_process_peak_rss_mib":
                resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024}


def machine_load() -> dict[str, Any]:
    """What else ran: load averages and the other processes using > 20 % of a core."""
    try:
        ps = subprocess.run(["ps", "-eo", "pid,pcpu,comm,args", "--sort=-pcpu"],
                            capture_output=True, text=True, check=False).stdout.splitlines()[1:]
    except OSError:
        ps = []
    me = os.getpid()
    busy = [line.split(None, 3) for line in ps]
    busy = [f"{b[2]} {b[1]} %: {b[3][:80]}" for b in busy
            if len(b) == 4 and int(b[0]) != me and float(b[1]) > 20.0]
    return {"loadavg": os.getloadavg(), "cores": os.cpu_count(), "busy": busy}


def meshed_markdown(mesh: dict[str, Any] | None) -> list[str]:
    if mesh is None:
        return ["- meshed district: skipped"]
    f, p = mesh["fast"], mesh["plain"]
    tol = ", ".join(f"{k} {v:.2g}" for k, v in p["max_abs_diff_vs_fast"].items())
    return [
        f"- **meshed district (Ringtown, {f['hours']} h): plain loop "
        f"{1e3 * p['s_per_hour']:.1f} ms per hour ({p['hours']} sampled hours, every "
        f"{p['every']}th, {p['failed']} failed), simulator {1e3 * f['s_per_hour']:.1f} ms per "
        f"hour: {mesh['ratio']:.1f}x** (CPU time: {mesh['cpu_ratio']:.1f}x)",
        f"- meshed district, fast paths in use: heat {100 * f['heat_fast_share']:.1f} % of "
        f"hours, grid {100 * f['grid_fast_share']:.1f} % ({f['solver_paths']}); pandapipes "
        f"sweeps per hour {f['heat_sweeps_per_hour']:.2f}; {f['failed_hours']} failed hours; "
        f"largest heat-balance error {100 * f['max_balance_error']:.3f} %; plant supply "
        "temperatures (°C): " + ", ".join(f"{a:.1f}-{b:.1f}" for a, b in
                                         f["plant_t_supply_c_range"]),
        f"- meshed district, largest |plain - fast| (pipe flow relative to the largest): {tol}; "
        f"within 0.01 K, 0.01 bar, 1e-6 pu, 1e-4: {'yes' if p['within_tolerances'] else 'NO'}"
        f" ({p['hours'] - len(p['hours_outside_tolerances'])} of {p['hours']} sampled hours "
        f"within; outside: {p['hours_outside_tolerances'] or 'none'})",
        *_two_states(p),
    ]


def _two_states(p: dict[str, Any]) -> list[str]:
    """The hours outside the tolerances where pandapipes, seeded with the simulator's state,
    keeps it: a second steady state of the same equations, not a fast-path error."""
    seeds = p.get("seeded", [])
    if not seeds:
        return []
    kept = [s for s in seeds if s.get("converged") and s["max_dt_k_vs_simulator"] <= 0.01]
    return [
        f"- meshed district, the hours outside: pandapipes' own Newton loop seeded with the "
        f"simulator's state converged and kept it at {len(kept)} of {len(seeds)} "
        f"(iterations {sorted({s.get('iterations') for s in seeds})}, largest drift "
        f"{max(s.get('max_dt_k_vs_simulator', float('nan')) for s in seeds):.1e} K): the "
        "simulator's state is a pandapipes solution there too; pandapipes' cold start "
        "converged to a second steady state of the same equations (up to "
        f"{max(s['max_dt_k_cold_vs_simulator'] for s in seeds):.2f} K away)"]


def markdown(res: dict[str, Any]) -> str:
    f, b, p = res["fast"], res["before"], res["plain"]
    rows = [
        "| run | hours | ms per hour | heat solve | power flow | dispatch | recording |",
        "|---|---|---|---|---|---|---|",
    ]
    for label, r in (("plain adapters (before)", b), ("fast adapters (after)", f)):
        ms = r["ms_per_hour"]
        rows.append(f"| {label} | {r['hours']} | {1e3 * r['s_per_hour']:.1f} | "
                    + " | ".join(f"{ms[k]:.2f} ms ({100 * r['share'][k]:.0f} %)"
                                 for k in ("heat_solve", "power_flow", "dispatch", "recording"))
                    + " |")
    pf = 1e3 * p["pipeflow_s_per_hour"]
    rows.append(f"| plain pipeflow + runpp loop | {p['hours']} (every {p['every']}th) | "
                f"{1e3 * p['s_per_hour']:.1f} | {pf:.1f} ms (pipeflow) | "
                f"{1e3 * p['s_per_hour'] - pf:.1f} ms (runpp + input writes) | | |")
    espoo = res["espoo_year_s"]
    lines = [
        f"# Benchmark ({res['created_utc']}, {res['machine']})", "",
        *rows, "",
        f"- **ratio plain / fast: {res['ratio']:.1f}x** (CPU time: {res['cpu_ratio']:.1f}x)",
        f"- pandapipes Newton sweeps per hour: {b['heat_sweeps_per_hour']:.1f} before, "
        f"{f['heat_sweeps_per_hour']:.2f} after",
        f"- Schutterwald full year ({f['hours']} h): {f['total_s']:.1f} s wall, "
        f"{f['cpu_s']:.1f} s CPU (wall > CPU: other processes shared the cores), "
        f"{f['failed_hours']} failed hours; fast paths: heat {f['heat_fast_status']}, "
        f"grid {f['grid_fast_status']}",
        "- Espoo default year (`simulator.api.run`, cube written): " + (
            f"{espoo:.1f} s wall, {res['espoo']['cpu_s']:.1f} s CPU" if espoo is not None
            else "not measured")
        + (f" ({res['espoo']['note']})" if res["espoo"].get("note") else ""),
        "- Espoo as a user starts it (`python -m simulator run`, new process: imports and the "
        "numba JIT of pandapipes/pandapower included): "
        + (f"{res['espoo']['fresh_process_s']:.1f} s, peak RSS "
           f"{res['espoo']['fresh_process_peak_rss_mib']:.0f} MiB"
           if "fresh_process_s" in res["espoo"] else "not measured"),
        *optimal_lines(res),
        *(["", "Steady and dynamic thermal model, Espoo year side by side:", "",
            *dynamic_bench.markdown(res["espoo_dynamic"])] if res.get("espoo_dynamic") else []),
        f"- peak RSS of this benchmark process (all of the above in one process): "
        f"{res['peak_rss_mib']:.0f} MiB",
        "- largest |plain - fast| over the sampled hours: " + ", ".join(
            f"{k} {v:.2g}" for k, v in p["max_abs_diff_vs_fast"].items()),
        f"- Schutterwald fast paths in use: heat {100 * f['heat_fast_share']:.1f} %, grid "
        f"{100 * f['grid_fast_share']:.1f} % of hours",
        *meshed_markdown(res.get("meshed")),
        "- machine load (1/5/15 min load averages on "
        f"{res['machine_load']['start']['cores']} cores): start "
        f"{', '.join(f'{x:.1f}' for x in res['machine_load']['start']['loadavg'])}, end "
        f"{', '.join(f'{x:.1f}' for x in res['machine_load']['end']['loadavg'])}; other busy "
        "processes at the start: " + ("; ".join(res["machine_load"]["start"]["busy"]) or "none"),
        "",
    ]
    return "\n".join(lines)


def optimal_lines(res: dict[str, Any]) -> list[str]:
    o, e = res.get("espoo_optimal") or {}, res.get("espoo") or {}
    if "cpu_s" not in o:
        return []
    extra = (f"; extra cost over merit order {o['cpu_s'] - e['cpu_s']:.1f} s CPU per year"
             if e.get("cpu_s") else "")
    return [f"- Espoo year, `policy: optimal` (co2): {o['wall_s']:.1f} s wall, {o['cpu_s']:.1f} s "
            f"CPU{extra}; {o['solves']} HiGHS solves in {o['solve_s']:.1f} s, "
            f"{o['failures']} failed, {o['hours_fallback']:.0f} h on merit fallback; "
            f"CO2 {o['co2_t']:.0f} t ({o['co2_g_per_kwh_heat']:.1f} g/kWh), Nuijala store "
            f"{o['cycles:nuijala_store']:.1f} full-cycle equivalents"]


def optimal_only() -> int:
    """Only the two Espoo years (merit order, optimal): bench/results_optimal.{json,md}."""
    res: dict[str, Any] = {"created_utc": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
                           "espoo": espoo_year(), "espoo_optimal": espoo_optimal_year()}
    lines = [f"# Optimal dispatch benchmark ({res['created_utc']})", "",
             f"- Espoo default year, merit order: {res['espoo']['espoo_year_s']:.1f} s wall, "
             f"{res['espoo']['cpu_s']:.1f} s CPU", *optimal_lines(res), ""]
    (OUT / "results_optimal.json").write_text(json.dumps(res, indent=2) + "\n")
    (OUT / "results_optimal.md").write_text("\n".join(lines))
    print("\n".join(lines))
    return 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--hours", type=int, default=8760)
    ap.add_argument("--plain-every", type=int, default=15)
    ap.add_argument("--before-hours", type=int, default=336)
    ap.add_argument("--no-espoo", action="store_true")
    ap.add_argument("--optimal-only", action="store_true",
                    help="only the Espoo year under merit order and under the optimal policy")
    ap.add_argument("--meshed-hours", type=int, default=8760)
    ap.add_argument("--meshed-every", type=int, default=15)
    ap.add_argument("--no-meshed", action="store_true")
    args = ap.parse_args(argv)
    pin_threads()
    if args.optimal_only:
        return optimal_only()
    load_before = machine_load()
    if args.hours == 8760 and len(range(0, args.hours, args.plain_every)) < 500:
        ap.error("--plain-every leaves fewer than 500 plain hours")
    scenario = load_config(SCHUTTERWALD)
    t0 = time.perf_counter()
    timed_simulation(scenario, True, 24)  # warm-up: numba JIT of pandapipes/pandapower/ours
    warmup = time.perf_counter() - t0
    fast = timed_simulation(scenario, True, args.hours, keep_pit=args.plain_every)
    before = timed_simulation(scenario, False, min(args.before_hours, args.hours))
    plain = plain_loop(scenario, fast, args.plain_every)
    for run_ in (fast, before):  # free the recorders before the Espoo year
        run_.pop("recorder"), run_.pop("district"), run_.pop("heat_writes"), run_.pop("heat_pits")
    gc.collect()
    mesh = None if args.no_meshed else meshed(args.meshed_hours, args.meshed_every)
    gc.collect()
    espoo: dict[str, Any] = {"espoo_year_s": None, "note": "skipped"}
    optimal: dict[str, Any] = {}
    dynamic: dict[str, Any] = {}
    if not args.no_espoo:
        espoo = {**espoo_year(), **espoo_fresh_process()}
        optimal = espoo_optimal_year()
        dynamic = dynamic_bench.thermal_years()
    res: dict[str, Any] = {
        "created_utc": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "machine": f"{platform.node()} {platform.processor() or platform.machine()}, "
                   f"python {platform.python_version()}",
        "district": "schutterwald", "warmup_s": warmup,
        "plain_s_per_hour": plain["s_per_hour"], "fast_s_per_hour": fast["s_per_hour"],
        "ratio": plain["s_per_hour"] / fast["s_per_hour"],
        "cpu_ratio": plain["cpu_s_per_hour"] / (fast["cpu_s"] / fast["hours"]),
        "espoo_year_s": espoo["espoo_year_s"],
        "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "share": fast["share"],
        "fast": fast, "before": before, "plain": plain, "espoo": espoo, "meshed": mesh,
        "espoo_optimal": optimal, "espoo_dynamic": dynamic,
        "machine_load": {"start": load_before, "end": machine_load()},
    }
    OUT.mkdir(exist_ok=True)
    (OUT / "results.json").write_text(json.dumps(res, indent=2) + "\n")
    (OUT / "results.md").write_text(markdown(res))
    print(markdown(res))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Sizing before spending: ``districtsim sweep SWEEP --plan [--hours N] [--cores N]``.

Runs no case: it validates every case (as a sweep does), times a short calibration of the first
case in a fresh process (:mod:`simulator.sweep.calibrate`) and extrapolates. Times are CPU
times of that process: what a case costs on a core of its own, which is what a cluster job
gets (on a machine shared with other work, wall times are longer by the sharing):

* per case: wall time = the first hour (networks, inputs, a full solve) + the second (the
  fast path's start) + the later hours x their cost per hour + the cube's writing (a fixed
  part + a part per hour); one core, so also its core time. The cost per hour is the mean
  over the later hours of slices spread over the case's period;
* memory per worker: the calibration process's peak resident memory (simulator, solvers,
  Dask's worker, short runs) + 16 bytes per recorded value-hour (the float64 recording arrays
  and the dataset copied from them when the cube is written);
* start-up per worker: imports + the first run's numba cache load (a compile, if the cache was
  empty: the client's warm-up pays that once per sweep);
* on ``cores`` cores: workers = min(cores, cases), waves = ceil(cases / workers), and the
  execution block with walltime 1.5 x a worker's share (start-up + its waves), memory 1.25 x the
  estimate, rounded up.

The estimate assumes every case costs what the calibrated one does, and no queue wait.
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from simulator.config import ConfigError, load_config, read_yaml
from simulator.sweep.spec import Case, load_sweep, plan

GIB = 2**30
BYTES_PER_VALUE_HOUR = 16  # float64 recorder + the dataset's copy at write time
WALLTIME_MARGIN = 1.5
MEMORY_MARGIN = 1.25
MIN_WALLTIME_S = 600
_PROJECT_ROOT = Path(__file__).resolve().parents[2]


def calibration_slices(hours: int) -> list[tuple[int, int]]:
    """``(offset_h, hours)`` windows to time in a case of ``hours`` hours: windows of
    ``hours // 16`` hours (6-24), up to 4, covering at most a quarter of the case, evenly
    spread over it (a year: 24 hours in winter, spring, summer and autumn)."""
    length = min(max(hours // 16, 6), 24, hours)
    count = max(1, min(4, hours // (4 * length)))
    return [(min(i * hours // count, hours - length), length) for i in range(count)]


@dataclass(frozen=True)
class Calibration:
    """What the calibration runs measured (CPU s, bytes) and the per-case cost derived."""

    case_id: str
    client_warm_up_s: float  # the client's warm-up run: numba compile (or load) + 3 hours
    compile_s: float  # of which compiling (0: every function came from numba's cache)
    import_s: float  # a worker importing the simulator and Dask's worker
    first_run_s: float  # a worker's first (3-hour) run, compiled code loaded from the cache
    first_s: float  # a case's start until its first hour is done: networks, inputs, solve
    second_s: float  # its second hour (the fast path starts)
    per_hour_s: float  # per simulated hour from the third on, mean over the slices
    write_s: float  # writing a cube: fixed part
    write_per_hour_s: float  # writing a cube: per hour
    cube_bytes: float  # cube file: fixed part
    cube_bytes_per_hour: float  # cube file: per hour
    slices: list[dict[str, Any]]
    peak_rss_bytes: int
    values_per_hour: int

    def case_s(self, hours: int) -> float:
        """Estimated core seconds of one case of ``hours`` hours in a started worker."""
        return (self.first_s + (self.second_s if hours > 1 else 0.0)
                + max(hours - 2, 0) * self.per_hour_s + self.write_s
                + hours * self.write_per_hour_s)

    def cube_size(self, hours: int) -> float:
        """Estimated bytes of a cube of ``hours`` hours."""
        return self.cube_bytes + hours * self.cube_bytes_per_hour

    def memory_bytes(self, hours: int) -> int:
        """Estimated peak resident memory (bytes) of a worker running a case of ``hours``."""
        return self.peak_rss_bytes + hours * self.values_per_hour * BYTES_PER_VALUE_HOUR

    @property
    def first_run_extra_s(self) -> float:
        """What a worker's first case costs more than the others (s): loading the compiled
        code from the cache, the solvers' first calls."""
        from simulator.sweep.executors import WARM_UP_HOURS

        return max(self.first_run_s - self.case_s(WARM_UP_HOURS), 0.0)

    @property
    def startup_s(self) -> float:
        """A worker's start-up (s): imports and its first case's extra cost."""
        return self.import_s + self.first_run_extra_s


def _line(one: dict[str, Any], long: dict[str, Any], key: str) -> tuple[float, float]:
    """``key`` as a fixed part + a part per hour, through the 1-hour run and a longer one."""
    per_hour = max(long[key] - one[key], 0.0) / max(long["hours"] - 1, 1)
    return max(one[key] - per_hour, 0.0), per_hour


def calibration_from(client: dict[str, Any], worker: dict[str, Any],
                     case_id: str) -> Calibration:
    """A :class:`Calibration` from the two JSON outputs of :mod:`simulator.sweep.calibrate`."""
    slices, one = worker["slices"], worker["one_hour"]
    write, write_per_hour = _line(one, worker["write_probe"], "write_s")
    longest = max(slices, key=lambda s: s["hours"])  # compresses like a case (the probe
    cube, cube_per_hour = _line(one, longest, "cube_bytes")  # repeats itself: too well)
    later = [h for s in slices for h in s["hour_s"][2:]] or [h for s in slices
                                                              for h in s["hour_s"][1:]]
    second = [s["hour_s"][1] for s in slices if s["hours"] > 1]
    return Calibration(
        case_id=case_id, client_warm_up_s=client["first_run"]["cpu_s"],
        compile_s=client["first_run"]["compile_s"], import_s=worker["import_s"],
        first_run_s=worker["first_run"]["cpu_s"], first_s=one["hour_s"][0],
        second_s=sum(second) / len(second) if second else 0.0,
        per_hour_s=sum(later) / len(later) if later else 0.0,
        write_s=write, write_per_hour_s=write_per_hour, cube_bytes=cube,
        cube_bytes_per_hour=cube_per_hour, slices=slices,
        peak_rss_bytes=int(worker["peak_rss_bytes"]),
        values_per_hour=int(worker["values_per_hour"]))


def _calibrate(job: dict[str, Any], env: dict[str, str], where: str) -> dict[str, Any]:
    done = subprocess.run([sys.executable, "-m", "simulator.sweep.calibrate", json.dumps(job)],
                          capture_output=True, text=True, env=env, check=False)
    if done.returncode != 0:
        tail = (done.stderr.strip().splitlines() or ["(no output)"])[-1]
        raise ConfigError([f"{where}: the calibration run failed: {tail}"])
    return json.loads(done.stdout.strip().splitlines()[-1])


def run_calibration(base: Path, case: Case) -> Calibration:
    """Time ``case`` in two fresh interpreters, as a sweep runs it: the client's warm-up, which
    compiles into an empty numba cache directory (unless ``NUMBA_CACHE_DIR`` is set, which the
    sweep would use too), then a worker loading from it; ConfigError if a run fails."""
    start = load_config(base, case.overrides).period.start
    job = {"base": str(base), "overrides": case.overrides, "start": start.isoformat(),
           "slices": calibration_slices(case.hours), "probe_hours": min(case.hours, 168)}
    path = os.pathsep.join(filter(None, [str(_PROJECT_ROOT), os.environ.get("PYTHONPATH")]))
    where = f"{base}: {case.case_id}"
    with tempfile.TemporaryDirectory(prefix="districtsim-plan-numba-") as cache:
        env = {"NUMBA_CACHE_DIR": cache, **os.environ, "PYTHONPATH": path}
        client = _calibrate({**job, "phase": "client"}, env, where)
        worker = _calibrate({**job, "phase": "worker"}, env, where)
    return calibration_from(client, worker, case.case_id)


@dataclass(frozen=True)
class SweepSize:
    """The plan of a sweep: its cases, the calibration, and the sizing for ``cores`` cores."""

    name: str
    path: Path
    cases: list[Case]
    calibration: Calibration
    cores: int
    execution: dict[str, Any]

    @property
    def case_s(self) -> list[float]:
        """Estimated wall (= core) seconds of every case, its worker already started."""
        return [self.calibration.case_s(c.hours) for c in self.cases]

    @property
    def core_hours(self) -> float:
        """Core-hours of all cases, the workers' start-up included."""
        return (sum(self.case_s) + self.workers * self.calibration.startup_s) / 3600

    @property
    def workers(self) -> int:
        return max(1, min(self.cores, len(self.cases)))

    @property
    def waves(self) -> int:
        return math.ceil(len(self.cases) / self.workers)

    @property
    def wall_s(self) -> float:
        """Wall time of the whole sweep on :attr:`workers` workers (no queue wait): the client's
        warm-up, a worker's start-up, then its waves of the longest cases."""
        longest = sorted(self.case_s, reverse=True)[::self.workers]
        return self.calibration.client_warm_up_s + self.calibration.startup_s + sum(longest)

    @property
    def memory_bytes(self) -> int:
        return self.calibration.memory_bytes(max(c.hours for c in self.cases))

    def execution_block(self) -> str:
        """The suggested ``execution:`` block (YAML) for :attr:`cores` cores."""
        share_s = self.calibration.startup_s + self.waves * max(self.case_s)
        walltime = _hms(max(MIN_WALLTIME_S, _ceil_to(share_s * WALLTIME_MARGIN, 300)))
        memory = f"{max(1.0, _ceil_to(self.memory_bytes * MEMORY_MARGIN / GIB, 0.5)):g}GiB"
        job = f'{{cores: 1, memory: {memory}, walltime: "{walltime}"}}'
        return (f"execution:\n  workers: {self.workers}\n  slurm: {job}\n  pbs: {job}\n"
                f"  local: {{}}")

    def format(self) -> str:
        """The plan as printed by ``districtsim sweep --plan``."""
        cal, case_s = self.calibration, self.case_s
        hours = sorted({c.hours for c in self.cases})
        sampled = ", ".join(f"{s['hours']} h from hour {s['offset_h']}" for s in cal.slices)
        idle = self.cores - self.workers
        lines = [
            f"sweep {self.name} ({self.path}): {len(self.cases)} cases of "
            f"{'/'.join(map(str, hours))} hours, nothing run",
            f"calibration ({cal.case_id}, CPU times in fresh processes): client warm-up "
            f"{cal.client_warm_up_s:.1f} s (numba compile {cal.compile_s:.1f} s, once per "
            f"sweep); worker: imports {cal.import_s:.1f} s, first case "
            f"+{cal.first_run_extra_s:.1f} s (compiled code loaded); timed "
            f"{sampled}: first hour {cal.first_s:.2f} s (networks, inputs), second "
            f"{cal.second_s:.2f} s, then {cal.per_hour_s * 1e3:.1f} ms per simulated hour, cube "
            f"writing "
            f"{cal.write_s:.2f} s + {cal.write_per_hour_s * 1e3:.2f} ms per hour",
            f"per case: {_duration(max(case_s))} wall on one core = "
            f"{max(case_s) / 3600:.3g} core-hours; cube "
            f"{cal.cube_size(max(hours)) / 2**20:.1f} MiB",
            f"all cases: {self.core_hours:.3g} core-hours (worker start-up "
            f"{cal.startup_s:.1f} s each included), results "
            f"{sum(cal.cube_size(c.hours) for c in self.cases) / GIB:.2g} GiB",
            f"memory per worker: {self.memory_bytes / GIB:.2f} GiB peak (measured "
            f"{cal.peak_rss_bytes / GIB:.2f} GiB + {cal.values_per_hour} values x "
            f"{BYTES_PER_VALUE_HOUR} B per hour)",
            f"on {self.cores} cores: {self.workers} workers, {self.waves} case(s) each, "
            f"wall {_duration(self.wall_s)} without queue wait"
            + (f" ({idle} cores would idle: fewer cases than cores)" if idle > 0 else ""),
            *self.check_execution(),
            "suggested (walltime 1.5 x a worker's share, memory 1.25 x the estimate):",
            self.execution_block(),
        ]
        return "\n".join(lines)

    def check_execution(self) -> list[str]:
        """One line per cluster block of the sweep's own ``execution``: enough or not."""
        share_s = self.calibration.startup_s + self.waves * max(self.case_s)
        lines = []
        for kind in ("slurm", "pbs"):
            block = self.execution.get(kind)
            if not isinstance(block, dict):
                continue
            found = []
            wall = _seconds(block.get("walltime"))
            if wall is not None:
                found.append(f"walltime {block['walltime']} "
                             + ("ok" if wall >= share_s else f"TOO SHORT for {_hms(share_s)}"))
            memory = _bytes(block.get("memory"))
            if memory is not None:
                found.append(f"memory {block['memory']} " + (
                    "ok" if memory >= self.memory_bytes
                    else f"TOO SMALL for {self.memory_bytes / GIB:.2f} GiB"))
            if found:
                lines.append(f"the sweep's execution.{kind} on {self.cores} cores: "
                             + "; ".join(found))
        return lines


def _seconds(walltime: Any) -> float | None:
    """``[D-]HH:MM:SS`` (or ``MM:SS``, ``MM``) in seconds; None when absent or unreadable."""
    if not isinstance(walltime, str):
        return None
    days, _, clock = walltime.rpartition("-")
    try:
        parts = [float(p) for p in clock.split(":")]
        seconds = sum(p * 60**i for i, p in enumerate(reversed(parts)))
        if len(parts) == 1:
            seconds *= 60  # SLURM: a bare number is minutes
        return seconds + (float(days) * 86400 if days else 0.0)
    except ValueError:
        return None


_UNITS = {"": 1, "b": 1, "k": 1e3, "kb": 1e3, "m": 1e6, "mb": 1e6, "g": 1e9, "gb": 1e9,
          "t": 1e12, "tb": 1e12, "kib": 2**10, "mib": 2**20, "gib": 2**30, "tib": 2**40}


def _bytes(memory: Any) -> float | None:
    """``4GiB``, ``2GB``, ``500MiB`` in bytes; None when absent or unreadable."""
    if not isinstance(memory, str):
        return None
    text = memory.strip().lower().replace(" ", "")
    number = text.rstrip("abcdefghijklmnopqrstuvwxyz")
    try:
        return float(number) * _UNITS[text[len(number):]]
    except (ValueError, KeyError):
        return None


def _ceil_to(value: float, step: float) -> float:
    return math.ceil(value / step) * step


def _hms(seconds: float) -> str:
    s = round(seconds)
    return f"{s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}"


def _duration(seconds: float) -> str:
    return f"{seconds:.1f} s" if seconds < 120 else f"{_hms(seconds)} ({seconds:.0f} s)"


def size_sweep(sweep_path: str | os.PathLike[str], hours: int | None = None,
               cores: int | None = None,
               execution: str | os.PathLike[str] | None = None) -> SweepSize:
    """Validate every case of a sweep file and size it for ``cores`` (default: this machine's)
    from a calibration run of its first case; runs no case. ConfigError on bad input."""
    sweep = load_sweep(sweep_path)
    if execution is not None:
        sweep = replace(sweep, execution=read_yaml(Path(execution)))
    if cores is not None and cores <= 0:
        raise ConfigError([f"{sweep.path}: --cores: must be a positive number"])
    cases = plan(sweep, hours)
    calibration = run_calibration(sweep.base, cases[0])
    return SweepSize(sweep.name, sweep.path, cases, calibration, cores or os.cpu_count() or 1,
                     sweep.execution)

"""Sweeps through a real SLURM scheduler: ``--executor slurm`` makes dask-jobqueue submit real
``sbatch`` jobs, each a Dask worker that simulates cases and writes their cubes.

Needs a running scheduler: ``make test-cluster`` (``scripts/slurm/harness.sh run -- pytest ...``)
starts a throw-away single-node SLURM and sets ``DISTRICTSIM_SLURM=up``; without it every test
here is skipped. The sweep runs as the real command line (``python -m simulator sweep``) in a
subprocess with this checkout first on ``PYTHONPATH``, so the code under test is this checkout's
(and its workers', see ``simulator.sweep.executors.jobqueue_cluster``).

Evidence that the cases ran in SLURM jobs, without accounting (no sacct): a thread polls
``squeue`` (job ids and states) and ``scontrol listpids`` (which processes belong to which job)
while the sweep runs, each case's ``worker`` (host:pid) in the manifest is matched to the job
whose process it was, and ``scontrol show job`` (kept for MinJobAge after the end) gives each
job's partition, batch flag and times; ``scontrol write batch_script`` gives the script each
job ran. Everything is printed (run pytest with ``-s``).

No cold start per job: the client warms the numba cache in ``<out>/.numba-cache`` while the jobs
start, the job scripts export it, and every case's ``compile_s`` in the manifest is 0 (no job
compiled anything, not even on its first case).
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import xarray as xr
import yaml

ROOT = Path(__file__).resolve().parents[2]
SCHUTTERWALD = ROOT / "configs" / "schutterwald.yaml"
PARTITION = os.environ.get("DISTRICTSIM_SLURM_PARTITION", "districtsim")
HP = "units.ground_hp.heat_mw"

pytestmark = [
    pytest.mark.cluster,
    pytest.mark.skipif(os.environ.get("DISTRICTSIM_SLURM") != "up",
                       reason="no SLURM scheduler here: run `make test-cluster` "
                              "(scripts/slurm/harness.sh starts one)"),
]


# --- helpers ---------------------------------------------------------------------------------

def write_sweep(folder: Path, name: str, values: list[float]) -> Path:
    path = folder / f"{name}.yaml"
    path.write_text(yaml.safe_dump({"name": name, "base": str(SCHUTTERWALD), "mode": "grid",
                                    "parameters": {HP: values}}, sort_keys=False))
    return path


def write_execution(folder: Path, job_name: str, workers: int) -> Path:
    """One core, 2 GiB per job on the harness's partition; Dask on the loopback interface
    (scheduler and workers), job logs ``<job_name>-<jobid>.err`` in ``folder/joblogs``."""
    path = folder / "exec.yaml"
    path.write_text(yaml.safe_dump({"workers": workers, "slurm": {
        "cores": 1, "memory": "2GiB", "walltime": "00:10:00", "queue": PARTITION,
        "job_name": job_name, "interface": "lo",
        "log_directory": str(folder / "joblogs"),
        "local_directory": str(folder / "dask-scratch"),
    }}, sort_keys=False))
    return path


def sweep_command(sweep: Path, execution: Path, out: Path, hours: int,
                  resume: bool = False) -> list[str]:
    return [sys.executable, "-m", "simulator", "sweep", str(sweep), "--executor", "slurm",
            "--execution", str(execution), "--out", str(out), "--hours", str(hours),
            *(["--resume"] if resume else [])]


def sweep_env() -> dict[str, str]:
    """This checkout first on PYTHONPATH: the driver (and so its workers) run its code."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH")) if p)
    return env


def manifest_cases(out: Path) -> dict[str, dict[str, Any]]:
    try:
        data = json.loads((out / "manifest.json").read_text())
    except (OSError, ValueError):
        return {}
    return {c["case_id"]: c for c in data["cases"]}


def slurm(*args: str, timeout: float = 20) -> str:
    return subprocess.run(list(args), capture_output=True, text=True, timeout=timeout,
                          check=True).stdout


def job_info(job_id: str) -> dict[str, str]:
    """``scontrol -o show job``: its KEY=VALUE fields (the scheduler keeps finished jobs for
    MinJobAge, 600 s in the harness)."""
    line = slurm("scontrol", "-o", "show", "job", job_id)
    return dict(re.findall(r"(\w+)=(\S*)", line))


def cancel_all(job_name: str, wait_s: float = 30) -> None:
    """scancel every job of this name still queued or running, and wait until they are gone."""
    ids = slurm("squeue", "-h", "-n", job_name, "-o", "%i").split()
    if ids:
        slurm("scancel", *ids)
    deadline = time.monotonic() + wait_s
    while slurm("squeue", "-h", "-n", job_name, "-o", "%i").split():
        assert time.monotonic() < deadline, f"jobs of {job_name} still there after {wait_s} s"
        time.sleep(0.2)


class JobWatch(threading.Thread):
    """Polls the jobs named ``job_name``: their states over time (squeue) and which processes
    belong to which job (``scontrol listpids``, on this node)."""

    def __init__(self, job_name: str, every_s: float = 0.5) -> None:
        super().__init__(daemon=True)
        self.job_name, self.every_s = job_name, every_s
        self.start_time = time.monotonic()
        self.first_seen: dict[str, dict[str, float]] = {}  # job -> state -> s since start
        self.state: dict[str, str] = {}
        self.pid_job: dict[int, str] = {}
        self.lock = threading.Lock()
        self._halt = threading.Event()

    def run(self) -> None:
        while not self._halt.is_set():
            with contextlib.suppress(subprocess.SubprocessError, OSError):
                self.poll()  # a slow or failed answer: try again next time
            self._halt.wait(self.every_s)

    def poll(self) -> None:
        now = time.monotonic() - self.start_time
        rows = [line.split() for line in
                slurm("squeue", "-h", "-n", self.job_name, "-o", "%i %T").splitlines()]
        pids = slurm("scontrol", "listpids").splitlines()[1:]  # PID JOBID STEPID ...
        with self.lock:
            for job, state in rows:
                self.first_seen.setdefault(job, {}).setdefault(state, now)
                self.state[job] = state
            for gone in set(self.state) - {job for job, _ in rows}:
                self.state[gone] = "GONE"
            for line in pids:
                pid, job = line.split()[:2]
                if job in self.first_seen:
                    self.pid_job[int(pid)] = job

    def running(self) -> list[str]:
        with self.lock:
            return sorted(j for j, s in self.state.items() if s == "RUNNING")

    def jobs(self) -> list[str]:
        with self.lock:
            return sorted(self.first_seen, key=int)

    def job_of(self, worker: str | None) -> str | None:
        """The job whose process ``worker`` (manifest: host:pid) was."""
        if not worker:
            return None
        with self.lock:
            return self.pid_job.get(int(worker.rsplit(":", 1)[1]))

    def stop(self) -> None:
        self._halt.set()
        self.join(5)


@pytest.fixture
def watch(request) -> Iterator[Any]:
    """A JobWatch factory; on the way out every job the test started is cancelled."""
    started: list[JobWatch] = []

    def make(job_name: str) -> JobWatch:
        w = JobWatch(job_name)
        w.start()
        started.append(w)
        return w

    yield make
    for w in started:
        w.stop()
        cancel_all(w.job_name)


def report_jobs(title: str, w: JobWatch, cases: dict[str, dict[str, Any]]) -> dict[str, dict]:
    """Print the jobs seen (id, state, partition, submit-to-start latency) and the job that ran
    each case; return scontrol's view of every job."""
    infos = {job: job_info(job) for job in w.jobs()}
    print(f"\n== {title}: sbatch job ids seen: {' '.join(w.jobs())}")
    for job, info in infos.items():
        seen = w.first_seen[job]
        poll_latency = (f"{seen['RUNNING'] - seen['PENDING']:.2f} s" if {"PENDING", "RUNNING"}
                        <= seen.keys() else "n/a")
        print(f"   job {job}: {info.get('JobState')} partition={info.get('Partition')} "
              f"name={info.get('JobName')} batch={info.get('BatchFlag')} "
              f"node={info.get('NodeList')} submit={info.get('SubmitTime')} "
              f"start={info.get('StartTime')} end={info.get('EndTime')} "
              f"pending->running seen by squeue: {poll_latency}")
    for case_id, case in sorted(cases.items()):
        print(f"   {case_id}: {case['status']:7} job {w.job_of(case.get('worker'))} "
              f"worker {case.get('worker')} wall {case.get('wall_time_s')} s "
              f"cpu {case.get('cpu_time_s')} s compile {case.get('compile_s')} s "
              f"finished {case.get('finished_utc')}")
    return infos


def batch_script(job: str) -> str:
    """The script a job ran (the scheduler keeps it while it keeps the job)."""
    return slurm("scontrol", "write", "batch_script", job, "-")


def run_to_end(cmd: list[str], log: Path, timeout_s: float) -> tuple[int, str]:
    with log.open("w") as fh:
        proc = subprocess.Popen(cmd, stdout=fh, stderr=subprocess.STDOUT, env=sweep_env(),
                                cwd=log.parent)
        try:
            rc = proc.wait(timeout_s)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
            pytest.fail(f"sweep still running after {timeout_s} s:\n{log.read_text()}")
    return rc, log.read_text()


def check_cubes(out: Path, cases: dict[str, dict[str, Any]], hours: int) -> None:
    for case_id, case in cases.items():
        with xr.open_dataset(out / f"{case_id}.nc", engine="netcdf4", decode_times=False) as ds:
            assert ds.sizes["time"] == hours, case_id
            assert ds.attrs["config_sha256"] == case["config_sha256"], case_id
            assert float(ds["unit_heat_mw"].sum()) > 0, case_id


# --- the tests -------------------------------------------------------------------------------

def test_sweep_runs_as_sbatch_jobs(tmp_path, watch):
    """3 cases of 48 h on 2 one-core jobs: exit 0, every cube there and readable, the manifest
    done, and each case ran in a worker process of a SLURM job of the harness's partition."""
    hours, job_name = 48, "districtsim-sweep"
    sweep = write_sweep(tmp_path, "cluster_sweep", [0.4, 0.8, 1.2])
    execution = write_execution(tmp_path, job_name, workers=2)
    out = tmp_path / "out"
    w = watch(job_name)
    start = time.monotonic()
    rc, log = run_to_end(sweep_command(sweep, execution, out, hours), tmp_path / "sweep.log", 240)
    took = time.monotonic() - start
    cases = manifest_cases(out)
    infos = report_jobs(f"sweep of 3 cases x {hours} h in {took:.1f} s", w, cases)
    print("   " + log.strip().replace("\n", "\n   "))
    assert rc == 0, log
    assert sorted(cases) == ["case_000", "case_001", "case_002"]
    assert all(c["status"] == "done" and c["error"] is None for c in cases.values()), cases
    check_cubes(out, cases, hours)
    assert "3 of 3 cases done, 0 failed" in log
    # real batch jobs of the harness's partition, one per worker, each leaving its job log
    assert len(infos) == 2, infos
    for job, info in infos.items():
        assert info["Partition"] == PARTITION and info["BatchFlag"] == "1", info
        assert info["JobName"] == job_name and info["NumCPUs"] == "1", info
        assert (tmp_path / "joblogs" / f"{job_name}-{job}.err").is_file()
    # every case ran in one of those jobs
    ran_in = {case_id: w.job_of(c["worker"]) for case_id, c in cases.items()}
    assert set(ran_in.values()) <= set(infos) and None not in ran_in.values(), ran_in
    # no job compiled numba code: each loaded what the client compiled into <out>/.numba-cache
    header = json.loads((out / "manifest.json").read_text())
    assert header["numba_cache_dir"] == str(out / ".numba-cache") and header["warm_up_s"] > 0
    assert [c["compile_s"] for c in cases.values()] == [0.0] * 3, cases
    for job in infos:
        script = batch_script(job)
        assert f'export NUMBA_CACHE_DIR="{out / ".numba-cache"}"' in script, script
        assert 'export OPENBLAS_NUM_THREADS="1"' in script or "OPENBLAS_NUM_THREADS" in (
            os.environ), script
        assert "--preload simulator.sweep.worker" in script, script


def test_cancelled_sweep_resumes_without_rerunning_finished_cases(tmp_path, watch):
    """4 cases of 720 h on 2 jobs. As soon as one case is done, scancel the running jobs (the
    other cases are mid-run) and SIGKILL the client; then ``--resume``: the finished cubes stay
    untouched (same inode, same mtime; the manifest keeps the records it wrote of them) and only
    the rest runs, in new jobs, to all done."""
    hours, job_name = 720, "districtsim-resume"
    sweep = write_sweep(tmp_path, "cluster_resume", [0.4, 0.6, 0.8, 1.0])
    execution = write_execution(tmp_path, job_name, workers=2)
    out = tmp_path / "out"
    w = watch(job_name)
    log1 = tmp_path / "first.log"
    start = time.monotonic()
    with log1.open("w") as fh:
        client = subprocess.Popen(sweep_command(sweep, execution, out, hours), stdout=fh,
                                  stderr=subprocess.STDOUT, env=sweep_env(), cwd=tmp_path)
    try:
        deadline = time.monotonic() + 180
        while True:
            assert client.poll() is None, f"the sweep ended before the cancel:\n{log1.read_text()}"
            assert time.monotonic() < deadline, f"no case done after 180 s:\n{log1.read_text()}"
            done_then = {k for k, c in manifest_cases(out).items() if c["status"] == "done"}
            running = w.running()
            if done_then and running:
                break
            time.sleep(0.1)
        at = time.monotonic() - start
        slurm("scancel", *running)
        print(f"\n== {at:.1f} s: {sorted(done_then)} done; scancel of running jobs {running}")
        time.sleep(1.0)  # the workers get SIGTERM; nothing may complete now
    finally:
        client.send_signal(signal.SIGKILL)
        client.wait()
    cancel_all(job_name)  # a job still pending would otherwise start a worker for nobody
    first_jobs = set(w.jobs())
    cut = manifest_cases(out)
    report_jobs("cancelled sweep", w, cut)
    recorded = {k for k, c in cut.items() if c["status"] == "done"}
    # a worker may finish its cube (an atomic rename) after the client's last manifest write:
    # the two cases run side by side and end within a second of each other. Such a cube is
    # finished all the same; resume keeps every cube that matches its case
    done = {k for k in cut if (out / f"{k}.nc").exists()}
    assert done >= recorded >= done_then and 0 < len(done) < 4, cut
    for case_id in done - recorded:
        print(f"   {case_id}: cube finished after the client's last manifest write")
    before = {k: ((out / f"{k}.nc").stat().st_ino, (out / f"{k}.nc").stat().st_mtime_ns)
              for k in done}

    rc, log = run_to_end(sweep_command(sweep, execution, out, hours, resume=True),
                         tmp_path / "resume.log", 240)
    cases = manifest_cases(out)
    report_jobs("resumed sweep (all jobs of both runs)", w, cases)
    print("   " + log.strip().replace("\n", "\n   "))
    assert rc == 0, log
    assert f"4 of 4 cases done, 0 failed, {len(done)} kept from before" in log, log
    assert all(c["status"] == "done" for c in cases.values()), cases
    check_cubes(out, cases, hours)
    after = {k: ((out / f"{k}.nc").stat().st_ino, (out / f"{k}.nc").stat().st_mtime_ns)
             for k in done}
    assert after == before, "a case finished before the cancel was run again"
    for k in recorded:  # and the manifest keeps what it recorded of them
        assert (cases[k]["worker"], cases[k]["finished_utc"]) == (
            cut[k]["worker"], cut[k]["finished_utc"]), k
    new_jobs = set(w.jobs()) - first_jobs
    assert new_jobs, "the resumed cases ran in no new job"
    for case_id in set(cases) - done:  # the rest ran now, in the new jobs, compiling nothing
        assert w.job_of(cases[case_id]["worker"]) in new_jobs, (case_id, cases[case_id])
        assert cases[case_id]["compile_s"] == 0.0, (case_id, cases[case_id])
    assert not list(out.glob(".*.tmp-*")), "temp files left"

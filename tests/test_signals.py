"""Faults, made real: signals sent to a running ``python -m simulator`` (a subprocess) while it
starts, simulates, writes its cube or runs a sweep case; a full disk; a killed writer.

Whatever arrives, the previous cube at the output path survives byte for byte, no temp file is
left behind (or the next write removes it), and the process says what happened without a
traceback. The child's stderr is a pseudo-terminal, so its progress line shows when the hourly
loop runs; the temp file ``.<name>.tmp-*`` shows when the write runs.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import pty
import resource
import select
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
import yaml

from simulator.output.cube import Recorder, write_cube

from conftest import ROOT, SCHUTTERWALD, schutterwald_raw

EXIT = {signal.SIGINT: 130, signal.SIGTERM: 128 + signal.SIGTERM,
        signal.SIGHUP: 128 + signal.SIGHUP}
TIMEOUT_S = 240


class Child:
    """``python -m simulator ARGS`` with stderr on a pseudo-terminal."""

    def __init__(self, args: list[str], tmp_path: Path,
                 preexec: Callable[[], None] | None = None) -> None:
        master, slave = pty.openpty()
        self.stdout = tmp_path / "stdout.txt"
        with self.stdout.open("wb") as out:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "simulator", *args], cwd=ROOT, stdin=subprocess.DEVNULL,
                stdout=out, stderr=slave, preexec_fn=preexec, close_fds=True)
        os.close(slave)
        self._master = master
        self.err = ""

    def read(self, timeout_s: float = 0.05) -> str:
        ready, _, _ = select.select([self._master], [], [], timeout_s)
        if ready:
            with contextlib.suppress(OSError):  # the child closed the terminal
                self.err += os.read(self._master, 65536).decode(errors="replace")
        return self.err

    def wait_for(self, found: Callable[[], bool]) -> None:
        deadline = time.monotonic() + TIMEOUT_S
        while not found():
            assert self.proc.poll() is None, f"exited early:\n{self.read()}"
            assert time.monotonic() < deadline, "timed out"
            self.read(0.002)

    def finish(self) -> int:
        code = self.proc.wait(TIMEOUT_S)
        while self.read(0.05) != self.read(0.05):
            pass
        os.close(self._master)
        return code


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def temps(folder: Path) -> list[Path]:
    return sorted(folder.glob(".*.tmp-*"))


@pytest.fixture
def previous(tmp_path: Path, short_cube: Path) -> Path:
    """A finished cube at the output path of the interrupted run."""
    target = tmp_path / "out" / "cube.nc"
    target.parent.mkdir()
    shutil.copy(short_cube, target)
    return target


def _interrupted(child: Child, sig: signal.Signals, previous: Path, before: str) -> None:
    code = child.finish()
    assert code == EXIT[sig], child.err
    assert "Traceback" not in child.err, child.err
    assert ("interrupted" if sig == signal.SIGINT else "terminated") in child.err
    assert digest(previous) == before
    assert temps(previous.parent) == []


@pytest.mark.parametrize("sig", [signal.SIGTERM, pytest.param(signal.SIGINT,
                                                                marks=pytest.mark.slow)])
def test_signal_during_the_run(tmp_path, previous, sig):
    before = digest(previous)
    child = Child(["run", str(SCHUTTERWALD), "--hours", "2000", "--output", str(previous)],
                  tmp_path)
    child.wait_for(lambda: "h/s" in child.err)  # the hourly loop is running
    child.proc.send_signal(sig)
    _interrupted(child, sig, previous, before)


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT,
                                 pytest.param(signal.SIGHUP, marks=pytest.mark.slow)])
def test_signal_during_the_write(tmp_path, previous, sig):
    before = digest(previous)
    child = Child(["run", str(SCHUTTERWALD), "--hours", "48", "--output", str(previous)],
                  tmp_path)
    child.wait_for(lambda: bool(temps(previous.parent)))  # the cube is being written
    child.proc.send_signal(sig)
    _interrupted(child, sig, previous, before)


def test_signal_while_starting_prints_no_traceback(tmp_path):
    child = Child(["validate", str(SCHUTTERWALD)], tmp_path)
    time.sleep(0.4)  # importing pandapipes and pandapower takes seconds
    # again every 0.3 s until it ends, as a user presses Ctrl-C again: a library's optional
    # import that catches every exception (pandapower's of geopandas) may eat the first one
    for _ in range(30):
        child.proc.send_signal(signal.SIGINT)
        try:
            child.proc.wait(0.3)
            break
        except subprocess.TimeoutExpired:
            child.read(0.0)
    code = child.finish()
    assert code == 130 and "Traceback" not in child.err, child.err


def _sweep_file(tmp_path: Path) -> Path:
    base = tmp_path / "base.yaml"
    base.write_text(yaml.safe_dump(schutterwald_raw()))
    sweep = tmp_path / "sweep.yaml"
    sweep.write_text(yaml.safe_dump({"name": "sig", "base": "base.yaml", "parameters": {
        "units.ground_hp.heat_mw": [0.4, 0.8, 1.2]}}))
    return sweep


def test_sigterm_during_a_sweep_case_then_resume(tmp_path):
    sweep, out = _sweep_file(tmp_path), tmp_path / "results"
    args = ["sweep", str(sweep), "--executor", "serial", "--hours", "6", "--out", str(out)]
    child = Child(args, tmp_path)
    child.wait_for(lambda: bool(list(out.glob(".case_001.nc.tmp-*"))))
    done = digest(out / "case_000.nc")
    child.proc.send_signal(signal.SIGTERM)  # while case_001's cube is being written
    assert child.finish() == EXIT[signal.SIGTERM] and "Traceback" not in child.err, child.err
    assert temps(out) == [] and not (out / "case_001.nc").exists()
    cases = {c["case_id"]: c["status"] for c in
             json.loads((out / "manifest.json").read_text())["cases"]}
    assert cases == {"case_000": "done", "case_001": "pending", "case_002": "pending"}
    resumed = subprocess.run([sys.executable, "-m", "simulator", *args, "--resume"], cwd=ROOT,
                             capture_output=True, text=True, timeout=TIMEOUT_S)
    assert resumed.returncode == 0, resumed.stderr
    assert "3 of 3 cases done" in resumed.stdout and "1 kept from before" in resumed.stdout
    assert digest(out / "case_000.nc") == done


@pytest.mark.slow
def test_a_killed_writer_leaves_a_temp_file_the_next_write_removes(tmp_path, previous):
    before = digest(previous)
    child = Child(["run", str(SCHUTTERWALD), "--hours", "48", "--output", str(previous)],
                  tmp_path)
    child.wait_for(lambda: bool(temps(previous.parent)))
    child.proc.send_signal(signal.SIGKILL)  # no handler runs: the temp file stays
    assert child.finish() == -signal.SIGKILL
    left = temps(previous.parent)
    assert left and digest(previous) == before
    rec = Recorder(np.arange("2030-01-01T00", "2030-01-01T03", dtype="datetime64[h]"), {})
    write_cube(rec.to_dataset({}), previous)  # the next run at that path
    assert temps(previous.parent) == []


def _file_size_limit() -> None:
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails with EFBIG
    resource.setrlimit(resource.RLIMIT_FSIZE, (200_000, 200_000))


def test_a_full_disk_fails_clearly_and_writes_nothing(tmp_path, previous):
    """The kernel refuses every byte past 200 kB (RLIMIT_FSIZE), as a full disk refuses them."""
    before = digest(previous)
    child = Child(["run", str(SCHUTTERWALD), "--hours", "240", "--output", str(previous)],
                  tmp_path, preexec=_file_size_limit)
    code = child.finish()
    assert code == 1 and "Traceback" not in child.err, child.err
    assert f"{previous}: cannot write the cube" in child.err
    assert "nothing was written" in child.err
    assert digest(previous) == before and temps(previous.parent) == []

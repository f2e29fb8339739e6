"""The command line's own behaviour (exit codes and messages are tested with the configs)."""

import io

from simulator.cli import RunProgress


class Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_run_progress_redraws_one_line_on_a_terminal():
    tty = Tty()
    for done in (1, 2, 3):
        RunProgress(tty)(done, 3)
    assert "3/3 h" in tty.getvalue() and tty.getvalue().endswith("\n")
    assert "\r" in tty.getvalue() and "h/s" in tty.getvalue() and "ETA" in tty.getvalue()


def test_run_progress_logs_plain_lines_when_not_a_terminal():
    """A logged run (issue 24): one plain line per 10 % step and the last, failures counted."""
    log = io.StringIO()
    progress = RunProgress(log)
    for done in range(1, 101):
        progress(done, 100, done // 50)
    lines = log.getvalue().splitlines()
    assert len(lines) == 10 and "\r" not in log.getvalue()
    assert lines[0].strip().startswith("10/100 h (10 %)") and "0 failed so far" in lines[0]
    assert lines[-1].strip().startswith("100/100 h (100 %)") and "2 failed so far" in lines[-1]
    assert all("h/s" in line and "ETA" in line for line in lines)


def test_run_progress_logs_every_30_s_of_a_slow_run(monkeypatch):
    clock = iter(float(t) for t in range(0, 10_000, 20))  # 20 s per call
    monkeypatch.setattr("simulator.cli.time.perf_counter", lambda: next(clock))
    log = io.StringIO()
    progress = RunProgress(log)
    for done in (1, 2, 3, 4):  # 1000 hours: no 10 % step; lines at 40 s and 80 s
        progress(done, 1000)
    assert len(log.getvalue().splitlines()) == 2


def test_a_closed_pipe_ends_quietly(short_cube):
    """``districtsim summary cube | head -1``: the reader leaves early, no traceback."""
    import subprocess
    import sys

    from conftest import ROOT

    proc = subprocess.Popen([sys.executable, "-m", "simulator", "summary", str(short_cube)],
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.close()  # before the child (still importing) prints a line
    err = proc.stderr.read().decode()
    assert proc.wait(120) in (0, 1) and "Traceback" not in err, err

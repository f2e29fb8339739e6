"""The command line's own behaviour (exit codes and messages are tested with the configs)."""

import io

from simulator.cli import RunProgress


class Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_run_progress_writes_only_to_a_terminal():
    quiet, tty = io.StringIO(), Tty()
    for done in (1, 2, 3):
        RunProgress(quiet)(done, 3)
        RunProgress(tty)(done, 3)
    assert quiet.getvalue() == ""
    assert "3/3 h" in tty.getvalue() and tty.getvalue().endswith("\n")
    assert "h/s" in tty.getvalue() and "ETA" in tty.getvalue()


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

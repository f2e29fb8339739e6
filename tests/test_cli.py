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

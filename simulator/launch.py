"""The console entry point ``districtsim`` and ``python -m simulator``.

Importing the command line loads pandapipes, pandapower and numba (seconds); a Ctrl-C in that
time must end the program quietly, not with an import traceback, so the import is guarded here,
in a module that imports nothing heavy (``simulator/__init__.py`` loads its names lazily).
"""

from __future__ import annotations

import sys


def main() -> int:
    """Import the command line and run it; 130 when interrupted while starting."""
    try:
        from simulator.cli import main as cli_main
    except KeyboardInterrupt:
        sys.stderr.write("\ninterrupted while starting: nothing was run\n")
        return 130
    return cli_main()

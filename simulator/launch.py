"""The console entry point ``districtsim`` and ``python -m simulator``.

Importing the command line loads pandapipes, pandapower and numba (seconds); a Ctrl-C in that
time must end the program quietly, not with an import traceback, so the import is guarded here,
in a module that imports nothing heavy (``simulator/__init__.py`` loads its names lazily).
"""

from __future__ import annotations

import os
import sys

#: the exit code of an interrupted run (128 + SIGINT), as the command line returns it
EXIT_INTERRUPTED = 130


def main() -> int:
    """Import the command line and run it; 130 when interrupted while starting.

    An interrupted run ends here with exit code 130 at once (streams flushed, no interpreter
    shutdown): CPython turns the exit into a death by SIGINT (-2) when the KeyboardInterrupt
    passed through C code that ran Python (a compiled extension loading while Ctrl-C came),
    although the command line caught it and cleaned up (measured: 4 of 20 interrupts while
    starting a ``validate``).
    """
    try:
        from simulator.cli import main as cli_main
    except KeyboardInterrupt:
        sys.stderr.write("\ninterrupted while starting: nothing was run\n")
        return EXIT_INTERRUPTED
    code = cli_main()
    if code == EXIT_INTERRUPTED:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    return code

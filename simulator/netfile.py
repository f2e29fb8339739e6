"""Reading a user's network file with its library's reader, and checking it (no solver imports).

The heat room (``heat/checks.py``, pandapipes) and the grid room (``grid/checks.py``,
pandapower) each pass their own reader, network type and checks.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any


def read_checked(path: Path, load: Callable[[str], Any], kind: type, library: str,
                 problems: Callable[[Any], list[str]]) -> tuple[Any | None, list[str]]:
    """``load(str(path))`` and ``problems(net)``: the network and its problems, or None and why
    it could not be read. Every failure of a user's file is bad input, never a traceback."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            net = load(str(path))
    except Exception as err:  # any parse failure of a user's file is bad input
        return None, [f"not a usable {library} network: {type(err).__name__}: {err}"]
    if not isinstance(net, kind):
        return None, [f"not a {library} network"]
    try:
        return net, problems(net)
    except Exception as err:  # a table of a shape no check foresaw: still the file's fault
        return None, [f"not a usable {library} network: {type(err).__name__}: {err}"]

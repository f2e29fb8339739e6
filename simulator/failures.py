"""The hours a run failed to solve and why, for the run's error message and the cube.

Each failed hour gets a short cause, ``heat: <why>`` (the heat network did not converge) or
``grid: <why>`` (the heat network did, the power flow did not), from the adapters'
``last_failure``. Runs of consecutive hours with one cause are reported as ranges.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

MAX_RANGES = 10


class FailureLog:
    """The failed hours of one run, hour index to cause."""

    def __init__(self) -> None:
        self.causes: dict[int, str] = {}

    def note(self, h: int, values: Mapping[str, object], heat_why: str, grid_why: str) -> None:
        """Book hour ``h`` if its record says it did not converge."""
        if float(np.asarray(values.get("converged", 1.0))) >= 0.5:
            return
        if float(np.asarray(values.get("heat_converged", 0.0))) < 0.5:
            self.causes[h] = f"heat: {heat_why or 'the heat network did not converge'}"
        else:
            self.causes[h] = f"grid: {grid_why or 'the power flow did not converge'}"

    def ranges(self) -> list[tuple[int, int, str]]:
        """Consecutive failed hours with one cause as ``(first, last, cause)``."""
        out: list[tuple[int, int, str]] = []
        for h in sorted(self.causes):
            cause = self.causes[h]
            if out and out[-1][1] == h - 1 and out[-1][2] == cause:
                out[-1] = (out[-1][0], h, cause)
            else:
                out.append((h, h, cause))
        return out

    def describe(self, times: Sequence[object]) -> str:
        """``first failed hour ...; ranges ...`` (at most :data:`MAX_RANGES`, then a count)."""
        if not self.causes:
            return ""

        def stamp(h: int) -> str:
            return pd.Timestamp(times[h]).strftime("%Y-%m-%dT%H:%M")  # type: ignore[arg-type]

        parts = [f"{stamp(a)}..{stamp(b)} ({b - a + 1} h, {why})" if b > a
                 else f"{stamp(a)} (1 h, {why})" for a, b, why in self.ranges()]
        shown = ", ".join(parts[:MAX_RANGES])
        if len(parts) > MAX_RANGES:
            shown += f", and {len(parts) - MAX_RANGES} more range(s)"
        first = min(self.causes)
        return (f"{len(self.causes)} failed hour(s), the first {stamp(first)} "
                f"({self.causes[first]}); failed: {shown}")

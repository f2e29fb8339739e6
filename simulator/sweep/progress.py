"""The sweep's progress line on stderr."""

from __future__ import annotations

import sys
import time
from typing import TextIO


class Progress:
    """One self-updating stderr line (done, failed, ETA); silent unless stderr is a terminal."""

    def __init__(self, name: str, total: int, kept: int, stream: TextIO | None = None,
                 enabled: bool | None = None) -> None:
        self.stream = stream or sys.stderr
        self.enabled = self.stream.isatty() if enabled is None else enabled
        self.name, self.total, self.kept = name, total, kept
        self.done = self.failed = 0
        self.start = time.perf_counter()
        self._show()

    def update(self, status: str) -> None:
        """Count one finished case (``done`` or ``failed``) and redraw."""
        if status == "done":
            self.done += 1
        else:
            self.failed += 1
        self._show()

    def _show(self) -> None:
        if not self.enabled:
            return
        finished = self.done + self.failed
        left = self.total - self.kept - finished
        elapsed = time.perf_counter() - self.start
        eta = "-:--:--" if not finished else _hms(elapsed / finished * left)
        self.stream.write(f"\rsweep {self.name}: {self.kept + self.done}/{self.total} done, "
                          f"{self.failed} failed, {left} left, elapsed {_hms(elapsed)}, "
                          f"ETA {eta} ")
        self.stream.flush()

    def close(self) -> None:
        """End the line."""
        if self.enabled:
            self.stream.write("\n")
            self.stream.flush()


def _hms(seconds: float) -> str:
    s = round(seconds)
    return f"{s // 3600}:{s // 60 % 60:02d}:{s % 60:02d}"

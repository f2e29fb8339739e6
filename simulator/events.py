"""What events have switched off or limited right now: the state event processes write.

Every active window is kept under its own key, and the effective state is derived from all of
them (a unit's share is the minimum over its active limits; an element is out while any window
holds it out), so simultaneous events give the same state in any order.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

ELEMENT_KINDS = ("line", "trafo", "pipe")


@dataclass(frozen=True)
class Outages:
    """Network elements out of service this hour, by name."""

    line: frozenset[str] = frozenset()
    trafo: frozenset[str] = frozenset()
    pipe: frozenset[str] = frozenset()


@dataclass
class EventState:
    """Active unit limits and element outages; read by the hourly coordinator."""

    unit_names: list[str]
    _limits: dict[int, dict[str, float]] = field(default_factory=dict)
    _out: dict[tuple[str, str], set[str]] = field(default_factory=dict)

    def limit_unit(self, key: str, unit: str, share: float) -> None:
        """Start window ``key``: ``unit`` may use at most ``share`` (1) of its capacity."""
        self._limits.setdefault(self.unit_names.index(unit), {})[key] = share

    def release_unit(self, key: str, unit: str) -> None:
        """End window ``key`` on ``unit``."""
        self._limits.get(self.unit_names.index(unit), {}).pop(key, None)

    def take_out(self, key: str, kind: str, name: str) -> None:
        """Start window ``key``: element ``name`` of ``kind`` is out of service."""
        self._out.setdefault((kind, name), set()).add(key)

    def put_back(self, key: str, kind: str, name: str) -> None:
        """End window ``key`` on element ``name``."""
        self._out.get((kind, name), set()).discard(key)

    def unit_share(self) -> np.ndarray:
        """Available share (1) of each unit's capacity now."""
        share = np.ones(len(self.unit_names))
        for i, limits in self._limits.items():
            if limits:
                share[i] = min(limits.values())
        return share

    def outages(self) -> Outages:
        """Elements out of service now."""
        out: dict[str, set[str]] = {kind: set() for kind in ELEMENT_KINDS}
        for (kind, name), keys in self._out.items():
            if keys:
                out[kind].add(name)
        return Outages(**{kind: frozenset(names) for kind, names in out.items()})

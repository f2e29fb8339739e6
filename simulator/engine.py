"""Time: the only module that talks to SimPy.

One SimPy time unit is one hour. The hourly coordinator is a generator process that solves
each hour with a :class:`~simulator.coupling.CoupledStep` and hands the values to the recorder.
Unit availability is shared state that event processes (outages, maintenance) may change
between hours; the coordinator reads it at the start of each hour.
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Mapping
from dataclasses import dataclass, field

import numpy as np
import simpy

from simulator.coupling import CoupledStep

Values = Mapping[str, float | np.ndarray]


@dataclass
class Availability:
    """Which supply units may run this hour (True = available)."""

    units: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool))


def hourly_coordinator(
    env: simpy.Environment,
    step: CoupledStep,
    availability: Availability,
    hours: int,
    record: Callable[[int, Values], None],
) -> Generator[simpy.events.Event, None, None]:
    """Solve hours 0 .. hours-1, one per SimPy time unit, recording each."""
    for h in range(hours):
        record(h, step.step(h, availability.units.copy()))
        yield env.timeout(1)


def simulate(
    step: CoupledStep,
    hours: int,
    record: Callable[[int, Values], None],
    n_units: int,
) -> None:
    """Run the hourly coordinator for ``hours`` hours with every unit available."""
    env = simpy.Environment()
    availability = Availability(np.ones(n_units, dtype=bool))
    env.process(hourly_coordinator(env, step, availability, hours, record))
    env.run()

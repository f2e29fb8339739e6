"""Time: the only module that talks to SimPy.

One SimPy time unit is one hour. Events are processes that switch state at their times
(integer or fractional hours from the period start); the hourly coordinator solves hour ``h``
at time ``h + 0.5``, so every change due at or before ``h`` is in place, whatever the order
in which SimPy runs simultaneous processes.
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Mapping
from datetime import datetime

import numpy as np
import simpy

from simulator.config.events import Event, RandomFailures, UnitDerate, UnitOutage
from simulator.coupling import CoupledStep
from simulator.events import EventState

Values = Mapping[str, float | np.ndarray]
Process = Generator[simpy.events.Event, None, None]


def hourly_coordinator(
    env: simpy.Environment, step: CoupledStep, state: EventState, hours: int,
    record: Callable[[int, Values], None],
) -> Process:
    """Solve hours 0 .. hours-1 at times h + 0.5, recording each."""
    yield env.timeout(0.5)
    for h in range(hours):
        record(h, step.step(h, state.unit_share(), state.outages()))
        yield env.timeout(1)


def window(
    env: simpy.Environment, start_h: float, hours: float, every_h: float | None,
    repeat: int | None, begin: Callable[[], None], end: Callable[[], None],
) -> Process:
    """Call ``begin`` at ``start_h`` and ``end`` ``hours`` later; recur every ``every_h``."""
    if start_h > 0:
        yield env.timeout(start_h)
    count = 0
    while True:
        left = hours + min(start_h, 0.0) if count == 0 else hours  # a window begun before t=0
        if left > 0:
            begin()
            yield env.timeout(left)
            end()
        count += 1
        if every_h is None or (repeat is not None and count >= repeat):
            return
        yield env.timeout(every_h - hours)


def random_failures(
    env: simpy.Environment, rng: np.random.Generator, mttf_h: float, mttr_h: float,
    begin: Callable[[], None], end: Callable[[], None],
) -> Process:
    """Alternate exponential times to failure (mean ``mttf_h``) and repair (``mttr_h``)."""
    while True:
        yield env.timeout(rng.exponential(mttf_h))
        begin()
        yield env.timeout(rng.exponential(mttr_h))
        end()


def _start_event(env: simpy.Environment, state: EventState, i: int, event: Event,
                 t0: datetime) -> None:
    """Register the process(es) of event ``i``."""
    key = f"event{i}"
    if isinstance(event, RandomFailures):
        for j, unit in enumerate(event.units):
            rng = np.random.default_rng([event.seed, i, j])
            env.process(random_failures(
                env, rng, event.mttf_h, event.mttr_h,
                lambda u=unit, k=f"{key}.{j}": state.limit_unit(k, u, 0.0),
                lambda u=unit, k=f"{key}.{j}": state.release_unit(k, u),
            ))
        return
    start_h = (event.start - t0).total_seconds() / 3600.0
    if isinstance(event, UnitOutage | UnitDerate):
        share = event.share if isinstance(event, UnitDerate) else 0.0
        begin = lambda: state.limit_unit(key, event.unit, share)  # noqa: E731
        end = lambda: state.release_unit(key, event.unit)  # noqa: E731
    else:
        kind = event.type.split("_")[0]
        name = getattr(event, kind)
        begin = lambda: state.take_out(key, kind, name)  # noqa: E731
        end = lambda: state.put_back(key, kind, name)  # noqa: E731
    env.process(window(env, start_h, event.hours, event.every_hours, event.repeat, begin, end))


def simulate(
    step: CoupledStep, hours: int, record: Callable[[int, Values], None],
    unit_names: list[str], events: list[Event], start: datetime,
) -> None:
    """Run the coordinator and the event processes over ``hours`` hours from ``start``."""
    env = simpy.Environment()
    state = EventState(unit_names)
    for i, event in enumerate(events):
        _start_event(env, state, i, event, start)
    env.process(hourly_coordinator(env, step, state, hours, record))
    env.run(until=hours + 0.5)

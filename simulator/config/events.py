"""Schema of scheduled and random events and of the grid-coupling limits (config room).

Events change what the hourly coordinator sees: a unit's available share (outage = 0,
derate = a share), a line or transformer out of service, a pipe closed. A window
starts at ``start`` and lasts ``hours``; with ``every_hours`` it recurs until the period ends
(or ``repeat`` times). ``random_failures`` draws alternating up and repair times (exponential,
means ``mttf_h`` and ``mttr_h``) for each listed unit from a seeded generator.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


def utc_naive(value: datetime) -> datetime:
    """A time as naive UTC, the one convention of every time axis here: a time written with
    an offset (``2030-01-01T00:00+02:00``) is converted once, to 2029-12-31T22:00."""
    if value.tzinfo is None:
        return value
    return value.astimezone(UTC).replace(tzinfo=None)


#: a time, naive UTC (see :func:`utc_naive`)
UtcTime = Annotated[datetime, AfterValidator(utc_naive)]


class _Window(_Model):
    start: UtcTime
    hours: float = Field(gt=0.0)
    every_hours: float | None = Field(None, gt=0.0)
    repeat: int | None = Field(None, ge=1)

    @model_validator(mode="after")
    def _recurrence_fits(self) -> _Window:
        if self.every_hours is not None and self.every_hours < self.hours:
            raise ValueError("every_hours must be at least hours (windows may not overlap)")
        return self


class UnitOutage(_Window):
    """A unit out of service (``outage``: unplanned, ``maintenance``: planned)."""

    type: Literal["outage", "maintenance"]
    unit: str


class UnitDerate(_Window):
    """A unit limited to ``share`` of its capacity (e.g. data-centre heat lower at night)."""

    type: Literal["derate"]
    unit: str
    share: float = Field(ge=0.0, le=1.0)


class LineOutage(_Window):
    """A power line out of service (pandapower ``in_service`` False)."""

    type: Literal["line_outage"]
    line: str


class TrafoOutage(_Window):
    """A transformer out of service."""

    type: Literal["trafo_outage"]
    trafo: str


class PipeClosure(_Window):
    """A pipe of the heat network closed (pandapipes ``in_service`` False); valves are no
    event target (close the pipe next to one). What it cuts off is a run-time matter."""

    type: Literal["pipe_closure"]
    pipe: str


class RandomFailures(_Model):
    """Random unit failures for reliability studies; the same seed gives the same failures."""

    type: Literal["random_failures"]
    units: list[str] = Field(min_length=1)
    mttf_h: float = Field(gt=0.0)
    mttr_h: float = Field(gt=0.0)
    seed: int = 0


Event = Annotated[
    UnitOutage | UnitDerate | LineOutage | TrafoOutage | PipeClosure | RandomFailures,
    Field(discriminator="type"),
]

EVENT_TAGS = {"outage", "maintenance", "derate", "line_outage", "trafo_outage", "pipe_closure",
              "random_failures"}


class Coupling(_Model):
    """Grid limits that feed back into dispatch within the hour.

    After the power flow, a line or transformer above ``max_loading_percent`` or a bus outside
    ``vm_pu`` curtails the electric units behind it (``loading_limits_percent`` sets the
    limit of named lines or transformers apart from the rest); heat is re-dispatched and both
    networks are solved again, up to ``max_iterations`` times, until the curtailment changes
    by less than ``tolerance_mw``. ``enabled: false`` only records violations.
    """

    enabled: bool = True
    max_iterations: int = Field(5, ge=1, le=50)
    tolerance_mw: float = Field(0.01, gt=0.0)
    vm_pu: tuple[float, float] = (0.95, 1.05)
    max_loading_percent: float = Field(100.0, gt=0.0)
    loading_limits_percent: dict[str, float] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _band(self) -> Coupling:
        if not 0.0 < self.vm_pu[0] < self.vm_pu[1]:
            raise ValueError("vm_pu must be [low, high] with 0 < low < high")
        return self

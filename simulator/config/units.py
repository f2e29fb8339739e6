"""Schema of the supply units a scenario lists (part of the config room; pydantic only).

Every unit has a ``name``, a maximum heat output ``heat_mw`` (MW), the ``plant`` it feeds (default
the slack plant), an optional minimum load, a ``must_run`` flag and an ``availability`` (share of
capacity available each hour, constant or an hourly file): :class:`UnitConfig`, the base of
every unit type's model.

The unit types are a registry: :func:`register_unit_config` adds a model under its ``type:``
tag, and :data:`Unit` (``Scenario.units``) validates an entry as the registered model its tag
names. A new unit type registers its model, physics and books at once with
:func:`simulator.supply.units.register_unit_type`.
"""

from __future__ import annotations

import functools
import operator
from pathlib import Path
from typing import Annotated, Any, ClassVar, Literal, get_args

from pydantic import (
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    GetCoreSchemaHandler,
    model_validator,
)


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class HourlyFile(_Model):
    """A column of an hourly CSV file (``time`` in UTC)."""

    file: Path
    time_column: str = "time"
    column: str


class Seasonal(_Model):
    """Annual sinusoid of a heat-source temperature (°C), warmest on ``warmest_day``."""

    mean_c: float
    amplitude_k: float = Field(ge=0.0)
    warmest_day: int = Field(ge=1, le=366)


#: Source-temperature defaults (°C). Waste water at Suomenoja: ~10 °C in winter to ~18 °C in
#: summer (Fortum 2015); sea surface off Espoo ~0-2 °C Jan-Mar, ~19 °C in August (FMI/SYKE),
#: taken at the 1 °C floor of a sea-water intake; ground ~6-7 °C (est.).
SOURCE_SEASONAL: dict[str, Seasonal] = {
    "waste_water": Seasonal(mean_c=14.0, amplitude_k=4.0, warmest_day=227),
    "sea_water": Seasonal(mean_c=9.5, amplitude_k=8.5, warmest_day=222),
    "ground": Seasonal(mean_c=6.5, amplitude_k=0.5, warmest_day=260),
}


#: A part-load curve: (load fraction, factor) points, piecewise linear, load in (0, 1].
PartLoad = list[tuple[float, float]]


def _check_part_load(points: PartLoad | None, what: str) -> None:
    if points is None:
        return
    loads = [x for x, _ in points]
    if any(not 0.0 < x <= 1.0 for x in loads) or loads != sorted(set(loads)):
        raise ValueError(f"{what}: load fractions must rise strictly within (0, 1]")
    if any(not 0.2 <= f <= 1.5 for _, f in points):
        raise ValueError(f"{what}: factors must lie within 0.2 .. 1.5")


class UnitConfig(_Model):
    """What every unit type's model has; a type adds ``type: Literal["<its tag>"]`` and its own
    parameters (units in their names)."""

    #: whether a unit of this type may lift a heat pump's outlet to the supply temperature (a
    #: heat pump's ``booster``; the default booster is the next such unit of its plant)
    can_boost: ClassVar[bool] = False

    name: str = Field(min_length=1)
    heat_mw: float = Field(gt=0.0, allow_inf_nan=False, description="maximum heat output (MW)")
    plant: str | None = None
    #: minimum stable load as a share of heat_mw; None: the type's default (see
    #: ``simulator.supply.units.DEFAULT_MIN_LOAD``)
    min_load_fraction: float | None = Field(None, ge=0.0, le=1.0)
    must_run: bool = False
    availability: float | HourlyFile = Field(1.0)

    @model_validator(mode="after")
    def _availability_share(self) -> UnitConfig:
        if isinstance(self.availability, float) and not 0.0 <= self.availability <= 1.0:
            raise ValueError("availability must be a share between 0 and 1")
        return self

    @classmethod
    def type_tag(cls) -> str:
        """The ``type:`` a scenario names this model by (its ``type`` field's one literal)."""
        field = cls.model_fields.get("type")
        tags = get_args(field.annotation) if field is not None else ()
        if len(tags) != 1 or not isinstance(tags[0], str):
            raise TypeError(f"{cls.__name__}: a unit type's model needs a field "
                            "'type: Literal[\"<tag>\"]'")
        return tags[0]


class HeatPumpUnit(UnitConfig):
    """Electric heat pump; COP = carnot_efficiency * T_sink / (T_sink - T_source).

    ``source`` picks the hourly source-temperature model: ``constant`` and ``data_centre`` use
    ``t_source_c``; ``air`` the outdoor temperature; ``waste_water``, ``sea_water`` and ``ground``
    an annual sinusoid (defaults in ``SOURCE_SEASONAL``, override with ``seasonal``). Below
    ``min_source_c`` the unit cannot run (an air-source unit stops at about -15 °C).
    """

    type: Literal["heat_pump"]
    bus: str
    source: Literal["constant", "data_centre", "air", "waste_water", "sea_water", "ground"] = (
        "constant"
    )
    t_source_c: float | None = None
    seasonal: Seasonal | None = None
    min_source_c: float | None = None
    carnot_efficiency: float = Field(0.5, gt=0.0, le=1.0)
    cop_min: float = Field(1.0, ge=1.0)
    cop_max: float = Field(8.0, gt=1.0)
    #: highest outlet temperature the unit reaches (°C); above it a booster lifts the rest.
    #: 85 °C: today's large DH heat pumps (Oilon/Fortum Espoo data centres, Fenagy Kajaani)
    t_sink_max_c: float = Field(85.0, gt=0.0, le=200.0)
    #: the unit at the same plant that lifts this one's outlet to the supply temperature;
    #: None: the next boiler, electric boiler or CHP of that plant in merit order
    booster: str | None = None
    #: heat the source can give (MW; a number or an hourly file, e.g. a data centre's waste
    #: heat): the draw Q (1 - 1/COP) never exceeds it. None: unlimited
    source_max_mw: float | HourlyFile | None = None
    #: compressor rating point: the unit makes heat_mw at t_sink_max_c from this source
    #: temperature (°C) and its electric power there is the limit at every other lift.
    #: None: t_source_c, the seasonal mean, or 7 °C for air (EN 14511 rating point A7)
    rated_source_c: float | None = None

    @model_validator(mode="after")
    def _source_defined(self) -> HeatPumpUnit:
        if self.cop_min > self.cop_max:
            raise ValueError(f"cop_min ({self.cop_min:g}) must not exceed cop_max "
                             f"({self.cop_max:g})")
        if self.source in ("constant", "data_centre") and self.t_source_c is None:
            raise ValueError(f"source '{self.source}' needs t_source_c")
        if self.source in ("constant", "data_centre") and (
                self.t_source_c >= self.t_sink_max_c):  # type: ignore[operator]
            raise ValueError(f"t_source_c ({self.t_source_c:g} °C) must be below t_sink_max_c "
                             f"({self.t_sink_max_c:g} °C): a heat pump lifts heat from a "
                             "colder source (for a source this hot use a waste_heat unit)")
        if self.rated_source_c is not None and self.rated_source_c >= self.t_sink_max_c:
            raise ValueError(f"rated_source_c ({self.rated_source_c:g} °C) must be below "
                             f"t_sink_max_c ({self.t_sink_max_c:g} °C): the rating point is a lift")
        if isinstance(self.source_max_mw, float) and self.source_max_mw < 0.0:
            raise ValueError("source_max_mw must not be negative")
        return self


class WasteHeatUnit(UnitConfig):
    """Waste heat fed directly (no heat pump) when the source is hot enough.

    Usable in hours when ``t_source_c - approach_k`` reaches the supply temperature; it then
    needs only pumping electricity, ``el_per_heat`` MW per MW of heat, on ``bus``.
    """

    type: Literal["waste_heat"]
    t_source_c: float
    approach_k: float = Field(5.0, ge=0.0)
    el_per_heat: float = Field(0.01, ge=0.0)
    bus: str | None = None


class ElectricBoilerUnit(UnitConfig):
    """Electric (resistive or electrode) boiler."""

    can_boost: ClassVar[bool] = True

    type: Literal["electric_boiler"]
    bus: str
    efficiency: float = Field(0.99, gt=0.0, le=1.0)


class FlueGasHeatPump(_Model):
    """A heat pump in a boiler's flue gas: what lets a boiler give more heat than the fuel's
    lower heating value. Its electricity, ``(efficiency - base_efficiency) / (efficiency * cop)``
    per MW of heat, is drawn at ``bus`` and booked on the boiler."""

    cop: float = Field(4.0, gt=1.0, le=10.0)  # Tallinn Utilitas flue-gas HPs: COP > 4
    bus: str
    base_efficiency: float = Field(1.0, gt=0.0, le=1.1)  # boiler + condenser, no heat pump (est.)


class BoilerUnit(UnitConfig):
    """Fuel-fired boiler; efficiency on lower heating value (LHV).

    Above 1.0 (100 % LHV) only with a ``flue_gas_heat_pump``, whose electricity is booked (the
    loader refuses it otherwise, naming ``units[i].efficiency``).
    ``part_load``: efficiency factor by load fraction; None: the fuel's default curve.
    """

    can_boost: ClassVar[bool] = True

    type: Literal["boiler"]
    fuel: str
    efficiency: float = Field(0.9, gt=0.0, le=1.5)
    flue_gas_heat_pump: FlueGasHeatPump | None = None
    part_load: PartLoad | None = None

    @model_validator(mode="after")
    def _lhv_bound(self) -> BoilerUnit:
        fg = self.flue_gas_heat_pump
        if fg is not None and fg.base_efficiency > self.efficiency:
            raise ValueError("flue_gas_heat_pump.base_efficiency must not exceed efficiency")
        _check_part_load(self.part_load, "part_load")
        return self


class ChpUnit(UnitConfig):
    """Combined heat and power: electricity = power_to_heat * heat, fed in at ``bus``.

    Fuel input = (heat + electricity) / total_efficiency (lower heating value).
    """

    can_boost: ClassVar[bool] = True

    type: Literal["chp"]
    fuel: str
    bus: str
    power_to_heat: float = Field(gt=0.0, le=3.0)
    total_efficiency: float = Field(0.88, gt=0.0, le=1.0)
    #: factor on power_to_heat (the electrical efficiency) by load fraction, total efficiency
    #: kept; None: the default CHP curve
    part_load: PartLoad | None = None

    @model_validator(mode="after")
    def _curve(self) -> ChpUnit:
        _check_part_load(self.part_load, "part_load")
        return self


class StorageUnit(UnitConfig):
    """Sensible-heat store at a plant. ``heat_mw`` is its discharge rating (MW).

    Energy is booked exactly: E[t+1] = E[t] + charged - discharged - standing loss, with the
    standing loss a share of the content per day.
    """

    type: Literal["thermal_storage"]
    capacity_mwh: float = Field(gt=0.0)
    charge_mw: float | None = Field(None, gt=0.0)
    standing_loss_per_day: float = Field(0.01, ge=0.0, lt=1.0)
    soc_min: float = Field(0.05, ge=0.0, le=1.0)
    soc_max: float = Field(0.95, ge=0.0, le=1.0)
    soc_initial: float = Field(0.5, ge=0.0, le=1.0)

    @model_validator(mode="after")
    def _soc_order(self) -> StorageUnit:
        if not self.soc_min <= self.soc_initial <= self.soc_max:
            raise ValueError("need soc_min <= soc_initial <= soc_max")
        return self


#: pydantic's union tags in error locations, which are not keys the user wrote (the unit types'
#: tags join as they register)
UNION_TAGS = {"float", "HourlyFile", "GridIntensityFile", "Seasonal", "FlueGasHeatPump"}
_UNIT_TYPES: dict[str, type[UnitConfig]] = {}
#: models whose schema holds :data:`Unit`, rebuilt when a unit type registers (``Scenario``)
_DEPENDENTS: list[type[BaseModel]] = []


def register_unit_config(model: type[UnitConfig]) -> type[UnitConfig]:
    """Make ``model`` the unit type its ``type`` tag names in a scenario (a class decorator);
    registering another model under a tag replaces the first."""
    tag = model.type_tag()
    if _UNIT_TYPES.get(tag) is not model:
        _UNIT_TYPES[tag] = model
        UNION_TAGS.add(tag)
        for dependent in _DEPENDENTS:
            dependent.model_rebuild(force=True)
    return model


def unit_configs() -> dict[str, type[UnitConfig]]:
    """The registered unit types' models by tag, in the order they registered."""
    return dict(_UNIT_TYPES)


def booster_tags() -> set[str]:
    """Tags of the unit types that can boost a heat pump (``can_boost``)."""
    return {tag for tag, model in _UNIT_TYPES.items() if model.can_boost}


def rebuilt_with_unit_types(model: type[BaseModel]) -> None:
    """Rebuild ``model``'s schema whenever a unit type registers (it holds :data:`Unit`)."""
    _DEPENDENTS.append(model)


class _RegisteredUnitTypes:
    """The schema of :data:`Unit`: the registered models, told apart by their ``type`` tag
    (what ``Annotated[A | B | ..., Field(discriminator="type")]`` gives, for every model
    registered when the schema is built)."""

    def __get_pydantic_core_schema__(self, source: Any, handler: GetCoreSchemaHandler) -> Any:
        union = functools.reduce(operator.or_, _UNIT_TYPES.values())
        return handler.generate_schema(Annotated[union, Discriminator("type")])


for _model in (HeatPumpUnit, WasteHeatUnit, ElectricBoilerUnit, BoilerUnit, ChpUnit,
               StorageUnit):
    register_unit_config(_model)

#: a scenario's unit entry: validated as the registered model its ``type`` names. The annotation
#: names the built-in types (what type checkers and the manual's scenario reference read); the
#: schema holds every type registered when it is built.
Unit = Annotated[
    HeatPumpUnit | WasteHeatUnit | ElectricBoilerUnit | BoilerUnit | ChpUnit | StorageUnit,
    _RegisteredUnitTypes(),
]

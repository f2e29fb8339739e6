"""The demand model: outdoor temperature to hourly heat demand, in one place (pure numpy).

Fractions are shares of a consumer's nominal (design) load (1); temperatures in °C; time
constants and durations in hours (h). Two models, chosen by the scenario's ``demand.rhythm``:

**Flat** (no rhythm, :func:`demand_fraction`): hot water a constant share of the design load,
space heat linear in the hour's outdoor temperature, floored.

**Rhythm** (:func:`rhythm_fractions`, then :func:`mix_and_floor`), a short pipeline per class:

1. :func:`weighted_temperature_c`: the temperature buildings answer to, an instant share
   (ventilation, infiltration, windows) plus an exponentially weighted past (building mass);
2. :func:`stock_signature`: space heat of a building stock whose balance temperatures are
   spread below the heating limit (a straight line when the spread is 0);
3. :func:`class_shapes`: day-of-week factors, then hour-of-day factors that move energy within
   each local day and never change it (:func:`conserve_daily`); hot water with its own cycle;
4. :func:`anchor_yearly`: each class's space heat and hot water are scaled so that every
   calendar year holds the flat model's energy on the same weather, split by the class's
   hot-water share (the BDEW "customer value" idea: annual energy anchors the shape);
5. :func:`mix_and_floor`: each consumer's mix of classes, floored at the minimum load with the
   rest scaled so the year's energy is kept.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from simulator.inputs.demand_classes import ClassRhythm

#: the share of its final effect a step of outdoor temperature reaches after one time constant
STEP_LEVEL = 1.0 - np.exp(-1.0)  # 0.632


def space_heat_fraction(
    t_air_c: np.ndarray, design_t_air_c: float, heating_limit_c: float
) -> np.ndarray:
    """Share of design space-heating load, 1 at ``design_t_air_c``, 0 at ``heating_limit_c``.

    Linear degree-hour model, clipped to [0, inf): colder than design gives more than 1.

    Args:
        t_air_c: outdoor air temperature (°C).
        design_t_air_c: design outdoor temperature (°C).
        heating_limit_c: outdoor temperature above which no space heat is needed (°C).
    """
    t_air_c = np.asarray(t_air_c, dtype=float)
    return np.clip((heating_limit_c - t_air_c) / (heating_limit_c - design_t_air_c), 0.0, None)


def demand_fraction(
    t_air_c: np.ndarray,
    design_t_air_c: float,
    heating_limit_c: float,
    hot_water_share: float,
    min_load_fraction: float,
) -> np.ndarray:
    """The flat model: hourly demand as a fraction of nominal (design) load (1).

    ``hot_water_share`` of the design load is a flat hot-water base; the rest is space heat.
    The result is floored at ``min_load_fraction``.
    """
    space = space_heat_fraction(t_air_c, design_t_air_c, heating_limit_c)
    return np.maximum(hot_water_share + (1.0 - hot_water_share) * space, min_load_fraction)


def weighted_temperature_c(
    t_air_c: np.ndarray, instant_share: float, time_constant_h: float
) -> np.ndarray:
    """Temperature the buildings answer to (°C): ``a T + (1 - a) EMA(T)``.

    The exponential moving average is the exact hourly discretisation of a first-order lag with
    time constant ``time_constant_h`` (h), started in steady state at the first value; hour n's
    value is the state at its end. ``instant_share`` a (1) responds within the hour.
    """
    t = np.asarray(t_air_c, dtype=float)
    keep = np.exp(-1.0 / time_constant_h)
    lagged = np.empty_like(t)
    state = t[0] if len(t) else 0.0
    for i, value in enumerate(t):
        state = keep * state + (1.0 - keep) * value
        lagged[i] = state
    return instant_share * t + (1.0 - instant_share) * lagged


def step_response_h(instant_share: float, time_constant_h: float,
                    level: float = STEP_LEVEL) -> float:
    """Hours after a step of outdoor temperature until the weighted temperature (and, on the
    straight part of the signature, demand) has made ``level`` of its final change (h).

    ``a + (1 - a) (1 - exp(-t / tau)) = level``, so ``t = tau ln((1 - a) / (1 - level))``;
    0 when the instant share alone reaches the level. In hourly values, the first hour at or
    above the level is hour ``ceil(t)`` after the step (counting the step hour as 1).
    """
    if instant_share >= level:
        return 0.0
    return float(time_constant_h * np.log((1.0 - instant_share) / (1.0 - level)))


def stock_signature(t_c: np.ndarray, design_t_air_c: float, heating_limit_c: float,
                    spread_k: float) -> np.ndarray:
    """Space heat of a building stock as a share of its design value (1 at ``design_t_air_c``).

    Each building heats in proportion to ``max(0, b - T)`` with its balance temperature b
    spread evenly over [heating_limit_c - spread_k, heating_limit_c] (°C, K): straight with
    base ``heating_limit_c - spread_k / 2`` below the spread, quadratic to 0 at the limit.
    ``spread_k`` 0 is the flat model's straight line.
    """
    t = np.asarray(t_c, dtype=float)

    def raw(x: np.ndarray | float) -> np.ndarray:
        if spread_k <= 0.0:
            return np.clip(heating_limit_c - np.asarray(x, dtype=float), 0.0, None)
        below = heating_limit_c - spread_k / 2.0 - x
        inside = np.clip(heating_limit_c - x, 0.0, None) ** 2 / (2.0 * spread_k)
        return np.where(x <= heating_limit_c - spread_k, below, inside)

    return raw(t) / float(raw(design_t_air_c))


@dataclass(frozen=True)
class LocalCalendar:
    """Local-time labels of hourly stamps: ``hour`` 0-23, ``kind`` 0-6 (Monday ... Sunday,
    holidays 6), ``day`` (an integer per local date), ``year`` (local calendar year)."""

    hour: np.ndarray
    kind: np.ndarray
    day: np.ndarray
    year: np.ndarray

    @property
    def weekend(self) -> np.ndarray:
        """1 on Saturdays, Sundays and holidays, else 0."""
        return (self.kind >= 5).astype(int)


def conserve_daily(base: np.ndarray, factors: np.ndarray, day: np.ndarray) -> np.ndarray:
    """``base * factors`` rescaled so each day (``day`` label) keeps the energy of ``base``.

    Days whose base energy is 0 stay 0. Units follow ``base``.
    """
    shaped = base * factors
    _, index = np.unique(day, return_inverse=True)
    before = np.bincount(index, weights=base)
    after = np.bincount(index, weights=shaped)
    ratio = np.divide(before, after, out=np.zeros_like(before), where=after > 0.0)
    return shaped * ratio[index]


def _mean_one(table: np.ndarray) -> np.ndarray:
    table = np.asarray(table, dtype=float)
    return table / table.mean(axis=-1, keepdims=True)


def class_shapes(signature: np.ndarray, cal: LocalCalendar,
                 cls: ClassRhythm) -> tuple[np.ndarray, np.ndarray]:
    """Unscaled space-heat and hot-water shapes of one class, hour by hour (arbitrary units).

    Space heat = ``signature`` x day factor, then the hour factors within each local day; hot
    water = day factor, then ``circulation + (1 - circulation) x draw cycle`` within each day.
    """
    day_factor = _mean_one(cls.day_factors)[cal.kind]
    space_hours = _mean_one(cls.space)[cal.weekend, cal.hour]
    space = conserve_daily(signature * day_factor, space_hours, cal.day)
    draws = _mean_one(cls.hot_water)[cal.weekend, cal.hour]
    water_hours = cls.circulation_share + (1.0 - cls.circulation_share) * draws
    hot_water = conserve_daily(day_factor, water_hours, cal.day)
    return space, hot_water


def anchor_yearly(shape: np.ndarray, target: np.ndarray, year: np.ndarray,
                  counted: np.ndarray) -> np.ndarray:
    """``shape`` scaled per calendar year so its sum over the ``counted`` hours equals that of
    ``target`` (same units as ``target``); a year whose shape sums to 0 stays 0."""
    out = np.zeros_like(shape, dtype=float)
    for y in np.unique(year):
        rows = year == y
        total = float(shape[rows & counted].sum())
        if total > 0.0:
            out[rows] = shape[rows] * float(target[rows & counted].sum()) / total
    return out


def rhythm_fractions(t_air_c: np.ndarray, cal: LocalCalendar, counted: np.ndarray,
                     flat: np.ndarray, classes: list[ClassRhythm], *, design_t_air_c: float,
                     heating_limit_c: float, spread_k: float, instant_share: float,
                     time_constant_h: float) -> np.ndarray:
    """Demand of each class as a fraction of design load, (hours, classes) (1).

    ``t_air_c``: hourly outdoor temperature (°C) of the whole window, warm-up included;
    ``counted``: hours whose weather is measured (the yearly anchor uses only these);
    ``flat``: the flat model's fraction on the same hours (the energy anchor).
    """
    t_eff = weighted_temperature_c(t_air_c, instant_share, time_constant_h)
    signature = stock_signature(t_eff, design_t_air_c, heating_limit_c, spread_k)
    out = np.empty((len(t_air_c), len(classes)))
    for k, cls in enumerate(classes):
        space, hot_water = class_shapes(signature, cal, cls)
        out[:, k] = (anchor_yearly(space, flat * (1.0 - cls.hot_water_share), cal.year, counted)
                     + anchor_yearly(hot_water, flat * cls.hot_water_share, cal.year, counted))
    return out


def floor_keeping_energy(fraction: np.ndarray, floor: float, year: np.ndarray,
                         counted: np.ndarray, iterations: int = 50) -> np.ndarray:
    """``max(floor, x * fraction)`` per consumer (column) and year, with x <= 1 chosen so the
    year's energy over the ``counted`` hours is that of ``fraction`` (1)."""
    out = np.maximum(fraction, floor)
    for y in np.unique(year):
        rows = year == y
        sub, use = fraction[rows], counted[rows]
        target = sub[use].sum(axis=0)
        scale = np.ones(sub.shape[1])
        for _ in range(iterations):
            raised = scale * sub < floor
            free = np.where(raised, 0.0, sub)[use].sum(axis=0)
            fixed = floor * raised[use].sum(axis=0)
            new = np.clip(np.divide(target - fixed, free, out=np.zeros_like(free),
                                    where=free > 0.0), 0.0, 1.0)
            if np.allclose(new, scale, rtol=0.0, atol=1e-13):
                break
            scale = new
        out[rows] = np.maximum(scale * sub, floor)
    return out


def mix_and_floor(class_fraction: np.ndarray, shares: np.ndarray, floor: float,
                  year: np.ndarray, counted: np.ndarray) -> np.ndarray:
    """Consumers' demand fractions (hours, consumers) (1) from the classes' (hours, classes)
    and each consumer's class shares (consumers, classes; rows sum to 1), floored."""
    return floor_keeping_energy(class_fraction @ shares.T, floor, year, counted)

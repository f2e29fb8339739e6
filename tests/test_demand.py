"""The demand model (simulator/inputs/demand.py): inertia, rhythms, energy anchor, overrides."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from simulator.config import ConfigError, load_config
from simulator.config.schema import BUILTIN_DEMAND_CLASSES
from simulator.district import load_district
from simulator.inputs import build_inputs
from simulator.inputs.demand import (
    STEP_LEVEL,
    class_shapes,
    conserve_daily,
    demand_fraction,
    floor_keeping_energy,
    rhythm_fractions,
    space_heat_fraction,
    step_response_h,
    stock_signature,
    weighted_temperature_c,
)
from simulator.inputs.demand_classes import BUILTIN, ClassRhythm
from simulator.inputs.demand_setup import local_calendar

from conftest import schutterwald_raw

RHYTHM = {"timezone": "Europe/Berlin", "holidays": "DE", "instant_share": 0.5,
          "time_constant_h": 34.6, "balance_spread_k": 6}


def _year_calendar(year: int = 2030, zone: str = "Europe/Helsinki", country: str = "FI"):
    time = pd.date_range(f"{year}-01-01", periods=8760, freq="h").to_numpy()
    return time, local_calendar(time, zone, country)


def _inputs(raw, write_config, hours: int | None = None):
    scenario = load_config(write_config(raw))
    district = load_district(scenario.district)
    return build_inputs(scenario, district.heat.consumer_names, district.heat.consumer_design_w,
                        hours), district


# --- energy conservation of the factors ---------------------------------------------------

@pytest.mark.parametrize("name", sorted(BUILTIN))
def test_hour_factors_keep_each_days_energy_per_class(name):
    """Space heat and hot water of every class: each local day (DST days of 23 and 25 hours
    and holidays included) holds exactly its day factor x the day's signature energy."""
    _, cal = _year_calendar()
    rng = np.random.default_rng(1)
    signature = rng.uniform(0.0, 1.2, len(cal.hour))
    cls = BUILTIN[name]
    space, hot_water = class_shapes(signature, cal, cls)
    day_factor = (cls.day_factors / cls.day_factors.mean())[cal.kind]
    _, index = np.unique(cal.day, return_inverse=True)
    np.testing.assert_allclose(np.bincount(index, space),
                               np.bincount(index, signature * day_factor), rtol=1e-12)
    np.testing.assert_allclose(np.bincount(index, hot_water), np.bincount(index, day_factor),
                               rtol=1e-12)
    assert space.std() > 0 and np.ptp(hot_water) > 0.5  # they do shape the day


def test_conserve_daily_leaves_zero_days_zero():
    out = conserve_daily(np.zeros(48), np.ones(48) * 2.0, np.repeat([0, 1], 24))
    assert not out.any()


def test_builtin_classes_are_the_schema_names():
    assert set(BUILTIN) == set(BUILTIN_DEMAND_CLASSES)
    for cls in BUILTIN.values():
        assert cls.space.shape == cls.hot_water.shape == (2, 24) and cls.day_factors.shape == (7,)


# --- the weighted temperature on a synthetic step ------------------------------------------

def test_weighted_temperature_step_reaches_63_percent_after_documented_hours():
    """0 °C for 400 h, then -10 °C: 63.2 % of the step after tau ln((1-a)/0.368) = 10.6 h for
    a = 0.5, tau = 34.6 h, i.e. in the 11th hour after the step (hour ends at 11 h)."""
    assert step_response_h(0.5, 34.6) == pytest.approx(10.62, abs=0.01)
    t = np.r_[np.zeros(400), np.full(400, -10.0)]
    response = -weighted_temperature_c(t, 0.5, 34.6)[400:] / 10.0
    first = int(np.argmax(response >= STEP_LEVEL)) + 1  # hours after the step, step hour = 1
    assert first == int(np.ceil(step_response_h(0.5, 34.6))) == 11
    assert response[0] == pytest.approx(0.5 + 0.5 * (1 - np.exp(-1 / 34.6)))  # instant share
    assert response[-1] == pytest.approx(1.0, abs=1e-4)
    # pure lag: exactly the time constant; instant share above 63 %: at once
    assert step_response_h(0.0, 24.0) == pytest.approx(24.0)
    assert step_response_h(0.7, 24.0) == 0.0


def test_demand_follows_the_step_with_the_same_63_percent_time():
    """Through the whole class pipeline (flat factors, no hot water): demand's step response
    on the straight part of the signature is the weighted temperature's."""
    time = pd.date_range("2030-01-01", periods=24 * 40, freq="h").to_numpy()
    cal = local_calendar(time, "UTC", None)
    t = np.where(np.arange(len(time)) < 24 * 20, -2.0, -12.0)
    flat_class = ClassRhythm(0.0, 0.0, np.ones(7), np.ones((2, 24)), np.ones((2, 24)))
    frac = rhythm_fractions(t, cal, np.ones(len(t), bool), np.ones(len(t)), [flat_class],
                            design_t_air_c=-20.0, heating_limit_c=15.0, spread_k=4.0,
                            instant_share=0.4, time_constant_h=20.0)[:, 0]
    step = 24 * 20
    response = (frac[step:] - frac[step - 1]) / (frac[-1] - frac[step - 1])
    first = int(np.argmax(response >= STEP_LEVEL)) + 1
    assert first == int(np.ceil(step_response_h(0.4, 20.0)))  # 20 ln(0.6/0.368) = 9.8 -> 10


# --- signature, floor -------------------------------------------------------------------

def test_stock_signature_is_the_straight_line_without_spread_and_smooth_with_it():
    t = np.linspace(-30, 25, 221)
    np.testing.assert_allclose(stock_signature(t, -26, 17, 0.0), space_heat_fraction(t, -26, 17))
    s = stock_signature(t, -26, 17, 8.0)
    assert stock_signature(np.array([-26.0]), -26, 17, 8.0)[0] == pytest.approx(1.0)
    assert s[t >= 17].max() == 0.0 and np.all(np.diff(s) <= 0)
    # continuous at the bottom of the spread (9 °C), straight with base 13 °C below it
    lo = stock_signature(np.array([9.0 - 1e-9, 9.0 + 1e-9]), -26, 17, 8.0)
    assert lo[0] == pytest.approx(lo[1], abs=1e-9)
    assert stock_signature(np.array([0.0]), -26, 17, 8.0)[0] == pytest.approx(13 / 39)


def test_floor_keeps_yearly_energy():
    rng = np.random.default_rng(3)
    frac = rng.uniform(0.0, 0.4, (1000, 3))
    year = np.repeat([2030, 2031], 500)
    out = floor_keeping_energy(frac, 0.1, year, np.ones(1000, bool))
    assert out.min() >= 0.1 - 1e-12
    for y in (2030, 2031):
        np.testing.assert_allclose(out[year == y].sum(0), frac[year == y].sum(0), rtol=1e-9)


# --- calendar ------------------------------------------------------------------------------

def test_local_calendar_counts_holidays_as_sunday_and_follows_dst():
    time, cal = _year_calendar()
    assert cal.kind[0] == 6  # 1 Jan 2030 is a Tuesday and a holiday
    assert cal.hour[0] == 2  # 00 UTC = 02 local (EET)
    july = pd.DatetimeIndex(time).month == 7
    assert cal.hour[july][0] == 3  # EEST
    assert set(np.unique(cal.year)) == {2030, 2031}  # the last UTC hours are 2031 locally


# --- scenarios -----------------------------------------------------------------------------

def test_scenario_without_rhythm_is_exactly_the_flat_model(write_config):
    raw = schutterwald_raw()
    inp, district = _inputs(raw, write_config, hours=500)
    d = load_config(write_config(raw)).demand
    t_air_c = inp.t_air_k - 273.15
    expected = np.outer(demand_fraction(t_air_c, d.design_t_air_c, d.heating_limit_c,
                                        d.hot_water_share, d.min_load_fraction),
                        district.heat.consumer_design_w * 1e-6)
    np.testing.assert_allclose(inp.demand_mw, expected, rtol=1e-12)  # t_air_k rounds


def test_rhythm_keeps_the_flat_models_annual_energy_per_consumer(write_config):
    raw = schutterwald_raw()
    flat, _ = _inputs(raw, write_config)
    raw["demand"]["rhythm"] = RHYTHM
    shaped, _ = _inputs(raw, write_config)
    # the anchor is the local calendar year (Europe/Berlin): 1 h differs from the UTC year
    np.testing.assert_allclose(shaped.demand_mw.sum(0), flat.demand_mw.sum(0), rtol=1e-6)
    total = shaped.demand_mw.sum(1)
    assert total.max() / total.mean() > flat.demand_mw.sum(1).max() / flat.demand_mw.sum(1).mean()
    design_mw = load_district(load_config(write_config(raw)).district).heat.consumer_design_w
    floor = raw["demand"]["min_load_fraction"]
    assert (shaped.demand_mw / (design_mw * 1e-6)).min() >= floor - 1e-12


def test_short_run_is_a_slice_of_the_full_year(write_config):
    """The anchor uses whole calendar years of the weather, whatever the run's length."""
    raw = schutterwald_raw()
    raw["demand"]["rhythm"] = RHYTHM
    full, _ = _inputs(raw, write_config)
    raw["period"]["start"] = "2030-03-10T05:00"
    part, _ = _inputs(raw, write_config, hours=72)
    start = (pd.Timestamp("2030-03-10T05:00") - pd.Timestamp("2030-01-01")) // pd.Timedelta("1h")
    np.testing.assert_allclose(part.demand_mw, full.demand_mw[start:start + 72], rtol=1e-12)


def test_csv_profile_overrides_one_consumer_and_the_mix_the_others(write_config, tmp_path):
    raw = schutterwald_raw()
    scenario = load_config(write_config(raw))
    names = load_district(scenario.district).heat.consumer_names
    hours = pd.date_range("2019-01-01", periods=48, freq="h")
    pd.DataFrame({"time": hours.strftime("%Y-%m-%dT%H:%M"), names[0]: np.linspace(0.01, 0.05,
                 48)}).to_csv(tmp_path / "profile.csv", index=False)
    pd.DataFrame({"consumer": [names[1], names[2]], "class": ["public", "commercial"]}).to_csv(
        tmp_path / "mix.csv", index=False)
    raw["demand"]["profiles"] = str(tmp_path / "profile.csv")
    raw["demand"]["rhythm"] = {**RHYTHM, "mix": {"file": str(tmp_path / "mix.csv")}}
    inp, district = _inputs(raw, write_config, hours=48)
    np.testing.assert_allclose(inp.demand_mw[:, 0], np.linspace(0.01, 0.05, 48))
    share = inp.demand_mw / (district.heat.consumer_design_w * 1e-6)
    assert not np.allclose(share[:, 1], share[:, 3])  # public vs residential
    np.testing.assert_allclose(share[:, 3], share[:, 4])  # both residential (the default)


def test_mix_file_problems_are_reported_with_file_and_key(write_config, tmp_path):
    raw = schutterwald_raw()
    names = load_district(load_config(write_config(raw)).district).heat.consumer_names
    pd.DataFrame({"consumer": ["nowhere", names[0]], "residential": [1.0, 0.5],
                  "sauna": [0.0, 0.2]}).to_csv(tmp_path / "mix.csv", index=False)
    raw["demand"]["rhythm"] = {"mix": {"file": str(tmp_path / "mix.csv")}}
    with pytest.raises(ConfigError) as err:
        _inputs(raw, write_config, hours=24)
    text = "\n".join(err.value.problems)
    assert "mix.csv: demand.rhythm.mix: 'nowhere' is not a consumer" in text
    assert "unknown class 'sauna'" in text and "sum to 0.7000, not 1" in text


def test_rhythm_keys_are_checked_all_at_once(write_config):
    raw = schutterwald_raw()
    raw["demand"]["rhythm"] = {"timezone": "Mars/Olympus", "holidays": "XX",
                               "mix": {"default": "sauna"},
                               "classes": {"office": {"space_weekday": [1.0] * 23}}}
    with pytest.raises(ConfigError) as err:
        load_config(write_config(raw))
    text = "\n".join(err.value.problems)
    for part in ("demand.rhythm.timezone: unknown time zone 'Mars/Olympus'",
                 "demand.rhythm.holidays: unknown country code 'XX'",
                 "demand.rhythm.classes.office.space_weekday"):
        assert part in text


def test_scenario_classes_override_builtins(write_config, tmp_path):
    """A class defined in the scenario (on a built-in base, without hour or day factors) is
    used by the mix file: with a slow weighted temperature its demand has no daily swing."""
    raw = schutterwald_raw()
    names = load_district(load_config(write_config(raw)).district).heat.consumer_names
    pd.DataFrame({"consumer": names, "class": ["flat_office"] * (len(names) - 1) + [
        "commercial"]}).to_csv(tmp_path / "mix.csv", index=False)
    ones = [1.0] * 24
    raw["demand"]["rhythm"] = {
        "instant_share": 0.0, "time_constant_h": 200.0, "mix": {"file": str(tmp_path / "mix.csv")},
        "classes": {"flat_office": {"base": "commercial", "day_factors": [1.0] * 7,
                                    "space_weekday": ones, "space_weekend": ones,
                                    "hot_water_share": 0.0}}}
    inp, _ = _inputs(raw, write_config, hours=24 * 14)
    swing = np.abs(np.diff(inp.demand_mw, axis=0)).max(0) / inp.demand_mw.mean(0)
    assert swing[0] < 0.01 and swing[-1] > 0.05  # flat_office vs the built-in commercial


def test_espoo_class_mix_file_is_valid():
    root = Path(__file__).resolve().parents[1]
    scenario = load_config(root / "configs" / "espoo_2030.yaml")
    mix = pd.read_csv(scenario.demand.rhythm.mix.file).set_index("consumer")
    names = load_district(scenario.district).heat.consumer_names
    assert sorted(mix.index) == sorted(names)
    np.testing.assert_allclose(mix.sum(axis=1), 1.0, atol=1e-9)


def test_weather_file_covering_only_the_run(write_config, tmp_path):
    """Without source_year and with a weather file of just the simulated days, the weighted
    temperature starts in steady state and the anchor uses the hours the file has."""
    raw = schutterwald_raw()
    hours = pd.date_range("2030-02-01", periods=240, freq="h")
    t = np.where(np.arange(240) < 120, -5.0, 5.0)
    pd.DataFrame({"time": hours.strftime("%Y-%m-%dT%H:%M"), "t_air_c": t}).to_csv(
        tmp_path / "w.csv", index=False)
    raw["weather"] = {"file": str(tmp_path / "w.csv")}
    raw["period"] = {"start": "2030-02-01T00:00", "hours": 240}
    flat, _ = _inputs(raw, write_config)
    raw["demand"]["rhythm"] = RHYTHM
    shaped, _ = _inputs(raw, write_config)
    np.testing.assert_allclose(shaped.demand_mw.sum(), flat.demand_mw.sum(), rtol=1e-9)
    total = shaped.demand_mw.sum(1)
    assert total[:120].mean() > total[120:].mean()  # the warm spell lowers demand, with a lag
    assert total[120:132].mean() > total[-12:].mean()

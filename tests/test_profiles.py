"""Pure physics of the hourly inputs and the heat-pump COP."""

import numpy as np
import pytest

from simulator.inputs.demand import demand_fraction, space_heat_fraction
from simulator.inputs.profiles import ground_temperature_c, supply_temperature_c
from simulator.supply.physics import carnot_cop


def test_carnot_cop_matches_hand_value():
    # sink 80 °C, source 10 °C: Carnot 353.15 / 70 = 5.045; half of it
    assert carnot_cop(353.15, 283.15, 0.5) == pytest.approx(2.5225, rel=1e-4)


def test_cop_falls_as_supply_temperature_rises():
    cops = carnot_cop(np.array([338.15, 353.15, 388.15]), 283.15, 0.5)
    assert np.all(np.diff(cops) < 0)


def test_cop_is_clipped_to_physical_range():
    assert carnot_cop(300.0, 299.99, 0.5, cop_max=8.0) == 8.0
    assert carnot_cop(400.0, 250.0, 0.1, cop_min=1.0) == 1.0
    # source hotter than sink: no negative or infinite COP
    assert carnot_cop(330.0, 340.0, 0.5, cop_max=8.0) == 8.0


def test_space_heat_is_one_at_design_and_zero_above_limit():
    frac = space_heat_fraction(np.array([-12.0, 1.5, 15.0, 25.0]), -12.0, 15.0)
    np.testing.assert_allclose(frac, [1.0, 0.5, 0.0, 0.0])


def test_demand_has_hot_water_base_and_floor():
    frac = demand_fraction(np.array([-12.0, 20.0]), -12.0, 15.0, 0.2, 0.0)
    np.testing.assert_allclose(frac, [1.0, 0.2])
    floored = demand_fraction(np.array([20.0]), -12.0, 15.0, 0.0, 0.05)
    np.testing.assert_allclose(floored, [0.05])


def test_demand_exceeds_design_below_design_temperature():
    assert demand_fraction(np.array([-20.0]), -12.0, 15.0, 0.15, 0.0)[0] > 1.0


def test_supply_curve_interpolates_and_holds_ends():
    curve = [(10.0, 75.0), (-26.0, 115.0)]
    t = supply_temperature_c(np.array([-30.0, -26.0, -8.0, 10.0, 25.0]), curve)
    np.testing.assert_allclose(t, [115.0, 115.0, 95.0, 75.0, 75.0])


def test_ground_temperature_is_coldest_on_coldest_day():
    days = np.arange(1, 366)
    t = ground_temperature_c(days, 8.0, 5.0, 45)
    assert days[np.argmin(t)] == 45
    assert t.min() == pytest.approx(3.0, abs=1e-3)
    assert t.max() == pytest.approx(13.0, abs=1e-2)

"""Merit-order dispatch: ordering, filling, capacity shortfall and plant splitting."""

import numpy as np
import pytest

from simulator.dispatch.merit import allocate, merit_order, plan_hour, split_plant_heat


def test_merit_order_by_co2_is_cheapest_first_and_stable():
    order = merit_order(np.array([0.2, 0.0, 0.2, 0.05]), "co2")
    assert order.tolist() == [1, 3, 0, 2]


def test_listed_order_keeps_config_order():
    assert merit_order(np.array([0.3, 0.0, 0.1]), "listed").tolist() == [0, 1, 2]


def test_allocate_fills_in_order_up_to_capacity():
    heat = allocate(7.0, np.array([5.0, 4.0, 10.0]), np.array([1, 0, 2]))
    np.testing.assert_allclose(heat, [3.0, 4.0, 0.0])


def test_allocate_never_exceeds_total_capacity():
    heat = allocate(50.0, np.array([5.0, 4.0]), np.array([0, 1]))
    np.testing.assert_allclose(heat, [5.0, 4.0])


def test_plan_serves_all_demand_when_capacity_suffices():
    plan = plan_hour(10.0, 0.5, np.array([6.0, 6.0]), np.array([0, 1]),
                     np.array([0, 0]), 1)
    assert plan.served_fraction == 1.0
    assert plan.unit_heat_mw.sum() == pytest.approx(10.5)


def test_plan_reduces_served_demand_when_capacity_is_short():
    plan = plan_hour(10.0, 1.0, np.array([4.0, 3.0]), np.array([0, 1]),
                     np.array([0, 0]), 1)
    # 7 MW of capacity, 1 MW of it lost in the network: 6 of 10 MW demand served
    assert plan.served_fraction == pytest.approx(0.6)


def test_plan_sets_fixed_plants_and_keeps_slack_plant_positive():
    # cheap unit at fixed plant 1 could cover everything; the slack plant keeps 5 %
    plan = plan_hour(10.0, 0.0, np.array([20.0, 20.0]), np.array([1, 0]),
                     np.array([0, 1]), 2)
    assert plan.fixed_plant_mw[0] == pytest.approx(9.5)


def test_split_plant_heat_books_each_plant_on_its_units():
    heat, overflow = split_plant_heat(
        np.array([5.0, 2.0]), np.array([3.0, 4.0, 2.5]), np.array([2, 0, 1]),
        np.array([0, 0, 1]),
    )
    np.testing.assert_allclose(heat, [3.0, 2.0, 2.0])
    np.testing.assert_allclose(overflow, [0.0, 0.0])


def test_split_plant_heat_reports_overflow_and_still_balances():
    heat, overflow = split_plant_heat(np.array([5.0]), np.array([2.0, 2.0]),
                                      np.array([0, 1]), np.array([0, 0]))
    assert overflow[0] == pytest.approx(1.0)
    assert heat.sum() == pytest.approx(5.0)

"""The operator's supply-temperature control as a loop: set point in, coldest substation out.

The "network" here is the textbook transit-loss relation of one substation at the end of a
long pipe, T_sub = T_ground + (T_set - T_ground) exp(-k / m), with the flow m falling as the
supply rises (m = Q / (cp (T_sub - T_return))); solved by fixed point. It stands in for the
heat solve only so the controller's stepping can be counted exactly; the coupled runs in
tests/test_operation.py cover the same rules through pandapipes.
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from simulator.config.operation import Operation
from simulator.constants import C_TO_K
from simulator.operation.control import T_DEAD_BAND_K, Operator

T_GROUND_K = 283.15
T_RETURN_K = 318.15
CP = 4190.0
MIN_SUPPLY_C = 65.0


def _coldest_k(t_set_k: float, q_w: float, k_kg_per_s: float) -> float:
    """Supply at the far substation (K) for a set point, load and pipe constant."""
    t = t_set_k
    for _ in range(200):
        m = q_w / (CP * max(t - T_RETURN_K, 1.0))
        t = T_GROUND_K + (t_set_k - T_GROUND_K) * np.exp(-k_kg_per_s / m)
    return float(t)


def _state(t_set_k: float, q_w: float, k: float) -> SimpleNamespace:
    """The fields of a solved HeatState the supply control reads (one substation)."""
    t_k = np.array([_coldest_k(t_set_k, q_w, k)])
    # steady: the supply the operator looks ahead by is the one that arrives, no transit known
    return SimpleNamespace(consumer_dp_bar=np.array([1.0]), consumer_q_w=np.array([q_w]),
                           consumer_t_supply_k=t_k, t_ahead_k=t_k, consumer_transit_s=None,
                           junction_p_bar=np.array([3.0]), junction_t_k=np.array([330.0]))


def _operator() -> Operator:
    limits = Operation(min_dp_bar=0.0, min_supply_c=MIN_SUPPLY_C,
                       dp_control={"enabled": False}, pressure_hold={"enabled": False})
    return Operator(limits, 5.0, 3.0, 1, np.array([0.0]))


def _hour(op: Operator, curve_k: float, q_w: float, k: float) -> tuple[float, float, int]:
    """Run the operator to rest on one hour: final set point (K), coldest (K), solves."""
    sp = op.start(curve_k, load_w=q_w)
    solves = 1
    while (nxt := op.respond(sp, _state(sp.t_supply_k, q_w, k), np.array([q_w]))) is not None:
        sp, solves = nxt, solves + 1
        assert solves < 12
    return sp.t_supply_k, _coldest_k(sp.t_supply_k, q_w, k), solves


def test_a_low_gain_network_reaches_the_band_in_a_few_solves():
    # summer night: a small flow loses ~10 K on the way and a set-point step arrives at ~46 %
    t_set, coldest, solves = _hour(_operator(), 75.0 + C_TO_K, 0.3e6, 1.0)
    floor = MIN_SUPPLY_C + C_TO_K
    assert floor <= coldest <= floor + 2 * T_DEAD_BAND_K
    assert t_set > 75.0 + C_TO_K + 5.0  # a real boost
    assert solves <= 3  # stepping by the shortfall alone (gain taken as 1) takes 7 here


def test_the_next_hour_at_the_same_load_starts_on_the_set_point():
    op = _operator()
    t_set, _, _ = _hour(op, 75.0 + C_TO_K, 0.3e6, 1.0)
    again, _, solves = _hour(op, 75.0 + C_TO_K, 0.3e6, 1.0)
    assert solves == 1 and again == pytest.approx(t_set, abs=T_DEAD_BAND_K)


def test_a_larger_load_needs_less_boost_and_the_set_point_eases_off():
    op = _operator()
    night, _, _ = _hour(op, 75.0 + C_TO_K, 0.3e6, 1.0)
    day, coldest, _ = _hour(op, 75.0 + C_TO_K, 0.45e6, 1.0)
    floor = MIN_SUPPLY_C + C_TO_K
    assert day < night - 1.0 and floor <= coldest <= floor + 2 * T_DEAD_BAND_K


def test_the_boost_never_eases_below_the_curve():
    op = _operator()
    _hour(op, 75.0 + C_TO_K, 0.3e6, 1.0)
    # a load so large that the curve alone leaves the far end warm: back to the curve, not below
    t_set, coldest, _ = _hour(op, 75.0 + C_TO_K, 5e6, 1.0)
    assert t_set == pytest.approx(75.0 + C_TO_K)
    assert coldest > MIN_SUPPLY_C + C_TO_K + 2 * T_DEAD_BAND_K


def test_without_the_boost_the_set_point_is_the_curve():
    limits = Operation(min_dp_bar=0.0, min_supply_c=MIN_SUPPLY_C, dp_control={"enabled": False},
                       pressure_hold={"enabled": False}, supply_boost={"enabled": False})
    op = Operator(limits, 5.0, 3.0, 1, np.array([0.0]))
    t_set, coldest, solves = _hour(op, 75.0 + C_TO_K, 0.3e6, 1.0)
    assert t_set == 75.0 + C_TO_K and solves == 1 and coldest < MIN_SUPPLY_C + C_TO_K

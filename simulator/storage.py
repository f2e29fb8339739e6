"""Thermal storage as pure functions: limits and the exact energy book of one hour.

Energy E (MW h); heat into the network h (MW, + discharge, - charge) over one hour:
E[t+1] = E[t] - h - loss, with the standing loss ``k * E[t] / 24`` for a daily loss share k,
so ``initial + charged - discharged - losses = final`` holds to rounding.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Storage:
    """Parameters of a store (energies in MW h, powers in MW, shares in 1)."""

    name: str
    plant: str
    capacity_mwh: float
    charge_max_mw: float
    discharge_max_mw: float
    standing_loss_per_day: float
    soc_min: float
    soc_max: float
    soc_initial: float

    @property
    def initial_mwh(self) -> float:
        """Energy stored at the start of the run (MW h)."""
        return self.soc_initial * self.capacity_mwh


def standing_loss_mwh(energy_mwh: float, loss_per_day: float, hours: float = 1.0) -> float:
    """Heat lost by a store holding ``energy_mwh`` over ``hours`` (MW h)."""
    return energy_mwh * loss_per_day * hours / 24.0


def limits_mw(store: Storage, energy_mwh: float) -> tuple[float, float]:
    """(max charge, max discharge) in MW for the coming hour, within power and SOC bounds."""
    after_loss = energy_mwh - standing_loss_mwh(energy_mwh, store.standing_loss_per_day)
    room = store.soc_max * store.capacity_mwh - after_loss
    available = after_loss - store.soc_min * store.capacity_mwh
    return (max(min(store.charge_max_mw, room), 0.0),
            max(min(store.discharge_max_mw, available), 0.0))


def next_energy_mwh(store: Storage, energy_mwh: float, heat_mw: float) -> tuple[float, float]:
    """(energy after the hour, standing loss of the hour) for a network heat ``heat_mw``."""
    loss = standing_loss_mwh(energy_mwh, store.standing_loss_per_day)
    return energy_mwh - heat_mw - loss, loss

"""Thermal storage as pure functions: limits and the exact energy book of one hour.

Energy E (MW h); heat into the network h (MW, + discharge, - charge) over one hour:
E[t+1] = E[t] - h - loss, with the standing loss ``k * E[t] / 24`` for a daily loss share k,
so ``initial + charged - discharged - losses = final`` holds to rounding.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np


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


class StoreBank:
    """The stores of a scenario with their energy (MW h): plan, settle and book each hour."""

    def __init__(self, stores: list[Storage], plant_index: np.ndarray) -> None:
        self.stores = stores
        self.plant = np.asarray(plant_index, dtype=int)
        self.energy_mwh = np.array([s.initial_mwh for s in stores], dtype=float)

    def __len__(self) -> int:
        return len(self.stores)

    def plan(self, share: np.ndarray, action: Callable[[int, float, float, float], float]
             ) -> np.ndarray:
        """Net heat of each store (MW, + discharge, - charge), stores in turn.

        ``share`` scales each store's power limits (events); ``action(k, charge_max,
        discharge_max, already_mw)`` decides store ``k`` given what the stores before it do.
        """
        out = np.zeros(len(self.stores))
        for k, store in enumerate(self.stores):
            if share[k] <= 0.0:
                continue
            charge_max, discharge_max = limits_mw(store, float(self.energy_mwh[k]))
            out[k] = action(k, charge_max * share[k], discharge_max * share[k], out[:k].sum())
        return out

    def settle(self, plant_mw: np.ndarray, store_mw: np.ndarray) -> np.ndarray:
        """Stores at a plant never feed in more than the plant delivered to the network."""
        out = store_mw.copy()
        for p in np.unique(self.plant):
            giving = (self.plant == p) & (out > 0.0)
            total = out[giving].sum()
            if total > max(plant_mw[p], 0.0):
                out[giving] *= max(plant_mw[p], 0.0) / total
        return out

    def per_plant(self, store_mw: np.ndarray, n_plants: int) -> np.ndarray:
        """Net store heat summed per plant (MW)."""
        return np.bincount(self.plant, weights=store_mw, minlength=n_plants)

    def advance(self, store_mw: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Book one hour; (energy at the end, standing loss) per store (MW h)."""
        loss = np.zeros(len(self.stores))
        for k, store in enumerate(self.stores):
            self.energy_mwh[k], loss[k] = next_energy_mwh(store, float(self.energy_mwh[k]),
                                                          float(store_mw[k]))
        return self.energy_mwh.copy(), loss

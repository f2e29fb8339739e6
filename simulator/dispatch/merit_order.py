"""The merit-order policy: units by marginal CO2, marginal cost or as listed; stores by value.

Must-run units come first, then the lowest marginal value per MW h of heat (t CO2 or EUR at
the hour's temperatures, grid intensity and price), or the listed order. A store is worth the
mean marginal value of serving demand over ``storage_window_h`` hours (a network-free dispatch
of the whole period, computed once); it discharges instead of units dearer than that value
(+ ``storage_spread``) and charges from the spare capacity of cheaper units at its own plant.
"""

from __future__ import annotations

import numpy as np

from simulator.dispatch.merit import (
    Boost,
    allocate,
    marginal_value,
    marginal_values,
    merit_order,
    storage_action,
    storage_value,
)
from simulator.dispatch.plan import HourContext
from simulator.dispatch.policy import PolicySetup, RankedPolicy, register_policy
from simulator.supply.physics import boost_ratio


@register_policy("merit_order")
class MeritOrderPolicy(RankedPolicy):
    """Hour-by-hour merit order (``dispatch.order_by``: ``co2``, ``cost`` or ``listed``)."""

    def __init__(self, setup: PolicySetup) -> None:
        super().__init__(setup)
        self._marginal = np.zeros(len(setup.tables.units))
        self._value = self._storage_values() if len(setup.store_plant) else None

    def _marginals(self, h: int, t_sink_k: np.ndarray, boost: Boost
                   ) -> tuple[np.ndarray, np.ndarray]:
        """(marginal value, available capacity in MW) of each producer in hour ``h``."""
        inp = self.inputs
        return marginal_values(
            self.tables, self.settings.order_by, t_sink_k, inp.unit_t_source_k[h],
            float(inp.grid_intensity_g_per_kwh[h]), float(inp.electricity_eur_per_mwh[h]),
            inp.unit_availability[h], inp.unit_source_max_mw[h], boost,
        )

    def _storage_values(self) -> np.ndarray:
        """Value of stored heat each hour from a network-free dispatch of the whole period
        (supply at its set point, every plant's inlet at the return temperature)."""
        inp, tables = self.inputs, self.tables
        series = np.empty(len(inp.time))
        for h in range(len(inp.time)):
            t_sink_k = inp.supply_k(h, tables.plant)
            boost = Boost(boost_ratio(t_sink_k, inp.t_return_k, tables.t_outlet_max_k),
                          tables.booster)
            marginal, capacity = self._marginals(h, t_sink_k, boost)
            order = merit_order(marginal, self.settings.order_by, tables.must_run)
            heat = allocate(float(inp.demand_mw[h].sum()), capacity, order, boost=boost)
            series[h] = marginal_value(heat, marginal)
        return storage_value(series, self.settings.storage_window_h)

    def rank(self, hour: HourContext) -> np.ndarray:
        self._marginal, _ = self._marginals(
            hour.hour, self.inputs.supply_k(hour.hour, self.tables.plant), self.boost(hour))
        return merit_order(self._marginal, self.settings.order_by, self.tables.must_run)

    def store_heat(self, hour: HourContext) -> np.ndarray:
        """Stores in turn, each given what the stores before it already do."""
        out = np.zeros(len(self.setup.store_plant))
        if self._value is None:
            return out
        for k, plant in enumerate(self.setup.store_plant):
            charge_max = hour.store_charge_max_mw[k]
            discharge_max = hour.store_discharge_max_mw[k]
            if charge_max <= 0.0 and discharge_max <= 0.0:
                continue
            out[k] = storage_action(
                float(self._value[hour.hour]), self.settings.storage_spread,
                hour.demand_mw + hour.loss_mw - out[:k].sum(), hour.capacity_mw,
                self._marginal, self.order, charge_max, discharge_max,
                self.tables.plant == plant, self.boost(hour))
        return out

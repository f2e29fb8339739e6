"""What the optimal policy expects of the coming hours: the horizon's data, and what it learns.

The forecast is the scenario's own hourly inputs (perfect foresight), optionally with noise
(``dispatch.forecast``): a relative error of standard deviation ``sd x sqrt(lead_h / 24)`` on
demand, price and grid intensity, fixed by the seed and the hour solved. Beyond the period
the last hour repeats. Three things come from the physics instead:

* **network loss**: the mean of the last ``LOSS_WINDOW_H`` solved hours, scaled to each hour
  by the pipes' mean temperature above the ground, ((T_supply + T_return) / 2 - T_ground);
* **plant inlet temperature** (heat-pump booster ratios, capacities): the last solved hour's;
* **grid limits**: the units the grid curtailed together (those behind the overloaded
  branch) may draw together at most the electricity their curtailed capacity allowed (less
  ``GRID_MARGIN``), in the next ``grid_memory_h`` hours whose background electric load is at
  least the curtailed hour's (less ``SCALE_SLACK``): with less background load the branch has
  more room, so the limit is not carried there. The program shares that electricity among
  the group's units as it sees best (the heat pump before the electric boiler, say).
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

import numpy as np

from simulator.dispatch.horizon import (
    HorizonData,
    Shape,
    end_values,
    hour_supply,
    unit_values,
    unserved_penalty,
)
from simulator.dispatch.plan import HourContext, HourOutcome
from simulator.dispatch.policy import PolicySetup
from simulator.supply.books import per_heat

LOSS_WINDOW_H = 24
GRID_MARGIN = 0.02  # share kept below a learned electricity limit
SCALE_SLACK = 0.02  # background-load scale below the learned hour's where a limit still holds
MUST_RUN_SHARE = 0.95  # must-run units cover at most this share of the target


@dataclass(frozen=True)
class GridLimit:
    """Electricity a group of units may draw together (MW), learned in hour ``hour`` at
    background load ``scale``."""

    units: tuple[int, ...]
    el_mw: float
    scale: float
    hour: int


class Forecaster:
    """Builds each horizon's :class:`HorizonData`; hears losses and curtailments."""

    def __init__(self, setup: PolicySetup, shape: Shape) -> None:
        self.setup, self.shape = setup, shape
        self.inputs, self.settings, self.tables = setup.inputs, setup.settings, setup.tables
        inp = self.inputs
        self.n = len(inp.time)
        self.signal = (inp.grid_marginal_g_per_kwh if self.settings.carbon_signal == "marginal"
                       else inp.grid_intensity_g_per_kwh)
        self._min_fraction = setup.tables.min_load_fraction
        values = [self._values(h, float(self.signal[h]), float(inp.electricity_eur_per_mwh[h]))
                  for h in range(self.n)]
        self.value_heat = np.array([v[0] for v in values]).reshape(self.n, -1)
        self.value_on = np.array([v[1] for v in values]).reshape(self.n, -1)
        self.t_pipe_k = ((inp.t_supply_k + inp.t_return_k) / 2.0 - inp.t_ground_k)
        self._losses: deque[tuple[float, float]] = deque(maxlen=LOSS_WINDOW_H)
        self.limits: list[GridLimit] = []

    def _values(self, h: int, grid_g: float, price: float) -> tuple[np.ndarray, np.ndarray]:
        inp = self.inputs
        return unit_values(self.tables, self.settings.objective, float(inp.t_supply_k[h]),
                           inp.unit_t_source_k[h], grid_g, price,
                           self.settings.co2_weight_eur_per_t, self._min_fraction)

    # -- learning -------------------------------------------------------------------------
    @property
    def knows_loss(self) -> bool:
        return bool(self._losses)

    def learned_since(self, h: int) -> bool:
        """Whether a grid limit was learned in hour ``h`` or later."""
        return any(limit.hour >= h for limit in self.limits)

    def hear(self, outcome: HourOutcome) -> None:
        h = outcome.hour
        if not outcome.converged:
            return
        self._losses.append((float(outcome.loss_mw), float(self.t_pipe_k[h])))
        cut = np.flatnonzero(np.nan_to_num(outcome.curtailed_mw) > 0.0)
        if not len(cut):
            return
        _, el, _ = per_heat(self.tables, float(self.inputs.t_supply_k[h]),
                            self.inputs.unit_t_source_k[h])
        kept = float(np.sum(outcome.capacity_mw[cut] * np.clip(el[cut], 0.0, None)))
        self.limits.append(GridLimit(tuple(int(i) for i in cut), kept * (1.0 - GRID_MARGIN),
                                     float(self.inputs.electric_load_scale[h]), h))

    def loss_mw(self, idx: np.ndarray, now_mw: float) -> np.ndarray:
        """Expected network loss (MW) in the hours ``idx``."""
        if not self._losses:
            return np.full(len(idx), now_mw)
        loss, t_pipe = np.mean(np.array(self._losses), axis=0)
        return loss * self.t_pipe_k[idx] / max(t_pipe, 1.0)

    # -- the horizon ----------------------------------------------------------------------
    def horizon(self, hour: HourContext) -> HorizonData:
        """The data of the program over the hours from ``hour.hour`` on."""
        h0, hours = hour.hour, self.settings.horizon_h
        idx = np.minimum(h0 + np.arange(hours), self.n - 1)
        inp = self.inputs
        demand = inp.demand_mw[idx].sum(axis=1)
        value_heat, value_on = self.value_heat[idx].copy(), self.value_on[idx].copy()
        noise = self._noise(h0, hours)
        if noise is not None:
            demand = demand * noise[0]
            for tau in range(1, hours):
                v = self._values(int(idx[tau]), float(self.signal[idx[tau]]) * noise[2][tau],
                                 float(inp.electricity_eur_per_mwh[idx[tau]]) + noise[1][tau])
                value_heat[tau], value_on[tau] = v
        capacity, ratio, el = self._capacity(hour, idx)
        coef, limit = self._grid(idx, el, h0)
        target = demand + self.loss_mw(idx, hour.loss_mw)
        return HorizonData(
            target_mw=target, capacity_mw=capacity,
            lower_mw=self._must_run(capacity, target), value_heat=value_heat,
            value_on=value_on, boost_ratio=ratio,
            charge_max_mw=self._store_limits(hour, hours, charge=True),
            discharge_max_mw=self._store_limits(hour, hours, charge=False),
            energy_mwh=self._energy(hour),
            end_value=end_values(self.shape, value_heat, capacity),
            penalty=unserved_penalty(value_heat), grid_el_per_heat=coef, grid_limit_mw=limit)

    def _capacity(self, hour: HourContext, idx: np.ndarray) -> tuple[np.ndarray, ...]:
        """(capacity in MW, booster ratio, electricity per heat) of each producer in the hours
        ``idx``: the supply model at the forecast temperatures and the last plant inlet
        temperatures, the hour's own events carried forward (hour 0 as the step gives it)."""
        inp, t = self.inputs, self.tables
        t_in = (np.full(self.setup.n_plants, inp.t_return_k) if hour.plant_t_in_k is None
                else np.asarray(hour.plant_t_in_k, dtype=float))[t.plant]
        rows = [hour_supply(t, float(inp.t_supply_k[h]), t_in, inp.unit_t_source_k[h],
                            inp.unit_availability[h], inp.unit_source_max_mw[h]) for h in idx]
        cap = np.array([r[0] for r in rows])
        ratio = np.array([r[1] for r in rows])
        el = np.array([r[2] for r in rows])
        share = np.divide(hour.capacity_mw, cap[0], out=np.ones_like(cap[0]),
                          where=cap[0] > 1e-9)
        cap = cap * np.clip(share, 0.0, 1.0)
        cap[0] = hour.capacity_mw
        return cap, ratio, el

    def _grid(self, idx: np.ndarray, el_per_heat: np.ndarray, h0: int
              ) -> tuple[np.ndarray, np.ndarray]:
        """(electricity per heat of each group's units, the group's limit in MW; inf where it
        does not hold) for the program's grid slots: the most recent groups learned."""
        slots, hours = self.shape.grid_slots, len(idx)
        coef = np.zeros((slots, hours, el_per_heat.shape[1]))
        limit = np.full((slots, hours), np.inf)
        self.limits = [g for g in self.limits if h0 - g.hour <= self.settings.grid_memory_h]
        groups = list(dict.fromkeys(g.units for g in reversed(self.limits)))[:slots]
        scale = self.inputs.electric_load_scale[idx]
        for s, units in enumerate(groups):
            coef[s][:, list(units)] = np.clip(el_per_heat[:, list(units)], 0.0, None)
            for g in self.limits:
                if g.units == units:
                    holds = scale >= g.scale - SCALE_SLACK
                    limit[s, holds] = np.minimum(limit[s, holds], g.el_mw)
        return coef, limit

    def _must_run(self, capacity: np.ndarray, target: np.ndarray) -> np.ndarray:
        must = np.where(self.tables.must_run, capacity, 0.0)
        total = must.sum(axis=1)
        scale = np.minimum(1.0, np.divide(MUST_RUN_SHARE * target, total,
                                          out=np.ones_like(total), where=total > 0))
        return must * scale[:, None]

    def _store_limits(self, hour: HourContext, hours: int, charge: bool) -> np.ndarray:
        """Charge or discharge limit of each store (MW): the hour's own first; the rating
        later, or 0 for a store the hour has out of service (events carry forward)."""
        stores = self.setup.stores
        now = hour.store_charge_max_mw if charge else hour.store_discharge_max_mw
        rating = np.array([s.charge_max_mw if charge else s.discharge_max_mw for s in stores])
        out_now = (hour.store_charge_max_mw <= 0.0) & (hour.store_discharge_max_mw <= 0.0)
        out = np.tile(np.where(out_now, 0.0, rating), (hours, 1)).reshape(hours, len(stores))
        out[0] = now
        return out

    def _energy(self, hour: HourContext) -> np.ndarray:
        if hour.store_energy_mwh is not None:
            return np.asarray(hour.store_energy_mwh, dtype=float)
        return np.array([s.initial_mwh for s in self.setup.stores])

    def _noise(self, h0: int, hours: int) -> tuple[np.ndarray, ...] | None:
        """(demand factor, price offset in EUR/MWh, intensity factor) per lead hour, or None
        for a perfect forecast."""
        f = self.settings.forecast
        if f.demand_sd == 0 and f.price_sd == 0 and f.carbon_sd == 0:
            return None
        rng = np.random.default_rng([f.seed, h0])
        lead = np.sqrt(np.arange(hours) / 24.0)
        z = rng.standard_normal((3, hours)) * lead
        price_scale = float(np.mean(np.abs(self.inputs.electricity_eur_per_mwh)))
        return (np.clip(1.0 + f.demand_sd * z[0], 0.0, None), f.price_sd * z[1] * price_scale,
                np.clip(1.0 + f.carbon_sd * z[2], 0.0, None))

"""The horizon program: declared once with linopy, re-solved in place with HiGHS.

Variables (hours t, producers i, stores k): heat[t, i], on[t, c] for the committed producers
(binary in the first ``binary_hours`` hours, relaxed to [0, 1] after them), charge / discharge /
energy[t, k], booster heat boost[t, b] of each boosted heat pump, unserved and surplus heat[t]
and the slack plant's shortfall[t]. Constraints:

* network balance: sum heat + discharge - charge + unserved - surplus = demand + loss;
* each plant with a store feeds the network, never draws from it: its units' heat covers its
  stores' charging;
* the pressure-holding plant keeps ``Shape.slack_share`` of the target (soft);
* minimum load: min x on <= heat <= rating x on (committed producers);
* boosters: boost[t, b] = ratio[t, b] x heat of the heat pump; a booster's heat covers the
  boost of every heat pump it lifts;
* the stores' books: energy[t] = keep x energy[t-1] + charge - discharge, within SOC bounds;
* learned grid limits (``Shape.grid_slots`` rows per hour): the electricity of a group of
  units (electricity per heat x heat) at most what the grid let them draw.

Every solve changes only data (bounds, right-hand sides, objective, the booster ratios): the
model is built once and written into HiGHS once; each step updates the HiGHS instance through
its in-place API, which costs milliseconds where rebuilding through linopy costs ~0.5 s here.
"""

from __future__ import annotations

import contextlib
import os
import sys
import time
from collections.abc import Iterator

import highspy
import linopy
import numpy as np
import pandas as pd
from linopy.solvers import Solver

from simulator.dispatch.horizon import HorizonData, Schedule, Shape

#: HiGHS model statuses whose incumbent is used
ACCEPTED = {"Optimal", "Time limit reached", "Iteration limit reached",
            "Solution limit reached", "Interrupted by user"}


class HorizonModel:
    """The program of one horizon length over a fixed :class:`Shape`; solve it for any data."""

    def __init__(self, shape: Shape, hours: int, binary_hours: int, time_limit_s: float,
                 mip_gap: float) -> None:
        self.shape, self.hours = shape, hours
        m = self._declare(shape, hours)
        with _quiet_stdout():  # HiGHS prints its banner on the first instance of a process
            solver = Solver.from_name("highs", m, io_api="direct")
        self._h: highspy.Highs = solver.solver_model
        n_cols = self._h.getNumCol()
        # HiGHS columns and rows are linopy's labels in order; with nothing masked, label =
        # position (checked: a silent shift would scramble every update)
        if not (np.array_equal(m.matrices.vlabels, np.arange(n_cols)) and np.array_equal(
                m.matrices.clabels, np.arange(self._h.getNumRow()))):
            raise RuntimeError("linopy labels are not HiGHS positions")
        self.cols = {name: m.variables[name].labels.values for name in m.variables}
        self.rows = {name: m.constraints[name].labels.values for name in m.constraints}
        on = self.cols["on"][:binary_hours].ravel()
        if on.size:
            self._h.changeColsIntegrality(on.size, on.astype(np.int32),
                                          np.ones(on.size, dtype=np.uint8))
        for option, value in (("output_flag", False), ("time_limit", float(time_limit_s)),
                              ("mip_rel_gap", float(mip_gap)), ("threads", 1),
                              ("random_seed", 0)):
            self._h.setOptionValue(option, value)
        self._n_cols = n_cols
        self._grid_coef = np.ones((shape.grid_slots, hours, len(shape.heat_max_mw)))

    @staticmethod
    def _declare(shape: Shape, hours: int) -> linopy.Model:
        """The linopy model's structure (variables, constraints, their labels); the numbers
        (bounds, right-hand sides, costs) are written into HiGHS by every solve for its own
        horizon."""
        m = linopy.Model()
        t = pd.RangeIndex(hours, name="t")
        n_u, n_k = len(shape.heat_max_mw), len(shape.store_plant)
        unit, store = pd.RangeIndex(n_u, name="i"), pd.RangeIndex(n_k, name="k")
        com, bst = shape.committed, shape.boosted
        heat = m.add_variables(lower=0.0, coords=[t, unit], name="heat")
        on = m.add_variables(lower=0.0, upper=1.0, coords=[t, pd.Index(com, name="c")],
                             name="on")
        charge = m.add_variables(lower=0.0, coords=[t, store], name="charge")
        discharge = m.add_variables(lower=0.0, coords=[t, store], name="discharge")
        energy = m.add_variables(lower=0.0, coords=[t, store], name="energy")
        boost = m.add_variables(lower=0.0, coords=[t, pd.Index(bst, name="b")], name="boost")
        unserved = m.add_variables(lower=0.0, coords=[t], name="unserved")
        surplus = m.add_variables(lower=0.0, coords=[t], name="surplus")
        short = m.add_variables(lower=0.0, coords=[t], name="short")
        m.add_constraints(heat.sum("i") + discharge.sum("k") - charge.sum("k") + unserved
                          - surplus == 0.0, name="balance")
        m.add_constraints(_plant_net(heat, charge, discharge, shape, 0) + short >= 0.0,
                          name="slack")
        for p in sorted(set(shape.store_plant.tolist()) - {0}):
            m.add_constraints(_plant_net(heat, charge, discharge, shape, p) >= 0.0,
                              name=f"plant_{p}")
        if len(com):
            h_com = heat.sel(i=com).rename(i="c")
            m.add_constraints(h_com - _da(shape.min_mw[com], "c", com) * on >= 0.0,
                              name="min_load")
            m.add_constraints(h_com - _da(shape.heat_max_mw[com], "c", com) * on <= 0.0,
                              name="max_load")
        if len(bst):
            m.add_constraints(boost - heat.sel(i=bst).rename(i="b") == 0.0, name="boost_eq")
            for b in sorted(set(shape.booster[bst].tolist())):
                lifted = bst[shape.booster[bst] == b]
                m.add_constraints(heat.sel(i=[b]).sum("i") - boost.sel(b=lifted).sum("b") >= 0.0,
                                  name=f"booster_{b}")
        if n_k:
            keep = _da(shape.store_keep, "k", range(n_k))
            books = energy - keep * energy.shift(t=1).fillna(0) - charge + discharge
            m.add_constraints(books == 0.0, name="books")
        for g in range(shape.grid_slots):  # coefficients and limits written by every solve
            m.add_constraints(heat.sum("i") <= 1e9, name=f"grid_{g}")
        m.add_objective(heat.sum() + unserved.sum())
        return m

    def solve(self, data: HorizonData) -> Schedule | None:
        """The schedule for ``data``; None when HiGHS finds no solution within its limits."""
        start = time.perf_counter()
        self._write(data)
        try:
            self._h.run()
        except Exception:
            return None
        status = self._h.modelStatusToString(self._h.getModelStatus())
        info = self._h.getInfo()
        if status not in ACCEPTED or info.primal_solution_status != 2:  # 2: feasible
            return None
        x = np.asarray(self._h.getSolution().col_value)
        c = self.cols
        k = len(self.shape.store_plant)
        return Schedule(
            heat_mw=np.clip(x[c["heat"]], 0.0, None),
            store_mw=(x[c["discharge"]] - x[c["charge"]]).reshape(self.hours, k),
            energy_mwh=x[c["energy"]].reshape(self.hours, k),
            unserved_mw=x[c["unserved"]], objective=float(info.objective_function_value),
            status=status, seconds=time.perf_counter() - start)

    def _write(self, data: HorizonData) -> None:
        """Bounds, right-hand sides, costs and booster ratios of ``data``, in place."""
        s, c, r, h = self.shape, self.cols, self.rows, self._h
        inf = highspy.kHighsInf
        lower = np.zeros(self._n_cols)
        upper = np.full(self._n_cols, inf)
        cost = np.zeros(self._n_cols)
        cap = np.maximum(data.capacity_mw, 0.0)
        lower[c["heat"]] = np.minimum(data.lower_mw, cap)
        upper[c["heat"]] = cap
        cost[c["heat"]] = data.value_heat
        com = s.committed
        if len(com):
            upper[c["on"]] = (cap[:, com] >= s.min_mw[com] - 1e-9).astype(float)
            cost[c["on"]] = data.value_on[:, com]
        upper[c["charge"]] = data.charge_max_mw
        upper[c["discharge"]] = data.discharge_max_mw
        lower[c["energy"]] = np.broadcast_to(s.store_min_mwh, c["energy"].shape)
        upper[c["energy"]] = np.broadcast_to(s.store_max_mwh, c["energy"].shape)
        if len(s.store_plant):  # heat left in the stores at the end is worth something
            cost[c["energy"][-1]] = -data.end_value
        cost[c["unserved"]] = cost[c["surplus"]] = data.penalty
        cost[c["short"]] = 0.01 * data.penalty
        idx = np.arange(self._n_cols, dtype=np.int32)
        h.changeColsBounds(self._n_cols, idx, lower, upper)
        h.changeColsCost(self._n_cols, idx, cost)
        _rows(h, r["balance"], data.target_mw, data.target_mw)
        _rows(h, r["slack"], s.slack_share * data.target_mw, np.full(data.hours, inf))
        if len(s.store_plant):
            # hour 0 starts from the stores' energy: energy[0] - charge + discharge = keep E0
            first = s.store_keep * data.energy_mwh
            _rows(h, r["books"][0], first, first)
        for j, i in enumerate(s.boosted):
            for t in range(data.hours):
                h.changeCoeff(int(r["boost_eq"][t, j]), int(c["heat"][t, i]),
                              -float(data.boost_ratio[t, i]))
        self._write_grid(data)

    def _write_grid(self, data: HorizonData) -> None:
        """The learned grid limits: each slot's coefficients (changed entries only) and its
        right-hand side (inf: an unused slot)."""
        s, h = self.shape, self._h
        shape = (s.grid_slots, data.hours, len(s.heat_max_mw))
        coef = np.zeros(shape) if data.grid_el_per_heat is None else data.grid_el_per_heat
        limit = (np.full(shape[:2], highspy.kHighsInf) if data.grid_limit_mw is None
                 else np.where(np.isfinite(data.grid_limit_mw), data.grid_limit_mw,
                               highspy.kHighsInf))
        for g, t, i in zip(*np.nonzero(coef != self._grid_coef), strict=True):
            h.changeCoeff(int(self.rows[f"grid_{g}"][t]), int(self.cols["heat"][t, i]),
                          float(coef[g, t, i]))
        self._grid_coef = coef.copy()
        for g in range(s.grid_slots):
            _rows(h, self.rows[f"grid_{g}"], np.full(data.hours, -highspy.kHighsInf),
                  limit[g])


@contextlib.contextmanager
def _quiet_stdout() -> Iterator[None]:
    """Send what C code writes to the process's standard output to /dev/null meanwhile."""
    sys.stdout.flush()
    saved = os.dup(1)
    try:
        with open(os.devnull, "w") as null:
            os.dup2(null.fileno(), 1)
            yield
    finally:
        os.dup2(saved, 1)
        os.close(saved)


def _rows(h: highspy.Highs, rows: np.ndarray, lower: np.ndarray, upper: np.ndarray) -> None:
    rows = np.asarray(rows, dtype=np.int32).ravel()
    h.changeRowsBounds(rows.size, rows, np.asarray(lower, float).ravel(),
                       np.asarray(upper, float).ravel())


def _da(values: np.ndarray, dim: str, index) -> linopy.LinearExpression:
    import xarray as xr
    return xr.DataArray(np.asarray(values, dtype=float), coords=[pd.Index(list(index),
                                                                          name=dim)])


def _plant_net(heat, charge, discharge, shape: Shape, p: int):
    """Net feed-in of plant ``p``: its units' heat, its stores' discharge less charge."""
    units = np.flatnonzero(shape.unit_plant == p)
    stores = np.flatnonzero(shape.store_plant == p)
    expr = heat.sel(i=units).sum("i")
    if len(stores):
        expr = expr + discharge.sel(k=stores).sum("k") - charge.sel(k=stores).sum("k")
    return expr

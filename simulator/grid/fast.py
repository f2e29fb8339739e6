"""The fast hourly path of the grid adapter: pandapower's power-flow structures recycled.

``pandapower.runpp`` spends ~18 ms per call on a 10-bus grid rebuilding its internal case from
the tables, ~4.7 ms with ``recycle`` (still a pandas round trip, and a Newton loop that carries
the FACTS machinery). Between hours only the attached loads and the background scale change, so
:class:`FastGrid` keeps what pandapower built on the last plain call (admittance matrices
``Ybus``/``Yf``/``Yt``, bus types, the complex bus injections) and per hour only shifts the bus
injections, runs the Newton-Raphson iteration on them from the previous voltages (same mismatch
equations and tolerance as pandapower's ``newtonpf``) and evaluates pandapower's result formulas
(``pfsoln``, ``results_branch``) for what the simulator records.

It leans on pandapower 3.3.3 internals (``net._ppc["internal"]``, ``_pd2ppc_lookups``, the
``idx_bus``/``idx_brch`` columns); the version is pinned, :meth:`FastGrid.create` checks itself
against ``runpp`` on the current and on a perturbed operating point, :class:`ElectricGrid`
re-checks it against ``runpp`` every ``VERIFY_EVERY`` hours, and ``tests/test_solver_api.py``
guards it. Grids it does not cover (voltage-dependent loads, generators, FACTS, DC, elements out
of service, ...) keep the plain path.
"""

from __future__ import annotations

import copy
import warnings
from dataclasses import dataclass

import numpy as np
import pandapower
import pandas as pd
from pandapower.pypower.idx_brch import F_BUS, T_BUS
from pandapower.pypower.idx_bus import BASE_KV, BS, GS, PD, QD
from pandapower.pypower.makeSbus import makeSbus

SQRT3 = np.sqrt(3.0)
#: background load factors of the set-up probe (with attached loads shifted by as much, MW),
#: tried in turn until ``runpp`` solves one
PROBE_FACTORS = (1.1, 1.02, 0.9)


@dataclass(frozen=True)
class GridResult:
    """What one solve gives: the fields of ``GridState`` that come from the power flow."""

    bus_vm_pu: np.ndarray
    line_loading_percent: np.ndarray
    trafo_loading_percent: np.ndarray
    ext_grid_p_mw: float
    branch_p_mw: np.ndarray  # line p_from_mw, then trafo p_hv_mw


def unsupported(net: pandapower.pandapowerNet) -> str:
    """Why the fast path cannot take this grid after its last ``runpp``; '' if it can."""
    opts = net.get("_options", {})
    ppc = net.get("_ppc")
    if not ppc or "internal" not in ppc or not opts.get("ac", False):
        return "no AC power flow results to recycle"
    if opts.get("algorithm") != "nr" or opts.get("enforce_q_lims") or opts.get(
            "distributed_slack") or opts.get("tdpf") or opts.get("consider_line_temperature"):
        return "power-flow options other than plain Newton-Raphson"
    for table in ("svc", "tcsc", "ssc", "vsc", "bus_dc", "line_dc", "impedance", "trafo3w",
                  "xward", "ward", "dcline", "storage", "motor", "asymmetric_load",
                  "asymmetric_sgen"):
        if table in net and len(net[table]) and net[table].get(
                "in_service", pd.Series(True, net[table].index)).any():
            return f"'{table}' elements"
    load = net.load
    dependent = [c for c in ("const_z_p_percent", "const_i_p_percent", "const_z_q_percent",
                             "const_i_q_percent", "const_z_percent", "const_i_percent")
                 if c in load]
    if dependent and np.any(load[dependent].to_numpy(dtype=float) != 0):
        return "voltage-dependent loads"
    if "controller" in net and len(net.controller):
        return "controllers"
    return ""


class FastGrid:
    """One grid's fast path; build with :meth:`create` right after a converged ``runpp``."""

    def __init__(self, net: pandapower.pandapowerNet, attached: np.ndarray,
                 background: np.ndarray, bg_p_mw: np.ndarray, bg_q_mvar: np.ndarray) -> None:
        """``attached``/``background``: load indices; ``bg_*``: background loads at scale 1."""
        internal = net._ppc["internal"]
        self._ybus = internal["Ybus"].tocsr()
        self._yf, self._yt = internal["Yf"].tocsr(), internal["Yt"].tocsr()
        self._dense = self._ybus.toarray() if self._ybus.shape[0] <= 300 else None
        self._base_mva = float(internal["baseMVA"])
        bus, branch = internal["bus"], internal["branch"]
        self._ref = np.asarray(internal["ref"], dtype=np.int64)
        self._pq = np.asarray(internal["pq"], dtype=np.int64)
        self._pvpq = np.sort(np.concatenate([internal["pv"], internal["pq"]])).astype(np.int64)
        self._f = branch[:, F_BUS].real.astype(np.int64)
        self._t = branch[:, T_BUS].real.astype(np.int64)
        self._base_kv = bus[:, BASE_KV].real
        self._loads(net, len(bus), attached, background, bg_p_mw, bg_q_mvar)
        # generation part of the injections: Sbus = S_gen - (PD + j QD) / baseMVA
        s_bus = makeSbus(self._base_mva, bus, internal["gen"])
        self._s_gen = s_bus + (bus[:, PD].real + 1j * bus[:, QD].real) / self._base_mva
        self._single_slack = len(internal["gen"]) == 1 and not (
            np.any(bus[:, GS] != 0) or np.any(bus[:, BS] != 0))
        self._branches(net, internal)
        self._tol = float(net._options["tolerance_mva"])
        self._max_it = int(net._options["max_iteration"]) if str(
            net._options["max_iteration"]).isdigit() else 10
        self._v = np.asarray(internal["V"], dtype=complex).copy()
        n = len(self._v)
        self._diag = np.diag_indices(n)
        rows = np.concatenate([self._pvpq, n + self._pq])
        self._j_index = np.ix_(rows, rows)  # [Va(pvpq), Vm(pq)] rows and columns

    def _loads(self, net: pandapower.pandapowerNet, n_int: int, attached: np.ndarray,
               background: np.ndarray, bg_p_mw: np.ndarray, bg_q_mvar: np.ndarray) -> None:
        """Bus rows of buses and loads; the bus demand without the loads that change."""
        internal = net._ppc["internal"]
        bus = internal["bus"]
        # pandapower puts the buses it solves first (ppc order = internal order), isolated and
        # out-of-service ones after them, with NaN results
        lookup = net._pd2ppc_lookups["bus"]
        rows = lookup[net.bus.index.to_numpy()]
        self._bus_ok = rows < n_int
        self._bus_rows = np.where(self._bus_ok, rows, 0)
        load = net.load
        factor = (load["scaling"] * load["in_service"]).astype(float)
        att_rows = lookup[load.loc[attached, "bus"].to_numpy()]
        att_ok = att_rows < n_int  # a load on an isolated bus is not served
        self._att_bus = np.where(att_ok, att_rows, 0)
        self._att_factor = factor.loc[attached].to_numpy(dtype=float) * att_ok
        bg_rows = lookup[load.loc[background, "bus"].to_numpy()]
        bg_ok = bg_rows < n_int
        self._bg_bus = np.where(bg_ok, bg_rows, 0)
        bg_factor = factor.loc[background].to_numpy(dtype=float) * bg_ok
        self._bg_p = np.asarray(bg_p_mw, dtype=float) * bg_factor
        self._bg_q = np.asarray(bg_q_mvar, dtype=float) * bg_factor
        # bus demand (MW, Mvar) of the last solve without the loads that change hour to hour
        self._pd0 = bus[:, PD].real.copy()
        self._qd0 = bus[:, QD].real.copy()
        np.add.at(self._pd0, self._att_bus,
                  -load.loc[attached, "p_mw"].to_numpy(dtype=float) * self._att_factor)
        np.add.at(self._pd0, self._bg_bus,
                  -load.loc[background, "p_mw"].to_numpy(float) * bg_factor)
        np.add.at(self._qd0, self._bg_bus,
                  -load.loc[background, "q_mvar"].to_numpy(float) * bg_factor)

    def _branches(self, net: pandapower.pandapowerNet, internal: dict) -> None:
        """Where lines and trafos sit among the solved branches, and their ratings."""
        line = net.line
        # ppc branch rows of each line / trafo, and where they sit among the solved branches
        # (out-of-service ones are not solved: -1)
        solved = np.asarray(internal["branch_is"], dtype=bool)
        position = np.where(solved, np.cumsum(solved) - 1, -1)
        lookup_br = net._pd2ppc_lookups["branch"]
        self._line_pos = position[slice(*lookup_br.get("line", (0, 0)))]
        self._trafo_pos = position[slice(*lookup_br.get("trafo", (0, 0)))]
        self._i_max = (line["max_i_ka"] * line["df"] * line["parallel"]).to_numpy(dtype=float)
        trafo = net.trafo
        self._trafo_vn = trafo[["vn_hv_kv", "vn_lv_kv"]].to_numpy(dtype=float)
        self._trafo_sn = trafo["sn_mva"].to_numpy(dtype=float)
        self._trafo_div = (trafo["parallel"] * trafo["df"]).to_numpy(dtype=float)
        self._trafo_current = net._options["trafo_loading"] == "current"

    @classmethod
    def create(cls, net: pandapower.pandapowerNet, attached: np.ndarray, background: np.ndarray,
               bg_p_mw: np.ndarray, bg_q_mvar: np.ndarray, scale: float) -> FastGrid | str:
        """The fast path of ``net`` (just solved by ``runpp`` with the background loads at
        ``scale``) if it reproduces ``runpp`` there and at a perturbed point; else why not
        (never raises for a grid ``runpp`` solved)."""
        reason = unsupported(net)
        if reason:
            return reason
        fast = cls(net, attached, background, bg_p_mw, bg_q_mvar)
        p_now = net.load.loc[attached, "p_mw"].to_numpy(dtype=float)
        problem = fast.compare(net, fast.solve(p_now, scale))
        if problem:
            return f"differs from runpp at the solved point: {problem}"
        for factor in PROBE_FACTORS:  # a grid near its limit may not solve at +10 %
            probe = copy.deepcopy(net)
            p_probe = p_now + (factor - 1.0) * (1 + np.arange(len(p_now))) / max(len(p_now), 1)
            probe.load.loc[attached, "p_mw"] = p_probe
            probe.load.loc[background, "p_mw"] = np.asarray(bg_p_mw) * scale * factor
            probe.load.loc[background, "q_mvar"] = np.asarray(bg_q_mvar) * scale * factor
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    pandapower.runpp(probe, numba=True)
            except (pandapower.LoadflowNotConverged, ArithmeticError, ValueError):
                continue
            problem = fast.compare(probe, fast.solve(p_probe, scale * factor))
            fast.solve(p_now, scale)  # back to the current operating point
            return f"differs from runpp at a probe point: {problem}" if problem else fast
        return "runpp did not solve any probe point near the first hour's"

    def solve(self, p_mw: np.ndarray, background_scale: float) -> GridResult | None:
        """Newton-Raphson for the attached loads at ``p_mw`` (MW); None if not converged."""
        pd = self._pd0.copy()
        qd = self._qd0.copy()
        np.add.at(pd, self._att_bus, p_mw * self._att_factor)
        np.add.at(pd, self._bg_bus, self._bg_p * background_scale)
        np.add.at(qd, self._bg_bus, self._bg_q * background_scale)
        s_bus = self._s_gen - (pd + 1j * qd) / self._base_mva
        v = self._newton(s_bus)
        if v is None:
            return None
        self._v = v
        return self._results(v, pd)

    def _newton(self, s_bus: np.ndarray) -> np.ndarray | None:
        v = self._v.copy()
        pvpq, pq = self._pvpq, self._pq
        n_pvpq = len(pvpq)
        for _ in range(self._max_it + 1):
            i_bus = self._ybus @ v
            mis = v * np.conj(i_bus) - s_bus
            f = np.concatenate([mis[pvpq].real, mis[pq].imag])
            if not np.all(np.isfinite(f)):
                return None
            if np.max(np.abs(f), initial=0.0) < self._tol:
                return v
            vm = np.abs(v)
            j = self._jacobian(v, i_bus, vm)
            dx = np.linalg.solve(j, -f) if isinstance(j, np.ndarray) else _spsolve(j, -f)
            va = np.angle(v)
            va[pvpq] += dx[:n_pvpq]
            vm[pq] += dx[n_pvpq:]
            v = vm * np.exp(1j * va)
        return None

    def _jacobian(self, v: np.ndarray, i_bus: np.ndarray, vm: np.ndarray) -> object:
        """d(mismatch)/d(Va[pvpq], Vm[pq]), as pypower's ``dSbus_dV`` and ``create_J``."""
        pvpq, pq = self._pvpq, self._pq
        if self._dense is not None:
            y = self._dense
            v_norm = v / vm
            ds_dvm = v[:, None] * np.conj(y * v_norm[None, :])
            ds_dvm[self._diag] += np.conj(i_bus) * v_norm
            ds_dva = -1j * v[:, None] * np.conj(y * v[None, :])
            ds_dva[self._diag] += 1j * v * np.conj(i_bus)
            full = np.concatenate([np.concatenate([ds_dva.real, ds_dvm.real], axis=1),
                                   np.concatenate([ds_dva.imag, ds_dvm.imag], axis=1)])
            return full[self._j_index]
        from pandapower.pypower.dSbus_dV import dSbus_dV
        from scipy.sparse import bmat
        ds_dvm, ds_dva = dSbus_dV(self._ybus, v)
        return bmat([[ds_dva[pvpq][:, pvpq].real, ds_dvm[pvpq][:, pq].real],
                     [ds_dva[pq][:, pvpq].imag, ds_dvm[pq][:, pq].imag]], format="csr")

    def _results(self, v: np.ndarray, pd: np.ndarray) -> GridResult:
        """pandapower's result formulas (pfsoln, results_branch, results_gen)."""
        base = self._base_mva
        s_f = v[self._f] * np.conj(self._yf @ v) * base
        s_t = v[self._t] * np.conj(self._yt @ v) * base
        vm = np.abs(v)
        vm_kv = np.stack([vm[self._f] * self._base_kv[self._f], vm[self._t] * self._base_kv[
            self._t]], axis=1)
        s_ft = np.stack([np.abs(s_f), np.abs(s_t)], axis=1)
        i_ft = s_ft / vm_kv / SQRT3
        lp, tp = self._line_pos, self._trafo_pos
        lines_on, trafos_on = lp >= 0, tp >= 0
        with np.errstate(invalid="ignore", divide="ignore"):
            line = np.where(self._i_max != 0, np.max(i_ft[lp], axis=1) / self._i_max, np.inf)
            if self._trafo_current:
                load = i_ft[tp] * self._trafo_vn * SQRT3 / self._trafo_sn[:, None] * 100.0
            else:
                load = s_ft[tp] / self._trafo_sn[:, None] * 100.0
            trafo = np.max(load, axis=1) / self._trafo_div
        # pandapower reports 0 for a branch out of service (0 MW, 0 % loading)
        line, trafo = np.where(lines_on, line, 0.0), np.where(trafos_on, trafo, 0.0)
        if self._single_slack:
            p_ext = float(np.sum(s_f.real + s_t.real) + np.sum(pd))
        else:
            ref = self._ref
            p_ext = float(np.sum((v[ref] * np.conj((self._ybus @ v)[ref])).real * base + pd[ref]))
        return GridResult(
            bus_vm_pu=np.where(self._bus_ok, vm[self._bus_rows], np.nan),
            line_loading_percent=line * 100.0,
            trafo_loading_percent=trafo,
            ext_grid_p_mw=p_ext,
            branch_p_mw=np.concatenate([np.where(lines_on, s_f.real[lp], 0.0),
                                        np.where(trafos_on, s_f.real[tp], 0.0)]),
        )

    @staticmethod
    def compare(net: pandapower.pandapowerNet, mine: GridResult | None) -> str:
        """'' when ``mine`` matches ``net``'s result tables (1e-6 pu, 1e-6 relative)."""
        if mine is None:
            return "did not converge"
        pairs = {
            "bus_vm_pu": (mine.bus_vm_pu, net.res_bus["vm_pu"]),
            "line_loading_percent": (mine.line_loading_percent, net.res_line["loading_percent"]),
            "trafo_loading_percent": (mine.trafo_loading_percent,
                                      net.res_trafo["loading_percent"]),
            "ext_grid_p_mw": (np.array([mine.ext_grid_p_mw]), [net.res_ext_grid["p_mw"].sum()]),
            "branch_p_mw": (mine.branch_p_mw, np.concatenate([net.res_line["p_from_mw"],
                                                              net.res_trafo["p_hv_mw"]])),
        }
        for name, (a, b) in pairs.items():
            if not np.allclose(a, np.asarray(b, dtype=float), rtol=1e-6, atol=1e-6,
                               equal_nan=True):
                return name
        return ""


def _spsolve(j: object, rhs: np.ndarray) -> np.ndarray:
    from scipy.sparse.linalg import spsolve
    return spsolve(j, rhs)

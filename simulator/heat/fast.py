"""The fast hourly path of the heat adapter: pandapipes' internal tables reused hour to hour.

A plain ``pandapipes.pipeflow`` rebuilds its internal tables ("pit") on every call (~23 ms on
Schutterwald, half of it a quadratic conflict check) and then needs ~8 bidirectional Newton
sweeps (~4.5 ms each). :class:`FastHeat` keeps the pit of the last converged hour, writes only
the cells that the hourly inputs set (the list below), predicts the new state with
:mod:`simulator.heat.predict`, and runs pandapipes' own bidirectional Newton loop on it, which
then converges in one sweep: pandapipes' residual and step tolerances still decide, so a bad
prediction costs sweeps, not accuracy. Results are read from the pit with the formulas of
pandapipes' result extraction.

Input cells written each hour (what ``initialize_pit`` would write for the new inputs):

* branch ``TEXT``: pipes ``text_k``, every other branch the ``ambient_temperature`` option;
* heat consumers: ``QEXT`` = ``qext_w``, ``TOUTINIT`` = ``treturn_k`` (+ the component array);
* slack plant: ``TOUTINIT`` = ``t_flow_k``, ``PL`` = ``plift_bar`` and its flow junction's
  ``PINIT`` = ``p_flow_bar``;
* fixed-flow plants: ``MDOTINIT``, ``TOUTINIT`` (each plant its own supply temperature),
  ``ACTIVE`` (in service).

All of this leans on pandapipes 0.16.0 internals (``_pit``, ``_lookups``, ``IdxBranch``,
``BidirectionalCalculation``); the version is pinned and ``tests/test_solver_api.py`` checks the
written cells against a fresh ``initialize_pit`` and the reader against
``extract_all_results``. :meth:`FastHeat.self_check` does both once per network at run time;
a network that fails them, or that the predictor cannot handle (components other than pipes,
valves, flow controllers, heat consumers and circulation pumps; several pressure-holding
plants), keeps the plain path.
"""

from __future__ import annotations

import copy
import warnings

import numpy as np
import pandapipes
from pandapipes.idx_branch import IdxBranch
from pandapipes.idx_node import IdxNode
from pandapipes.pf.pipeflow_setup import PipeflowNotConverged
from pandapipes.pf.result_extraction import extract_all_results
from pandapipes.pipeflow import init_pipeflow

from simulator.heat import predict as hp
from simulator.heat.loops import predict_pressures
from simulator.heat.newton import Bidirectional, FastLinear, fluid_table
from simulator.heat.pit import (
    HC_QEXT,
    HC_TRETURN,
    PitLayout,
    apply_to_tables,
    compare_pits,
    pipe_losses_w,
    pipe_positions,
    plant_temperatures,
    read_result_tables,
    valve_rows,
)

#: what a failed pandapipes solve raises (the circ-pump reversal is a UserWarning)
SOLVER_ERRORS = (PipeflowNotConverged, UserWarning, ArithmeticError, ValueError, RuntimeError)


class FastHeat:
    """One network's fast path. Build with :meth:`create` right after a converged pipeflow."""

    def __init__(self, net: pandapipes.pandapipesNet, layout: PitLayout,
                 cp: FastLinear, rho: FastLinear | None, eta: FastLinear | None) -> None:
        self._net = net
        self.layout = layout
        self._cp, self._rho, self._eta = cp, rho, eta
        branch = net["_pit"]["branch"]
        self._static_kind = layout.kind.copy()
        self._alpha_l = branch[:, IdxBranch.ALPHA] * np.pi * branch[:, IdxBranch.DO] * branch[
            :, IdxBranch.LENGTH]
        self._last_temperatures: tuple[float, float] | None = None
        self.last_junction_t_k = np.zeros(0)
        self.last_junction_p_bar = np.zeros(0)
        self._connectivity: dict = {}
        self._pipe_positions = pipe_positions(net) if len(layout.pipe) else np.zeros(0, int)
        self._valve_rows = valve_rows(net)
        node = net["_pit"]["node"]
        self._hydraulic_data = tuple(np.ascontiguousarray(a, dtype=float) for a in (
            branch[:, IdxBranch.LENGTH], branch[:, IdxBranch.D], branch[:, IdxBranch.K],
            branch[:, IdxBranch.LOSS_COEFFICIENT], branch[:, IdxBranch.PL],
            node[:, IdxNode.HEIGHT]))
        tables = (rho, eta) if rho is not None and eta is not None else (cp, cp)
        self._fluid = (*tables[0].table(), *tables[1].table())
        self._checked = False
        #: why the self-check failed ('' if it passed or has not run yet)
        self.problem = ""

    @classmethod
    def create(cls, net: pandapipes.pandapipesNet) -> FastHeat | str:
        """A fast path for ``net`` (its pit must hold a converged solve), or why not."""
        layout = PitLayout.build(net)
        if isinstance(layout, str):
            return layout
        cp = fluid_table(net, "heat_capacity")
        if cp is None:
            return "the fluid's heat capacity is not a linear table"
        rho, eta = fluid_table(net, "density"), fluid_table(net, "viscosity")
        if rho is None or eta is None:
            if layout.meshed:
                return "meshed networks need linear density and viscosity tables"
            layout.pressures = False
        fast = cls(net, layout, cp, rho, eta)
        fast.remember()
        return fast

    # -- one hour ----------------------------------------------------------------------------
    def provisional(self, write: dict) -> dict[str, np.ndarray] | None:
        """Write the hour's inputs and predict its state: the raw results of the prediction.

        None if the predictor did not settle (the pit keeps the previous hour's state) or the
        first hour's self-check failed (:attr:`problem`). :meth:`verify` solves what is written.
        """
        if not self._checked:
            self._checked = True
            self.problem = self.self_check(write)
            if self.problem:
                return None
        else:
            self.write_inputs(**write)
        if not self.predict(write["q_w"], write["t_return_k"], write["t_ground_k"]):
            return None
        return self.read(predicted=True)

    def verify(self) -> dict[str, np.ndarray] | None:
        """pandapipes' solution from the pit as it stands: the raw results, or None."""
        try:
            ok = self.run()
        except SOLVER_ERRORS:
            ok = False
        return self.read() if ok else None

    def write_inputs(self, q_w: np.ndarray, t_return_k: float, t_supply_k: float | np.ndarray,
                     t_ground_k: float, fixed_mdot: np.ndarray, fixed_active: np.ndarray,
                     max_iter: int, plift_bar: float, p_flow_bar: float) -> None:
        """Write the hour's input cells into the pit (and the solver options)."""
        net, lay = self._net, self.layout
        branch = net["_pit"]["branch"]
        branch[lay.slack, IdxBranch.PL] = plift_bar
        net["_pit"]["node"][lay.b_to[lay.slack], IdxNode.PINIT] = p_flow_bar
        hc = net["_pit"]["components"]["heat_consumer"]
        branch[lay.pipe, IdxBranch.TEXT] = t_ground_k
        branch[lay.other_branches, IdxBranch.TEXT] = t_ground_k  # = ambient_temperature
        branch[lay.consumer, IdxBranch.QEXT] = q_w
        branch[lay.consumer, IdxBranch.TOUTINIT] = t_return_k
        hc[:, HC_QEXT] = q_w
        hc[:, HC_TRETURN] = t_return_k
        t_plant = plant_temperatures(t_supply_k, 1 + len(lay.fixed))
        branch[lay.slack, IdxBranch.TOUTINIT] = t_plant[0]
        if len(lay.fixed):
            branch[lay.fixed, IdxBranch.MDOTINIT] = fixed_mdot
            branch[lay.fixed, IdxBranch.TOUTINIT] = t_plant[1:]
            branch[lay.fixed, IdxBranch.ACTIVE] = fixed_active.astype(float)
        opts = net["_options"]
        opts["ambient_temperature"] = t_ground_k
        opts["alpha"] = 1.0
        opts["max_iter_bidirect"] = max_iter

    def predict(self, q_w: np.ndarray, t_return_k: float, t_ground_k: float) -> bool:
        """Overwrite the pit's state with the predicted solution of the written inputs."""
        net, lay = self._net, self.layout
        node, branch = net["_pit"]["node"], net["_pit"]["branch"]
        kind = self._static_kind.copy()
        if len(lay.fixed):
            kind[lay.fixed[branch[lay.fixed, IdxBranch.ACTIVE] == 0]] = hp.INACTIVE
        guess = self._first_guess(q_w, t_return_k, t_ground_k)
        cx, cy, cs = self._cp.table()
        m_set = branch[:, IdxBranch.MDOTINIT].copy()
        m_set[kind == hp.FORCED] = lay.forced_mdot[kind == hp.FORCED]
        q = branch[lay.chords, IdxBranch.MDOTINIT].copy()  # last hour's loop flows
        common = (guess, lay.consumer, q_w, np.full(len(q_w), t_return_k), kind, lay.b_from,
                  lay.b_to, self._alpha_l, branch[:, IdxBranch.TEXT].copy(),
                  branch[:, IdxBranch.TL].copy(), branch[:, IdxBranch.QEXT].copy(),
                  branch[:, IdxBranch.TOUTINIT].copy(), m_set, lay.slack, lay.comp, lay.order,
                  lay.parent, lay.parent_edge, lay.inc_ptr, lay.inc_branch, t_ground_k, cx, cy,
                  cs, 1000, 1e-10)
        state = (node[:, IdxNode.TINIT].copy(), branch[:, IdxBranch.TOUTINIT].copy())
        if lay.meshed:
            ok, _, m, t_out, t = hp.predict_state(*common, self._loops(q), self._fluid, *state)
        else:
            ok, _, m, t_out, t = hp.predict_radial(*common, lay.chords, q, *state)
        if not ok:
            return False
        live = kind != hp.INACTIVE
        node[:, IdxNode.TINIT] = t
        branch[live, IdxBranch.MDOTINIT] = m[live]
        branch[live, IdxBranch.TOUTINIT] = t_out[live]
        branch[:, IdxBranch.FROM_NODE_T_SWITCHED] = branch[:, IdxBranch.MDOTINIT] < -2e-11
        if lay.pressures:
            assert self._rho is not None and self._eta is not None
            node[:, IdxNode.PINIT] = predict_pressures(
                node[:, IdxNode.PINIT].copy(), m, t_out, t, lay.b_from, lay.b_to,
                branch[:, IdxBranch.LENGTH].copy(), branch[:, IdxBranch.D].copy(),
                branch[:, IdxBranch.K].copy(), branch[:, IdxBranch.LOSS_COEFFICIENT].copy(),
                branch[:, IdxBranch.PL].copy(), node[:, IdxNode.HEIGHT].copy(),
                node[:, IdxNode.PAMB].copy(), lay.order, lay.parent, lay.parent_edge,
                lay.slack, *self._rho.table(), *self._eta.table())
        return True

    def _loops(self, q: np.ndarray) -> tuple:
        """The loop data of :func:`simulator.heat.predict.predict_state` (chord flows ``q``)."""
        lay = self.layout
        return (lay.chords, q, lay.cyc_ptr, lay.cyc_branch, lay.cyc_sign, *self._hydraulic_data)

    def _first_guess(self, q_w: np.ndarray, t_return_k: float, t_ground_k: float
                     ) -> np.ndarray:
        """Consumer flows (kg/s) from the pit's last inlet temperatures, shifted to the new
        supply and ground temperatures in proportion (the losses scale with T - T_ground)."""
        node, branch, lay = self._net["_pit"]["node"], self._net["_pit"]["branch"], self.layout
        t_in = node[lay.b_from[lay.consumer], IdxNode.TINIT]
        t_supply = float(branch[lay.slack, IdxBranch.TOUTINIT])
        if self._last_temperatures is not None:
            ts0, tg0 = self._last_temperatures
            if abs(ts0 - tg0) > 1.0:
                t_in = t_ground_k + (t_in - tg0) / (ts0 - tg0) * (t_supply - t_ground_k)
        self._last_temperatures = (t_supply, t_ground_k)
        cp = 0.5 * (self._cp(t_in) + self._cp(t_return_k))
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(t_in > t_return_k + 0.1, q_w / (cp * (t_in - t_return_k)),
                            q_w / (cp * 30.0))

    def run(self) -> bool:
        """pandapipes' bidirectional Newton loop on the pit as it stands; True if converged."""
        net = self._net
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            Bidirectional(self._connectivity).run(net)
        if not net.converged:
            return False
        mdot = net["_pit"]["branch"][self._plant_rows(), IdxBranch.MDOTINIT]
        # pandapipes' result extraction raises on a reversed circulation pump
        return not np.any((mdot < 0) & ~np.isclose(mdot, 0))

    def remember(self) -> None:
        """Keep the junction state of the pit (the warm start of a plain fallback)."""
        node = self._net["_pit"]["node"]
        self.last_junction_t_k = node[self.layout.junction, IdxNode.TINIT].copy()
        self.last_junction_p_bar = node[self.layout.junction, IdxNode.PINIT].copy()

    def _plant_rows(self) -> np.ndarray:
        return np.concatenate([[self.layout.slack], self.layout.fixed]).astype(np.int64)

    # -- results -----------------------------------------------------------------------------
    def read(self, predicted: bool = False) -> dict[str, np.ndarray]:
        """The raw result arrays of the pit (see :func:`read_result_tables`).

        After a solve, elements count as connected as pandapipes' connectivity lookups say;
        for a ``predicted`` state (before the solve; all nodes are connected in the networks
        the fast path takes) as this hour's in-service flags say.
        """
        net, lay = self._net, self.layout
        node, branch = net["_pit"]["node"], net["_pit"]["branch"]
        t, p = node[:, IdxNode.TINIT], node[:, IdxNode.PINIT]
        live = branch[:, IdxBranch.ACTIVE] != 0
        hyd = live if predicted else net["_lookups"]["branch_active_hydraulics"]
        heat = live if predicted else net["_lookups"]["branch_active_heat_transfer"]

        def rows(r: np.ndarray) -> dict[str, np.ndarray]:
            f, to = lay.b_from[r], lay.b_to[r]
            h, th = hyd[r], heat[r]
            return {
                "mdot": np.where(h, branch[r, IdxBranch.MDOTINIT], np.nan),
                "p_from": np.where(h, p[f], np.nan), "p_to": np.where(h, p[to], np.nan),
                "t_from": np.where(th, t[f], np.nan), "t_to": np.where(th, t[to], np.nan),
                "t_out": np.where(th, branch[r, IdxBranch.TOUTINIT], np.nan),
            }

        c, pl = rows(lay.consumer), rows(self._plant_rows())
        first, last = rows(lay.pipe_first), rows(lay.pipe_last)
        pi = {"mdot": first["mdot"], "t_from": first["t_from"], "t_to": last["t_to"],
              "t_out": last["t_out"]}
        r = self._plant_rows()
        t_in = t[np.where(branch[r, IdxBranch.FROM_NODE_T_SWITCHED] != 0, lay.b_to[r],
                          lay.b_from[r])]
        t_out = branch[r, IdxBranch.TOUTINIT]
        cp = (self._cp(t_in) + self._cp(t_out)) / 2
        q_plant = np.where(hyd[r] & heat[r], branch[r, IdxBranch.MDOTINIT] * cp * (t_out - t_in),
                           np.nan)
        return {
            "consumer_q_w": np.where(hyd[lay.consumer] & heat[lay.consumer],
                                     branch[lay.consumer, IdxBranch.QEXT], np.nan),
            "consumer_t_from_k": c["t_from"], "consumer_p_from_bar": c["p_from"],
            "consumer_p_to_bar": c["p_to"],
            "junction_t_k": t[lay.junction].copy(), "junction_p_bar": p[lay.junction].copy(),
            "consumer_mdot_kg_per_s": c["mdot"],
            "valve_mdot_kg_per_s": np.where(hyd[self._valve_rows],
                                            branch[self._valve_rows, IdxBranch.MDOTINIT], np.nan),
            "pipe_mdot_kg_per_s": pi["mdot"], "pipe_t_from_k": pi["t_from"],
            "pipe_t_to_k": pi["t_to"], "pipe_t_outlet_k": pi["t_out"],
            "pipe_loss_w": pipe_losses_w(net, hyd & heat, self._pipe_positions),
            "plant_q_w": q_plant, "plant_mdot_kg_per_s": pl["mdot"], "plant_t_to_k": pl["t_to"],
            "plant_t_from_k": pl["t_from"], "plant_p_from_bar": pl["p_from"],
            "plant_p_to_bar": pl["p_to"],
        }

    def iterations(self) -> float:
        return float(self._net["_internal_results"]["iterations_bidirectional"])

    # -- run-time guards ---------------------------------------------------------------------
    def self_check(self, write: dict) -> str:
        """Compare this path with pandapipes' own on the current, converged pit; '' if equal.

        ``write`` holds :meth:`write_inputs` arguments for a probe hour: the cells written must
        equal what a fresh ``initialize_pit`` writes for the same inputs, and :meth:`read`
        must equal ``extract_all_results``.
        """
        net = self._net
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            extract_all_results(net)
        tables = read_result_tables(net)
        mine = self.read()
        for key, value in tables.items():
            if not np.allclose(value, mine[key], rtol=1e-12, atol=1e-12, equal_nan=True):
                return f"pit reader differs from extract_all_results in {key}"
        fresh = copy.deepcopy(net)
        self.write_inputs(**write)
        apply_to_tables(fresh, write)
        fresh.junction["tfluid_k"] = net["_pit"]["node"][self.layout.junction, IdxNode.TINIT]
        fresh.junction["pn_bar"] = net["_pit"]["node"][self.layout.junction, IdxNode.PINIT]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            init_pipeflow(fresh, **{k: net["_options"][k] for k in (
                "mode", "max_iter_bidirect", "ambient_temperature", "alpha")})
        return compare_pits(net, fresh, self.layout)

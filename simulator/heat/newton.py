"""pandapipes' bidirectional Newton loop with its per-call overhead cached (heat room).

:class:`FastLinear` replaces scipy's ``interp1d`` for the fluid property tables (bit-identical,
~6x cheaper per call); :class:`Bidirectional` keeps pandapipes' connectivity search and active
pit bookkeeping between calls while the network's structure is unchanged. Both lean on
pandapipes 0.16.0 internals, guarded by ``tests/test_solver_api.py``.
"""

from __future__ import annotations

import copy
from typing import ClassVar

import numpy as np
import pandapipes
from pandapipes.idx_branch import IdxBranch
from pandapipes.idx_node import IdxNode
from pandapipes.pf.calculation import (
    BidirectionalCalculation,
    solve_hydraulics,
    solve_temperature,
)
from pandapipes.properties.fluids import FluidPropertyConstant, FluidPropertyInterExtra


class FastLinear:
    """``interp1d(kind="linear", fill_value="extrapolate")`` without its per-call overhead.

    Same arithmetic as scipy's ``_call_linear`` (bit-identical results), ~6x cheaper per call;
    pandapipes evaluates fluid properties ~40 times per Newton sweep.
    """

    def __init__(self, x: np.ndarray, y: np.ndarray) -> None:
        self.x = np.ascontiguousarray(x, dtype=float)
        self.y = np.ascontiguousarray(y, dtype=float).ravel()
        self.slope = (self.y[1:] - self.y[:-1]) / (self.x[1:] - self.x[:-1])
        self._last = len(self.x) - 1

    def __call__(self, x_new: np.ndarray | float) -> np.ndarray:
        x_new = np.asarray(x_new, dtype=float)
        i = np.minimum(np.maximum(self.x.searchsorted(x_new), 1), self._last) - 1
        return self.slope[i] * (x_new - self.x[i]) + self.y[i]

    def table(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        return self.x, self.y, self.slope


def fluid_table(net: pandapipes.pandapipesNet, name: str) -> FastLinear | None:
    """The fluid property ``name`` as a linear table, patched into the fluid; None if not one."""
    prop = net.fluid.all_properties.get(name)
    if isinstance(prop, FluidPropertyConstant) and np.ndim(prop.value) == 0:
        return FastLinear(np.array([0.0, 1.0]), np.array([prop.value, prop.value], float))
    if not isinstance(prop, FluidPropertyInterExtra):
        return None
    getter = prop.prop_getter
    if isinstance(getter, FastLinear):
        return getter
    # scipy's interp1d internals (linear, extrapolating, one column of values)
    y = getattr(getter, "_y", None)
    if (getattr(getter, "_kind", None) != "linear" or not getattr(getter, "_extrapolate", False)
            or y is None or np.ndim(y) != 2 or y.shape[1] != 1):
        return None
    fast = FastLinear(getter.x, y)
    prop.prop_getter = fast
    return fast


class Bidirectional(BidirectionalCalculation):
    """pandapipes' bidirectional Newton loop with its per-call bookkeeping cached.

    * ``prepare``: the connectivity search depends only on the in-service flags and node types
      (and the static topology), so its result is kept while those pit columns are unchanged;
    * ``solve_step``: while every node and branch is active, pandapipes' ``reduce_pit`` and
      ``extract_results_active_pit_*`` amount to copying the pit, deep-copying its lookups and
      copying columns back; that is done here without the per-call rebuilding. The Newton steps
      themselves are pandapipes' ``solve_hydraulics`` and ``solve_temperature``.
    """

    LOOKUPS = ("node_active_hydraulics", "branch_active_hydraulics",
               "node_active_heat_transfer", "branch_active_heat_transfer")
    #: columns pandapipes' extraction does not copy back after the hydraulic / thermal step
    KEEP: ClassVar[dict[str, tuple[tuple[int, ...], tuple[int, ...]]]] = {
        "hydraulics": ((IdxNode.TINIT,), (IdxBranch.FROM_NODE, IdxBranch.TO_NODE,
                                          IdxBranch.TOUTINIT)),
        "heat_transfer": ((IdxNode.PINIT,), (IdxBranch.FROM_NODE, IdxBranch.TO_NODE,
                                             IdxBranch.MDOTINIT))}

    def __init__(self, cache: dict) -> None:
        self._cache = cache

    def prepare(self, net: pandapipes.pandapipesNet) -> None:
        node, branch = net["_pit"]["node"], net["_pit"]["branch"]
        key = (node[:, [IdxNode.ACTIVE, IdxNode.NODE_TYPE, IdxNode.NODE_TYPE_T]].tobytes(),
               branch[:, IdxBranch.ACTIVE].tobytes())
        lookups = net["_lookups"]
        if self._cache.get("key") != key:
            super().prepare(net)
            self._cache.clear()
            self._cache.update({"key": key,
                                **{name: lookups[name].copy() for name in self.LOOKUPS}})
            self._cache["all_active"] = all(np.all(lookups[n]) for n in self.LOOKUPS)
        for name in self.LOOKUPS:
            lookups[name] = self._cache[name].copy()

    def solve_step(self, net: pandapipes.pandapipesNet) -> tuple:
        if not self._cache.get("all_active"):
            return super().solve_step(net)
        res_hyd, residual_hyd, filter_hyd = self._step(net, "hydraulics", solve_hydraulics)
        res_heat, residual_heat, filter_heat = self._step(net, "heat_transfer",
                                                          solve_temperature)
        return (res_hyd + res_heat, np.concatenate([residual_hyd, residual_heat]),
                filter_hyd + filter_heat)

    def _step(self, net: pandapipes.pandapipesNet, mode: str, solve: object) -> tuple:
        """``reduce_pit``, one Newton step, ``extract_results_active_pit_*``: all active."""
        pit, lookups = net["_pit"], net["_lookups"]
        if "active_lookups" not in self._cache:
            # what copy_lookups writes when nothing is reduced (for both kinds it copies the
            # branch from_to lookup)
            self._cache["active_lookups"] = {
                f"{kind}_{what}_active_{m}": copy.deepcopy(
                    lookups[f"branch_{what}" if what == "from_to" else f"{kind}_{what}"])
                for kind in ("branch", "node") for what in ("from_to", "index")
                for m in ("hydraulics", "heat_transfer")}
        for name, value in self._cache["active_lookups"].items():
            if name.endswith(mode):
                lookups[name] = value
        net["_active_pit"] = {"branch": pit["branch"].copy(), "node": pit["node"].copy(),
                              "components": {k: v.copy() for k, v in pit["components"].items()}}
        old = net["_old_pit"]
        net["_active_old_pit"] = {"branch": old["branch"].copy(), "node": old["node"].copy()}
        result = solve(net)  # type: ignore[operator]
        keep_node, keep_branch = self.KEEP[mode]
        for kind, keep in (("node", keep_node), ("branch", keep_branch)):
            cols = self._cache.setdefault(f"cols_{kind}_{mode}", np.array(
                [c for c in range(pit[kind].shape[1]) if c not in keep]))
            pit[kind][:, cols] = net["_active_pit"][kind][:, cols]
        return result

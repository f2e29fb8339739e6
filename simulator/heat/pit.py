"""Where a pandapipes network sits in pandapipes' internal tables ("pit"), for the fast path.

:class:`PitLayout` reads the rows of every element and the supply/return trees the predictor
walks from a converged pit; :func:`compare_pits` and :func:`read_result_tables` are the
references the fast path is checked against (a fresh ``initialize_pit``, pandapipes' own result
tables). pandapipes 0.16.0 internals: pinned, and guarded by ``tests/test_solver_api.py``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandapipes
from pandapipes.idx_branch import IdxBranch
from pandapipes.idx_node import IdxNode
from pandapipes.pf.pipeflow_setup import get_lookup
from scipy.sparse import coo_matrix, csgraph

from simulator.heat import predict as hp
from simulator.heat.loops import fundamental_cycles

#: branch tables the fast path understands, with their predictor kind (an active flow
#: controller is FORCED, an inactive one PASSIVE)
BRANCH_KINDS = {"pipe": hp.PASSIVE, "valve": hp.PASSIVE, "heat_consumer": hp.CONSUMER,
                "circ_pump_mass": hp.FIXED, "circ_pump_pressure": hp.SLACK,
                "flow_control": hp.FORCED}
#: tables of internal nodes the predictor walks like junctions (pipe sections, valves on pipes)
INTERNAL_NODES = ("pipe_nodes", "valve_nodes")
QE_TR = 5  # HeatConsumer mode qext_w + treturn_k
HC_QEXT, HC_TRETURN, HC_MODE = 1, 3, 4  # HeatConsumer component-array columns
FC_ACTIVE, FC_MDOT = 0, 1  # FlowControl component-array columns
#: pit columns a solve may legitimately change (the warm-start state and per-sweep helpers)
NODE_STATE = (IdxNode.TINIT, IdxNode.PINIT, IdxNode.MDOTSLACKINIT, IdxNode.INFEED)
BRANCH_STATE = (IdxBranch.MDOTINIT, IdxBranch.TOUTINIT, IdxBranch.RE, IdxBranch.LAMBDA,
                IdxBranch.DP_FRICT_LOSS, IdxBranch.FROM_NODE_T_SWITCHED)


@dataclass
class PitLayout:
    """Where the network's elements sit in the pit, and the trees the predictor walks."""

    kind: np.ndarray  # predictor kind per branch (INACTIVE set per hour for fixed plants)
    b_from: np.ndarray
    b_to: np.ndarray
    consumer: np.ndarray  # branch rows of the heat consumers (table order)
    slack: int  # branch row of the slack plant
    fixed: np.ndarray  # branch rows of the fixed-flow plants (table order)
    pipe: np.ndarray  # branch rows of every pipe section
    pipe_first: np.ndarray  # per pipe (table order): the section at its from-junction
    pipe_last: np.ndarray  # per pipe (table order): the section at its to-junction
    junction: np.ndarray  # node rows of the junctions (table order)
    other_branches: np.ndarray  # rows whose TEXT is the ambient option
    comp: np.ndarray  # component (tree) id per node
    order: np.ndarray  # BFS order, roots (slack flow node, return node) first
    parent: np.ndarray
    parent_edge: np.ndarray
    inc_ptr: np.ndarray
    inc_branch: np.ndarray
    pressures: bool  # the pressure predictor applies (nikuradse, slack node P-type)
    forced_mdot: np.ndarray  # per branch: the flow of an active flow controller (kg/s)
    chords: np.ndarray  # passive branches closing a loop (empty for a radial network)
    cyc_ptr: np.ndarray  # the cycle of each chord (see loops.fundamental_cycles)
    cyc_branch: np.ndarray
    cyc_sign: np.ndarray

    @property
    def meshed(self) -> bool:
        return len(self.chords) > 0

    @classmethod
    def build(cls, net: pandapipes.pandapipesNet) -> PitLayout | str:
        """The layout of a converged pit, or why the fast path cannot take this network."""
        opts = net["_options"]
        if net.fluid.is_gas or opts.get("transient"):
            return "gas or transient networks"
        for table, (f, t) in get_lookup(net, "node", "from_to").items():
            if t > f and table != "junction" and table not in INTERNAL_NODES:
                return f"internal nodes of '{table}' are not supported"
        kind = _kinds(net)
        if isinstance(kind, str):
            return kind
        problem = _check_elements(net, kind)
        if problem:
            return problem
        node, branch = net["_pit"]["node"], net["_pit"]["branch"]
        b_ft = get_lookup(net, "branch", "from_to")
        b_from = branch[:, IdxBranch.FROM_NODE].astype(np.int64)
        b_to = branch[:, IdxBranch.TO_NODE].astype(np.int64)
        passive = kind == hp.PASSIVE
        n = len(node)
        graph = coo_matrix((np.ones(passive.sum()), (b_from[passive], b_to[passive])),
                           shape=(n, n))
        _, comp = csgraph.connected_components(graph, directed=False)
        slack = int(np.arange(*b_ft["circ_pump_pressure"])[
            branch[slice(*b_ft["circ_pump_pressure"]), IdxBranch.ACTIVE] != 0][0])
        order, parent, parent_edge = _bfs(n, b_from, b_to, np.flatnonzero(passive),
                                          [int(b_to[slack]), int(b_from[slack])])
        tree = np.zeros(len(branch), dtype=bool)
        tree[parent_edge[parent_edge >= 0]] = True
        chords = np.flatnonzero(passive & ~tree)
        nikuradse = opts.get("friction_model") == "nikuradse"
        if len(chords) and not nikuradse:
            return "meshed networks need the 'nikuradse' friction model"
        inc_ptr, inc_branch = _incidence(n, b_from, b_to)
        junction = get_lookup(net, "node", "index")["junction"][net.junction.index.to_numpy()]
        fixed = np.arange(*b_ft["circ_pump_mass"]) if "circ_pump_mass" in b_ft else np.zeros(0)
        pipe = np.arange(*b_ft["pipe"]) if "pipe" in b_ft else np.zeros(0, dtype=np.int64)
        first, last = _pipe_ends(net, pipe, b_from, b_to)
        pressures = (nikuradse and node[b_to[slack], IdxNode.NODE_TYPE] == IdxNode.P
                     and comp[b_to[slack]] != comp[b_from[slack]])
        return cls(kind, b_from, b_to, np.arange(*b_ft["heat_consumer"]), slack,
                   fixed.astype(np.int64), pipe.astype(np.int64), first, last,
                   junction.astype(np.int64), np.setdiff1d(np.arange(len(branch)), pipe),
                   comp.astype(np.int64), order, parent, parent_edge, inc_ptr, inc_branch,
                   bool(pressures), _forced_mdot(net, kind), chords.astype(np.int64),
                   *fundamental_cycles(b_from, b_to, chords, parent, parent_edge))


def _kinds(net: pandapipes.pandapipesNet) -> np.ndarray | str:
    """Predictor kind of every pit branch, or the component the fast path does not know."""
    branch = net["_pit"]["branch"]
    kind = np.full(len(branch), -1, dtype=np.int64)
    for table, (f, t) in get_lookup(net, "branch", "from_to").items():
        if t > f:
            if table not in BRANCH_KINDS:
                return f"component '{table}' is not supported"
            kind[f:t] = BRANCH_KINDS[table]
    active = branch[:, IdxBranch.ACTIVE].astype(bool)
    if "flow_control" in net["_pit"]["components"]:
        f, t = get_lookup(net, "branch", "from_to")["flow_control"]
        fc = net["_pit"]["components"]["flow_control"]
        kind[f:t] = np.where(fc[:, FC_ACTIVE] != 0, hp.FORCED, hp.PASSIVE)
    moving = np.isin(kind, (hp.PASSIVE, hp.CONSUMER, hp.FORCED))
    kind[moving & ~active] = hp.INACTIVE
    return kind


def _check_elements(net: pandapipes.pandapipesNet, kind: np.ndarray) -> str:
    """Why the consumers, plants or nodes do not fit the fast path; '' if they do."""
    node, branch = net["_pit"]["node"], net["_pit"]["branch"]
    b_ft = get_lookup(net, "branch", "from_to")
    hc = net["_pit"]["components"]["heat_consumer"]
    consumer = np.arange(*b_ft["heat_consumer"])
    if np.any(kind[consumer] == hp.INACTIVE) or np.any(hc[:, HC_MODE] != QE_TR):
        return "heat consumers out of service or not in qext_w + treturn_k mode"
    slack_rows = np.arange(*b_ft["circ_pump_pressure"])
    slack_rows = slack_rows[branch[slack_rows, IdxBranch.ACTIVE] != 0]
    if len(slack_rows) != 1 or not np.isin(net.circ_pump_pressure["type"], ["pt"]).all():
        return "exactly one pressure-and-temperature (type 'pt') slack plant is needed"
    if not (np.all(node[:, IdxNode.ACTIVE] == 1)
            and np.all(net["_lookups"]["node_active_hydraulics"])
            and np.all(net["_lookups"]["node_active_heat_transfer"])):
        return "inactive or disconnected nodes"
    return ""


def _forced_mdot(net: pandapipes.pandapipesNet, kind: np.ndarray) -> np.ndarray:
    """The set flow of every active flow controller's branch (kg/s), 0 elsewhere."""
    out = np.zeros(len(kind))
    if "flow_control" in net["_pit"]["components"]:
        f, t = get_lookup(net, "branch", "from_to")["flow_control"]
        fc = net["_pit"]["components"]["flow_control"]
        out[f:t] = np.where(kind[f:t] == hp.FORCED, np.nan_to_num(fc[:, FC_MDOT]), 0.0)
    return out


def _pipe_ends(net: pandapipes.pandapipesNet, rows: np.ndarray, b_from: np.ndarray,
               b_to: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per pipe (table order) the branch row of the section at its from- and to-junction."""
    index = get_lookup(net, "node", "index")["junction"]
    if not len(rows):
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    element = net["_pit"]["branch"][rows, IdxBranch.ELEMENT_IDX].astype(np.int64)
    first = np.empty(len(net.pipe), dtype=np.int64)
    last = np.empty(len(net.pipe), dtype=np.int64)
    for i, (idx, fj, tj) in enumerate(zip(net.pipe.index, net.pipe["from_junction"],
                                          net.pipe["to_junction"], strict=True)):
        own = rows[element == idx]
        at_from, at_to = own[b_from[own] == index[fj]], own[b_to[own] == index[tj]]
        # a valve on the pipe ('pi') moves an end to its own node: the outermost section then
        first[i] = at_from[0] if len(at_from) else own[0]
        last[i] = at_to[0] if len(at_to) else own[-1]
    return first, last


def _bfs(n: int, b_from: np.ndarray, b_to: np.ndarray, edges: np.ndarray, roots: list[int]
         ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Breadth-first order of a forest, the given roots first; parent node and edge per node."""
    adjacency: list[list[tuple[int, int]]] = [[] for _ in range(n)]
    for e in edges:
        adjacency[b_from[e]].append((int(b_to[e]), int(e)))
        adjacency[b_to[e]].append((int(b_from[e]), int(e)))
    parent = np.full(n, -1, dtype=np.int64)
    parent_edge = np.full(n, -1, dtype=np.int64)
    seen = np.zeros(n, dtype=bool)
    order: list[int] = []
    for root in [*roots, *range(n)]:
        if seen[root]:
            continue
        seen[root] = True
        start = len(order)
        order.append(root)
        while start < len(order):
            u = order[start]
            start += 1
            for v, e in adjacency[u]:
                if not seen[v]:
                    seen[v] = True
                    parent[v], parent_edge[v] = u, e
                    order.append(v)
    return np.array(order, dtype=np.int64), parent, parent_edge


def _incidence(n: int, b_from: np.ndarray, b_to: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Branches at each node, CSR-style (``inc_branch[inc_ptr[v]:inc_ptr[v + 1]]``)."""
    ends = np.concatenate([b_from, b_to])
    branches = np.concatenate([np.arange(len(b_from)), np.arange(len(b_to))])
    keep = np.concatenate([np.ones(len(b_from), bool), b_to != b_from])
    ends, branches = ends[keep], branches[keep]
    order = np.argsort(ends, kind="stable")
    ptr = np.zeros(n + 1, dtype=np.int64)
    np.add.at(ptr, ends + 1, 1)
    return np.cumsum(ptr), branches[order].astype(np.int64)


def valve_rows(net: pandapipes.pandapipesNet) -> np.ndarray:
    """Branch rows of the valves (table order), empty without valves."""
    b_ft = get_lookup(net, "branch", "from_to")
    return np.arange(*b_ft["valve"]) if "valve" in b_ft else np.zeros(0, dtype=np.int64)


def plant_temperatures(t_supply_k: float | np.ndarray, n_plants: int) -> np.ndarray:
    """Supply temperature (K) of each plant, slack first, from one value or one per plant."""
    return np.broadcast_to(np.asarray(t_supply_k, dtype=float), (n_plants,))


def apply_to_tables(net: pandapipes.pandapipesNet, write: dict) -> None:
    """Write :meth:`FastHeat.write_inputs` arguments into the tables, as the plain path does."""
    n_fixed = len(net.circ_pump_mass) if "circ_pump_mass" in net else 0
    t_plant = plant_temperatures(write["t_supply_k"], 1 + n_fixed)
    net.heat_consumer["qext_w"] = write["q_w"]
    net.heat_consumer["treturn_k"] = write["t_return_k"]
    net.circ_pump_pressure["t_flow_k"] = t_plant[0]
    slack = net.circ_pump_pressure.index[net.circ_pump_pressure["in_service"]]
    net.circ_pump_pressure.loc[slack, "plift_bar"] = write["plift_bar"]
    net.circ_pump_pressure.loc[slack, "p_flow_bar"] = write["p_flow_bar"]
    net.pipe["text_k"] = write["t_ground_k"]
    if "circ_pump_mass" in net and len(net.circ_pump_mass):
        net.circ_pump_mass["t_flow_k"] = t_plant[1:]
        net.circ_pump_mass["mdot_flow_kg_per_s"] = write["fixed_mdot"]
        net.circ_pump_mass["in_service"] = write["fixed_active"]


def compare_pits(net: pandapipes.pandapipesNet, fresh: pandapipes.pandapipesNet,
                 layout: PitLayout) -> str:
    """'' if ``net``'s pit equals the freshly initialised one outside the solver state."""
    for kind, state in (("node", NODE_STATE), ("branch", BRANCH_STATE)):
        a, b = net["_pit"][kind], fresh["_pit"][kind]
        cols = [c for c in range(a.shape[1]) if c not in state]
        if a.shape != b.shape or not np.array_equal(a[:, cols], b[:, cols], equal_nan=True):
            return f"{kind} pit differs from a fresh initialize_pit outside the solver state"
    a, b = net["_pit"]["branch"], fresh["_pit"]["branch"]
    fixed_t = np.concatenate([[layout.slack], layout.fixed, layout.consumer]).astype(np.int64)
    if not (np.array_equal(a[fixed_t, IdxBranch.TOUTINIT], b[fixed_t, IdxBranch.TOUTINIT])
            and np.array_equal(a[layout.fixed, IdxBranch.MDOTINIT],
                               b[layout.fixed, IdxBranch.MDOTINIT])):
        return "set points in TOUTINIT/MDOTINIT differ from a fresh initialize_pit"
    for name, arr in net["_pit"]["components"].items():
        if not np.array_equal(arr, fresh["_pit"]["components"][name], equal_nan=True):
            return f"component array '{name}' differs from a fresh initialize_pit"
    return ""


def pipe_positions(net: pandapipes.pandapipesNet) -> np.ndarray:
    """Table position (0..n-1) of the pipe each pit row of the pipe table belongs to."""
    rows = np.arange(*get_lookup(net, "branch", "from_to")["pipe"])
    index = net.pipe.index.to_numpy()
    order = np.argsort(index)
    element = net["_pit"]["branch"][rows, IdxBranch.ELEMENT_IDX].astype(np.int64)
    return order[np.searchsorted(index[order], element)]


def pipe_losses_w(net: pandapipes.pandapipesNet, active: np.ndarray | None = None,
                  positions: np.ndarray | None = None) -> np.ndarray:
    """Heat lost to the ground by each pipe (W, table order): ``|m| cp (T_in - T_out)`` per
    section from the pit, summed over the pipe's sections (``res_pipe`` gives only the last
    section's outlet, which is not the pipe's outlet when the flow runs to -> from).
    ``active``: branches counted (default: pandapipes' heat-transfer connectivity)."""
    out = np.zeros(len(net.pipe))
    b_ft = get_lookup(net, "branch", "from_to")
    if "pipe" not in b_ft or not len(net.pipe):
        return out
    rows = np.arange(*b_ft["pipe"])
    node, branch = net["_pit"]["node"], net["_pit"]["branch"]
    if active is None:
        active = (net["_lookups"]["branch_active_heat_transfer"]
                  & net["_lookups"]["branch_active_hydraulics"])
    mdot = branch[rows, IdxBranch.MDOTINIT]
    t_from = node[branch[rows, IdxBranch.FROM_NODE].astype(np.int64), IdxNode.TINIT]
    t_to = node[branch[rows, IdxBranch.TO_NODE].astype(np.int64), IdxNode.TINIT]
    t_in = np.where(mdot >= 0, t_from, t_to)
    t_out = branch[rows, IdxBranch.TOUTINIT]
    cp = np.asarray(net.fluid.get_heat_capacity(0.5 * (t_in + t_out)))
    loss = np.where(active[rows], np.abs(mdot) * cp * (t_in - t_out), 0.0)
    if positions is None:
        positions = pipe_positions(net)
    if len(positions) == len(out) and np.array_equal(positions, np.arange(len(out))):
        return np.nan_to_num(loss)  # one section per pipe, in table order
    np.add.at(out, positions, np.nan_to_num(loss))
    return out


def read_result_tables(net: pandapipes.pandapipesNet) -> dict[str, np.ndarray]:
    """The raw result arrays from pandapipes' result tables (the plain path's reader)."""
    res_c, res_pipe = net.res_heat_consumer, net.res_pipe
    plants = [net.res_circ_pump_pressure] + (
        [net.res_circ_pump_mass] if "circ_pump_mass" in net and len(net.circ_pump_mass) else [])

    def col(frame: object, name: str) -> np.ndarray:
        return frame[name].to_numpy(dtype=float)  # type: ignore[index]

    def plant(name: str) -> np.ndarray:
        return np.concatenate([col(f, name) for f in plants])

    return {
        "consumer_q_w": col(res_c, "qext_w"), "consumer_t_from_k": col(res_c, "t_from_k"),
        "consumer_p_from_bar": col(res_c, "p_from_bar"),
        "consumer_p_to_bar": col(res_c, "p_to_bar"),
        "junction_t_k": col(net.res_junction, "t_k"),
        "junction_p_bar": col(net.res_junction, "p_bar"),
        "consumer_mdot_kg_per_s": col(res_c, "mdot_from_kg_per_s"),
        "valve_mdot_kg_per_s": (col(net.res_valve, "mdot_from_kg_per_s")
                                if "valve" in net and len(net.valve) else np.zeros(0)),
        "pipe_mdot_kg_per_s": col(res_pipe, "mdot_from_kg_per_s"),
        "pipe_t_from_k": col(res_pipe, "t_from_k"), "pipe_t_to_k": col(res_pipe, "t_to_k"),
        "pipe_t_outlet_k": col(res_pipe, "t_outlet_k"), "pipe_loss_w": pipe_losses_w(net),
        "plant_q_w": plant("qext_w"), "plant_mdot_kg_per_s": plant("mdot_from_kg_per_s"),
        "plant_t_to_k": plant("t_to_k"), "plant_t_from_k": plant("t_from_k"),
        "plant_p_from_bar": plant("p_from_bar"), "plant_p_to_bar": plant("p_to_bar"),
    }

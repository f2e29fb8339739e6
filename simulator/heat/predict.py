"""Warm-start predictor for the fast heat path: the next hour's state of a radial network.

pandapipes' bidirectional mode alternates one hydraulic and one thermal Newton step; with
``qext_w + treturn_k`` consumers the mass flows depend on the temperatures, so each hour takes
~8 of those sweeps whatever the start (measured on Schutterwald: 8 from the previous hour's
full state, 10 cold). This module solves the *same discrete equations* for a network whose pipes
and valves form a forest (every district-heating supply and return tree): mass flows follow from
continuity alone once the consumer flows are known, temperatures from one topological sweep
along the flow. Iterating "consumer flows <- inlet temperatures" to round-off takes microseconds
in numba. Written into pandapipes' internal tables, the state makes pandapipes converge in one
iteration; pandapipes stays the solver of record (its own residual and step tolerances decide),
and a wrong prediction only costs iterations, never correctness.

The equations mirror pandapipes 0.16 (``derivative_toolbox_numba``, ``heat_consumer_component``):

* pipe/valve outlet, flowing: ``T_out = T_ext + (T_in - T_ext) exp(-U pi D_o L / (cp m))
  + T_lift - Q_ext / (cp m)`` with ``cp = (cp(T_in) + cp(T_out)) / 2``; stagnant: ambient;
* node: ``sum_in cp_n m (T_out - T_node) = 0`` with ``cp_n = (cp(T_out) + cp(T_node)) / 2``;
* consumer (qext + treturn): ``m = Q / (cp (T_in - T_return))``, 0 when ``Q = 0`` or
  ``T_in <= T_return``;
* pipe/valve pressure: ``p_f + p_amb,f - p_t - p_amb,t + p_lift + rho g (h_f - h_t) / 1e5
  = (L lambda / D + zeta) m |m| / (2 A^2 rho 1e5)`` with ``lambda = 64 / Re + lambda_nikuradse``.

Fluid properties are piecewise-linear tables ``(x, y, slope)``, evaluated exactly as
``scipy.interpolate.interp1d(kind="linear", fill_value="extrapolate")`` does.

Branch kinds: ``PASSIVE`` (pipe section, valve), ``CONSUMER``, ``FIXED`` (fixed-flow plant: mass
flow and outlet temperature given), ``SLACK`` (the pressure-holding plant: outlet temperature
given, carries the balance), ``FORCED`` (an active flow controller: mass flow given, passive to
heat), ``INACTIVE`` (out of service: ignored).

Meshed networks: the passive branches outside a spanning forest (chords) carry flows ``q`` that
:mod:`simulator.heat.loops` finds from the loop pressure equations, one Newton step per sweep
(warm from the previous hour's flows, so a handful of steps settle them); temperatures then
follow from the same sweep along the flow, which visits the nodes in a topological order of
the flow directions (acyclic for flows that follow the pressure gradient), whatever they are
this hour: a loop whose flow reversed since the last hour is swept the new way.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from simulator.heat.loops import LOOP_TOL_BAR, loop_newton_step, prop_at

PASSIVE, CONSUMER, FIXED, SLACK, INACTIVE, FORCED = 0, 1, 2, 3, 4, 5
#: pandapipes treats |mdot| <= this (kg/s) as no flow
FLOW_EPS = 1e-10
#: Newton steps on the loop flows per sweep (warm, they settle in 1-3)
MAX_LOOP_STEPS = 30
#: relaxation passes over nodes on a circulation before the predictor gives up
MAX_RELAX_PASSES = 20000
#: sweeps the Anderson acceleration of the predictor remembers
ANDERSON_DEPTH = 6


@njit(cache=True)
def _branch_flows(m, m_c, c_branch, kind, b_from, b_to, m_fixed, slack, comp, order, parent,
                  parent_edge, inj, chords, q):
    """Mass flow of every branch (kg/s, from->to positive) by continuity, the chords carrying
    ``q``; False if unbalanced."""
    n_nodes = inj.shape[0]
    inj[:] = 0.0
    for b in range(kind.shape[0]):
        k = kind[b]
        if k in (FIXED, FORCED):
            m[b] = m_fixed[b]
        elif k in (CONSUMER, INACTIVE):
            m[b] = 0.0
    for j in range(c_branch.shape[0]):
        m[c_branch[j]] = m_c[j]
    for j in range(chords.shape[0]):
        m[chords[j]] = q[j]
    for b in range(kind.shape[0]):
        k = kind[b]
        if k in (CONSUMER, FIXED, FORCED):
            inj[b_from[b]] -= m[b]
            inj[b_to[b]] += m[b]
    for j in range(chords.shape[0]):
        b = chords[j]
        inj[b_from[b]] -= q[j]
        inj[b_to[b]] += q[j]
    tree = comp[b_to[slack]]
    total = 0.0
    for n in range(n_nodes):
        if comp[n] == tree:
            total += inj[n]
    m[slack] = -total
    inj[b_from[slack]] += total
    inj[b_to[slack]] -= total
    scale = 1e-300
    for n in range(n_nodes):
        scale = max(scale, abs(inj[n]))
    for i in range(n_nodes - 1, -1, -1):
        n = order[i]
        e = parent_edge[n]
        if e < 0:
            if abs(inj[n]) > 1e-9 * scale:
                return False
            continue
        inj[parent[n]] += inj[n]
        m[e] = inj[n] if b_from[e] == n else -inj[n]
    return True


@njit(cache=True)
def _mixed_temperature(n, m, t_out, b_from, b_to, inc_ptr, inc_branch, amb, cx, cy, cs):
    """Temperature (K) of node ``n`` from the branches flowing into it (cp-weighted mixing)."""
    inflows = 0
    sm = 0.0
    smt = 0.0
    for q in range(inc_ptr[n], inc_ptr[n + 1]):
        b = inc_branch[q]
        mb = m[b]
        if abs(mb) > FLOW_EPS and (b_to[b] if mb > 0 else b_from[b]) == n:
            inflows += 1
            sm += abs(mb)
            smt += abs(mb) * t_out[b]
    if inflows == 0:
        return amb
    tn = smt / sm
    if inflows == 1:
        return tn
    for _ in range(8):
        cpn = prop_at(tn, cx, cy, cs)
        num = 0.0
        den = 0.0
        for q in range(inc_ptr[n], inc_ptr[n + 1]):
            b = inc_branch[q]
            mb = m[b]
            if abs(mb) > FLOW_EPS and (b_to[b] if mb > 0 else b_from[b]) == n:
                w = 0.5 * (prop_at(t_out[b], cx, cy, cs) + cpn) * abs(mb)
                num += w * t_out[b]
                den += w
        new = num / den
        done = abs(new - tn) <= 1e-13 * abs(tn)
        tn = new
        if done:
            break
    return tn


@njit(cache=True)
def _outlet_temperature(tn, cp_in, ma, t_ext, alpha_l, t_lift, q_ext, cx, cy, cs, to):
    """Outlet temperature (K) of a passive branch entered at ``tn`` with mass flow ``ma``;
    ``to`` is where the iteration on the mean heat capacity starts (the last sweep's)."""
    for _ in range(8):
        cpb = 0.5 * (cp_in + prop_at(to, cx, cy, cs))
        new = (t_ext + (tn - t_ext) * np.exp(-alpha_l / (cpb * ma))
               + t_lift - q_ext / (cpb * ma))
        done = abs(new - to) <= 1e-13 * abs(to)
        to = new
        if done:
            break
    return to


@njit(cache=True, inline="always")
def _visit(n, m, t_out, t, kind, b_from, b_to, alpha_l, t_ext, t_lift, q_ext, inc_ptr,
           inc_branch, amb, cx, cy, cs, indeg, queue, tail):
    """Mix node ``n`` and set the outlet temperature of every branch leaving it; the nodes
    those branches feed lose one pending inflow (queued at none). Returns the new tail."""
    tn = _mixed_temperature(n, m, t_out, b_from, b_to, inc_ptr, inc_branch, amb, cx, cy, cs)
    t[n] = tn
    cp_in = prop_at(tn, cx, cy, cs)
    for q in range(inc_ptr[n], inc_ptr[n + 1]):
        b = inc_branch[q]
        if kind[b] != PASSIVE and kind[b] != FORCED:
            continue
        mb = m[b]
        if abs(mb) <= FLOW_EPS:
            t_out[b] = amb
            continue
        if (b_from[b] if mb > 0 else b_to[b]) != n:
            continue
        t_out[b] = _outlet_temperature(tn, cp_in, abs(mb), t_ext[b], alpha_l[b], t_lift[b],
                                       q_ext[b], cx, cy, cs, t_out[b])
        d = b_to[b] if mb > 0 else b_from[b]
        indeg[d] -= 1
        if indeg[d] == 0:
            queue[tail] = d
            tail += 1
    return tail


@njit(cache=True)
def _temperatures(m, t_out, t, kind, b_from, b_to, alpha_l, t_ext, t_lift, q_ext, t_fixed,
                  inc_ptr, inc_branch, amb, cx, cy, cs, indeg, queue):
    """Node and outlet temperatures (K) for given flows by one sweep along the flow.

    Where the flows close a directed cycle (a circulation driven by the density differences
    between branches at different heights), the nodes on and behind it are relaxed in turn,
    from the last state's temperatures, until they settle (each pass around the cycle loses
    heat and mixes with fresh inflow, so the passes contract). False if they do not.
    """
    n_nodes = t.shape[0]
    indeg[:] = 0
    for b in range(kind.shape[0]):
        k = kind[b]
        if k in (PASSIVE, FORCED):
            if abs(m[b]) > FLOW_EPS:
                indeg[b_to[b] if m[b] > 0 else b_from[b]] += 1
        elif k != INACTIVE:
            t_out[b] = t_fixed[b] if abs(m[b]) > FLOW_EPS else amb
    tail = 0
    for n in range(n_nodes):
        if indeg[n] == 0:
            queue[tail] = n
            tail += 1
    head = 0
    while head < tail:
        n = queue[head]
        head += 1
        tail = _visit(n, m, t_out, t, kind, b_from, b_to, alpha_l, t_ext, t_lift, q_ext,
                      inc_ptr, inc_branch, amb, cx, cy, cs, indeg, queue, tail)
    if tail == n_nodes:
        return True
    rest = np.flatnonzero(indeg > 0)
    for _ in range(MAX_RELAX_PASSES):
        change = 0.0
        for n in rest:
            before = t[n]
            _visit(n, m, t_out, t, kind, b_from, b_to, alpha_l, t_ext, t_lift, q_ext,
                   inc_ptr, inc_branch, amb, cx, cy, cs, indeg, queue, 0)
            change = max(change, abs(t[n] - before))
        if change <= 1e-11:
            return True
    return False


@njit(cache=True)
def _hydraulics(m, m_c, c_branch, kind, b_from, b_to, m_fixed, slack, comp, order, parent,
                parent_edge, inj, loops, t, t_out, fluid):
    """Branch flows for the consumer flows ``m_c``, the chord flows of ``loops`` settled by
    Newton steps at the temperatures ``t``/``t_out``. Returns (balanced, loops settled)."""
    chords, q, cyc_ptr, cyc_branch, cyc_sign, length, diameter, roughness, zeta, p_lift, \
        height = loops
    rx, ry, rs, ex, ey, es = fluid
    settled = True
    for _ in range(MAX_LOOP_STEPS):
        if not _branch_flows(m, m_c, c_branch, kind, b_from, b_to, m_fixed, slack, comp, order,
                             parent, parent_edge, inj, chords, q):
            return False, False
        if chords.shape[0] == 0:
            return True, True
        worst = loop_newton_step(q, m, t, t_out, cyc_ptr, cyc_branch, cyc_sign, b_from, b_to,
                                 length, diameter, roughness, zeta, p_lift, height, rx, ry, rs,
                                 ex, ey, es)
        settled = worst <= LOOP_TOL_BAR
        if settled:
            break
    ok = _branch_flows(m, m_c, c_branch, kind, b_from, b_to, m_fixed, slack, comp, order,
                       parent, parent_edge, inj, chords, q)
    return ok, settled


@njit(cache=True)
def _consumer_flows(t, b_from, c_branch, c_q, c_tr, cx, cy, cs):
    """Consumer flows (kg/s) for their inlet temperatures: Q / (cp (T_in - T_return))."""
    out = np.zeros(c_branch.shape[0])
    for j in range(c_branch.shape[0]):
        t_in = t[b_from[c_branch[j]]]
        if c_q[j] != 0.0 and t_in > c_tr[j]:
            cpb = 0.5 * (prop_at(t_in, cx, cy, cs) + prop_at(c_tr[j], cx, cy, cs))
            out[j] = c_q[j] / (cpb * (t_in - c_tr[j]))
    return out


@njit(cache=True)
def _anderson(x, g, hist_g, hist_f, count):
    """Anderson-accelerated next iterate from the map's value ``g`` at ``x`` (memory in the
    ring buffers ``hist_g``/``hist_f``, ``count`` entries so far)."""
    depth = hist_g.shape[0]
    k = count % depth
    hist_g[k] = g
    hist_f[k] = g - x
    used = min(count, depth - 1)
    if used == 0:
        return g.copy()
    d_f = np.empty((x.shape[0], used))
    d_g = np.empty((x.shape[0], used))
    for i in range(used):
        a, b = (count - i) % depth, (count - i - 1) % depth
        d_f[:, i] = hist_f[a] - hist_f[b]
        d_g[:, i] = hist_g[a] - hist_g[b]
    gamma = np.linalg.lstsq(d_f, hist_f[k])[0]
    return g - d_g @ gamma


@njit(cache=True)
def predict_state(m_c0, c_branch, c_q, c_tr, kind, b_from, b_to, alpha_l, t_ext, t_lift,
                  q_ext, t_fixed, m_fixed, slack, comp, order, parent, parent_edge, inc_ptr,
                  inc_branch, amb, cx, cy, cs, max_sweeps, rtol, loops, fluid, t0, t_out0):
    """Flows (kg/s), outlet temperatures (K) and node temperatures (K) of the coupled state.

    The state is the fixed point of one sweep: flows from the consumer and loop flows,
    temperatures along them, consumer flows from their inlet temperatures, loop flows settled
    by Newton at those temperatures. The sweeps are Anderson-accelerated: loop flows driven by
    density differences (heights) feed back strongly on the temperatures, and plain repetition
    oscillates there.

    ``m_c0`` is the first guess of the consumer flows; ``loops`` the chords, their flows
    (updated in place), cycles and the pipe data of :func:`simulator.heat.loops.loop_newton_step`
    (no chords for a radial network), ``fluid`` the density and viscosity tables, ``t0``/``t_out0``
    the last state's temperatures. Returns ``(ok, sweeps, m, t_out, t)``; ``ok`` is False when
    the sweeps did not settle to ``rtol``.
    """
    n_nodes = comp.shape[0]
    m = np.zeros(kind.shape[0])
    t_out = t_out0.copy()
    t = t0.copy()
    inj = np.zeros(n_nodes)
    indeg = np.zeros(n_nodes, np.int64)
    queue = np.zeros(n_nodes, np.int64)
    chords, q = loops[0], loops[1]
    nq, nc = q.shape[0], m_c0.shape[0]
    x = np.concatenate((q, m_c0))
    hist_g = np.zeros((ANDERSON_DEPTH, nq + nc))
    hist_f = np.zeros((ANDERSON_DEPTH, nq + nc))
    for sweep in range(max_sweeps):
        q[:] = x[:nq]
        m_c = np.maximum(x[nq:], 0.0)
        if not _branch_flows(m, m_c, c_branch, kind, b_from, b_to, m_fixed, slack, comp, order,
                             parent, parent_edge, inj, chords, q):
            return False, sweep + 1, m, t_out, t
        if not _temperatures(m, t_out, t, kind, b_from, b_to, alpha_l, t_ext, t_lift, q_ext,
                             t_fixed, inc_ptr, inc_branch, amb, cx, cy, cs, indeg, queue):
            return False, sweep + 1, m, t_out, t
        m_c_new = _consumer_flows(t, b_from, c_branch, c_q, c_tr, cx, cy, cs)
        balanced, loops_settled = _hydraulics(m, m_c_new, c_branch, kind, b_from, b_to,
                                              m_fixed, slack, comp, order, parent, parent_edge,
                                              inj, loops, t, t_out, fluid)
        if not balanced:
            return False, sweep + 1, m, t_out, t
        g = np.concatenate((q, m_c_new))
        scale_c = max(np.max(np.abs(m_c_new)) if nc else 0.0, 1e-300)
        change_c = np.max(np.abs(g[nq:] - x[nq:])) if nc else 0.0
        change_q = np.max(np.abs(g[:nq] - x[:nq])) if nq else 0.0
        if loops_settled and change_c <= rtol * scale_c and change_q <= rtol * max(scale_c, 1.0):
            # flows of the settled loop and consumer flows, temperatures along them
            if not _temperatures(m, t_out, t, kind, b_from, b_to, alpha_l, t_ext, t_lift,
                                 q_ext, t_fixed, inc_ptr, inc_branch, amb, cx, cy, cs, indeg,
                                 queue):
                return False, sweep + 1, m, t_out, t
            return True, sweep + 1, m, t_out, t
        # radial networks converge fast by plain repetition; loops get the acceleration
        x = _anderson(x, g, hist_g, hist_f, sweep) if nq else g
    return False, max_sweeps, m, t_out, t


@njit(cache=True)
def predict_radial(m_c0, c_branch, c_q, c_tr, kind, b_from, b_to, alpha_l, t_ext, t_lift,
                   q_ext, t_fixed, m_fixed, slack, comp, order, parent, parent_edge, inc_ptr,
                   inc_branch, amb, cx, cy, cs, max_sweeps, rtol, chords, q, t0, t_out0):
    """:func:`predict_state` for a network without loops (``chords``/``q`` empty): the same
    sweeps, repeated plainly, in the same order, so the same numbers; a function of its own so
    that a radial network never compiles the loop Newton and the Anderson acceleration (a new
    process compiled 13.4 s of the predictor for Schutterwald, ~5 s of it loop code)."""
    n_nodes = comp.shape[0]
    m = np.zeros(kind.shape[0])
    t_out = t_out0.copy()
    t = t0.copy()
    inj = np.zeros(n_nodes)
    indeg = np.zeros(n_nodes, np.int64)
    queue = np.zeros(n_nodes, np.int64)
    nc = m_c0.shape[0]
    x = m_c0.copy()
    for sweep in range(max_sweeps):
        m_c = np.maximum(x, 0.0)
        if not _branch_flows(m, m_c, c_branch, kind, b_from, b_to, m_fixed, slack, comp, order,
                             parent, parent_edge, inj, chords, q):
            return False, sweep + 1, m, t_out, t
        if not _temperatures(m, t_out, t, kind, b_from, b_to, alpha_l, t_ext, t_lift, q_ext,
                             t_fixed, inc_ptr, inc_branch, amb, cx, cy, cs, indeg, queue):
            return False, sweep + 1, m, t_out, t
        g = _consumer_flows(t, b_from, c_branch, c_q, c_tr, cx, cy, cs)
        if not _branch_flows(m, g, c_branch, kind, b_from, b_to, m_fixed, slack, comp, order,
                             parent, parent_edge, inj, chords, q):
            return False, sweep + 1, m, t_out, t
        scale_c = max(np.max(np.abs(g)) if nc else 0.0, 1e-300)
        change_c = np.max(np.abs(g - x)) if nc else 0.0
        if change_c <= rtol * scale_c:
            if not _temperatures(m, t_out, t, kind, b_from, b_to, alpha_l, t_ext, t_lift,
                                 q_ext, t_fixed, inc_ptr, inc_branch, amb, cx, cy, cs, indeg,
                                 queue):
                return False, sweep + 1, m, t_out, t
            return True, sweep + 1, m, t_out, t
        x = g
    return False, max_sweeps, m, t_out, t

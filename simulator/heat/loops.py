"""Loop hydraulics of a meshed heat network: the chord flows that close every pressure loop.

Flows in a network whose pipes and valves form a forest follow from continuity alone
(:mod:`simulator.heat.predict`). A meshed network has one free flow per independent loop: pick a
spanning forest of the passive branches (pipes, valves), and every branch outside it (a chord)
closes one fundamental cycle. With the chord flows ``q`` given, continuity on the forest gives
every other flow, and the loop equations

    sum over the cycle of  s_b * g_b(m_b) = 0,
    g_b(m) = (L lambda / D + zeta) m |m| / (2 A^2 rho 1e5) - p_lift - rho g (h_f - h_t) / 1e5,

(``g_b`` is the drop of ``p + p_amb`` from the branch's from- to its to-node; ``s_b`` = +1 when
the cycle runs along the branch, -1 against it; ``lambda = 64 / Re + lambda_nikuradse``) fix
``q``. They are solved by Newton's method on the (small, dense) loop Jacobian
``J = B^T diag(g') B``; the loop count is the network's cyclomatic number (tens for a district),
so a Newton step costs microseconds. These are pandapipes' own pipe equations
(``derivatives_hydraulic_incomp_numba``), so the flows match what pandapipes converges to.

:func:`predict_pressures` then gives the pressures along the spanning forest from the same
equations, for the radial and the meshed predictor alike.
"""

from __future__ import annotations

import numpy as np
from numba import njit

GRAVITY = 9.81  # m s-2, pandapipes.constants.GRAVITATION_CONSTANT
P_CONVERSION = 1e5  # Pa per bar
#: loop residual (bar) below which the chord flows are taken as settled
LOOP_TOL_BAR = 1e-11


def fundamental_cycles(b_from: np.ndarray, b_to: np.ndarray, chords: np.ndarray,
                       parent: np.ndarray, parent_edge: np.ndarray
                       ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The cycle each chord closes in the spanning forest, CSR-style.

    Returns ``(ptr, branch, sign)``: cycle ``c`` is ``branch[ptr[c]:ptr[c + 1]]``, the chord
    first; ``sign`` is +1 where the cycle (oriented along its chord, from -> to) runs from the
    branch's from- to its to-node, else -1.
    """
    depth = _depths(parent)
    ptr, branches, signs = [0], [], []
    for c in chords:
        a, b = int(b_from[c]), int(b_to[c])
        up_b, up_a = [], []  # walk both ends up to their lowest common ancestor
        while a != b:
            if depth[b] >= depth[a]:
                e = int(parent_edge[b])
                up_b.append((e, 1 if b_from[e] == b else -1))  # b -> parent(b)
                b = int(parent[b])
            else:
                e = int(parent_edge[a])
                up_a.append((e, 1 if b_to[e] == a else -1))  # parent(a) -> a
                a = int(parent[a])
        cycle = [(int(c), 1), *up_b, *reversed(up_a)]
        branches += [e for e, _ in cycle]
        signs += [s for _, s in cycle]
        ptr.append(len(branches))
    return (np.array(ptr, dtype=np.int64), np.array(branches, dtype=np.int64),
            np.array(signs, dtype=np.float64))


def _depths(parent: np.ndarray) -> np.ndarray:
    depth = np.full(len(parent), -1, dtype=np.int64)
    for v in range(len(parent)):
        path = []
        u = v
        while u >= 0 and depth[u] < 0:
            path.append(u)
            u = int(parent[u])
        d = -1 if u < 0 else int(depth[u])
        for w in reversed(path):
            d += 1
            depth[w] = d
    return depth


@njit(cache=True)
def prop_at(t, x, y, slope):
    """Linear interpolation/extrapolation of a property table at ``t`` (as scipy's interp1d)."""
    n = x.shape[0]
    i = np.searchsorted(x, t)
    if i < 1:
        i = 1
    elif i > n - 1:
        i = n - 1
    i -= 1
    return slope[i] * (t - x[i]) + y[i]


@njit(cache=True)
def drop_and_slope(b, mb, t_src, t_out_b, length, diameter, roughness, zeta, p_lift, height,
                   b_from, b_to, rx, ry, rs, ex, ey, es):
    """``g_b(m)`` (bar) of a pipe or valve and its derivative in ``m`` (bar s kg-1)."""
    rho = 0.5 * (prop_at(t_src, rx, ry, rs) + prop_at(t_out_b, rx, ry, rs))
    eta = prop_at(0.5 * (t_src + t_out_b), ex, ey, es)
    d = diameter[b]
    area = np.pi * (d / 2) ** 2
    lam_n = (-2 * np.log10(roughness[b] / (3.71 * d))) ** -2
    const = 1.0 / (area ** 2 * rho * P_CONVERSION * 2)
    laminar = 64.0 * eta * area * length[b] / (d * d)  # 64/Re * L/D * |m|
    turbulent = length[b] * lam_n / d + zeta[b]
    g = const * (laminar * mb + turbulent * mb * abs(mb))
    g -= p_lift[b] + rho * GRAVITY * (height[b_from[b]] - height[b_to[b]]) / P_CONVERSION
    slope = const * (laminar + 2.0 * turbulent * abs(mb))
    return g, slope


@njit(cache=True)
def loop_newton_step(q, m, t, t_out, cyc_ptr, cyc_branch, cyc_sign, b_from, b_to, length,
                     diameter, roughness, zeta, p_lift, height, rx, ry, rs, ex, ey, es):
    """One Newton step on the chord flows ``q`` (in place) for the branch flows ``m``;
    returns the largest loop residual (bar) before the step."""
    n = q.shape[0]
    nb = m.shape[0]
    g = np.zeros(nb)
    slope = np.zeros(nb)
    done = np.zeros(nb, dtype=np.bool_)
    for k in range(cyc_branch.shape[0]):
        b = cyc_branch[k]
        if done[b]:
            continue
        done[b] = True
        mb = m[b]
        src = b_from[b] if mb >= -2e-11 else b_to[b]
        g[b], slope[b] = drop_and_slope(b, mb, t[src], t_out[b], length, diameter, roughness,
                                        zeta, p_lift, height, b_from, b_to, rx, ry, rs, ex, ey,
                                        es)
    r = np.zeros(n)
    jac = np.zeros((n, n))
    coeff = np.zeros((n, nb))
    for c in range(n):
        for k in range(cyc_ptr[c], cyc_ptr[c + 1]):
            b = cyc_branch[k]
            r[c] += cyc_sign[k] * g[b]
            coeff[c, b] += cyc_sign[k]
    worst = 0.0
    for c in range(n):
        worst = max(worst, abs(r[c]))
        for k in range(cyc_ptr[c], cyc_ptr[c + 1]):
            b = cyc_branch[k]
            s = cyc_sign[k] * slope[b]
            for c2 in range(n):
                if coeff[c2, b] != 0.0:
                    jac[c, c2] += s * coeff[c2, b]
    for c in range(n):
        if jac[c, c] <= 0.0:
            jac[c, c] = 1e-12
    q -= np.linalg.solve(jac, r)
    return worst


@njit(cache=True)
def predict_pressures(p, m, t_out, t, b_from, b_to, length, diameter, roughness, zeta, p_lift,
                      height, p_amb, order, parent, parent_edge, slack, rx, ry, rs, ex, ey, es):
    """Pressures (bar) along the trees from their roots; ``p`` holds the flow-side set point.

    The slack plant's return node follows from the plant's lift; every other node from its
    parent through the pipe or valve in between (nikuradse friction, liquid).
    """
    s = slack
    src = b_from[s] if m[s] >= -2e-11 else b_to[s]
    rho = 0.5 * (prop_at(t[src], rx, ry, rs) + prop_at(t_out[s], rx, ry, rs))
    f, to = b_from[s], b_to[s]
    p[f] = (p[to] + p_amb[to] - p_amb[f] - p_lift[s]
            - rho * GRAVITY * (height[f] - height[to]) / P_CONVERSION)
    for i in range(order.shape[0]):
        v = order[i]
        e = parent_edge[v]
        if e < 0:
            continue
        u = parent[v]
        mb = m[e]
        src = b_from[e] if mb >= -2e-11 else b_to[e]
        rho = 0.5 * (prop_at(t[src], rx, ry, rs) + prop_at(t_out[e], rx, ry, rs))
        eta = prop_at(0.5 * (t[src] + t_out[e]), ex, ey, es)
        d = diameter[e]
        area = np.pi * (d / 2) ** 2
        re = abs(mb) * d / (eta * area)
        lam = 64 / re if abs(re) > 1e-8 else 0.0
        lam += (-2 * np.log10(roughness[e] / (3.71 * d))) ** -2
        friction = (length[e] * lam / d + zeta[e]) * abs(mb) * mb / (area ** 2 * rho
                                                                    * P_CONVERSION * 2)
        f, to = b_from[e], b_to[e]
        drop = p_lift[e] + rho * GRAVITY * (height[f] - height[to]) / P_CONVERSION - friction
        if f == u:
            p[v] = p[u] + p_amb[u] - p_amb[v] + drop
        else:
            p[v] = p[u] + p_amb[u] - p_amb[v] - drop
    return p

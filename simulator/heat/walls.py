"""Pipe specs for the dynamic network model: each pipe's loss resistance and wall heat capacity.

Wall heat capacity (:func:`wall_heat_capacity_j_per_k`): steel ``rho = 7850 kg/m3`` and
``cp = 480 J/(kg K)`` (EN 10216/10217 P235GH; cp 461-490 J/(kg K) between 20 and 100 C),
dimensions per EN 253:2019 (steel service pipe outer diameter and minimum wall thickness, as
listed in the Isoplus and Logstor catalogues), plus ``PUR_SHARE`` of the PUR insulation
(``rho = 60 kg/m3`` EN 253 minimum, ``cp = 1400 J/(kg K)``, casing/steel diameter
``CASING_RATIO``; all estimates) as the part that follows the water temperature.
"""

from __future__ import annotations

import math

import numpy as np

from simulator.heat import plugflow as pf

#: specific heat of the network water, J/(kg K)
NETWORK_CP_J_PER_KG_K = pf.CP_WATER_J_PER_KG_K
#: steel (P235GH): density kg/m3, specific heat J/(kg K)
STEEL_RHO_KG_PER_M3, STEEL_CP_J_PER_KG_K = 7850.0, 480.0
#: PUR foam: density kg/m3 (EN 253 minimum), specific heat J/(kg K) (estimate)
PUR_RHO_KG_PER_M3, PUR_CP_J_PER_KG_K = 60.0, 1400.0
#: casing outer / steel outer diameter (estimate, EN 253 series 1: 1.4 at DN500, 1.75 at DN100)
CASING_RATIO = 1.6
#: share of the insulation's heat capacity that follows the water (estimate: the inner half)
PUR_SHARE = 0.5
#: EN 253 steel service pipes: (outer diameter mm, minimum wall thickness mm), DN20 ... DN1000
EN253_STEEL_MM = np.array([
    (26.9, 2.6), (33.7, 2.6), (42.4, 2.6), (48.3, 2.6), (60.3, 2.9), (76.1, 2.9),
    (88.9, 3.2), (114.3, 3.6), (139.7, 3.6), (168.3, 4.0), (219.1, 4.5), (273.0, 5.0),
    (323.9, 5.6), (355.6, 5.6), (406.4, 6.3), (457.0, 6.3), (508.0, 6.3), (610.0, 7.1),
    (711.0, 8.0), (813.0, 8.8), (914.0, 10.0), (1016.0, 11.0)])


def wall_heat_capacity_j_per_k(inner_diameter_m: np.ndarray, length_m: np.ndarray
                               ) -> np.ndarray:
    """Heat capacity of each pipe's steel wall plus ``PUR_SHARE`` of its insulation (J/K),
    from the EN 253 size whose inner diameter is nearest to ``inner_diameter_m`` (m)."""
    od_m, wall_m = EN253_STEEL_MM[:, 0] / 1e3, EN253_STEEL_MM[:, 1] / 1e3
    inner_table_m = od_m - 2 * wall_m
    k = np.abs(np.asarray(inner_diameter_m, float)[:, None] - inner_table_m[None, :]).argmin(1)
    d_out, d_in = od_m[k], inner_table_m[k]
    steel_j_per_mk = STEEL_RHO_KG_PER_M3 * STEEL_CP_J_PER_KG_K * math.pi / 4 * (d_out**2 - d_in**2)
    pur_m2 = math.pi / 4 * ((CASING_RATIO * d_out) ** 2 - d_out**2)
    pur_j_per_mk = PUR_SHARE * PUR_RHO_KG_PER_M3 * PUR_CP_J_PER_KG_K * pur_m2
    return (steel_j_per_mk + pur_j_per_mk) * np.asarray(length_m, float)


def pipe_specs(length_m: np.ndarray, inner_diameter_m: np.ndarray, u_w_per_m2k: np.ndarray,
               outer_diameter_m: np.ndarray, t_ground_c: float,
               wall_j_per_k: np.ndarray | None = None,
               cp_j_per_kg_k: np.ndarray | float = NETWORK_CP_J_PER_KG_K) -> list[pf.PipeSpec]:
    """One :class:`plugflow.PipeSpec` per pipe. ``1/R' = U pi D_outer`` (W/(m K)) as pandapipes
    computes the loss; a NaN ``outer_diameter_m`` falls back to the inner diameter (as
    pandapipes does). ``wall_j_per_k`` defaults to :func:`wall_heat_capacity_j_per_k`."""
    d_in = np.asarray(inner_diameter_m, float)
    d_out = np.where(np.isfinite(outer_diameter_m), outer_diameter_m, d_in)
    ua_w_per_mk = np.asarray(u_w_per_m2k, float) * math.pi * d_out
    r_m_k_per_w = np.where(ua_w_per_mk > 0, 1.0 / np.maximum(ua_w_per_mk, 1e-300), 1e15)
    walls = wall_heat_capacity_j_per_k(d_in, length_m) if wall_j_per_k is None else wall_j_per_k
    cps = np.broadcast_to(np.asarray(cp_j_per_kg_k, float), d_in.shape)
    return [pf.PipeSpec(float(length), float(d), float(r), float(w), float(t_ground_c),
                        cp_j_per_kg_k=float(cp))
            for length, d, r, w, cp in zip(length_m, d_in, r_m_k_per_w, walls, cps, strict=True)]


def link_spec(inner_diameter_m: float, t_ground_c: float) -> pf.PipeSpec:
    """A valve or other zero-length link as a 1 mm pipe that loses nothing (R' = 1e15 m K/W)
    and has no wall: it passes the temperature on at once (delay ~ 1e-3 s)."""
    return pf.PipeSpec(1e-3, float(inner_diameter_m), 1e15, 0.0, float(t_ground_c))



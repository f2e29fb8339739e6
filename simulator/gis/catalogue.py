"""Pre-insulated steel pipe catalogue (pure data and lookup): DN -> diameters, heat loss.

Source: bonded single pipes after EN 253 (steel service pipe P235GH, PUR foam, PE-HD casing),
isoplus "DRE" series as shipped in pandapipes 0.16 (``std_types/library/Pipe.csv``, types
``ISOPLUS_DRE{DN}_{STD,1x,2x}``): steel outer diameter, inner diameter, heat loss per metre and
kelvin ``u_w_per_mk`` of insulation series 1 (standard), 2 (+1 step) and 3 (+2 steps), and the
roughness ``k_mm`` = 0.1. Marked estimates (``ESTIMATED``): series 3 at DN 700-1000 (no
catalogue value; series 2 x 0.818, the series-3/series-2 ratio of DN 600) and the casing
diameters (typical EN 253 casing sizes, isoplus/Logstor catalogues; check your supplier's
sheet). The wall heat capacity is computed from the steel wall (7850 kg/m3, 460 J/(kg K)); it
is information only: pandapipes 0.16 solves steady states, no pipe storage.

pandapipes computes the loss as ``U * pi * D_outer_steel * L * (T - T_ground)``, so the
catalogue gives ``u_w_per_m2k = u_w_per_mk / (pi * D_outer_steel)``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

K_MM = 0.1  # isoplus roughness of the steel service pipe (pandapipes std_types)
STEEL_RHO_KG_PER_M3 = 7850.0
STEEL_CP_J_PER_KGK = 460.0
SERIES = (1, 2, 3)
#: 2x/1x heat-loss ratio used where the catalogue has no series-3 value (DN 600, est.)
SERIES3_RATIO = 0.818

#: DN: (steel outer mm, inner mm, (u_w_per_mk series 1, 2, 3), (casing mm series 1, 2, 3))
_TABLE: dict[int, tuple[float, float, tuple[float, float, float], tuple[float, float, float]]] = {
    20: (26.9, 21.7, (0.1295, 0.1114, 0.1028), (90, 110, 125)),
    25: (33.7, 27.3, (0.1564, 0.1308, 0.1191), (90, 110, 125)),
    32: (42.4, 36.0, (0.1589, 0.1420, 0.1290), (110, 125, 140)),
    40: (48.3, 41.9, (0.1810, 0.1593, 0.1432), (110, 125, 140)),
    50: (60.3, 53.9, (0.2013, 0.1763, 0.1557), (125, 140, 160)),
    65: (76.1, 69.7, (0.2325, 0.1980, 0.1744), (140, 160, 180)),
    80: (88.9, 82.5, (0.2418, 0.2076, 0.1847), (160, 180, 200)),
    100: (114.3, 107.1, (0.2543, 0.2148, 0.1905), (200, 225, 250)),
    125: (139.7, 132.5, (0.2880, 0.2459, 0.2138), (225, 250, 280)),
    150: (168.3, 160.3, (0.3369, 0.2794, 0.2343), (250, 280, 315)),
    200: (219.1, 210.1, (0.3686, 0.2953, 0.2472), (315, 355, 400)),
    250: (273.0, 263.0, (0.3637, 0.2914, 0.2468), (400, 450, 500)),
    300: (323.9, 312.7, (0.4126, 0.3284, 0.2698), (450, 500, 560)),
    350: (355.6, 344.4, (0.4009, 0.3169, 0.2605), (500, 560, 630)),
    400: (406.4, 393.8, (0.4222, 0.3277, 0.2684), (560, 630, 710)),
    450: (457.0, 444.4, (0.4242, 0.3299, 0.2703), (630, 710, 800)),
    500: (508.0, 485.4, (0.4149, 0.3249, 0.2669), (710, 800, 900)),
    600: (610.0, 595.8, (0.5002, 0.3748, 0.3065), (800, 900, 1000)),
    700: (711.0, 695.0, (0.5665, 0.4238, 0.4238 * SERIES3_RATIO), (900, 1000, 1100)),
    800: (813.0, 795.4, (0.6372, 0.4732, 0.4732 * SERIES3_RATIO), (1000, 1100, 1200)),
    900: (914.0, 894.0, (0.7027, 0.5221, 0.5221 * SERIES3_RATIO), (1100, 1200, 1300)),
    1000: (1016.0, 994.0, (0.7742, 0.5733, 0.5733 * SERIES3_RATIO), (1200, 1300, 1400)),
}
#: (DN, series) whose heat loss is an estimate; every casing diameter is one too
ESTIMATED = frozenset((dn, 3) for dn in (700, 800, 900, 1000))
DN_VALUES = tuple(sorted(_TABLE))


@dataclass(frozen=True)
class PipeSpec:
    """One catalogue pipe: diameters (mm), heat transfer, roughness, wall heat capacity."""

    dn: int
    series: int
    inner_diameter_mm: float
    outer_diameter_mm: float  # steel service pipe, the diameter pandapipes' loss uses
    casing_diameter_mm: float  # PE-HD casing (est.)
    u_w_per_mk: float  # heat loss per metre and kelvin, W m-1 K-1
    u_w_per_m2k: float  # per m2 of steel outer surface, W m-2 K-1
    k_mm: float  # roughness
    wall_heat_capacity_j_per_mk: float  # steel wall, J m-1 K-1 (information only)
    estimated: bool  # the heat loss is an estimate (see ESTIMATED)


def pipe_spec(dn: int, series: int = 1) -> PipeSpec:
    """The catalogue pipe of nominal diameter ``dn`` and insulation ``series`` (1, 2, 3).

    Raises KeyError naming the known values for an unknown DN or series.
    """
    if int(dn) not in _TABLE:
        raise KeyError(f"DN {dn} is not in the catalogue (known: {', '.join(map(str, DN_VALUES))})")
    if int(series) not in SERIES:
        raise KeyError(f"insulation series {series} is not 1, 2 or 3")
    outer, inner, u_mk, casing = _TABLE[int(dn)]
    u = u_mk[int(series) - 1]
    wall_m2 = math.pi / 4.0 * ((outer / 1e3) ** 2 - (inner / 1e3) ** 2)
    return PipeSpec(
        dn=int(dn), series=int(series), inner_diameter_mm=inner, outer_diameter_mm=outer,
        casing_diameter_mm=float(casing[int(series) - 1]), u_w_per_mk=u,
        u_w_per_m2k=u / (math.pi * outer / 1e3), k_mm=K_MM,
        wall_heat_capacity_j_per_mk=wall_m2 * STEEL_RHO_KG_PER_M3 * STEEL_CP_J_PER_KGK,
        estimated=(int(dn), int(series)) in ESTIMATED)


def dn_for_inner_diameter(inner_diameter_mm: float) -> int:
    """The DN whose inner diameter is nearest ``inner_diameter_mm`` (for U and the outer
    diameter when a layer gives only the inner diameter)."""
    return min(DN_VALUES, key=lambda dn: abs(_TABLE[dn][1] - float(inner_diameter_mm)))


#: full-load hours (h/a) turning a consumer's annual heat (MWh) into a design load, per class
#: (est.: Nordic/German district-heating practice, 1,600-2,500 h; check with metered data)
FULL_LOAD_HOURS: dict[str, float] = {
    "residential": 2000.0, "commercial": 1800.0, "public": 1700.0, "industry": 2500.0,
}


def design_kw_from_annual(annual_mwh: float, consumer_class: str) -> float:
    """Design load (kW) = annual heat (MWh) x 1000 / the class's full-load hours."""
    if consumer_class not in FULL_LOAD_HOURS:
        raise KeyError(f"class {consumer_class!r} is not one of {', '.join(FULL_LOAD_HOURS)}")
    return float(annual_mwh) * 1e3 / FULL_LOAD_HOURS[consumer_class]

"""Layer attributes to plan values: catalogue look-ups, defaults, and every bad value named.

Pipes: ``dn`` or ``inner_diameter_mm``, insulation ``series`` (1, 2, 3; default 1), optional
``length_m`` (else the geometry's length), ``outer_diameter_mm``, ``u_w_per_m2k``, ``k_mm``,
``loss_coefficient``, ``sections``, ``text_k`` (else the catalogue's / defaults) and their
``return_*`` twins. Consumers: ``design_kw``, or ``annual_mwh`` and a ``class``; optional
``t_return_c``. Plants: ``type`` (``pressure``/``flow``), ``name``, optional ``t_flow_c``,
``p_flow_bar``, ``plift_bar`` (pressure plant), ``mdot_kg_per_s`` (flow plant).
Attributes a file gives win over the catalogue, so an exported district comes back unchanged.
"""

from __future__ import annotations

import math

import pandas as pd

from simulator.gis import catalogue
from simulator.gis.plan import (
    K_TO_C,
    P_FLOW_BAR,
    PIPE_PROPERTIES,
    PLANT_TYPES,
    PLIFT_BAR,
    T_GROUND_C,
    T_RETURN_C,
    T_SUPPLY_C,
)


def number(row: pd.Series, key: str) -> float | None:
    """``row[key]`` as a finite float; None when absent, empty or not a number."""
    if key not in row.index:
        return None
    try:
        value = float(row[key])
    except (TypeError, ValueError):
        return None
    return value if math.isfinite(value) else None


def text(row: pd.Series, key: str, default: str) -> str:
    """``row[key]`` as a stripped string, ``default`` when absent or empty."""
    value = row.get(key) if key in row.index else None
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return default
    return str(value).strip() or default


def pipe_values(row: pd.Series, geometry_m: float, where: str,
                problems: list[str]) -> dict[str, object]:
    """One pipe's plan values from its attributes, the catalogue and its geometry length (m)."""
    inner = number(row, "inner_diameter_mm")
    dn = number(row, "dn")
    series = int(number(row, "series") or 1)
    try:
        spec = catalogue.pipe_spec(int(dn) if dn is not None else
                                   catalogue.dn_for_inner_diameter(inner or 0.0), series)
    except KeyError as err:
        problems.append(f"{where}: {err.args[0]}")
        return {}
    if dn is None and inner is None:
        problems.append(f"{where}: needs a 'dn' (nominal diameter) or 'inner_diameter_mm'")
        return {}
    length = number(row, "length_m")
    out: dict[str, object] = {
        "length_m": length if length is not None else geometry_m,
        "inner_diameter_mm": inner if inner is not None else spec.inner_diameter_mm,
        "outer_diameter_mm": number(row, "outer_diameter_mm") or spec.outer_diameter_mm,
        "u_w_per_m2k": number(row, "u_w_per_m2k") or spec.u_w_per_m2k,
        "k_mm": number(row, "k_mm") if number(row, "k_mm") is not None else spec.k_mm,
        "loss_coefficient": number(row, "loss_coefficient") or 0.0,
        "sections": int(number(row, "sections") or 1),
        "text_k": number(row, "text_k") or T_GROUND_C + K_TO_C,
    }
    if not float(out["length_m"]) > 0:  # type: ignore[arg-type]
        problems.append(f"{where}: length {out['length_m']} m must be positive")
    for key in PIPE_PROPERTIES:  # the return pipe's own values, when the file has them
        value = (text(row, f"return_{key}", "") or None) if key == "name" else number(
            row, f"return_{key}")
        if value is not None:
            out[f"return_{key}"] = value
    if text(row, "supply_name", ""):
        out["supply_name"] = text(row, "supply_name", "")
    if "return_along" in row.index and number(row, "return_along"):
        out["return_along"] = True
    return out


def consumer_values(row: pd.Series, where: str, problems: list[str]) -> dict[str, float]:
    """``design_w`` (W) and ``treturn_k`` (K) of one consumer."""
    design_kw = number(row, "design_kw")
    annual = number(row, "annual_mwh")
    if design_kw is None and annual is not None:
        try:
            design_kw = catalogue.design_kw_from_annual(annual, text(row, "class", "residential"))
        except KeyError as err:
            problems.append(f"{where}: {err.args[0]}")
            return {}
    if design_kw is None or not design_kw > 0:
        problems.append(f"{where}: needs a positive 'design_kw' (design load, kW) or "
                        "'annual_mwh' and a 'class'")
        return {}
    t_return_c = number(row, "t_return_c")
    return {"design_w": design_kw * 1e3,
            "treturn_k": (T_RETURN_C if t_return_c is None else t_return_c) + K_TO_C}


def plant_values(row: pd.Series, where: str, problems: list[str]) -> dict[str, object]:
    """Type and set points of one plant (pressure plant: p_flow_bar, plift_bar)."""
    kind = text(row, "type", "")
    if kind not in PLANT_TYPES:
        problems.append(f"{where}: type {kind!r} must be 'pressure' (the pressure-holding "
                        "plant) or 'flow' (fixed flow)")
        return {}
    t_flow_c = number(row, "t_flow_c")
    p_flow = number(row, "p_flow_bar")
    plift = number(row, "plift_bar")
    return {"type": kind, "t_flow_k": (T_SUPPLY_C if t_flow_c is None else t_flow_c) + K_TO_C,
            "p_flow_bar": P_FLOW_BAR if p_flow is None else p_flow,
            "plift_bar": PLIFT_BAR if plift is None else plift,
            "mdot_flow_kg_per_s": number(row, "mdot_kg_per_s") or 0.0}

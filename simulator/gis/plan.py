"""The drawn network between a GIS file and a pandapipes net: one line per supply/return pair.

A :class:`Plan` holds four pandas tables (no geometry library, no solver):

* ``nodes`` (index: node id): ``x``, ``y`` (the file's projected CRS, m), ``height_m`` and,
  optionally, per junction of the pair ``name``/``pn_bar``/``tfluid_k`` (supply) and
  ``return_name``/``return_pn_bar``/``return_tfluid_k``/``return_height_m``;
* ``pipes``: ``name``, ``from_node``, ``to_node``, ``length_m``, ``inner_diameter_mm``,
  ``outer_diameter_mm``, ``u_w_per_m2k``, ``k_mm``, ``loss_coefficient``, ``sections``,
  ``text_k`` and their ``return_*`` twins where the return pipe differs; ``return_along`` true
  when the return pipe runs from ``from_node`` to ``to_node`` like the supply pipe (default:
  the return pipe runs back);
* ``consumers``: ``name``, ``node``, ``design_w``, ``treturn_k``;
* ``plants``: ``name``, ``node``, ``type`` (``pressure`` | ``flow``), ``p_flow_bar``,
  ``plift_bar``, ``t_flow_k``, ``mdot_flow_kg_per_s``.

The supply junction of node ``n`` is ``<n>_s``, its return junction ``<n>_r``, a pipe ``p``
becomes ``p_supply`` and ``p_return`` (the conventions of ``networks/espoo``), unless the
tables name them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

#: per-pipe properties carried for the supply pipe and, as ``return_<name>``, the return pipe
PIPE_PROPERTIES = ("name", "length_m", "inner_diameter_mm", "outer_diameter_mm", "u_w_per_m2k",
                   "k_mm", "loss_coefficient", "sections", "text_k")
#: per-junction properties carried for the supply junction and as ``return_<name>``
NODE_PROPERTIES = ("name", "height_m", "pn_bar", "tfluid_k")
PLANT_TYPES = ("pressure", "flow")

#: defaults of what a drawn network does not say (°C and bar; the simulator sets the hourly
#: temperatures, flows and ground temperature: these are the initial and design values)
T_SUPPLY_C = 90.0
T_RETURN_C = 45.0
T_GROUND_C = 10.0
P_FLOW_BAR = 10.0
PLIFT_BAR = 4.0
K_TO_C = 273.15


@dataclass
class Plan:
    """The drawn network (see the module docstring) and what building it did."""

    nodes: pd.DataFrame
    pipes: pd.DataFrame
    consumers: pd.DataFrame
    plants: pd.DataFrame
    report: dict[str, list[str]] = field(default_factory=dict)

    def note(self, kind: str, line: str) -> None:
        """Book one report line under ``kind`` (snapped, joined, dropped, assumed)."""
        self.report.setdefault(kind, []).append(line)


def report_text(report: dict[str, list[str]]) -> str:
    """The report as text: a count per kind, then its lines."""
    out = []
    for kind in ("snapped", "joined", "dropped", "assumed"):
        lines = report.get(kind, [])
        out.append(f"{kind}: {len(lines)}")
        out += [f"  {line}" for line in lines]
    return "\n".join(out) + "\n"

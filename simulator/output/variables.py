"""The result variables of a cube: one table of names, dimensions, units and CF attributes.

:data:`VARIABLES` is the single source of what a cube holds (:mod:`simulator.output.cube`
records, writes and reads them); ``Variable.dims`` are as recorded, ``(time[, element])``, and
:func:`cube_dims` gives the order on disk (elements left of time, CF §2.4).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

ELEMENT_DIMS: tuple[str, ...] = ("unit", "plant", "consumer", "junction", "pipe", "bus", "line",
                                 "trafo")
CONVENTIONS = "CF-1.11"
_HOUR = np.timedelta64(1, "h")
#: suffix of the auxiliary coordinate holding an element dimension's names on disk
NAME_SUFFIX = "_name"
#: CF 1.11 §3.1.2: what a temperature in K means; every temperature of the cube is on its scale
ON_SCALE = "temperature: on_scale"


@dataclass(frozen=True)
class Variable:
    """One result variable: ``dims`` is ``("time",)`` or ``("time", element)`` as recorded
    (the cube stores ``(element, time)``, :func:`cube_dims`); UDUNITS ``units``.

    ``flag_meanings`` (CF) marks a 0/1 flag, stored as int8 with NaN written as 0; ``units``
    None marks a text variable (an element's name each hour, "" when none).
    ``units_metadata`` (CF 1.11 §3.1.2) defaults to ``temperature: on_scale`` for ``K``; a
    temperature difference in K must say ``temperature: difference``.
    """

    name: str
    dims: tuple[str, ...]
    units: str | None
    long_name: str
    standard_name: str | None = None
    currency: str | None = None  # for money: the unit is 1 (a count of this currency)
    flag_meanings: str | None = None
    units_metadata: str | None = None

    @property
    def is_text(self) -> bool:
        return self.units is None


def cube_dims(dims: tuple[str, ...]) -> tuple[str, ...]:
    """The cube's dimension order of a recorded ``dims``: time last (CF §2.4)."""
    return (*(d for d in dims if d != "time"), *(d for d in dims if d == "time"))


def _v(name: str, dim: str | None, units: str | None, long_name: str, **kw: str) -> Variable:
    return Variable(name, ("time",) if dim is None else ("time", dim), units, long_name, **kw)


_LIMITS = {"dp": ("bar", "substation differential pressure above min_dp_bar", "substation"),
           "p_max": ("bar", "pressure below max_p_bar (pressure class)", "junction"),
           "p_min": ("bar", "pressure above max(min_p_bar, saturation + margin)", "junction"),
           "t_supply": ("K", "substation supply temperature above min_supply_c", "substation"),
           "velocity": ("m s-1", "pipe flow velocity below max_velocity_m_per_s", "pipe"),
           # the grid's (coupling.vm_pu, max_loading_percent, loading_limits_percent)
           "vm_min": ("1", "bus voltage above the band's low end (no supply: 0)", "bus"),
           "vm_max": ("1", "bus voltage below the band's high end", "bus"),
           "line_loading": ("percent", "line loading below its limit", "line"),
           "trafo_loading": ("percent", "transformer loading below its limit", "transformer")}


def _limit_variables() -> tuple[Variable, ...]:
    out: list[Variable] = []
    for kind, (units, what, element) in _LIMITS.items():
        out += [
            _v(f"op_{kind}_ok", None, "1", f"operating limit held: {what}",
               flag_meanings="violated held"),
            _v(f"op_{kind}_margin", None, units, f"worst margin (negative: violated): {what}",
               **({"units_metadata": "temperature: difference"} if units == "K" else {})),
            _v(f"op_{kind}_element", None, None, f"{element} with the worst margin: {what}"),
        ]
    return tuple(out)


_CONV = {"flag_meanings": "not_converged converged"}
VARIABLES: tuple[Variable, ...] = (
    _v("unit_heat_mw", "unit", "MW", "heat into the network (storage: discharge +, charge -)"),
    _v("unit_el_mw", "unit", "MW", "electric power drawn (+) or fed in (-)"),
    _v("unit_fuel_mw", "unit", "MW", "fuel input"),
    _v("unit_co2_t", "unit", "t",
       "CO2 of the hour attributed to heat (fuel, CHP share, grid electricity)"),
    _v("unit_cop", "unit", "1", "heat-pump coefficient of performance"),
    _v("unit_t_source_k", "unit", "K", "heat-source temperature (heat pumps, waste heat)"),
    _v("storage_energy_mwh", "unit", "MW h", "energy stored at the end of the hour"),
    _v("storage_loss_mwh", "unit", "MW h", "standing heat loss of a store in the hour"),
    _v("unit_available", "unit", "1", "share of the unit's capacity available"),
    _v("unit_curtailed_mw", "unit", "MW", "electricity curtailed for grid limits"),
    _v("unit_t_out_k", "unit", "K", "heat pump's own outlet temperature (at most its limit)"),
    _v("unit_boost_mw", "unit", "MW",
       "heat made to lift heat pumps above their outlet limit (part of unit_heat_mw)"),
    _v("plant_heat_mw", "plant", "MW", "heat fed into the network by the plant"),
    _v("plant_plift_bar", "plant", "bar", "pressure lift of the plant's circulation pumps"),
    _v("plant_t_supply_k", "plant", "K", "supply temperature leaving the plant"),
    _v("plant_t_return_k", "plant", "K", "return temperature arriving at the plant"),
    _v("consumer_demand_mw", "consumer", "MW", "heat demanded by the consumer"),
    _v("consumer_heat_mw", "consumer", "MW", "heat delivered to the consumer"),
    _v("consumer_unserved_mw", "consumer", "MW", "heat demanded but not delivered"),
    _v("consumer_t_supply_k", "consumer", "K", "supply temperature arriving at the consumer"),
    _v("consumer_dp_bar", "consumer", "bar", "supply minus return pressure at the consumer"),
    _v("consumer_transit_h", "consumer", "h",
       "travel time of the supply water from the plants to the consumer (dynamic thermal "
       "model; NaN in the steady one)"),
    _v("junction_t_k", "junction", "K", "junction temperature"),
    _v("junction_p_bar", "junction", "bar", "junction pressure"),
    _v("pipe_mdot_kg_per_s", "pipe", "kg s-1", "pipe mass flow"),
    _v("pipe_v_m_per_s", "pipe", "m s-1", "pipe mean flow velocity (signed as the mass flow)"),
    _v("bus_vm_pu", "bus", "1", "bus voltage magnitude (per unit)"),
    _v("line_loading_percent", "line", "percent", "line loading"),
    _v("trafo_loading_percent", "trafo", "percent", "transformer loading"),
    _v("line_in_service", "line", "1", "line in service",
       flag_meanings="out_of_service in_service"),
    _v("trafo_in_service", "trafo", "1", "transformer in service",
       flag_meanings="out_of_service in_service"),
    _v("pipe_in_service", "pipe", "1", "pipe open", flag_meanings="closed open"),
    _v("heat_demand_mw", None, "MW", "total heat demand"),
    _v("heat_supplied_mw", None, "MW", "total heat supplied into the network"),
    _v("heat_loss_mw", None, "MW", "network heat loss"),
    _v("network_heat_stored_mwh", None, "MW h",
       "heat in the network's water and pipe walls above 0 C at the hour's end (dynamic "
       "thermal model; NaN in the steady one)"),
    _v("network_heat_change_mw", None, "MW",
       "change of the network's stored heat over the hour (0 in the steady model): "
       "supplied = delivered + loss + this"),
    _v("unserved_heat_mw", None, "MW", "heat demand not served"),
    _v("grid_import_mw", None, "MW", "power imported from the external grid"),
    _v("grid_co2_intensity", None, "g kW-1 h-1", "CO2 intensity of grid electricity"),
    _v("co2_t", None, "t", "district CO2 of the hour attributed to heat"),
    _v("chp_power_co2_t", None, "t", "CHP CO2 allocated to electricity (not in co2_t)"),
    _v("t_air_k", None, "K", "outdoor air temperature", standard_name="air_temperature"),
    _v("t_ground_k", None, "K", "ground temperature"),
    _v("t_supply_k", None, "K", "plant supply temperature set-point"),
    _v("heat_iterations", None, "1", "pandapipes bidirectional iterations of the last solve"),
    _v("coupling_iterations", None, "1", "heat/grid solves in the hour (grid feedback loop)"),
    _v("grid_limits_ok", None, "1", "grid within its voltage band and loading limits",
       flag_meanings="limits_violated limits_met"),
    _v("converged", None, "1", "both networks converged and the hour was accepted", **_CONV),
    _v("heat_converged", None, "1", "heat network converged", **_CONV),
    _v("grid_converged", None, "1", "electric grid converged", **_CONV),
    *_limit_variables(),
    _v("feasible", None, "1",
       "every operating limit of the heat network held, and the grid within its limits where "
       "the scenario enforces them (coupling enabled), in a converged hour",
       flag_meanings="infeasible feasible"),
    *(
        # markets, marginal carbon and the optimiser. A currency is not a UDUNITS unit: money
        # is stored as a count of euros (units "1", attribute currency = EUR), prices per MW h
        _v("electricity_price", None, "MW-1 h-1", "electricity price (spot), EUR per MW h",
           currency="EUR"),
        _v("unit_cost_eur", "unit", "1",
           "cost of the hour in EUR: fuel incl. CO2 price, electricity bought (+) or sold (-)",
           currency="EUR"),
        _v("cost_eur", None, "1", "district cost of the hour in EUR (sum of unit_cost_eur)",
           currency="EUR"),
        _v("grid_co2_marginal_intensity", None, "g kW-1 h-1",
           "CO2 intensity of the marginal plant of the grid"),
        _v("co2_marginal_t", None, "t",
           "district CO2 of the hour with grid electricity at the marginal intensity"),
        _v("dispatch_fallback", None, "1",
           "the optimiser had no schedule: merit order planned the hour",
           flag_meanings="planned_by_policy fallback_merit_order"),
    ),
)
_BY_NAME: dict[str, Variable] = {v.name: v for v in VARIABLES}

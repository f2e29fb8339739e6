"""Carriers and their CO2 factors (PyPSA-style: carbon is an attribute of the carrier).

Direct emission factors in t CO2 per TJ of fuel (lower heating value), converted to t CO2 per
MW h of fuel. Electricity is accounted at the hourly grid intensity (g CO2 per kWh = kg per MW h).
"""

from __future__ import annotations

import numpy as np

ELECTRICITY = "electricity"
TJ_PER_MWH = 0.0036

#: Direct CO2 factors (t CO2 per TJ fuel). Sources: Statistics Finland fuel classification 2024
#: (coal 94.6, natural gas 55.0, heavy fuel oil 78.8, light fuel oil 74.1, milled peat 105.9);
#: biomass counts as 0 (biogenic) in national and EU ETS accounting.
FUEL_T_PER_TJ: dict[str, float] = {
    "coal": 94.6,
    "natural_gas": 55.0,
    "heavy_fuel_oil": 78.8,
    "light_fuel_oil": 74.1,
    "peat": 105.9,
    "wood_chips": 0.0,
    "wood_pellets": 0.0,
    "bio_oil": 0.0,
    "biogas": 0.0,
}


#: Default fuel prices (EUR per MW h of fuel, lower heating value, excluding CO2 cost), rounded
#: Finnish 2023-24 levels (est.; Statistics Finland fuel-price statistics and market reports).
#: Used by the cost merit order unless ``prices.fuel_eur_per_mwh`` overrides them.
FUEL_EUR_PER_MWH: dict[str, float] = {
    "coal": 20.0,
    "natural_gas": 45.0,
    "heavy_fuel_oil": 60.0,
    "light_fuel_oil": 80.0,
    "peat": 25.0,
    "wood_chips": 25.0,
    "wood_pellets": 45.0,
    "bio_oil": 70.0,
    "biogas": 60.0,
}

#: Reference efficiencies of the benefit-sharing (efficiency) method for CHP emissions:
#: separate heat in a boiler and separate power in a condensing plant.
CHP_REF_HEAT_EFFICIENCY = 0.9
CHP_REF_POWER_EFFICIENCY = 0.39


def chp_heat_share(heat_mw: float, el_mw: float, method: str) -> float:
    """Share (1) of a CHP's emissions allocated to its heat output.

    ``efficiency``: (H/0.9) / (H/0.9 + E/0.39); ``energy``: H / (H + E); ``heat``: 1.
    """
    if method == "heat" or heat_mw + el_mw <= 0.0:
        return 1.0
    if method == "energy":
        return heat_mw / (heat_mw + el_mw)
    h = heat_mw / CHP_REF_HEAT_EFFICIENCY
    return h / (h + el_mw / CHP_REF_POWER_EFFICIENCY)


def fuel_t_per_mwh(fuel: str, overrides: dict[str, float] | None = None) -> float:
    """CO2 factor of ``fuel`` in t CO2 per MW h of fuel input."""
    table = {**FUEL_T_PER_TJ, **(overrides or {})}
    return table[fuel] * TJ_PER_MWH


def grid_t_per_mwh(intensity_g_per_kwh: np.ndarray | float) -> np.ndarray:
    """Grid electricity factor in t CO2 per MW h from an intensity in g CO2 per kWh."""
    return np.asarray(intensity_g_per_kwh, dtype=float) * 1e-3


def emissions_t(input_mw: np.ndarray, factor_t_per_mwh: np.ndarray, hours: float = 1.0):
    """CO2 emitted (t) by an input power (MW) held for ``hours`` at a factor (t per MW h)."""
    return np.asarray(input_mw, dtype=float) * np.asarray(factor_t_per_mwh) * hours

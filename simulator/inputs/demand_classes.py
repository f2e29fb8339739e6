"""Built-in consumer classes of the demand rhythm: hour-of-day and day-of-week factors (data).

Hours are local hours 00-23 (the factor of 07 applies from 07:00 to 08:00); every vector is
rescaled to mean 1 where it is used, so only its shape matters. Sources:

* residential space heat: the measured winter (Dec-Feb) weekday and weekend shapes of aggregated
  district-heating substations, H. Gadd and S. Werner, "Heat load patterns in district heating
  substations", Applied Energy 108 (2013) 176-183 (hourly values as digitised in TransiEnt's
  ``DistrictHeatingWeeklyHeatProfileWinter``); they include the hot water of those substations,
  so the residential morning peak is slightly counted twice (+1-2 %, est.);
* commercial, public and industry space heat: the BDEW/VKU/GEODE gas standard load profiles GHA
  (retail and wholesale), GKO (offices, public administration) and GMK (small industry), as
  shipped in demandlib 0.2.2 (MIT) ``shlp_hour_factors.csv``: mean of the three coldest
  temperature classes, 3-hour smoothing, half of one building's swing kept for the diversity of
  an area (est.); ``docs/demand/derive_classes.py`` derives them;
* day factors (Monday ... Sunday): BDEW weekday factors of the same types (demandlib
  ``shlp_weekday_factors.csv``); residential 1 (BDEW EFH/MFH have none);
* hot-water draws: est. after the two-peak weekday / later weekend shapes measured in Finnish
  apartment buildings (K. Ahmed, P. Pylsy, J. Kurnitski, "Hourly consumption profiles of domestic
  hot water for different occupant groups in dwellings", Solar Energy 137 (2016) 516-530, group
  of more than 50 occupants); offices, schools and workshops draw in working hours (est.);
* circulation: the flat share of hot-water heat lost in building circulation loops, 0.3 (est.;
  heatpro's test parameter C_BS = 0.3); hot-water share of annual energy: est., see
  ``networks/espoo/README.md`` (EF 15-25 % for the whole network).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class ClassRhythm:
    """One consumer class: factors as numpy arrays (each later rescaled to mean 1).

    ``space`` and ``hot_water``: shape (2, 24), row 0 weekdays, row 1 weekends and holidays;
    ``day_factors``: (7,) daily energy Monday ... Sunday; ``hot_water_share``: hot water's share
    of the class's annual energy (1); ``circulation_share``: flat share of hot-water heat (1).
    """

    hot_water_share: float
    circulation_share: float
    day_factors: np.ndarray
    space: np.ndarray
    hot_water: np.ndarray


_GW_WEEKDAY = [0.949, 0.938, 0.934, 0.936, 0.941, 0.951, 0.984, 1.026, 1.056, 1.070, 1.065, 1.047,
               1.029, 1.018, 1.002, 1.012, 1.030, 1.033, 1.030, 1.025, 1.010, 0.985, 0.968, 0.959]
_GW_WEEKEND = [0.935, 0.934, 0.931, 0.933, 0.932, 0.938, 0.962, 0.988, 1.022, 1.066, 1.073, 1.058,
               1.052, 1.028, 1.021, 1.030, 1.041, 1.035, 1.036, 1.042, 1.018, 1.003, 0.974, 0.946]
_DHW_HOME_WEEKDAY = [0.45, 0.30, 0.25, 0.25, 0.30, 0.55, 1.20, 1.65, 1.50, 1.20, 1.05, 1.00,
                     1.00, 0.95, 0.90, 0.95, 1.10, 1.30, 1.50, 1.65, 1.70, 1.55, 1.20, 0.75]
_DHW_HOME_WEEKEND = [0.55, 0.40, 0.30, 0.25, 0.25, 0.30, 0.45, 0.80, 1.25, 1.55, 1.60, 1.45,
                     1.25, 1.10, 1.00, 1.00, 1.10, 1.25, 1.45, 1.55, 1.55, 1.40, 1.15, 0.80]
_DHW_WORK_WEEKDAY = [0.30, 0.30, 0.30, 0.30, 0.35, 0.60, 1.20, 1.80, 1.90, 1.80, 1.70, 1.80,
                     1.80, 1.70, 1.60, 1.50, 1.30, 1.00, 0.70, 0.55, 0.45, 0.40, 0.35, 0.30]
_DHW_WORK_WEEKEND = [0.60, 0.60, 0.60, 0.60, 0.60, 0.70, 0.90, 1.20, 1.40, 1.50, 1.50, 1.50,
                     1.50, 1.40, 1.30, 1.20, 1.10, 1.00, 0.90, 0.80, 0.70, 0.70, 0.60, 0.60]

BUILTIN: dict[str, ClassRhythm] = {
    "residential": ClassRhythm(
        hot_water_share=0.25, circulation_share=0.3,
        day_factors=np.ones(7),
        space=np.array([_GW_WEEKDAY, _GW_WEEKEND]),
        hot_water=np.array([_DHW_HOME_WEEKDAY, _DHW_HOME_WEEKEND])),
    "commercial": ClassRhythm(  # BDEW GHA
        hot_water_share=0.06, circulation_share=0.3,
        day_factors=np.array([1.036, 1.023, 1.025, 1.030, 1.025, 0.967, 0.893]),
        space=np.array([
            [0.851, 0.863, 0.877, 0.890, 0.903, 0.955, 1.036, 1.125, 1.181, 1.204, 1.205, 1.185,
             1.150, 1.116, 1.091, 1.061, 1.037, 1.004, 0.962, 0.905, 0.864, 0.847, 0.846, 0.844],
            [0.905, 0.898, 0.919, 0.916, 0.926, 0.965, 1.051, 1.111, 1.134, 1.118, 1.109, 1.090,
             1.078, 1.058, 1.044, 1.013, 0.990, 0.970, 0.957, 0.957, 0.969, 0.963, 0.951, 0.908]]),
        hot_water=np.array([_DHW_WORK_WEEKDAY, _DHW_WORK_WEEKEND])),
    "public": ClassRhythm(  # BDEW GKO
        hot_water_share=0.10, circulation_share=0.3,
        day_factors=np.array([1.035, 1.052, 1.045, 1.049, 0.988, 0.886, 0.944]),
        space=np.array([
            [0.908, 0.908, 0.949, 0.982, 1.018, 1.047, 1.103, 1.151, 1.144, 1.103, 1.058, 1.034,
             1.023, 1.017, 1.022, 1.021, 1.012, 0.981, 0.949, 0.921, 0.916, 0.912, 0.915, 0.908],
            [0.944, 0.949, 0.952, 0.952, 0.975, 0.977, 0.988, 0.985, 1.012, 1.040, 1.068, 1.072,
             1.072, 1.052, 1.041, 1.029, 1.018, 1.012, 1.006, 0.999, 0.986, 0.970, 0.955, 0.947]]),
        hot_water=np.array([_DHW_WORK_WEEKDAY, _DHW_WORK_WEEKEND])),
    "industry": ClassRhythm(  # BDEW GMK
        hot_water_share=0.05, circulation_share=0.3,
        day_factors=np.array([1.070, 1.037, 0.993, 0.995, 1.066, 0.936, 0.903]),
        space=np.array([
            [0.940, 0.943, 0.954, 0.962, 0.972, 1.031, 1.114, 1.205, 1.220, 1.185, 1.151, 1.091,
             1.036, 0.981, 0.949, 0.942, 0.920, 0.919, 0.908, 0.914, 0.915, 0.914, 0.914, 0.921],
            [1.002, 1.014, 1.030, 1.023, 1.014, 1.031, 1.056, 1.075, 1.062, 1.027, 1.018, 0.983,
             0.976, 0.957, 0.954, 0.950, 0.955, 0.972, 0.982, 0.969, 0.967, 0.985, 0.998, 1.001]]),
        hot_water=np.array([_DHW_WORK_WEEKDAY, _DHW_WORK_WEEKEND])),
}

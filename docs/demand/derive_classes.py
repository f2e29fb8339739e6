"""Derive the built-in class hour factors of ``simulator/inputs/demand_classes.py`` from BDEW data.

Not part of the package: run it with a Python that has ``demandlib`` (MIT; the BDEW/VKU/GEODE
standard load profile tables it ships), e.g. ``python docs/demand/derive_classes.py``. It prints
the 24-hour vectors pasted (rounded to 3 decimals) into ``demand_classes.py``.

Recipe, for each BDEW type (GHA commercial/retail, GKO offices and public administration, GMK
small industry; MFH multi-family for residential hot water):
1. space heat: the hour factors of the three coldest temperature classes (allocation temperature
   <= -5 °C, where space heat dominates), averaged over Monday-Friday (weekday) and over
   Saturday-Sunday (weekend); hot water: the warmest class (> 25 °C: hot water only);
2. a circular 3-hour moving mean (single-building noise out);
3. diversity: ``1 + DIVERSITY * (f - 1)``: an area substation aggregates hundreds of buildings
   whose schedules differ, so its swing is smaller than one building's (Gadd & Werner 2013
   measure +7 % in the morning for aggregated Swedish substations against +24-49 % for one
   BDEW building);
4. rescaled to mean 1.
"""

from pathlib import Path

import numpy as np
import pandas as pd
from demandlib import bdew

DIVERSITY = 0.5  # est.: half of one building's swing survives aggregation (see step 3)
TABLE = Path(bdew.__file__).parent / "bdew_data" / "shlp_hour_factors.csv"


def _vector(frame: pd.DataFrame, columns: list[str], weekdays: list[int]) -> np.ndarray:
    rows = frame[frame.weekday.isin(weekdays)]
    hours = rows.groupby("hour_of_day")[columns].mean().mean(axis=1).to_numpy() * 24.0
    smooth = (np.roll(hours, 1) + hours + np.roll(hours, -1)) / 3.0
    damped = 1.0 + DIVERSITY * (smooth - 1.0)
    return damped / damped.mean()


def main() -> None:
    table = pd.read_csv(TABLE, index_col=0)
    cold = ["temp_intervall_01", "temp_intervall_02", "temp_intervall_03"]
    warm = ["temp_intervall_10"]
    for name, typ in (("commercial", "GHA"), ("public", "GKO"), ("industry", "GMK")):
        frame = table[table.shlp_type == typ]
        for label, cols in (("space", cold), ("hot_water", warm)):
            for day, days in (("weekday", [1, 2, 3, 4, 5]), ("weekend", [6, 7])):
                print(f"{name} {label}_{day}", np.round(_vector(frame, cols, days), 3).tolist())
    mfh = table[(table.shlp_type == "MFH") & (table.building_class == 2)]
    print("residential hot_water (MFH)", np.round(_vector(mfh, warm, [0]), 3).tolist())


if __name__ == "__main__":
    main()

"""The Espoo market series: the spot-price and marginal-carbon models, their calibration to
the published 2023 figures, and the shipped files being what the models write."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "networks" / "espoo"))

import series  # noqa: E402


@pytest.fixture(scope="module")
def calibration():
    return series.price_calibration()


def test_price_model_matches_the_published_2023_figures(calibration):
    wind = series.read_wind(series.CALIBRATION_YEAR)["wind_mw"].to_numpy()
    t23 = series.read_t_air(series.CALIBRATION_YEAR)
    price = series.spot_price(wind, t23, calibration)
    assert price.mean() == pytest.approx(56.5, abs=0.05)  # annual mean (ENTSO-E)
    assert np.median(price) == pytest.approx(42.8, abs=0.1)
    assert abs(int((price < 0).sum()) - 467) <= 2  # negative hours
    by_hour = pd.Series(price).groupby(series.local_hour(t23)).mean()
    assert by_hour.idxmin() in (3, 4) and by_hour.min() == pytest.approx(33.0, rel=0.05)
    assert by_hour.idxmax() == 9 and by_hour[9] == pytest.approx(82.0, rel=0.05)
    assert by_hour[19] == pytest.approx(73.0, rel=0.05)
    assert 40.0 < price.std() < 70.0  # published sd 56.7


def test_price_falls_with_wind_within_every_month(calibration):
    t = series.read_t_air(series.WEATHER_YEAR)
    wind = series.weather_year_wind_mw()
    price = series.spot_price(wind, t, calibration)
    month = t.index.month.to_numpy()
    for m in range(1, 13):
        at = month == m
        assert np.corrcoef(wind[at], price[at])[0, 1] < -0.3, m


def test_marginal_plant_follows_the_residual_load():
    t = series.read_t_air(series.WEATHER_YEAR)
    wind = series.weather_year_wind_mw()
    price = np.full(len(t), 50.0)
    g = series.marginal_intensity(wind, t, price)
    assert set(np.unique(g)) <= set(np.round(np.linspace(10, 360, 10000), 1)) | {570.0, 850.0}
    _, residual = series.residual_load(wind, t)
    low, high = residual < np.quantile(residual, 0.2), residual > np.quantile(residual, 0.6)
    assert np.all(g[low] == series.MARGINAL_HYDRO) and np.all(g[high] >= 360.0)
    cold_peak = (residual > np.quantile(residual, 0.96)) & (series.heating_index(t) >= 0.5)
    assert cold_peak.any() and np.all(g[cold_peak] == series.MARGINAL_CONDENSING)
    g_neg = series.marginal_intensity(wind, t, np.full(len(t), -1.0))
    assert np.all(g_neg == series.MARGINAL_WIND_CURTAILED)


def test_shipped_files_are_what_the_models_write(calibration):
    t = series.read_t_air(series.WEATHER_YEAR)
    wind = series.weather_year_wind_mw()
    price = series.spot_price(wind, t, calibration)
    shipped = pd.read_csv(series.HERE / "spot_price.csv")
    np.testing.assert_allclose(shipped["eur_per_mwh"], price, atol=0.006)
    marginal = pd.read_csv(series.HERE / "grid_co2_marginal.csv")
    np.testing.assert_allclose(marginal["g_per_kwh"],
                               series.marginal_intensity(wind, t, price), atol=0.06)
    assert len(shipped) == len(marginal) == 8760
    # marginal CO2 far above the average mix (research report E: MEF > AEF)
    average = pd.read_csv(series.HERE / "grid_co2.csv")["g_per_kwh"]
    assert marginal["g_per_kwh"].mean() > 4 * average.mean()

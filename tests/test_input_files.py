"""Bad hourly data files are refused with the file and the line (or hour), never run silently.

The test district is built from scratch; each case writes one small CSV (48 hours of 2019, the
scenario's source year) with one flaw and runs ``districtsim validate`` in this process.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from simulator.cli import main
from simulator.config import load_config
from simulator.district import load_district
from simulator.inputs import build_inputs
from simulator.inputs.series import MAX_GAP_H

from networks_factory import scenario, write_district

HOURS = 48
UNITS = [{"name": "gas_main", "type": "boiler", "heat_mw": 6.0, "fuel": "natural_gas",
          "efficiency": 0.95}]


@pytest.fixture(scope="module")
def district(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_district(tmp_path_factory.mktemp("files") / "district")


def rows(values: list[float] | None = None) -> list[list[str]]:
    times = pd.date_range("2019-01-01", periods=HOURS, freq="h")
    values = values if values is not None else list(-5.0 + np.sin(np.arange(HOURS) / 4))
    return [[f"{t:%Y-%m-%dT%H:%M}", f"{v}"] for t, v in zip(times, values, strict=True)]


def csv_text(body: list[list[str]], header: str = "time,t_air_c") -> str:
    return header + "\n" + "".join(",".join(r) + "\n" for r in body)


def config(tmp_path: Path, district: Path, weather: Path, **extra) -> Path:
    raw = scenario(UNITS)
    raw["district"] = str(district)
    raw["period"]["hours"] = HOURS
    raw["weather"] = {"file": str(weather), "source_year": 2019}
    raw.update(extra)
    path = tmp_path / "s.yaml"
    path.write_text(yaml.safe_dump(raw))
    return path


def problems(path: Path, capsys: pytest.CaptureFixture[str]) -> str:
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    return err


def weather_case(tmp_path, district, capsys, data: bytes | str) -> tuple[Path, str]:
    weather = tmp_path / "weather.csv"
    weather.write_bytes(data if isinstance(data, bytes) else data.encode())
    return weather, problems(config(tmp_path, district, weather), capsys)


def _edit(body: list[list[str]], line: int, cells: list[str]) -> list[list[str]]:
    """``body`` with the row at file line ``line`` (the header is line 1) replaced."""
    body = [list(r) for r in body]
    body[line - 2] = cells
    return body


CASES = {
    "unparseable timestamp": (csv_text(_edit(rows(), 7, ["yesterday", "1.0"])),
                              "line 7: timestamp 'yesterday'"),
    "duplicated hour": (csv_text(_edit(rows(), 5, ["2019-01-01T02:00", "1.0"])),
                        "lines 4, 5: the hour 2019-01-01T02:00"),
    "missing hour": (csv_text(rows()[:10] + rows()[11:]), "first missing 2019-01-01T10:00"),
    "non-hourly step": (csv_text(_edit(rows(), 9, ["2019-01-01T07:30", "1.0"])),
                        "line 9: 2019-01-01T07:30 is not on a whole hour"),
    "mixed time zones": (csv_text(_edit(rows(), 3, ["2019-01-01T03:00+02:00", "1.0"])),
                         "mixed time zones"),
    "not UTF-8": (csv_text(rows()).encode()[:60] + b"\xe9" + csv_text(rows()).encode()[60:],
                  "not UTF-8 text"),
    "empty file": ("", "the file is empty"),
    "header only": ("time,t_air_c\n", "no data rows"),
    "missing column": (csv_text(rows(), "time,temperature"), "column 't_air_c' not found"),
    "air 500 °C": (csv_text(_edit(rows(), 12, ["2019-01-01T10:00", "500"])),
                   "line 12: t_air_c 500 is outside -60..50"),
    "air -500 °C": (csv_text(_edit(rows(), 30, ["2019-01-02T04:00", "-500"])),
                    "line 30: t_air_c -500 is outside -60..50"),
    "not a number": (csv_text(_edit(rows(), 20, ["2019-01-01T18:00", "warm"])),
                     "line 20: t_air_c 'warm' is not a number"),
    "infinite": (csv_text(_edit(rows(), 20, ["2019-01-01T18:00", "inf"])), "must be finite"),
    "long gap": (csv_text(rows([*range(10), *[float("nan")] * 30, *range(8)])),
                 "30 hours without a value from 2019-01-01T10:00"),
    "no value at all": (csv_text(rows([float("nan")] * HOURS)), "48 hours without a value"),
}


@pytest.mark.parametrize("case", CASES)
def test_bad_weather_file_names_file_and_line(tmp_path, district, capsys, case):
    data, expected = CASES[case]
    weather, err = weather_case(tmp_path, district, capsys, data)
    assert f"{weather}: weather: " in err and expected in err, err


def test_not_a_regular_file(tmp_path, district, capsys):
    err = problems(config(tmp_path, district, Path("/dev/zero")), capsys)
    assert "/dev/zero: weather: not a regular file" in err


def test_a_bom_and_utc_offsets_read_as_utc(tmp_path, district):
    base = rows()
    shifted = [[(pd.Timestamp(t) + pd.Timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M+02:00"), v]
               for t, v in base]
    results = []
    for name, body, prefix in (("utc", base, ""), ("offset", shifted, "\ufeff")):
        weather = tmp_path / f"{name}.csv"
        weather.write_text(prefix + csv_text(body), encoding="utf-8")
        scenario_ = load_config(config(tmp_path, district, weather))
        d = load_district(scenario_.district)
        results.append(build_inputs(scenario_, d.heat.consumer_names, d.heat.consumer_design_w))
    np.testing.assert_array_equal(results[0].t_air_k, results[1].t_air_k)


def test_short_gaps_are_filled_and_every_fill_counted(tmp_path, district):
    """Gaps up to MAX_GAP_H hours are interpolated; the count adds up over every file (the
    weather's count was once overwritten by the availability files')."""
    values = list(-5.0 + np.arange(HOURS) * 0.1)
    gappy = values[:]
    gappy[10:10 + MAX_GAP_H] = [float("nan")] * MAX_GAP_H
    gappy[30] = float("nan")
    weather = tmp_path / "gappy.csv"
    weather.write_text(csv_text(rows(gappy)))
    share = tmp_path / "share.csv"
    share.write_text(csv_text(rows([1.0, float("nan"), *[1.0] * (HOURS - 2)]), "time,share"))
    units = [{**UNITS[0], "availability": {"file": str(share), "column": "share"}}]
    path = config(tmp_path, district, weather, units=units)
    scenario_ = load_config(path)
    d = load_district(scenario_.district)
    inputs = build_inputs(scenario_, d.heat.consumer_names, d.heat.consumer_design_w)
    assert inputs.filled_values == MAX_GAP_H + 1 + 1
    np.testing.assert_allclose(inputs.t_air_k - 273.15, values, atol=1e-9)  # linear data


@pytest.mark.parametrize(("key", "value", "expected"), [
    ("carbon", {"grid_intensity_g_per_kwh": -50}, "greater than or equal to 0"),
    ("electric_load", {"scale": -1}, "greater than or equal to 0"),
])
def test_negative_constants_are_refused(tmp_path, district, capsys, key, value, expected):
    weather = tmp_path / "w.csv"
    weather.write_text(csv_text(rows()))
    err = problems(config(tmp_path, district, weather, **{key: value}), capsys)
    assert key in err and expected in err


@pytest.mark.parametrize(("key", "column", "bad", "expected"), [
    ("carbon", "g_per_kwh", "-80", "is outside 0..inf (must not be negative)"),
    ("electric_load", "scale", "-0.5", "is outside 0..inf"),
    ("availability", "share", "1.5", "is outside 0..1 (a share of capacity)"),
])
def test_hourly_files_out_of_range(tmp_path, district, capsys, key, column, bad, expected):
    weather = tmp_path / "w.csv"
    weather.write_text(csv_text(rows()))
    data = tmp_path / f"{key}.csv"
    data.write_text(csv_text(_edit(rows([1.0] * HOURS), 6, ["2019-01-01T04:00", bad]),
                             f"time,{column}"))
    hourly = {"file": str(data), "column": column}
    extra = {"carbon": {"carbon": {"grid_intensity_g_per_kwh": hourly}},
             "electric_load": {"electric_load": {"scale": hourly}},
             "availability": {"units": [{**UNITS[0], "availability": hourly}]}}[key]
    err = problems(config(tmp_path, district, weather, **extra), capsys)
    assert f"{data}: " in err and f"line 6: {column} {float(bad):g} {expected}" in err, err

"""Tests for simulator.output.plots / .report: figures of a real 48-hour Schutterwald cube, of
variants of it (failed hours, no lines or positions, a store), and of a real sweep directory."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest
import xarray as xr
from PIL import Image

from simulator.api import run
from simulator.cli import main
from simulator.output.cube import open_results, write_cube
from simulator.output.plots import FIGURES, plot_results
from simulator.output.report import map_frame, mask_failed, week_window, write_index
from simulator.output.summary import format_summary, summarize

from conftest import SCHUTTERWALD

ALL_PNGS = {f"{key}.png" for key in FIGURES}
RESULTS = ("unit_heat_mw", "unit_el_mw", "unit_cop", "co2_t", "consumer_heat_mw",
           "consumer_t_supply_k", "junction_t_k", "bus_vm_pu", "line_loading_percent",
           "trafo_loading_percent", "heat_supplied_mw", "grid_import_mw")


def check_png(path: Path) -> None:
    """A readable PNG of more than 5 kB that is not a single colour."""
    assert path.suffix == ".png" and path.stat().st_size > 5_000, path
    with Image.open(path) as img:
        assert img.format == "PNG"
        pixels = np.asarray(img.convert("RGB"), dtype=float)
    assert pixels.shape[0] > 200 and pixels.shape[1] > 400
    assert pixels.std() > 0


@pytest.fixture(scope="module")
def cube(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return run(SCHUTTERWALD, hours=48, output=tmp_path_factory.mktemp("cube") / "sw48.nc")


@pytest.fixture(scope="module")
def written(cube: Path) -> list[Path]:
    return plot_results(cube)


def variant(cube: Path, path: Path, failed: slice | None = None, drop_network: bool = False,
            store: bool = False) -> Path:
    """The real cube changed the way the simulator writes such cases, saved as a new cube."""
    ds = open_results(cube)
    if failed is not None:  # as coupling writes a failed hour: NaN results, flags 0
        for name in RESULTS:
            ds[name][{"time": failed}] = np.nan
        for flag in ("converged", "heat_converged", "grid_converged"):
            ds[flag][{"time": failed}] = 0
    if drop_network:
        ds = ds.isel(line=[], trafo=[]).assign_coords(
            junction_x=ds["junction_x"] * np.nan, bus_x=ds["bus_x"] * np.nan)
    if store:  # a store that charges and discharges 0.3 MW on a 25-hour cycle
        st = ds.isel(unit=[0]).assign_coords(unit=["store"])
        heat_mw = 0.3 * np.sin(np.arange(ds.sizes["time"]) * 2 * np.pi / 25)
        st["unit_heat_mw"][:] = heat_mw[None, :]  # (unit, time)
        st["storage_energy_mwh"][:] = (2.0 - np.cumsum(heat_mw))[None, :]
        st["unit_cop"][:] = np.nan
        ds = xr.concat([ds, st], dim="unit", data_vars="minimal", coords="minimal",
                       compat="override")
    return write_cube(ds, path)


def test_every_figure_is_a_real_png(cube: Path, written: list[Path]) -> None:
    assert written[-1] == cube.with_name("sw48_figures") / "index.html"
    assert {p.name for p in written[:-1]} == ALL_PNGS  # Schutterwald has data for every figure
    for path in written[:-1]:
        check_png(path)


def test_index_is_standalone_and_complete(cube: Path, written: list[Path]) -> None:
    page = written[-1].read_text(encoding="utf-8")
    for png in ALL_PNGS:
        assert f'<img src="{png}"' in page
    sources = re.findall(r'src="([^"]*)"', page)
    assert sorted(sources) == sorted(ALL_PNGS)  # relative links only, no scripts or styles
    assert "<script" not in page and "<link" not in page
    figures = summarize(open_results(cube))
    summary = format_summary(figures, "schutterwald")
    for line in summary.splitlines()[2:]:  # every summary row, HTML-escaped
        assert line.replace("&", "&amp;").replace("<", "&lt;") in page
    assert f"{figures['co2_t']:.1f}" in page and "heat delivered" in page
    assert open_results(cube).attrs["config_sha256"] in page


def test_failed_hours_are_masked_and_marked(cube: Path, tmp_path: Path) -> None:
    path = variant(cube, tmp_path / "failed.nc", failed=slice(10, 16))
    ds = open_results(path)
    masked = mask_failed(ds)
    assert np.isnan(masked["unit_heat_mw"][10:16]).all()
    assert np.isfinite(masked["t_air_k"]).all()  # inputs are kept
    written = plot_results(path, tmp_path / "fig")
    assert {p.name for p in written[:-1]} == ALL_PNGS
    for p in written[:-1]:
        check_png(p)


def test_all_hours_failed_gives_the_input_figures(cube: Path, tmp_path: Path) -> None:
    path = variant(cube, tmp_path / "dead.nc", failed=slice(None))
    names = {p.name for p in plot_results(path, tmp_path / "fig")}
    assert {"dispatch_week.png", "co2_intensity.png", "supply_temperature.png"} <= names
    assert not names & {"load_duration.png", "heat_network_map.png", "grid_map.png",
                        "heat_pump_cop.png", "bus_voltage.png", "branch_loading.png"}


def test_no_lines_trafos_or_positions(cube: Path, tmp_path: Path) -> None:
    path = variant(cube, tmp_path / "bare.nc", drop_network=True)
    written = plot_results(path, tmp_path / "fig")
    assert {p.name for p in written[:-1]} == ALL_PNGS - {
        "branch_loading.png", "heat_network_map.png", "grid_map.png"}
    page = written[-1].read_text(encoding="utf-8")
    assert "grid_map.png" not in page


def test_storage_charging_is_drawn(cube: Path, tmp_path: Path) -> None:
    path = variant(cube, tmp_path / "store.nc", store=True)
    written = plot_results(path, tmp_path / "fig")
    assert {p.name for p in written[:-1]} == ALL_PNGS
    for p in written[:-1]:
        check_png(p)


def test_week_window(cube: Path) -> None:
    ds = open_results(cube)
    window = week_window(ds)
    peak = ds["time"].values[int(ds["heat_demand_mw"].argmax())]
    assert window.start.dayofweek == 0 and window.start <= peak <= window.stop
    assert week_window(ds, "2030-01-02").start == np.datetime64("2030-01-02")
    with pytest.raises(ValueError, match="outside the period"):
        week_window(ds, "2031-06-01")


def test_map_frame() -> None:
    aspect, geographic, ratio = map_frame(np.array([7.87, 7.89]), np.array([48.46, 48.47]))
    assert geographic and aspect == pytest.approx(1 / np.cos(np.radians(48.465)))
    assert ratio == pytest.approx(0.01 * aspect / 0.02)
    aspect, geographic, ratio = map_frame(np.array([0.0, 1000.0, np.nan]),
                                          np.array([0.0, 5000.0, 3.0]))
    assert not geographic and aspect == 1.0 and ratio == 1.5  # clipped


def test_index_escapes_text(tmp_path: Path) -> None:
    page = write_index(tmp_path, "<script>alert('x')</script> & co",
                       [("a b.png", 'caption "quoted" <b>')], summary="x < y",
                       attrs={"title": "<i>t</i>"}).read_text(encoding="utf-8")
    assert "<script>" not in page and "&lt;script&gt;" in page and "&amp; co" in page
    assert 'src="a%20b.png"' in page and "&quot;quoted&quot; &lt;b&gt;" in page
    assert "x &lt; y" in page and "&lt;i&gt;t&lt;/i&gt;" in page


def test_sweep_directory(tmp_path: Path) -> None:
    cases = []
    for heat_mw in (0.4, 1.2):
        path = run(SCHUTTERWALD, hours=12, output=tmp_path / f"hp_{heat_mw}.nc",
                   overrides={"units.0.heat_mw": heat_mw})
        cases.append({"case_id": path.stem, "parameters": {"units.0.heat_mw": heat_mw},
                      "status": "done"})
    (tmp_path / "manifest.json").write_text(json.dumps({"cases": cases}))
    written = plot_results(tmp_path)
    assert [p.name for p in written] == ["sweep_units__0__heat_mw.png", "index.html"]
    assert written[0].parent == tmp_path / "figures"
    check_png(written[0])
    page = written[1].read_text(encoding="utf-8")
    assert '<img src="sweep_units__0__heat_mw.png"' in page
    ds = open_results(tmp_path)
    for case in ("hp_0.4", "hp_1.2"):
        co2_t = summarize(ds.sel(scenario=case))["co2_t"]
        assert f"<td>{case}</td>" in page and f"<td>{co2_t:.2f}</td>" in page
    (tmp_path / "manifest.json").unlink()  # without parameters: one bar chart of the cases
    assert [p.name for p in plot_results(tmp_path, tmp_path / "bars")] == [
        "sweep_cases.png", "index.html"]


def test_cli_plot(cube: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["plot", str(cube), "--out", str(tmp_path / "cli")]) == 0
    assert capsys.readouterr().out.strip().endswith(str(tmp_path / "cli" / "index.html"))
    assert {p.name for p in (tmp_path / "cli").iterdir()} == ALL_PNGS | {"index.html"}
    assert main(["plot", str(tmp_path / "missing.nc")]) == 2
    assert main(["plot", str(cube), "--week", "2031-06-01", "--out", str(tmp_path / "x")]) == 2
    assert "outside the period" in capsys.readouterr().err

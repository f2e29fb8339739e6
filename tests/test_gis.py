"""Your own network from GIS: layers drawn from scratch import, run, and come back out.

The synthetic network is drawn here with shapely and written with geopandas as a QGIS user
would export it: a 20-segment trunk with 20 x 2 branches (220 pipes), every branch drawn 0.3 m
short of its trunk node (snapping), one branch starting on the middle of a trunk segment (a T),
a duplicated trunk segment and a dangling 2-vertex stub (dropped), heights on the line ends,
a pressure-holding plant at one end and a fixed-flow plant at the other.
"""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandapipes
import pandapower
import pytest
import xarray as xr
import yaml
from shapely.geometry import LineString, Point

from simulator.api import run
from simulator.cli import main
from simulator.gis.commands import export_network, export_results, import_network
from simulator.output.cube import open_results

from networks_factory import (
    FIXED_PLANT,
    SLACK_PLANT,
    build_grid,
    build_heat_net,
    scenario,
)

CRS = "EPSG:3067"  # ETRS-TM35FIN, metres
X0, Y0 = 385_000.0, 6_672_000.0
TRUNK_M, BRANCH_M, N_TRUNK, N_BRANCH = 100.0, 40.0, 20, 5
GAP_M = 0.3
CONSUMER_KW = 50.0
HOURS = 24
UNITS = [
    {"name": "gas_main", "type": "boiler", "heat_mw": 15.0, "fuel": "natural_gas",
     "efficiency": 0.95},
    {"name": "wood_east", "type": "boiler", "heat_mw": 2.0, "fuel": "wood_chips",
     "efficiency": 0.88, "plant": FIXED_PLANT},
]


def _height_m(x: float) -> float:
    return 20.0 * (x - X0) / (N_TRUNK * TRUNK_M)  # rising 20 m along the trunk


def _pipe(rows: list[dict], name: str, a: tuple[float, float], b: tuple[float, float],
          dn: int) -> None:
    rows.append({"name": name, "dn": dn, "series": 2, "from_height_m": _height_m(a[0]),
                 "to_height_m": _height_m(b[0]), "geometry": LineString([a, b])})


def draw_network(folder: Path, crs: str = CRS) -> Path:
    """The synthetic network as pipes/consumers/plants GeoJSON files in ``folder``."""
    pipes: list[dict] = []
    consumers: list[dict] = []
    trunk = [(X0 + TRUNK_M * k, Y0) for k in range(N_TRUNK + 1)]
    for k in range(N_TRUNK):
        _pipe(pipes, f"trunk{k}", trunk[k], trunk[k + 1], 250)
    for k in range(1, N_TRUNK + 1):
        for side in (1, -1):
            x, y0 = trunk[k]
            if k == 10 and side == 1:  # this branch starts on the middle of trunk segment 9
                x -= TRUNK_M / 2
            prev = (x, y0 + side * GAP_M)  # drawn 0.3 m short of the trunk: snapped
            for j in range(1, N_BRANCH + 1):
                end = (x, y0 + side * BRANCH_M * j)
                _pipe(pipes, f"b{k}{'ns'[side < 0]}{j}", prev, end, 65 if j == 1 else 50)
                consumers.append({"name": f"c{k}{'ns'[side < 0]}{j}",
                                  "design_kw": CONSUMER_KW, "geometry": Point(end)})
                prev = (end[0] + GAP_M, end[1])  # the next one starts 0.3 m off: snapped
    _pipe(pipes, "trunk3_copy", trunk[3], trunk[4], 250)  # a duplicate: dropped
    _pipe(pipes, "stub", trunk[5], (trunk[5][0] + 3.0, Y0 - 2.0), 50)  # dangling: dropped
    plants = [{"name": SLACK_PLANT, "type": "pressure", "geometry": Point(trunk[0])},
              {"name": FIXED_PLANT, "type": "flow", "geometry": Point(trunk[-1])}]
    folder.mkdir(parents=True, exist_ok=True)
    for name, rows in (("pipes", pipes), ("consumers", consumers), ("plants", plants)):
        gpd.GeoDataFrame(rows, crs=crs).to_file(folder / f"{name}.geojson", driver="GeoJSON")
    return folder


def write_yaml(root: Path, name: str, raw: dict) -> Path:
    path = root / name
    path.write_text(yaml.safe_dump(raw, sort_keys=False))
    return path


@pytest.fixture(scope="module")
def drawn(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A root folder with ``layers/`` (the drawn files) and ``district/`` imported from them."""
    root = tmp_path_factory.mktemp("gis")
    draw_network(root / "layers")
    pandapower.to_json(build_grid(), str(root / "electric.json"))
    import_network(root / "layers", root / "district", grid=root / "electric.json")
    return root


@pytest.fixture(scope="module")
def drawn_cube(drawn: Path) -> Path:
    config = write_yaml(drawn, "drawn.yaml", scenario(UNITS, name="drawn"))
    return run(config, hours=HOURS, output=drawn / "drawn.nc")


def test_drawn_network_imports_and_runs(drawn: Path, drawn_cube: Path) -> None:
    heat = pandapipes.from_json(str(drawn / "district" / "heat.json"))
    assert len(heat.pipe) == 2 * (N_TRUNK + 1 + 2 * N_TRUNK * N_BRANCH)  # the T split one
    assert len(heat.heat_consumer) == 2 * N_TRUNK * N_BRANCH
    assert heat.junction["height_m"].max() == pytest.approx(20.0)
    with open_results(drawn_cube) as ds:
        assert ds.sizes["time"] == HOURS
        assert (ds["converged"] == 1).all()
        np.testing.assert_allclose(ds["consumer_heat_mw"], ds["consumer_demand_mw"], rtol=1e-6)
        assert (ds["unit_heat_mw"].sel(unit="wood_east") > 1.0).all()
        assert float(ds["consumer_dp_bar"].min()) > 0.5


@pytest.mark.slow
def test_drawn_network_runs_a_week(drawn: Path) -> None:
    config = write_yaml(drawn, "drawn_week.yaml", scenario(UNITS, name="drawn_week"))
    with open_results(run(config, hours=168, output=drawn / "week.nc")) as ds:
        assert (ds["converged"] == 1).all()


def test_report_lists_snapped_joined_and_dropped(drawn: Path) -> None:
    report = json.loads((drawn / "district" / "import_report.json").read_text())
    assert len(report["snapped"]) == 2 * N_TRUNK * N_BRANCH  # every branch segment's start
    assert all("moved 0.30 m" in line for line in report["snapped"])
    assert len(report["joined"]) == 1 and "pipe 'trunk9'" in report["joined"][0]
    dropped = "\n".join(report["dropped"])
    assert "pipe 'trunk3_copy': duplicate of pipe 'trunk3'" in dropped
    assert "pipe 'stub': dangling" in dropped
    assert len(report["dropped"]) == 2
    text = (drawn / "district" / "import_report.txt").read_text()
    assert "dropped: 2" in text and "joined: 1" in text


def test_geographic_crs_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    layers = draw_network(tmp_path / "layers")
    for name in ("pipes", "consumers", "plants"):
        path = layers / f"{name}.geojson"
        gpd.read_file(path).to_crs("EPSG:4326").to_file(path, driver="GeoJSON")
    code = main(["import-network", str(layers), str(tmp_path / "district")])
    err = capsys.readouterr().err
    assert code == 2
    assert str(layers / "pipes.geojson") in err or str(layers / "consumers.geojson") in err
    assert "geographic" in err and "EPSG:4326" in err and "--crs" in err
    assert not (tmp_path / "district" / "heat.json").exists()
    # reprojected on import with --crs, the same layers import
    assert main(["import-network", str(layers), str(tmp_path / "d2"), "--crs", CRS]) == 0


def test_results_export_to_a_geopackage(drawn: Path, drawn_cube: Path) -> None:
    out = drawn / "results.gpkg"
    assert export_results(drawn_cube, out, CRS) == [out]
    layers = set(gpd.list_layers(out)["name"])
    assert layers == {"pipes", "junctions", "consumers"}
    pipes = gpd.read_file(out, layer="pipes")
    assert {"name", "peak_mdot_kg_per_s", "max_v_m_per_s", "mean_loss_kw",
            "min_t_c"} <= set(pipes.columns)
    assert (pipes.geom_type == "LineString").all() and len(pipes) > 400
    assert pipes.crs.to_epsg() == 3067
    consumers = gpd.read_file(out, layer="consumers")
    assert {"peak_heat_mw", "min_dp_bar", "min_t_supply_c", "unserved_mwh"} <= set(
        consumers.columns)
    assert (consumers["min_t_supply_c"] > 45.0).all()
    assert (pipes["mean_loss_kw"] > 0).mean() > 0.9


# -- round trip ---------------------------------------------------------------------------
def _cube_difference(a: xr.Dataset, b: xr.Dataset) -> float:
    """Largest |a - b| over every numeric data variable, elements matched by name."""
    worst = 0.0
    b = b.sel({d: a[d].values for d in ("junction", "pipe", "consumer") if d in a.dims})
    for name, var in a.data_vars.items():
        if var.dtype.kind in "fiub":
            x = var.to_numpy().astype(float)
            y = b[name].transpose(*var.dims).to_numpy().astype(float)
            assert np.array_equal(np.isnan(x), np.isnan(y)), name
            if x.size:
                worst = max(worst, float(np.nanmax(np.abs(x - y), initial=0.0)))
    return worst


def _factory_district(folder: Path) -> Path:
    """networks_factory's district with junction positions (a chain along x, 300 m apart,
    consumers 30 m north of their trunk node)."""
    net = build_heat_net()
    names = list(net.junction["name"])
    geo = []
    for name in names:
        trunk = name[0] in "sr" and name[1:].isdigit()
        k = int(name[1:]) if trunk else 1 + [n for n in names if n.endswith("_s")].index(
            f"{name[:-2]}_s")
        geo.append({"type": "Point", "coordinates": [X0 + 300.0 * k, Y0 + (0 if trunk else 30)]})
    net.junction["geo"] = geo
    folder.mkdir(parents=True)
    pandapipes.to_json(net, str(folder / "heat.json"))
    pandapower.to_json(build_grid(), str(folder / "electric.json"))
    return folder


def test_round_trip_gives_the_same_cube(tmp_path: Path) -> None:
    original = _factory_district(tmp_path / "district")
    export_network(original, tmp_path / "exported.gpkg", CRS)
    import_network(tmp_path / "exported.gpkg", tmp_path / "back",
                   grid=original / "electric.json")
    units = [{**UNITS[0], "heat_mw": 6.0}, {**UNITS[1], "heat_mw": 1.2}]
    cubes = []
    for district in ("district", "back"):
        raw = {**scenario(units, name=district), "district": district}
        config = write_yaml(tmp_path, f"{district}.yaml", raw)
        cubes.append(open_results(run(config, hours=48, output=tmp_path / f"{district}.nc")))
    assert list(cubes[0]["junction"].values) == sorted(cubes[1]["junction"].values, key=list(
        cubes[0]["junction"].values).index)
    difference = _cube_difference(*cubes)
    print(f"round trip: max |difference| over the 48-hour cube {difference:.3g}")
    assert difference <= 1e-6


@pytest.mark.slow
def test_espoo_round_trip(tmp_path: Path) -> None:
    espoo = Path(__file__).resolve().parents[1] / "networks" / "espoo"
    config = Path(__file__).resolve().parents[1] / "configs" / "espoo_2030.yaml"
    export_network(espoo, tmp_path / "espoo.gpkg", "EPSG:4326")  # Espoo's positions: lon/lat
    import_network(tmp_path / "espoo.gpkg", tmp_path / "back", crs=CRS,
                   grid=espoo / "electric.json")
    cubes = [open_results(run(config, hours=48, output=tmp_path / "a.nc")),
             open_results(run(config, hours=48, output=tmp_path / "b.nc",
                              overrides={"district": str(tmp_path / "back")}))]
    difference = _cube_difference(*cubes)
    print(f"Espoo round trip: max |difference| over the 48-hour cube {difference:.3g}")
    assert difference <= 1e-6


def test_core_import_stays_free_of_geopandas() -> None:
    """``import simulator`` and the command line load no geopandas (pandapower itself imports
    it when installed, so the solver-loading modules are not asked)."""
    import subprocess
    import sys

    code = ("import sys, simulator, simulator.cli, simulator.gis.commands; "
            "sys.exit('geopandas' in sys.modules)")
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0


def test_catalogue_matches_the_pandapipes_isoplus_types() -> None:
    """The catalogue's diameters and U are pandapipes' ISOPLUS_DRE values (its source),
    U per m2 of steel outer surface as pandapipes computes the loss."""
    from simulator.gis.catalogue import DN_VALUES, ESTIMATED, pipe_spec

    net = pandapipes.create_empty_network(fluid="water")
    for dn in DN_VALUES:
        for series, suffix in ((1, "STD"), (2, "1x"), (3, "2x")):
            spec = pipe_spec(dn, series)
            std = pandapipes.std_types.load_std_type(net, f"ISOPLUS_DRE{dn}_{suffix}", "pipe")
            assert spec.inner_diameter_mm == pytest.approx(std["inner_diameter_mm"])
            assert spec.outer_diameter_mm == pytest.approx(std["outer_diameter_mm"])
            if (dn, series) not in ESTIMATED:
                assert spec.u_w_per_mk == pytest.approx(std["u_w_per_mk"])
                assert spec.u_w_per_m2k == pytest.approx(
                    std["u_w_per_mk"] / (np.pi * std["outer_diameter_mm"] / 1e3))

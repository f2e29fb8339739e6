"""The GIS commands: ``import-network``, ``export-network``, ``export-results``.

``import-network SOURCE DISTRICT`` reads the layers of SOURCE (:mod:`simulator.gis.layers`),
builds the drawn network (:mod:`simulator.gis.snap`), doubles it into supply and return
(:mod:`simulator.heat.build`), checks it like every district (:mod:`simulator.heat.checks`)
and writes ``DISTRICT/heat.json``, the report ``DISTRICT/import_report.txt`` and
``DISTRICT/import_report.json`` (what was snapped, joined, dropped and assumed; the CRS) and,
with ``grid``, a copy of that ``electric.json``. Nothing is written when the network has
problems (ConfigError, exit 2).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from simulator.config import ConfigError
from simulator.gis.plan import Plan, report_text

REPORT_JSON = "import_report.json"
REPORT_TEXT = "import_report.txt"


def import_network(source: Path, district: Path, grid: Path | None = None,
                   crs: str | None = None, snap_m: float = 1.0,
                   connect_m: float = 10.0) -> tuple[Plan, Path]:
    """Import ``source`` into the district folder ``district``; the plan and heat.json path."""
    from simulator.gis import layers  # geopandas loads here, not with the package
    from simulator.gis.snap import build_plan
    from simulator.heat.build import build_net, write_json
    from simulator.heat.checks import network_problems

    if not snap_m > 0 or not connect_m > 0:
        raise ConfigError(["--snap-m and --connect-m must be positive distances (m)"])
    if grid is not None and not grid.is_file():
        raise ConfigError([f"--grid: {grid}: no such file"])
    frames, used_crs = layers.read_source(source, crs)
    lines, pipes = layers.line_coords(frames["pipes"])
    consumer_xy, consumers = layers.point_coords(frames["consumers"])
    plant_xy, plants = layers.point_coords(frames["plants"])
    junction_xy, junctions = layers.point_coords(frames.get("junctions"))
    plan = build_plan(lines, pipes, consumer_xy, consumers, plant_xy, plants, junction_xy,
                      junctions, snap_m, connect_m)
    net = build_net(plan, name=district.name)
    problems = network_problems(net)
    if problems:
        raise ConfigError([f"{source}: {p}" for p in problems])
    district.mkdir(parents=True, exist_ok=True)
    heat = district / "heat.json"
    write_json(net, str(heat))
    if grid is not None:
        shutil.copyfile(grid, district / "electric.json")
    (district / REPORT_TEXT).write_text(report_text(plan.report))
    (district / REPORT_JSON).write_text(json.dumps(
        {"source": str(source), "crs": used_crs, "snap_m": snap_m, "connect_m": connect_m,
         "pipes": len(plan.pipes), "consumers": len(plan.consumers),
         "plants": len(plan.plants), **plan.report}, indent=1))
    return plan, heat


def _with_coords(plan: Plan) -> dict:
    """The plan's tables as layers: junction points, pipe lines, consumer and plant points."""
    xy = {n: (float(r["x"]), float(r["y"])) for n, r in plan.nodes.iterrows()}
    junctions = plan.nodes.drop(columns=["x", "y"]).reset_index(names="node")
    junctions["coords"] = [[xy[n]] for n in junctions["node"]]
    consumers, plants = plan.consumers.copy(), plan.plants.copy()
    consumers["coords"] = [[xy[n]] for n in consumers["node"]]
    plants["coords"] = [[xy[n]] for n in plants["node"]]
    return {"pipes": plan.pipes, "consumers": consumers, "plants": plants,
            "junctions": junctions}


def export_network(district: Path, out: Path, crs: str | None = None) -> list[Path]:
    """Write the district folder's heat.json as GIS layers (``pipes``, ``consumers``,
    ``plants``, ``junctions``) carrying every value the net solves with; the files written.
    ``crs``: the coordinate system of the junction positions (default: the one the import
    recorded in the district folder, else none)."""
    from simulator.gis import layers
    from simulator.heat.build import net_plan
    from simulator.heat.checks import read_net

    net, problems = read_net(district / "heat.json")
    if net is None or problems:
        raise ConfigError([f"{district / 'heat.json'}: {p}" for p in problems])
    if crs is None and (district / REPORT_JSON).is_file():
        crs = json.loads((district / REPORT_JSON).read_text()).get("crs")
    return layers.write_layers(out, _with_coords(net_plan(net)), crs)


def export_results(cube: Path, out: Path, crs: str | None = None) -> list[Path]:
    """Write a cube's per-element summaries (:mod:`simulator.gis.results`) as GIS layers."""
    from simulator.gis import layers
    from simulator.gis.results import result_tables
    from simulator.output.cube import open_results

    try:
        ds = open_results(cube)
    except (FileNotFoundError, OSError, ValueError) as err:
        raise ConfigError([f"{cube}: cannot open cube: {err}"]) from None
    with ds:
        try:
            tables = result_tables(ds)
        except ValueError as err:
            raise ConfigError([f"{cube}: {err}"]) from None
    return layers.write_layers(out, tables, crs)

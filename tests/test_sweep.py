"""Sweeps: expansion and up-front validation, a real Dask LocalCluster, failures, resume,
jobqueue job scripts. Real solvers and netCDF files throughout; short (4-hour) cases."""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml

from simulator.cli import main
from simulator.config import ConfigError, load_config
from simulator.output.cube import open_results
from simulator.sweep.executors import jobqueue_cluster
from simulator.sweep.manifest import MANIFEST, cube_matches
from simulator.sweep.progress import Progress
from simulator.sweep.runner import run_sweep
from simulator.sweep.spec import expand, load_sweep, plan
from simulator.threads import pin_threads

from conftest import ROOT, SCHUTTERWALD

SHIPPED = ROOT / "configs" / "sweeps" / "schutterwald_heat_pump.yaml"
HOURS = 4
HP, EB = "units.0.heat_mw", "units.1.heat_mw"  # ground_hp, eboiler in the base scenario


def write_sweep(folder: Path, name: str = "sweep.yaml", **fields: Any) -> Path:
    """A sweep file in ``folder`` whose base is the shipped Schutterwald scenario, given by a
    path relative to the sweep file (so both relative resolutions are exercised)."""
    raw = {"base": os.path.relpath(SCHUTTERWALD, folder), "mode": "grid", **fields}
    path = folder / name
    path.write_text(yaml.safe_dump(raw, sort_keys=False))
    return path


def manifest_of(out: Path) -> dict[str, dict[str, Any]]:
    return {c["case_id"]: c for c in json.loads((out / MANIFEST).read_text())["cases"]}


# --- expansion and validation, nothing runs ------------------------------------------------

def test_grid_is_the_cartesian_product_and_zip_pairs(tmp_path):
    grid = load_sweep(write_sweep(tmp_path, parameters={HP: [0.4, 0.8], EB: [0.1, 0.2, 0.3]}))
    assert grid.name == "sweep" and grid.base == SCHUTTERWALD.resolve()
    assert expand(grid) == [{HP: a, EB: b} for a in (0.4, 0.8) for b in (0.1, 0.2, 0.3)]
    zipped = load_sweep(write_sweep(tmp_path, "z.yaml", mode="zip",
                                    parameters={HP: [0.4, 0.8], EB: [0.1, 0.2]}))
    assert expand(zipped) == [{HP: 0.4, EB: 0.1}, {HP: 0.8, EB: 0.2}]


def test_plan_hashes_are_those_of_load_config_and_fixed_applies_to_all(tmp_path):
    sweep = load_sweep(write_sweep(tmp_path, parameters={HP: [0.4, 0.8]},
                                   fixed={"period.hours": 24}))
    cases = plan(sweep)
    assert [c.case_id for c in cases] == ["case_000", "case_001"]
    for case in cases:
        scenario = load_config(SCHUTTERWALD, {"period.hours": 24, **case.parameters})
        assert case.config_sha256 == scenario.sha256()
        assert case.hours == 24 and scenario.units[0].heat_mw == case.parameters[HP]
        assert scenario.district.is_dir()  # the base's own relative paths resolved beside it
    assert plan(sweep, hours=6)[0].hours == 6
    assert cases[0].config_sha256 != cases[1].config_sha256


@pytest.mark.parametrize("path", sorted((ROOT / "configs" / "sweeps").glob("*.yaml")),
                         ids=lambda p: p.stem)
def test_every_shipped_sweep_is_valid(path):
    sweep = load_sweep(path)
    cases = plan(sweep)
    assert len(cases) == int(np.prod([len(v) for v in sweep.parameters.values()]))
    assert len({c.config_sha256 for c in cases}) == len(cases)


def test_shipped_schutterwald_sweep_expands_to_its_grid():
    cases = plan(load_sweep(SHIPPED))
    assert len(cases) == 6
    assert [(c.parameters["units.ground_hp.heat_mw"], c.parameters["units.eboiler.heat_mw"])
            for c in cases] == [(hp, eb) for hp in (0.4, 0.8, 1.2) for eb in (0.25, 0.5)]
    assert all(set(c.overrides) == {HP, EB} for c in cases)


def test_bad_case_stops_the_sweep_before_anything_runs(tmp_path, capsys):
    path = write_sweep(tmp_path, parameters={HP: [0.4, -1.0], EB: [0.5]})
    out = tmp_path / "out"
    code = main(["sweep", str(path), "--executor", "serial", "--out", str(out)])
    assert code == 2
    err = capsys.readouterr().err
    assert str(path) in err and "case_001" in err and "units[0].heat_mw" in err
    assert "case_000" not in err
    assert not out.exists()


def test_sweep_file_problems_are_reported_at_once(tmp_path):
    path = write_sweep(tmp_path, mode="zip", parameters={HP: [0.4, 0.8], EB: [0.5]},
                       replicates=3, colour="red")
    with pytest.raises(ConfigError) as err:
        load_sweep(path)
    text = "\n".join(err.value.problems)
    assert len(err.value.problems) == 3
    assert "replicates: not supported" in text and "colour: unknown key" in text
    assert "equal length" in text and all(p.startswith(str(path)) for p in err.value.problems)


def test_list_items_can_be_named_instead_of_indexed(tmp_path):
    sweep = load_sweep(write_sweep(tmp_path, parameters={"units.eboiler.heat_mw": [0.3, 0.7]}))
    cases = plan(sweep)
    assert cases[1].parameters == {"units.eboiler.heat_mw": 0.7}
    assert cases[1].overrides == {EB: 0.7}
    assert load_config(SCHUTTERWALD, cases[1].overrides).sha256() == cases[1].config_sha256
    clash = load_sweep(write_sweep(tmp_path, "c.yaml", mode="zip",
                                   parameters={"units.eboiler.heat_mw": [0.3], EB: [0.4]}))
    with pytest.raises(ConfigError, match=r"the same key as units\.eboiler\.heat_mw"):
        plan(clash)


@pytest.mark.parametrize(("key", "reason"), [
    ("units.7.heat_mw", "index 7 out of range"),
    ("units.fusion.heat_mw", "no item named 'fusion' (index or name: ground_hp, eboiler"),
    ("name.x", "single value"),
])
def test_bad_dotted_keys_are_named(tmp_path, key, reason):
    sweep = load_sweep(write_sweep(tmp_path, parameters={key: [1.0]}))
    with pytest.raises(ConfigError) as err:
        plan(sweep)
    (problem,) = err.value.problems
    assert problem.startswith(f"{sweep.path}: parameters.{key}: ") and reason in problem


# --- a real LocalCluster ---------------------------------------------------------------------

@pytest.fixture(scope="module")
def grid_sweep(tmp_path_factory) -> tuple[Path, Path, int]:
    """A 2x2 sweep run by ``python -m simulator sweep`` (a fresh process, as a user runs it) on
    a LocalCluster of 2 workers: (sweep file, out, exit code)."""
    folder = tmp_path_factory.mktemp("grid")
    path = write_sweep(folder, name="grid.yaml", parameters={HP: [0.3, 0.9], EB: [0.2, 0.6]})
    out = folder / "results"
    env = {k: v for k, v in os.environ.items() if k != "NUMBA_CACHE_DIR"}
    env["PYTHONPATH"] = str(ROOT)
    done = subprocess.run([sys.executable, "-m", "simulator", "sweep", str(path), "--executor",
                           "local", "--workers", "2", "--hours", str(HOURS), "--out", str(out)],
                          env=env, check=False)
    return path, out, done.returncode


def test_local_cluster_grid_gives_four_cubes_a_manifest_and_one_combined_cube(grid_sweep):
    _, out, code = grid_sweep
    assert code == 0
    assert sorted(p.name for p in out.glob("*.nc")) == [f"case_00{i}.nc" for i in range(4)]
    cases = manifest_of(out)
    assert all(c["status"] == "done" and c["error"] is None for c in cases.values())
    assert all(c["wall_time_s"] > 0 for c in cases.values())
    assert len({c["worker"] for c in cases.values()}) == 2
    ds = open_results(out)
    assert ds.sizes["scenario"] == 4 and ds.sizes["time"] == HOURS
    assert ds.case_id.values.tolist() == ["case_000", "case_001", "case_002", "case_003"]
    assert ds["units__0__heat_mw"].values.tolist() == [0.3, 0.3, 0.9, 0.9]
    assert ds["units__1__heat_mw"].values.tolist() == [0.2, 0.6, 0.2, 0.6]
    for case_id, case in cases.items():
        cube = ds.sel(scenario=case_id)
        assert cube_matches(out / f"{case_id}.nc", case["config_sha256"], HOURS)
        # each case simulated its own capacities: the heat pump never exceeds its size
        hp = cube.unit_heat_mw.sel(unit="ground_hp")
        assert float(hp.max()) <= case["parameters"][HP] + 1e-6
    hp_peak = ds.unit_heat_mw.sel(unit="ground_hp").max("time").values
    assert hp_peak[2] > hp_peak[0] + 0.1  # a bigger heat pump did deliver more


def test_workers_load_the_compiled_code_the_client_warmed_instead_of_compiling(grid_sweep):
    _, out, _ = grid_sweep
    header = json.loads((out / MANIFEST).read_text())
    assert header["numba_cache_dir"] == str(out / ".numba-cache")  # beside the cubes
    assert header["warm_up_s"] > 0
    names = {p.name.split("-")[0] for p in (out / ".numba-cache").rglob("*.nbi")}
    assert "derivative_toolbox_numba.derivatives_hydraulic_incomp_numba" in names
    assert "makeYbus_numba.gen_Ybus" in names
    # no worker compiled anything, not even on its first case
    assert [c["compile_s"] for c in manifest_of(out).values()] == [0.0] * 4

def test_existing_results_are_not_overwritten_without_resume(grid_sweep, capsys):
    path, out, _ = grid_sweep
    before = {p.name: p.stat().st_mtime_ns for p in out.iterdir()}
    assert main(["sweep", str(path), "--executor", "serial", "--out", str(out)]) == 2
    assert "--resume" in capsys.readouterr().err
    assert {p.name: p.stat().st_mtime_ns for p in out.iterdir()} == before


def test_resume_runs_exactly_the_missing_case_and_removes_stale_temp_files(grid_sweep, tmp_path):
    path, finished, _ = grid_sweep
    out = tmp_path / "killed"
    shutil.copytree(finished, out)
    (out / "case_002.nc").unlink()  # killed while case_002 was being written:
    (out / ".case_002.nc.tmp-4242-deadbeef").write_bytes(b"partial netCDF")
    (out / ".manifest.json.tmp-4242-cafe0123").write_text("{")
    manifest = json.loads((out / MANIFEST).read_text())
    manifest["cases"][2].update(status="pending", wall_time_s=None)
    (out / MANIFEST).write_text(json.dumps(manifest))
    untouched = {n: (out / n).stat().st_mtime_ns for n in ("case_000.nc", "case_001.nc",
                                                            "case_003.nc")}
    report = run_sweep(path, executor="serial", hours=HOURS, out=out, resume=True)
    assert report.ran == ["case_002"]
    assert report.kept == ["case_000", "case_001", "case_003"]
    assert (report.done, report.failed) == (4, 0)
    assert sorted(p.name for p in out.iterdir()) == [
        ".numba-cache", "case_000.nc", "case_001.nc", "case_002.nc", "case_003.nc", MANIFEST]
    assert {n: (out / n).stat().st_mtime_ns for n in untouched} == untouched
    cases = manifest_of(out)
    assert all(c["status"] == "done" for c in cases.values())
    assert cases["case_000"]["wall_time_s"] == manifest_of(finished)["case_000"]["wall_time_s"]


def test_resume_reruns_cubes_of_another_period_or_config(grid_sweep):
    _, out, _ = grid_sweep
    cube = out / "case_000.nc"
    sha = manifest_of(out)["case_000"]["config_sha256"]
    assert cube_matches(cube, sha, HOURS)
    assert not cube_matches(cube, sha, HOURS + 1)  # --hours changed
    assert not cube_matches(cube, "0" * 64, HOURS)  # parameters or base scenario changed
    assert not cube_matches(out / MANIFEST, sha, HOURS)  # not a cube at all


# --- failures ------------------------------------------------------------------------------

def test_a_failing_case_is_recorded_and_the_others_finish(tmp_path):
    # demand.scale 1e-7 passes validation, but ~0 W on every consumer makes the heat network
    # unsolvable at run time (PANDAPIPES-FACTS §1): api.run raises RunFailed.
    path = write_sweep(tmp_path, mode="zip",
                       parameters={"demand.scale": [1.0, 1e-7, 0.8], HP: [0.4, 0.4, 0.6]})
    out = tmp_path / "out"
    report = run_sweep(path, executor="serial", hours=3, out=out)
    assert (report.cases, report.done, report.failed) == (3, 2, 1)
    ((case_id, error),) = report.failures
    assert case_id == "case_001" and "RunFailed" in error and "failed to converge" in error
    cases = manifest_of(out)
    assert [c["status"] for c in cases.values()] == ["done", "failed", "done"]
    assert cases["case_001"]["error"] == error and cases["case_001"]["wall_time_s"] > 0
    assert sorted(p.name for p in out.glob("*.nc")) == ["case_000.nc", "case_002.nc"]
    ds = open_results(out)
    assert ds["demand__scale"].values.tolist() == [1.0, 0.8]


# --- cluster job scripts (no scheduler on this machine) ---------------------------------

def test_slurm_job_script_has_the_requested_resources():
    options = {"cores": 2, "memory": "6GiB", "walltime": "02:30:00", "queue": "short",
               "account": "dh"}
    cluster = jobqueue_cluster("slurm", options, Path("exec.yaml"))
    try:
        script = cluster.job_script()
    finally:
        cluster.close()
    for line in ("#SBATCH --cpus-per-task=2", "#SBATCH --mem=6G", "#SBATCH -t 02:30:00",
                 "#SBATCH -p short", "#SBATCH -A dh"):
        assert line in script.splitlines(), line
    command = next(line for line in script.splitlines() if "dask_worker" in line)
    assert command.startswith(f"{sys.executable} -m distributed.cli.dask_worker")
    assert "--nthreads 1" in command and "--nworkers 2" in command  # one thread per process
    assert "--preload simulator.sweep.worker" in command  # imports while the job starts
    assert f'export PYTHONPATH="{ROOT}' in script
    for name, value in pin_threads(dict(os.environ)).items():  # before numpy loads
        assert f'export {name}="{value}"' in script.splitlines()


def test_pbs_job_script_from_the_shipped_execution_block():
    sweep = load_sweep(SHIPPED)
    cluster = jobqueue_cluster("pbs", sweep.execution["pbs"], sweep.path)
    try:
        script = cluster.job_script()
    finally:
        cluster.close()
    assert "#PBS -l walltime=00:30:00" in script and "ncpus=1" in script
    assert "--nthreads 1" in script and sys.executable in script


def test_bad_cluster_option_is_a_config_error_naming_the_block():
    with pytest.raises(ConfigError) as err:
        jobqueue_cluster("slurm", {"cores": 1, "colour": "red"}, Path("exec.yaml"))
    (problem,) = err.value.problems
    assert problem.startswith("exec.yaml: execution.slurm: ") and "colour" in problem


# --- progress line ---------------------------------------------------------------------------

def test_progress_counts_and_is_silent_when_not_a_terminal():
    stream = io.StringIO()
    bar = Progress("demo", total=5, kept=1, stream=stream, enabled=True)
    bar.update("done")
    bar.update("failed")
    bar.close()
    last = stream.getvalue().strip().split("\r")[-1]
    assert "2/5 done" in last and "1 failed" in last and "2 left" in last and "ETA" in last
    quiet = io.StringIO()  # StringIO is not a terminal
    Progress("demo", total=5, kept=0, stream=quiet).update("done")
    assert quiet.getvalue() == ""


"""Sweep folders are owned (issue 21): a sweep never runs, resumes, overwrites or deletes in a
folder whose manifest belongs to another sweep, nor over cubes without a manifest; cubes of
cases an edited sweep dropped are deleted only with ``--prune``. Real serial runs of 2 hours.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest
from test_sweep import HP, manifest_of, write_sweep

from simulator.cli import main
from simulator.config import ConfigError
from simulator.output.cube import open_results
from simulator.sweep.manifest import MANIFEST
from simulator.sweep.runner import SweepReport, run_sweep

HOURS = 2


def snapshot(folder: Path) -> dict[str, tuple[int, int, str]]:
    """Every path under ``folder`` (the folder too): inode, mtime (ns), content hash."""
    paths = [folder, *sorted(folder.rglob("*"))]
    return {p.relative_to(folder).as_posix(): (p.stat().st_ino, p.stat().st_mtime_ns,
                                               hashlib.sha256(p.read_bytes()).hexdigest()
                                               if p.is_file() else "dir") for p in paths}


def run(path: Path, out: Path, **options: Any) -> SweepReport:
    return run_sweep(path, executor="serial", hours=HOURS, out=out, progress=False, **options)


def cli(path: Path, out: Path, *flags: str) -> int:
    return main(["sweep", str(path), "--executor", "serial", "--hours", str(HOURS),
                 "--out", str(out), *flags])


@pytest.fixture
def sweep_a(tmp_path: Path) -> tuple[Path, Path]:
    """Sweep ``a`` (2 cases) run into ``tmp_path/a-results``: (sweep file, folder)."""
    path = write_sweep(tmp_path, "a.yaml", parameters={HP: [0.4, 0.8]})
    out = tmp_path / "a-results"
    report = run(path, out)
    assert (report.done, report.failed) == (2, 0)
    return path, out


def test_resume_of_another_sweep_refuses_and_leaves_the_folder_untouched(
        tmp_path, sweep_a, capsys):
    a_path, out = sweep_a
    b_path = write_sweep(tmp_path, "b.yaml", parameters={HP: [0.6]})
    before = snapshot(out)
    assert cli(b_path, out, "--resume") == 2
    err = capsys.readouterr().err
    assert str(out) in err and "'a'" in err and str(a_path.resolve()) in err
    assert "'b'" in err and str(b_path.resolve()) in err and "nothing there was changed" in err
    assert snapshot(out) == before  # both cubes and the manifest: same inode, mtime, bytes


def test_run_of_another_sweep_without_resume_refuses_too(tmp_path, sweep_a, capsys):
    _, out = sweep_a
    b_path = write_sweep(tmp_path, "b.yaml", parameters={HP: [0.6]})
    before = snapshot(out)
    assert cli(b_path, out) == 2
    assert "belongs to sweep 'a'" in capsys.readouterr().err
    assert snapshot(out) == before


def test_same_name_from_another_file_with_another_definition_is_refused(tmp_path, sweep_a):
    _, out = sweep_a
    other = tmp_path / "elsewhere"
    other.mkdir()
    path = write_sweep(other, "a.yaml", parameters={HP: [0.4, 1.2]})
    before = snapshot(out)
    with pytest.raises(ConfigError, match="same name and another definition"):
        run(path, out, resume=True)
    assert snapshot(out) == before


def test_the_sweep_file_moved_unchanged_still_resumes(tmp_path, sweep_a):
    _, out = sweep_a
    moved = tmp_path / "deeper" / "moved"
    moved.mkdir(parents=True)
    path = write_sweep(moved, "a.yaml", parameters={HP: [0.4, 0.8]})  # base written anew
    report = run(path, out, resume=True)
    assert (report.kept, report.ran, report.done) == (["case_000", "case_001"], [], 2)


def test_cubes_without_a_manifest_are_neither_overwritten_nor_deleted(tmp_path, sweep_a):
    a_path, out = sweep_a
    (out / MANIFEST).unlink()
    (out / "other_run.nc").write_bytes(b"someone else's cube")
    before = snapshot(out)
    for resume in (False, True):
        with pytest.raises(ConfigError, match=r"holds 3 cube\(s\).*but no manifest.json"):
            run(a_path, out, resume=resume)
    assert snapshot(out) == before


def test_a_non_resume_run_of_the_same_sweep_is_refused(sweep_a):
    a_path, out = sweep_a
    before = snapshot(out)
    with pytest.raises(ConfigError, match="already holds results of sweep 'a'; pass --resume"):
        run(a_path, out)
    assert snapshot(out) == before


def test_the_edited_sweep_resumes_and_reruns_only_the_changed_case(tmp_path, sweep_a):
    a_path, out = sweep_a
    first = snapshot(out)["case_000.nc"]
    write_sweep(tmp_path, "a.yaml", parameters={HP: [0.4, 1.2]})  # edited in place
    report = run(a_path, out, resume=True)
    assert (report.kept, report.ran, report.done, report.dropped) == (
        ["case_000"], ["case_001"], 2, [])
    assert snapshot(out)["case_000.nc"] == first
    assert manifest_of(out)["case_001"]["parameters"] == {HP: 1.2}
    assert open_results(out)[HP.replace(".", "__")].values.tolist() == [0.4, 1.2]


def test_a_dropped_case_is_left_alone_without_prune(tmp_path, sweep_a, capsys):
    a_path, out = sweep_a
    dropped = snapshot(out)["case_001.nc"]
    write_sweep(tmp_path, "a.yaml", parameters={HP: [0.4]})
    for _ in range(2):  # and stays listed on the next resume
        assert cli(a_path, out, "--resume") == 0
        text = capsys.readouterr().out
        assert "1 of 1 cases done" in text and "left alone: 1 cube(s)" in text
        assert "case_001.nc" in text and "--prune" in text
    assert snapshot(out)["case_001.nc"] == dropped
    books = json.loads((out / MANIFEST).read_text())
    assert [c["case_id"] for c in books["cases"]] == ["case_000"]
    assert [(d["case_id"], d["parameters"]) for d in books["dropped"]] == [
        ("case_001", {HP: 0.8})]
    assert open_results(out).case_id.values.tolist() == ["case_000"]  # not this sweep's


def test_prune_lists_the_dropped_cubes_then_deletes_them(tmp_path, sweep_a, capsys):
    a_path, out = sweep_a
    write_sweep(tmp_path, "a.yaml", parameters={HP: [0.4]})
    assert cli(a_path, out, "--resume", "--prune") == 0
    text = capsys.readouterr().out
    listed = text.index(f"--prune: deleting 1 cube(s) of cases no longer in the sweep: "
                        f"{out / 'case_001.nc'}")
    assert listed < text.index("sweep a: 1 of 1 cases done") and "pruned: case_001.nc" in text
    assert sorted(p.name for p in out.glob("*.nc")) == ["case_000.nc"]
    assert json.loads((out / MANIFEST).read_text())["dropped"] == []


def test_prune_needs_resume(sweep_a):
    a_path, out = sweep_a
    with pytest.raises(ConfigError, match="--prune: only with --resume"):
        run(a_path, out, prune=True)


def _first_format(out: Path) -> None:
    """Rewrite the manifest as the previous version wrote it: no definition hash, no dropped."""
    books = json.loads((out / MANIFEST).read_text())
    for key in ("sweep_sha256", "dropped"):
        del books[key]
    books["format"] = "districtsim-sweep/1"
    (out / MANIFEST).write_text(json.dumps(books))


def test_a_first_format_manifest_resumes_from_its_own_file(tmp_path, sweep_a):
    a_path, out = sweep_a
    _first_format(out)
    write_sweep(tmp_path, "a.yaml", parameters={HP: [0.4, 1.2]})  # edited, too
    report = run(a_path, out, resume=True)
    assert (report.kept, report.ran) == (["case_000"], ["case_001"])
    assert "sweep_sha256" in json.loads((out / MANIFEST).read_text())


def test_a_first_format_manifest_from_another_file_needs_the_same_cases(tmp_path, sweep_a):
    _, out = sweep_a
    _first_format(out)
    other = tmp_path / "elsewhere"
    other.mkdir()
    edited = write_sweep(other, "a.yaml", parameters={HP: [0.4, 1.2]})
    before = snapshot(out)
    with pytest.raises(ConfigError, match="belongs to sweep 'a'"):
        run(edited, out, resume=True)
    assert snapshot(out) == before
    same = write_sweep(other, "a.yaml", parameters={HP: [0.4, 0.8]})
    assert run(same, out, resume=True).kept == ["case_000", "case_001"]

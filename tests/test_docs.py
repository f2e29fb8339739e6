"""The front door and the manual: a short README, a manual whose pages all exist, link and hold
content, and generated references that cover the code they are generated from.

``make docs`` (``mkdocs build --strict``) checks every link and anchor of the built manual; these
tests check what a build alone would not: the README's length and links, and that the generated
pages are complete.
"""

from __future__ import annotations

import ast
import re
import sys
import typing
from pathlib import Path

import pytest
import yaml

from conftest import ROOT

README = ROOT / "README.md"
DOCS = ROOT / "docs"
MAX_README_LINES = 300
sys.path.insert(0, str(ROOT / "scripts" / "docs"))

import benchmarks  # noqa: E402
import reference  # noqa: E402

#: what a lab notebook says and a front door does not
DATED = re.compile(r"\b20\d\d-\d\d-\d\d\b|this morning|\btoday\b|yesterday|\bx faster\b", re.I)


def _nav_pages(node: object) -> list[str]:
    if isinstance(node, str):
        return [node]
    if isinstance(node, list):
        return [p for item in node for p in _nav_pages(item)]
    if isinstance(node, dict):
        return [p for value in node.values() for p in _nav_pages(value)]
    return []


def _mkdocs() -> dict:
    # mkdocs.yml may hold !!python tags in general; this one holds none, so safe_load reads it
    return yaml.safe_load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"))


def test_readme_is_a_front_door_of_at_most_300_lines() -> None:
    lines = README.read_text(encoding="utf-8").splitlines()
    assert len(lines) <= MAX_README_LINES, f"README.md has {len(lines)} lines"
    text = "\n".join(lines)
    for must in ("make run", "make test", "open_results", "make plots", "make docs"):
        assert must in text, must
    assert not DATED.findall(text), "dated measurements belong on the manual's pages"


def test_every_relative_link_of_the_readme_exists() -> None:
    text = README.read_text(encoding="utf-8")
    links = re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", text)
    local = [link for link in links if "://" not in link]
    assert len(local) >= 20
    missing = [link for link in local if not (ROOT / link).is_file()]
    assert not missing, missing


def test_every_page_is_in_the_nav_and_every_nav_entry_exists() -> None:
    nav = _nav_pages(_mkdocs()["nav"])
    pages = sorted(p.relative_to(DOCS).as_posix() for p in DOCS.rglob("*.md"))
    assert sorted(nav) == pages
    assert len(pages) == len(set(nav))


def test_no_page_is_a_placeholder() -> None:
    for page in DOCS.rglob("*.md"):
        text = page.read_text(encoding="utf-8")
        assert not re.search(r"\b(TODO|TBD|FIXME|lorem ipsum|coming soon)\b", text, re.I), page
        prose = [line for line in text.splitlines()
                 if line.strip() and not line.startswith(("#", "<!--"))]
        assert len(prose) >= 6, f"{page.relative_to(ROOT)} holds almost nothing"


def test_the_pipe_dynamics_page_holds_the_dynamic_engine() -> None:
    text = (DOCS / "physics" / "pipe-dynamics.md").read_text(encoding="utf-8")
    for name in ("simulator/heat/plugflow.py", "simulator/heat/dynamic.py",
                 "tests/test_pipe_dynamics.py", "tests/test_network_dynamics.py"):
        assert name in text, name


def _models() -> list[type]:
    from simulator.config.schema import Scenario

    return list(reference._sections(Scenario))


def test_the_scenario_reference_has_every_model_and_key() -> None:
    text = reference.scenario_reference()
    sections = dict(re.findall(r"\{#([\w-]+)\}\n\n\*Model `[\w.]+`[^\n]*\n(.*?)(?=\n## |\Z)",
                               text, re.S))
    models = _models()
    assert len(models) >= 30
    for model in models:
        body = sections[reference._anchor(model)]
        for name in model.model_fields:
            assert f"| `{name}` |" in body, (model.__name__, name)


def test_the_scenario_reference_states_defaults_limits_and_comments() -> None:
    text = reference.scenario_reference()
    assert "| `horizon_h` | h | integer (>= 1, <= 8784) | `48` |" in text
    assert "| `min_dp_bar` | bar | number (>= 0.0) | `1.0` |" in text
    # a description from the comment beside the field in the source
    assert "relative error of heat demand after 24 h" in text
    # a discriminated union: a section per unit type, named by its tag
    for tag in typing.get_args(_union_tags()):
        assert f"with `type: {tag}`" in text, tag


def _union_tags() -> object:
    from simulator.config.units import HeatPumpUnit, StorageUnit

    return typing.Literal[HeatPumpUnit.model_fields["type"].annotation.__args__[0],
                          StorageUnit.model_fields["type"].annotation.__args__[0]]


def test_the_cube_reference_has_every_variable() -> None:
    from simulator.output.variables import ELEMENT_DIMS, VARIABLES

    text = reference.cube_reference()
    for v in VARIABLES:
        assert f"| `{v.name}` |" in text, v.name
    for dim in ELEMENT_DIMS:
        assert f"`{dim}_name`" in text


def test_the_benchmark_tables_are_made_from_the_files() -> None:
    res = benchmarks.load("results.json")
    speed = benchmarks.table("speed")
    assert f"**{res['ratio']:.1f}x**" in speed and res["created_utc"] in speed
    for name in benchmarks.TABLES:
        assert benchmarks.table(name).count("|") > 10, name


def test_every_generated_marker_of_the_manual_is_known() -> None:
    pytest.importorskip("mkdocs", reason="MkDocs is not installed (the docs extra)")
    sys.path.insert(0, str(ROOT / "scripts" / "docs"))
    import hooks

    markers = set()
    for page in DOCS.rglob("*.md"):
        text = page.read_text(encoding="utf-8")
        markers |= set(hooks.MARKER.findall(text))
        assert not hooks.MARKER.findall(hooks.expand(text, str(page)))
    assert {"scenario-reference", "cube-reference", "bench:speed"} <= markers


def test_module_docstrings_hold_no_benchmark_history() -> None:
    found = []
    for path in sorted((ROOT / "simulator").rglob("*.py")):
        doc = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))) or ""
        found += [f"{path.relative_to(ROOT)}: {m}" for m in DATED.findall(doc)]
    assert not found, found


def test_the_screenshot_of_the_report_page_is_in_the_manual() -> None:
    shot = DOCS / "figures" / "report_page.png"
    assert shot.is_file() and shot.stat().st_size > 10_000
    assert "figures/report_page.png" in (DOCS / "results" / "figures.md").read_text("utf-8")


def test_readme_and_manual_name_no_missing_repository_file() -> None:
    """Paths the pages name in code spans (``simulator/x.py``, ``tests/test_x.py``) exist
    (``mytown``: the how-to's example of a file you write)."""
    missing = []
    for page in [README, *DOCS.rglob("*.md")]:
        for name in re.findall(r"`((?:simulator|tests|bench|scripts|configs)/[\w/.-]+\.\w+)`",
                               page.read_text(encoding="utf-8")):
            if not (ROOT / name).exists() and "mytown" not in name:
                missing.append(f"{page.relative_to(ROOT)}: {name}")
    assert not missing, missing


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(pytest.main([str(Path(__file__))]))

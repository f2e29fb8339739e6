"""The house plan, checked: rooms own their dependencies, no import cycles, short modules.

These tests read the package's source (``ast``), so they hold for every module a future change
adds: a second module importing pandapipes, a cycle between two modules, a 500-line module or
an 80-line function in the hourly path fails here, not in review.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "simulator"

#: third-party packages and the only modules (or folders) that may import them
ROOMS = {
    "pandapipes": ("heat/",),
    "pandapower": ("grid/",),
    "simpy": ("engine.py",),
    "dask": ("sweep/executors.py",),
    "distributed": ("sweep/executors.py",),
    "dask_jobqueue": ("sweep/executors.py",),
    "yaml": ("config/",),
    "pydantic": ("config/",),
    "matplotlib": ("output/canvas.py", "output/plots.py", "output/maps.py"),
    "linopy": ("dispatch/optimal",),
    "highspy": ("dispatch/optimal",),
    "holidays": ("inputs/demand_setup.py", "config/schema.py"),
    "threadpoolctl": ("threads.py",),
    "geopandas": ("gis/layers.py",),
    "shapely": ("gis/layers.py",),
    "pyogrio": ("gis/layers.py",),
}
MAX_MODULE_LINES = 400
MAX_FUNCTION_LINES = 60
#: the modules every simulated hour runs through
HOURLY_PATH = ("coupling/", "dispatch/", "supply/", "heat/", "grid/", "operation/", "engine.py",
               "events.py")


def _modules() -> dict[str, Path]:
    return {".".join(("simulator", *p.relative_to(PACKAGE).with_suffix("").parts))
            .removesuffix(".__init__"): p for p in sorted(PACKAGE.rglob("*.py"))}


def _rel(path: Path) -> str:
    return path.relative_to(PACKAGE).as_posix()


def _imports(path: Path) -> list[str]:
    """Absolute names a module imports: ``from a import b`` is ``a.b`` when that is a module
    of the package (a submodule import, not a use of ``a``'s namespace), else ``a``."""
    modules = _modules()
    out = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            out += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            subs = [f"{node.module}.{a.name}" for a in node.names]
            out += [s for s in subs if s in modules]
            if any(s not in modules for s in subs):
                out.append(node.module)
    return out


def _internal_graph() -> dict[str, set[str]]:
    modules = _modules()
    return {name: {i for i in _imports(path) if i in modules and i != name}
            for name, path in modules.items()}


def test_every_dependency_lives_in_its_room():
    wrong = []
    for path in _modules().values():
        rel = _rel(path)
        for imported in _imports(path):
            top = imported.split(".")[0]
            allowed = ROOMS.get(top)
            if allowed is not None and not rel.startswith(allowed):
                wrong.append(f"{rel} imports {top} (only {', '.join(allowed)} may)")
    assert not wrong, "\n".join(sorted(set(wrong)))


def _cycles(graph: dict[str, set[str]]) -> list[str]:
    """Every import cycle a depth-first search meets, as ``a -> b -> a``."""
    cycles, state = [], dict.fromkeys(graph, 0)  # 0 new, 1 on the stack, 2 done

    def visit(node: str, stack: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(graph[node]):
            if state[nxt] == 1:
                cycles.append(" -> ".join([*stack[stack.index(nxt):], nxt]))
            elif state[nxt] == 0:
                visit(nxt, [*stack, nxt])
        state[node] = 2

    for node in sorted(graph):
        if state[node] == 0:
            visit(node, [node])
    return cycles


def test_no_import_cycles():
    cycles = _cycles(_internal_graph())
    assert not cycles, "\n".join(cycles)


def test_the_cycle_finder_finds_cycles():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert _cycles(graph) == ["a -> b -> c -> a"]
    assert _cycles({"a": {"b"}, "b": set()}) == []


@pytest.mark.parametrize("name", sorted(_modules()))
def test_modules_stay_short(name):
    lines = len(_modules()[name].read_text().splitlines())
    assert lines <= MAX_MODULE_LINES, f"{name}: {lines} lines (limit {MAX_MODULE_LINES})"


def test_functions_of_the_hourly_path_read_at_a_glance():
    long = []
    for path in _modules().values():
        if not _rel(path).startswith(HOURLY_PATH):
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                n = node.end_lineno - node.lineno + 1
                if n > MAX_FUNCTION_LINES:
                    long.append(f"{_rel(path)}:{node.lineno} {node.name}: {n} lines")
    assert not long, "\n".join(long)

"""MkDocs hooks (``mkdocs.yml``: ``hooks``): the generated parts of the manual, made at build time.

A page asks for generated content with a marker on a line of its own,
``<!-- generated: NAME -->``, where NAME is ``scenario-reference``, ``cube-reference`` or
``bench:<table>`` (:data:`benchmarks.TABLES`). The marker is replaced by Markdown made from the
code (the pydantic schema, the variable table) or from the benchmark JSON files as they are at
that moment, so the manual cannot drift from them. An unknown marker fails the build.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from mkdocs.exceptions import PluginError

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
for path in (str(HERE), str(ROOT)):
    if path not in sys.path:
        sys.path.insert(0, path)

import benchmarks  # noqa: E402
import reference  # noqa: E402

MARKER = re.compile(r"^<!-- generated: ([\w:-]+) -->$", re.M)


def generated(name: str) -> str:
    """The Markdown a marker NAME stands for."""
    if name == "scenario-reference":
        return reference.scenario_reference()
    if name == "cube-reference":
        return reference.cube_reference()
    if name.startswith("bench:") and name[6:] in benchmarks.TABLES:
        return benchmarks.table(name[6:])
    raise KeyError(name)


def expand(markdown: str, where: str = "page") -> str:
    """``markdown`` with every marker replaced by what it stands for."""
    def one(match: re.Match[str]) -> str:
        try:
            return generated(match.group(1))
        except KeyError:
            raise PluginError(f"{where}: unknown generated block '{match.group(1)}' (known: "
                              "scenario-reference, cube-reference, bench:"
                              + ", bench:".join(benchmarks.TABLES) + ")") from None
    return MARKER.sub(one, markdown)


def on_page_markdown(markdown: str, page, config, files) -> str:  # the MkDocs hook signature
    return expand(markdown, page.file.src_path)

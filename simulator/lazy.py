"""Names of a package that load on first use (PEP 562): one implementation for every package
that keeps its import light (``simulator``, ``simulator.heat``, ``simulator.grid``)."""

from __future__ import annotations

import importlib
from collections.abc import Callable, MutableMapping
from typing import Any


def lazy_names(package: str, table: dict[str, str], namespace: MutableMapping[str, Any]
               ) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """The module ``__getattr__`` and ``__dir__`` of ``package``: a name of ``table`` (name ->
    module) is imported from its module on first use and kept in ``namespace`` (the package's
    ``globals()``), so it is found directly from then on."""

    def getattr_(name: str) -> Any:
        if name not in table:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(table[name]), name)
        namespace[name] = value
        return value

    def dir_() -> list[str]:
        return sorted([*namespace, *table])

    return getattr_, dir_

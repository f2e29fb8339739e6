"""The one exception of bad input: every problem as a ``file: key: reason`` line."""

from __future__ import annotations


class ConfigError(Exception):
    """Bad input. ``problems`` holds one ``file: key: reason`` line per problem."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems

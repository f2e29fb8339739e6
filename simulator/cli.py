"""The command line: a thin layer over the public API.

Exit codes: 0 success, 1 a run failed (too many hours did not converge), 2 bad input.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from simulator.api import RunFailed, run, validate
from simulator.config import ConfigError
from simulator.results import format_summary, open_results, summarize

EXIT_FAILED = 1
EXIT_BAD_INPUT = 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="districtsim", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p_run = sub.add_parser("run", help="simulate a scenario and write its cube")
    p_run.add_argument("config", type=Path)
    p_run.add_argument("--hours", type=int, help="simulate only the first N hours")
    p_run.add_argument("--output", type=Path, help="cube path (default results/<name>.nc)")
    p_val = sub.add_parser("validate", help="check a scenario against its district")
    p_val.add_argument("config", type=Path)
    p_sum = sub.add_parser("summary", help="print the period figures of a cube")
    p_sum.add_argument("cube", type=Path)
    return parser


def _cmd_run(args: argparse.Namespace) -> int:
    start = time.perf_counter()
    path = run(args.config, hours=args.hours, output=args.output)
    wall_s = time.perf_counter() - start
    ds = open_results(path)
    figures = summarize(ds)
    print(format_summary(figures, f"{ds.attrs['scenario']}: {ds.attrs['title']}"))
    hours = int(figures["hours"])
    print(f"\n{hours} hours simulated in {wall_s:.1f} s ({wall_s / hours * 1e3:.0f} ms per hour)")
    print(f"cube written: {path}")
    return 0


def _cmd_validate(args: argparse.Namespace) -> int:
    scenario = validate(args.config)
    print(f"{args.config}: ok ({scenario.name}: {len(scenario.units)} units, "
          f"{scenario.period.hours} hours from {scenario.period.start:%Y-%m-%d %H:%M})")
    return 0


def _cmd_summary(args: argparse.Namespace) -> int:
    try:
        ds = open_results(args.cube)
    except (FileNotFoundError, OSError, ValueError) as err:
        raise ConfigError([f"{args.cube}: cannot open cube: {err}"]) from None
    print(format_summary(summarize(ds), f"{ds.attrs.get('scenario', args.cube.stem)}"))
    return 0


COMMANDS = {"run": _cmd_run, "validate": _cmd_validate, "summary": _cmd_summary}


def main(argv: list[str] | None = None) -> int:
    """Parse ``argv`` and run the command; the exit code."""
    args = _parser().parse_args(argv)
    try:
        return COMMANDS[args.command](args)
    except ConfigError as err:
        for problem in err.problems:
            print(f"error: {problem}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except RunFailed as err:
        print(f"error: {err}", file=sys.stderr)
        return EXIT_FAILED

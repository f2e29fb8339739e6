"""The command line: a thin layer over the public API.

Exit codes: 0 success, 1 a run failed (too many hours did not converge), 2 bad input.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import time
from pathlib import Path
from typing import TextIO

from simulator.threads import pin_threads

# Everything heavier loads inside the commands, after main() pinned the BLAS threads (numpy
# reads them when it loads) and, for sweeps, after the numba cache folder is chosen (numba reads
# it when it loads): ``import simulator.cli`` itself is instant.

EXIT_FAILED = 1
EXIT_BAD_INPUT = 2
EXIT_INTERRUPTED = 130


class Terminated(BaseException):
    """SIGTERM or SIGHUP arrived: unwind like Ctrl-C, so every temp file is removed on the way.

    A BaseException, as KeyboardInterrupt is: the sweep's ``except Exception`` around a case
    must not book a termination as a failed case and go on.
    """

    def __init__(self, signum: int) -> None:
        super().__init__(signum)  # args stay (signum,): libraries may re-create the exception
        self.signum = int(signum)

    def __str__(self) -> str:
        return signal.Signals(self.signum).name


def _terminate(signum: int, _frame: object) -> None:
    raise Terminated(signum)


def install_signal_handlers() -> None:
    """SIGTERM and SIGHUP raise :class:`Terminated` (their default ends the process at once,
    leaving a half-written temp file behind); SIGINT raises KeyboardInterrupt as always."""
    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, _terminate)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="districtsim", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p_run = sub.add_parser("run", help="simulate a scenario and write its cube")
    p_run.add_argument("config", type=Path)
    p_run.add_argument("--hours", type=int, help="simulate only the first N hours")
    p_run.add_argument("--output", type=Path, help="cube path (default results/<name>.nc)")
    p_run.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                       help="override a scenario key, e.g. --set dispatch.policy=optimal")
    p_wth = sub.add_parser("storage-worth", help="run a scenario with and without its stores; "
                           "what the stores change (CO2, cost, cycles)")
    p_wth.add_argument("config", type=Path)
    p_wth.add_argument("--hours", type=int, help="simulate only the first N hours")
    p_wth.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                       help="override a scenario key (in both runs)")
    p_wth.add_argument("--out", type=Path, help="cube folder (default results/)")
    p_val = sub.add_parser("validate", help="check a scenario against its district")
    p_val.add_argument("config", type=Path)
    p_sum = sub.add_parser("summary", help="print the period figures of cubes (several: compare)")
    p_sum.add_argument("cube", type=Path, nargs="+")
    p_swp = sub.add_parser("sweep", help="run every case of a sweep file (configs/sweeps/*.yaml)")
    p_swp.add_argument("sweep", type=Path)
    p_swp.add_argument("--executor", choices=["serial", "local", "slurm", "pbs"], default="local",
                       help="serial (no Dask), local (Dask LocalCluster, default), slurm, pbs")
    p_swp.add_argument("--workers", type=int, help="worker processes (local default: cores)")
    p_swp.add_argument("--hours", type=int, help="simulate only the first N hours of each case")
    p_swp.add_argument("--out", type=Path, help="results directory (default results/<sweep>)")
    p_swp.add_argument("--resume", action="store_true",
                       help="keep finished cases with matching config, run the rest")
    p_swp.add_argument("--prune", action="store_true",
                       help="with --resume: delete (listing them first) the cubes of cases the "
                       "sweep no longer defines; without it they are left alone")
    p_swp.add_argument("--execution", type=Path,
                       help="execution YAML (cluster options) instead of the sweep's block")
    p_swp.add_argument("--plan", action="store_true",
                       help="run nothing: count the cases, time a short calibration run and "
                       "print core-hours, wall time, memory and an execution block")
    p_swp.add_argument("--cores", type=int,
                       help="with --plan: the cores to size the execution block for "
                       "(default: this machine's)")
    p_plt = sub.add_parser("plot", help="write PNG figures and index.html of a cube or sweep dir")
    p_plt.add_argument("cube", type=Path, help="a result cube (.nc) or a sweep directory")
    p_plt.add_argument("--out", type=Path,
                       help="figure directory (default <cube>_figures/ or <dir>/figures/)")
    p_plt.add_argument("--week", help="first day of the dispatch week, e.g. 2030-02-01 "
                       "(default: the week of peak heat demand)")
    _gis_parsers(sub)
    return parser


def _gis_parsers(sub: argparse._SubParsersAction) -> None:
    p_imp = sub.add_parser("import-network", help="a district folder (heat.json) from GIS "
                           "layers: pipes, consumers, plants (GeoPackage or a folder of files)")
    p_imp.add_argument("source", type=Path, help="a .gpkg with layers pipes, consumers, plants "
                       "[, junctions], or a folder of pipes.geojson/.shp/.gpkg, ...")
    p_imp.add_argument("district", type=Path, help="the district folder to write")
    p_imp.add_argument("--grid", type=Path, help="an electric.json to copy into the folder")
    p_imp.add_argument("--crs", help="projected CRS (metres) to reproject to, or of a file "
                       "without one, e.g. EPSG:3067")
    p_imp.add_argument("--snap-m", type=float, default=1.0,
                       help="line ends closer than this (m) are one node (default 1)")
    p_imp.add_argument("--connect-m", type=float, default=10.0,
                       help="consumers and plants join the nearest node within this (m, "
                       "default 10)")
    p_exn = sub.add_parser("export-network", help="a district folder's heat.json as GIS layers")
    p_exn.add_argument("district", type=Path)
    p_exn.add_argument("--out", type=Path, required=True,
                       help="a .gpkg, or a folder for <layer>.geojson files")
    p_exn.add_argument("--crs", help="CRS of the junction positions (default: the import's)")
    p_exr = sub.add_parser("export-results", help="per-element summaries of a cube as GIS "
                           "layers (peak flow, min dp, min supply temperature, ...)")
    p_exr.add_argument("cube", type=Path)
    p_exr.add_argument("--out", type=Path, required=True,
                       help="a .gpkg, or a folder for <layer>.geojson files")
    p_exr.add_argument("--crs", help="CRS of the district's junction positions")


class RunProgress:
    """``done/total h (pct), h/s, ETA, failed so far`` on stderr.

    On a terminal: one ``\r`` line redrawn at most twice a second. Otherwise (a logged run):
    a plain line at every 10 % of the hours, and also whenever :data:`LOG_EVERY_S` of wall
    time passed since the last line, so a slow run is never silent for long; then the last.
    """

    LOG_EVERY_S = 30.0

    def __init__(self, stream: TextIO = sys.stderr) -> None:
        self._stream = stream
        self._tty = stream.isatty()
        self._start = time.perf_counter()
        self._last = self._start
        self._tenth = 0  # the last 10 % step a logged line was written for

    def __call__(self, done: int, total: int, failed: int = 0) -> None:
        now = time.perf_counter()
        tenth = done * 10 // max(total, 1)
        if self._tty:
            due = now - self._last >= 0.5 or done >= total
        else:
            due = tenth > self._tenth or now - self._last >= self.LOG_EVERY_S or done >= total
        if not due:
            return
        self._last, self._tenth = now, tenth
        rate = done / max(now - self._start, 1e-9)
        eta = (total - done) / rate if rate > 0 else float("nan")
        line = (f"  {done}/{total} h ({100 * done / max(total, 1):.0f} %), {rate:.1f} h/s, "
                f"ETA {eta:.0f} s, {failed} failed so far")
        if self._tty:
            self._stream.write(f"\r{line} " + ("\n" if done >= total else ""))
        else:
            self._stream.write(line + "\n")
        self._stream.flush()


def _cmd_run(args: argparse.Namespace) -> int:
    from simulator.api import RunFailed, run
    from simulator.config import parse_assignments
    from simulator.output.cube import open_results
    from simulator.output.summary import format_summary, summarize

    start = time.perf_counter()
    try:
        path = run(args.config, hours=args.hours, output=args.output, progress=RunProgress(),
                   overrides=parse_assignments(args.set, args.config))
    except RunFailed as err:
        print(f"error: {err}", file=sys.stderr)
        return EXIT_FAILED
    wall_s = time.perf_counter() - start
    ds = open_results(path)
    figures = summarize(ds)
    print(format_summary(figures, f"{ds.attrs['scenario']}: {ds.attrs['title']}"))
    _print_notes(ds)
    hours = int(figures["hours"])
    print(f"\n{hours} hours simulated in {wall_s:.1f} s ({wall_s / hours * 1e3:.0f} ms per hour)")
    print(f"cube written: {path}")
    return 0


def _print_notes(ds: object) -> None:
    """The operating limits a cube's hours broke, worst element first (nothing if none)."""
    from simulator.output.operating import operating_notes

    warnings = str(getattr(ds, "attrs", {}).get("input_warnings", ""))
    for line in filter(None, warnings.splitlines()):
        print(f"warning: {line}")
    notes = operating_notes(ds)  # type: ignore[arg-type]
    if notes:
        print("operating limits not kept (after the operator's response):")
        print("\n".join(notes))
    paths = getattr(ds, "attrs", {}).get("solver_fast_path")
    if paths:
        print(f"solver paths: {paths}")


def _cmd_worth(args: argparse.Namespace) -> int:
    from simulator.api import RunFailed, storage_worth
    from simulator.config import parse_assignments
    from simulator.output.summary import format_worth

    try:
        figures = storage_worth(args.config, args.hours,
                                parse_assignments(args.set, args.config), args.out,
                                RunProgress())
    except RunFailed as err:
        print(f"error: {err}", file=sys.stderr)
        return EXIT_FAILED
    print(format_worth(figures, f"{args.config}: what the stores are worth"))
    return 0


def _cmd_validate(args: argparse.Namespace) -> int:
    from simulator.api import validate
    from simulator.config import scenario_warnings

    district_warnings: list[str] = []
    scenario = validate(args.config, warnings=district_warnings)
    for line in scenario_warnings(scenario) + district_warnings:
        print(f"warning: {args.config}: {line}")
    print(f"{args.config}: ok ({scenario.name}: {len(scenario.units)} units, "
          f"{scenario.period.hours} hours from {scenario.period.start:%Y-%m-%d %H:%M})")
    return 0


def _cmd_summary(args: argparse.Namespace) -> int:
    from simulator.config import ConfigError
    from simulator.output.cube import open_results
    from simulator.output.summary import format_comparison, format_summary, summarize

    figures = {}
    for cube in args.cube:
        try:
            ds = open_results(cube)
        except (FileNotFoundError, OSError, ValueError) as err:
            raise ConfigError([f"{cube}: cannot open cube: {err}"]) from None
        name = str(ds.attrs.get("scenario", cube.stem))
        figures[name] = summarize(ds)
        print(format_summary(figures[name], name))
        _print_notes(ds)
        print()
    if len(figures) > 1:
        print(format_comparison(figures))
    return 0


def _cmd_sweep(args: argparse.Namespace) -> int:
    from simulator import jitcache
    from simulator.config import ConfigError
    from simulator.sweep.spec import default_out, load_sweep  # no solver loaded yet

    if args.plan:
        from simulator.sweep.sizing import size_sweep

        print(size_sweep(args.sweep, hours=args.hours, cores=args.cores,
                         execution=args.execution).format())
        return 0
    if args.cores is not None:
        raise ConfigError([f"{args.sweep}: --cores: only with --plan (use --workers to run)"])
    # numba caches the solvers' compiled code beside the cubes, on the file system the workers
    # share, unless NUMBA_CACHE_DIR is set; it must be chosen before numba loads
    jitcache.use_dir((args.out or default_out(load_sweep(args.sweep))) / ".numba-cache")
    from simulator.sweep.runner import run_sweep  # the solvers and Dask load here

    report = run_sweep(args.sweep, executor=args.executor, workers=args.workers,
                       hours=args.hours, out=args.out, resume=args.resume,
                       execution=args.execution, prune=args.prune)
    print(f"sweep {report.name}: {report.done} of {report.cases} cases done, "
          f"{report.failed} failed, {len(report.kept)} kept from before, "
          f"{report.wall_time_s:.1f} s")
    if report.dropped:
        print(f"left alone: {len(report.dropped)} cube(s) of cases no longer in the sweep, "
              f"not counted above ({', '.join(f'{c}.nc' for c in report.dropped)}); "
              "--resume --prune deletes them")
    if report.pruned:
        print(f"pruned: {', '.join(f'{c}.nc' for c in report.pruned)}")
    for case_id, error in report.failures:
        print(f"  failed {case_id}: {error}", file=sys.stderr)
    print(f"results: {report.out} (manifest: {report.manifest})")
    return EXIT_FAILED if report.failed else 0


def _cmd_plot(args: argparse.Namespace) -> int:
    from simulator.config import ConfigError
    from simulator.output.plots import plot_results  # matplotlib loads only for plots

    try:
        paths = plot_results(args.cube, out=args.out, week_start=args.week)
    except (FileNotFoundError, OSError, ValueError) as err:
        raise ConfigError([f"{args.cube}: cannot plot: {err}"]) from None
    print(f"{len(paths) - 1} figures written; open {paths[-1]}")
    return 0


def _cmd_import(args: argparse.Namespace) -> int:
    from simulator.gis.commands import REPORT_TEXT, import_network
    from simulator.gis.plan import report_text

    plan, heat = import_network(args.source, args.district, args.grid, args.crs, args.snap_m,
                                args.connect_m)
    print(report_text(plan.report), end="")
    print(f"{heat}: {len(plan.pipes)} pipe pairs, {len(plan.consumers)} consumers, "
          f"{len(plan.plants)} plants (report: {args.district / REPORT_TEXT})")
    return 0


def _cmd_export_network(args: argparse.Namespace) -> int:
    from simulator.gis.commands import export_network

    for path in export_network(args.district, args.out, args.crs):
        print(f"written: {path}")
    return 0


def _cmd_export_results(args: argparse.Namespace) -> int:
    from simulator.gis.commands import export_results

    for path in export_results(args.cube, args.out, args.crs):
        print(f"written: {path}")
    return 0


COMMANDS = {"import-network": _cmd_import, "export-network": _cmd_export_network,
            "export-results": _cmd_export_results, "run": _cmd_run, "validate": _cmd_validate,
            "summary": _cmd_summary, "sweep": _cmd_sweep, "plot": _cmd_plot,
            "storage-worth": _cmd_worth}


def main(argv: list[str] | None = None) -> int:
    """Parse ``argv`` and run the command; the exit code.

    BLAS/OpenMP threads are pinned to one per process first (unless the user set them:
    :func:`simulator.threads.pin_threads`).
    """
    pin_threads()
    args = _parser().parse_args(argv)
    install_signal_handlers()
    try:
        return _command(args)
    except KeyboardInterrupt:
        print("\ninterrupted: nothing half-written is left; a sweep keeps its finished cases "
              "(rerun it with --resume)", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:  # the reader went away (``| head``): stop quietly
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_FAILED
    except Terminated as err:
        print(f"\nterminated ({err}): nothing half-written is left; a sweep keeps its finished "
              "cases (rerun it with --resume)", file=sys.stderr)
        return 128 + err.signum


def _command(args: argparse.Namespace) -> int:
    """Run the command ``args`` names; a scenario's problems as ``error:`` lines, exit 2.

    Everything heavy, the import of the configuration included, loads in here: inside
    :func:`main`'s handling of a Ctrl-C.
    """
    from simulator.config import ConfigError  # after the pinning: loads numpy

    try:
        return COMMANDS[args.command](args)
    except ConfigError as err:
        for problem in err.problems:
            print(f"error: {problem}", file=sys.stderr)
        return EXIT_BAD_INPUT

"""The ``etj-sim export`` command: a run folder in, a process-mining file out.

Pipeline position: the shell's door to :mod:`etj_sim.export`. ``RUN_DIR (events.parquet, and
population.parquet when present, as written by etj-sim run --out) -> OCEL 2.0 JSON | XES | CSV``.
``etj_sim.cli`` only wires :func:`add_export_parser` into its subcommands.

Exit codes: 0 written; 2 bad input (no such folder, no event log in it, an event log that does
not follow the schema, an output path whose folder is missing), with nothing written.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import IO, Any, Final

from etj_sim.run_folder import write_problem

__all__ = ["FORMATS", "add_export_parser", "main_export"]

FORMATS: Final = ("ocel", "xes", "csv")
EXIT_OK: Final = 0
EXIT_BAD_INPUT: Final = 2


def add_export_parser(commands: Any) -> None:
    """Add ``export`` to the ``etj-sim`` subcommands (``commands`` is argparse's subparsers)."""
    export = commands.add_parser(
        "export",
        help="write a run's event log as OCEL 2.0 JSON, XES or CSV for process mining",
        description=(
            "Write the event log of a run folder (etj-sim run --out) as OCEL 2.0 JSON (objects "
            "and qualified relations), XES (one trace per case) or CSV."
        ),
    )
    export.add_argument("run_dir", type=Path, metavar="RUN_DIR", help="a folder of etj-sim run")
    export.add_argument("--format", required=True, choices=FORMATS, help="the file format")
    export.add_argument("--out", required=True, type=Path, metavar="FILE", help="file to write")
    export.set_defaults(handler=main_export)


def main_export(arguments: argparse.Namespace, out: IO[str], err: IO[str]) -> int:
    """Carry out ``etj-sim export``."""
    # Imported here: the other commands start faster without polars and the metrics.
    import polars as pl

    from etj_sim.experiments.store import write_atomically
    from etj_sim.export import write_csv
    from etj_sim.export.ocel import write_ocel_json
    from etj_sim.export.xes import write_xes
    from etj_sim.metrics.context import check_event_log

    run_dir: Path = arguments.run_dir
    events_path = run_dir / "events.parquet"
    if not run_dir.is_dir():
        print(f"{run_dir}: no such folder (give the folder of etj-sim run --out)", file=err)
        return EXIT_BAD_INPUT
    if not events_path.is_file():
        print(f"{run_dir}: has no events.parquet (written by etj-sim run --out)", file=err)
        return EXIT_BAD_INPUT
    target: Path = arguments.out
    if target.is_dir():
        print(f"--out: {target} is a folder; give a file name", file=err)
        return EXIT_BAD_INPUT
    if not target.parent.is_dir():
        print(f"--out: the folder {target.parent} does not exist", file=err)
        return EXIT_BAD_INPUT
    if (problem := write_problem(target.parent)) is not None:
        print(f"--out: {target}: {problem}", file=err)
        return EXIT_BAD_INPUT
    try:
        events = pl.read_parquet(events_path)
        check_event_log(events)
    except (OSError, ValueError, TypeError, pl.exceptions.PolarsError) as error:
        print(f"{events_path}: {error}", file=err)
        return EXIT_BAD_INPUT
    population_path = run_dir / "population.parquet"
    population = pl.read_parquet(population_path) if population_path.is_file() else None
    if arguments.format == "ocel":
        write_atomically(target, lambda path: write_ocel_json(path, events, population))
        what = f"{events.height:,} events"
    elif arguments.format == "xes":
        traces: list[int] = []
        write_atomically(target, lambda path: traces.append(write_xes(path, events)))
        what = f"{traces[0]:,} traces (cases)"
    else:
        write_atomically(target, lambda path: write_csv(path, events))
        what = f"{events.height:,} rows"
    print(f"wrote {target} ({arguments.format}: {what})", file=out)
    return EXIT_OK

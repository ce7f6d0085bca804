"""The ``etj-sim batch`` command: an experiment file in, a table of intervals (and a folder) out.

Pipeline position: the shell's door to the experiments stage. ``EXPERIMENT.toml -> Experiment ->
run_experiment -> statistics -> printed table``; with ``--out`` the results folder
(:mod:`etj_sim.experiments.store`) also gets ``results.parquet`` (one row per run) and
``statistics.parquet`` (mean and 95% interval per design point and metric). ``etj_sim.cli``
only wires :func:`add_batch_parser` into its subcommands.

Exit codes as the other subcommands: 0 done; 1 some runs failed (the others are kept); 2 bad
input (an invalid experiment file, a folder of another experiment), with nothing written.
"""

from __future__ import annotations

import argparse
import math
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any, Final, Literal

import polars as pl

from etj_sim.experiments.designs import NationalRegionsDesign
from etj_sim.experiments.experiment import Experiment
from etj_sim.experiments.national import combine_regions
from etj_sim.experiments.runner import RunFailureWarning, RunFunction, run_experiment
from etj_sim.experiments.statistics import paired_differences, summarise
from etj_sim.experiments.store import ExperimentFolderError, write_parquet_atomically
from etj_sim.i18n import DEFAULT_LANGUAGE, LANGUAGES
from etj_sim.scenario import ScenarioError

__all__ = ["add_batch_parser", "main_batch"]

EXIT_OK: Final = 0
EXIT_FAILED_RUNS: Final = 1
EXIT_BAD_INPUT: Final = 2

LOCAL_CLUSTER: Final = "local"
"""``--dask local``: a Dask LocalCluster on this machine instead of a scheduler address."""


def add_batch_parser(commands: Any) -> None:
    """Add ``batch`` to the ``etj-sim`` subcommands (``commands`` is argparse's subparsers)."""
    batch = commands.add_parser(
        "batch",
        help="run an experiment: replications and a design of scenarios",
        description=(
            "Run every design point and replication of an experiment file, print the mean and "
            "95% confidence interval of each headline metric per design point."
        ),
    )
    batch.add_argument("experiment", type=Path, metavar="EXPERIMENT", help="experiment file (TOML)")
    batch.add_argument(
        "--workers",
        type=int,
        metavar="N",
        help="worker processes (default: the cores; Dask LocalCluster: 2)",
    )
    batch.add_argument(
        "--dask",
        metavar="ADDRESS",
        help=f"run on the Dask scheduler at ADDRESS ('{LOCAL_CLUSTER}': a LocalCluster here)",
    )
    batch.add_argument(
        "--out",
        type=Path,
        metavar="DIR",
        help="results folder: one Parquet file per run; rerun to resume",
    )
    batch.add_argument(
        "--save-events", action="store_true", help="also write each run's event log (with --out)"
    )
    batch.add_argument(
        "--lang",
        choices=LANGUAGES,
        default=DEFAULT_LANGUAGE,
        help=f"language of the table and the comparison report (default {DEFAULT_LANGUAGE})",
    )
    batch.set_defaults(handler=main_batch)


BatchFinish = Callable[..., list[str]]
"""What ``etj-sim`` does once the statistics are known (``etj_sim.commands.finish_batch``):
print the table and write the statistics files and the comparison report; returns the names."""


def main_batch(
    arguments: argparse.Namespace,
    out: IO[str],
    err: IO[str],
    *,
    run: RunFunction | None = None,
    finish: BatchFinish | None = None,
) -> int:
    """Carry out ``etj-sim batch``; ``run`` replaces the simulation (tests).

    ``finish`` prints the closing table and writes the extra files (the CLI passes
    ``etj_sim.commands.finish_batch``); without it the statistics are printed by
    :func:`format_statistics`.
    """
    try:
        experiment = Experiment.load(arguments.experiment)
    except ScenarioError as error:
        print(error, file=err)
        return EXIT_BAD_INPUT
    if arguments.workers is not None and arguments.workers < 1:
        print(f"--workers must be at least 1, got {arguments.workers}", file=err)
        return EXIT_BAD_INPUT
    if arguments.save_events and arguments.out is None:
        print("--save-events needs --out DIR", file=err)
        return EXIT_BAD_INPUT
    backend: Literal["local", "dask"] = "dask" if arguments.dask is not None else "local"
    address = None if arguments.dask in (None, LOCAL_CLUSTER) else arguments.dask
    points = experiment.design_points()
    print(
        f"{experiment.name}: {len(points)} design point(s) x {experiment.replications} "
        f"replication(s), master seed {experiment.master_seed}, backend {backend}",
        file=out,
    )
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", RunFailureWarning)
        try:
            result = run_experiment(
                experiment,
                backend=backend,
                workers=arguments.workers,
                out=arguments.out,
                address=address,
                save_events=arguments.save_events,
                progress=True,
                run=run,
            )
        except ExperimentFolderError as error:
            print(error, file=err)
            return EXIT_BAD_INPUT
    runs = result.runs
    if isinstance(experiment.design, NationalRegionsDesign) and runs.height:
        runs = combine_regions(runs, regions=len(points))
        print("national figures (regions combined per replication):", file=out)
    metrics = [column for column in result.metrics if column in runs.columns]
    statistics = summarise(runs, metrics) if runs.height else None
    differences = None
    if statistics is not None:
        # Against design point 0, paired by replication (common random numbers).
        compared = runs.get_column("design_point").n_unique() > 1 and 0 in runs["design_point"]
        differences = paired_differences(runs, 0, metrics) if compared else None
        if finish is None:
            print(format_statistics(statistics, differences), file=out)
    if arguments.out is not None:
        write_parquet_atomically(arguments.out / "results.parquet", result.runs)
        if statistics is not None:
            write_parquet_atomically(arguments.out / "statistics.parquet", statistics)
    extra: list[str] = []
    if finish is not None and statistics is not None:
        extra = finish(
            arguments.out,
            runs,
            statistics,
            differences,
            title=experiment.name,
            lang=getattr(arguments, "lang", DEFAULT_LANGUAGE),
            out=out,
        )
    if arguments.out is not None:
        files = ", ".join(["results.parquet", "statistics.parquet", *extra, "runs/"])
        print(f"wrote {arguments.out}/ ({files})", file=out)
    if result.failures.height:
        for warning in caught:
            print(f"warning: {warning.message}", file=err)
        for row in result.failures.iter_rows(named=True):
            print(
                f"failed: run {row['run_id']} (design point {row['design_point']}, replication "
                f"{row['replication']}): {row['error_type']}: {row['message']}",
                file=err,
            )
        return EXIT_FAILED_RUNS
    return EXIT_OK


def _format_number(value: float | None) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    magnitude = abs(value)
    if magnitude >= 1000:
        return f"{value:,.0f}"
    if magnitude >= 10:
        return f"{value:.1f}"
    return f"{value:.3f}"


def format_statistics(statistics: pl.DataFrame, differences: pl.DataFrame | None = None) -> str:
    """One block per design point: each metric's mean and the half-width of its 95% interval.

    With ``differences`` (:func:`paired_differences` against a reference point), each line also
    shows the paired difference from the reference and its half-width.
    """
    paired: dict[tuple[int, str], tuple[float, float]] = {}
    if differences is not None:
        for row in differences.iter_rows(named=True):
            paired[(row["design_point"], row["metric"])] = (row["mean"], row["half_width"])
    lines: list[str] = []
    width = max(len(metric) for metric in statistics.get_column("metric").to_list())
    for (point, label), group in statistics.group_by(
        ["design_point", "design_label"], maintain_order=True
    ):
        count = group.get_column("n").max()
        lines.append(f"[{point!s}] {label!s} (n = {count!s})")
        for row in group.iter_rows(named=True):
            mean = _format_number(row["mean"])
            half_width = _format_number(row["half_width"])
            line = f"  {row['metric']:<{width}}  {mean:>12} ± {half_width:<8}"
            difference = paired.get((row["design_point"], row["metric"]))
            if difference is not None:
                change = _format_number(difference[0])
                sign = "+" if not change.startswith("-") else ""
                line += f"  vs [0]: {sign}{change} ± {_format_number(difference[1])}"
            lines.append(line.rstrip())
    return "\n".join(lines)

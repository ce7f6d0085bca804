"""The ``etj-sim staffing`` command: a scenario, a role and a target in; a staffing table out.

Pipeline position: the shell's door to :mod:`etj_sim.experiments.staffing`. ``SCENARIO ->
advise_staffing -> printed table (and, with --out, staffing.parquet, recommended.parquet,
staffing.html and the runs' resumable folders)``. ``etj_sim.cli`` only wires
:func:`add_staffing_parser` into its subcommands.

Exit codes as the other subcommands: 0 done (an answer was found for every clinic asked about);
1 no level tried met the target with confidence somewhere; 2 bad input (unknown scenario, role,
clinic or target, a folder of something else), reported before any run, with nothing written.
"""

from __future__ import annotations

import argparse
import math
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, Final, Literal

from etj_sim.dask_scheduler import (
    DASK_TIMEOUT_SECONDS,
    DaskConnectionError,
    check_dask_address,
    check_dask_timeout,
)
from etj_sim.run_folder import write_problem
from etj_sim.scenario import STAFF_ROLES, ScenarioError

if TYPE_CHECKING:
    from etj_sim.experiments.staffing import StaffingAdvice

__all__ = ["add_staffing_parser", "format_advice", "main_staffing"]

EXIT_OK: Final = 0
EXIT_NOT_MET: Final = 1
EXIT_BAD_INPUT: Final = 2


def add_staffing_parser(commands: Any) -> None:
    """Add ``staffing`` to the ``etj-sim`` subcommands (``commands`` is argparse's subparsers)."""
    staffing = commands.add_parser(
        "staffing",
        help="the smallest staff level that meets a service target, with confidence",
        description=(
            "Find the smallest number of staff of a role per clinic that meets a target "
            "(e.g. answered_within_48h_share>=0.9) with the stated confidence: Erlang C start, "
            "paired replications with common random numbers, a sequential stopping rule."
        ),
    )
    staffing.add_argument("scenario", metavar="SCENARIO", help="a scenario file or a shipped name")
    staffing.add_argument("--role", required=True, choices=STAFF_ROLES, help="the role to vary")
    staffing.add_argument(
        "--target",
        required=True,
        metavar="METRIC>=VALUE",
        help="answered_within_48h_share>=0.9, p90_response_hours<=48, backlog_end<=20, ...",
    )
    staffing.add_argument("--clinic", type=int, metavar="N", help="decide for clinic N only")
    staffing.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="override a scenario value (repeatable), as for etj-sim run",
    )
    staffing.add_argument(
        "--confidence", type=float, default=0.95, help="confidence level (default 0.95)"
    )
    staffing.add_argument(
        "--replications", type=int, default=3, help="first replications per level (default 3)"
    )
    staffing.add_argument(
        "--max-replications", type=int, default=20, help="cap per level (default 20)"
    )
    staffing.add_argument("--seed", type=int, default=0, help="master seed (default 0)")
    staffing.add_argument("--workers", type=int, metavar="N", help="worker processes")
    staffing.add_argument(
        "--dask", metavar="ADDRESS", help="run on a Dask scheduler ('local': a LocalCluster)"
    )
    staffing.add_argument(
        "--dask-timeout",
        type=float,
        default=DASK_TIMEOUT_SECONDS,
        metavar="SECONDS",
        help=f"how long a Dask scheduler has to answer (default {DASK_TIMEOUT_SECONDS:g})",
    )
    staffing.add_argument("--out", type=Path, metavar="DIR", help="folder for tables, chart, runs")
    staffing.set_defaults(handler=main_staffing)


def main_staffing(arguments: argparse.Namespace, out: IO[str], err: IO[str]) -> int:
    """Carry out ``etj-sim staffing``."""
    # Imported here: etj_sim.cli imports this module's parser while it builds its own, and the
    # other commands start faster without the experiment machinery (polars, numpy).
    from etj_sim.experiments.staffing import advise_staffing, parse_target
    from etj_sim.experiments.store import ExperimentFolderError, write_parquet_atomically
    from etj_sim.shipped import SHIPPED_SCENARIOS_DIR, find_scenario
    from etj_sim.shipped import parse_override as _parse_override

    try:
        scenario = find_scenario(arguments.scenario, SHIPPED_SCENARIOS_DIR)
        overrides = dict(_parse_override(text) for text in arguments.set)
        if overrides:
            scenario = scenario.with_overrides(overrides, source="--set")
    except ScenarioError as error:
        print(error, file=err)
        return EXIT_BAD_INPUT
    problems = []
    try:
        target = parse_target(arguments.target)
    except ValueError as error:
        problems.append(f"--target: {error}")
    if arguments.clinic is not None and arguments.clinic not in range(scenario.clinics.count):
        problems.append(
            f"--clinic: {arguments.clinic} is not a clinic of the scenario "
            f"(clinics 0 to {scenario.clinics.count - 1})"
        )
    if not 0.0 < arguments.confidence < 1.0:
        problems.append(f"--confidence: must be between 0 and 1, got {arguments.confidence}")
    if arguments.replications < 2:
        problems.append(f"--replications: at least 2, got {arguments.replications}")
    if arguments.max_replications < arguments.replications:
        problems.append("--max-replications: must be at least --replications")
    if arguments.workers is not None and arguments.workers < 1:
        problems.append(f"--workers: at least 1, got {arguments.workers}")
    if arguments.out is not None:
        if arguments.out.exists() and not arguments.out.is_dir():
            problems.append(f"--out: {arguments.out} is a file, not a folder")
        elif (problem := write_problem(arguments.out)) is not None:
            problems.append(f"--out: {arguments.out}: {problem}")
    backend: Literal["local", "dask"] = "dask" if arguments.dask is not None else "local"
    address = None if arguments.dask in (None, "local") else arguments.dask
    if address is not None:
        try:
            check_dask_address(address)
        except ValueError as error:
            problems.append(f"--dask: {error}")
    try:
        check_dask_timeout(arguments.dask_timeout)
    except ValueError:
        problems.append(f"--dask-timeout: must be a positive number, got {arguments.dask_timeout}")
    if problems:
        for problem in problems:
            print(problem, file=err)
        return EXIT_BAD_INPUT
    print(
        f"{scenario.name} ({scenario.short_hash}): staffing {arguments.role} for {target}, "
        f"{arguments.confidence:.0%} confidence, backend {backend}",
        file=out,
    )
    try:
        advice = advise_staffing(
            scenario,
            arguments.role,
            target,
            clinic=arguments.clinic,
            level=arguments.confidence,
            initial_replications=arguments.replications,
            max_replications=arguments.max_replications,
            master_seed=arguments.seed,
            backend=backend,
            workers=arguments.workers,
            address=address,
            out=arguments.out,
            progress=True,
            dask_timeout=arguments.dask_timeout,
        )
    except (ExperimentFolderError, DaskConnectionError) as error:
        print(error, file=err)
        return EXIT_BAD_INPUT
    print(format_advice(advice), file=out)
    if arguments.out is not None:
        write_parquet_atomically(arguments.out / "staffing.parquet", advice.table)
        write_parquet_atomically(arguments.out / "recommended.parquet", advice.recommended)
        from etj_sim.toolkit_charts import staffing_chart

        chart = staffing_chart(advice.table, str(advice.target), advice.target.value)
        chart.save(str(arguments.out / "staffing.html"), inline=True)
        print(
            f"wrote {arguments.out}/ (staffing.parquet, recommended.parquet, staffing.html, "
            "level-N/ runs)",
            file=out,
        )
    return EXIT_NOT_MET if advice.recommended.get_column("level").null_count() else EXIT_OK


def _number(value: float | None) -> str:
    if value is None or math.isnan(value):
        return "-"
    return f"{value:.3f}" if abs(value) < 10 else f"{value:.1f}"


def format_advice(advice: StaffingAdvice) -> str:
    """The levels tried (mean and interval per clinic) and the recommendation per clinic."""
    lines = [
        f"Erlang C starting level: {advice.erlang_c_start}; runs carried out: {advice.runs}",
        f"{'clinic':<8}{'level':>6}{'n':>4}  {'mean':>9}  {'interval':<21} decision",
    ]
    for row in advice.table.iter_rows(named=True):
        interval = f"[{_number(row['ci_low'])}, {_number(row['ci_high'])}]"
        lines.append(
            f"{row['clinic']:<8}{row['level']:>6}{row['n']:>4}  {_number(row['mean']):>9}  "
            f"{interval:<21} {row['decision']}"
        )
    lines.append(
        f"recommended {advice.role} per clinic ({advice.confidence:.0%} interval clears it):"
    )
    for row in advice.recommended.iter_rows(named=True):
        level = "none found" if row["level"] is None else str(row["level"])
        note = f" ({row['note']})" if row["note"] else ""
        lines.append(f"  clinic {row['clinic']}: {level}{note}")
    return "\n".join(lines)

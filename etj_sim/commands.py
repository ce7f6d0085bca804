"""The ``etj-sim`` commands about outputs: report, compare, show, schema; tables in sv or en.

Pipeline position: the outermost layer, beside ``etj_sim.cli`` (which registers these commands
with :func:`add_output_commands`). Each handler takes ``(arguments, out, err)`` and returns an
exit code like the others: 0 done, 1 problems found, 2 bad input (nothing written)::

    etj-sim report RUN_DIR [--lang sv|en] [--out DIR] [--no-png]
    etj-sim compare DIR [DIR ...] [--out DIR] [--reference N] [--lang sv|en]
    etj-sim show SCENARIO [--set KEY=VALUE ...]
    etj-sim schema [--experiment]

The metrics and the stages behind them are imported where a command needs them, so that
``validate``, ``scenarios`` and ``--version`` start without them. It also holds what ``run``
and ``batch`` print and write besides their own files: the labelled
headline table (:func:`format_headline`), the run folder's exports (:func:`write_run_outputs`),
the batch's short table and its comparison report (:func:`finish_batch`), and the check that
tells an experiment file from a scenario file for ``validate`` (:func:`is_experiment_file`).
"""

from __future__ import annotations

import argparse
import json
import tomllib
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, Final

from etj_sim.i18n import (
    DEFAULT_LANGUAGE,
    LANGUAGES,
    Language,
    format_difference,
    format_quantity,
    phrase,
    unit_label,
)
from etj_sim.run_folder import write_problem
from etj_sim.scenario import Scenario, ScenarioError, scenario_to_toml

if TYPE_CHECKING:
    import polars as pl

__all__ = [
    "BATCH_TABLE_METRICS",
    "add_language_option",
    "add_output_commands",
    "finish_batch",
    "format_batch_table",
    "format_headline",
    "is_experiment_file",
    "write_run_outputs",
]

EXIT_OK: Final = 0
EXIT_PROBLEMS: Final = 1
EXIT_BAD_INPUT: Final = 2
"""The exit codes of ``etj_sim.cli`` (the same numbers)."""

BATCH_TABLE_METRICS: Final = (
    "active_account_share",
    "alert_opt_in_share",
    "read_share_7d",
    "digital_notice_share",
    "answered_within_48h_share",
    "p90_response_hours",
    "mean_open_cases_last_week",
    "staff_utilisation",
)
"""The headline metrics in the batch's short table (all of them are in the report and files)."""

FindScenario = Callable[[str, Path], Scenario]
ParseOverride = Callable[[str], tuple[str, object]]


def add_language_option(parser: argparse.ArgumentParser) -> None:
    """``--lang sv|en`` for a command's tables and report."""
    parser.add_argument(
        "--lang",
        choices=LANGUAGES,
        default=DEFAULT_LANGUAGE,
        help=f"language of tables and reports (default {DEFAULT_LANGUAGE})",
    )


# -- tables -------------------------------------------------------------------------------------


def _columns(rows: Sequence[Sequence[str]], right: Sequence[int]) -> str:
    widths = [max(len(row[index]) for row in rows) for index in range(len(rows[0]))]
    lines = []
    for number, row in enumerate(rows):
        cells = [
            cell.rjust(widths[index]) if index in right else cell.ljust(widths[index])
            for index, cell in enumerate(row)
        ]
        lines.append("  ".join(cells).rstrip())
        if number == 0:
            lines.append("  ".join("-" * width for width in widths))
    return "\n".join(lines)


def format_headline(summary: Mapping[str, object], lang: Language = DEFAULT_LANGUAGE) -> str:
    """A table of one summary row: label, value (shares in percent), unit; other columns by name."""
    from etj_sim.metrics import SUMMARY_COLUMNS

    rows = [[phrase("cli.metric", lang), phrase("cli.value", lang), phrase("cli.unit", lang)]]
    for name, value in summary.items():
        column = SUMMARY_COLUMNS.get(name)
        unit = column.unit if column is not None else ""
        label = column.label.of(lang) if column is not None else name
        number = value if isinstance(value, int | float) and not isinstance(value, bool) else None
        shown = (
            format_quantity(number, unit, lang)
            if number is not None or value is None
            else str(value)
        )
        rows.append([label, shown, unit_label(unit, lang) if unit != "share" else ""])
    return _columns(rows, right=(1,))


def format_batch_table(
    statistics: pl.DataFrame,
    differences: pl.DataFrame | None = None,
    lang: Language = DEFAULT_LANGUAGE,
    metrics: Sequence[str] = BATCH_TABLE_METRICS,
) -> str:
    """The batch's short table: a row per key metric, a column per design point.

    Each cell is the mean ± the half-width of its 95% confidence interval; with ``differences``
    (paired, against the reference) a second table gives each point's difference the same way.
    """
    import polars as pl

    from etj_sim.metrics import SUMMARY_COLUMNS

    shown = [name for name in metrics if name in set(statistics["metric"].to_list())]
    points = statistics.select("design_point", "design_label").unique(maintain_order=True)
    headers = [phrase("cli.metric", lang)] + [
        f"[{row['design_point']}] {row['design_label']}" for row in points.iter_rows(named=True)
    ]

    def cell(frame: pl.DataFrame, point: int, metric: str, value: str, difference: bool) -> str:
        found = frame.filter((pl.col("design_point") == point) & (pl.col("metric") == metric))
        if not found.height:
            return phrase("table.reference", lang) if difference else "–"
        row = found.row(0, named=True)
        unit = SUMMARY_COLUMNS[metric].unit
        write = format_difference if difference else format_quantity
        text = write(row[value], unit, lang)
        half = row.get("half_width")
        if half is not None and half == half:  # NaN: a single replication has no interval
            text += " ±" + (
                format_difference(half, unit, lang).lstrip("+")
                if difference
                else format_quantity(half, unit, lang)
            )
        return text

    def table(frame: pl.DataFrame, value: str, difference: bool) -> str:
        rows = [headers]
        for metric in shown:
            column = SUMMARY_COLUMNS[metric]
            unit = "" if column.unit == "share" else f" ({unit_label(column.unit, lang)})"
            rows.append(
                [column.label.of(lang) + unit]
                + [
                    cell(frame, int(point), metric, value, difference)
                    for point in points["design_point"].to_list()
                ]
            )
        return _columns(rows, right=tuple(range(1, len(headers))))

    parts = [phrase("cli.mean_interval", lang) + ":", table(statistics, "mean", False)]
    if differences is not None and differences.height:
        parts += [
            "",
            phrase("table.difference", lang) + " (95 %):",
            table(differences, "mean", True),
        ]
    return "\n".join(parts)


# -- run and batch outputs ----------------------------------------------------------------------


def write_run_outputs(
    folder: Path,
    result: Any,
    summary: pl.DataFrame,
    scenario: Scenario,
    lang: Language = DEFAULT_LANGUAGE,
) -> list[str]:
    """The run folder's files besides the event log: staff roster, summary.csv and .xlsx.

    Returns the names written. The workbook's metric sheets need the run's event log and
    population frames (``EVENT_LOG_SCHEMA``, ``PEOPLE_SCHEMA``); a result with other frames
    gets the summary sheet alone. (The report command reads ``staff.parquet`` for the roles.)
    """
    import polars as pl

    from etj_sim.events import EVENT_LOG_SCHEMA
    from etj_sim.exports import write_summary_exports
    from etj_sim.metrics import MetricContext, prepare
    from etj_sim.population.schema import PEOPLE_SCHEMA

    staff = getattr(result, "staff", None)
    roster = staff if isinstance(staff, pl.DataFrame) else None
    frames = None
    if set(EVENT_LOG_SCHEMA.names()) <= set(result.events.columns) and set(
        PEOPLE_SCHEMA.names()
    ) <= set(result.population.columns):
        frames = prepare(
            result.events, result.population, MetricContext.from_scenario(scenario), roster
        )
    names = []
    if roster is not None:
        roster.write_parquet(folder / "staff.parquet")
        names.append("staff.parquet")
    names += [path.name for path in write_summary_exports(folder, summary, frames, lang=lang)]
    return names


def finish_batch(
    out_dir: Path | None,
    runs: pl.DataFrame,
    statistics: pl.DataFrame,
    differences: pl.DataFrame | None,
    *,
    title: str,
    lang: Language,
    out: IO[str],
) -> list[str]:
    """Print the batch's short table; with ``out_dir`` write the statistics files and report.

    Returns the names of the files written.
    """
    print(format_batch_table(statistics, differences, lang), file=out)
    if out_dir is None:
        return []
    import polars as pl

    from etj_sim.comparison import compare_runs
    from etj_sim.exports import write_statistics_exports
    from etj_sim.report import write_comparison_report

    names = [
        path.name
        for path in write_statistics_exports(
            out_dir, statistics, differences=differences, runs=runs, lang=lang
        )
    ]
    if runs.get_column("design_point").n_unique() > 1 and "seed" in runs.columns:
        reference = runs.select(pl.col("design_point").min()).item()
        comparison = compare_runs(runs, reference=int(reference))
        report = write_comparison_report(out_dir, comparison, title=title, lang=lang)
        names.append(report.name)
    return names


# -- validate: experiment files ------------------------------------------------------------------


_EXPERIMENT_KEYS: Final = frozenset({"base", "design", "replications", "master_seed", "overrides"})
"""Top-level keys of an experiment file that no scenario file has."""


def is_experiment_file(path: Path) -> bool:
    """Whether a TOML file is an experiment: it holds a key only experiments have (``base``...)."""
    if path.suffix.lower() != ".toml" or not path.is_file():
        return False
    try:
        table = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return False  # the scenario reader reports the problem with its position
    return not _EXPERIMENT_KEYS.isdisjoint(table)


def validate_experiment(path: Path) -> str:
    """``PATH: ok (...)`` for a valid experiment file; raises ``ScenarioError`` listing problems."""
    from etj_sim.experiments import Experiment

    experiment = Experiment.load(path)
    points = experiment.design_points()
    return (
        f"{path}: ok (experiment {experiment.name}: {len(points)} design point(s) x "
        f"{experiment.replications} replication(s), base {experiment.base.name})"
    )


# -- report ---------------------------------------------------------------------------------------

RUN_FILES: Final = ("events.parquet", "population.parquet", "scenario.json", "run.json")


def _out_folder_problem(target: Path) -> str | None:
    """Why the report of ``report`` or ``compare`` cannot go to ``target``, or None."""
    if target.exists() and not target.is_dir():
        return f"{target}: --out must be a folder, this is a file"
    problem = write_problem(target)
    return None if problem is None else f"{target}: {problem}"


def _report(arguments: argparse.Namespace, out: IO[str], err: IO[str]) -> int:
    import polars as pl

    folder: Path = arguments.run_dir
    if not folder.is_dir():
        print(f"{folder}: no such run folder", file=err)
        return EXIT_BAD_INPUT
    missing = [name for name in RUN_FILES if not (folder / name).is_file()]
    if missing:
        print(
            f"{folder}: not a saved run (etj-sim run --out): missing {', '.join(missing)}",
            file=err,
        )
        return EXIT_BAD_INPUT
    # Checked before the saved frames are read: a region's log takes seconds to load.
    target: Path = arguments.out or folder
    if (problem := _out_folder_problem(target)) is not None:
        print(problem, file=err)
        return EXIT_BAD_INPUT
    try:
        scenario = Scenario.load(folder / "scenario.json")
        info = json.loads((folder / "run.json").read_text(encoding="utf-8"))
        if not isinstance(info, dict):
            raise ValueError("run.json: expected a JSON object")
        events = pl.read_parquet(folder / "events.parquet")
        population = pl.read_parquet(folder / "population.parquet")
        staff_path = folder / "staff.parquet"
        staff = pl.read_parquet(staff_path) if staff_path.is_file() else None
    except ScenarioError as error:
        print(error, file=err)
        return EXIT_BAD_INPUT
    except (OSError, ValueError, pl.exceptions.PolarsError) as error:
        print(f"{folder}: cannot read the saved run: {error}", file=err)
        return EXIT_BAD_INPUT
    from etj_sim.metrics import MetricContext
    from etj_sim.report import RunInfo, write_report

    overrides = info.get("overrides")
    run_info = RunInfo(
        seed=info.get("seed") if isinstance(info.get("seed"), int) else None,
        version=str(info.get("etj_sim_version") or "") or None,
        overrides=overrides if isinstance(overrides, dict) else {},
    )
    try:
        path = write_report(
            target,
            scenario_name=scenario.name,
            description=scenario.description,
            events=events,
            population=population,
            context=MetricContext.from_scenario(scenario),
            roster=staff,
            png=not arguments.no_png,
            lang=arguments.lang,
            scenario=scenario,
            info=run_info,
        )
    except ValueError as error:
        print(f"{folder}: the saved frames do not fit together: {error}", file=err)
        return EXIT_BAD_INPUT
    print(f"wrote {path}", file=out)
    return EXIT_OK


# -- compare --------------------------------------------------------------------------------------


def _compare(arguments: argparse.Namespace, out: IO[str], err: IO[str]) -> int:
    import polars as pl

    from etj_sim.comparison import ComparisonInputError, compare_runs, load_runs

    try:
        runs = load_runs(arguments.folders)
    except ComparisonInputError as error:
        print(error, file=err)
        return EXIT_BAD_INPUT
    points = runs.get_column("design_point").unique().sort().to_list()
    if len(points) < 2:
        print(
            "nothing to compare: every run given is of one scenario; give runs of two or more "
            "scenarios, or an experiment folder with two or more design points",
            file=err,
        )
        return EXIT_BAD_INPUT
    if arguments.reference not in points:
        print(f"--reference {arguments.reference}: choose a design point of {points}", file=err)
        return EXIT_BAD_INPUT
    target: Path = arguments.out or Path(arguments.folders[0])
    if (problem := _out_folder_problem(target)) is not None:
        print(problem, file=err)
        return EXIT_BAD_INPUT
    comparison = compare_runs(runs, reference=arguments.reference)
    lang: Language = arguments.lang
    differences = comparison.differences.rename({"difference": "mean"}).with_columns(
        ((pl.col("ci_high") - pl.col("ci_low")) / 2).alias("half_width")
    )
    print(format_batch_table(comparison.statistics, differences, lang), file=out)
    from etj_sim.report import write_comparison_report

    path = write_comparison_report(
        target, comparison, sources=[str(folder) for folder in arguments.folders], lang=lang
    )
    print(f"wrote {path}", file=out)
    return EXIT_OK


# -- show and schema ------------------------------------------------------------------------------


def _show(
    arguments: argparse.Namespace,
    out: IO[str],
    err: IO[str],
    *,
    find_scenario: FindScenario,
    parse_override: ParseOverride,
) -> int:
    try:
        scenario = find_scenario(arguments.scenario, arguments.scenarios_dir)
        overrides = dict(parse_override(text) for text in arguments.set)
        if overrides:
            scenario = scenario.with_overrides(overrides, source="--set")
    except ScenarioError as error:
        print(error, file=err)
        return EXIT_BAD_INPUT
    out.write(scenario_to_toml(scenario))
    return EXIT_OK


def _schema(arguments: argparse.Namespace, out: IO[str], err: IO[str]) -> int:
    if arguments.experiment:
        from etj_sim.experiments import Experiment

        schema = Experiment.model_json_schema()
        # A file names its base scenario by path (relative to the experiment file).
        properties = schema.get("properties", {})
        if "base" in properties:
            properties["base"] = {
                "anyOf": [
                    {
                        "type": "string",
                        "description": "path of the base scenario file, relative to this file",
                    },
                    properties["base"],
                ]
            }
    else:
        schema = Scenario.model_json_schema()
    print(json.dumps(schema, indent=2, ensure_ascii=False), file=out)
    return EXIT_OK


# -- registration ---------------------------------------------------------------------------------


def add_output_commands(
    commands: Any,
    *,
    find_scenario: FindScenario,
    parse_override: ParseOverride,
    scenarios_dir: Path,
) -> None:
    """Register ``report``, ``compare``, ``show`` and ``schema`` on the CLI's subparsers.

    ``find_scenario`` and ``parse_override`` are the CLI's own (a shipped name or a path;
    ``KEY=VALUE``), handed in so that this module does not import the CLI.
    """
    report = commands.add_parser(
        "report",
        help="rebuild the report of a saved run",
        description="Write report.html (and a PNG per chart) for a folder made by run --out.",
    )
    report.add_argument("run_dir", type=Path, metavar="RUN_DIR", help="a folder of run --out")
    report.add_argument("--out", type=Path, help="folder for the report (default: RUN_DIR)")
    report.add_argument("--no-png", action="store_true", help="write no PNG files")
    add_language_option(report)
    report.set_defaults(handler=_report)

    compare = commands.add_parser(
        "compare",
        help="compare saved runs or an experiment's results against a reference",
        description=(
            "Compare run folders (run --out) or experiment folders (batch --out): each "
            "scenario's mean with its 95%% interval and its difference from the reference, "
            "paired run by run where the seeds match. Writes comparison.html."
        ),
    )
    compare.add_argument("folders", nargs="+", metavar="DIR", help="run or experiment folder")
    compare.add_argument(
        "--out", type=Path, help="folder for comparison.html (default: the first DIR)"
    )
    compare.add_argument(
        "--reference",
        type=int,
        default=0,
        metavar="N",
        help="design point to compare against (default 0: the first folder's scenario)",
    )
    add_language_option(compare)
    compare.set_defaults(handler=_compare)

    show = commands.add_parser(
        "show",
        help="print a scenario with every default filled in, as TOML",
        description="Print the full scenario as TOML that etj-sim validate accepts.",
    )
    show.add_argument("scenario", metavar="SCENARIO", help="a scenario file or a shipped name")
    show.add_argument(
        "--set", action="append", default=[], metavar="KEY=VALUE", help="override a value"
    )
    show.add_argument(
        "--scenarios-dir",
        type=Path,
        default=scenarios_dir,
        help="where shipped scenario names are looked up",
    )

    def show_handler(arguments: argparse.Namespace, out: IO[str], err: IO[str]) -> int:
        return _show(
            arguments, out, err, find_scenario=find_scenario, parse_override=parse_override
        )

    show.set_defaults(handler=show_handler)

    schema = commands.add_parser(
        "schema",
        help="print the JSON Schema of scenario files (for editors)",
        description="Print the JSON Schema of a scenario file, or of an experiment file.",
    )
    schema.add_argument(
        "--experiment", action="store_true", help="the schema of experiment files instead"
    )
    schema.set_defaults(handler=_schema)

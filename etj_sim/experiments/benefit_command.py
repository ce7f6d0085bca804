"""The ``etj-sim benefit`` command: a scenario and a reference in; the benefit table out.

Pipeline position: the shell's door to :mod:`etj_sim.experiments.benefit`. ``SCENARIO, REF
(--set on both) -> benefit_table (paired replications, common random numbers) -> printed table
(and, with --out, benefit.csv, benefit.xlsx and report.html: one run of SCENARIO with the first
replication's seed, the benefit table in its section on appointment notices)``. ``etj_sim.cli``
only wires :func:`add_benefit_parser` into its subcommands.

Exit codes as the other subcommands: 0 done; 1 some runs failed (the table is not printed and
nothing is written); 2 bad input (unknown scenario or reference, a bad ``--set``, fewer than 2
replications, a scenario and reference of different populations or periods, an ``--out`` that
is a file), reported before any run, with nothing written.
"""

from __future__ import annotations

import argparse
import warnings
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, Final

from etj_sim.commands import add_language_option
from etj_sim.i18n import Language, format_integer, format_quantity, phrase, unit_label
from etj_sim.run_folder import write_problem
from etj_sim.scenario import Scenario, ScenarioError

if TYPE_CHECKING:
    import polars as pl

__all__ = ["SAME_IN_BOTH", "add_benefit_parser", "format_benefit_table", "main_benefit"]

EXIT_OK: Final = 0
EXIT_FAILED_RUNS: Final = 1
EXIT_BAD_INPUT: Final = 2

LEVEL: Final = 0.95
"""The confidence level of the printed and written intervals."""

SAME_IN_BOTH: Final = ("population.size", "start_date", "duration_days", "warmup_days")
"""What a scenario and its reference must share: a saving is counted over the same people and
the same days (a different size or period would measure the size, not the notice policy)."""


def add_benefit_parser(commands: Any) -> None:
    """Add ``benefit`` to the ``etj-sim`` subcommands (``commands`` is argparse's subparsers)."""
    benefit = commands.add_parser(
        "benefit",
        help="letters, kronor, staff hours and missed visits a notice policy saves (95%% CI)",
        description=(
            "The benefit table of appointment notices: SCENARIO against REF over paired "
            "replications with the same seeds (common random numbers); letters, kronor and "
            "staff hours saved and missed visits avoided, each reference minus scenario with "
            "its 95% t interval (a negative saving is a cost)."
        ),
    )
    benefit.add_argument("scenario", metavar="SCENARIO", help="a scenario file or a shipped name")
    benefit.add_argument(
        "--reference",
        required=True,
        metavar="REF",
        help="the scenario the savings are counted against (a file or a shipped name)",
    )
    benefit.add_argument(
        "--replications",
        type=int,
        default=5,
        metavar="N",
        help="paired replications (default 5, at least 2)",
    )
    benefit.add_argument("--seed", type=int, default=0, metavar="N", help="master seed (default 0)")
    benefit.add_argument(
        "--workers", type=int, metavar="N", help="worker processes (default: one per core)"
    )
    benefit.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="override a value in both SCENARIO and REF (repeatable), as for etj-sim run",
    )
    add_language_option(benefit)
    benefit.add_argument(
        "--out", type=Path, metavar="DIR", help="folder for benefit.csv, benefit.xlsx, report.html"
    )
    benefit.set_defaults(handler=main_benefit)


def _value(scenario: Scenario, dotted: str) -> object:
    value: object = scenario
    for part in dotted.split("."):
        value = getattr(value, part)
    return value


def _load(reference: str, overrides: dict[str, object]) -> Scenario:
    from etj_sim.shipped import SHIPPED_SCENARIOS_DIR, find_scenario

    scenario = find_scenario(reference, SHIPPED_SCENARIOS_DIR)
    if overrides:
        scenario = scenario.with_overrides(overrides, source="--set")
    return scenario


def _values(scenario: Scenario) -> dict[str, Any]:
    """Everything that shapes a run: the scenario's values without its name and description."""
    return scenario.model_dump(mode="json", exclude={"name", "description"})


def _problems(arguments: argparse.Namespace, scenario: Scenario, reference: Scenario) -> list[str]:
    problems = []
    for key in SAME_IN_BOTH:
        ours, theirs = _value(scenario, key), _value(reference, key)
        if ours != theirs:
            problems.append(
                f"{key}: {scenario.name} has {ours}, the reference {reference.name} has {theirs}; "
                "a benefit is counted over the same population and period (set it in both "
                f"files, or --set {key}=... for both)"
            )
    if _values(scenario) == _values(reference):
        problems.append(
            f"--reference: {reference.name} has every value of {scenario.name}, so with the same "
            "seeds every saving is 0; give the notice policy to weigh and the one it would "
            "replace (etj-sim show prints a scenario's values)"
        )
    if arguments.replications < 2:
        problems.append(
            "--replications: at least 2 (an interval needs two pairs), "
            f"got {arguments.replications}"
        )
    if arguments.seed < 0:
        problems.append(f"--seed: a whole number >= 0, got {arguments.seed}")
    if arguments.workers is not None and arguments.workers < 1:
        problems.append(f"--workers: at least 1, got {arguments.workers}")
    if arguments.out is not None:
        if arguments.out.exists() and not arguments.out.is_dir():
            problems.append(f"--out: {arguments.out} is a file, not a folder")
        elif (problem := write_problem(arguments.out)) is not None:
            problems.append(f"--out: {arguments.out}: {problem}")
    return problems


def main_benefit(arguments: argparse.Namespace, out: IO[str], err: IO[str]) -> int:
    """Carry out ``etj-sim benefit``."""
    # Imported here: etj_sim.cli imports this module's parser while it builds its own, and the
    # other commands start faster without the experiment machinery (polars, numpy).
    from etj_sim.experiments.benefit import benefit_table
    from etj_sim.experiments.experiment import replication_seed
    from etj_sim.experiments.runner import RunFailureWarning
    from etj_sim.shipped import parse_override

    lang: Language = arguments.lang
    try:
        overrides = dict(parse_override(text) for text in arguments.set)
        scenario = _load(arguments.scenario, overrides)
        reference = _load(arguments.reference, overrides)
    except ScenarioError as error:
        print(error, file=err)
        return EXIT_BAD_INPUT
    problems = _problems(arguments, scenario, reference)
    if problems:
        for problem in problems:
            print(problem, file=err)
        return EXIT_BAD_INPUT
    print(
        phrase(
            "cli.benefit_header",
            lang,
            scenario=f"{scenario.name} ({scenario.short_hash})",
            reference=f"{reference.name} ({reference.short_hash})",
            pairs=arguments.replications,
            people=format_integer(scenario.population.size, lang),
            days=scenario.duration_days,
            seed=arguments.seed,
        ),
        file=out,
    )
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", RunFailureWarning)
        try:
            table = benefit_table(
                scenario,
                reference,
                replications=arguments.replications,
                master_seed=arguments.seed,
                level=LEVEL,
                workers=arguments.workers,
                lang=lang,
                progress=True,
            )
        except ValueError:
            # With every run of a design point failed there is no table to build (the runs
            # table lacks its columns); the failures below say why.
            if not any(issubclass(w.category, RunFailureWarning) for w in caught):
                raise
    failures = [w for w in caught if issubclass(w.category, RunFailureWarning)]
    if failures:
        for warning in failures:
            print(f"warning: {warning.message}", file=err)
        print("some runs failed: no benefit table, nothing written", file=err)
        return EXIT_FAILED_RUNS
    print(format_benefit_table(table, lang), file=out)
    if arguments.out is None:
        return EXIT_OK
    seed = replication_seed(arguments.seed, 0)
    written = _write_outputs(arguments.out, table, scenario, seed, overrides, lang)
    print(phrase("cli.wrote", lang, folder=arguments.out, files=", ".join(written)), file=out)
    return EXIT_OK


def _write_outputs(
    folder: Path,
    table: pl.DataFrame,
    scenario: Scenario,
    seed: int,
    overrides: dict[str, object],
    lang: Language,
) -> list[str]:
    """benefit.csv, benefit.xlsx and the report of SCENARIO's run with ``seed``; their names."""
    from etj_sim.exports import write_benefit_exports
    from etj_sim.report import write_result_report
    from etj_sim.simulation import simulate

    folder.mkdir(parents=True, exist_ok=True)
    names = [path.name for path in write_benefit_exports(folder, table)]
    result = simulate(scenario, seed, progress=False)
    report = write_result_report(result, folder, lang=lang, overrides=overrides, benefit=table)
    names.append(report.name)
    return names


def format_benefit_table(table: pl.DataFrame, lang: Language) -> str:
    """The benefit table as printed: per saving the two means, the saving and its interval."""
    from etj_sim.commands import _columns

    rows = [
        [
            phrase("cli.metric", lang),
            phrase("cli.reference", lang),
            phrase("cli.scenario", lang),
            phrase("cli.saving", lang),
            phrase("cli.interval", lang),
            phrase("cli.unit", lang),
        ]
    ]
    for row in table.iter_rows(named=True):
        unit = row["unit"]
        interval = phrase(
            "table.interval_range",
            lang,
            low=format_quantity(row["ci_low"], unit, lang),
            high=format_quantity(row["ci_high"], unit, lang),
        )
        rows.append(
            [
                row["label"],
                format_quantity(row["reference_mean"], unit, lang),
                format_quantity(row["scenario_mean"], unit, lang),
                format_quantity(row["mean"], unit, lang),
                interval,
                unit_label(unit, lang),
            ]
        )
    pairs = int(table.row(0, named=True)["replications"]) if table.height else 0
    intro = phrase("cli.benefit_intro", lang, pairs=format_integer(pairs, lang))
    return intro + "\n" + _columns(rows, right=(1, 2, 3, 4))

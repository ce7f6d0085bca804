"""The ``etj-sim`` command: scenario files in, summary table and Parquet files out.

Pipeline position: the outermost layer, for a shell. It reads ``scenarios/*.toml`` into a
``Scenario`` (``etj_sim.scenario``), hands it to ``etj_sim.simulation.simulate`` (which runs
population -> domain -> simulation -> event log), prints the headline summary (metrics) and writes
the event log, summary and population as Parquet plus the report (``etj_sim.report``) if present.

Subcommands::

    etj-sim --version
    etj-sim validate FILE...                   every problem of every file (scenarios and
                                               experiments); exit 1 if any
    etj-sim scenarios [--dir DIR]              the shipped scenarios
    etj-sim run SCENARIO [--seed N] [--out DIR [--force]] [--set KEY=VALUE ...] [--lang sv|en]
                [--shards K|auto] [--workers N] [--dask ADDRESS|local [--dask-timeout S]]
    etj-sim batch EXPERIMENT [--workers N] [--dask ADDRESS] [--out DIR] [--lang sv|en]
                                               many runs (etj_sim.experiments.command)
    etj-sim report RUN_DIR [--lang sv|en]      rebuild a saved run's report (etj_sim.commands)
    etj-sim compare DIR DIR... [--out DIR]     comparison report of runs or an experiment
    etj-sim show SCENARIO                      the full scenario as TOML, defaults filled in
    etj-sim schema [--experiment]              the JSON Schema of scenario (experiment) files
    etj-sim staffing SCENARIO --role ROLE --target METRIC>=VALUE [--out DIR]
                                               the smallest staff level meeting a target
                                               (etj_sim.experiments.staffing_command)
    etj-sim benefit SCENARIO --reference REF [--replications N] [--seed N] [--workers N]
                [--set KEY=VALUE ...] [--lang sv|en] [--out DIR]
                                               the benefit table of appointment notices
                                               (etj_sim.experiments.benefit_command)
    etj-sim export RUN_DIR --format ocel|xes|csv --out FILE
                                               a run's event log for process mining
    etj-sim app [--port N] [--host 127.0.0.1] [--open]
                                               the planner's dashboard (etj_sim.app.command)

A pipe closed by its reader (``etj-sim scenarios | head``) ends the command quietly.

Exit codes: 0 done; 1 problems found (``validate``), the run failed or some batch runs failed;
2 bad input (usage, missing or invalid scenario, a negative seed, an unusable ``--out`` or one
holding another run), in which case nothing is written; 130 interrupted (Ctrl-C; 143 for a
batch stopped by SIGTERM). ``run --out`` writes its folder whole or not at all
(:mod:`etj_sim.run_folder`).
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import shutil
import sys
import textwrap
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import IO, Any

import etj_sim
from etj_sim.commands import (
    add_language_option,
    add_output_commands,
    finish_batch,
    format_headline,
    is_experiment_file,
    validate_experiment,
    write_run_outputs,
)
from etj_sim.i18n import DEFAULT_LANGUAGE, Language
from etj_sim.scenario import Scenario, ScenarioError, ScenarioProblem
from etj_sim.shipped import SHIPPED_SCENARIOS_DIR, find_scenario, shipped_scenarios
from etj_sim.shipped import parse_override as _parse_override

__all__ = ["SHIPPED_SCENARIOS_DIR", "find_scenario", "format_summary", "main", "shipped_scenarios"]


DEFAULT_SEED = 1

EXIT_OK = 0
EXIT_PROBLEMS = 1
EXIT_BAD_INPUT = 2
EXIT_INTERRUPTED = 130

OUTPUT_FILES = ("events.parquet", "summary.parquet", "population.parquet", "scenario.json")


# -- scenarios ----------------------------------------------------------------------------------


# -- output -------------------------------------------------------------------------------------


def format_summary(summary: Mapping[str, object], lang: Language = DEFAULT_LANGUAGE) -> str:
    """A table (measure, value, unit) of one summary row in ``lang``; shares in percent."""
    return format_headline(summary, lang)


def _write_run(
    result: Any,
    summary: Any,
    scenario: Scenario,
    seed: int,
    folder: Path,
    overrides: Mapping[str, object] | None = None,
) -> None:
    # Imported here: only `run --out` writes files, and the other commands start faster without it.
    from etj_sim.experiments.store import write_atomically
    from etj_sim.metrics import SUMMARY_SCHEMA_VERSION

    write_atomically(folder / "events.parquet", result.events.write_parquet)
    write_atomically(folder / "summary.parquet", summary.write_parquet)
    write_atomically(folder / "population.parquet", result.population.write_parquet)
    scenario_json = scenario.model_dump_json(indent=2) + "\n"
    write_atomically(folder / "scenario.json", lambda path: _write_text(path, scenario_json))
    # The seed is not part of the scenario; without it the folder could not be reproduced.
    run_json = json.dumps(
        {
            "scenario": scenario.name,
            "scenario_hash": scenario.content_hash,
            "seed": seed,
            # A sharded run's log depends on the shard count too (etj_sim.simulation.shards).
            "shards": 1
            if getattr(result, "shard_runs", None) is None
            else result.shard_runs.height,
            "etj_sim_version": etj_sim.__version__,
            "summary_schema_version": SUMMARY_SCHEMA_VERSION,
            # The values set on top of the scenario file (--set); scenario.json holds the result.
            "overrides": dict(overrides or {}),
        },
        indent=2,
    )
    write_atomically(folder / "run.json", lambda path: _write_text(path, run_json + "\n"))


def _write_text(path: Path, text: str) -> None:
    path.write_text(text, encoding="utf-8")


def _report_writer() -> Callable[..., object] | None:
    """The report stage's ``write_result_report(result, out_dir)`` if there is one, else None.

    (``etj_sim.report.write_report`` takes the frames one by one, so it is no stand-in for it.)
    """
    try:
        module = importlib.import_module("etj_sim.report")
    except ModuleNotFoundError as error:
        # Only the report's own absence is tolerated; a dependency missing inside it is an error.
        if error.name != "etj_sim.report":
            raise
        return None
    writer: Callable[..., object] | None = getattr(module, "write_result_report", None)
    return writer


# -- subcommands --------------------------------------------------------------------------------


def _expand(paths: Sequence[str]) -> Iterator[Path]:
    """Files as given; a folder stands for its ``*.toml`` files (a folder without any stays)."""
    for reference in paths:
        path = Path(reference)
        if path.is_dir() and shipped_scenarios(path):
            yield from shipped_scenarios(path)
        else:
            yield path


def _validate(arguments: argparse.Namespace, out: IO[str], err: IO[str]) -> int:
    found_problems = False
    for path in _expand(arguments.files):
        try:
            if path.is_dir():
                problem = ScenarioProblem("", "a folder without scenario files (*.toml)")
                raise ScenarioError(str(path), [problem])
            if is_experiment_file(path):
                print(validate_experiment(path), file=out)
                continue
            scenario = Scenario.load(path)
        except ScenarioError as error:
            found_problems = True
            print(error, file=out)
        else:
            print(
                f"{path}: ok ({scenario.name}: {scenario.population.size:,} people, "
                f"{scenario.duration_days} days, hash {scenario.short_hash})",
                file=out,
            )
    return EXIT_PROBLEMS if found_problems else EXIT_OK


def _scenarios(arguments: argparse.Namespace, out: IO[str], err: IO[str]) -> int:
    folder: Path = arguments.dir
    files = shipped_scenarios(folder)
    if not files:
        print(f"{folder}: no scenario files (*.toml) here", file=err)
        return EXIT_PROBLEMS
    loaded: list[Scenario] = []
    status = EXIT_OK
    for file in files:
        try:
            loaded.append(Scenario.load(file))
        except ScenarioError as error:
            print(error, file=err)
            status = EXIT_PROBLEMS
    name_width = max([len("name"), *(len(scenario.name) for scenario in loaded)])
    head = f"{'name':<{name_width}}  {'people':>9}  {'days':>4}  "
    width = max(40, shutil.get_terminal_size((100, 24)).columns - len(head))
    print(head + "description", file=out)
    for scenario in loaded:
        lines = textwrap.wrap(" ".join(scenario.description.split()), width) or [""]
        size = f"{scenario.population.size:,}"
        print(
            f"{scenario.name:<{name_width}}  {size:>9}  {scenario.duration_days:>4}  {lines[0]}",
            file=out,
        )
        for line in lines[1:]:
            print(" " * len(head) + line, file=out)
    return status


def _run(arguments: argparse.Namespace, out: IO[str], err: IO[str]) -> int:
    out_dir: Path | None = arguments.out
    try:
        scenario = find_scenario(arguments.scenario, arguments.scenarios_dir)
        overrides = dict(_parse_override(text) for text in arguments.set)
        if overrides:
            scenario = scenario.with_overrides(overrides, source="--set")
    except ScenarioError as error:
        print(error, file=err)
        return EXIT_BAD_INPUT
    sharding = _sharding(arguments, scenario, err)
    if sharding is None:
        return EXIT_BAD_INPUT
    # Imported here: `validate` and `scenarios` start faster without it.
    from etj_sim.run_folder import RunFolderError, check_run_folder, staged_run_folder

    if out_dir is not None:
        # Everything about the folder is checked now, not after minutes of simulation.
        try:
            check_run_folder(out_dir, scenario.content_hash, arguments.seed, force=arguments.force)
        except RunFolderError as error:
            print(error, file=err)
            return EXIT_BAD_INPUT
    # Looked up at run time: `validate` and `scenarios` must work without the engine, and the
    # engine and the report are optional stages from this module's point of view.
    simulate = getattr(importlib.import_module("etj_sim.simulation"), "simulate", None)
    if simulate is None:
        print("etj-sim run: etj_sim.simulation has no simulate() yet", file=err)
        return EXIT_PROBLEMS

    print(
        f"{scenario.name} ({scenario.short_hash}): {scenario.population.size:,} people, "
        f"{scenario.duration_days} days, seed {arguments.seed}",
        file=out,
    )
    from etj_sim.dask_scheduler import DaskConnectionError
    from etj_sim.simulation.shards import ShardError

    try:
        result = simulate(scenario, seed=arguments.seed, progress=True, **sharding)
    except ShardError as error:
        print(f"--shards: {error}", file=err)
        return EXIT_BAD_INPUT
    except DaskConnectionError as error:
        # Raised before any work: nothing was simulated or written.
        print(f"--dask: {error}", file=err)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print("interrupted: nothing written", file=err)
        return EXIT_INTERRUPTED
    summary = result.summary()
    lang: Language = arguments.lang
    print(format_summary(summary.row(0, named=True), lang), file=out)
    if out_dir is None:
        return EXIT_OK

    write_report = _report_writer()
    report_name = ""
    try:
        with staged_run_folder(out_dir) as staging:
            _write_run(result, summary, scenario, arguments.seed, staging, overrides)
            exports = write_run_outputs(staging, result, summary, scenario, lang)
            if write_report is not None:
                report = write_report(result, staging, lang=lang, overrides=overrides)
                report_name = Path(str(report)).name
    except KeyboardInterrupt:
        print(f"interrupted: {out_dir} is as it was", file=err)
        return EXIT_INTERRUPTED
    except OSError as error:
        reason = error.strerror or str(error)
        print(f"{out_dir}: cannot write the run ({reason}); the folder is as it was", file=err)
        return EXIT_PROBLEMS
    written = ", ".join([*OUTPUT_FILES, "run.json", *exports])
    if report_name:
        written += f", report {out_dir / report_name}"
    print(f"wrote {out_dir}/ ({written})", file=out)
    return EXIT_OK


def _sharding(
    arguments: argparse.Namespace, scenario: Scenario, err: IO[str]
) -> dict[str, object] | None:
    """``--shards``, ``--workers``, ``--dask`` as ``simulate`` arguments, or None (printed why)."""
    shards: int | str = arguments.shards
    if shards != "auto":
        try:
            shards = int(shards)
        except ValueError:
            shards = 0
        if shards < 1:
            print(f"--shards: expected a whole number >= 1 or 'auto', got {arguments.shards!r}",
                  file=err)  # fmt: skip
            return None
        if shards > scenario.clinics.count:
            print(
                f"--shards: {shards} asked, but {scenario.name} has {scenario.clinics.count} "
                "clinic(s), and a shard holds whole clinic catchments",
                file=err,
            )
            return None
    if arguments.workers is not None and arguments.workers < 1:
        print(f"--workers: expected at least 1, got {arguments.workers}", file=err)
        return None
    # Only what was asked: a plain run calls simulate(scenario, seed=..., progress=...) alone.
    options: dict[str, object] = {}
    if shards != 1:
        options["shards"] = shards
    if arguments.workers is not None:
        options["workers"] = arguments.workers
    if arguments.dask is None:
        if arguments.dask_timeout is not None:
            print("--dask-timeout: only with --dask", file=err)
            return None
        return options
    # Imported here: only a run on Dask needs the address check.
    from etj_sim.dask_scheduler import check_dask_address, check_dask_timeout

    options["backend"] = "dask"
    if arguments.dask != "local":
        try:
            check_dask_address(arguments.dask)
        except ValueError as error:
            print(f"--dask: {error}", file=err)
            return None
        options["address"] = arguments.dask
    if arguments.dask_timeout is not None:
        try:
            options["dask_timeout"] = check_dask_timeout(arguments.dask_timeout)
        except ValueError:
            print(
                f"--dask-timeout: expected a positive number of seconds, got "
                f"{arguments.dask_timeout}",
                file=err,
            )
            return None
    return options


def _seed(text: str) -> int:
    """``--seed``: a whole number from 0 to 2**63 - 1 (it is stored in 64-bit columns)."""
    try:
        seed = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if not 0 <= seed < 2**63:
        raise argparse.ArgumentTypeError(f"{seed} is outside 0 .. 2**63 - 1")
    return seed


def _batch(arguments: argparse.Namespace, out: IO[str], err: IO[str]) -> int:
    from etj_sim.experiments.command import main_batch

    return main_batch(arguments, out, err, finish=finish_batch)


# -- the parser ---------------------------------------------------------------------------------

Handler = Callable[[argparse.Namespace, IO[str], IO[str]], int]


def build_parser() -> argparse.ArgumentParser:
    """The ``etj-sim`` argument parser; each subparser stores its handler in ``handler``."""
    parser = argparse.ArgumentParser(
        prog="etj-sim",
        description="Simulate the Swedish 1177 e-services for a scenario file.",
    )
    parser.add_argument("--version", action="version", version=f"etj-sim {etj_sim.__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    validate = commands.add_parser(
        "validate",
        help="check scenario files and list every problem (writes nothing)",
        description="Check scenario files; print every problem of every file. Exit 1 if any.",
    )
    validate.add_argument("files", nargs="+", metavar="FILE", help="scenario file or folder")
    validate.set_defaults(handler=_validate)

    scenarios = commands.add_parser("scenarios", help="list the shipped scenarios")
    scenarios.add_argument(
        "--dir", type=Path, default=SHIPPED_SCENARIOS_DIR, help="folder of scenario files"
    )
    scenarios.set_defaults(handler=_scenarios)

    run = commands.add_parser(
        "run",
        help="simulate one scenario and print its summary",
        description="Simulate one scenario, print the headline summary, optionally save it.",
    )
    run.add_argument("scenario", metavar="SCENARIO", help="a scenario file or a shipped name")
    run.add_argument("--seed", type=_seed, default=DEFAULT_SEED, help="random seed (default 1)")
    run.add_argument("--out", type=Path, help="folder for the event log, summary and report")
    run.add_argument(
        "--force",
        action="store_true",
        help="replace a run of another scenario or seed already in --out",
    )
    run.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="override a value, e.g. --set alerts.opt_in_share=0.6 (repeatable)",
    )
    run.add_argument(
        "--scenarios-dir",
        type=Path,
        default=SHIPPED_SCENARIOS_DIR,
        help="where shipped scenario names are looked up",
    )
    run.add_argument(
        "--shards",
        default="1",
        metavar="K",
        help="split the population into K shards of whole clinic catchments, run in parallel "
        "and merged ('auto': from the size and --workers; default 1, one run)",
    )
    run.add_argument(
        "--workers", type=int, metavar="N", help="processes (or Dask workers) for the shards"
    )
    run.add_argument(
        "--dask",
        metavar="ADDRESS",
        help="run the shards on the Dask scheduler at ADDRESS ('local': a LocalCluster here)",
    )
    run.add_argument(
        "--dask-timeout",
        type=float,
        metavar="SECONDS",
        help="how long the scheduler at --dask ADDRESS has to answer before the run gives up "
        "(default 10)",
    )
    add_language_option(run)
    run.set_defaults(handler=_run)

    # ---- etj-sim batch EXPERIMENT [--workers N] [--dask ADDRESS] [--out DIR] ----------------
    # The command's logic lives in etj_sim.experiments.command; its handler takes
    # (arguments, out, err) and returns an exit code like the others.
    from etj_sim.experiments.command import add_batch_parser

    add_batch_parser(commands)
    # The closing table, statistics files and comparison report are etj_sim.commands'.
    commands.choices["batch"].set_defaults(handler=_batch)
    # ------------------------------------------------------------------------------------------

    # report, compare, show, schema (etj_sim.commands)
    add_output_commands(
        commands,
        find_scenario=find_scenario,
        parse_override=_parse_override,
        scenarios_dir=SHIPPED_SCENARIOS_DIR,
    )

    # ---- etj-sim staffing SCENARIO --role R --target T; etj-sim benefit SCENARIO --reference
    # REF; etj-sim export RUN_DIR --format F ---------------------------------------------------
    from etj_sim.experiments.benefit_command import add_benefit_parser
    from etj_sim.experiments.staffing_command import add_staffing_parser
    from etj_sim.export.command import add_export_parser

    add_staffing_parser(commands)
    add_benefit_parser(commands)
    add_export_parser(commands)

    # ---- etj-sim app [--port N] [--host 127.0.0.1] [--open] (etj_sim.app.command) -------------
    from etj_sim.app.command import add_app_parser

    add_app_parser(commands)
    # ------------------------------------------------------------------------------------------

    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``etj-sim`` with ``argv`` (default: the process's arguments); return the exit code."""
    parser = build_parser()
    try:
        arguments = parser.parse_args(argv)
    except SystemExit as stop:  # usage errors and --help; keep main() returning a code
        return stop.code if isinstance(stop.code, int) else EXIT_BAD_INPUT
    handler: Handler = arguments.handler
    try:
        status = handler(arguments, sys.stdout, sys.stderr)
        sys.stdout.flush()
    except KeyboardInterrupt:
        # Ctrl-C outside the places that say what was kept: nothing half-written is left.
        print("interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        # The reader closed the pipe (``etj-sim scenarios | head``): stop quietly. Python would
        # report the failed flush at exit, so stdout goes to /dev/null first.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_OK
    return status


if __name__ == "__main__":
    sys.exit(main())

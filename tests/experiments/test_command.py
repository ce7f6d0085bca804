"""``etj-sim batch`` (main_batch) with the stand-in run function."""

from __future__ import annotations

import argparse
import io
from pathlib import Path

import polars as pl

from etj_sim.experiments.command import add_batch_parser, main_batch

from .stand_in import failing_run, stand_in_run

EXPERIMENT = """\
name = "cli"
base = "baseline.toml"
replications = 2
master_seed = 9
[overrides]
"population.size" = 2000
[design.factors]
"alerts.opt_in_share" = [0.4, 0.7]
"""


def _arguments(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="etj-sim")
    add_batch_parser(parser.add_subparsers(dest="command"))
    return parser.parse_args(["batch", *argv])


def _batch(argv: list[str], run: object = stand_in_run) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main_batch(_arguments(argv), out, err, run=run)  # type: ignore[arg-type]
    return code, out.getvalue(), err.getvalue()


def test_batch_prints_intervals_and_writes_the_folder(experiment_folder: Path) -> None:
    (experiment_folder / "cli.toml").write_text(EXPERIMENT, encoding="utf-8")
    out = experiment_folder / "out"
    code, printed, errors = _batch(
        [str(experiment_folder / "cli.toml"), "--workers", "1", "--out", str(out)]
    )
    assert (code, errors) == (0, "")
    assert "cli: 2 design point(s) x 2 replication(s), master seed 9, backend local" in printed
    assert "[1] alerts.opt_in_share=0.7 (n = 2)" in printed
    # Paired with design point 0 by replication: the stand-in's noise cancels exactly.
    (line,) = [text for text in printed.splitlines() if "alert_opt_in_share" in text][1:]
    assert line.endswith("vs [0]: +0.300 ± 0.000")
    results = pl.read_parquet(out / "results.parquet")
    assert results.height == 4
    statistics = pl.read_parquet(out / "statistics.parquet")
    assert set(statistics.get_column("design_point").to_list()) == {0, 1}


def test_batch_reports_failed_runs_with_exit_code_1(experiment_folder: Path) -> None:
    (experiment_folder / "cli.toml").write_text(EXPERIMENT, encoding="utf-8")
    code, printed, errors = _batch(
        [str(experiment_folder / "cli.toml"), "--workers", "1"], run=failing_run
    )
    assert code == 1
    assert "2 of 4 runs of 'cli' failed" in errors
    assert errors.count("failed: run ") == 2
    assert "[0] alerts.opt_in_share=0.4 (n = 2)" in printed


def test_batch_bad_file_exit_code_2(experiment_folder: Path) -> None:
    path = experiment_folder / "cli.toml"
    path.write_text(EXPERIMENT.replace("replications", "replicatons"), encoding="utf-8")
    code, printed, errors = _batch([str(path)])
    assert code == 2
    assert printed == ""
    assert f"{path}: replicatons: unknown key; did you mean 'replications'?" in errors


def test_batch_refuses_another_experiments_folder(experiment_folder: Path) -> None:
    (experiment_folder / "cli.toml").write_text(EXPERIMENT, encoding="utf-8")
    (experiment_folder / "other.toml").write_text(
        EXPERIMENT.replace("master_seed = 9", "master_seed = 10"), encoding="utf-8"
    )
    out = str(experiment_folder / "out")
    assert _batch([str(experiment_folder / "cli.toml"), "--workers", "1", "--out", out])[0] == 0
    code, _, errors = _batch([str(experiment_folder / "other.toml"), "--out", out])
    assert code == 2
    assert "different experiment" in errors


def test_batch_combines_a_national_design(experiment_folder: Path) -> None:
    path = experiment_folder / "national.toml"
    path.write_text(
        'base = "baseline.toml"\nreplications = 2\n[design]\nkind = "national_regions"\n'
        'scale = 0.0005\nregions = ["Stockholm", "Gotland"]\n',
        encoding="utf-8",
    )
    code, printed, _ = _batch([str(path), "--workers", "1"])
    assert code == 0
    assert "national figures (regions combined per replication):" in printed
    assert "[0] Sweden (n = 2)" in printed
    # 1,237 + 30 people: the two regions at 1/2000.
    (population,) = [line for line in printed.splitlines() if line.strip().startswith("population")]
    assert population.split()[1] == "1,267"


def test_batch_ends_with_a_labelled_table_and_writes_the_comparison(
    experiment_folder: Path,
) -> None:
    from etj_sim.commands import finish_batch

    (experiment_folder / "cli.toml").write_text(EXPERIMENT, encoding="utf-8")
    out = experiment_folder / "out"
    arguments = _arguments(
        [str(experiment_folder / "cli.toml"), "--workers", "1", "--out", str(out), "--lang", "sv"]
    )
    printed, errors = io.StringIO(), io.StringIO()
    code = main_batch(arguments, printed, errors, run=stand_in_run, finish=finish_batch)
    assert (code, errors.getvalue()) == (0, "")
    lines = printed.getvalue().splitlines()
    assert "medel (95 % KI):" in lines
    header = next(line for line in lines if line.startswith("mått"))
    assert "[0] alerts.opt_in_share=0.4" in header
    assert "[1] alerts.opt_in_share=0.7" in header
    # Shares in percent, labelled; the paired difference in percentage points.
    (opt_in,) = [line for line in lines if line.startswith("Aviseringar påslagna")][1:]
    assert opt_in.split("  ")[-1].strip().startswith("+30,0 procentenheter")
    for name in ("statistics.csv", "statistics.xlsx", "comparison.html"):
        assert (out / name).is_file(), name
    assert "comparison.html" in lines[-1]
    statistics = pl.read_csv(out / "statistics.csv")
    assert "Aviseringar påslagna" in statistics["label"].to_list()

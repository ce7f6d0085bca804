"""The ``etj-sim benefit`` command (``etj_sim.experiments.benefit_command``).

Pipeline position: tests of ``SCENARIO, REF -> etj-sim benefit -> printed benefit table,
benefit.csv, benefit.xlsx, report.html``: real small runs (3,000 people, 30 days, 2 paired
replications), the files against ``benefit_table``'s own numbers for the same seeds, both
languages, and the bad input refused before any run.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

import polars as pl
import pytest

import etj_sim.experiments.benefit as benefit_module
from etj_sim.cli import build_parser, main
from etj_sim.experiments import benefit_table
from etj_sim.experiments.benefit import BENEFITS
from etj_sim.experiments.experiment import replication_seed
from etj_sim.i18n import format_quantity
from etj_sim.shipped import find_scenario

SMALL = ("--set", "population.size=3000", "--set", "duration_days=30")
PAIR = ("notice-fallback-48h", "--reference", "digital-only-notices")
SEED = 3
ARGS = (*PAIR, *SMALL, "--replications", "2", "--seed", str(SEED), "--workers", "1")


@dataclass(frozen=True)
class Outcome:
    status: int
    out: str
    err: str


def run(*argv: str) -> Outcome:
    arguments = build_parser().parse_args(["benefit", *argv])
    out, err = io.StringIO(), io.StringIO()
    status = arguments.handler(arguments, out, err)
    return Outcome(status, out.getvalue(), err.getvalue())


def table_lines(text: str) -> list[str]:
    """The printed table's lines after the rule under its header."""
    lines = text.splitlines()
    rule = next(number for number, line in enumerate(lines) if set(line) <= {"-", " "} and line)
    return lines[rule + 1 : rule + 1 + len(BENEFITS)]


@pytest.fixture(scope="module")
def english(tmp_path_factory: pytest.TempPathFactory) -> tuple[Outcome, Path]:
    folder = tmp_path_factory.mktemp("benefit") / "out"
    return run(*ARGS, "--out", str(folder)), folder


@pytest.fixture(scope="module")
def expected() -> pl.DataFrame:
    """benefit_table's own table for the command's scenarios, overrides and seed."""
    overrides = {"population.size": 3000, "duration_days": 30}
    scenario = find_scenario("notice-fallback-48h").with_overrides(overrides)
    reference = find_scenario("digital-only-notices").with_overrides(overrides)
    return benefit_table(scenario, reference, replications=2, master_seed=SEED, workers=1)


def test_prints_one_row_per_saving_with_its_interval(english: tuple[Outcome, Path]) -> None:
    outcome, folder = english
    assert outcome.status == 0, outcome.err
    assert outcome.out.startswith("notice-fallback-48h (")
    assert "against the reference digital-only-notices (" in outcome.out
    assert "2 paired replications of 3,000 people, 30 days, master seed 3" in outcome.out
    rows = table_lines(outcome.out)
    assert [row.split("  ")[0] for row in rows] == [b.label.en for b in BENEFITS.values()]
    assert all(" to " in row for row in rows)
    assert rows[0].endswith("letters")
    assert rows[1].endswith("SEK")
    assert f"wrote {folder}/ (benefit.csv, benefit.xlsx, report.html)" in outcome.out


def test_the_files_hold_benefit_tables_numbers_for_the_same_seeds(
    english: tuple[Outcome, Path], expected: pl.DataFrame
) -> None:
    outcome, folder = english
    written = pl.read_csv(folder / "benefit.csv")
    assert written.columns == expected.columns
    assert written["benefit"].to_list() == list(BENEFITS)
    for column in ("reference_mean", "scenario_mean", "mean", "ci_low", "ci_high"):
        assert written[column].to_list() == pytest.approx(expected[column].to_list(), rel=1e-12)
    assert written["replications"].to_list() == [2] * len(BENEFITS)
    # The printed table shows the same numbers.
    for line, row in zip(table_lines(outcome.out), expected.iter_rows(named=True), strict=True):
        assert format_quantity(row["mean"], row["unit"], "en") in line
    with zipfile.ZipFile(folder / "benefit.xlsx") as workbook:
        sheets = re.findall(r'<sheet name="([^"]+)"', workbook.read("xl/workbook.xml").decode())
    assert sheets == ["benefit"]
    report = (folder / "report.html").read_text(encoding="utf-8")
    assert "data-benefit='notices'" in report
    # The report is of the scenario's run with the first replication's seed.
    assert str(replication_seed(SEED, 0)) in report
    assert "notice-fallback-48h" in report


def test_in_swedish_labels_and_numbers_are_swedish(expected: pl.DataFrame) -> None:
    outcome = run(*ARGS, "--lang", "sv")
    assert outcome.status == 0, outcome.err
    assert "jämfört med referensen digital-only-notices" in outcome.out
    assert "3\u00a0000 personer" in outcome.out
    rows = table_lines(outcome.out)
    assert [row.split("  ")[0] for row in rows] == [b.label.sv for b in BENEFITS.values()]
    for line, row in zip(rows, expected.iter_rows(named=True), strict=True):
        assert format_quantity(row["mean"], row["unit"], "sv") in line
        assert " till " in line
    # Staff hours have a decimal comma; kronor group thousands with a no-break space.
    assert re.search(r"\d,\d", rows[2])
    assert rows[2].endswith("timmar")
    assert rows[1].endswith("kr")
    assert "\u00a0" in rows[1]
    assert "skrev" not in outcome.out  # no --out, no files


def _refuse_work(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_runs(*args: object, **kwargs: object) -> None:
        raise AssertionError("benefit_table must not be called on bad input")

    monkeypatch.setattr(benefit_module, "benefit_table", no_runs)


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (("notice-falback-48h", "--reference", "digital-only-notices"), "did you mean"),
        (("notice-fallback-48h", "--reference", "nowhere"), "no shipped scenario of that name"),
        ((*PAIR, "--set", "alerts.opt_in_shar=0.6"), "--set: alerts.opt_in_shar: unknown key"),
        ((*PAIR, "--set", "population.size"), "give KEY=VALUE"),
        ((*PAIR, "--replications", "1"), "--replications: at least 2"),
        ((*PAIR, "--workers", "0"), "--workers: at least 1, got 0"),
        ((*PAIR, "--seed", "-1"), "--seed: a whole number >= 0, got -1"),
    ],
)
def test_bad_input_is_refused_before_any_run(
    argv: tuple[str, ...],
    expected: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _refuse_work(monkeypatch)
    outcome = run(*argv, "--out", str(tmp_path / "out"))
    assert outcome.status == 2
    assert expected in outcome.err
    assert "Traceback" not in outcome.err
    assert outcome.out == ""
    assert not (tmp_path / "out").exists()


def test_a_reference_of_another_population_or_period_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _refuse_work(monkeypatch)
    small = tmp_path / "small.toml"
    small.write_text('name = "small"\nduration_days = 30\n[population]\nsize = 3000\n')
    outcome = run(str(small), "--reference", "baseline", "--replications", "1")
    assert outcome.status == 2
    assert "population.size: small has 3000, the reference baseline has 50000" in outcome.err
    assert "duration_days: small has 30, the reference baseline has 90" in outcome.err
    assert "--replications: at least 2" in outcome.err  # every problem at once
    assert outcome.out == ""


@pytest.mark.parametrize("copy", [False, True], ids=["same name", "a renamed copy"])
def test_a_scenario_against_itself_is_refused(
    copy: bool, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _refuse_work(monkeypatch)
    reference = "notice-fallback-48h"
    if copy:
        renamed = find_scenario(reference).model_copy(
            update={"name": "renamed", "description": "the same values"}
        )
        (tmp_path / "renamed.toml").write_text(renamed.to_toml(), encoding="utf-8")
        reference = str(tmp_path / "renamed.toml")
    outcome = run("notice-fallback-48h", "--reference", reference, *SMALL)
    assert outcome.status == 2
    assert "has every value of notice-fallback-48h" in outcome.err
    assert "every saving is 0" in outcome.err
    assert outcome.out == ""


def test_out_must_be_a_folder_and_reference_is_required(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _refuse_work(monkeypatch)
    file = tmp_path / "file"
    file.write_text("")
    outcome = run(*PAIR, "--out", str(file))
    assert outcome.status == 2
    assert f"--out: {file} is a file, not a folder" in outcome.err
    assert main(["benefit", "notice-fallback-48h"]) == 2
    assert "--reference" in capsys.readouterr().err


def test_failed_runs_give_no_table_and_exit_1(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(scenario: object, seed: int) -> None:
        raise RuntimeError("engine broke")

    monkeypatch.setattr(benefit_module, "benefit_run", broken)
    outcome = run(*ARGS, "--out", str(tmp_path / "out"))
    assert outcome.status == 1
    assert "engine broke" in outcome.err
    assert "some runs failed: no benefit table, nothing written" in outcome.err
    assert not (tmp_path / "out").exists()

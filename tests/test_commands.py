"""The output commands: --version, report, compare, show, schema, validate on experiments, pipes."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest

import etj_sim
from etj_sim.cli import main
from etj_sim.comparison import compare_runs, load_runs
from etj_sim.scenario import Scenario

REPOSITORY = Path(__file__).resolve().parent.parent
SCRIPT = Path(sys.executable).parent / "etj-sim"
SMALL = ["--set", "population.size=1500", "--set", "duration_days=14", "--set", "clinics.count=1"]


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Saved runs: baseline and one nurse fewer, seeds 1 and 2 each (no report: tested apart)."""
    root = tmp_path_factory.mktemp("runs")
    folders = {}
    for name, extra in (("base", []), ("short", ["--set", "clinics.staff_per_clinic.nurse=0"])):
        for seed in (1, 2):
            folder = root / f"{name}-{seed}"
            arguments = ["run", "baseline", "--seed", str(seed), *SMALL, *extra]
            assert main([*arguments, "--out", str(folder)]) == 0
            folders[f"{name}-{seed}"] = folder
    return folders


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--version"]) == 0
    assert capsys.readouterr().out.strip() == f"etj-sim {etj_sim.__version__}"


def test_run_report_in_swedish_records_the_overrides(runs: dict[str, Path]) -> None:
    page = (runs["short-1"] / "report.html").read_text(encoding="utf-8")
    assert '<html lang="en">' in page
    # Every value set with --set is listed with its default, marked as set on the command line.
    assert "<code>clinics.staff_per_clinic.nurse</code> <small>(--set)</small>" in page
    run = json.loads((runs["short-1"] / "run.json").read_text(encoding="utf-8"))
    assert run["overrides"]["clinics.staff_per_clinic.nurse"] == 0


def test_report_rebuilds_a_saved_run_in_swedish(
    runs: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "sv"
    assert main(["report", str(runs["base-1"]), "--lang", "sv", "--out", str(target)]) == 0
    assert f"wrote {target / 'report.html'}" in capsys.readouterr().out
    page = (target / "report.html").read_text(encoding="utf-8")
    assert '<html lang="sv">' in page
    assert "Vad som kördes" in page
    assert "Slumpfrö</th><td>1</td>" in page
    assert Scenario.load(runs["base-1"] / "scenario.json").content_hash in page
    assert sorted(path.name for path in target.glob("*.png"))  # a PNG per chart


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda root: root / "missing", "no such run folder"),
        (lambda root: root, "not a saved run (etj-sim run --out): missing events.parquet"),
    ],
)
def test_report_refuses_a_folder_that_is_not_a_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], make: object, message: str
) -> None:
    folder = make(tmp_path)  # type: ignore[operator]
    assert main(["report", str(folder)]) == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / "report.html").exists()


def test_report_refuses_an_unknown_language(
    runs: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["report", str(runs["base-1"]), "--lang", "de"]) == 2
    assert "invalid choice: 'de'" in capsys.readouterr().err


def test_compare_pairs_runs_by_seed(
    runs: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folders = [str(runs[name]) for name in ("base-1", "base-2", "short-1", "short-2")]
    assert main(["compare", *folders, "--out", str(tmp_path), "--lang", "sv"]) == 0
    printed = capsys.readouterr().out
    assert "[0] baseline" in printed
    assert "[1] baseline [1]" in printed  # the same name changed by --set gets its number
    assert "Skillnad mot referensen" in printed
    page = (tmp_path / "comparison.html").read_text(encoding="utf-8")
    assert '<html lang="sv">' in page
    assert "data-metric='answered_within_48h_share'" in page
    comparison = compare_runs(load_runs(folders))
    differences = comparison.differences
    assert differences["pairs"].unique().to_list() == [2]
    assert differences["paired"].all()
    # The paired difference is the mean of the per-seed differences.
    by_seed = [
        pl.read_parquet(runs[f"short-{seed}"] / "summary.parquet")["p90_response_hours"][0]
        - pl.read_parquet(runs[f"base-{seed}"] / "summary.parquet")["p90_response_hours"][0]
        for seed in (1, 2)
    ]
    p90 = differences.filter(pl.col("metric") == "p90_response_hours").row(0, named=True)
    assert p90["difference"] == pytest.approx(sum(by_seed) / 2)
    assert p90["ci_low"] <= p90["difference"] <= p90["ci_high"]


def test_compare_without_matching_seeds_has_no_interval(runs: dict[str, Path]) -> None:
    comparison = compare_runs(load_runs([runs["base-1"], runs["short-2"]]))
    assert not comparison.differences["paired"].any()
    assert comparison.differences["ci_low"].null_count() == comparison.differences.height
    chart = comparison.chart_frame()
    assert chart["scenario"].to_list()[0] == "baseline [0]"  # the reference first


def test_compare_refuses_bad_input(
    runs: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["compare", str(runs["base-1"]), str(runs["base-2"])]) == 2
    assert "nothing to compare" in capsys.readouterr().err
    assert main(["compare", str(tmp_path)]) == 2
    assert "neither a saved run (run.json) nor an experiment's results" in capsys.readouterr().err
    assert main(["compare", str(runs["base-1"]), str(runs["short-1"]), "--reference", "5"]) == 2
    assert "--reference 5: choose a design point of [0, 1]" in capsys.readouterr().err
    assert not list(tmp_path.iterdir())


def test_show_prints_toml_that_validates(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["show", "staff-shortage", "--set", "alerts.opt_in_share=0.7"]) == 0
    text = capsys.readouterr().out
    path = tmp_path / "shown.toml"
    path.write_text(text, encoding="utf-8")
    expected = Scenario.load(REPOSITORY / "scenarios" / "staff-shortage.toml").with_overrides(
        {"alerts.opt_in_share": 0.7}
    )
    assert Scenario.load(path) == expected
    assert "[demand.age_multiplier]" in text  # defaults written out
    assert main(["validate", str(path)]) == 0


def test_show_refuses_an_unknown_scenario(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["show", "basline"]) == 2
    assert "did you mean 'baseline'?" in capsys.readouterr().err


def test_schema_is_json_schema_of_the_model(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["schema"]) == 0
    schema = json.loads(capsys.readouterr().out)
    assert schema == json.loads(json.dumps(Scenario.model_json_schema()))
    assert {"population", "demand", "campaigns"} <= set(schema["properties"])
    assert main(["schema", "--experiment"]) == 0
    experiment = json.loads(capsys.readouterr().out)
    assert experiment["properties"]["base"]["anyOf"][0]["type"] == "string"


def test_validate_knows_experiment_files(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sweep = REPOSITORY / "scenarios" / "experiments" / "alert-opt-in-sweep.toml"
    assert main(["validate", str(sweep)]) == 0
    assert "ok (experiment alert-opt-in-sweep: 6 design point(s) x 5 replication(s)" in (
        capsys.readouterr().out
    )
    base = f'base = "{REPOSITORY / "scenarios" / "baseline.toml"}"\n'
    zero = tmp_path / "zero.toml"
    zero.write_text(base + "replications = 0\n", encoding="utf-8")  # no [design]: a grid
    typo = tmp_path / "typo.toml"
    typo.write_text(base + '[design.factors]\n"alerts.opt_in_shar" = [0.1]\n', encoding="utf-8")
    assert main(["validate", str(zero), str(typo)]) == 1
    printed = capsys.readouterr().out
    assert f"{zero}: replications: should be greater than 0" in printed
    assert "unknown key" not in printed.split(str(typo))[0]
    assert "opt_in_shar: unknown key; did you mean 'alerts.opt_in_share'?" in printed


def test_a_closed_pipe_ends_quietly() -> None:
    completed = subprocess.run(
        f"'{SCRIPT}' scenarios | head -n 1; '{SCRIPT}' schema | head -c 10",
        shell=True,
        capture_output=True,
        text=True,
        check=False,
    )
    assert completed.stderr == ""
    assert re.match(r"name\s+people\s+days", completed.stdout)


def test_batch_on_the_command_line_takes_a_language(capsys: pytest.CaptureFixture[str]) -> None:
    sweep = REPOSITORY / "scenarios" / "experiments" / "alert-opt-in-sweep.toml"
    assert main(["batch", str(sweep), "--lang", "fi"]) == 2
    assert "--lang: invalid choice: 'fi'" in capsys.readouterr().err

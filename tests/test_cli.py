"""Tests of the ``etj-sim`` command (in-process through ``main``, and once as the installed script).

Pipeline position: the outermost layer, ``scenarios/*.toml -> etj-sim -> Parquet files``.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import types
import zipfile
from pathlib import Path

import polars as pl
import pytest

from etj_sim.cli import SHIPPED_SCENARIOS_DIR, format_summary, main
from etj_sim.events import EVENT_LOG_SCHEMA
from etj_sim.experiments.store import write_atomically
from etj_sim.metrics import SUMMARY_COLUMNS, SUMMARY_SCHEMA_VERSION
from etj_sim.scenario import Scenario

REPOSITORY = Path(__file__).resolve().parent.parent
SHIPPED = sorted(path.stem for path in (REPOSITORY / "scenarios").glob("*.toml"))

BAD_TYPO = "[clinics]\nstaf_per_clinic = 3\n"
BAD_RANGE = "[alerts]\nopt_in_share = 1.5\n[behaviour]\nform_completion_share = -0.5\n"


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def files_in(folder: Path) -> set[Path]:
    return set(folder.rglob("*"))


def test_shipped_folder_is_the_checkouts_or_its_installed_copy() -> None:
    # Editable install: the checkout's folder; a built install (the compiled build): the copy
    # that pyproject.toml's data-files put under the prefix, with the same files.
    assert len(SHIPPED) == 7
    if SHIPPED_SCENARIOS_DIR != REPOSITORY / "scenarios":
        assert Path(sys.prefix) / "share" / "etj_sim" / "scenarios" == SHIPPED_SCENARIOS_DIR
    for folder in (Path("."), Path("experiments")):
        checkout = sorted((REPOSITORY / "scenarios" / folder).glob("*.toml"))
        shipped = sorted((SHIPPED_SCENARIOS_DIR / folder).glob("*.toml"))
        assert [path.name for path in shipped] == [path.name for path in checkout]
        assert [path.read_bytes() for path in shipped] == [path.read_bytes() for path in checkout]


def test_validate_shipped_scenarios(capsys: pytest.CaptureFixture[str]) -> None:
    paths = [str(REPOSITORY / "scenarios" / f"{name}.toml") for name in SHIPPED]
    assert main(["validate", *paths]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == len(SHIPPED)
    assert all(": ok (" in line for line in lines)


def test_validate_a_folder(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", str(REPOSITORY / "scenarios")]) == 0
    assert capsys.readouterr().out.count(": ok (") == len(SHIPPED)


def test_validate_an_empty_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", str(tmp_path)]) == 1
    assert capsys.readouterr().out == f"{tmp_path}: a folder without scenario files (*.toml)\n"


def test_validate_prints_every_problem_of_every_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    typo = write(tmp_path, "typo.toml", BAD_TYPO)
    out_of_range = write(tmp_path, "range.toml", BAD_RANGE)
    good = write(tmp_path, "good.toml", 'name = "good"\n')
    missing = tmp_path / "missing.toml"
    before = files_in(tmp_path)

    status = main(["validate", str(typo), str(out_of_range), str(good), str(missing)])

    output = capsys.readouterr().out
    assert status == 1
    assert f"{typo}: clinics.staf_per_clinic: unknown key; did you mean 'staff_per_clinic'?" in (
        output
    )
    assert f"{out_of_range}: alerts.opt_in_share: " in output
    assert f"{out_of_range}: behaviour.form_completion_share: " in output
    assert f"{good}: ok (good: 50,000 people, 90 days, hash " in output
    assert f"{missing}: file not found" in output
    assert files_in(tmp_path) == before  # validate writes nothing


def test_validate_syntax_error_has_line_and_column(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    broken = write(tmp_path, "broken.toml", "name = \n")
    assert main(["validate", str(broken)]) == 1
    assert capsys.readouterr().out.startswith(f"{broken}:1:")


def test_usage_error_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == 2
    assert main(["validate"]) == 2
    assert "usage: etj-sim" in capsys.readouterr().err


def test_scenarios_lists_all_seven(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["scenarios"]) == 0
    output = capsys.readouterr().out
    rows = {
        line.split()[0]: line.split()[1:3] for line in output.splitlines()[1:] if line[0] != " "
    }
    assert set(rows) == set(SHIPPED)
    assert rows["region-stockholm"] == ["2,400,000", "365"]
    assert rows["baseline"] == ["50,000", "90"]
    assert "municipality of about 50,000 people" in " ".join(output.split())


def test_scenarios_in_another_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(tmp_path, "mine.toml", 'name = "mine"\ndescription = "My own test scenario."\n')
    write(tmp_path, "bad.toml", BAD_TYPO)
    assert main(["scenarios", "--dir", str(tmp_path)]) == 1  # one of them is broken
    captured = capsys.readouterr()
    assert "mine" in captured.out
    assert "My own test scenario." in captured.out
    assert "staf_per_clinic" in captured.err


def test_scenarios_in_an_empty_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["scenarios", "--dir", str(tmp_path)]) == 1
    assert "no scenario files" in capsys.readouterr().err


def test_run_with_a_bad_scenario_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = write(tmp_path, "bad.toml", BAD_RANGE)
    out_dir = tmp_path / "out"
    assert main(["run", str(bad), "--out", str(out_dir)]) == 2
    captured = capsys.readouterr()
    assert f"{bad}: alerts.opt_in_share: " in captured.err
    assert f"{bad}: behaviour.form_completion_share: " in captured.err
    assert not out_dir.exists()


def test_run_with_a_missing_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    missing = tmp_path / "gone.toml"
    assert main(["run", str(missing), "--out", str(tmp_path / "out")]) == 2
    assert capsys.readouterr().err.strip() == f"{missing}: file not found"
    assert not (tmp_path / "out").exists()


def test_run_with_an_unknown_shipped_name(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", "basline"]) == 2
    assert "did you mean 'baseline'?" in capsys.readouterr().err


def test_run_with_a_bad_override(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status = main(["run", "baseline", "--set", "alerts.opt_in_shar=0.6", "--out", str(tmp_path)])
    assert status == 2
    assert "--set: alerts.opt_in_shar: unknown key; did you mean 'alerts.opt_in_share'?" in (
        capsys.readouterr().err
    )
    assert files_in(tmp_path) == set()


def test_run_out_must_be_a_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    not_a_folder = write(tmp_path, "file", "")
    assert main(["run", "baseline", "--out", str(not_a_folder)]) == 2
    assert "--out must be a folder" in capsys.readouterr().err


def test_format_summary_is_a_labelled_table() -> None:
    table = format_summary(
        {"population": 50_000, "read_share_7d": 0.8234, "median_hours_to_read": 5.5, "x": None}
    )
    lines = table.splitlines()
    assert lines[0].split() == ["measure", "value", "unit"]
    assert lines[2].split() == ["People", "50,000", "persons"]
    assert lines[3].split() == ["Read", "within", "7", "days", "82.3%"]
    assert lines[4].split() == ["Median", "time", "to", "read", "5.5", "hours"]
    assert lines[5].split() == ["x", "–"]
    assert set(lines[1].replace(" ", "")) == {"-"}


def test_format_summary_in_swedish() -> None:
    table = format_summary({"population": 50_000, "read_share_7d": 0.8234}, "sv")
    # Columns are two spaces or more apart; Swedish numbers hold no-break spaces.
    cells = [re.split(r" {2,}", line.strip()) for line in table.splitlines()]
    assert cells[0] == ["mått", "värde", "enhet"]
    assert cells[2] == ["Personer", "50\u00a0000", "personer"]
    assert cells[3] == ["Lästa inom 7 dagar", "82,3\u00a0%"]


def test_installed_script_validates(tmp_path: Path) -> None:
    script = Path(sys.executable).parent / "etj-sim"
    typo = write(tmp_path, "typo.toml", BAD_TYPO)
    failed = subprocess.run(
        [str(script), "validate", str(typo)], capture_output=True, text=True, check=False
    )
    assert failed.returncode == 1
    assert "clinics.staf_per_clinic: unknown key; did you mean 'staff_per_clinic'?" in failed.stdout
    passed = subprocess.run(
        [str(script), "validate", str(REPOSITORY / "scenarios" / "baseline.toml")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert passed.returncode == 0
    assert Scenario.load(REPOSITORY / "scenarios" / "baseline.toml").short_hash in passed.stdout


# -- run, with a stand-in for the engine -------------------------------------------------------
# These check what `run` does around simulate() (table, files, atomic writes, report hook); the
# engine itself is tested in tests/simulation/.


class StandInResult:
    """The shape of etj_sim.simulation.SimulationResult that `run` relies on."""

    def __init__(self, size: int) -> None:
        self.events = pl.DataFrame({"event": ["login", "message_read"], "person": [0, 1]})
        self.population = pl.DataFrame({"person": list(range(size))})

    def summary(self) -> pl.DataFrame:
        return pl.DataFrame({"population": [len(self.population)], "read_share_7d": [0.75]})


@pytest.fixture
def stand_in_engine(monkeypatch: pytest.MonkeyPatch) -> list[tuple[Scenario, int, bool]]:
    import etj_sim.simulation

    calls: list[tuple[Scenario, int, bool]] = []

    def simulate(scenario: Scenario, *, seed: int, progress: bool) -> StandInResult:
        calls.append((scenario, seed, progress))
        return StandInResult(size=3)

    monkeypatch.setattr(etj_sim.simulation, "simulate", simulate, raising=False)
    # Run as if the report stage did not exist (None in sys.modules makes its import fail).
    monkeypatch.setitem(sys.modules, "etj_sim.report", None)
    return calls


def test_run_prints_the_summary_and_writes_the_files(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    stand_in_engine: list[tuple[Scenario, int, bool]],
) -> None:
    out_dir = tmp_path / "deep" / "out"
    status = main(
        ["run", "alert-nudge", "--seed", "7", "--out", str(out_dir), "--set", "duration_days=30"]
    )
    assert status == 0
    ((scenario, seed, progress),) = stand_in_engine
    assert (scenario.name, scenario.duration_days, seed, progress) == ("alert-nudge", 30, 7, True)
    output = capsys.readouterr().out
    assert "Read within 7 days" in output
    assert "75.0%" in output
    assert {path.name for path in out_dir.iterdir()} == {
        "events.parquet",
        "summary.parquet",
        "population.parquet",
        "scenario.json",
        "run.json",
        "summary.csv",
        "summary.xlsx",
    }
    assert pl.read_parquet(out_dir / "population.parquet").height == 3
    assert pl.read_parquet(out_dir / "summary.parquet")["read_share_7d"].to_list() == [0.75]
    assert Scenario.load(out_dir / "scenario.json") == scenario
    run = json.loads((out_dir / "run.json").read_text(encoding="utf-8"))
    assert (run["seed"], run["scenario_hash"]) == (7, scenario.content_hash)
    assert run["summary_schema_version"] == SUMMARY_SCHEMA_VERSION
    assert run["overrides"] == {"duration_days": 30}
    exported = pl.read_csv(out_dir / "summary.csv")
    assert exported.select("metric", "value").rows() == [
        ("population", 3.0),
        ("read_share_7d", 0.75),
    ]


def test_run_without_out_writes_nothing(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    stand_in_engine: list[tuple[Scenario, int, bool]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["run", str(REPOSITORY / "scenarios" / "baseline.toml")]) == 0
    assert stand_in_engine[0][1] == 1  # the default seed
    assert files_in(tmp_path) == set()
    assert "People" in capsys.readouterr().out


def test_run_calls_the_report_when_there_is_one(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    stand_in_engine: list[tuple[Scenario, int, bool]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    reported: list[Path] = []

    def write_report(result: StandInResult, out_dir: Path, **options: object) -> Path:
        reported.append(out_dir)
        return out_dir / "report.html"

    report = types.ModuleType("etj_sim.report")
    report.write_result_report = write_report  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "etj_sim.report", report)
    assert main(["run", "baseline", "--out", str(tmp_path)]) == 0
    assert reported == [tmp_path]
    assert "report.html" in capsys.readouterr().out


def test_atomic_write_leaves_no_partial_file(tmp_path: Path) -> None:
    def fail_halfway(path: Path) -> None:
        path.write_text("half", encoding="utf-8")
        raise OSError("disk full")

    (tmp_path / "events.parquet").write_text("old", encoding="utf-8")
    with pytest.raises(OSError, match="disk full"):
        write_atomically(tmp_path / "events.parquet", fail_halfway)
    assert [path.name for path in tmp_path.iterdir()] == ["events.parquet"]
    assert (tmp_path / "events.parquet").read_text(encoding="utf-8") == "old"


def test_run_with_the_engine(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "etj_sim.report", None)  # the report has its own tests
    small = [
        "--set",
        "population.size=2000",
        "--set",
        "duration_days=14",
        "--set",
        "clinics.count=1",
    ]
    assert main(["run", "baseline", "--seed", "3", *small, "--out", str(tmp_path)]) == 0
    output = capsys.readouterr().out
    assert any(line.split() == ["People", "2,000", "persons"] for line in output.splitlines())
    summary = pl.read_parquet(tmp_path / "summary.parquet")
    assert summary["population"].to_list() == [2000]
    events = pl.read_parquet(tmp_path / "events.parquet")
    assert events.schema == EVENT_LOG_SCHEMA
    assert events.height > 0
    assert pl.read_parquet(tmp_path / "population.parquet").height == 2000
    scenario = Scenario.load(tmp_path / "scenario.json")
    assert (scenario.name, scenario.population.size, scenario.duration_days) == (
        "baseline",
        2000,
        14,
    )
    assert not list(tmp_path.glob(".*.tmp"))
    # The workbook: the summary, then the metric tables, one sheet each.
    with zipfile.ZipFile(tmp_path / "summary.xlsx") as workbook:
        sheets = re.findall(r'<sheet name="([^"]+)"', workbook.read("xl/workbook.xml").decode())
    assert sheets[0] == "summary"
    assert {"response_times_by_clinic", "staff_time_by_clinic", "message_funnel"} <= set(sheets)
    assert pl.read_csv(tmp_path / "summary.csv")["metric"].to_list() == list(SUMMARY_COLUMNS)
    assert pl.read_parquet(tmp_path / "staff.parquet").height > 0

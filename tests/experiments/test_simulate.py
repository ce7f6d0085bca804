"""run_experiment with the real simulation, on tiny scenarios (2,000 people, 14 days)."""

from __future__ import annotations

from pathlib import Path

import pytest
from polars.testing import assert_frame_equal

from etj_sim.cli import main
from etj_sim.experiments import Experiment, GridDesign, run_experiment
from etj_sim.metrics import SUMMARY_COLUMNS
from etj_sim.scenario import Scenario


def _tiny(baseline: Scenario) -> Experiment:
    return Experiment(
        name="tiny",
        base=baseline,
        overrides={"population.size": 2_000, "duration_days": 14, "clinics.count": 1},
        design=GridDesign(factors={"alerts.opt_in_share": [0.3, 0.8]}),
        replications=2,
        master_seed=2026,
    )


def test_parallel_equals_sequential_with_the_simulation(baseline: Scenario, tmp_path: Path) -> None:
    experiment = _tiny(baseline)
    sequential = run_experiment(experiment, workers=1, progress=False)
    parallel = run_experiment(experiment, workers=2, out=tmp_path / "out", progress=False)
    assert sequential.runs.height == 4
    assert sequential.failures.height == 0
    assert sequential.metrics == list(SUMMARY_COLUMNS)
    assert_frame_equal(sequential.runs, parallel.runs)
    # Read back from the Parquet files, the table is the same too.
    resumed = run_experiment(experiment, workers=1, out=tmp_path / "out", progress=False)
    assert resumed.executed == 0
    assert_frame_equal(sequential.runs, resumed.runs)
    # The design changes what it should: more opt-in at the start, more opted-in accounts.
    shares = sequential.summarise(["alert_opt_in_share"]).get_column("mean").to_list()
    assert shares[1] > shares[0]


def test_etj_sim_batch_runs_an_experiment_file(
    experiment_folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = experiment_folder / "tiny.toml"
    path.write_text(
        'name = "tiny"\nbase = "baseline.toml"\nreplications = 2\n[overrides]\n'
        '"population.size" = 2000\nduration_days = 14\n"clinics.count" = 1\n',
        encoding="utf-8",
    )
    out = experiment_folder / "out"
    assert main(["batch", str(path), "--workers", "1", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "tiny: 1 design point(s) x 2 replication(s)" in printed
    # The closing table: a column per design point, a labelled row per key measure.
    header = next(line for line in printed.splitlines() if line.startswith("measure"))
    assert "[0] baseline" in header
    assert any(line.startswith("Read within 7 days") for line in printed.splitlines())
    assert (out / "statistics.xlsx").is_file()
    assert len(list((out / "runs").glob("*.parquet"))) == 2

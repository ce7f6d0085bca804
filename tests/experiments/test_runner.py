"""run_experiment with the stand-in run function: backends, results folder, resume, failures."""

from __future__ import annotations

import contextlib
import functools
import json
import os
import socket
import warnings
from pathlib import Path

import polars as pl
import pytest
from distributed import LocalCluster
from polars.testing import assert_frame_equal

from etj_sim.experiments import (
    Experiment,
    ExperimentFolderError,
    GridDesign,
    RunFailureWarning,
    run_experiment,
)
from etj_sim.experiments.runner import (
    LOCAL_DASHBOARD_ADDRESS,
    POLARS_THREADS_VARIABLE,
    _worker_environment,
)
from etj_sim.scenario import Scenario

from .stand_in import StandInResult, calls_made, counting_run, failing_run, stand_in_run


def _experiment(baseline: Scenario, replications: int = 3, master_seed: int = 7) -> Experiment:
    return Experiment(
        name="stand-in",
        base=baseline,
        overrides={"population.size": 2_000},
        design=GridDesign(factors={"alerts.opt_in_share": [0.4, 0.55, 0.7]}),
        replications=replications,
        master_seed=master_seed,
    )


def _counting(calls: Path, interrupt_after: int | None = None) -> functools.partial[StandInResult]:
    calls.mkdir(exist_ok=True)
    return functools.partial(counting_run, calls=str(calls), interrupt_after=interrupt_after)


def test_table_has_design_columns_and_is_sorted(baseline: Scenario) -> None:
    result = run_experiment(_experiment(baseline), workers=1, progress=False, run=stand_in_run)
    runs = result.runs
    assert runs.columns[:6] == [
        "design_point",
        "design_label",
        "alerts.opt_in_share",
        "replication",
        "seed",
        "run_id",
    ]
    assert runs.height == 9
    assert runs.select("design_point", "replication").rows() == [
        (point, replication) for point in range(3) for replication in range(3)
    ]
    assert runs.get_column("alerts.opt_in_share").to_list() == [0.4] * 3 + [0.55] * 3 + [0.7] * 3
    assert result.metrics == [column for column in runs.columns[6:]]
    assert result.failures.height == 0
    # Common random numbers: the stand-in's noise is the seed's, so paired differences are exact.
    difference = result.paired_differences(metrics=["alert_opt_in_share"])
    assert difference.get_column("mean").to_list() == pytest.approx([0.15, 0.3])
    assert difference.get_column("standard_deviation").to_list() == pytest.approx([0, 0], abs=1e-12)


def test_parallel_equals_sequential(baseline: Scenario) -> None:
    experiment = _experiment(baseline)
    sequential = run_experiment(experiment, workers=1, progress=False, run=stand_in_run)
    parallel = run_experiment(experiment, workers=2, progress=False, run=stand_in_run)
    assert_frame_equal(sequential.runs, parallel.runs)


def test_local_equals_dask_local_cluster(baseline: Scenario) -> None:
    experiment = _experiment(baseline, replications=2).model_copy()
    small = Experiment(
        base=experiment.base,
        overrides=experiment.overrides,
        design=GridDesign(factors={"alerts.opt_in_share": [0.4, 0.7]}),
        replications=2,
        master_seed=7,
    )
    local = run_experiment(small, workers=1, progress=False, run=stand_in_run)
    # With Dask's default dashboard port taken (as by a user's own cluster), the cluster made
    # here takes another, local port and says nothing (LOCAL_DASHBOARD_ADDRESS).
    with socket.socket() as holder, warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with contextlib.suppress(OSError):  # already taken: the case under test all the same
            holder.bind(("127.0.0.1", 8787))
            holder.listen()
        on_dask = run_experiment(small, backend="dask", workers=2, progress=False, run=stand_in_run)
    assert [str(w.message) for w in caught if "8787" in str(w.message)] == []
    assert on_dask.runs.height == 4
    assert_frame_equal(local.runs, on_dask.runs)


def test_results_folder_has_manifest_and_one_file_per_run(
    baseline: Scenario, tmp_path: Path
) -> None:
    experiment = _experiment(baseline)
    out = tmp_path / "out"
    result = run_experiment(experiment, workers=1, out=out, progress=False, run=stand_in_run)
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["identity_hash"] == experiment.identity_hash
    assert [run["run_id"] for run in manifest["runs"]] == [run.run_id for run in experiment.runs()]
    assert len(manifest["design_points"]) == 3
    assert manifest["experiment"]["master_seed"] == 7
    assert "package_version" in manifest
    stored = sorted(path.stem for path in (out / "runs").glob("*.parquet"))
    assert stored == sorted(result.runs.get_column("run_id").to_list())
    assert json.loads((out / "failures.json").read_text(encoding="utf-8")) == []


def test_rerun_repeats_nothing_and_reads_the_same_table(baseline: Scenario, tmp_path: Path) -> None:
    experiment = _experiment(baseline)
    calls = tmp_path / "calls"
    out = tmp_path / "out"
    first = run_experiment(experiment, workers=1, out=out, progress=False, run=_counting(calls))
    second = run_experiment(experiment, workers=1, out=out, progress=False, run=_counting(calls))
    assert len(calls_made(calls)) == 9
    assert (first.executed, second.executed) == (9, 0)
    assert_frame_equal(first.runs, second.runs)


def test_resume_after_interrupt_repeats_nothing_and_loses_nothing(
    baseline: Scenario, tmp_path: Path
) -> None:
    experiment = _experiment(baseline)
    calls = tmp_path / "calls"
    out = tmp_path / "out"
    with pytest.raises(KeyboardInterrupt):
        run_experiment(
            experiment, workers=1, out=out, progress=False, run=_counting(calls, interrupt_after=4)
        )
    assert len(list((out / "runs").glob("*.parquet"))) == 4
    resumed = run_experiment(experiment, workers=1, out=out, progress=False, run=_counting(calls))
    made = calls_made(calls)
    assert len(made) == 9
    assert len(set(made)) == 9  # no run twice
    assert resumed.executed == 5
    fresh = run_experiment(experiment, workers=1, progress=False, run=stand_in_run)
    assert_frame_equal(resumed.runs, fresh.runs)


def test_interrupt_in_a_worker_process_stops_the_batch(baseline: Scenario, tmp_path: Path) -> None:
    experiment = _experiment(baseline)
    calls = tmp_path / "calls"
    out = tmp_path / "out"
    with pytest.raises(KeyboardInterrupt):
        run_experiment(
            experiment, workers=2, out=out, progress=False, run=_counting(calls, interrupt_after=3)
        )
    finished = len(list((out / "runs").glob("*.parquet")))
    resumed = run_experiment(experiment, workers=2, out=out, progress=False, run=_counting(calls))
    assert resumed.executed == 9 - finished
    assert resumed.runs.height == 9


def test_half_written_temporary_file_is_ignored_and_removed(
    baseline: Scenario, tmp_path: Path
) -> None:
    experiment = _experiment(baseline)
    out = tmp_path / "out"
    complete = run_experiment(experiment, workers=1, out=out, progress=False, run=stand_in_run)
    # A crash while writing a run's summary leaves only a temporary file beside the others.
    victim = experiment.runs()[4].run_id
    (out / "runs" / f"{victim}.parquet").unlink()
    temporary = out / "runs" / f".{victim}.parquet.tmp-crash123"
    temporary.write_bytes(b"PAR1 half a parquet file")
    calls = tmp_path / "calls"
    resumed = run_experiment(experiment, workers=1, out=out, progress=False, run=_counting(calls))
    assert len(calls_made(calls)) == 1
    assert not temporary.exists()
    assert_frame_equal(resumed.runs, complete.runs)


def test_failing_runs_are_reported_and_the_others_kept(baseline: Scenario, tmp_path: Path) -> None:
    experiment = _experiment(baseline)
    out = tmp_path / "out"
    with pytest.warns(RunFailureWarning, match="3 of 9 runs of 'stand-in' failed"):
        result = run_experiment(experiment, workers=1, out=out, progress=False, run=failing_run)
    assert result.runs.height == 6
    assert set(result.runs.get_column("design_point").to_list()) == {0, 1}
    failures = result.failures
    assert failures.get_column("design_point").to_list() == [2, 2, 2]
    assert failures.get_column("replication").to_list() == [0, 1, 2]
    assert set(failures.get_column("error_type").to_list()) == {"ValueError"}
    assert all("stand-in failure at opt-in share 0.7" in text for text in failures["message"])
    assert all("Traceback" in text for text in failures["traceback"])
    recorded = json.loads((out / "failures.json").read_text(encoding="utf-8"))
    assert sorted(entry["run_id"] for entry in recorded) == sorted(failures["run_id"])
    # Fixed, run again: only the failed runs are carried out.
    calls = tmp_path / "calls"
    with warnings.catch_warnings():
        warnings.simplefilter("error", RunFailureWarning)
        again = run_experiment(experiment, workers=1, out=out, progress=False, run=_counting(calls))
    assert len(calls_made(calls)) == 3
    assert again.runs.height == 9
    assert json.loads((out / "failures.json").read_text(encoding="utf-8")) == []


def test_folder_of_another_experiment_is_refused_unchanged(
    baseline: Scenario, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    run_experiment(_experiment(baseline), workers=1, out=out, progress=False, run=stand_in_run)
    before = {path: path.read_bytes() for path in out.rglob("*") if path.is_file()}
    other = _experiment(baseline, master_seed=8)
    with pytest.raises(ExperimentFolderError, match="different experiment"):
        run_experiment(other, workers=1, out=out, progress=False, run=stand_in_run)
    after = {path: path.read_bytes() for path in out.rglob("*") if path.is_file()}
    assert after == before


def test_non_empty_folder_without_manifest_is_refused(baseline: Scenario, tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("mine", encoding="utf-8")
    with pytest.raises(ExperimentFolderError, match=r"not empty and has no manifest\.json"):
        run_experiment(_experiment(baseline), out=tmp_path, progress=False, run=stand_in_run)
    assert [path.name for path in tmp_path.iterdir()] == ["notes.txt"]


def test_more_replications_extend_the_same_folder(baseline: Scenario, tmp_path: Path) -> None:
    out = tmp_path / "out"
    calls = tmp_path / "calls"
    run_experiment(
        _experiment(baseline, replications=2),
        workers=1,
        out=out,
        progress=False,
        run=_counting(calls),
    )
    extended = run_experiment(
        _experiment(baseline, replications=3),
        workers=1,
        out=out,
        progress=False,
        run=_counting(calls),
    )
    assert len(calls_made(calls)) == 9
    assert extended.executed == 3


def test_save_events_writes_each_event_log(baseline: Scenario, tmp_path: Path) -> None:
    experiment = _experiment(baseline, replications=1)
    out = tmp_path / "out"
    result = run_experiment(
        experiment, workers=1, out=out, save_events=True, progress=False, run=stand_in_run
    )
    for run in experiment.runs():
        events = pl.read_parquet(out / "events" / f"{run.run_id}.parquet")
        assert_frame_equal(events, stand_in_run(run.scenario, run.seed).events)
    assert result.runs.height == 3


def test_bad_arguments_are_named(baseline: Scenario, tmp_path: Path) -> None:
    experiment = _experiment(baseline)
    with pytest.raises(ValueError, match="backend must be 'local' or 'dask'"):
        run_experiment(experiment, backend="slurm", run=stand_in_run)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="workers must be at least 1"):
        run_experiment(experiment, workers=0, run=stand_in_run)
    with pytest.raises(ValueError, match="save_events needs a results folder"):
        run_experiment(experiment, save_events=True, run=stand_in_run)
    with pytest.raises(TypeError, match="define it at module level"):
        run_experiment(
            experiment, workers=2, run=lambda scenario, seed: stand_in_run(scenario, seed)
        )


def test_mixed_number_factor_is_one_float_column(baseline: Scenario) -> None:
    experiment = Experiment(
        base=baseline.with_overrides({"population.size": 2_000}),
        design=GridDesign(factors={"clinics.shift_end_hour": [16, 17.5]}),
    )
    result = run_experiment(experiment, workers=1, progress=False, run=stand_in_run)
    assert result.runs.schema["clinics.shift_end_hour"] == pl.Float64
    assert result.runs.get_column("clinics.shift_end_hour").to_list() == [16.0, 17.5]


def test_workers_share_the_cores_between_their_polars_threads(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv(POLARS_THREADS_VARIABLE, raising=False)
    monkeypatch.setattr(os, "cpu_count", lambda: 8)
    with _worker_environment(2):
        assert os.environ[POLARS_THREADS_VARIABLE] == "4"
    with _worker_environment(16):
        assert os.environ[POLARS_THREADS_VARIABLE] == "1"
    assert POLARS_THREADS_VARIABLE not in os.environ
    # A user's own setting wins.
    monkeypatch.setenv(POLARS_THREADS_VARIABLE, "3")
    with _worker_environment(2):
        assert os.environ[POLARS_THREADS_VARIABLE] == "3"


def test_dask_backend_uses_the_scheduler_at_an_address(baseline: Scenario) -> None:
    experiment = _experiment(baseline, replications=1)
    local = run_experiment(experiment, workers=1, progress=False, run=stand_in_run)
    # An in-process cluster stands for a remote one: run_experiment only sees its address.
    with LocalCluster(  # type: ignore[no-untyped-call]
        n_workers=1, processes=False, dashboard_address=LOCAL_DASHBOARD_ADDRESS
    ) as cluster:
        remote = run_experiment(
            experiment,
            backend="dask",
            address=cluster.scheduler_address,
            progress=False,
            run=stand_in_run,
        )
        # The cluster outlives the call: it belongs to whoever started it.
        assert cluster.scheduler_info["workers"]
    assert_frame_equal(local.runs, remote.runs)

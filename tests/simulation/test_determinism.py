"""Determinism (README, "Design"): the same scenario and seed give the identical run."""

from __future__ import annotations

import gc

import polars as pl
import pytest
from simulation_runs import run_small, small_scenario

from etj_sim.events import EVENT_LOG_SCHEMA
from etj_sim.population import synthesize_population
from etj_sim.simulation import STAFF_ROSTER_SCHEMA, simulate
from etj_sim.simulation.engine import _Run

HEADLINE_COLUMNS = [
    "population",
    "active_account_share",
    "child_accounts_activated_share",
    "alert_opt_in_share",
    "alert_sms_share",
    "alert_email_share",
    "messages_sent",
    "read_share_7d",
    "median_hours_to_read",
    "digital_notice_share",
    "cases_started",
    "median_response_hours",
    "p90_response_hours",
    "answered_within_48h_share",
    "staff_utilisation",
    "staff_minutes_per_case",
    "mean_open_cases_last_week",
    "proxy_refusals_per_1000_children",
    "post13_guardian_alerts",
]


def test_same_scenario_and_seed_give_the_identical_event_log() -> None:
    scenario = small_scenario(duration_days=10)
    first = simulate(scenario, 11)
    second = simulate(scenario, 11)
    assert first.events.height > 500
    assert first.events.equals(second.events)
    assert first.population.equals(second.population)
    assert first.staff.equals(second.staff)


def test_another_seed_gives_another_event_log() -> None:
    scenario = small_scenario(duration_days=10)
    assert not simulate(scenario, 11).events.equals(simulate(scenario, 12).events)


def test_progress_bar_does_not_change_the_run(capsys: pytest.CaptureFixture[str]) -> None:
    scenario = small_scenario(duration_days=5)
    quiet = simulate(scenario, 3)
    shown = simulate(scenario, 3, progress=True)
    assert quiet.events.equals(shown.events)
    assert "5/5" in capsys.readouterr().err


def test_result_frames_have_their_declared_schemas() -> None:
    result = run_small()
    assert result.events.schema == EVENT_LOG_SCHEMA
    assert result.staff.schema == STAFF_ROSTER_SCHEMA
    assert result.seed == 1
    assert result.population.height == result.scenario.population.size
    scenario = result.scenario
    assert result.staff.height == scenario.clinics.count * sum(
        scenario.clinics.staff_per_clinic.values()
    )
    # Every staff member in the log is on the roster, with the clinic the log names.
    logged = result.events.filter(pl.col("staff").is_not_null()).select("staff", "clinic").unique()
    joined = logged.join(result.staff, on="staff", how="left", suffix="_roster")
    assert joined["clinic_roster"].null_count() == 0
    assert (joined["clinic"] == joined["clinic_roster"]).all()


def test_summary_is_one_row_with_the_headline_columns() -> None:
    summary = run_small().summary()
    assert summary.height == 1
    assert set(HEADLINE_COLUMNS) <= set(summary.columns)
    assert summary["population"][0] == run_small().scenario.population.size
    assert (
        summary["cases_started"][0]
        == run_small().events.filter(pl.col("event") == "case_started").height
    )


def test_a_bad_seed_is_refused_with_a_clear_message() -> None:
    with pytest.raises(ValueError, match="seed: expected a non-negative int"):
        simulate(small_scenario(duration_days=5), -1)


def test_the_run_restores_the_garbage_collector_settings() -> None:
    threshold = gc.get_threshold()
    assert gc.isenabled()
    simulate(small_scenario(duration_days=5), 5)
    assert gc.isenabled()
    assert gc.get_threshold() == threshold
    assert gc.get_freeze_count() == 0


def test_a_small_run_never_walks_the_callers_heap(monkeypatch: pytest.MonkeyPatch) -> None:
    """Full collections and heap trims are for large runs: a small one (a dashboard's town)
    makes none, so its cost does not grow with whatever else the calling process holds."""
    collections: list[tuple[object, ...]] = []
    monkeypatch.setattr(gc, "collect", lambda *args: collections.append(args) or 0)
    simulate(small_scenario(duration_days=5), 5)
    assert collections == []


def test_sealing_the_log_during_the_run_leaves_the_log_as_it_is() -> None:
    """The engine seals the event log once a day past a size (EventLog.seal), in stores of
    ``seal_rows`` rows: the log a run gives is the same, sealed or not. A log smaller than
    ``seal_from_rows`` is never sealed."""
    scenario = small_scenario(duration_days=12)
    population = synthesize_population(scenario, 4)
    logs = []
    for seal_rows, seal_from_rows in ((1_000, 1_500), (10**9, 0), (1_000, None)):
        run = _Run(scenario, 4, population)
        run.seal_rows = seal_rows
        if seal_from_rows is not None:
            run.seal_from_rows = seal_from_rows
        run.execute(progress=False)
        log = run.event_log
        logs.append((len(log) - log.unsealed_rows, log.drain_to_frame(chunk_rows=999)))
    (sealed, frame), (never, unsealed), (small, default) = logs
    assert sealed > 1_500
    assert never == 0
    assert small == 0  # the default seal_from_rows: far more rows than this run logs
    assert frame.equals(unsealed)
    assert default.equals(unsealed)


def test_the_run_makes_no_reference_cycles() -> None:
    """The collector is off during the run (engine._garbage_collection_paused); that is only
    free of cost if the run leaves nothing for it: no unreachable cycles at the end."""
    scenario = small_scenario(duration_days=20)
    population = synthesize_population(scenario, 3)
    gc.disable()
    try:
        gc.collect()
        run = _Run(scenario, 3, population)
        run.execute(progress=False)
        assert len(run.event_log) > 1_000
        assert not gc.isenabled()
        # Everything the run made and dropped is unreachable now; cycles among it are counted.
        assert gc.collect() == 0
    finally:
        gc.enable()

"""Staff workload, utilisation, backlog and response time (P2, P4) against a hand-built log."""

from __future__ import annotations

from datetime import date, datetime

import polars as pl
import pytest
from metric_builders import LogBuilder, context, minutes

from etj_sim.events import empty_event_log
from etj_sim.metrics import (
    backlog_over_time,
    case_responses,
    response_time_distribution,
    response_times,
    shifts,
    staff_daily_handling,
    staff_roster,
    staff_time,
)

CONTEXT = context(days=30)  # starts Monday 2026-01-05
ROSTER = pl.DataFrame(
    {"staff": [100, 101, 102], "clinic": [0, 1, 0], "role": ["nurse", "physician", "administrator"]}
)


def build_log() -> pl.DataFrame:
    log = LogBuilder()
    log.shift(minutes(0, 8), minutes(0, 12), staff=100, clinic=0)  # 240 minutes
    log.shift(minutes(0, 8, 30), minutes(0, 10, 30), staff=101, clinic=1)  # 120 minutes
    log.case(minutes(0, 7), 1, person=0, clinic=0)
    log.case(minutes(0, 7, 30), 2, person=0, clinic=1)
    log.assign(minutes(0, 8), 1, staff=100)
    log.answer(minutes(0, 8, 30), 1, staff=100, handling_minutes=10)  # 1.5 hours
    log.message(minutes(0, 8, 30), 50, person=0, staff=100, clinic=0)  # the reply
    log.answer(minutes(0, 9, 10), 1, staff=100, handling_minutes=5)  # second round
    log.answer(minutes(0, 9, 30), 2, staff=101, handling_minutes=20, clinic=1)  # 2 hours
    log.case(minutes(0, 10), 3, person=0, clinic=0)
    log.assign(minutes(0, 11), 3, staff=100)  # taken, never answered
    log.case(minutes(1, 10), 4, person=0, clinic=0)  # never taken
    log.case(minutes(2, 10), 6, person=0, clinic=0)
    log.answer(minutes(4, 10), 6, staff=100, handling_minutes=6)  # exactly 48 hours, a Friday
    log.case(minutes(29, 23), 5, person=0, clinic=0)  # an hour before the end
    return log.frame()


@pytest.fixture(scope="module")
def events() -> pl.DataFrame:
    return build_log()


def test_roster_from_log_and_from_roster_frame(events: pl.DataFrame) -> None:
    assert staff_roster(events).rows() == [(100, 0, "unknown"), (101, 1, "unknown")]
    assert staff_roster(events, ROSTER).rows() == [
        (100, 0, "nurse"),
        (101, 1, "physician"),
        (102, 0, "administrator"),
    ]


def test_total_and_per_clinic_utilisation(events: pl.DataFrame) -> None:
    total = staff_time(events, CONTEXT, by=()).row(0, named=True)
    assert total == {"busy_minutes": 41.0, "on_duty_minutes": 360.0, "utilisation": 41 / 360}
    by_clinic = staff_time(events, CONTEXT, by=["clinic"])
    assert by_clinic.rows() == [(0, 21.0, 240.0, 21 / 240), (1, 20.0, 120.0, 20 / 120)]
    by_role = staff_time(events, CONTEXT, ROSTER, by=["role"])
    assert by_role.select("role", "utilisation").rows() == [
        ("nurse", 21 / 240),
        ("physician", 20 / 120),
    ]


def test_utilisation_by_weekday_and_hour_splits_shifts_over_hours(events: pl.DataFrame) -> None:
    table = staff_time(events, CONTEXT, by=["weekday", "hour"])
    assert table.rows() == [
        (0, 8, 10.0, 90.0, 10 / 90),
        (0, 9, 25.0, 120.0, 25 / 120),
        (0, 10, 0.0, 90.0, 0.0),
        (0, 11, 0.0, 60.0, 0.0),
        (4, 10, 6.0, 0.0, None),  # answered outside any shift: busy without on-duty time
    ]


def test_daily_handling_per_staff_member(events: pl.DataFrame) -> None:
    daily = staff_daily_handling(events, CONTEXT, ROSTER)
    assert daily.drop("clinic").rows() == [
        (100, "nurse", date(2026, 1, 5), 1, 2, 1, 15.0),
        (100, "nurse", date(2026, 1, 9), 1, 1, 0, 6.0),
        (101, "physician", date(2026, 1, 5), 1, 1, 0, 20.0),
    ]


def test_response_times_with_inclusive_service_level_and_censoring(events: pl.DataFrame) -> None:
    responses = case_responses(events, CONTEXT)
    assert responses["response_hours"].to_list() == [
        pytest.approx(1.5),
        pytest.approx(2.0),
        None,
        None,
        pytest.approx(48.0),
        None,
    ]
    row = response_times(responses, CONTEXT, within_hours=48).row(0, named=True)
    # Case 5 started an hour before the end: not eligible. Case 6 took exactly 48 hours.
    assert row["cases_started"] == 6
    assert row["cases_answered"] == 3
    assert row["cases_eligible"] == 5
    assert row["answered_within"] == 3
    assert row["share_within"] == 0.6
    assert row["response_hours_p50"] == pytest.approx(2.0)
    by_clinic = response_times(responses, CONTEXT, by=["clinic"], within_hours=24)
    assert by_clinic.select("clinic", "cases_started", "answered_within").rows() == [
        (0, 5, 1),
        (1, 1, 1),
    ]


def test_response_time_distribution_has_an_open_last_bin(events: pl.DataFrame) -> None:
    responses = case_responses(events, CONTEXT)
    distribution = response_time_distribution(responses, bin_hours=4, max_hours=48)
    assert distribution.height == 13
    assert distribution.filter(pl.col("cases") > 0).rows() == [
        (0.0, 4.0, 2, 2 / 3),
        (48.0, None, 1, 1 / 3),
    ]


def test_backlog_and_queue_by_day(events: pl.DataFrame) -> None:
    backlog = backlog_over_time(case_responses(events, CONTEXT), CONTEXT)
    assert backlog.height == 30
    assert backlog["period_start"][0] == datetime(2026, 1, 5)
    assert backlog.select("backlog", "queue").rows()[:5] == [(1, 0), (2, 1), (3, 2), (3, 2), (2, 1)]
    assert backlog.select("backlog", "queue").row(29) == (3, 2)
    by_clinic = backlog_over_time(case_responses(events, CONTEXT), CONTEXT, by_clinic=True)
    assert by_clinic.filter(pl.col("clinic") == 1)["backlog"].max() == 0


def test_open_shift_runs_to_the_end_of_the_run() -> None:
    log = LogBuilder()
    log.log.record(minutes(29, 20), 19, staff=7, clinic=2)  # shift_started, never ended
    assert shifts(log.frame(), CONTEXT).select("staff", "clinic", "shift_end").rows() == [
        (7, 2, datetime(2026, 2, 4))
    ]
    assert staff_time(log.frame(), CONTEXT, by=())["on_duty_minutes"][0] == 240.0


def test_roster_without_shift_rows_uses_opening_hours() -> None:
    table = staff_time(empty_event_log(), CONTEXT, ROSTER, by=["staff"])
    # 30 days from a Monday hold 22 weekdays of 8:00-17:00.
    assert table["on_duty_minutes"].to_list() == [22 * 9 * 60.0] * 3


def test_empty_log_gives_empty_workload() -> None:
    events = empty_event_log()
    assert staff_time(events, CONTEXT, by=()).row(0) == (0.0, 0.0, None)
    responses = case_responses(events, CONTEXT)
    assert response_times(responses, CONTEXT).select("cases_started", "share_within").row(0) == (
        0,
        None,
    )
    assert backlog_over_time(responses, CONTEXT)["backlog"].sum() == 0
    assert staff_daily_handling(events, CONTEXT).is_empty()


def test_bad_roster_and_grouping_are_errors(events: pl.DataFrame) -> None:
    with pytest.raises(ValueError, match=r"roster: missing column\(s\) \['role'\]"):
        staff_time(events, CONTEXT, ROSTER.drop("role"))
    with pytest.raises(ValueError, match="listed twice"):
        staff_roster(events, pl.concat([ROSTER, ROSTER]))
    with pytest.raises(ValueError, match="unknown column"):
        staff_time(events, CONTEXT, by=["kind"])

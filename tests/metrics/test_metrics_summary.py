"""The headline summary: its contract and that it equals the detailed tables."""

from __future__ import annotations

from datetime import date, datetime

import polars as pl
import pytest
from metric_builders import LogBuilder, context, minutes, population

from etj_sim.events import Kind, Reason, empty_event_log
from etj_sim.metrics import (
    SUMMARY_COLUMNS,
    SUMMARY_SCHEMA_VERSION,
    MetricContext,
    active_account_share_by_age_band,
    alert_opt_in_daily,
    backlog_over_time,
    child_accounts_activated,
    mean_open_cases,
    notice_channels,
    post13_guardian_alerts,
    prepare,
    proxy_refusal_rate,
    read_rates,
    response_times,
    staff_time,
    summary,
    summary_of,
    time_to_read_quantiles,
)
from etj_sim.scenario import Scenario

CONTEXT = context(days=20)
PEOPLE = population(
    [date(1985, 1, 1), date(2020, 6, 1), date(2013, 1, 10), date(1955, 6, 1)],
    active=[True, True, True, False],
    sms=[True, False, True, False],
    email=[True, False, False, False],
    mobile_owner=[0, 0, 0, None],
)

CONTRACT = (
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
)


def build_log() -> pl.DataFrame:
    log = LogBuilder()
    log.shift(minutes(0, 8), minutes(0, 16), staff=9)
    log.case(minutes(0, 7), 1, person=1, guardian=0)
    log.case(minutes(0, 7), 2, person=2)
    log.answer(minutes(0, 9), 1, staff=9, handling_minutes=12)
    log.message(minutes(0, 9), 1, 1, Kind.REPLY, staff=9)
    log.read(minutes(0, 21), 1, 1, guardian=0)
    log.message(minutes(1), 2, 3, Kind.APPOINTMENT_NOTICE)
    log.paper(minutes(1), 3)
    log.alert(minutes(12), 2, recipient=0)  # p2 turned 13 on day 5
    log.activate(minutes(2), 3)
    log.settings(minutes(3), 3, sms=False, email=True)
    log.proxy_refused(minutes(4), 2, 0, Reason.CHILD_13_OR_OLDER)
    return log.frame()


def test_summary_columns_are_the_contract() -> None:
    assert tuple(SUMMARY_COLUMNS) == CONTRACT
    assert SUMMARY_SCHEMA_VERSION == 2
    for name, column in SUMMARY_COLUMNS.items():
        for text in (column.label, column.meaning):
            assert text.en, name
            assert text.sv, name
            assert text.sv != text.en, name
        assert column.unit, name
        assert column.combine.rule in ("sum", "weighted_mean"), name
        if column.combine.rule == "weighted_mean":
            assert column.combine.weight in (*SUMMARY_COLUMNS, "active_accounts"), name
        # Shares and rates of different regions do not add up.
        if column.unit in ("share", "hours", "minutes", "per_1000_children"):
            assert column.combine.rule == "weighted_mean", name
    headline = summary(build_log(), PEOPLE, CONTEXT)
    assert headline.columns == list(CONTRACT)
    assert headline.height == 1


def test_summary_by_hand() -> None:
    row = summary(build_log(), PEOPLE, CONTEXT).row(0, named=True)
    assert row["population"] == 4
    assert row["active_account_share"] == 1.0
    # At the end: p0 both, p1 none, p2 sms, p3 email.
    assert row["alert_opt_in_share"] == 0.75
    assert row["alert_sms_share"] == 0.5
    assert row["alert_email_share"] == 0.5
    assert row["messages_sent"] == 2
    assert row["read_share_7d"] == 0.5
    assert row["median_hours_to_read"] == pytest.approx(12.0)
    assert row["cases_started"] == 2
    # p1 (7 at the end) is the only child under 13; the account is active.
    assert row["child_accounts_activated_share"] == 1.0
    assert row["median_response_hours"] == pytest.approx(2.0)
    # One answered case: every quantile is its 2 hours.
    assert row["p90_response_hours"] == pytest.approx(2.0)
    # Both cases started 20 days before the end; one answered within 48 h.
    assert row["answered_within_48h_share"] == 0.5
    assert row["staff_utilisation"] == 12 / 480
    assert row["staff_minutes_per_case"] == 12.0
    # Case 2 is never answered: one open case every hour of the last week.
    assert row["mean_open_cases_last_week"] == 1.0
    # One refusal; two children under 18 at the end (p1 and p2, who turned 13).
    assert row["proxy_refusals_per_1000_children"] == 500.0
    assert row["digital_notice_share"] == 0.5
    assert row["post13_guardian_alerts"] == 1


def test_summary_equals_the_detailed_tables() -> None:
    frames = prepare(build_log(), PEOPLE, CONTEXT)
    row = summary_of(frames).row(0, named=True)
    accounts = active_account_share_by_age_band(frames.final_states)
    assert row["active_account_share"] == (
        accounts.select(pl.col("active_end").sum() / pl.col("persons").sum()).item()
    )
    end = alert_opt_in_daily(PEOPLE, frames.changes, CONTEXT).filter(
        pl.col("date") == CONTEXT.last_day
    )
    assert row["alert_opt_in_share"] == 1 - end.filter(pl.col("alert_status") == "none")["share"][0]
    reads = read_rates(frames.reads, CONTEXT, within_days=7)
    assert row["read_share_7d"] == reads["read_share"][0]
    assert row["messages_sent"] == reads["messages_delivered"][0]
    quantiles = time_to_read_quantiles(frames.reads, quantiles=(0.5,))
    assert row["median_hours_to_read"] == quantiles["hours_to_read_p50"][0]
    responses = response_times(frames.responses, CONTEXT)
    assert row["median_response_hours"] == responses["response_hours_p50"][0]
    assert row["cases_started"] == responses["cases_started"][0]
    assert row["p90_response_hours"] == responses["response_hours_p90"][0]
    assert row["answered_within_48h_share"] == responses["share_within"][0]
    children = child_accounts_activated(frames.final_states)
    assert row["child_accounts_activated_share"] == children["share"][0]
    refusals = proxy_refusal_rate(build_log(), frames.final_states)
    assert row["proxy_refusals_per_1000_children"] == refusals["per_1000_children"][0]
    assert row["staff_utilisation"] == staff_time(build_log(), CONTEXT, by=())["utilisation"][0]
    hourly = backlog_over_time(frames.responses, CONTEXT, every="1h")["backlog"]
    assert row["mean_open_cases_last_week"] == hourly[-7 * 24 :].mean()
    assert mean_open_cases(frames.responses, CONTEXT)["hours"][0] == 7 * 24
    assert row["digital_notice_share"] == notice_channels(build_log(), CONTEXT)["share"][0]
    assert (
        row["post13_guardian_alerts"] == post13_guardian_alerts(build_log(), PEOPLE)["alerts"].sum()
    )


def test_summary_of_an_empty_log() -> None:
    row = summary(empty_event_log(), PEOPLE, CONTEXT).row(0, named=True)
    assert row["population"] == 4
    assert row["active_account_share"] == 0.75
    assert row["messages_sent"] == 0
    assert row["cases_started"] == 0
    assert row["mean_open_cases_last_week"] == 0
    assert row["proxy_refusals_per_1000_children"] == 0
    assert row["post13_guardian_alerts"] == 0
    for name in ("read_share_7d", "median_hours_to_read", "staff_utilisation"):
        assert row[name] is None, name


def test_context_from_scenario() -> None:
    scenario = Scenario(start_date=date(2026, 3, 2), duration_days=7)
    built = MetricContext.from_scenario(scenario)
    assert built.start == datetime(2026, 3, 2)
    assert built.end == datetime(2026, 3, 9)
    assert built.last_day == date(2026, 3, 8)
    assert built.days.len() == 7
    assert built.open_weekdays == (0, 1, 2, 3, 4)


def test_context_rejects_a_backwards_window() -> None:
    with pytest.raises(ValueError, match=r"end .* must be after start"):
        MetricContext(start=datetime(2026, 1, 2), end=datetime(2026, 1, 1))
    with pytest.raises(ValueError, match="open_weekdays"):
        MetricContext(start=datetime(2026, 1, 1), end=datetime(2026, 1, 2), open_weekdays=(7,))


def test_summary_rejects_a_frame_that_is_not_an_event_log() -> None:
    with pytest.raises(TypeError, match="expected a polars DataFrame"):
        summary(build_log().lazy(), PEOPLE, CONTEXT)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="population: missing column 'birth_date'"):
        summary(build_log(), PEOPLE.drop("birth_date"), CONTEXT)

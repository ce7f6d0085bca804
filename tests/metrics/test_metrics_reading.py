"""Read rates, time to read, read curve and funnel (P1, F8) against a hand-built log."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from metric_builders import LogBuilder, context, minutes, population

from etj_sim.events import Channel, Kind, empty_event_log
from etj_sim.metrics import (
    FUNNEL_STAGES,
    message_funnel,
    message_reads,
    never_read_share,
    read_curve,
    read_rates,
    read_share_by_reader,
    time_to_read_quantiles,
)

CONTEXT = context(days=30)
# p0 is 45 (30-49) and guardian of p1 (5, 0-12); p2 is 76 (65-79).
PEOPLE = population([date(1980, 6, 1), date(2020, 3, 1), date(1950, 1, 1)])


def build_log() -> pl.DataFrame:
    log = LogBuilder()
    log.message(minutes(0, 9), 1, 0, sms=True)
    log.alert(minutes(0, 9, 1), 0, recipient=0, message=1)
    log.read(minutes(7, 9), 1, 0)  # exactly 7 days: inside the window (inclusive)
    log.read(minutes(8, 9), 1, 0)  # a second read: only the first counts (F8)
    log.message(minutes(0, 9), 2, 0)
    log.read(minutes(7, 9, 1), 2, 0)  # one minute past 7 days
    log.message(minutes(1), 3, 1, Kind.APPOINTMENT_NOTICE, email=True)
    log.alert(minutes(1, 0, 1), 1, recipient=0, channel=Channel.EMAIL, message=3)
    log.read(minutes(1, 2), 3, 1, guardian=0)  # a guardian reading by proxy (R10)
    log.message(minutes(2), 4, 2, sms=True, email=True)  # never read
    log.alert(minutes(2, 0, 1), 2, recipient=2, message=4)
    log.alert(minutes(2, 0, 1), 2, recipient=2, channel=Channel.EMAIL, message=4)
    log.message(minutes(25), 5, 2, sms=True, email=True)  # only 5 days before the end
    log.read(minutes(26), 5, 2)
    return log.frame()


@pytest.fixture(scope="module")
def reads() -> pl.DataFrame:
    return message_reads(build_log(), PEOPLE, CONTEXT)


def test_message_reads_has_one_row_per_message_with_first_read(reads: pl.DataFrame) -> None:
    by_message = {row["message"]: row for row in reads.to_dicts()}
    assert sorted(by_message) == [1, 2, 3, 4, 5]
    assert by_message[1]["hours_to_read"] == 168.0
    assert by_message[3]["reader"] == "guardian"
    assert by_message[3]["age_band"] == "0-12"
    assert by_message[4]["read_time"] is None
    assert by_message[4]["alert_status"] == "both"
    assert by_message[4]["alerts"] == 2
    assert by_message[5]["alerts"] == 0  # alerts on at delivery, but no alert row in the log
    assert by_message[2]["alert_status"] == "none"


def test_read_share_within_7_days_is_inclusive_and_right_censored(reads: pl.DataFrame) -> None:
    overall = read_rates(reads, CONTEXT, within_days=7).row(0, named=True)
    # m5 was delivered 5 days before the end: not eligible. m1 (exactly 7 days) and m3 count.
    assert overall == {
        "messages_delivered": 5,
        "messages_eligible": 4,
        "read_within": 2,
        "read_share": 0.5,
    }


def test_read_rates_by_alert_status_and_age_band(reads: pl.DataFrame) -> None:
    by_status = read_rates(reads, CONTEXT, by=["alert_status"])
    assert by_status.select("alert_status", "messages_eligible", "read_within").rows() == [
        ("none", 1, 0),
        ("sms", 1, 1),
        ("email", 1, 1),
        ("both", 1, 0),
    ]
    by_band = read_rates(reads, CONTEXT, by=["age_band"])
    assert by_band.select("age_band", "messages_delivered", "read_share").rows() == [
        ("0-12", 1, 1.0),
        ("30-49", 2, 0.5),
        ("65-79", 2, 0.0),
    ]
    by_kind = read_rates(reads, CONTEXT, by=["kind"]).filter(pl.col("kind") == "question")
    assert by_kind["messages_eligible"].to_list() == [3]


def test_read_share_by_reader_splits_the_overall_share(reads: pl.DataFrame) -> None:
    by_reader = read_share_by_reader(reads, CONTEXT, within_days=7)
    assert by_reader.select("reader", "read_within", "read_share").rows() == [
        ("holder", 1, 0.25),
        ("guardian", 1, 0.25),
    ]
    assert by_reader["read_share"].sum() == read_rates(reads, CONTEXT)["read_share"][0]


def test_time_to_read_quantiles_over_read_messages(reads: pl.DataFrame) -> None:
    quantiles = time_to_read_quantiles(reads, quantiles=(0.0, 0.5, 1.0)).row(0, named=True)
    # Hours to read: 2 (m3), 24 (m5), 168 (m1), 168 + 1/60 (m2); median (24 + 168) / 2.
    assert quantiles["messages_read"] == 4
    assert quantiles["hours_to_read_p0"] == pytest.approx(2.0)
    assert quantiles["hours_to_read_p50"] == pytest.approx(96.0)
    assert quantiles["hours_to_read_p100"] == pytest.approx(168 + 1 / 60)
    by_reader = time_to_read_quantiles(reads, by=["reader"], quantiles=(0.5,))
    assert by_reader.rows() == [
        ("holder", 3, pytest.approx(168.0)),
        ("guardian", 1, pytest.approx(2.0)),
    ]


def test_never_read_share(reads: pl.DataFrame) -> None:
    assert never_read_share(reads).row(0) == (5, 1, 0.2)


def test_read_curve_by_hand(reads: pl.DataFrame) -> None:
    curve = read_curve(reads, CONTEXT, max_days=7, by=())
    # Eligible: all 5 up to day 5 (m5 had 5 days), 4 after. Read: m3 and m5 by day 1, m1 day 7.
    assert curve.select("messages_eligible", "read_within").rows() == [
        (5, 0),
        (5, 2),
        (5, 2),
        (5, 2),
        (5, 2),
        (5, 2),
        (4, 1),
        (4, 2),
    ]


def test_read_curve_points_equal_read_rates(reads: pl.DataFrame) -> None:
    curve = read_curve(reads, CONTEXT, max_days=10, by=["alert_status"])
    for days in range(11):
        expected = read_rates(reads, CONTEXT, within_days=days, by=["alert_status"])
        point = curve.filter(pl.col("days_since_delivery") == days)
        assert point["read_share"].to_list() == expected["read_share"].to_list(), days


def test_message_funnel_by_hand(reads: pl.DataFrame) -> None:
    funnel = message_funnel(reads, CONTEXT)
    # One cohort (m1-m4); the read stages count alerted messages (m1 at 7 days, m3 at 2 hours).
    assert funnel.select("stage", "messages").rows() == [
        ("sent", 4),
        ("alerted", 3),
        ("read_7d", 2),
        ("read_1d", 1),
    ]
    assert funnel["share"].to_list() == [1.0, 0.75, 0.5, 0.25]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.tuples(
            st.floats(min_value=0, max_value=29.9),  # delivery day
            st.integers(min_value=0, max_value=2),  # inbox
            st.booleans(),  # alerted
            st.one_of(st.none(), st.floats(min_value=0, max_value=20)),  # read after (days)
        ),
        max_size=40,
    )
)
def test_message_funnel_never_rises_on_any_log(
    messages: list[tuple[float, int, bool, float | None]],
) -> None:
    log = LogBuilder()
    for message, (day, person, alerted, read_after) in enumerate(messages, start=1):
        log.message(minutes(day), message, person, sms=alerted)
        if alerted:
            log.alert(minutes(day, 0, 1), person, recipient=person, message=message)
        if read_after is not None and day + read_after < 30:
            log.read(minutes(day + read_after), message, person)
    funnel = message_funnel(message_reads(log.frame(), PEOPLE, CONTEXT), CONTEXT)
    counts = funnel["messages"].to_list()
    assert funnel["stage"].cast(pl.String).to_list() == list(FUNNEL_STAGES)
    assert counts == sorted(counts, reverse=True)


def test_empty_log_gives_zero_counts_and_null_shares() -> None:
    reads = message_reads(empty_event_log(), PEOPLE, CONTEXT)
    assert reads.is_empty()
    assert read_rates(reads, CONTEXT).row(0) == (0, 0, 0, None)
    assert never_read_share(reads).row(0) == (0, 0, None)
    assert time_to_read_quantiles(reads, quantiles=(0.5,)).row(0) == (0, None)
    assert read_curve(reads, CONTEXT).is_empty()
    assert message_funnel(reads, CONTEXT)["messages"].to_list() == [0, 0, 0, 0]
    assert read_share_by_reader(reads, CONTEXT)["read_share"].to_list() == [None, None]


def test_message_to_unknown_person_is_an_error() -> None:
    log = LogBuilder()
    log.message(minutes(0), 1, 99)
    with pytest.raises(ValueError, match=r"not in the population.*99"):
        message_reads(log.frame(), PEOPLE, CONTEXT)


def test_wrong_event_log_schema_names_the_column() -> None:
    events = build_log().with_columns(pl.col("message").cast(pl.Int64))
    with pytest.raises(ValueError, match=r"event log: column 'message' has type Int64"):
        message_reads(events, PEOPLE, CONTEXT)
    with pytest.raises(ValueError, match="missing column 'duration_minutes'"):
        message_reads(build_log().drop("duration_minutes"), PEOPLE, CONTEXT)


def test_unknown_grouping_and_negative_window_are_errors(reads: pl.DataFrame) -> None:
    with pytest.raises(ValueError, match="unknown column"):
        read_rates(reads, CONTEXT, by=["clinic"])
    with pytest.raises(ValueError, match="within_days must be 0 or more"):
        read_rates(reads, CONTEXT, within_days=-1)


def test_population_in_another_row_order_gives_the_same_reads(reads: pl.DataFrame) -> None:
    shuffled = message_reads(build_log(), PEOPLE.reverse(), CONTEXT)
    assert shuffled.sort("message").equals(reads.sort("message"))

"""Active accounts, proxy use and refusals, notices, mass-mailing reach (P1, P3, P4, F6, F7)."""

from __future__ import annotations

from datetime import date, datetime

import polars as pl
from metric_builders import LogBuilder, context, minutes, population

from etj_sim.events import Kind, Reason, empty_event_log
from etj_sim.metrics import (
    account_changes,
    active_account_share_by_age_band,
    case_responses,
    final_account_states,
    mass_mailing_reach,
    message_reads,
    notice_channels,
    proxy_case_share,
    proxy_refusals,
)

CONTEXT = context(days=30)
# p0 adult guardian of p1 (5); p2 is 15; p3 is 70 without an account.
PEOPLE = population(
    [date(1985, 1, 1), date(2020, 6, 1), date(2010, 6, 1), date(1955, 6, 1)],
    active=[True, True, True, False],
)


def build_log() -> pl.DataFrame:
    log = LogBuilder()
    log.case(minutes(0, 9), 1, person=1, guardian=0)  # proxy case for a child (R10, R11)
    log.case(minutes(0, 10), 2, person=2)  # a 15-year-old on their own (R15)
    log.case(minutes(0, 11), 3, person=0)  # an adult: not a child's case
    log.proxy_refused(minutes(1), 2, 0, Reason.CHILD_13_OR_OLDER)
    log.proxy_refused(minutes(1, 1), 1, 0, Reason.PROTECTED_CHILD)
    log.proxy_refused(minutes(1, 2), 1, 0, Reason.PROTECTED_CHILD)
    for person in (0, 1, 2):
        log.message(minutes(2), 10 + person, person, Kind.APPOINTMENT_NOTICE)
    log.paper(minutes(2), 3)
    log.mass_mailing(minutes(3, 8))
    for person in (0, 1, 2):
        log.message(minutes(3, 8), 20 + person, person, Kind.MASS_MAILING)
    log.undeliverable(minutes(3, 8), 3)
    log.read(minutes(5), 20, 0)  # within 7 days
    log.read(minutes(11, 9), 21, 1, guardian=0)  # after 8 days
    log.activate(minutes(4), 3)
    log.mass_mailing(minutes(27))  # too late to have had 7 days
    log.message(minutes(27), 30, 0, Kind.MASS_MAILING)
    return log.frame()


def test_active_account_share_by_age_band_at_start_and_end() -> None:
    events = build_log()
    states = final_account_states(PEOPLE, account_changes(events, PEOPLE, CONTEXT), CONTEXT)
    table = active_account_share_by_age_band(states).filter(pl.col("persons") > 0)
    assert table.rows() == [
        ("0-12", 1, 1, 1, 1.0, 1.0),
        ("13-17", 1, 1, 1, 1.0, 1.0),
        ("30-49", 1, 1, 1, 1.0, 1.0),
        ("65-79", 1, 0, 1, 0.0, 1.0),
    ]


def test_proxy_share_of_childrens_cases() -> None:
    table = proxy_case_share(case_responses(build_log(), CONTEXT), PEOPLE)
    assert table.rows() == [("0-12", 1, 1, 1.0), ("13-17", 1, 0, 0.0)]


def test_proxy_refusals_by_reason() -> None:
    table = proxy_refusals(build_log()).filter(pl.col("refusals") > 0)
    assert table.rows() == [("protected_child", 2, 2 / 3), ("child_13_or_older", 1, 1 / 3)]
    assert proxy_refusals(empty_event_log())["refusals"].sum() == 0


def test_digital_and_paper_notices() -> None:
    assert notice_channels(build_log(), CONTEXT).rows() == [
        ("digital", 3, 0.75),
        ("paper", 1, 0.25),
    ]
    assert notice_channels(empty_event_log(), CONTEXT)["share"].to_list() == [None, None]


def test_mass_mailing_reach_per_campaign() -> None:
    events = build_log()
    reads = message_reads(events, PEOPLE, CONTEXT)
    table = mass_mailing_reach(events, reads, CONTEXT)
    assert table.drop("campaign").rows() == [
        (datetime(2026, 1, 8, 8), 4, 3, 1, 0.75, 0.25),
        (datetime(2026, 2, 1), 1, 1, 0, 1.0, None),  # censored: started 3 days before the end
    ]


def test_mass_mailing_without_campaign_rows_groups_by_day() -> None:
    log = LogBuilder()
    log.message(minutes(3, 8), 1, 0, Kind.MASS_MAILING)
    log.message(minutes(3, 9), 2, 1, Kind.MASS_MAILING)
    log.read(minutes(3, 10), 2, 1, guardian=0)
    events = log.frame()
    table = mass_mailing_reach(events, message_reads(events, PEOPLE, CONTEXT), CONTEXT)
    assert table.drop("campaign").rows() == [(datetime(2026, 1, 8), 2, 2, 1, 1.0, 0.5)]


def test_mass_mailing_rows_belong_to_the_campaign_their_id_names() -> None:
    """Two mailings sent in the same minute (two clinics) stay apart: the campaign id on each
    row is the fact, where matching by time would merge them (F6)."""
    log = LogBuilder()
    at = minutes(3, 9)
    for campaign in (0, 1):
        log.log.mass_mailing_started(at, campaign, campaign, campaign)
    log.log.message_sent(at, 1, 0, 0, -1, 0, int(Kind.MASS_MAILING), 0, 0, 0, -1)
    log.log.message_sent(at, 2, 1, 1, -1, 1, int(Kind.MASS_MAILING), 0, 0, 1, -1)
    no_account = int(Reason.NO_ACTIVE_ACCOUNT)
    log.log.message_undeliverable(at, 3, 1, 1, int(Kind.MASS_MAILING), no_account, 1)
    log.read(minutes(3, 10), 0, 1)
    events = log.frame()
    table = mass_mailing_reach(events, message_reads(events, PEOPLE, CONTEXT), CONTEXT)
    start = datetime(2026, 1, 8, 9)
    assert table.select(
        "campaign", "campaign_start", "addressed", "delivered", "read_within"
    ).rows() == [
        (0, start, 1, 1, 1),
        (1, start, 2, 1, 0),
    ]

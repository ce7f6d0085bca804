"""Alert opt-ins over time and by age band, guardian contacts, post-13 alerts (R4, R13, R14, D4)."""

from __future__ import annotations

from datetime import date, timedelta

import polars as pl
import pytest
from metric_builders import LogBuilder, context, minutes, population

from etj_sim.events import empty_event_log
from etj_sim.metrics import (
    account_changes,
    alert_opt_in_by_age_band,
    alert_opt_in_daily,
    final_account_states,
    guardian_contacts_in_child_settings,
    opt_in_changes,
    post13_guardian_alerts,
)

CONTEXT = context(days=30)  # 2026-01-05 to 2026-02-03
# p0 35, p1 30 (30-49); p2 76 (65-79), no account at the start; p3 turned 13 in 2025 and p4
# turns 13 on 2026-01-15 (day 10). p0 is the guardian whose mobile is in p3's and p4's settings.
PEOPLE = population(
    [date(1990, 3, 3), date(1995, 7, 7), date(1950, 1, 1), date(2012, 1, 20), date(2013, 1, 15)],
    active=[True, True, False, True, True],
    sms=[False, True, False, True, False],
    email=[False] * 5,
    mobile_owner=[0, 1, None, 0, 0],
    email_owner=[0, 1, None, None, 0],
)


def build_log() -> pl.DataFrame:
    log = LogBuilder()
    log.activate(minutes(2, 10), 2)
    log.alert(minutes(3), 3, recipient=0)  # p3 is 13: counted (D4)
    log.settings(minutes(4, 9), 2, sms=True, email=True)
    log.settings(minutes(4, 12), 1, sms=False, email=False)
    log.alert(minutes(5), 4, recipient=0)  # p4 is 12: a guardian alert before 13, not counted
    log.settings(minutes(6), 0, sms=False, email=True)
    log.alert(minutes(10), 4, recipient=0)  # p4's 13th birthday: counted
    log.alert(minutes(20), 4, recipient=0)  # counted
    log.alert(minutes(21), 4, recipient=4)  # own contact: not counted
    log.alert(minutes(22), 1, recipient=1)
    return log.frame()


@pytest.fixture(scope="module")
def changes() -> pl.DataFrame:
    return account_changes(build_log(), PEOPLE, CONTEXT)


def test_account_changes_replay_activation_then_settings(changes: pl.DataFrame) -> None:
    assert changes.select("person", "from_status", "to_status").rows() == [
        (0, "none", "email"),
        (1, "sms", "none"),
        (2, "inactive", "none"),
        (2, "none", "both"),
    ]


def test_daily_opt_in_follows_the_mid_run_changes(changes: pl.DataFrame) -> None:
    daily = alert_opt_in_daily(PEOPLE, changes, CONTEXT)
    assert daily.height == 30 * 4

    def day(number: int) -> list[int]:
        moment = CONTEXT.first_day + timedelta(days=number)
        return daily.filter(pl.col("date") == moment)["accounts"].to_list()

    # accounts with none, sms, email, both at the end of the day
    assert day(0) == [2, 2, 0, 0]
    assert day(2) == [3, 2, 0, 0]  # p2 activated
    assert day(4) == [3, 1, 0, 1]  # p2 chose both, p1 switched SMS off
    assert day(6) == [2, 1, 1, 1]  # p0 chose e-mail
    assert day(29) == [2, 1, 1, 1]
    last = daily.filter(pl.col("date") == pl.date(2026, 2, 3))
    assert last["share"].to_list() == [0.4, 0.2, 0.2, 0.2]


def test_opt_in_by_age_band_at_the_end(changes: pl.DataFrame) -> None:
    states = final_account_states(PEOPLE, changes, CONTEXT)
    assert states["age_band"].to_list() == ["30-49", "30-49", "65-79", "13-17", "13-17"]
    by_band = alert_opt_in_by_age_band(states)
    assert by_band.height == 7 * 4
    shares = {
        (row["age_band"], row["alert_status"]): row["share"]
        for row in by_band.filter(pl.col("accounts") > 0).to_dicts()
    }
    assert shares == {
        ("13-17", "none"): 0.5,
        ("13-17", "sms"): 0.5,
        ("30-49", "none"): 0.5,
        ("30-49", "email"): 0.5,
        ("65-79", "both"): 1.0,
    }
    assert by_band.filter(pl.col("age_band") == "80+")["share"].null_count() == 4


def test_opt_in_changes_count_settings_changes_only(changes: pl.DataFrame) -> None:
    assert opt_in_changes(changes).rows() == [
        ("none", "email", 1),
        ("none", "both", 1),
        ("sms", "none", 1),
    ]


def test_guardian_contacts_in_child_settings_at_the_start() -> None:
    contacts = guardian_contacts_in_child_settings(PEOPLE, CONTEXT)
    assert contacts.rows() == [("0-12", 1, 1, 1, 1, 1.0), ("13-17", 1, 1, 0, 1, 1.0)]


def test_post13_guardian_alerts_per_young_person() -> None:
    alerts = post13_guardian_alerts(build_log(), PEOPLE)
    assert alerts.select("person", "alerts", "guardians").rows() == [(3, 1, 1), (4, 2, 1)]
    assert alerts["first_alert"].to_list()[1].date() == date(2026, 1, 15)


def test_no_events_keeps_the_initial_state() -> None:
    changes = account_changes(empty_event_log(), PEOPLE, CONTEXT)
    assert changes.is_empty()
    daily = alert_opt_in_daily(PEOPLE, changes, CONTEXT)
    assert daily.filter(pl.col("date") == pl.date(2026, 2, 3))["accounts"].to_list() == [2, 2, 0, 0]
    assert post13_guardian_alerts(empty_event_log(), PEOPLE).is_empty()
    assert opt_in_changes(changes).is_empty()


def test_events_after_the_end_are_ignored() -> None:
    log = LogBuilder()
    log.settings(minutes(30, 1), 0, sms=True, email=False)
    assert account_changes(log.frame(), PEOPLE, CONTEXT).is_empty()


def test_population_without_alert_columns_is_an_error() -> None:
    with pytest.raises(ValueError, match="population: missing column 'alert_sms'"):
        account_changes(build_log(), PEOPLE.drop("alert_sms"), CONTEXT)

"""Event-log invariants of a run: every rule holds in every row the simulation caused.

One run with many protected families (R12), children and teenagers (R10, R14, D2), alerts being
turned on at login (R4, R8) and mass mailings to minors, checked row by row.
"""

from __future__ import annotations

from datetime import date, datetime

import polars as pl
import pytest
from simulation_runs import minutes, run_small

from etj_sim.domain.register import thirteenth_birthday
from etj_sim.scenario import Scenario
from etj_sim.simulation import SimulationResult

_DEFAULTS = Scenario().population
# Children with an own BankID who log in often: those turning 13 in the run log in themselves
# soon after their birthday and meet the R14 prompt.
_BANKID_SHARES = {**_DEFAULTS.bankid_share_by_age, "0-12": 1.0}
_LOGINS_PER_MONTH = {**_DEFAULTS.logins_per_month_by_age, "0-12": 10.0, "13-17": 10.0}

INVARIANT_RUN = {
    "duration_days": 42,
    "population__bankid_share_by_age": _BANKID_SHARES,
    "population__logins_per_month_by_age": _LOGINS_PER_MONTH,
    "population__size": 8_000,
    "population__protected_share": 0.1,
    "behaviour__opt_in_nudge_share": 0.3,
    "behaviour__settings_edit_after_13_share": 1.0,
    "campaigns": [
        {"name": "children", "day": 2, "min_age": 0, "max_age": 17},
        {"name": "teenagers", "day": 30, "min_age": 12, "max_age": 17},
    ],
}


@pytest.fixture(scope="module")
def result() -> SimulationResult:
    return run_small(seed=4, **INVARIANT_RUN)


@pytest.fixture(scope="module")
def events(result: SimulationResult) -> pl.DataFrame:
    return result.events.with_row_index("row").with_columns(
        pl.col("row").cast(pl.Int64), minutes().alias("minute")
    )


def _of(events: pl.DataFrame, name: str) -> pl.DataFrame:
    return events.filter(pl.col("event") == name)


def test_the_run_exercises_the_rules_checked_here(events: pl.DataFrame) -> None:
    counts = dict(events["event"].value_counts().iter_rows())
    for name in (
        "message_read",
        "alert_sent",
        "settings_changed",
        "case_answered",
        "proxy_refused",
        "turned_13",
    ):
        assert counts.get(name, 0) > 0, name
    assert _of(events, "message_read").filter(pl.col("actor_role") == "guardian_proxy").height > 0


def test_log_is_in_time_order(events: pl.DataFrame) -> None:
    assert events["time"].is_sorted()


def test_every_read_follows_its_delivery_and_is_by_the_holder_or_a_guardian(
    events: pl.DataFrame, result: SimulationResult
) -> None:
    sent = _of(events, "message_sent").select("message", pl.col("minute").alias("sent"), "person")
    reads = _of(events, "message_read").join(sent, on="message", how="left", suffix="_sent")
    assert reads["sent"].null_count() == 0
    assert (reads["minute"] >= reads["sent"]).all()
    assert (reads["person"] == reads["person_sent"]).all()
    own = reads.filter(pl.col("actor_role") == "citizen")
    assert (own["actor"] == own["person"]).all()
    by_proxy = reads.filter(pl.col("actor_role") == "guardian_proxy")
    pairs = result.guardianships.select(
        pl.col("guardian").alias("actor"), pl.col("child").alias("person"), pl.lit(True).alias("ok")
    )
    checked = by_proxy.join(pairs, on=["actor", "person"], how="left")
    assert checked["ok"].null_count() == 0
    assert set(reads["actor_role"].unique().to_list()) <= {"citizen", "guardian_proxy"}
    # F8: a message is read at most once.
    assert reads["message"].is_unique().all()


def test_alerts_go_only_to_channels_approved_at_that_time_about_a_minute_after_delivery(
    events: pl.DataFrame, result: SimulationResult
) -> None:
    delay = result.scenario.alerts.delay_minutes
    initial = result.population.select(
        "person",
        pl.lit(-1, dtype=pl.Int64).alias("row"),
        pl.col("alert_sms").alias("sms"),
        pl.col("alert_email").alias("email"),
    )
    changes = _of(events, "settings_changed").select(
        "person", "row", pl.col("alert_sms").alias("sms"), pl.col("alert_email").alias("email")
    )
    history = pl.concat([initial, changes]).sort("row")
    alerts = _of(events, "alert_sent").sort("row")
    assert alerts.height > 0
    approved = alerts.join_asof(
        history, on="row", by="person", strategy="backward", check_sortedness=False
    )
    assert approved["sms"].null_count() == 0
    sms = approved.filter(pl.col("channel") == "sms")
    email = approved.filter(pl.col("channel") == "email")
    assert sms.height + email.height == alerts.height
    assert sms["sms"].all()
    assert email["email"].all()
    sent = _of(events, "message_sent").select("message", pl.col("minute").alias("sent"))
    timed = alerts.join(sent, on="message", how="left")
    assert timed["sent"].null_count() == 0
    assert ((timed["minute"] - timed["sent"] - delay).abs() < 1e-3).all()


def test_no_proxy_act_for_protected_families_or_children_from_13(
    events: pl.DataFrame, result: SimulationResult
) -> None:
    people = result.population
    protected = set(people.filter(pl.col("protected"))["person"].to_list())
    births = dict(people.select("person", "birth_date").iter_rows())
    epoch = datetime.combine(result.scenario.start_date, datetime.min.time())
    # A refusal is the attempt, not an act by proxy; it is checked for its reason below.
    proxy = events.filter(
        (pl.col("actor_role") == "guardian_proxy") & (pl.col("event") != "proxy_refused")
    )
    assert proxy.height > 0
    for person, actor, moment in proxy.select("person", "actor", "time").iter_rows():
        assert person not in protected, "R12: proxy for a protected child"
        assert actor not in protected, "R12: proxy by a protected guardian"
        birthday: date = thirteenth_birthday(births[person])
        assert moment < datetime.combine(birthday, datetime.min.time()), "R10/D2: child 13+"
        assert moment >= epoch
    refused = _of(events, "proxy_refused")
    assert set(refused["reason"].unique().to_list()) <= {
        "protected_child",
        "protected_guardian",
        "child_13_or_older",
    }


def test_every_answer_follows_its_case_start(events: pl.DataFrame) -> None:
    # A case starts once: by a citizen (case_started) or by staff (staff_case_opened, R19).
    started = events.filter(pl.col("event").is_in(["case_started", "staff_case_opened"])).select(
        "case", pl.col("minute").alias("started")
    )
    assert started["case"].is_unique().all()
    answered = _of(events, "case_answered").join(started, on="case", how="left")
    assert answered.height > 0
    assert answered["started"].null_count() == 0
    assert (answered["minute"] > answered["started"]).all()
    replied = _of(events, "citizen_replied").join(started, on="case", how="left")
    assert (replied["minute"] > replied["started"]).all()


def test_staff_busy_time_never_exceeds_on_duty_time(events: pl.DataFrame) -> None:
    shifts = events.filter(pl.col("event").is_in(["shift_started", "shift_ended"])).sort("row")
    starts = shifts.filter(pl.col("event") == "shift_started")
    ends = shifts.filter(pl.col("event") == "shift_ended")
    assert starts.height == ends.height > 0
    blocks = (
        starts.select("staff", pl.col("minute").alias("start"), pl.col("row").alias("start_row"))
        .sort("start_row")
        .join_asof(
            ends.select("staff", pl.col("minute").alias("end"), pl.col("row").alias("start_row")),
            on="start_row",
            by="staff",
            strategy="forward",
            check_sortedness=False,  # sorted by row above; polars cannot check within groups
        )
        .with_columns((pl.col("start") // 1440).alias("day"))
    )
    assert blocks["end"].null_count() == 0
    assert (blocks["end"] >= blocks["start"]).all()
    answers = _of(events, "case_answered").with_columns(
        (pl.col("minute") - pl.col("duration_minutes")).alias("busy_from")
    )
    # Each answer's handling lies inside one duty block of that staff member.
    placed = answers.sort("minute").join_asof(
        blocks.sort("start").select("staff", "start", "end", "day"),
        left_on="minute",
        right_on="start",
        by="staff",
        strategy="backward",
        check_sortedness=False,  # sorted by time above; polars cannot check within groups
    )
    assert placed["start"].null_count() == 0
    assert (placed["busy_from"] >= placed["start"] - 1e-3).all()
    assert (placed["minute"] <= placed["end"] + 1e-3).all()
    busy = placed.group_by("staff", "day").agg(pl.col("duration_minutes").sum().alias("busy"))
    on_duty = blocks.group_by("staff", "day").agg(
        (pl.col("end") - pl.col("start")).sum().alias("duty")
    )
    compared = busy.join(on_duty, on=["staff", "day"], how="left")
    assert (compared["busy"] <= compared["duty"] + 1e-3).all()


def _prompts_and_own_changes(events: pl.DataFrame) -> pl.DataFrame:
    """Each R14 prompt with the row of the young person's first own settings change after it."""
    prompted = _of(events, "settings_review_prompted").select("person", "row", "minute")
    changes = (
        _of(events, "settings_changed")
        .filter(pl.col("actor") == pl.col("person"))
        .select("person", pl.col("row").alias("change_row"), pl.col("minute").alias("changed"))
    )
    return prompted.join(changes, on="person", how="left").filter(
        pl.col("change_row").is_null() | (pl.col("change_row") > pl.col("row"))
    )


def test_young_people_who_edit_at_13_replace_guardian_contacts(
    events: pl.DataFrame, result: SimulationResult
) -> None:
    # This run edits at every prompt (settings_edit_after_13_share = 1).
    prompts = _prompts_and_own_changes(events)
    assert prompts["person"].n_unique() >= 2, "too few R14 prompts in the run"
    first_edit = prompts.group_by("person").agg(
        pl.col("change_row").min(), pl.col("changed").min(), pl.col("minute").first()
    )
    assert first_edit["change_row"].null_count() == 0
    assert (first_edit["changed"] == first_edit["minute"]).all()
    guardians = result.guardianships.select(
        pl.col("child").alias("person"),
        pl.col("guardian").alias("recipient"),
        pl.lit(True).alias("g"),
    )
    later_alerts = (
        _of(events, "alert_sent")
        .join(first_edit, on="person")
        .filter(pl.col("row") > pl.col("change_row"))
        .join(guardians, on=["person", "recipient"], how="left")
    )
    # R14: after the edit no alert of the young person's inbox reaches a guardian.
    assert later_alerts["g"].null_count() == later_alerts.height


def test_young_people_who_do_not_edit_keep_guardian_contacts() -> None:
    kept = run_small(
        seed=4,
        **{
            **INVARIANT_RUN,
            "behaviour__settings_edit_after_13_share": 0.0,
            "behaviour__opt_in_nudge_share": 0.0,
        },
    )
    events = kept.events.with_row_index("row").with_columns(
        pl.col("row").cast(pl.Int64), minutes().alias("minute")
    )
    prompts = _prompts_and_own_changes(events)
    assert prompts["person"].n_unique() >= 2, "too few R14 prompts in the run"
    # D4: nothing changes by itself; the guardian-era settings stay.
    assert prompts["change_row"].null_count() == prompts.height


def test_without_activation_at_need_no_account_is_activated_and_needs_go_elsewhere() -> None:
    never = run_small(seed=2, behaviour__activation_at_need_share=0.0)
    always = run_small(seed=2, behaviour__activation_at_need_share=1.0)
    assert never.events.filter(pl.col("event") == "account_activated").height == 0
    assert always.events.filter(pl.col("event") == "account_activated").height > 0
    assert never.needs_elsewhere > always.needs_elsewhere > 0
    # Every case is started in an account that was active, or activated before it (R2).
    active_at_start = set(never.population.filter(pl.col("account_active"))["person"].to_list())
    started = never.events.filter(pl.col("event") == "case_started")["person"].to_list()
    assert started
    assert set(started) <= active_at_start

"""The staff side in a simulated run: staff-initiated cases, forms, attachments both ways,
children acting themselves, and the register changing under the families (issue 13).

The invariants are read off the event log of a small run with high rates of register changes, so
each kind of event happens many times.
"""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest
from simulation_runs import minutes, run_small

from etj_sim.metrics import (
    MetricContext,
    form_completion,
    register_change_refusals,
    staff_case_answers,
)
from etj_sim.simulation.register_changes import ids_outside

CHANGES = {
    "population__protection_granted_per_person_year": 0.05,
    "population__protection_lifted_per_protected_year": 0.5,
    "population__custody_ended_per_child_year": 0.5,
    "behaviour__child_own_login_share": 1.0,
    # Children get an own e-ID from about 8 (docs/sources.md): more of them here than by default.
    "population__bankid_share_by_age__0-12": 0.3,
    "clinics__answer_attachment_share": 0.3,
    "outreach__questions_per_person_per_year": 1.0,
    "duration_days": 60,
}


@pytest.fixture(scope="module")
def events() -> pl.DataFrame:
    return run_small(seed=4, **CHANGES).events.with_columns(minutes().alias("minute"))


def test_staff_open_cases_that_citizens_answer_r19_r20(events: pl.DataFrame) -> None:
    opened = events.filter(pl.col("event") == "staff_case_opened")
    assert opened.height > 50
    assert set(opened["kind"].to_list()) == {"question"}
    first_messages = events.filter(
        (pl.col("event") == "message_sent") & pl.col("case").is_in(opened["case"].implode())
    )
    assert first_messages["kind"].to_list().count("question") == opened.height
    replies = events.filter(
        (pl.col("event") == "citizen_replied") & pl.col("case").is_in(opened["case"].implode())
    )
    assert replies.height > 0
    scenario = run_small(seed=4, **CHANGES).scenario
    shares = staff_case_answers(events.drop("minute"), MetricContext.from_scenario(scenario))
    two, seven = shares["answered_share"].to_list()
    assert 0.0 < two <= seven <= 1.0


def test_staff_act_only_on_their_own_clinic_r17(events: pl.DataFrame) -> None:
    run = run_small(seed=4, **CHANGES)
    staff_clinic = dict(
        zip(run.staff["staff"].to_list(), run.staff["clinic"].to_list(), strict=True)
    )
    staff_rows = events.filter(pl.col("staff").is_not_null() & pl.col("case").is_not_null())
    assert staff_rows.height > 0
    for staff, clinic in staff_rows.select("staff", "clinic").unique().iter_rows():
        assert staff_clinic[staff] == clinic


def test_forms_carry_their_form_and_are_submitted_once_f3(events: pl.DataFrame) -> None:
    forms = events.filter((pl.col("event") == "message_sent") & (pl.col("kind") == "form"))
    submitted = events.filter(pl.col("event") == "form_submitted")
    assert forms["form"].null_count() == 0
    assert submitted.height > 0
    assert submitted["message"].is_unique().all()
    assert submitted["form"].to_list() == forms.join(submitted.select("message"), on="message")[
        "form"
    ].to_list() or set(submitted["form"].to_list()) <= set(forms["form"].to_list())
    # F8: a submitted form counts as read, so each has its message_read at or before it.
    reads = events.filter(pl.col("event") == "message_read").select(
        "message", pl.col("minute").alias("read_minute")
    )
    joined = submitted.join(reads, on="message", how="left")
    assert joined["read_minute"].null_count() == 0
    assert (joined["read_minute"] <= joined["minute"]).all()
    completion = form_completion(
        events.drop("minute"), MetricContext.from_scenario(run_small(seed=4, **CHANGES).scenario)
    )
    assert 0.0 < completion["completion_share"][0] <= 1.0


def test_staff_attachments_go_only_to_the_addressee_f5(events: pl.DataFrame) -> None:
    staff_files = events.filter(
        (pl.col("event") == "attachment_sent") & (pl.col("actor_role") == "staff")
    )
    assert staff_files.height > 0
    sent = events.filter(pl.col("event") == "message_sent").select(
        "message", pl.col("person").alias("addressee")
    )
    joined = staff_files.join(sent, on="message", how="left")
    assert joined["addressee"].null_count() == 0
    assert (joined["person"] == joined["addressee"]).all()
    citizen_files = events.filter(
        (pl.col("event") == "attachment_sent") & (pl.col("actor_role") != "staff")
    )
    assert citizen_files.height > 0


def test_children_under_13_with_an_own_eid_act_themselves_r11() -> None:
    run = run_small(seed=4, **CHANGES)
    born = run.population.select("person", "birth_date")
    started = (
        run.events.filter(pl.col("event") == "case_started")
        .join(born, on="person")
        .with_columns(
            (pl.col("time").dt.date() < pl.col("birth_date").dt.offset_by("13y")).alias("under_13")
        )
        .filter(pl.col("under_13"))
    )
    roles = set(started["actor_role"].to_list())
    assert "guardian_proxy" in roles
    assert "citizen" in roles  # R11: staff can tell the child's own cases apart


def test_no_proxy_act_after_protection_or_custody_ended_r12_d9(events: pl.DataFrame) -> None:
    proxy = events.filter(
        (pl.col("actor_role") == "guardian_proxy") & (pl.col("event") != "proxy_refused")
    ).select("minute", pl.col("person").alias("child"), pl.col("actor").alias("guardian"))
    ended = events.filter(pl.col("event") == "guardianship_ended").select(
        pl.col("minute").alias("ended"),
        pl.col("person").alias("child"),
        pl.col("actor").alias("guardian"),
    )
    assert ended.height > 0
    after_custody = proxy.join(ended, on=["child", "guardian"]).filter(
        pl.col("minute") >= pl.col("ended")
    )
    assert after_custody.height == 0
    changes = (
        events.filter(pl.col("event").is_in(["protection_granted", "protection_lifted"]))
        .select(
            pl.col("minute").alias("changed"),
            pl.col("person"),
            (pl.col("event") == "protection_granted").alias("protected_now"),
        )
        .sort("changed")
    )
    assert changes["protected_now"].sum() > 0
    for side in ("child", "guardian"):
        # The latest protection change of that side at or before each proxy act.
        latest = proxy.sort("minute").join_asof(
            changes.rename({"person": side}),
            left_on="minute",
            right_on="changed",
            by=side,
            strategy="backward",
            check_sortedness=False,  # both sorted by minute above; polars cannot check by group
        )
        assert latest.filter(pl.col("protected_now").fill_null(False)).height == 0, side
    refusals = register_change_refusals(events.drop("minute"))
    assert set(refusals["cause"].to_list()) == {
        "protection_granted_child",
        "protection_granted_guardian",
        "guardianship_ended",
    }


def test_consent_is_recorded_only_from_13_r2(events: pl.DataFrame) -> None:
    run = run_small(seed=4, **CHANGES)
    consent = (
        run.events.filter(pl.col("event") == "consent_recorded")
        .join(run.population.select("person", "birth_date"), on="person")
        .with_columns(pl.col("birth_date").dt.offset_by("13y").alias("thirteenth"))
    )
    assert (consent["time"].dt.date() >= consent["thirteenth"]).all()
    assert consent["person"].is_unique().all()


@pytest.mark.parametrize("seed", range(5))
def test_register_change_draws_pick_what_a_scan_of_the_register_would(seed: int) -> None:
    """The daily draws map ranks to ids through the small excluded set (the protected, the
    ended custodies); a scan of the whole register gives the same ids."""
    generator = np.random.default_rng(seed)
    size = int(generator.integers(1, 500))
    excluded_mask = generator.random(size) < generator.random()
    excluded = np.flatnonzero(excluded_mask)
    kept = np.flatnonzero(~excluded_mask)
    ranks = np.sort(generator.choice(kept.size, size=min(kept.size, 20), replace=False))
    assert ids_outside(excluded, ranks).tolist() == kept[ranks].tolist()

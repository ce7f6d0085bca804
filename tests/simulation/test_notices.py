"""Appointment notices in the simulation (F7, F8): direction of effect over paired replications.

Pipeline position: tests of ``etj_sim.simulation.notices`` (``scenario -> simulate -> event log
-> etj_sim.metrics.notices``). Every comparison runs the two policies with the same seeds (common
random numbers: the same notices, visits, change needs and attendance draws), and compares the
totals over the seeds.
"""

from __future__ import annotations

import polars as pl
from simulation_runs import minutes, run_small

from etj_sim.metrics import MetricContext
from etj_sim.metrics.notices import notice_outcomes
from etj_sim.simulation import SimulationResult

SEEDS = (1, 2, 3)
# More notices than the small base (so that enough visits fall in the run), digital only.
DIGITAL_ONLY: dict[str, object] = {
    "duration_days": 42,
    "outreach__appointment_notices_per_person_per_year": 6.0,
    "outreach__digital_notice_share": 0.9,
    "notices__without_account": "hold",
}
FALLBACK_48H = {**DIGITAL_ONLY, "notices__fallback_after_hours": 48.0}
FALLBACK_96H = {**DIGITAL_ONLY, "notices__fallback_after_hours": 96.0}
COMPLEMENT = {
    **DIGITAL_ONLY,
    "notices__paper_complement_groups": [
        "no_account",
        "no_alerts",
        "age_13_17",
        "samordningsnummer",
    ],
}


def outcomes(result: SimulationResult) -> dict[str, object]:
    return notice_outcomes(result.events, MetricContext.from_scenario(result.scenario)).row(
        0, named=True
    )


def total(column: str, overrides: dict[str, object]) -> float:
    return sum(float(outcomes(run_small(seed, **overrides))[column]) for seed in SEEDS)  # type: ignore[arg-type]


def test_fallback_gives_fewer_missed_visits_and_more_letters_than_digital_only() -> None:
    assert total("paper_letters", FALLBACK_48H) > total("paper_letters", DIGITAL_ONLY)
    assert total("paper_fallback_letters", DIGITAL_ONLY) == 0
    assert total("visits_missed", FALLBACK_48H) < total("visits_missed", DIGITAL_ONLY)
    assert total("notice_cost_sek", FALLBACK_48H) > total("notice_cost_sek", DIGITAL_ONLY)


def test_a_longer_fallback_window_sends_fewer_letters() -> None:
    assert total("paper_fallback_letters", FALLBACK_96H) < total(
        "paper_fallback_letters", FALLBACK_48H
    )


def _notice_rows(result: SimulationResult) -> pl.DataFrame:
    return result.events.with_columns(minutes().alias("minute")).filter(
        pl.col("appointment").is_not_null()
    )


def test_no_fallback_letter_for_a_notice_read_in_time() -> None:
    for seed in SEEDS:
        rows = _notice_rows(run_small(seed, **FALLBACK_48H))
        # Per appointment: when its notice went out (held or delivered) and its message.
        sent = (
            rows.filter(pl.col("event").is_in(["message_sent", "notice_held"]))
            .group_by("appointment")
            .agg(pl.col("minute").min().alias("sent"), pl.col("message").drop_nulls().first())
        )
        first_read = (
            run_small(seed, **FALLBACK_48H)
            .events.filter(pl.col("event") == "message_read")
            .with_columns(minutes().alias("minute"))
            .group_by("message")
            .agg(pl.col("minute").min().alias("read"))
        )
        fallback = rows.filter(
            (pl.col("event") == "paper_sent") & (pl.col("reason") == "fallback")
        ).select("appointment", pl.col("minute").alias("posted"))
        joined = (
            sent.join(fallback, on="appointment", how="left")
            .join(first_read, on="message", how="left")
            .with_columns(read_in_time=pl.col("read") <= pl.col("sent") + 48 * 60)
        )
        assert fallback.height > 0
        # Read within 48 hours: never a fallback letter; a fallback letter: unread when posted.
        assert joined.filter(pl.col("read_in_time") & pl.col("posted").is_not_null()).height == 0
        letters = joined.filter(pl.col("posted").is_not_null())
        assert letters.filter(pl.col("read") < pl.col("posted")).height == 0
        assert (letters["posted"] - letters["sent"]).min() >= 48 * 60 - 1e-6


def test_the_paper_complement_groups_get_paper() -> None:
    for seed in SEEDS:
        result = run_small(seed, **COMPLEMENT)
        rows = _notice_rows(result)
        complement = set(
            rows.filter((pl.col("event") == "paper_sent") & (pl.col("reason") == "complement"))[
                "appointment"
            ].to_list()
        )
        held = set(rows.filter(pl.col("event") == "notice_held")["appointment"].to_list())
        assert held
        assert held <= complement  # no account: always paper beside the held notice
        coordinated = result.population.filter(pl.col("number_kind") == "samordningsnummer")[
            "person"
        ]
        digital = rows.filter(
            (pl.col("event") == "message_sent") & pl.col("person").is_in(coordinated.implode())
        )["appointment"].to_list()
        assert digital
        # A samordningsnummer holder gets the complement unless they chose "no letters".
        assert len(set(digital) - complement) <= len(digital) * 0.2
        without = run_small(seed, **DIGITAL_ONLY)
        assert outcomes(without)["paper_letters"] < outcomes(result)["paper_letters"]  # type: ignore[operator]


def test_no_letters_is_honoured_for_fallback_letters_and_overridden_for_policy_letters() -> None:
    everyone = {**FALLBACK_48H, "notices__no_letters_share": 1.0}
    for seed in SEEDS:
        result = run_small(seed, **everyone)
        initially_active = result.population.filter(pl.col("account_active"))["person"]
        paper = _notice_rows(result).filter(pl.col("event") == "paper_sent")
        repeats = paper.filter(pl.col("reason").is_in(["fallback", "complement"]))
        # Every account active at the start chose "no letters": no fallback letter reaches one.
        assert repeats.filter(pl.col("person").is_in(initially_active.implode())).height == 0
        assert repeats.height > 0  # accounts opened during the run, and notices still held
        policy = paper.filter(pl.col("reason") == "policy")
        assert policy.filter(pl.col("person").is_in(initially_active.implode())).height > 0


def test_rebooking_from_the_notice_saves_calls_and_visits_are_recorded_once() -> None:
    result = run_small(1, **FALLBACK_48H)
    row = outcomes(result)
    assert row["rebooked_digitally"] > 0  # type: ignore[operator]
    assert row["rebooking_calls"] > 0  # type: ignore[operator]
    visits = result.events.filter(pl.col("event").is_in(["visit_attended", "visit_missed"]))
    assert visits["appointment"].n_unique() == visits.height
    cancelled = set(
        result.events.filter(pl.col("event") == "appointment_cancelled")["appointment"].to_list()
    )
    assert cancelled.isdisjoint(visits["appointment"].to_list())

"""The staff side of the service, measured: forms, staff-initiated cases, register changes.

Pipeline position: ``event log -> metrics (this module) -> report / notebooks``. Frame in, frame
out, reading only the event log (``etj_sim.events.EVENT_LOG_SCHEMA``):

- :func:`form_completion` (F3): forms sent (``message_sent`` of kind form, with the form id),
  the share submitted within ``within_days`` of delivery (right-censored: only forms delivered
  at least that long before the end count) and the median hours from delivery to submission.
- :func:`staff_case_answers` (R19, R20, F4): cases staff opened with "Skicka ärende"
  (``staff_case_opened``) and the share the citizen's side answered (a ``citizen_replied`` or a
  ``form_submitted`` in the case) within each of ``within_days`` (2 and 7 by default), each over
  the cases opened at least that long before the end.
- :func:`register_change_refusals` (R10, R12, D9): proxy refusals caused by a change in the
  register during the run: a protection granted to the child (or the guardian) before the
  refusal, or a guardianship ended before the guardian was refused as not a guardian.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

import polars as pl

from etj_sim.metrics.context import MetricContext, check_event_log

__all__ = ["form_completion", "register_change_refusals", "staff_case_answers"]


def form_completion(
    events: pl.DataFrame, context: MetricContext, *, within_days: float = 14
) -> pl.DataFrame:
    """F3: one row per form id: ``forms_sent``, ``forms_counted`` (delivered at least
    ``within_days`` before the end), ``submitted_within``, ``completion_share`` (of the counted)
    and ``median_hours_to_submit`` (of every submitted form)."""
    check_event_log(events)
    window = timedelta(days=within_days)
    sent = (
        events.lazy()
        .filter((pl.col("event") == "message_sent") & (pl.col("kind") == "form"))
        .select("message", "form", pl.col("time").alias("sent_time"))
    )
    submitted = (
        events.lazy()
        .filter(pl.col("event") == "form_submitted")
        .select("message", pl.col("time").alias("submitted_time"))
    )
    joined = sent.join(submitted, on="message", how="left").with_columns(
        ((pl.col("submitted_time") - pl.col("sent_time")).dt.total_minutes() / 60.0).alias("hours"),
        (pl.col("sent_time") <= pl.lit(context.end - window)).alias("counted"),
    )
    return (
        joined.group_by("form")
        .agg(
            pl.len().cast(pl.Int64).alias("forms_sent"),
            pl.col("counted").sum().cast(pl.Int64).alias("forms_counted"),
            (pl.col("counted") & (pl.col("hours") <= within_days * 24.0))
            .sum()
            .cast(pl.Int64)
            .alias("submitted_within"),
            pl.col("hours").median().alias("median_hours_to_submit"),
        )
        .with_columns(
            pl.when(pl.col("forms_counted") > 0)
            .then(pl.col("submitted_within") / pl.col("forms_counted"))
            .otherwise(None)
            .cast(pl.Float64)
            .alias("completion_share")
        )
        .sort("form")
        .collect()
    )


def staff_case_answers(
    events: pl.DataFrame, context: MetricContext, *, within_days: Sequence[float] = (2, 7)
) -> pl.DataFrame:
    """R19, R20, F4: one row per window: ``within_days``, ``cases_opened`` (by staff, at least
    that long before the end), ``answered`` (the citizen's first turn within the window) and
    ``answered_share``."""
    check_event_log(events)
    opened = (
        events.lazy()
        .filter(pl.col("event") == "staff_case_opened")
        .select("case", pl.col("time").alias("opened_time"))
    )
    first_turn = (
        events.lazy()
        .filter(
            pl.col("event").is_in(["citizen_replied", "form_submitted"])
            & pl.col("case").is_not_null()
        )
        .group_by("case")
        .agg(pl.col("time").min().alias("answered_time"))
    )
    cases = (
        opened.join(first_turn, on="case", how="left")
        .with_columns(
            ((pl.col("answered_time") - pl.col("opened_time")).dt.total_minutes() / 60.0).alias(
                "hours"
            )
        )
        .collect()
    )
    rows = []
    for days in within_days:
        counted = cases.filter(pl.col("opened_time") <= context.end - timedelta(days=days))
        answered = counted.filter(pl.col("hours") <= days * 24.0).height
        rows.append(
            {
                "within_days": float(days),
                "cases_opened": counted.height,
                "answered": answered,
                "answered_share": answered / counted.height if counted.height else None,
            }
        )
    return pl.DataFrame(
        rows,
        schema={
            "within_days": pl.Float64,
            "cases_opened": pl.Int64,
            "answered": pl.Int64,
            "answered_share": pl.Float64,
        },
    )


def register_change_refusals(events: pl.DataFrame) -> pl.DataFrame:
    """R10, R12, D9: proxy refusals caused by a register change, by ``cause``
    (``protection_granted_child``, ``protection_granted_guardian``, ``guardianship_ended``),
    with ``refusals`` and ``families`` (distinct children)."""
    check_event_log(events)
    lazy = events.lazy()
    refusals = lazy.filter(pl.col("event") == "proxy_refused").select(
        "time", pl.col("person").alias("child"), pl.col("actor").alias("guardian"), "reason"
    )
    granted = (
        lazy.filter(pl.col("event") == "protection_granted")
        .group_by("person")
        .agg(pl.col("time").min().alias("granted_time"))
    )
    ended = (
        lazy.filter(pl.col("event") == "guardianship_ended")
        .group_by("person", "actor")
        .agg(pl.col("time").min().alias("ended_time"))
        .rename({"person": "child", "actor": "guardian"})
    )
    by_child = (
        refusals.filter(pl.col("reason") == "protected_child")
        .join(granted.rename({"person": "child"}), on="child", how="inner")
        .filter(pl.col("granted_time") <= pl.col("time"))
        .select("child", pl.lit("protection_granted_child").alias("cause"))
    )
    by_guardian = (
        refusals.filter(pl.col("reason") == "protected_guardian")
        .join(granted.rename({"person": "guardian"}), on="guardian", how="inner")
        .filter(pl.col("granted_time") <= pl.col("time"))
        .select("child", pl.lit("protection_granted_guardian").alias("cause"))
    )
    by_custody = (
        refusals.filter(pl.col("reason") == "not_guardian")
        .join(ended, on=["child", "guardian"], how="inner")
        .filter(pl.col("ended_time") <= pl.col("time"))
        .select("child", pl.lit("guardianship_ended").alias("cause"))
    )
    causes = pl.DataFrame(
        {"cause": ["protection_granted_child", "protection_granted_guardian", "guardianship_ended"]}
    )
    counted = (
        pl.concat([by_child, by_guardian, by_custody])
        .group_by("cause")
        .agg(
            pl.len().cast(pl.Int64).alias("refusals"),
            pl.col("child").n_unique().cast(pl.Int64).alias("families"),
        )
        .collect()
    )
    return causes.join(counted, on="cause", how="left").with_columns(
        pl.col("refusals").fill_null(0), pl.col("families").fill_null(0)
    )

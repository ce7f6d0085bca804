"""Staff workload (P4): busy and on-duty minutes, utilisation, cases handled per staff member.

Pipeline position: ``event log (+ optional roster) -> workload frames``. Staff ids, clinics and
shifts come from the log (``shift_started``/``shift_ended`` carry staff and clinic); a roster frame
(``staff``, ``clinic``, ``role``, see ``ROSTER_SCHEMA``) adds roles and, for a log without shift
rows, on-duty time from the clinics' opening hours in the :class:`MetricContext`. Response time
and backlog are in ``etj_sim.metrics.cases``.

Definitions:

- **Busy minutes** are the ``duration_minutes`` of ``case_answered`` rows (handling time), counted
  in the hour, day and weekday of the answer.
- **On-duty minutes** run from ``shift_started`` to the staff member's next ``shift_ended`` (or to
  the end of the run if it never comes), split over the clock hours they cover.
- **Utilisation** is busy minutes over on-duty minutes (null without on-duty time).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import Final

import polars as pl

from etj_sim.metrics.context import (
    MetricContext,
    check_event_log,
    check_roster,
)

__all__ = [
    "STAFF_TIME_GROUPS",
    "UNKNOWN_ROLE",
    "shifts",
    "staff_daily_handling",
    "staff_roster",
    "staff_time",
]

STAFF_TIME_GROUPS: Final = ("staff", "clinic", "role", "date", "weekday", "hour")
"""Columns :func:`staff_time` can group by; ``weekday`` is 0 for Monday, ``hour`` 0-23."""

UNKNOWN_ROLE: Final = "unknown"
_STAFF_EVENTS: Final = ("shift_started", "shift_ended", "case_assigned", "case_answered")
"""Events that name a staff member and, with it, the clinic they work at."""


def staff_roster(events: pl.DataFrame, roster: pl.DataFrame | None = None) -> pl.DataFrame:
    """Every staff member seen in the log or the roster, with clinic and role.

    The roster's clinic and role win; staff only in the log get the clinic of their first row that
    names one and role ``unknown``. Columns: ``staff``, ``clinic``, ``role``.
    """
    check_event_log(events)
    listed = check_roster(roster)
    seen = (
        events.lazy()
        .filter(pl.col("event").is_in(_STAFF_EVENTS) & pl.col("staff").is_not_null())
        .group_by("staff")
        .agg(pl.col("clinic").drop_nulls().first())
        .collect()
    )
    if listed is None:
        return seen.with_columns(pl.lit(UNKNOWN_ROLE).alias("role")).sort("staff")
    return (
        listed.join(seen, on="staff", how="full", coalesce=True, suffix="_log")
        .select(
            "staff",
            pl.col("clinic").fill_null(pl.col("clinic_log")),
            pl.col("role").fill_null(UNKNOWN_ROLE),
        )
        .sort("staff")
    )


def shifts(
    events: pl.DataFrame, context: MetricContext, roster: pl.DataFrame | None = None
) -> pl.DataFrame:
    """On-duty periods: ``staff``, ``clinic``, ``role``, ``shift_start``, ``shift_end``.

    From the log's shift rows, clipped to the run. A log without shift rows and a roster gives each
    rostered staff member the clinics' opening hours on every open weekday of the run.
    """
    staff = staff_roster(events, roster)
    rows = (
        events.lazy()
        .filter(pl.col("event").is_in(["shift_started", "shift_ended"]))
        .select("staff", "clinic", "time", "event")
        .with_row_index("order")
        .sort("staff", "time", "order")
        .with_columns(
            pl.col("event").shift(-1).over("staff").alias("next_event"),
            pl.col("time").shift(-1).over("staff").alias("next_time"),
        )
        .filter(pl.col("event") == "shift_started")
        .select(
            "staff",
            pl.col("time").clip(lower_bound=pl.lit(context.start)).alias("shift_start"),
            pl.when(pl.col("next_event") == "shift_ended")
            .then(pl.col("next_time"))
            .otherwise(pl.lit(context.end))
            .clip(upper_bound=pl.lit(context.end))
            .alias("shift_end"),
        )
        .filter(pl.col("shift_end") > pl.col("shift_start"))
        .collect()
    )
    if rows.is_empty() and roster is not None:
        rows = _opening_hour_shifts(staff, context)
    return rows.join(staff, on="staff", how="left").select(
        "staff", "clinic", "role", "shift_start", "shift_end"
    )


def _opening_hour_shifts(staff: pl.DataFrame, context: MetricContext) -> pl.DataFrame:
    days = pl.DataFrame(context.days).filter(
        (pl.col("date").dt.weekday() - 1).is_in(list(context.open_weekdays))
    )
    opening = timedelta(hours=context.shift_start_hour)
    closing = timedelta(hours=context.shift_end_hour)
    return (
        staff.select("staff")
        .join(days, how="cross")
        .select(
            "staff",
            (pl.col("date").cast(pl.Datetime("ms")) + opening)
            .clip(lower_bound=pl.lit(context.start))
            .alias("shift_start"),
            (pl.col("date").cast(pl.Datetime("ms")) + closing)
            .clip(upper_bound=pl.lit(context.end))
            .alias("shift_end"),
        )
        .filter(pl.col("shift_end") > pl.col("shift_start"))
    )


def _time_columns(time: pl.Expr) -> list[pl.Expr]:
    return [
        time.dt.date().alias("date"),
        (time.dt.weekday() - 1).cast(pl.Int8).alias("weekday"),
        time.dt.hour().cast(pl.Int8).alias("hour"),
    ]


def staff_time(
    events: pl.DataFrame,
    context: MetricContext,
    roster: pl.DataFrame | None = None,
    *,
    by: Sequence[str] = ("clinic",),
) -> pl.DataFrame:
    """Busy and on-duty minutes and utilisation (P4), grouped by any of ``STAFF_TIME_GROUPS``.

    Columns: the ``by`` columns, ``busy_minutes``, ``on_duty_minutes``, ``utilisation``. With
    ``by=()`` one row of totals for the run.
    """
    groups = list(by)
    unknown = [name for name in groups if name not in STAFF_TIME_GROUPS]
    if unknown:
        raise ValueError(f"by: unknown column(s) {unknown}; choose from {list(STAFF_TIME_GROUPS)}")
    staff = staff_roster(events, roster)
    busy = (
        events.lazy()
        .filter((pl.col("event") == "case_answered") & (pl.col("time") < pl.lit(context.end)))
        .select("staff", "time", pl.col("duration_minutes").fill_null(0).cast(pl.Float64))
        .join(staff.lazy(), on="staff", how="left")
        .with_columns(*_time_columns(pl.col("time")))
        .group_by(groups or pl.lit(0).alias("_all"))
        .agg(pl.col("duration_minutes").sum().alias("busy_minutes"))
    )
    duty = shifts(events, context, roster).lazy()
    if {"date", "weekday", "hour"} & set(groups):
        hour = pl.col("hour_start")
        duty = (
            duty.with_columns(
                pl.datetime_ranges(
                    pl.col("shift_start").dt.truncate("1h"),
                    pl.col("shift_end"),
                    "1h",
                    closed="left",
                ).alias("hour_start")
            )
            .explode("hour_start")
            .with_columns(
                pl.min_horizontal(hour + timedelta(hours=1), pl.col("shift_end"))
                .sub(pl.max_horizontal(hour, pl.col("shift_start")))
                .alias("overlap"),
                *_time_columns(hour),
            )
        )
        minutes = pl.col("overlap").dt.total_minutes(fractional=True)
    else:
        minutes = (pl.col("shift_end") - pl.col("shift_start")).dt.total_minutes(fractional=True)
    on_duty = duty.group_by(groups or pl.lit(0).alias("_all")).agg(
        minutes.sum().cast(pl.Float64).alias("on_duty_minutes")
    )
    keys = groups or ["_all"]
    joined = busy.join(on_duty, on=keys, how="full", coalesce=True, nulls_equal=True)
    result = (
        joined.with_columns(pl.col("busy_minutes", "on_duty_minutes").fill_null(0.0))
        .with_columns(
            (pl.col("busy_minutes") / pl.col("on_duty_minutes").replace(0.0, None)).alias(
                "utilisation"
            )
        )
        .collect()
    )
    if not groups:
        totals = result.select(
            pl.col("busy_minutes").sum(), pl.col("on_duty_minutes").sum()
        ).with_columns(
            (pl.col("busy_minutes") / pl.col("on_duty_minutes").replace(0.0, None)).alias(
                "utilisation"
            )
        )
        return totals
    return result.sort(groups, nulls_last=True)


def staff_daily_handling(
    events: pl.DataFrame, context: MetricContext, roster: pl.DataFrame | None = None
) -> pl.DataFrame:
    """Cases and messages handled per staff member and day (P4).

    Columns: ``staff``, ``clinic``, ``role``, ``date``, ``cases_handled`` (distinct cases answered),
    ``answers`` (``case_answered`` rows), ``messages_sent`` (``message_sent`` rows naming the
    staff member: replies and staff-initiated messages), ``busy_minutes``.
    """
    staff = staff_roster(events, roster)
    in_run = (pl.col("time") < pl.lit(context.end)) & pl.col("staff").is_not_null()
    keys = ("staff", pl.col("time").dt.date().alias("date"))
    answers = (
        events.lazy()
        .filter((pl.col("event") == "case_answered") & in_run)
        .group_by(*keys)
        .agg(
            pl.col("case").n_unique().cast(pl.Int64).alias("cases_handled"),
            pl.len().cast(pl.Int64).alias("answers"),
            pl.col("duration_minutes").fill_null(0).sum().cast(pl.Float64).alias("busy_minutes"),
        )
    )
    messages = (
        events.lazy()
        .filter((pl.col("event") == "message_sent") & in_run)
        .group_by(*keys)
        .agg(pl.len().cast(pl.Int64).alias("messages_sent"))
    )
    handled = (
        answers.join(messages, on=["staff", "date"], how="full", coalesce=True)
        .with_columns(
            pl.col("cases_handled", "answers", "messages_sent").fill_null(0),
            pl.col("busy_minutes").fill_null(0.0),
        )
        .collect()
    )
    return (
        handled.join(staff, on="staff", how="left")
        .select(
            "staff",
            "clinic",
            "role",
            "date",
            "cases_handled",
            "answers",
            "messages_sent",
            "busy_minutes",
        )
        .sort("staff", "date")
    )

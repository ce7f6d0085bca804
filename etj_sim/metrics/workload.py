"""Staff workload and response (P2, P4): busy minutes, utilisation, backlog and response time.

Pipeline position: ``event log (+ optional roster) -> workload frames``. Staff ids, clinics and
shifts come from the log (``shift_started``/``shift_ended`` carry staff and clinic); a roster frame
(``staff``, ``clinic``, ``role``, see ``ROSTER_SCHEMA``) adds roles and, for a log without shift
rows, on-duty time from the clinics' opening hours in the :class:`MetricContext`.

Definitions:

- **Busy minutes** are the ``duration_minutes`` of ``case_answered`` rows (handling time), counted
  in the hour, day and weekday of the answer.
- **On-duty minutes** run from ``shift_started`` to the staff member's next ``shift_ended`` (or to
  the end of the run if it never comes), split over the clock hours they cover.
- **Utilisation** is busy minutes over on-duty minutes (null without on-duty time).
- **Response time** (P2) runs from ``case_started`` to the case's first ``case_answered``. The
  share answered within ``within_hours`` (inclusive; default 48 hours, a two-working-day service
  level) counts only cases started at least ``within_hours`` before the end of the run
  (right-censoring); unanswered eligible cases count as not within. Quantiles are over answered
  cases.
- **Backlog** at a moment is cases started and not yet answered; the **queue** is the part of it
  no staff member has taken yet (neither assigned nor answered).
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
    "DEFAULT_WITHIN_HOURS",
    "STAFF_TIME_GROUPS",
    "backlog_over_time",
    "case_responses",
    "response_time_distribution",
    "response_times",
    "shifts",
    "staff_daily_handling",
    "staff_roster",
    "staff_time",
]

DEFAULT_WITHIN_HOURS: Final = 48.0
"""Service level for P2: answered within two days of the case start."""

STAFF_TIME_GROUPS: Final = ("staff", "clinic", "role", "date", "weekday", "hour")
"""Columns :func:`staff_time` can group by; ``weekday`` is 0 for Monday, ``hour`` 0-23."""

UNKNOWN_ROLE: Final = "unknown"
_STAFF_EVENTS: Final = ("shift_started", "shift_ended", "case_assigned", "case_answered")
"""Events that name a staff member and, with it, the clinic they work at."""
_RESPONSE_QUANTILES: Final = (0.5, 0.9, 0.95)


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


def case_responses(events: pl.DataFrame, context: MetricContext) -> pl.DataFrame:
    """One row per case started in the run, with its first staff answer (P2).

    Columns: ``case``, ``clinic``, ``kind``, ``person``, ``started_by`` (``actor_role``: citizen or
    guardian_proxy, R11), ``start_time``, ``first_answer_time``, ``first_assigned_time``,
    ``response_hours`` (null if not answered).
    """
    check_event_log(events)
    lazy = events.lazy().filter(pl.col("case").is_not_null())
    started = lazy.filter(pl.col("event") == "case_started").select(
        "case",
        "clinic",
        "kind",
        "person",
        pl.col("actor_role").alias("started_by"),
        pl.col("time").alias("start_time"),
    )

    def first(event: str, name: str) -> pl.LazyFrame:
        return (
            lazy.filter(pl.col("event") == event)
            .group_by("case")
            .agg(pl.col("time").min().alias(name))
        )

    return (
        started.join(first("case_answered", "answer"), on="case", how="left")
        .join(first("case_assigned", "assigned"), on="case", how="left")
        .select(
            "case",
            "clinic",
            "kind",
            "person",
            "started_by",
            "start_time",
            pl.col("answer").alias("first_answer_time"),
            pl.col("assigned").alias("first_assigned_time"),
            (pl.col("answer") - pl.col("start_time"))
            .dt.total_hours(fractional=True)
            .alias("response_hours"),
        )
        .sort("start_time", "case")
        .collect()
    )


def response_times(
    responses: pl.DataFrame,
    context: MetricContext,
    *,
    within_hours: float = DEFAULT_WITHIN_HOURS,
    by: Sequence[str] = (),
) -> pl.DataFrame:
    """Response time from case start to first answer (P2), per ``clinic`` and/or ``kind``.

    ``responses`` is :func:`case_responses`. Columns: the ``by`` columns, ``cases_started``,
    ``cases_answered``, ``cases_eligible`` (started at least ``within_hours`` before the end),
    ``answered_within`` (eligible, answered within ``within_hours``, inclusive),
    ``share_within``, and ``response_hours_p50``/``p90``/``p95`` over answered cases.
    """
    groups = list(by)
    unknown = [name for name in groups if name not in ("clinic", "kind", "started_by")]
    if unknown:
        raise ValueError(f"by: unknown column(s) {unknown}; choose from clinic, kind, started_by")
    if within_hours < 0:
        raise ValueError(f"within_hours must be 0 or more, got {within_hours}")
    eligible = pl.col("start_time") <= pl.lit(context.end - timedelta(hours=within_hours))
    # Compare durations, not float hours, so that exactly ``within_hours`` is inside.
    within = (
        pl.col("first_answer_time") - pl.col("start_time") <= pl.lit(timedelta(hours=within_hours))
    ).fill_null(False)
    aggregations = [
        pl.len().cast(pl.Int64).alias("cases_started"),
        pl.col("response_hours").is_not_null().sum().cast(pl.Int64).alias("cases_answered"),
        eligible.sum().cast(pl.Int64).alias("cases_eligible"),
        (eligible & within).sum().cast(pl.Int64).alias("answered_within"),
        *(
            pl.col("response_hours")
            .quantile(quantile, "linear")
            .alias(f"response_hours_p{round(quantile * 100)}")
            for quantile in _RESPONSE_QUANTILES
        ),
    ]
    result = (
        responses.group_by(groups).agg(aggregations).sort(groups)
        if groups
        else responses.select(aggregations)
    )
    return result.with_columns(
        (pl.col("answered_within") / pl.col("cases_eligible").replace(0, None)).alias(
            "share_within"
        )
    )


def response_time_distribution(
    responses: pl.DataFrame, *, bin_hours: float = 4.0, max_hours: float = 168.0
) -> pl.DataFrame:
    """Answered cases by response time in bins of ``bin_hours``; the last bin is open-ended.

    Columns: ``bin_start_hours``, ``bin_end_hours`` (null for the open last bin), ``cases``,
    ``share`` of answered cases. At most ``max_hours / bin_hours + 1`` rows, every bin present.
    """
    if bin_hours <= 0 or max_hours < bin_hours:
        raise ValueError(
            f"bin_hours ({bin_hours}) must be positive and at most max_hours ({max_hours})"
        )
    bins = int(max_hours // bin_hours)
    counts = (
        responses.filter(pl.col("response_hours").is_not_null())
        .select(
            # Integer milliseconds, so a response of exactly a bin edge opens the next bin.
            (
                (pl.col("first_answer_time") - pl.col("start_time")).dt.total_milliseconds()
                // round(bin_hours * 3_600_000)
            )
            .clip(upper_bound=bins)
            .cast(pl.Int64)
            .alias("bin")
        )
        .group_by("bin")
        .agg(pl.len().cast(pl.Int64).alias("cases"))
    )
    return (
        pl.DataFrame({"bin": pl.int_range(0, bins + 1, eager=True).cast(pl.Int64)})
        .join(counts, on="bin", how="left")
        .select(
            (pl.col("bin") * bin_hours).cast(pl.Float64).alias("bin_start_hours"),
            pl.when(pl.col("bin") < bins)
            .then((pl.col("bin") + 1) * bin_hours)
            .cast(pl.Float64)
            .alias("bin_end_hours"),
            pl.col("cases").fill_null(0),
        )
        .with_columns((pl.col("cases") / pl.col("cases").sum().replace(0, None)).alias("share"))
    )


def backlog_over_time(
    responses: pl.DataFrame,
    context: MetricContext,
    *,
    every: str = "1d",
    by_clinic: bool = False,
) -> pl.DataFrame:
    """Backlog and queue at the end of each period of the run (P4).

    ``responses`` is :func:`case_responses`; ``every`` a polars duration (``"1d"``, ``"1h"``).
    Columns: ``period_start``, (``clinic``), ``cases_started`` and ``cases_answered`` (first
    answers) in the period, ``backlog`` (started and not answered at the period's end) and
    ``queue`` (of those, not yet taken by anyone). Every period is present.
    """
    keys = ["clinic"] if by_clinic else []
    taken = pl.min_horizontal("first_answer_time", "first_assigned_time")
    window = (pl.col("moment") >= pl.lit(context.start)) & (pl.col("moment") < pl.lit(context.end))
    moves = pl.concat(
        [
            responses.lazy().select(
                *keys,
                pl.col("start_time").alias("moment"),
                pl.lit(1).alias("started"),
                pl.lit(0).alias("answered"),
                pl.lit(0).alias("taken"),
            ),
            responses.lazy().select(
                *keys,
                pl.col("first_answer_time").alias("moment"),
                pl.lit(0).alias("started"),
                pl.lit(1).alias("answered"),
                pl.lit(0).alias("taken"),
            ),
            responses.lazy().select(
                *keys,
                taken.alias("moment"),
                pl.lit(0).alias("started"),
                pl.lit(0).alias("answered"),
                pl.lit(1).alias("taken"),
            ),
        ]
    ).filter(pl.col("moment").is_not_null() & window)
    periods = pl.datetime_range(
        context.start, context.end, every, closed="left", time_unit="ms", eager=True
    ).alias("period_start")
    per_period = (
        moves.with_columns(
            pl.col("moment").dt.truncate(every).clip(lower_bound=pl.lit(context.start))
        )
        .group_by(*keys, pl.col("moment").alias("period_start"))
        .agg(pl.col("started", "answered", "taken").sum().cast(pl.Int64))
    )
    grid = pl.LazyFrame(periods)
    if keys:
        clinics = responses.lazy().select(pl.col("clinic").unique())
        grid = grid.join(clinics, how="cross")
    return (
        grid.join(per_period, on=[*keys, "period_start"], how="left", nulls_equal=True)
        .with_columns(pl.col("started", "answered", "taken").fill_null(0))
        .sort(*keys, "period_start", nulls_last=True)
        .with_columns(
            _running(pl.col("started") - pl.col("answered"), keys).alias("backlog"),
            _running(pl.col("started") - pl.col("taken"), keys).alias("queue"),
        )
        .select(
            "period_start",
            *keys,
            pl.col("started").alias("cases_started"),
            pl.col("answered").alias("cases_answered"),
            "backlog",
            "queue",
        )
        .collect()
    )


def _running(change: pl.Expr, keys: list[str]) -> pl.Expr:
    total = change.cum_sum()
    return total.over(keys) if keys else total

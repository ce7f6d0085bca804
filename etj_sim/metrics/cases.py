"""Cases (P2, P4): response time from case start to first answer, backlog and queue.

Pipeline position: ``event log -> case_responses (one row per case) -> response and backlog
frames``. Every function here aggregates :func:`case_responses`, so response figures and the
backlog share one definition of "first answer".

Definitions:

- **Response time** (P2) runs from ``case_started`` to the case's first ``case_answered``. The
  share answered within ``within_hours`` (inclusive; default 48 hours, a two-working-day service
  level) counts only cases started at least ``within_hours`` before the end of the run
  (right-censoring); unanswered eligible cases count as not within. Quantiles are over answered
  cases.
- **Backlog** at a moment is cases started and not yet answered; the **queue** is the part of it
  no staff member has taken yet (neither assigned nor answered).
- **Mean open cases over the last full week**: the backlog at the end of each hour of the run's
  last seven days, averaged. Seven whole days hold each weekday once, so the figure does not
  depend on the weekday the run ends (the backlog at the very end does: a Sunday night's is a
  weekend's worth of unanswered cases).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import Final

import polars as pl

from etj_sim.metrics.context import MetricContext, attach_by_id, check_event_log

__all__ = [
    "DEFAULT_WITHIN_HOURS",
    "backlog_over_time",
    "case_responses",
    "mean_open_cases",
    "response_time_distribution",
    "response_times",
]

DEFAULT_WITHIN_HOURS: Final = 48.0
"""Service level for P2: answered within two days of the case start."""

_RESPONSE_QUANTILES: Final = (0.5, 0.9, 0.95)


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

    started_frame, answers, assignments = pl.collect_all(
        [started, first("case_answered", "answer"), first("case_assigned", "assigned")]
    )
    return (
        attach_by_id(attach_by_id(started_frame, answers, "case"), assignments, "case")
        .lazy()
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


def mean_open_cases(
    responses: pl.DataFrame, context: MetricContext, *, days: int = 7
) -> pl.DataFrame:
    """Mean backlog (cases started, not yet answered) over the run's last ``days`` full days.

    The backlog is taken at the end of every hour of those days (of the whole run when it is
    shorter). One row; columns ``window_start``, ``window_end``, ``hours`` and
    ``mean_open_cases``.
    """
    if days < 1:
        raise ValueError(f"days must be at least 1, got {days}")
    window_start = max(context.start, context.end - timedelta(days=days))
    hourly = backlog_over_time(responses, context, every="1h").filter(
        pl.col("period_start") >= pl.lit(window_start)
    )
    return pl.DataFrame(
        {
            "window_start": pl.Series([window_start], dtype=pl.Datetime("ms")),
            "window_end": pl.Series([context.end], dtype=pl.Datetime("ms")),
            "hours": pl.Series([hourly.height], dtype=pl.Int64),
            "mean_open_cases": pl.Series(
                [hourly["backlog"].mean() if hourly.height else None], dtype=pl.Float64
            ),
        }
    )


def _running(change: pl.Expr, keys: list[str]) -> pl.Expr:
    total = change.cum_sum()
    return total.over(keys) if keys else total

"""Warm-up detection: how long a run takes to leave its empty start, by MSER-5.

Pipeline position: ``event log -> daily backlog and unread series -> MSER-5 -> recommended
warm-up``, which a scenario then sets as ``warmup_days`` (the run still simulates that period;
:func:`~etj_sim.metrics.prepare` leaves it out of every metric). Each run starts with empty staff
queues and empty inboxes, so the backlog of unanswered cases and the stock of unread messages
climb before they settle.

MSER-5 (White 1997; White, Cobb and Spratt 2000, "A comparison of five steady-state truncation
heuristics", Proc. Winter Simulation Conference): average the series in batches of five, and
truncate the first ``d`` batches where ``d`` minimises the squared standard error of the mean of
what is left, ``sum((z_j - mean)^2) / (k - d)^2`` over the ``k - d`` remaining batch means. Only
``d`` up to half the batches is considered: a minimum in the second half says the series has not
settled within the run (:attr:`WarmupRecommendation.settled` is False: run longer, the figure is
then a lower bound). The series are end-of-day values, so the recommendation is in days.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

import numpy as np
import polars as pl

from etj_sim.metrics.cases import backlog_over_time, case_responses
from etj_sim.metrics.context import MetricContext, check_event_log

__all__ = [
    "MSER_BATCH_SIZE",
    "WARMUP_COLUMNS",
    "WarmupRecommendation",
    "mser",
    "recommend_warmup",
    "warmup_columns",
    "warmup_series",
]

MSER_BATCH_SIZE: Final = 5
"""Observations per batch mean: the "5" of MSER-5."""

WARMUP_COLUMNS: Final = ("warmup_backlog_days", "warmup_unread_days", "warmup_recommended_days")
"""Columns :func:`warmup_columns` adds to a run's summary row (days; the last: the larger of the
series that settled)."""


@dataclass(frozen=True)
class WarmupRecommendation:
    """MSER's truncation point of one series, in observations (days for the daily series)."""

    series: str
    truncate: int
    """Observations to drop at the start (a multiple of the batch size)."""
    observations: int
    settled: bool
    """False when the minimum lay past half the series: no steady state seen within the run."""


def mser(values: Sequence[float] | np.ndarray, batch_size: int = MSER_BATCH_SIZE) -> int:
    """The MSER-``batch_size`` truncation point of ``values``, in observations.

    Observations after the last whole batch are left out (as in MSER-5). Returns
    ``d * batch_size`` for the ``d`` minimising the statistic over ``d <= k // 2`` of ``k``
    batches; fewer than two whole batches give 0 (nothing to compare). NaNs are not allowed.
    """
    if batch_size < 1:
        raise ValueError(f"batch_size must be at least 1, got {batch_size}")
    array = np.asarray(values, dtype=np.float64)
    if array.ndim != 1:
        raise ValueError(f"values must be one series, got shape {array.shape}")
    if np.isnan(array).any():
        raise ValueError("values hold NaN; MSER needs a complete series")
    batches = array.size // batch_size
    if batches < 2:
        return 0
    means = array[: batches * batch_size].reshape(batches, batch_size).mean(axis=1)
    return _mser_batches(means) * batch_size


def _mser_batches(means: np.ndarray) -> int:
    batches = means.size
    statistics = np.empty(batches // 2 + 1)
    for truncated in range(batches // 2 + 1):
        rest = means[truncated:]
        statistics[truncated] = float(((rest - rest.mean()) ** 2).sum()) / rest.size**2
    # Ties (a constant series): the earliest, so nothing is dropped without cause.
    return int(np.argmin(statistics))


def _settled(values: np.ndarray, batch_size: int) -> bool:
    """Whether the minimum over all truncations (not only the first half) lies in the first half."""
    batches = values.size // batch_size
    if batches < 2:
        return True
    means = values[: batches * batch_size].reshape(batches, batch_size).mean(axis=1)
    statistics = [
        float(((means[d:] - means[d:].mean()) ** 2).sum()) / (batches - d) ** 2
        for d in range(batches - 1)
    ]
    return int(np.argmin(statistics)) <= batches // 2


def warmup_series(events: pl.DataFrame, context: MetricContext) -> pl.DataFrame:
    """The daily series MSER reads: ``date``, ``backlog`` and ``unread`` at the end of each day.

    ``backlog``: cases started and not yet answered (``backlog_over_time``); ``unread``: messages
    delivered and not yet read by anyone. Over the whole simulated period, warm-up included
    (the context's ``warmup_end`` is ignored here: this is what decides it).
    """
    check_event_log(events)
    whole = dataclasses.replace(context, warmup_end=None)
    backlog = backlog_over_time(case_responses(events, whole), whole, every="1d").select(
        pl.col("period_start").dt.date().alias("date"), "backlog"
    )
    lazy = events.lazy().filter(pl.col("time") < pl.lit(whole.end))
    delivered = lazy.filter(pl.col("event") == "message_sent").select(
        pl.col("time").dt.date().alias("date"), pl.lit(1).alias("change")
    )
    first_reads = (
        lazy.filter(pl.col("event") == "message_read")
        .group_by("message")
        .agg(pl.col("time").min())
        .select(pl.col("time").dt.date().alias("date"), pl.lit(-1).alias("change"))
    )
    changes = (
        pl.concat([delivered, first_reads])
        .group_by("date")
        .agg(pl.col("change").sum().cast(pl.Int64))
        .collect()
    )
    unread = (
        pl.DataFrame(whole.days)
        .join(changes, on="date", how="left")
        .sort("date")
        .select("date", pl.col("change").fill_null(0).cum_sum().alias("unread"))
    )
    return backlog.join(unread, on="date", how="left").sort("date")


def recommend_warmup(
    events: pl.DataFrame, context: MetricContext, batch_size: int = MSER_BATCH_SIZE
) -> list[WarmupRecommendation]:
    """MSER-``batch_size`` on the daily backlog and unread series of one run."""
    series = warmup_series(events, context)
    recommendations = []
    for name in ("backlog", "unread"):
        values = series.get_column(name).cast(pl.Float64).to_numpy()
        recommendations.append(
            WarmupRecommendation(
                name, mser(values, batch_size), int(values.size), _settled(values, batch_size)
            )
        )
    return recommendations


def warmup_columns(events: pl.DataFrame, context: MetricContext) -> pl.DataFrame:
    """One row of :data:`WARMUP_COLUMNS`: MSER-5's warm-up in days per series, and the larger.

    A series that did not settle within the run gives NaN (no recommendation); the overall
    figure is the larger of the settled ones (NaN when neither settled). The unread stock often
    grows through a whole run, as messages never read pile up: then only the backlog decides.
    """
    by_series = {item.series: item for item in recommend_warmup(events, context)}

    def days(item: WarmupRecommendation) -> float:
        return float(item.truncate) if item.settled else math.nan

    backlog = days(by_series["backlog"])
    unread = days(by_series["unread"])
    settled = [value for value in (backlog, unread) if not math.isnan(value)]
    overall = max(settled) if settled else math.nan
    return pl.DataFrame(
        [[backlog], [unread], [overall]],
        schema=dict.fromkeys(WARMUP_COLUMNS, pl.Float64),
    )

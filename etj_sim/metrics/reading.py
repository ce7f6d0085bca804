"""Read rates (P1, F8): who reads the messages that land in an inbox, and how soon.

Pipeline position: ``event log + population -> message_reads -> read rates, curves, funnel``.
:func:`message_reads` builds one row per delivered message (``message_sent``) with its first
``message_read``; every other function here aggregates that frame, so all read figures share one
definition.

Definitions, decided here and tested:

- **Read within N days** is inclusive: a read exactly ``N * 24`` hours after delivery counts.
- **Right-censoring.** A message delivered less than N days before the end of the run has not had
  N days to be read. The N-day read share therefore counts only messages delivered at least N days
  before ``MetricContext.end`` (inclusive: exactly N days is enough); ``messages_eligible`` says how
  many. The read curve applies the same rule at each day of its horizon.
- **Reader** is the holder (the account's own person, ``actor_role`` citizen) or a guardian reading
  by proxy (``actor_role`` guardian_proxy, R10). Only the first read of a message counts (F8);
  the log is in time order (the domain clock never runs backwards), so it is the first read row.
- **Alert status** is the recipient's alert choice at delivery (``alert_sms``/``alert_email`` on the
  ``message_sent`` row); **age band** is the age at delivery.
- **Never read** means not read by the end of the run; it includes messages delivered just before
  the end, so compare it between runs of the same length only.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import Final

import polars as pl

from etj_sim.metrics.context import (
    MILLISECONDS_PER_DAY,
    MetricContext,
    age_band_expression,
    age_years_expression,
    alert_status_expression,
    attach_by_id,
    check_event_log,
    check_population,
    with_birth_dates,
)

__all__ = [
    "MESSAGE_GROUPS",
    "READERS",
    "READ_QUANTILES",
    "message_funnel",
    "message_reads",
    "never_read_share",
    "read_curve",
    "read_rates",
    "read_share_by_reader",
    "time_to_read_quantiles",
]

READERS: Final = ("holder", "guardian")
"""Who read a message: the account holder, or a guardian by proxy (R10)."""

READER_DTYPE: Final = pl.Enum(list(READERS))

MESSAGE_GROUPS: Final = ("kind", "age_band", "alert_status")
"""Columns of :func:`message_reads` that read shares can be broken down by."""

READ_QUANTILES: Final = (0.25, 0.5, 0.75, 0.9)


def message_reads(
    events: pl.DataFrame, population: pl.DataFrame, context: MetricContext
) -> pl.DataFrame:
    """One row per delivered message with its first read (F8), if any.

    Columns: ``message``, ``person`` (the inbox), ``kind``, ``sent_time``, ``alert_status`` at
    delivery, ``alerts`` (``alert_sent`` rows naming the message, R8/D6), ``age_band`` at delivery,
    ``read_time`` and ``reader`` (null if never read), ``hours_to_read``.
    """
    check_event_log(events)
    check_population(population, ("person", "birth_date"))
    lazy = events.lazy()
    sent = lazy.filter(pl.col("event") == "message_sent").select(
        "message",
        "person",
        "kind",
        pl.col("time").alias("sent_time"),
        alert_status_expression(pl.col("alert_sms"), pl.col("alert_email")).alias("alert_status"),
    )
    first_reads = (
        lazy.filter(pl.col("event") == "message_read")
        .group_by("message")
        .agg(
            pl.col("time").min().alias("read_time"),
            # The log is in time order (the domain clock never runs backwards), so the first
            # read row of a message is its first read.
            pl.col("actor_role").first().alias("actor_role"),
        )
    )
    alerts = (
        lazy.filter((pl.col("event") == "alert_sent") & pl.col("message").is_not_null())
        .group_by("message")
        .agg(pl.len().cast(pl.Int32).alias("alerts"))
    )
    sent_frame, first_read_frame, alert_frame = pl.collect_all([sent, first_reads, alerts])
    delivered = attach_by_id(
        attach_by_id(sent_frame, first_read_frame, "message"), alert_frame, "message"
    )
    frame = (
        with_birth_dates(delivered.lazy(), population)
        .select(
            "message",
            "person",
            "kind",
            "sent_time",
            "alert_status",
            pl.col("alerts").fill_null(0),
            age_band_expression(
                age_years_expression(pl.col("birth_date"), pl.col("sent_time").dt.date())
            ).alias("age_band"),
            "read_time",
            pl.when(pl.col("read_time").is_null())
            .then(None)
            .when(pl.col("actor_role") == "guardian_proxy")
            .then(pl.lit("guardian"))
            .otherwise(pl.lit("holder"))
            .cast(READER_DTYPE)
            .alias("reader"),
            (pl.col("read_time") - pl.col("sent_time"))
            .dt.total_hours(fractional=True)
            .alias("hours_to_read"),
        )
        .collect()
    )
    unknown = frame.filter(pl.col("age_band").is_null() & pl.col("person").is_not_null())
    if len(unknown):
        raise ValueError(
            "event log: message_sent rows name person(s) not in the population, e.g. "
            f"{unknown['person'].unique().sort().to_list()[:5]}"
        )
    return frame


def _check_groups(by: Sequence[str], allowed: Sequence[str]) -> list[str]:
    groups = list(by)
    unknown = [name for name in groups if name not in allowed]
    if unknown:
        raise ValueError(f"by: unknown column(s) {unknown}; choose from {list(allowed)}")
    return groups


def _window_flags(context: MetricContext, within_days: float) -> tuple[pl.Expr, pl.Expr]:
    """(delivered early enough to have had the window, read within the window), both inclusive."""
    if within_days < 0:
        raise ValueError(f"within_days must be 0 or more, got {within_days}")
    window = timedelta(days=within_days)
    eligible = pl.col("sent_time") <= pl.lit(context.end - window)
    read_within = (pl.col("read_time") - pl.col("sent_time") <= pl.lit(window)).fill_null(False)
    return eligible, read_within


def _aggregate(frame: pl.DataFrame, groups: list[str], *aggregations: pl.Expr) -> pl.DataFrame:
    if groups:
        return frame.group_by(groups).agg(*aggregations).sort(groups)
    return frame.select(*aggregations)


def read_rates(
    reads: pl.DataFrame,
    context: MetricContext,
    *,
    within_days: float = 7,
    by: Sequence[str] = (),
) -> pl.DataFrame:
    """Share of messages read within ``within_days`` days (P1, F8), right-censored, per group.

    ``reads`` is :func:`message_reads`. Columns: the ``by`` columns, ``messages_delivered`` (all),
    ``messages_eligible`` (delivered at least ``within_days`` before the end), ``read_within``
    (eligible and read within the window, inclusive) and ``read_share`` (null with no eligible).
    """
    groups = _check_groups(by, MESSAGE_GROUPS)
    eligible, read_within = _window_flags(context, within_days)
    result = _aggregate(
        reads,
        groups,
        pl.len().cast(pl.Int64).alias("messages_delivered"),
        eligible.sum().cast(pl.Int64).alias("messages_eligible"),
        (eligible & read_within).sum().cast(pl.Int64).alias("read_within"),
    )
    return result.with_columns(
        (pl.col("read_within") / pl.col("messages_eligible").replace(0, None)).alias("read_share")
    )


def read_share_by_reader(
    reads: pl.DataFrame, context: MetricContext, *, within_days: float = 7
) -> pl.DataFrame:
    """Eligible messages read within the window by the holder and by a guardian by proxy (R10).

    The two ``read_share`` values add up to the overall :func:`read_rates` share.
    """
    eligible, read_within = _window_flags(context, within_days)
    eligible_messages = reads.filter(eligible)
    counts = (
        eligible_messages.filter(read_within).group_by("reader").agg(pl.len().alias("read_within"))
    )
    return (
        pl.DataFrame({"reader": pl.Series(READERS, dtype=READER_DTYPE)})
        .join(counts, on="reader", how="left")
        .with_columns(
            pl.lit(len(eligible_messages), dtype=pl.Int64).alias("messages_eligible"),
            pl.col("read_within").fill_null(0).cast(pl.Int64),
        )
        .with_columns(
            (pl.col("read_within") / pl.col("messages_eligible").replace(0, None)).alias(
                "read_share"
            )
        )
        .select("reader", "messages_eligible", "read_within", "read_share")
    )


def time_to_read_quantiles(
    reads: pl.DataFrame,
    *,
    by: Sequence[str] = (),
    quantiles: Sequence[float] = READ_QUANTILES,
) -> pl.DataFrame:
    """Hours from delivery to first read, among messages read by the end of the run.

    Columns: the ``by`` columns, ``messages_read`` and ``hours_to_read_p<q>`` for each quantile
    (linear interpolation, so ``p50`` is the median).
    """
    groups = _check_groups(by, (*MESSAGE_GROUPS, "reader"))
    for quantile in quantiles:
        if not 0 <= quantile <= 1:
            raise ValueError(f"quantiles: {quantile} is not between 0 and 1")
    read = reads.filter(pl.col("read_time").is_not_null())
    return _aggregate(
        read,
        groups,
        pl.len().cast(pl.Int64).alias("messages_read"),
        *(
            pl.col("hours_to_read")
            .quantile(quantile, "linear")
            .alias(f"hours_to_read_p{round(quantile * 100)}")
            for quantile in quantiles
        ),
    )


def never_read_share(reads: pl.DataFrame, *, by: Sequence[str] = ()) -> pl.DataFrame:
    """Share of delivered messages not read by the end of the run (not censored; see module)."""
    groups = _check_groups(by, MESSAGE_GROUPS)
    return _aggregate(
        reads,
        groups,
        pl.len().cast(pl.Int64).alias("messages_delivered"),
        pl.col("read_time").is_null().sum().cast(pl.Int64).alias("never_read"),
    ).with_columns(
        (pl.col("never_read") / pl.col("messages_delivered").replace(0, None)).alias(
            "never_read_share"
        )
    )


def read_curve(
    reads: pl.DataFrame,
    context: MetricContext,
    *,
    max_days: int = 30,
    by: Sequence[str] = ("alert_status",),
) -> pl.DataFrame:
    """Cumulative share read against whole days since delivery, 0 to ``max_days`` (P1, F8).

    At day ``d`` the share is taken over messages delivered at least ``d`` days before the end
    (right-censoring, as :func:`read_rates` with ``within_days=d``), so each point equals that
    read rate. Columns: the ``by`` columns, ``days_since_delivery``, ``messages_eligible``,
    ``read_within``, ``read_share``. The frame is small: groups x (``max_days`` + 1) rows.
    """
    groups = _check_groups(by, MESSAGE_GROUPS)
    if max_days < 0:
        raise ValueError(f"max_days must be 0 or more, got {max_days}")
    delay_ms = (pl.col("read_time") - pl.col("sent_time")).dt.total_milliseconds()
    observed_ms = (pl.lit(context.end) - pl.col("sent_time")).dt.total_milliseconds()
    # Read within d days <=> ceil(delay / day) <= d; observed d days <=> floor(observed / day) >= d.
    counts = (
        reads.lazy()
        .select(
            *groups,
            ((delay_ms + MILLISECONDS_PER_DAY - 1) // MILLISECONDS_PER_DAY)
            .fill_null(max_days + 1)
            .clip(upper_bound=max_days + 1)
            .alias("read_day"),
            (observed_ms // MILLISECONDS_PER_DAY).clip(upper_bound=max_days).alias("observed_day"),
        )
        .group_by(*groups, "read_day", "observed_day")
        .agg(pl.len().alias("messages"))
    )
    days = pl.LazyFrame(
        {"days_since_delivery": pl.int_range(0, max_days + 1, eager=True).cast(pl.Int64)}
    )
    observed = pl.col("observed_day") >= pl.col("days_since_delivery")
    curve = (
        counts.join(days, how="cross")
        .group_by(*groups, "days_since_delivery")
        .agg(
            pl.col("messages").filter(observed).sum().cast(pl.Int64).alias("messages_eligible"),
            pl.col("messages")
            .filter(observed & (pl.col("read_day") <= pl.col("days_since_delivery")))
            .sum()
            .cast(pl.Int64)
            .alias("read_within"),
        )
        .with_columns(
            (pl.col("read_within") / pl.col("messages_eligible").replace(0, None)).alias(
                "read_share"
            )
        )
        .sort(*groups, "days_since_delivery")
        .collect()
    )
    return curve


FUNNEL_STAGES: Final = ("sent", "alerted", "read_7d", "read_1d")
"""The funnel's stages, widest first; each is a subset of the one before (one cohort)."""


def message_funnel(reads: pl.DataFrame, context: MetricContext) -> pl.DataFrame:
    """The message funnel on one cohort: sent -> alerted -> read within 7 days -> within 1 day.

    The cohort is the messages delivered at least 7 days before the end (so every message had
    the full week). "Alerted" means at least one ``alert_sent`` row names the message (R8, D6);
    the two read stages count alerted messages read within 7 days and within 1 day, so every
    stage is a subset of the one before and the counts never rise. Columns: ``stage``,
    ``messages``, ``share`` (of ``sent``).
    """
    eligible, read_7d = _window_flags(context, 7)
    _, read_1d = _window_flags(context, 1)
    alerted = pl.col("alerts") > 0
    counts = reads.filter(eligible).select(
        pl.len().cast(pl.Int64).alias("sent"),
        alerted.sum().cast(pl.Int64).alias("alerted"),
        (alerted & read_7d).sum().cast(pl.Int64).alias("read_7d"),
        (alerted & read_1d).sum().cast(pl.Int64).alias("read_1d"),
    )
    sent = counts["sent"][0]
    return pl.DataFrame(
        {
            "stage": pl.Series(FUNNEL_STAGES, dtype=pl.Enum(list(FUNNEL_STAGES))),
            "messages": pl.Series([counts[stage][0] for stage in FUNNEL_STAGES], dtype=pl.Int64),
        }
    ).with_columns((pl.col("messages") / (sent if sent else None)).alias("share"))

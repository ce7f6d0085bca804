"""Access (P1, P3, P4): accounts, proxy use for children, notices and mass-mailing reach.

Pipeline position: ``event log + population -> access frames``. Account states come from
``etj_sim.metrics.alerts`` (the same replay as the opt-in shares), read figures from
``etj_sim.metrics.reading``.

Definitions:

- **Children's accounts activated** (R9, D7): among children under 13 on the run's last day, the
  share whose account is active then. A child under 13 cannot activate an account; a guardian
  does (``activate_for``), so this is how far guardians have opened the service for children.
- **Proxy refusals per 1,000 children** (R10, R12, D2): refused proxy attempts in the run per
  1,000 children under 18 on the run's last day.
- **Proxy share of children's cases** (R10, R11): among cases about a child under 18 at the case
  start, the share a guardian started in proxy mode. Under 13 this measures proxy coverage; from
  13 it must be zero (R15, D2), which makes the table a rule check as well.
- **Digital notice share** (P4, F7): appointment notices delivered to an inbox (``message_sent``,
  kind ``appointment_notice``) over those plus notices sent on paper (``paper_sent``).
- **Mass-mailing reach** (F6): per campaign (``mass_mailing_started``), the share of addressed
  persons (delivered plus ``message_undeliverable``) who read the message within 7 days.
"""

from __future__ import annotations

from datetime import timedelta

import polars as pl

from etj_sim.events import REASONS
from etj_sim.metrics.context import (
    MetricContext,
    age_band_expression,
    age_years_expression,
    check_event_log,
    check_population,
    with_birth_dates,
)

__all__ = [
    "active_account_share_by_age_band",
    "child_accounts_activated",
    "mass_mailing_reach",
    "notice_channels",
    "proxy_case_share",
    "proxy_refusal_rate",
    "proxy_refusals",
]


def active_account_share_by_age_band(final_states: pl.DataFrame) -> pl.DataFrame:
    """Persons with an active account (R2, D7) at the start and end of the run, by age band (P1).

    ``final_states`` is ``etj_sim.metrics.alerts.final_account_states`` (age band at the end).
    Columns: ``age_band``, ``persons``, ``active_start``, ``active_end``, ``share_start``,
    ``share_end``; every band present.
    """
    bands = final_states.schema["age_band"]
    assert isinstance(bands, pl.Enum)
    counts = final_states.group_by("age_band").agg(
        pl.len().cast(pl.Int64).alias("persons"),
        (pl.col("status_start") != "inactive").sum().cast(pl.Int64).alias("active_start"),
        (pl.col("status_end") != "inactive").sum().cast(pl.Int64).alias("active_end"),
    )
    return (
        pl.DataFrame({"age_band": pl.Series(bands.categories.to_list(), dtype=bands)})
        .join(counts, on="age_band", how="left")
        .with_columns(pl.exclude("age_band").fill_null(0))
        .with_columns(
            (pl.col("active_start") / pl.col("persons").replace(0, None)).alias("share_start"),
            (pl.col("active_end") / pl.col("persons").replace(0, None)).alias("share_end"),
        )
    )


def child_accounts_activated(final_states: pl.DataFrame) -> pl.DataFrame:
    """Children under 13 whose account a guardian has activated, at the end of the run (R9, D7).

    ``final_states`` is ``etj_sim.metrics.alerts.final_account_states``. One row; columns
    ``children`` (under 13 on the last day), ``active`` (their accounts active then), ``share``.
    """
    return final_states.filter(pl.col("age_band") == "0-12").select(
        pl.len().cast(pl.Int64).alias("children"),
        (pl.col("status_end") != "inactive").sum().cast(pl.Int64).alias("active"),
        (
            (pl.col("status_end") != "inactive").sum().cast(pl.Float64)
            / pl.len().cast(pl.Float64).replace(0, None)
        ).alias("share"),
    )


def proxy_refusal_rate(events: pl.DataFrame, final_states: pl.DataFrame) -> pl.DataFrame:
    """Refused proxy attempts (R10, R12, D2) per 1,000 children under 18, over the run.

    ``final_states`` is ``etj_sim.metrics.alerts.final_account_states`` (age on the last day).
    One row; columns ``refusals``, ``children``, ``per_1000_children`` (null without children).
    """
    check_event_log(events)
    refusals = events.lazy().filter(pl.col("event") == "proxy_refused").select(pl.len()).collect()
    children = final_states.filter(pl.col("age_band").is_in(["0-12", "13-17"])).height
    count = int(refusals.item())
    return pl.DataFrame(
        {
            "refusals": pl.Series([count], dtype=pl.Int64),
            "children": pl.Series([children], dtype=pl.Int64),
            "per_1000_children": pl.Series(
                [1000 * count / children if children else None], dtype=pl.Float64
            ),
        }
    )


def proxy_case_share(responses: pl.DataFrame, population: pl.DataFrame) -> pl.DataFrame:
    """Cases about children started by a guardian in proxy mode (R10, R11, P3), by age band.

    ``responses`` is ``etj_sim.metrics.cases.case_responses``. Columns: ``age_band`` (0-12,
    13-17; age at the case start), ``cases``, ``proxy_cases``, ``proxy_share``.
    """
    check_population(population, ("person", "birth_date"))
    age = age_years_expression(pl.col("birth_date"), pl.col("start_time").dt.date())
    counts = (
        responses.lazy()
        .select("person", "start_time", "started_by")
        .pipe(with_birth_dates, population)
        .filter(age < 18)
        .group_by(age_band_expression(age).alias("age_band"))
        .agg(
            pl.len().cast(pl.Int64).alias("cases"),
            (pl.col("started_by") == "guardian_proxy").sum().cast(pl.Int64).alias("proxy_cases"),
        )
        .collect()
    )
    bands = pl.DataFrame({"age_band": pl.Series(["0-12", "13-17"], dtype=counts["age_band"].dtype)})
    return (
        bands.join(counts, on="age_band", how="left")
        .with_columns(pl.col("cases", "proxy_cases").fill_null(0))
        .with_columns(
            (pl.col("proxy_cases") / pl.col("cases").replace(0, None)).alias("proxy_share")
        )
    )


def proxy_refusals(events: pl.DataFrame) -> pl.DataFrame:
    """Refused proxy attempts (R10, R12, D2) by reason; every reason listed, zero if none.

    Columns: ``reason``, ``refusals``, ``share`` of all refusals.
    """
    check_event_log(events)
    counts = (
        events.lazy()
        .filter(pl.col("event") == "proxy_refused")
        .group_by("reason")
        .agg(pl.len().cast(pl.Int64).alias("refusals"))
        .collect()
    )
    return (
        pl.DataFrame({"reason": pl.Series(REASONS, dtype=events.schema["reason"])})
        .join(counts, on="reason", how="left")
        .with_columns(pl.col("refusals").fill_null(0))
        .with_columns(
            (pl.col("refusals") / pl.col("refusals").sum().replace(0, None)).alias("share")
        )
    )


def notice_channels(events: pl.DataFrame, context: MetricContext) -> pl.DataFrame:
    """Appointment notices (F7) delivered digitally and on paper within the run (P4).

    ``paper_sent`` rows count as paper notices (only notices go on paper), except the letters
    that repeat a digital notice (reason ``fallback`` or ``complement``, see
    ``etj_sim.metrics.notices``): the notice itself went digitally.
    Columns: ``channel`` (``digital``, ``paper``), ``notices``, ``share``.
    """
    check_event_log(events)
    counts = (
        events.lazy()
        .filter(pl.col("time") < pl.lit(context.end))
        .select(
            ((pl.col("event") == "message_sent") & (pl.col("kind") == "appointment_notice"))
            .sum()
            .cast(pl.Int64)
            .alias("digital"),
            (
                (pl.col("event") == "paper_sent")
                & ~pl.col("reason").is_in(["fallback", "complement"]).fill_null(False)
            )
            .sum()
            .cast(pl.Int64)
            .alias("paper"),
        )
        .collect()
    )
    digital, paper = counts["digital"][0], counts["paper"][0]
    total = digital + paper
    return pl.DataFrame(
        {
            "channel": ["digital", "paper"],
            "notices": pl.Series([digital, paper], dtype=pl.Int64),
            "share": pl.Series(
                [digital / total, paper / total] if total else [None, None], dtype=pl.Float64
            ),
        }
    )


def mass_mailing_reach(
    events: pl.DataFrame, reads: pl.DataFrame, context: MetricContext, *, within_days: float = 7
) -> pl.DataFrame:
    """Reach of each mass mailing (F6): addressed, delivered, read within ``within_days``.

    Delivered messages (kind ``mass_mailing``) and undeliverable rows belong to the mailing their
    ``campaign`` id names (the domain writes it on every row of a mailing, F6); rows without one
    (logs built by hand) belong to the latest ``mass_mailing_started`` row at or before them, and
    without such rows each sending day is one campaign. ``reads`` is
    ``etj_sim.metrics.reading.message_reads``. A campaign started less than ``within_days``
    before the end is censored: its ``reach`` is null. Columns: ``campaign`` (the id, null for
    rows without one), ``campaign_start``, ``addressed``, ``delivered``, ``read_within``,
    ``delivered_share``, ``reach``.
    """
    check_event_log(events)
    window = timedelta(days=within_days)
    mailing_starts = events.lazy().filter(pl.col("event") == "mass_mailing_started")
    starts = (
        mailing_starts.select(pl.col("time").alias("campaign_start"))
        .unique()
        .sort("campaign_start")
    )
    start_of_campaign = (
        mailing_starts.filter(pl.col("campaign").is_not_null())
        .group_by("campaign")
        .agg(pl.col("time").min().alias("named_start"))
    )
    campaign_of_message = (
        events.lazy()
        .filter((pl.col("event") == "message_sent") & pl.col("campaign").is_not_null())
        .select("message", "campaign")
    )
    delivered = (
        reads.lazy()
        .filter(pl.col("kind") == "mass_mailing")
        .join(campaign_of_message, on="message", how="left")
        .select(
            pl.col("sent_time").alias("time"),
            "campaign",
            pl.lit(1).alias("delivered"),
            (pl.col("read_time") - pl.col("sent_time") <= pl.lit(window))
            .fill_null(False)
            .cast(pl.Int64)
            .alias("read_within"),
        )
    )
    undeliverable = (
        events.lazy()
        .filter(
            (pl.col("event") == "message_undeliverable")
            & (pl.col("kind").is_null() | (pl.col("kind") == "mass_mailing"))
        )
        .select(
            "time",
            "campaign",
            pl.lit(0).alias("delivered"),
            pl.lit(0, dtype=pl.Int64).alias("read_within"),
        )
    )
    addressed = (
        pl.concat([delivered, undeliverable])
        .join(start_of_campaign, on="campaign", how="left")
        .sort("time")
    )
    if starts.select(pl.len()).collect().item():
        assigned = addressed.join_asof(
            starts, left_on="time", right_on="campaign_start", strategy="backward"
        ).with_columns(pl.col("campaign_start").fill_null(pl.col("time").dt.truncate("1d")))
    else:
        assigned = addressed.with_columns(pl.col("time").dt.truncate("1d").alias("campaign_start"))
    # The campaign id, where the row has one, is the fact; the time match only stands in for it.
    assigned = assigned.with_columns(
        pl.coalesce("named_start", "campaign_start").alias("campaign_start")
    )
    censored = pl.col("campaign_start") > pl.lit(context.end - window)
    return (
        assigned.group_by("campaign", "campaign_start")
        .agg(
            pl.len().cast(pl.Int64).alias("addressed"),
            pl.col("delivered").sum().cast(pl.Int64),
            pl.col("read_within").sum().cast(pl.Int64),
        )
        .with_columns(
            (pl.col("delivered") / pl.col("addressed")).alias("delivered_share"),
            pl.when(censored)
            .then(None)
            .otherwise(pl.col("read_within") / pl.col("addressed"))
            .cast(pl.Float64)
            .alias("reach"),
        )
        .sort("campaign_start", "campaign", nulls_last=True)
        .collect()
    )

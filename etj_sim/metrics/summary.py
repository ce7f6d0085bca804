"""The headline summary: one row of numbers per run, taken from the detailed metric tables.

Pipeline position: ``event log + population -> RunFrames -> detailed tables -> summary``. Every
summary column is read off a detailed table (``read_rates``, ``alert_opt_in_daily``,
``staff_time``, ...), never recomputed, so the headline and the tables cannot disagree.
:func:`prepare` builds the per-message, per-case and per-account frames once; ``summary``, the
charts and the report all start from it. The column names are a contract (README).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, NamedTuple

import polars as pl

from etj_sim.metrics.access import (
    active_account_share_by_age_band,
    notice_channels,
    proxy_case_share,
)
from etj_sim.metrics.alerts import (
    account_changes,
    alert_opt_in_daily,
    final_account_states,
    post13_guardian_alerts,
)
from etj_sim.metrics.cases import (
    DEFAULT_WITHIN_HOURS,
    backlog_over_time,
    case_responses,
    response_times,
)
from etj_sim.metrics.context import (
    MetricContext,
    check_event_log,
    check_population,
    check_roster,
    drop_warmup,
)
from etj_sim.metrics.reading import message_reads, read_rates, time_to_read_quantiles
from etj_sim.metrics.workload import staff_time

__all__ = ["SUMMARY_COLUMNS", "RunFrames", "SummaryColumn", "prepare", "summary", "summary_of"]


class SummaryColumn(NamedTuple):
    """What a summary column means and its unit."""

    description: str
    unit: str


SUMMARY_COLUMNS: Final[dict[str, SummaryColumn]] = {
    "population": SummaryColumn("Persons in the population frame", "persons"),
    "active_account_share": SummaryColumn(
        "Share of persons with an active account at the end of the run (R2, D7; P1)", "share"
    ),
    "alert_opt_in_share": SummaryColumn(
        "Share of active accounts with SMS and/or e-mail alerts at the end of the run (R4, R8)",
        "share",
    ),
    "alert_sms_share": SummaryColumn(
        "Share of active accounts with SMS alerts (alone or with e-mail) at the end of the run",
        "share",
    ),
    "alert_email_share": SummaryColumn(
        "Share of active accounts with e-mail alerts (alone or with SMS) at the end of the run",
        "share",
    ),
    "messages_sent": SummaryColumn("Messages delivered to inboxes during the run", "messages"),
    "read_share_7d": SummaryColumn(
        "Share read within 7 days (inclusive) of messages delivered at least 7 days before the end"
        " (F8; P1)",
        "share",
    ),
    "median_hours_to_read": SummaryColumn(
        "Median time from delivery to first read, over messages read during the run", "hours"
    ),
    "cases_started": SummaryColumn("Cases started by citizens or guardians (F1)", "cases"),
    "proxy_case_share": SummaryColumn(
        "Share of cases about children under 18 started by a guardian in proxy mode (R10, R11)",
        "share",
    ),
    "median_response_hours": SummaryColumn(
        "Median time from case start to first staff answer, over answered cases (P2)", "hours"
    ),
    "staff_utilisation": SummaryColumn(
        "Handling minutes over on-duty minutes of all staff over the run (P4)", "share"
    ),
    "staff_minutes_per_case": SummaryColumn(
        "Handling minutes over the run per case answered at least once (P4)", "minutes"
    ),
    "backlog_end": SummaryColumn(
        "Cases started and not yet answered at the end of the run (P4)", "cases"
    ),
    "digital_notice_share": SummaryColumn(
        "Share of appointment notices delivered to the inbox rather than on paper (F7; P4)",
        "share",
    ),
    "post13_guardian_alerts": SummaryColumn(
        "Alerts sent to another person's contact about a young person aged 13 or more (R14, D4)",
        "alerts",
    ),
}
"""The headline columns, in order, with one-line descriptions and units (report and README)."""


@dataclass(frozen=True, slots=True)
class RunFrames:
    """The inputs of a run and the per-row frames every metric starts from (built by prepare)."""

    events: pl.DataFrame
    population: pl.DataFrame
    context: MetricContext
    roster: pl.DataFrame | None
    reads: pl.DataFrame
    """``message_reads``: one row per delivered message."""
    changes: pl.DataFrame
    """``account_changes``: account activations and alert changes."""
    final_states: pl.DataFrame
    """``final_account_states``: each person's account status at the start and end."""
    responses: pl.DataFrame
    """``case_responses``: one row per case with its first answer."""


def prepare(
    events: pl.DataFrame,
    population: pl.DataFrame,
    context: MetricContext,
    roster: pl.DataFrame | None = None,
) -> RunFrames:
    """Check the inputs and build the per-message, per-account and per-case frames once."""
    check_event_log(events)
    check_population(population)
    checked_roster = check_roster(roster)
    # States (accounts, alert choices) replay the whole log; flows drop the warm-up.
    changes = account_changes(events, population, context)
    return RunFrames(
        events=drop_warmup(events, "time", context),
        population=population,
        context=context,
        roster=checked_roster,
        reads=drop_warmup(message_reads(events, population, context), "sent_time", context),
        changes=changes,
        final_states=final_account_states(population, changes, context),
        responses=drop_warmup(case_responses(events, context), "start_time", context),
    )


def _share(numerator: object, denominator: object) -> float | None:
    """numerator / denominator as a float; None when either is missing or the denominator is 0."""
    if numerator is None or denominator is None:
        return None
    bottom = float(str(denominator))
    return float(str(numerator)) / bottom if bottom else None


def summary_of(frames: RunFrames, *, within_hours: float = DEFAULT_WITHIN_HOURS) -> pl.DataFrame:
    """The one-row summary (columns :data:`SUMMARY_COLUMNS`) from prepared frames."""
    context = frames.context
    accounts = active_account_share_by_age_band(frames.final_states)
    opt_in = alert_opt_in_daily(frames.population, frames.changes, context).filter(
        pl.col("date") == pl.col("date").max()
    )
    active_accounts = opt_in["accounts"].sum()

    def accounts_with(*statuses: str) -> int:
        return int(opt_in.filter(pl.col("alert_status").is_in(statuses))["accounts"].sum())

    reads_7d = read_rates(frames.reads, context, within_days=7)
    time_to_read = time_to_read_quantiles(frames.reads, quantiles=(0.5,))
    responses = response_times(frames.responses, context, within_hours=within_hours)
    proxy = proxy_case_share(frames.responses, frames.population)
    staff = staff_time(frames.events, context, frames.roster, by=())
    backlog = backlog_over_time(frames.responses, context)
    notices = notice_channels(frames.events, context)
    post13 = post13_guardian_alerts(frames.events, frames.population)
    row: dict[str, object] = {
        "population": frames.population.height,
        "active_account_share": _share(accounts["active_end"].sum(), accounts["persons"].sum()),
        "alert_opt_in_share": _share(accounts_with("sms", "email", "both"), active_accounts),
        "alert_sms_share": _share(accounts_with("sms", "both"), active_accounts),
        "alert_email_share": _share(accounts_with("email", "both"), active_accounts),
        "messages_sent": reads_7d["messages_delivered"][0],
        "read_share_7d": reads_7d["read_share"][0],
        "median_hours_to_read": time_to_read["hours_to_read_p50"][0],
        "cases_started": responses["cases_started"][0],
        "proxy_case_share": _share(proxy["proxy_cases"].sum(), proxy["cases"].sum()),
        "median_response_hours": responses["response_hours_p50"][0],
        "staff_utilisation": staff["utilisation"][0],
        "staff_minutes_per_case": _share(staff["busy_minutes"][0], responses["cases_answered"][0]),
        "backlog_end": backlog.filter(pl.col("period_start") == pl.col("period_start").max())[
            "backlog"
        ].sum(),
        "digital_notice_share": notices.filter(pl.col("channel") == "digital")["share"][0],
        "post13_guardian_alerts": post13["alerts"].sum(),
    }
    schema = {
        name: pl.Int64 if SUMMARY_COLUMNS[name].unit in _COUNT_UNITS else pl.Float64
        for name in SUMMARY_COLUMNS
    }
    return pl.DataFrame([row], schema=schema)


_COUNT_UNITS: Final = frozenset({"persons", "messages", "cases", "alerts"})


def summary(
    events: pl.DataFrame,
    population: pl.DataFrame,
    context: MetricContext,
    roster: pl.DataFrame | None = None,
    *,
    within_hours: float = DEFAULT_WITHIN_HOURS,
) -> pl.DataFrame:
    """The headline numbers of a run as one row; see :data:`SUMMARY_COLUMNS` for each column."""
    return summary_of(prepare(events, population, context, roster), within_hours=within_hours)

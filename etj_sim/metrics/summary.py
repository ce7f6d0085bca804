"""The headline summary: one row of numbers per run, taken from the detailed metric tables.

Pipeline position: ``event log + population -> RunFrames -> detailed tables -> summary``. Every
summary column is read off a detailed table (``read_rates``, ``alert_opt_in_daily``,
``staff_time``, ...), never recomputed, so the headline and the tables cannot disagree.
:func:`prepare` builds the per-message, per-case and per-account frames once; ``summary``, the
charts and the report all start from it. The column names are a contract, versioned by
:data:`SUMMARY_SCHEMA_VERSION`; :data:`SUMMARY_COLUMNS` declares each column once, with its
label and meaning in Swedish and English, its unit and how it combines over regions.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal, NamedTuple

import polars as pl

from etj_sim.i18n import Language, Text
from etj_sim.metrics.access import (
    active_account_share_by_age_band,
    child_accounts_activated,
    notice_channels,
    proxy_refusal_rate,
)
from etj_sim.metrics.alerts import (
    account_changes,
    alert_opt_in_daily,
    final_account_states,
    post13_guardian_alerts,
)
from etj_sim.metrics.cases import (
    DEFAULT_WITHIN_HOURS,
    case_responses,
    mean_open_cases,
    response_times,
)
from etj_sim.metrics.context import MetricContext, check_event_log, check_population, check_roster
from etj_sim.metrics.reading import message_reads, read_rates, time_to_read_quantiles
from etj_sim.metrics.workload import staff_time

__all__ = [
    "SUMMARY_COLUMNS",
    "SUMMARY_SCHEMA_VERSION",
    "Combination",
    "RunFrames",
    "SummaryColumn",
    "label_of",
    "prepare",
    "summary",
    "summary_of",
]


CombineRule = Literal["sum", "weighted_mean"]


class Combination(NamedTuple):
    """How a headline column combines over regions or shards of one run.

    ``sum``: the regional figures add up (counts). ``weighted_mean``: the mean of the regional
    figures weighted by ``weight``, a summary column (or ``active_accounts``, population times
    the active-account share). ``exact`` says whether that gives the figure one run over the
    whole country would (a share weighted by its own denominator), or an approximation (a
    median, or a share whose denominator the summary does not hold).
    """

    rule: CombineRule
    weight: str | None = None
    exact: bool = True


class SummaryColumn(NamedTuple):
    """One headline column: what it is called, its unit, what it means, how it combines."""

    label: Text
    unit: str
    meaning: Text
    combine: Combination
    integer: bool = False
    """Whole numbers (counts): Int64 in the summary frame, else Float64."""


_SUM = Combination("sum")


def _weighted(weight: str, *, exact: bool) -> Combination:
    return Combination("weighted_mean", weight, exact)


SUMMARY_SCHEMA_VERSION: Final = 2
"""Version of :data:`SUMMARY_COLUMNS` (written to ``run.json``). 2: ``proxy_case_share`` and
``backlog_end`` replaced by ``child_accounts_activated_share``,
``proxy_refusals_per_1000_children`` and ``mean_open_cases_last_week``;
``p90_response_hours`` and ``answered_within_48h_share`` added."""

SUMMARY_COLUMNS: Final[dict[str, SummaryColumn]] = {
    "population": SummaryColumn(
        Text("People", "Personer"),
        "persons",
        Text("People living in the simulated area.", "Personer i det simulerade området."),
        _SUM,
        integer=True,
    ),
    "active_account_share": SummaryColumn(
        Text("Active 1177 accounts", "Aktiva 1177-konton"),
        "share",
        Text(
            "Share of all residents with an active 1177 account at the end of the period.",
            "Andel av alla invånare som har ett aktivt 1177-konto vid periodens slut.",
        ),
        _weighted("population", exact=True),
    ),
    "child_accounts_activated_share": SummaryColumn(
        Text("Children's accounts opened by a guardian", "Barnkonton öppnade av vårdnadshavare"),
        "share",
        Text(
            "Share of children under 13 whose 1177 account a guardian has activated"
            " (end of the period).",
            "Andel barn under 13 år vars 1177-konto en vårdnadshavare har aktiverat"
            " (vid periodens slut).",
        ),
        # Exact would be weighted by children under 13, which the summary does not hold.
        _weighted("population", exact=False),
    ),
    "alert_opt_in_share": SummaryColumn(
        Text("Alerts switched on", "Aviseringar påslagna"),
        "share",
        Text(
            "Share of active accounts that get an SMS or e-mail when a new message arrives"
            " (end of the period).",
            "Andel av de aktiva kontona som får sms eller e-post när ett nytt meddelande kommer"
            " (vid periodens slut).",
        ),
        _weighted("active_accounts", exact=True),
    ),
    "alert_sms_share": SummaryColumn(
        Text("SMS alerts", "Sms-aviseringar"),
        "share",
        Text(
            "Share of active accounts alerted by SMS, alone or with e-mail (end of the period).",
            "Andel av de aktiva kontona som aviseras med sms, ensamt eller med e-post"
            " (vid periodens slut).",
        ),
        _weighted("active_accounts", exact=True),
    ),
    "alert_email_share": SummaryColumn(
        Text("E-mail alerts", "E-postaviseringar"),
        "share",
        Text(
            "Share of active accounts alerted by e-mail, alone or with SMS (end of the period).",
            "Andel av de aktiva kontona som aviseras med e-post, ensamt eller med sms"
            " (vid periodens slut).",
        ),
        _weighted("active_accounts", exact=True),
    ),
    "messages_sent": SummaryColumn(
        Text("Messages delivered", "Levererade meddelanden"),
        "messages",
        Text(
            "Messages that reached a 1177 inbox during the period.",
            "Meddelanden som kom fram till en inkorg i 1177 under perioden.",
        ),
        _SUM,
        integer=True,
    ),
    "read_share_7d": SummaryColumn(
        Text("Read within 7 days", "Lästa inom 7 dagar"),
        "share",
        Text(
            "Share of messages read within a week of delivery (of those delivered at least a"
            " week before the end).",
            "Andel meddelanden som lästes inom en vecka efter leverans (av dem som levererades"
            " minst en vecka före slutet).",
        ),
        _weighted("messages_sent", exact=False),
    ),
    "median_hours_to_read": SummaryColumn(
        Text("Median time to read", "Mediantid till läsning"),
        "hours",
        Text(
            "Half of the messages that were read were read within this many hours of delivery.",
            "Hälften av de lästa meddelandena lästes inom så här många timmar efter leverans.",
        ),
        _weighted("messages_sent", exact=False),  # a mean of regional medians
    ),
    "digital_notice_share": SummaryColumn(
        Text("Digital appointment notices", "Digitala kallelser"),
        "share",
        Text(
            "Share of appointment notices delivered to the inbox instead of on paper.",
            "Andel kallelser som levererades till inkorgen i stället för på papper.",
        ),
        _weighted("population", exact=False),
    ),
    "cases_started": SummaryColumn(
        Text("Cases started", "Nya ärenden"),
        "cases",
        Text(
            "Cases that residents or guardians started through the e-services.",
            "Ärenden som invånare eller vårdnadshavare startade via e-tjänsterna.",
        ),
        _SUM,
        integer=True,
    ),
    "median_response_hours": SummaryColumn(
        Text("Median response time", "Median svarstid"),
        "hours",
        Text(
            "Half of the answered cases got their first answer from staff within this many hours.",
            "Hälften av de besvarade ärendena fick sitt första svar från personalen inom så här"
            " många timmar.",
        ),
        _weighted("cases_started", exact=False),  # a mean of regional medians
    ),
    "p90_response_hours": SummaryColumn(
        Text("Response time, 9 in 10 cases", "Svarstid, 9 av 10 ärenden"),
        "hours",
        Text(
            "Nine in ten answered cases got their first answer from staff within this many"
            " hours (the 90th percentile).",
            "Nio av tio besvarade ärenden fick sitt första svar från personalen inom så här"
            " många timmar (90:e percentilen).",
        ),
        _weighted("cases_started", exact=False),  # a mean of regional percentiles
    ),
    "answered_within_48h_share": SummaryColumn(
        Text("Answered within 48 hours", "Besvarade inom 48 timmar"),
        "share",
        Text(
            "Share of cases that staff answered within 48 hours of their start (of the cases"
            " started at least 48 hours before the end).",
            "Andel ärenden som personalen besvarade inom 48 timmar (av ärendena som startade"
            " minst 48 timmar före slutet).",
        ),
        _weighted("cases_started", exact=False),
    ),
    "staff_utilisation": SummaryColumn(
        Text("Staff utilisation", "Personalens beläggning"),
        "share",
        Text(
            "Share of the staff's time on e-service duty spent handling cases.",
            "Andel av personalens tid för e-tjänster som gick åt till att handlägga ärenden.",
        ),
        # Staff scale with the population (clinics scaled with the region).
        _weighted("population", exact=False),
    ),
    "staff_minutes_per_case": SummaryColumn(
        Text("Staff minutes per case", "Personalminuter per ärende"),
        "minutes",
        Text(
            "Minutes of staff handling per answered case, replies included.",
            "Personalens handläggningsminuter per besvarat ärende, svar på svar inräknade.",
        ),
        _weighted("cases_started", exact=False),
    ),
    "mean_open_cases_last_week": SummaryColumn(
        Text("Open cases, last week", "Öppna ärenden, sista veckan"),
        "cases",
        Text(
            "Cases waiting for a first answer, on average over the last seven days of the period"
            " (hour by hour, so the weekday the period ends on does not matter).",
            "Ärenden som väntar på ett första svar, i genomsnitt under periodens sista sju dagar"
            " (timme för timme, så veckodagen då perioden slutar spelar ingen roll).",
        ),
        _SUM,  # the same hours in every region: the national mean is the sum of the means
    ),
    "proxy_refusals_per_1000_children": SummaryColumn(
        Text("Guardian access refused", "Nekad åtkomst för vårdnadshavare"),
        "per_1000_children",
        Text(
            "Times a guardian's attempt to act for a child was refused (protected identity,"
            " child aged 13 or more), per 1,000 children under 18.",
            "Antal gånger en vårdnadshavares försök att agera för ett barn nekades (skyddad"
            " identitet, barnet fyllt 13), per 1 000 barn under 18 år.",
        ),
        _weighted("population", exact=False),
    ),
    "post13_guardian_alerts": SummaryColumn(
        Text("Guardian alerts after 13", "Aviseringar till vårdnadshavare efter 13"),
        "alerts",
        Text(
            "Alerts that went to another person's phone or e-mail (a guardian's, set while the"
            " child was small) about a young person aged 13 or more.",
            "Aviseringar som gick till någon annans telefon eller e-post (en vårdnadshavares,"
            " inlagd när barnet var litet) om en ung person som fyllt 13.",
        ),
        _SUM,
        integer=True,
    ),
}
"""The headline columns, in order: label, unit, meaning (sv/en) and how each combines.

The one declaration of the headline: the CLI's and the report's tables, the national
combination (:func:`etj_sim.experiments.combine_regions`), the exports and the tests read it.
"""


def label_of(column: str, lang: Language) -> str:
    """The label of headline ``column`` in ``lang`` (the name itself for another column)."""
    entry = SUMMARY_COLUMNS.get(column)
    return entry.label.of(lang) if entry is not None else column


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
    changes = account_changes(events, population, context)
    return RunFrames(
        events=events,
        population=population,
        context=context,
        roster=checked_roster,
        reads=message_reads(events, population, context),
        changes=changes,
        final_states=final_account_states(population, changes, context),
        responses=case_responses(events, context),
    )


def _share(numerator: object, denominator: object) -> float | None:
    """numerator / denominator as a float; None when either is missing or the denominator is 0."""
    if numerator is None or denominator is None:
        return None
    bottom = float(str(denominator))
    return float(str(numerator)) / bottom if bottom else None


def summary_of(frames: RunFrames) -> pl.DataFrame:
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
    responses = response_times(frames.responses, context, within_hours=DEFAULT_WITHIN_HOURS)
    children = child_accounts_activated(frames.final_states)
    refusals = proxy_refusal_rate(frames.events, frames.final_states)
    staff = staff_time(frames.events, context, frames.roster, by=())
    notices = notice_channels(frames.events, context)
    post13 = post13_guardian_alerts(frames.events, frames.population)
    row: dict[str, object] = {
        "population": frames.population.height,
        "active_account_share": _share(accounts["active_end"].sum(), accounts["persons"].sum()),
        "child_accounts_activated_share": children["share"][0],
        "alert_opt_in_share": _share(accounts_with("sms", "email", "both"), active_accounts),
        "alert_sms_share": _share(accounts_with("sms", "both"), active_accounts),
        "alert_email_share": _share(accounts_with("email", "both"), active_accounts),
        "messages_sent": reads_7d["messages_delivered"][0],
        "read_share_7d": reads_7d["read_share"][0],
        "median_hours_to_read": time_to_read["hours_to_read_p50"][0],
        "digital_notice_share": notices.filter(pl.col("channel") == "digital")["share"][0],
        "cases_started": responses["cases_started"][0],
        "median_response_hours": responses["response_hours_p50"][0],
        "p90_response_hours": responses["response_hours_p90"][0],
        "answered_within_48h_share": responses["share_within"][0],
        "staff_utilisation": staff["utilisation"][0],
        "staff_minutes_per_case": _share(staff["busy_minutes"][0], responses["cases_answered"][0]),
        "mean_open_cases_last_week": mean_open_cases(frames.responses, context)["mean_open_cases"][
            0
        ],
        "proxy_refusals_per_1000_children": refusals["per_1000_children"][0],
        "post13_guardian_alerts": post13["alerts"].sum(),
    }
    schema = {
        name: pl.Int64 if column.integer else pl.Float64 for name, column in SUMMARY_COLUMNS.items()
    }
    return pl.DataFrame([row], schema=schema)


def summary(
    events: pl.DataFrame,
    population: pl.DataFrame,
    context: MetricContext,
    roster: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """The headline numbers of a run as one row; see :data:`SUMMARY_COLUMNS` for each column."""
    return summary_of(prepare(events, population, context, roster))

"""Metrics: the event log and population frames in, polars frames out.

Pipeline position: ``simulation -> event log -> metrics -> charts / report / notebooks``. The
metrics read only the event log (``etj_sim.events.EVENT_LOG_SCHEMA``), the population frame
(``etj_sim.population.schema.PEOPLE_SCHEMA``), a :class:`MetricContext` (the run's window and
opening hours) and, for breakdowns by role, an optional staff roster. They are pure functions.

Parts, one purpose each:

- ``context``: :class:`MetricContext`, input checks, shared expressions (age band, alert status).
- ``reading``: read rates, time to read, read curve, message funnel (P1, F8).
- ``alerts``: account replay, alert opt-in over time and by age band, post-13 alerts (R4, R13, D4).
- ``workload``: busy and on-duty minutes, utilisation, cases handled per staff member (P4).
- ``cases``: response time to the first answer, backlog and queue (P2, P4).
- ``access``: active accounts, proxy use, proxy refusals, notices, mass-mailing reach (P1, P3).
- ``summary``: :func:`prepare` builds the per-row frames once; :func:`summary` gives the headline
  row from the detailed tables; :data:`SUMMARY_COLUMNS` declares each headline column once
  (label and meaning in sv/en, unit, how it combines over regions).

Typical use::

    context = MetricContext.from_scenario(scenario)
    frames = prepare(events, population, context)
    read_rates(frames.reads, context, within_days=7, by=["age_band"])
    summary_of(frames)
"""

from etj_sim.metrics.access import (
    active_account_share_by_age_band,
    child_accounts_activated,
    mass_mailing_reach,
    notice_channels,
    proxy_case_share,
    proxy_refusal_rate,
    proxy_refusals,
)
from etj_sim.metrics.alerts import (
    account_changes,
    alert_opt_in_by_age_band,
    alert_opt_in_daily,
    final_account_states,
    guardian_contacts_in_child_settings,
    opt_in_changes,
    post13_guardian_alerts,
)
from etj_sim.metrics.cases import (
    DEFAULT_WITHIN_HOURS,
    backlog_over_time,
    case_responses,
    mean_open_cases,
    response_time_distribution,
    response_times,
)
from etj_sim.metrics.context import (
    ACCOUNT_STATUSES,
    ALERT_STATUSES,
    ROSTER_SCHEMA,
    MetricContext,
)
from etj_sim.metrics.reading import (
    FUNNEL_STAGES,
    READERS,
    message_funnel,
    message_reads,
    never_read_share,
    read_curve,
    read_rates,
    read_share_by_reader,
    time_to_read_quantiles,
)
from etj_sim.metrics.staff_side import (
    form_completion,
    register_change_refusals,
    staff_case_answers,
)
from etj_sim.metrics.summary import (
    SUMMARY_COLUMNS,
    SUMMARY_SCHEMA_VERSION,
    Combination,
    RunFrames,
    SummaryColumn,
    label_of,
    prepare,
    summary,
    summary_of,
)
from etj_sim.metrics.workload import (
    STAFF_TIME_GROUPS,
    shifts,
    staff_daily_handling,
    staff_roster,
    staff_time,
)

__all__ = [
    "ACCOUNT_STATUSES",
    "ALERT_STATUSES",
    "DEFAULT_WITHIN_HOURS",
    "FUNNEL_STAGES",
    "READERS",
    "ROSTER_SCHEMA",
    "STAFF_TIME_GROUPS",
    "SUMMARY_COLUMNS",
    "SUMMARY_SCHEMA_VERSION",
    "Combination",
    "MetricContext",
    "RunFrames",
    "SummaryColumn",
    "account_changes",
    "active_account_share_by_age_band",
    "alert_opt_in_by_age_band",
    "alert_opt_in_daily",
    "backlog_over_time",
    "case_responses",
    "child_accounts_activated",
    "final_account_states",
    "form_completion",
    "guardian_contacts_in_child_settings",
    "label_of",
    "mass_mailing_reach",
    "mean_open_cases",
    "message_funnel",
    "message_reads",
    "never_read_share",
    "notice_channels",
    "opt_in_changes",
    "post13_guardian_alerts",
    "prepare",
    "proxy_case_share",
    "proxy_refusal_rate",
    "proxy_refusals",
    "read_curve",
    "read_rates",
    "read_share_by_reader",
    "register_change_refusals",
    "response_time_distribution",
    "response_times",
    "shifts",
    "staff_case_answers",
    "staff_daily_handling",
    "staff_roster",
    "staff_time",
    "summary",
    "summary_of",
    "time_to_read_quantiles",
]

"""Benchmark: all metrics and all charts on a region-sized synthetic event log.

Pipeline position: ``(synthetic) event log + population -> metrics -> charts``; the simulation is
not run here. A year of ``region-stockholm`` (about 2.4 million persons) gives an event log of
about 40 million rows; this script builds one of that size with numpy, consistent enough for the
metrics (every read follows its message, answers follow their case, alerts follow messages of
persons with alerts on), then times every metric and every chart (including ``to_dict``, which
serialises the chart data). Target (issue 5): at most 15 s for metrics and charts together.

Run: ``.venv/bin/python -m benchmarks.metrics [--persons N] [--days D] [--seed S]``, or
``--run DIR`` to time the real event log of ``etj-sim run region-stockholm --out DIR`` (the
folder's ``events.parquet``, ``population.parquet`` and ``scenario.json``) instead.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from benchmarks.memory import peak_rss_megabytes
from etj_sim.charts import charts_of
from etj_sim.events import EVENT_LOG_SCHEMA, NONE, ActorRole, Channel, Event, Kind
from etj_sim.metrics import (
    MetricContext,
    active_account_share_by_age_band,
    alert_opt_in_by_age_band,
    alert_opt_in_daily,
    backlog_over_time,
    guardian_contacts_in_child_settings,
    mass_mailing_reach,
    message_funnel,
    never_read_share,
    notice_channels,
    opt_in_changes,
    post13_guardian_alerts,
    prepare,
    proxy_case_share,
    proxy_refusals,
    read_curve,
    read_rates,
    read_share_by_reader,
    response_time_distribution,
    response_times,
    staff_daily_handling,
    staff_time,
    summary_of,
    time_to_read_quantiles,
)
from etj_sim.scenario import Scenario

START = datetime(2026, 1, 5)
MINUTES_PER_DAY = 1440.0
STAFF_PER_CLINIC = 4
PERSONS_PER_CLINIC = 10_000
_INT_COLUMNS = ("person", "actor", "clinic", "staff", "case", "message", "recipient")
_CODE_COLUMNS = ("event", "actor_role", "channel", "kind", "reason")


class _Rows:
    """Column blocks of event rows, filled block by block and concatenated once."""

    def __init__(self) -> None:
        self.blocks: list[dict[str, np.ndarray[Any, Any]]] = []

    def add(self, minutes: np.ndarray[Any, Any], event: Event, **columns: Any) -> None:
        count = len(minutes)
        block: dict[str, np.ndarray[Any, Any]] = {
            "minutes": np.asarray(minutes, dtype=np.float64),
            "event": np.full(count, int(event), dtype=np.int8),
        }
        for name, value in columns.items():
            block[name] = np.broadcast_to(np.asarray(value), (count,))
        self.blocks.append(block)

    def frame(self, epoch: datetime) -> pl.DataFrame:
        minutes = np.concatenate([block["minutes"] for block in self.blocks])
        order = np.argsort(minutes, kind="stable")
        epoch_ms = int((epoch - datetime(1970, 1, 1)).total_seconds() * 1000)
        columns: dict[str, pl.Series] = {
            "time": pl.Series(
                "time", np.rint(minutes[order] * 60_000).astype(np.int64) + epoch_ms
            ).cast(pl.Datetime("ms"))
        }
        for name in (*_INT_COLUMNS, *_CODE_COLUMNS, "alert_sms", "alert_email"):
            raw = np.concatenate(
                [
                    block[name].astype(np.int32)
                    if name in block
                    else np.full(len(block["minutes"]), NONE, dtype=np.int32)
                    for block in self.blocks
                ]
            )[order]
            series = pl.Series(name, raw, dtype=pl.Int32)
            nulls = pl.Series(raw == NONE)
            if name in _CODE_COLUMNS:
                dtype = EVENT_LOG_SCHEMA[name]
                assert isinstance(dtype, pl.Enum)
                names = pl.Series(dtype.categories.to_list(), dtype=pl.String)
                columns[name] = (
                    names.gather(series.set(nulls, 0)).set(nulls, None).cast(dtype).alias(name)
                )
            elif name in ("alert_sms", "alert_email"):
                columns[name] = (series == 1).set(nulls, None).alias(name)
            else:
                columns[name] = series.set(nulls, None)
        duration = np.concatenate(
            [
                block.get("duration_minutes", np.full(len(block["minutes"]), np.nan)).astype(
                    np.float32
                )
                for block in self.blocks
            ]
        )[order]
        columns["duration_minutes"] = pl.Series(
            "duration_minutes", duration, dtype=pl.Float32
        ).fill_nan(None)
        # Columns this synthetic log does not fill (the campaign, form and appointment ids,
        # added with issues 13-15) are null throughout, as on rows of other event kinds.
        height = len(minutes)
        return pl.DataFrame(
            [
                columns[name]
                if name in columns
                else pl.repeat(None, height, dtype=dtype, eager=True).alias(name)
                for name, dtype in EVENT_LOG_SCHEMA.items()
            ]
        )


def synthesize(
    persons: int, days: int, seed: int
) -> tuple[pl.DataFrame, pl.DataFrame, MetricContext]:
    """A population frame (the columns the metrics read) and an event log of a region's year."""
    rng = np.random.default_rng(seed)
    horizon = days * MINUTES_PER_DAY
    age_days = rng.integers(0, 95 * 365, persons)
    birth = np.datetime64(START.date()) - age_days.astype("timedelta64[D]")
    age_years = age_days / 365.25
    child = age_years < 13
    active = rng.random(persons) < np.where(child, 0.55, 0.82)
    opted = active & (rng.random(persons) < 0.55)
    split = rng.random(persons)
    sms = opted & (split < 0.8)
    email = opted & (split > 0.55)
    adults = np.flatnonzero(age_years >= 25)
    guardian = np.where(child | (age_years < 18), rng.choice(adults, persons), np.arange(persons))
    person_ids = np.arange(persons, dtype=np.int32)
    population = pl.DataFrame(
        {
            "person": person_ids,
            "birth_date": pl.Series(birth).cast(pl.Date),
            "account_active": active,
            "alert_sms": sms,
            "alert_email": email,
            "settings_mobile_owner": np.where(sms, guardian, person_ids).astype(np.int32),
            "settings_email_owner": np.where(email, guardian, person_ids).astype(np.int32),
        }
    )
    clinics = max(1, persons // PERSONS_PER_CLINIC)
    clinic_of = (person_ids % clinics).astype(np.int32)
    rows = _Rows()
    next_message = 0

    def deliver(
        who: np.ndarray[Any, Any], at: np.ndarray[Any, Any], kind: Kind, staff: Any
    ) -> None:
        """message_sent, alert_sent a minute later (R8, D6), message_read for most."""
        nonlocal next_message
        count = len(who)
        ids = np.arange(next_message, next_message + count, dtype=np.int32)
        next_message += count
        rows.add(
            at, Event.MESSAGE_SENT, person=who, clinic=clinic_of[who], staff=staff, message=ids,
            kind=int(kind), actor_role=int(ActorRole.STAFF), alert_sms=sms[who],
            alert_email=email[who],
        )  # fmt: skip
        alerted = sms[who] | email[who]
        rows.add(
            at[alerted] + 1.0, Event.ALERT_SENT, person=who[alerted],
            recipient=guardian[who[alerted]], message=ids[alerted], channel=int(Channel.SMS),
            actor_role=int(ActorRole.SYSTEM),
        )  # fmt: skip
        read = rng.random(count) < np.where(alerted, 0.9, 0.7)
        delay = rng.lognormal(np.log(np.where(alerted, 240.0, 2880.0)), 1.2)[read]
        proxy = child[who[read]]
        rows.add(
            at[read] + delay, Event.MESSAGE_READ, person=who[read],
            actor=np.where(proxy, guardian[who[read]], who[read]), message=ids[read],
            actor_role=np.where(proxy, int(ActorRole.GUARDIAN_PROXY), int(ActorRole.CITIZEN)),
            clinic=clinic_of[who[read]], kind=int(kind),
        )  # fmt: skip

    # Logins: ~0.6 a month per active account (docs/sources.md).
    active_ids = np.flatnonzero(active)
    logins = rng.choice(active_ids, int(len(active_ids) * 0.6 * days / 30))
    rows.add(
        rng.uniform(0, horizon, len(logins)), Event.LOGIN, person=logins, actor=logins,
        actor_role=int(ActorRole.CITIZEN), channel=rng.integers(0, 2, len(logins)),
    )  # fmt: skip
    # Cases: ~0.95 per person and year, answered by a staff member of the person's clinic.
    cases = int(persons * 0.95 * days / 365)
    who = rng.choice(active_ids, cases)
    started = rng.uniform(0, horizon, cases)
    case_ids = np.arange(cases, dtype=np.int32)
    proxy = child[who]
    kind = rng.integers(0, 4, cases)
    rows.add(
        started, Event.CASE_STARTED, person=who, actor=np.where(proxy, guardian[who], who),
        actor_role=np.where(proxy, int(ActorRole.GUARDIAN_PROXY), int(ActorRole.CITIZEN)),
        clinic=clinic_of[who], case=case_ids, kind=kind,
    )  # fmt: skip
    staff = clinic_of[who] * STAFF_PER_CLINIC + rng.integers(0, STAFF_PER_CLINIC, cases)
    assigned = started + rng.exponential(600.0, cases)
    answered = assigned + rng.exponential(30.0, cases)
    handling = rng.lognormal(np.log(5.0), 0.5, cases)
    common = {"clinic": clinic_of[who], "staff": staff, "case": case_ids, "person": who}
    rows.add(assigned, Event.CASE_ASSIGNED, actor_role=int(ActorRole.STAFF), kind=kind, **common)
    rows.add(
        answered, Event.CASE_ANSWERED, actor_role=int(ActorRole.STAFF), kind=kind,
        duration_minutes=handling, **common,
    )  # fmt: skip
    rows.add(answered + 5.0, Event.CASE_CLOSED, actor_role=int(ActorRole.STAFF), **common)
    deliver(who, answered, Kind.REPLY, staff)
    # Appointment notices (~1.5 per person a year): digital to active accounts, else paper (F7).
    notices = int(persons * 1.5 * days / 365)
    noticed = rng.integers(0, persons, notices)
    at = rng.uniform(0, horizon, notices)
    digital = active[noticed]
    deliver(noticed[digital], at[digital], Kind.APPOINTMENT_NOTICE, NONE)
    rows.add(
        at[~digital], Event.PAPER_SENT, person=noticed[~digital], channel=int(Channel.PAPER),
        kind=int(Kind.APPOINTMENT_NOTICE), clinic=clinic_of[noticed[~digital]],
    )  # fmt: skip
    # Pre-visit information for a third of the digital notices (F2).
    informed = rng.random(int(digital.sum())) < 0.3
    deliver(
        noticed[digital][informed], at[digital][informed] + 60.0, Kind.PRE_VISIT_INFORMATION, NONE
    )
    # Two mass mailings to everyone 65 or older (F6).
    elderly = np.flatnonzero(age_years >= 65)
    for day in (days // 4, days // 2):
        moment = float(day * MINUTES_PER_DAY + 8 * 60)
        rows.add(np.array([moment]), Event.MASS_MAILING_STARTED, actor_role=int(ActorRole.STAFF))
        reached = elderly[active[elderly]]
        deliver(reached, np.full(len(reached), moment), Kind.MASS_MAILING, NONE)
        missed = elderly[~active[elderly]]
        rows.add(
            np.full(len(missed), moment), Event.MESSAGE_UNDELIVERABLE, person=missed,
            kind=int(Kind.MASS_MAILING),
        )  # fmt: skip
    # Activations and settings changes during the run (R2, R4).
    inactive_ids = np.flatnonzero(~active)
    activated = rng.choice(inactive_ids, len(inactive_ids) // 10, replace=False)
    rows.add(
        rng.uniform(0, horizon, len(activated)), Event.ACCOUNT_ACTIVATED, person=activated,
        actor=activated, actor_role=int(ActorRole.CITIZEN),
    )  # fmt: skip
    changers = rng.choice(active_ids, len(active_ids) // 50, replace=False)
    rows.add(
        rng.uniform(0, horizon, len(changers)), Event.SETTINGS_CHANGED, person=changers,
        actor=changers, actor_role=int(ActorRole.CITIZEN),
        alert_sms=rng.random(len(changers)) < 0.6, alert_email=rng.random(len(changers)) < 0.3,
    )  # fmt: skip
    # Shifts 08-17 on weekdays for every staff member.
    weekdays = np.array([day for day in range(days) if (START + timedelta(days=day)).weekday() < 5])
    staff_ids = np.arange(clinics * STAFF_PER_CLINIC, dtype=np.int32)
    shift_staff = np.repeat(staff_ids, len(weekdays))
    shift_day = np.tile(weekdays, len(staff_ids)) * MINUTES_PER_DAY
    for event, hour in ((Event.SHIFT_STARTED, 8), (Event.SHIFT_ENDED, 17)):
        rows.add(
            shift_day + hour * 60, event, staff=shift_staff,
            clinic=shift_staff // STAFF_PER_CLINIC, actor_role=int(ActorRole.STAFF),
        )  # fmt: skip
    context = MetricContext(start=START, end=START + timedelta(days=days))
    return rows.frame(START), population, context


Timings = dict[str, tuple[float, float]]
"""Step -> (wall seconds, CPU seconds of all threads)."""


def _timed(label: str, timings: Timings, run: Callable[[], Any]) -> Any:
    began, began_cpu = time.perf_counter(), time.process_time()
    result = run()
    timings[label] = (time.perf_counter() - began, time.process_time() - began_cpu)
    return result


def measure(events: pl.DataFrame, population: pl.DataFrame, context: MetricContext) -> Timings:
    """Wall and CPU seconds of each metric and chart step on the given frames."""
    timings: Timings = {}
    frames = _timed("prepare", timings, lambda: prepare(events, population, context))
    reads, responses = frames.reads, frames.responses
    steps: dict[str, Callable[[], Any]] = {
        "read_rates": lambda: [
            read_rates(reads, context, by=by)
            for by in ((), ["kind"], ["age_band"], ["alert_status"])
        ],
        "read_share_by_reader": lambda: read_share_by_reader(reads, context),
        "time_to_read_quantiles": lambda: time_to_read_quantiles(reads, by=["kind"]),
        "never_read_share": lambda: never_read_share(reads),
        "read_curve": lambda: read_curve(reads, context),
        "message_funnel": lambda: message_funnel(reads, context),
        "alert_opt_in_daily": lambda: alert_opt_in_daily(population, frames.changes, context),
        "alert_opt_in_by_age_band": lambda: alert_opt_in_by_age_band(frames.final_states),
        "opt_in_changes": lambda: opt_in_changes(frames.changes),
        "guardian_contacts": lambda: guardian_contacts_in_child_settings(population, context),
        "post13_guardian_alerts": lambda: post13_guardian_alerts(events, population),
        "staff_time(clinic)": lambda: staff_time(events, context, by=["clinic"]),
        "staff_time(weekday,hour)": lambda: staff_time(events, context, by=["weekday", "hour"]),
        "staff_daily_handling": lambda: staff_daily_handling(events, context),
        "response_times": lambda: response_times(responses, context, by=["kind"]),
        "response_time_distribution": lambda: response_time_distribution(responses),
        "backlog_over_time": lambda: backlog_over_time(responses, context),
        "active_account_share": lambda: active_account_share_by_age_band(frames.final_states),
        "proxy_case_share": lambda: proxy_case_share(responses, population),
        "proxy_refusals": lambda: proxy_refusals(events),
        "notice_channels": lambda: notice_channels(events, context),
        "mass_mailing_reach": lambda: mass_mailing_reach(events, reads, context),
        "summary_of": lambda: summary_of(frames),
        "charts (build + to_dict)": lambda: [
            chart.to_dict() for chart in charts_of(frames).values()
        ],
    }
    for label, step in steps.items():
        _timed(label, timings, step)
    return timings


def _resident_mb() -> float:
    """The process's resident memory now (Linux), in MB."""
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def load_run(folder: Path) -> tuple[pl.DataFrame, pl.DataFrame, MetricContext]:
    """The event log, population and metric context written by ``etj-sim run --out``."""
    scenario = Scenario.load(folder / "scenario.json")
    return (
        pl.read_parquet(folder / "events.parquet"),
        pl.read_parquet(folder / "population.parquet"),
        MetricContext.from_scenario(scenario),
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--persons", type=int, default=2_400_000)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--run", type=Path, help="folder of an `etj-sim run --out` (real log)")
    arguments = parser.parse_args(argv)
    began = time.perf_counter()
    if arguments.run is not None:
        events, population, context = load_run(arguments.run)
        what = f"real log of {arguments.run}"
    else:
        events, population, context = synthesize(arguments.persons, arguments.days, arguments.seed)
        what = "synthetic log"
    built = time.perf_counter() - began
    print(
        f"{what}: {events.height:,} rows, {population.height:,} persons, "
        f"{(context.end - context.start).days} days, {events.estimated_size('mb'):,.0f} MB; "
        f"ready in {built:.1f} s"
    )
    load_before = os.getloadavg()[0]
    resident_mb = _resident_mb()
    timings = measure(events, population, context)
    print(f"  {'step':<28} {'wall s':>7} {'cpu s':>7}")
    for label, (wall, cpu) in timings.items():
        print(f"  {label:<28} {wall:7.2f} {cpu:7.2f}")
    wall_total = sum(wall for wall, _ in timings.values())
    cpu_total = sum(cpu for _, cpu in timings.values())
    peak_mb = peak_rss_megabytes()
    print(
        f"all metrics and charts: {wall_total:.2f} s wall, {cpu_total:.2f} s CPU "
        f"(target 15 s wall); {os.cpu_count()} cores, load average {load_before:.1f} before, "
        f"{os.getloadavg()[0]:.1f} after; RSS {resident_mb:,.0f} MB with the frames built, "
        f"peak RSS of the process {peak_mb:,.0f} MB"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())

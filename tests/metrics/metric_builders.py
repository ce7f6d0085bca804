"""Tiny builders for hand-made event logs and populations with the exact schemas.

Pipeline position: test support for ``etj_sim.metrics``, ``etj_sim.charts`` and ``etj_sim.report``.
Events go through ``EventLog.record`` so the frames have ``EVENT_LOG_SCHEMA`` exactly; times are
given as (day, hour, minute) after the log's epoch, the Monday 2026-01-05 at midnight.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Final

import polars as pl

from etj_sim.events import NONE, ActorRole, Channel, Event, EventLog, Kind, Reason
from etj_sim.metrics import MetricContext
from etj_sim.population.schema import PEOPLE_SCHEMA

EPOCH: Final = datetime(2026, 1, 5)


def minutes(day: float, hour: float = 0.0, minute: float = 0.0) -> float:
    return day * 1440.0 + hour * 60.0 + minute


def context(days: int = 30) -> MetricContext:
    return MetricContext(start=EPOCH, end=EPOCH + timedelta(days=days))


class LogBuilder:
    """Readable calls for the events the metrics read; ``frame()`` gives the typed log."""

    def __init__(self) -> None:
        self.log = EventLog(EPOCH)

    def frame(self) -> pl.DataFrame:
        return self.log.to_frame()

    def message(
        self,
        at: float,
        message: int,
        person: int,
        kind: Kind = Kind.QUESTION,
        *,
        sms: bool = False,
        email: bool = False,
        staff: int = NONE,
        clinic: int = NONE,
    ) -> None:
        self.log.record(
            at, Event.MESSAGE_SENT, person=person, message=message, kind=kind, staff=staff,
            clinic=clinic, alert_sms=int(sms), alert_email=int(email),
        )  # fmt: skip

    def read(self, at: float, message: int, person: int, *, guardian: int | None = None) -> None:
        role = ActorRole.CITIZEN if guardian is None else ActorRole.GUARDIAN_PROXY
        actor = person if guardian is None else guardian
        self.log.record(
            at, Event.MESSAGE_READ, person=person, actor=actor, actor_role=role, message=message
        )

    def activate(self, at: float, person: int) -> None:
        self.log.record(at, Event.ACCOUNT_ACTIVATED, person=person, actor=person, actor_role=0)

    def settings(self, at: float, person: int, *, sms: bool, email: bool) -> None:
        self.log.record(
            at, Event.SETTINGS_CHANGED, person=person, actor=person,
            actor_role=ActorRole.CITIZEN, alert_sms=int(sms), alert_email=int(email),
        )  # fmt: skip

    def alert(
        self, at: float, person: int, recipient: int, channel: Channel = Channel.SMS,
        *, message: int = NONE,
    ) -> None:  # fmt: skip
        self.log.record(
            at, Event.ALERT_SENT, person=person, recipient=recipient, channel=channel,
            actor_role=ActorRole.SYSTEM, message=message,
        )  # fmt: skip

    def case(
        self, at: float, case: int, person: int, clinic: int = 0, *, guardian: int | None = None,
        kind: Kind = Kind.CONTACT_FORM,
    ) -> None:  # fmt: skip
        role = ActorRole.CITIZEN if guardian is None else ActorRole.GUARDIAN_PROXY
        self.log.record(
            at, Event.CASE_STARTED, person=person, actor=person if guardian is None else guardian,
            actor_role=role, clinic=clinic, case=case, kind=kind,
        )  # fmt: skip

    def assign(self, at: float, case: int, staff: int, clinic: int = 0) -> None:
        self.log.record(
            at, Event.CASE_ASSIGNED, staff=staff, clinic=clinic, case=case,
            actor_role=ActorRole.STAFF,
        )  # fmt: skip

    def answer(
        self, at: float, case: int, staff: int, handling_minutes: float, clinic: int = 0
    ) -> None:
        self.log.record(
            at, Event.CASE_ANSWERED, staff=staff, clinic=clinic, case=case,
            actor_role=ActorRole.STAFF, duration_minutes=handling_minutes,
        )  # fmt: skip

    def shift(self, start: float, end: float, staff: int, clinic: int = 0) -> None:
        self.log.record(start, Event.SHIFT_STARTED, staff=staff, clinic=clinic, actor_role=2)
        self.log.record(end, Event.SHIFT_ENDED, staff=staff, clinic=clinic, actor_role=2)

    def proxy_refused(self, at: float, child: int, guardian: int, reason: Reason) -> None:
        self.log.record(
            at, Event.PROXY_REFUSED, person=child, actor=guardian,
            actor_role=ActorRole.GUARDIAN_PROXY, reason=reason,
        )  # fmt: skip

    def paper(self, at: float, person: int) -> None:
        self.log.record(
            at, Event.PAPER_SENT, person=person, channel=Channel.PAPER,
            kind=Kind.APPOINTMENT_NOTICE, reason=Reason.NO_ACTIVE_ACCOUNT,
        )  # fmt: skip

    def mass_mailing(self, at: float) -> None:
        self.log.record(at, Event.MASS_MAILING_STARTED, actor_role=ActorRole.STAFF)

    def undeliverable(self, at: float, person: int) -> None:
        self.log.record(
            at, Event.MESSAGE_UNDELIVERABLE, person=person, kind=Kind.MASS_MAILING,
            reason=Reason.NO_ACTIVE_ACCOUNT,
        )  # fmt: skip


def day_of_work() -> LogBuilder:
    """The run the chart and report tests draw: a duty block, a case answered with an alerted
    reply that is read, and an appointment notice read by a guardian by proxy."""
    log = LogBuilder()
    log.shift(minutes(0, 8), minutes(0, 17), staff=1)
    log.case(minutes(0, 8), 1, person=0)
    log.answer(minutes(0, 9), 1, staff=1, handling_minutes=8)
    log.message(minutes(0, 9), 1, 0, Kind.REPLY, sms=True, staff=1)
    log.read(minutes(0, 12), 1, 0)
    log.message(minutes(1), 2, 1, Kind.APPOINTMENT_NOTICE)
    log.read(minutes(4), 2, 1, guardian=0)
    return log


def population(
    birth_dates: list[date],
    *,
    active: list[bool] | None = None,
    sms: list[bool] | None = None,
    email: list[bool] | None = None,
    mobile_owner: list[int | None] | None = None,
    email_owner: list[int | None] | None = None,
) -> pl.DataFrame:
    """A population frame with ``PEOPLE_SCHEMA``; columns the metrics do not read get fillers."""
    count = len(birth_dates)
    people = list(range(count))
    columns: dict[str, object] = {
        "person": people,
        "personal_number": [f"{day:%Y%m%d}-{index:03d}0" for index, day in enumerate(birth_dates)],
        "personal_number_int": [
            int(f"{day:%Y%m%d}{index:03d}0") for index, day in enumerate(birth_dates)
        ],
        "number_kind": ["personnummer"] * count,
        "birth_date": birth_dates,
        "sex": ["female"] * count,
        "first_name": ["Anna"] * count,
        "last_name": ["Andersson"] * count,
        "street_address": ["Storgatan 1"] * count,
        "postcode": ["111 11"] * count,
        "municipality": ["Exempelstad"] * count,
        "household": people,
        "protected": [False] * count,
        "bankid": [True] * count,
        "freja_plus": [False] * count,
        "mobile": [None] * count,
        "email": [None] * count,
        "logins_per_month": [0.5] * count,
        "clinic": [0] * count,
        "account_active": active if active is not None else [True] * count,
        "alert_sms": sms if sms is not None else [False] * count,
        "alert_email": email if email is not None else [False] * count,
        "settings_mobile_owner": mobile_owner if mobile_owner is not None else people,
        "settings_email_owner": email_owner if email_owner is not None else people,
    }  # fmt: skip
    return pl.DataFrame(columns, schema=PEOPLE_SCHEMA)

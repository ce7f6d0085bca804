"""Appointments and their notices (F7): the visit a notice is for, its changes and attendance.

Pipeline position: ``staff tool (books, sends notices, records visits) / portal (the digital
notice's rebook and cancel buttons) -> appointments (this module) -> inboxes (the digital
notice) -> event log``. Enforced here (docs/rules.md, F7 and F8):

- an appointment lies after the moment it is booked; a notice names its appointment and time;
- a notice to a person without an active account waits (``notice_held``) up to a hold of some
  days for one (R2): the first activation within the hold and before the visit delivers it;
  otherwise it is dropped (``notice_dropped``, hold_expired or visit_passed);
- paper goes with a reason: ``policy`` (the notice itself goes by post), ``fallback`` (the
  digital notice was unread when the fallback window ended, which the caller sees through the
  staff tool's read status, F8), ``complement`` (paper beside the digital notice for a group
  the region names), ``no_active_account``;
- the citizen's "no letters" setting ("Välj att inte få brev hemskickade") is honoured for paper
  that only repeats a digital notice (fallback, complement) and overridden where the paper is
  the notice itself (policy, no active account): otherwise that person would get no notice;
- rebook and cancel from a digital notice the citizen (or a guardian by proxy) has opened, or by
  a call to the clinic (staff, with the call's minutes); only before the visit;
- attendance is recorded once, at or after the visit, for an appointment not cancelled.

Columnar: one entry per appointment in a few ``array`` columns, one "no letters" flag per
person. No SimPy, no randomness, no I/O.
"""

from __future__ import annotations

import math
from array import array
from dataclasses import dataclass
from datetime import datetime
from enum import IntEnum
from typing import Any, Final

from etj_sim.domain.accounts import Accounts
from etj_sim.domain.clock import Clock
from etj_sim.domain.errors import AccountNotActive, InvalidOperation
from etj_sim.domain.inbox import Inboxes
from etj_sim.domain.register import PopulationRegister
from etj_sim.events import (
    CHANNEL_PHONE,
    KIND_APPOINTMENT_NOTICE,
    NONE,
    ROLE_STAFF,
    EventLog,
    Reason,
)

__all__ = ["PAPER_REASONS", "AppointmentStatus", "AppointmentView", "Appointments"]


class AppointmentStatus(IntEnum):
    """Where an appointment stands."""

    BOOKED = 0
    REBOOKED = 1
    CANCELLED = 2
    ATTENDED = 3
    MISSED = 4


_BOOKED: Final = 0
_REBOOKED: Final = 1
_CANCELLED: Final = 2
_ATTENDED: Final = 3
_MISSED: Final = 4
_NOT_HELD: Final = math.nan
PAPER_REASONS: Final = frozenset(
    (Reason.POLICY, Reason.FALLBACK, Reason.COMPLEMENT, Reason.NO_ACTIVE_ACCOUNT)
)
"""Why a notice goes on paper (F7)."""
_REPEATS_DIGITAL: Final = frozenset((Reason.FALLBACK, Reason.COMPLEMENT))


@dataclass(frozen=True, slots=True)
class AppointmentView:
    """An appointment as the clinic sees it."""

    appointment: int
    person: int
    clinic: int
    time: datetime
    """The visit (after a rebooking, the new time)."""
    time_minutes: float
    status: AppointmentStatus
    notice_message: int | None
    """The digital notice's message id (None: no digital notice delivered, yet or at all)."""
    notice_held: bool
    """The notice waits for the person to activate an account."""
    paper_letters: int
    """Paper notices posted for this appointment."""


class Appointments:
    """Every appointment of the region and the "no letters" setting of every person."""

    __slots__ = (
        "_accounts",
        "_clock",
        "_held",
        "_inboxes",
        "_log",
        "_register",
        "by_message",
        "clinic",
        "hold_until",
        "message",
        "minutes",
        "no_letters",
        "paper",
        "person",
        "staff",
        "status",
    )

    def __init__(
        self,
        register: PopulationRegister,
        accounts: Accounts,
        inboxes: Inboxes,
        clock: Clock,
        log: EventLog | None,
    ) -> None:
        self._register = register
        self._accounts = accounts
        self._inboxes = inboxes
        self._clock = clock
        self._log = log
        self.person = array("i")
        self.clinic = array("i")
        self.staff = array("i")  # who booked it (sends its notices)
        self.minutes = array("d")
        self.message = array("i")  # the digital notice, NONE for none
        self.status = array("b")
        self.paper = array("i")  # paper letters posted
        self.hold_until = array("d")  # NaN: no notice held
        self._held: dict[int, list[int]] = {}
        self.no_letters = array("b")
        self.by_message: dict[int, int] = {}
        self.grow()
        accounts.activation_listeners.append(self._activated)

    def __len__(self) -> int:
        return len(self.person)

    def grow(self) -> None:
        """Extend the per-person column to the register's size (new persons: letters allowed)."""
        missing = len(self._register) - len(self.no_letters)
        if missing > 0:
            self.no_letters.extend(bytes(missing))

    def load_no_letters(self, persons: list[int]) -> None:
        """Initial state: these persons have chosen "no letters" (bulk, nothing logged)."""
        size = len(self.no_letters)
        for person in persons:
            if not 0 <= person < size:
                raise InvalidOperation(f"no person {person} in the register")
            self.no_letters[person] = 1

    def require(self, appointment: int) -> int:
        if type(appointment) is not int or not 0 <= appointment < len(self.person):
            raise InvalidOperation(f"no appointment with id {appointment!r}")
        return appointment

    def view(self, appointment: int) -> AppointmentView:
        appointment = self.require(appointment)
        message = self.message[appointment]
        minutes = self.minutes[appointment]
        return AppointmentView(
            appointment=appointment,
            person=self.person[appointment],
            clinic=self.clinic[appointment],
            time=self._clock.moment(minutes),
            time_minutes=minutes,
            status=AppointmentStatus(self.status[appointment]),
            notice_message=None if message == NONE else message,
            notice_held=self.hold_until[appointment] == self.hold_until[appointment],
            paper_letters=self.paper[appointment],
        )

    # -- booking and notices -----------------------------------------------------------------

    def book(self, person: int, clinic: int, staff: int, minutes: float) -> int:
        now = self._clock.minutes
        if not now < minutes < math.inf:
            raise InvalidOperation(
                f"F7: an appointment lies after now ({now} min), got {minutes} min"
            )
        appointment = len(self.person)
        self.person.append(person)
        self.clinic.append(clinic)
        self.staff.append(staff)
        self.minutes.append(float(minutes))
        self.message.append(NONE)
        self.status.append(_BOOKED)
        self.paper.append(0)
        self.hold_until.append(_NOT_HELD)
        return appointment

    def _require_open(self, appointment: int, what: str) -> int:
        appointment = self.require(appointment)
        if self.status[appointment] > _REBOOKED:
            status = AppointmentStatus(self.status[appointment]).name.lower()
            raise InvalidOperation(f"F7: appointment {appointment} is {status}; cannot {what}")
        if not self._clock.minutes < self.minutes[appointment]:
            raise InvalidOperation(f"F7: the visit of appointment {appointment} has passed")
        return appointment

    def send_notice(self, appointment: int, staff: int, hold_days: float) -> int | None:
        """The digital notice (returns its message id), or held for an account (None)."""
        appointment = self._require_open(appointment, "send a notice")
        if self.message[appointment] != NONE or self._is_held(appointment):
            raise InvalidOperation(f"F7: appointment {appointment} already has a digital notice")
        if not 0.0 <= hold_days < math.inf:
            raise InvalidOperation(f"hold_days must be a finite number >= 0, got {hold_days}")
        person = self.person[appointment]
        if self._accounts.active[person]:
            return self._deliver(appointment, staff)
        if hold_days == 0.0:
            raise AccountNotActive(
                f"R2: person {person} has no active account and the notice may not wait for one"
            )
        now = self._clock.minutes
        self.hold_until[appointment] = now + hold_days * 1440.0
        self._held.setdefault(person, []).append(appointment)
        if self._log is not None:
            self._log.notice_held(
                now, person, self.clinic[appointment], staff, appointment, self.minutes[appointment]
            )
        return None

    def _is_held(self, appointment: int) -> bool:
        until = self.hold_until[appointment]
        return until == until

    def _deliver(self, appointment: int, staff: int) -> int:
        message = self._inboxes.deliver(
            self.person[appointment],
            KIND_APPOINTMENT_NOTICE,
            self.clinic[appointment],
            staff,
            NONE,
            "",
            "",
            appointment=appointment,
            appointment_minutes=self.minutes[appointment],
        )
        self.message[appointment] = message
        self.by_message[message] = appointment
        return message

    def _activated(self, person: int) -> None:
        """R2: the account is active now; deliver (or drop) the notices held for it."""
        held = self._held.pop(person, None)
        if held is None:
            return
        now = self._clock.minutes
        for appointment in held:
            if not self._is_held(appointment):
                continue
            if now < self.hold_until[appointment] and now < self.minutes[appointment]:
                self.hold_until[appointment] = _NOT_HELD
                self._deliver(appointment, self.staff[appointment])
            else:
                self._drop(appointment)

    def end_hold(self, appointment: int) -> bool:
        """Drop the held notice if its hold has ended or its visit has come; returns whether
        it was dropped (False: not held, or still within the hold)."""
        appointment = self.require(appointment)
        if not self._is_held(appointment):
            return False
        now = self._clock.minutes
        if now < self.hold_until[appointment] and now < self.minutes[appointment]:
            return False
        self._drop(appointment)
        held = self._held.get(self.person[appointment])
        if held is not None and appointment in held:
            held.remove(appointment)
        return True

    def _drop(self, appointment: int) -> None:
        now = self._clock.minutes
        reason = (
            Reason.VISIT_PASSED
            if now >= self.minutes[appointment]
            and self.minutes[appointment] <= self.hold_until[appointment]
            else Reason.HOLD_EXPIRED
        )
        self.hold_until[appointment] = _NOT_HELD
        if self._log is not None:
            self._log.notice_dropped(
                now,
                self.person[appointment],
                self.clinic[appointment],
                appointment,
                self.minutes[appointment],
                reason,
            )

    def send_paper(self, appointment: int, staff: int, reason: Reason) -> bool:
        """Post a paper notice; returns False where "no letters" holds (nothing is posted)."""
        appointment = self._require_open(appointment, "post a notice")
        if reason not in PAPER_REASONS:
            raise InvalidOperation(f"F7: {reason!r} is not a reason for a paper notice")
        person = self.person[appointment]
        active = self._accounts.active[person]
        if reason is Reason.NO_ACTIVE_ACCOUNT and active:
            raise InvalidOperation(f"person {person} has an active account")
        if reason in _REPEATS_DIGITAL and active and self.no_letters[person]:
            return False
        self.paper[appointment] += 1
        if self._log is not None:
            self._log.paper_sent(
                self._clock.minutes,
                person,
                self.clinic[appointment],
                staff,
                NONE,
                KIND_APPOINTMENT_NOTICE,
                reason,
                appointment,
                self.minutes[appointment],
            )
        return True

    # -- changes and visits ------------------------------------------------------------------

    def change(
        self,
        appointment: int,
        new_minutes: float | None,
        actor: int,
        role: int,
        channel: int,
        staff: int,
        handling_minutes: float,
    ) -> None:
        """Rebook to ``new_minutes`` (a later visit), or cancel (``new_minutes`` None)."""
        what = "cancel it" if new_minutes is None else "rebook it"
        appointment = self._require_open(appointment, what)
        now = self._clock.minutes
        if new_minutes is not None and not now < new_minutes < math.inf:
            raise InvalidOperation(f"F7: a new time lies after now ({now} min), got {new_minutes}")
        if not (handling_minutes != handling_minutes or 0.0 <= handling_minutes < math.inf):
            raise InvalidOperation(
                f"handling_minutes must be a finite number >= 0, got {handling_minutes}"
            )
        person = self.person[appointment]
        message = self.message[appointment]
        log = self._log
        if new_minutes is None:
            self.status[appointment] = _CANCELLED
            if self._is_held(appointment):
                self._drop(appointment)
            if log is not None:
                log.appointment_cancelled(
                    now, person, actor, role, self.clinic[appointment], staff, message, channel,
                    appointment, self.minutes[appointment], handling_minutes,
                )  # fmt: skip
            return
        self.status[appointment] = _REBOOKED
        self.minutes[appointment] = float(new_minutes)
        if log is not None:
            log.appointment_rebooked(
                now, person, actor, role, self.clinic[appointment], staff, message, channel,
                appointment, float(new_minutes), handling_minutes,
            )  # fmt: skip

    def change_by_phone(
        self, appointment: int, staff: int, new_minutes: float | None, handling_minutes: float
    ) -> None:
        self.change(
            appointment, new_minutes, NONE, ROLE_STAFF, CHANNEL_PHONE, staff, handling_minutes
        )

    def record_visit(self, appointment: int, staff: int, attended: bool) -> None:
        appointment = self.require(appointment)
        if type(attended) is not bool:
            raise InvalidOperation(f"attended must be True or False, got {attended!r}")
        status = self.status[appointment]
        if status > _REBOOKED:
            name = AppointmentStatus(status).name.lower()
            raise InvalidOperation(f"appointment {appointment} is {name}; no visit to record")
        now = self._clock.minutes
        if now < self.minutes[appointment]:
            raise InvalidOperation(
                f"the visit of appointment {appointment} is at {self.minutes[appointment]} min, "
                f"after now ({now} min)"
            )
        if self._is_held(appointment):
            self._drop(appointment)
        self.status[appointment] = _ATTENDED if attended else _MISSED
        log = self._log
        if log is not None:
            record = log.visit_attended if attended else log.visit_missed
            record(
                now,
                self.person[appointment],
                self.clinic[appointment],
                staff,
                appointment,
                self.minutes[appointment],
            )

    def of_message(self, message: int) -> int:
        appointment = self.by_message.get(message)
        if appointment is None:
            raise InvalidOperation(f"F7: message {message} is not an appointment notice")
        return appointment

    def snapshot(self) -> tuple[Any, ...]:
        return (
            bytes(self.person),
            bytes(self.clinic),
            bytes(self.minutes),
            bytes(self.message),
            bytes(self.status),
            bytes(self.paper),
            bytes(self.hold_until),
            bytes(self.no_letters),
        )

"""The event log: its schema and the columnar buffer that records it.

Pipeline position: the domain (``etj_sim.domain``) writes one row here for every operation it
carries out or refuses; the simulation only sets the clock and calls the domain; the metrics
(``etj_sim.metrics``) read the finished frame. This module is the one source of truth for the
column names, their types and the vocabulary of event names, actor roles, channels, kinds and
reasons, so that any run, old or new, can be measured again.

Rows are buffered as packed fixed-size records plus a few sparse columns (a few dozen bytes a
row, no Python object per row) and
turned into one typed polars frame by :meth:`EventLog.to_frame` (or
:meth:`EventLog.drain_to_frame`, which frees the buffer as it goes). Integer ids use ``-1`` for
"does not apply" in the buffer and become nulls in the frame; times are minutes since the log's
epoch in the buffer and ``Datetime("ms")`` in the frame.
"""

from __future__ import annotations

import bisect
import io
from array import array
from collections.abc import Sequence
from datetime import datetime
from enum import IntEnum
from struct import Struct
from struct import error as StructError
from typing import Any, Final

import numpy as np
import polars as pl

__all__ = [
    "ACTOR_ROLES",
    "CHANNELS",
    "EVENT_LOG_SCHEMA",
    "EVENT_NAMES",
    "KINDS",
    "NONE",
    "REASONS",
    "ActorRole",
    "Channel",
    "Event",
    "EventLog",
    "Kind",
    "Reason",
    "empty_event_log",
    "read_sealed",
]

NONE: Final = -1
"""Buffer value for an id or code that does not apply to a row (a null in the frame)."""


class Event(IntEnum):
    """What happened. The order is part of the stored format: append new names at the end."""

    ACCOUNT_ACTIVATED = 0  # R2 (own first login) or R9/D7 (guardian in proxy mode)
    LOGIN = 1  # R1, R15
    LOGIN_REFUSED = 2  # R1 (no e-ID), R15 (13 or older without own e-ID)
    SETTINGS_CHANGED = 3  # R4, R5; alert_sms/alert_email hold the new choice
    SETTINGS_REVIEW_PROMPTED = 4  # R14: first login after the 13th birthday
    TURNED_13 = 5  # R14, D2: the day proxy ends
    CASE_STARTED = 6  # F1, F4, F5; actor_role says child/holder or guardian_proxy (R11)
    PROXY_REFUSED = 7  # R10, R12, D2; reason says why
    MESSAGE_SENT = 8  # a message landed in an inbox (R19, F2, F3, F6, F7, replies)
    MESSAGE_UNDELIVERABLE = 9  # no active account (F6 per-recipient outcome)
    PAPER_SENT = 10  # a notice went by post instead (counted, P4)
    ALERT_SENT = 11  # R8, D6; recipient is whose contact received it
    MESSAGE_READ = 12  # F8; actor is the reader (holder or guardian by proxy)
    CASE_ASSIGNED = 13  # a staff member took a case from the clinic's queue
    CASE_ANSWERED = 14  # staff answered; duration_minutes is the handling time
    CASE_CLOSED = 15
    CITIZEN_REPLIED = 16  # F4 dialogue round from the citizen side
    FORM_SUBMITTED = 17  # F3
    ATTACHMENT_SENT = 18  # F5, either direction
    SHIFT_STARTED = 19  # staff workload denominators (P4)
    SHIFT_ENDED = 20
    MASS_MAILING_STARTED = 21  # F6: one row per campaign
    STAFF_CASE_OPENED = 22  # R19, R20: "Skicka ärende" opened a case (question, form, ...)
    CONSENT_RECORDED = 23  # R2, D7: the holder's own consent to an account a guardian activated
    PROTECTION_GRANTED = 24  # R12, R16: the register marks the person's data protected
    PROTECTION_LIFTED = 25
    GUARDIANSHIP_STARTED = 26  # R9, R10: person is the child, actor the guardian
    GUARDIANSHIP_ENDED = (
        27  # R10, D9: proxy and the guardian's contacts in the child's settings end
    )
    NOTICE_HELD = 28  # F7: a notice to a person without an active account waits for one
    NOTICE_DROPPED = 29  # F7: a held notice's wait ended (no account in time, or the visit came)
    APPOINTMENT_REBOOKED = 30  # F7: a new time (the notice's button, or a call to the clinic)
    APPOINTMENT_CANCELLED = 31  # F7: cancelled (the notice's button, or a call to the clinic)
    VISIT_ATTENDED = 32  # the clinic recorded the visit as attended
    VISIT_MISSED = 33  # the clinic recorded a missed visit (no-show)


class ActorRole(IntEnum):
    CITIZEN = 0
    GUARDIAN_PROXY = 1
    STAFF = 2
    SYSTEM = 3


class Channel(IntEnum):
    WEB = 0
    APP = 1
    SMS = 2
    EMAIL = 3
    PAPER = 4
    PHONE = 5  # a call to the clinic (rebooking or cancelling an appointment)


class Kind(IntEnum):
    """Case kinds (citizen-initiated, F1) and message kinds (what lands in an inbox)."""

    # case kinds
    PRESCRIPTION_RENEWAL = 0
    HEALTH_DECLARATION = 1
    CONTACT_FORM = 2
    LOCAL_ESERVICE = 3  # R18
    # message kinds
    REPLY = 4  # staff answer in a case dialogue (F4)
    QUESTION = 5  # staff-initiated message or question (R19)
    PRE_VISIT_INFORMATION = 6  # F2
    FORM = 7  # F3
    APPOINTMENT_NOTICE = 8  # F7
    MASS_MAILING = 9  # F6


class Reason(IntEnum):
    """Why an operation was refused or fell back to paper."""

    PROTECTED_CHILD = 0  # R12
    PROTECTED_GUARDIAN = 1  # R12
    CHILD_13_OR_OLDER = 2  # R10, D2
    NOT_GUARDIAN = 3  # R3, R10
    NO_ACTIVE_ACCOUNT = 4  # F6 outcome, paper fallback
    NO_EID = 5  # R1
    NEEDS_OWN_EID = 6  # R15
    UNDER_13 = 7  # R10, R15, D2: no own login before 13 without an own e-ID; a guardian acts
    NO_PERSONNUMMER = 8  # R9, D8: unborn, or only a samordningsnummer: no proxy activation
    POLICY = 9  # F7: the clinic's notice policy sends this notice on paper (no digital notice)
    FALLBACK = 10  # F7: the digital notice was unread when the fallback window ended
    COMPLEMENT = 11  # F7: paper beside the digital notice for a group the policy names
    HOLD_EXPIRED = 12  # F7: no active account within the wait
    VISIT_PASSED = 13  # F7: the visit came before the held notice could be delivered


def _names(enum: type[IntEnum]) -> list[str]:
    members = sorted(enum, key=int)
    assert [int(m) for m in members] == list(range(len(members))), enum
    return [m.name.lower() for m in members]


# Enum members bound to module names, defined once here for the domain's and the simulation's
# hot paths: a module global is about ten times faster to look up than a member on its enum
# class (CPython 3.11), and the compiled build reads it as a C global.
ROLE_CITIZEN: Final = ActorRole.CITIZEN
ROLE_GUARDIAN_PROXY: Final = ActorRole.GUARDIAN_PROXY
ROLE_STAFF: Final = ActorRole.STAFF
ROLE_SYSTEM: Final = ActorRole.SYSTEM
CHANNEL_WEB: Final = Channel.WEB
CHANNEL_APP: Final = Channel.APP
CHANNEL_SMS: Final = Channel.SMS
CHANNEL_EMAIL: Final = Channel.EMAIL
CHANNEL_PAPER: Final = Channel.PAPER
CHANNEL_PHONE: Final = Channel.PHONE
KIND_LOCAL_ESERVICE: Final = Kind.LOCAL_ESERVICE
KIND_REPLY: Final = Kind.REPLY
KIND_QUESTION: Final = Kind.QUESTION
KIND_PRE_VISIT_INFORMATION: Final = Kind.PRE_VISIT_INFORMATION
KIND_FORM: Final = Kind.FORM
KIND_APPOINTMENT_NOTICE: Final = Kind.APPOINTMENT_NOTICE
KIND_MASS_MAILING: Final = Kind.MASS_MAILING

_ACCOUNT_ACTIVATED: Final = Event.ACCOUNT_ACTIVATED
_LOGIN: Final = Event.LOGIN
_LOGIN_REFUSED: Final = Event.LOGIN_REFUSED
_SETTINGS_CHANGED: Final = Event.SETTINGS_CHANGED
_SETTINGS_REVIEW_PROMPTED: Final = Event.SETTINGS_REVIEW_PROMPTED
_TURNED_13: Final = Event.TURNED_13
_CASE_STARTED: Final = Event.CASE_STARTED
_PROXY_REFUSED: Final = Event.PROXY_REFUSED
_MESSAGE_SENT: Final = Event.MESSAGE_SENT
_MESSAGE_UNDELIVERABLE: Final = Event.MESSAGE_UNDELIVERABLE
_PAPER_SENT: Final = Event.PAPER_SENT
_ALERT_SENT: Final = Event.ALERT_SENT
_MESSAGE_READ: Final = Event.MESSAGE_READ
_CASE_ASSIGNED: Final = Event.CASE_ASSIGNED
_CASE_ANSWERED: Final = Event.CASE_ANSWERED
_CASE_CLOSED: Final = Event.CASE_CLOSED
_CITIZEN_REPLIED: Final = Event.CITIZEN_REPLIED
_FORM_SUBMITTED: Final = Event.FORM_SUBMITTED
_ATTACHMENT_SENT: Final = Event.ATTACHMENT_SENT
_SHIFT_STARTED: Final = Event.SHIFT_STARTED
_SHIFT_ENDED: Final = Event.SHIFT_ENDED
_MASS_MAILING_STARTED: Final = Event.MASS_MAILING_STARTED
_STAFF_CASE_OPENED: Final = Event.STAFF_CASE_OPENED
_CONSENT_RECORDED: Final = Event.CONSENT_RECORDED
_PROTECTION_GRANTED: Final = Event.PROTECTION_GRANTED
_PROTECTION_LIFTED: Final = Event.PROTECTION_LIFTED
_GUARDIANSHIP_STARTED: Final = Event.GUARDIANSHIP_STARTED
_GUARDIANSHIP_ENDED: Final = Event.GUARDIANSHIP_ENDED
_NOTICE_HELD: Final = Event.NOTICE_HELD
_NOTICE_DROPPED: Final = Event.NOTICE_DROPPED
_APPOINTMENT_REBOOKED: Final = Event.APPOINTMENT_REBOOKED
_APPOINTMENT_CANCELLED: Final = Event.APPOINTMENT_CANCELLED
_VISIT_ATTENDED: Final = Event.VISIT_ATTENDED
_VISIT_MISSED: Final = Event.VISIT_MISSED
_APPOINTMENT_NOTICE: Final = Kind.APPOINTMENT_NOTICE
_CITIZEN: Final = ActorRole.CITIZEN
_GUARDIAN_PROXY: Final = ActorRole.GUARDIAN_PROXY
_STAFF: Final = ActorRole.STAFF
_SYSTEM: Final = ActorRole.SYSTEM
_PAPER: Final = Channel.PAPER
_FORM: Final = Kind.FORM
_MASS_MAILING: Final = Kind.MASS_MAILING

EVENT_NAMES: Final = _names(Event)
ACTOR_ROLES: Final = _names(ActorRole)
CHANNELS: Final = _names(Channel)
KINDS: Final = _names(Kind)
REASONS: Final = _names(Reason)

_COLUMN_TYPES: dict[str, pl.DataType] = {
    "time": pl.Datetime("ms"),
    "event": pl.Enum(EVENT_NAMES),
    "person": pl.Int32(),  # whose account or inbox (the child when a guardian acts by proxy)
    "actor": pl.Int32(),  # who acted, where a person did
    "actor_role": pl.Enum(ACTOR_ROLES),
    "clinic": pl.Int32(),
    "staff": pl.Int32(),
    "case": pl.Int32(),
    "message": pl.Int32(),
    "channel": pl.Enum(CHANNELS),
    "kind": pl.Enum(KINDS),
    "campaign": pl.Int32(),  # message_sent / message_undeliverable of a mass mailing (F6)
    "form": pl.Int32(),  # message_sent of a form message and form_submitted (F3)
    "reason": pl.Enum(REASONS),
    "recipient": pl.Int32(),  # alert_sent: the person whose mobile or e-mail got the alert
    "alert_sms": pl.Boolean(),  # settings after a change; recipient's choice at message_sent
    "alert_email": pl.Boolean(),
    "duration_minutes": pl.Float32(),  # staff handling time (case_answered, phone calls)
    "appointment": pl.Int32(),  # F7: the appointment a notice, paper, change or visit is for
    "appointment_time": pl.Datetime("ms"),  # F7: its time (after a rebooking: the new time)
}
EVENT_LOG_SCHEMA: Final = pl.Schema(_COLUMN_TYPES)
"""The event log's columns and types: a contract for the metrics and for stored runs."""

# Buffer layout. The columns every row fills (or that most rows fill) are packed into one
# fixed-size record per row: one ``struct.pack`` and one ``bytearray`` extend cost far less than
# sixteen ``array.append`` calls. The columns few rows fill (reason: refusals; recipient: alerts;
# campaign: mass mailings; duration_minutes: case_answered; appointment and appointment_time:
# notices and visits) are sparse (row, value) pairs.
# Booleans are -1 (null), 0, 1.
_INT_COLUMNS: Final = (
    "person",
    "actor",
    "clinic",
    "staff",
    "case",
    "message",
    "campaign",
    "form",
    "recipient",
    "appointment",
)
_CODE_COLUMNS: Final = ("event", "actor_role", "channel", "kind", "reason")
_FLAG_COLUMNS: Final = ("alert_sms", "alert_email")
_DENSE_LAYOUT: Final = (
    ("time", "<f8", "d"),
    ("person", "<i4", "i"),
    ("actor", "<i4", "i"),
    ("clinic", "<i4", "i"),
    ("staff", "<i4", "i"),
    ("case", "<i4", "i"),
    ("message", "<i4", "i"),
    ("event", "i1", "b"),
    ("actor_role", "i1", "b"),
    ("channel", "i1", "b"),
    ("kind", "i1", "b"),
    ("alert_sms", "i1", "b"),
    ("alert_email", "i1", "b"),
)
_ROW: Final = Struct("<" + "".join(code for _, _, code in _DENSE_LAYOUT))
_ROW_DTYPE: Final = np.dtype([(name, dtype) for name, dtype, _ in _DENSE_LAYOUT])
ROW_BYTES: Final = _ROW.size
"""Bytes of the dense part of one buffered row (sparse columns add a few per row using them)."""
assert _ROW_DTYPE.itemsize == ROW_BYTES
_NAN: Final = float("nan")
SEAL_ROWS: Final = 1 << 18
"""Rows per store of :meth:`EventLog.seal`, about 10 MB of buffer; the engine seals once this
many are unsealed (in a log of at least :data:`SEAL_FROM_ROWS` rows).

Small enough that a store's frame (every column of these rows, its IPC form and its compression)
fits in memory the allocators keep: stores of two million rows had each seal take about a
gigabyte of fresh pages from the kernel, and zeroing those pages was 6% of a region run
(``perf``); stores of this size reuse their memory, and a region year ends in about 150."""
SEAL_FROM_ROWS: Final = 1 << 21
"""The engine seals no log smaller than this (about 80 MB buffered): in a smaller run sealing
would only move the frame's making into the run and add a compression."""
DRAIN_CHUNK_ROWS: Final = 1 << 21
"""Rows per chunk of :meth:`EventLog.drain_to_frame` (the peak memory is about one chunk)."""


class EventLog:
    """An append-only columnar buffer of events with minutes since ``epoch`` as time.

    The domain writes every row through one recorder per event kind (``login``,
    ``message_sent``, ...): each fixes the event code, the actor role and the columns that do
    not apply, so a call site names only what varies, and adding a column touches this class
    alone. Recorders are on the hot path of every simulation (tens of millions of calls): they
    take positional arguments and append one packed record without building any per-row
    object. ``record`` is the generic form (any event, keyword columns; same rows, same frame).
    """

    __slots__ = (
        "_appointment",
        "_appointment_minutes",
        "_appointment_minutes_rows",
        "_appointment_rows",
        "_campaign",
        "_campaign_rows",
        "_duration",
        "_duration_rows",
        "_form",
        "_form_rows",
        "_pack",
        "_reason",
        "_reason_rows",
        "_recipient",
        "_recipient_rows",
        "_rows",
        "_sealed",
        "_sealed_rows",
        "epoch",
    )

    def __init__(self, epoch: datetime) -> None:
        self.epoch = epoch
        self._rows = bytearray()
        # Rows sealed by seal(): compressed frames of rows 0.._sealed_rows-1, in order. The
        # buffer and the sparse arrays hold the rows after them (with their global row numbers).
        self._sealed: list[bytes] = []
        self._sealed_rows = 0
        self._pack = _ROW.pack
        self._reason_rows = array("q")
        self._reason = array("b")
        self._recipient_rows = array("q")
        self._recipient = array("i")
        self._campaign_rows = array("q")
        self._campaign = array("i")
        self._form_rows = array("q")
        self._form = array("i")
        self._duration_rows = array("q")
        self._duration = array("f")
        self._appointment_rows = array("q")
        self._appointment = array("i")
        self._appointment_minutes_rows = array("q")
        self._appointment_minutes = array("d")

    def __len__(self) -> int:
        return self._sealed_rows + len(self._rows) // ROW_BYTES

    @property
    def unsealed_rows(self) -> int:
        """Rows recorded since the last :meth:`seal` (all of them if it was never called)."""
        return len(self._rows) // ROW_BYTES

    def seal(self, store_rows: int = SEAL_ROWS) -> None:
        """Compress the rows recorded so far into the log's stores, at most ``store_rows`` rows
        each; recording goes on after them.

        A region year logs about 40 million rows: 1.5 GB in the buffer at the end of the run, on
        top of the domain's own state, which made the end of the run the peak of memory. Sealed
        rows are kept as their frame (the one :meth:`to_frame` gives) in Arrow IPC form with
        zstd, about 12 bytes a row instead of 38 (measured on ``baseline``'s log);
        :meth:`to_frame` and :meth:`drain_to_frame` give the same frame either way. The engine
        seals once a day when at least :data:`SEAL_ROWS` rows are unsealed in a log of
        :data:`SEAL_FROM_ROWS` rows or more (a small run never seals).
        """
        if store_rows < 1:
            raise ValueError(f"a store holds at least one row, got store_rows={store_rows}")
        end = len(self)
        first = self._sealed_rows
        if end == first:
            return
        for start in range(first, end, store_rows):
            frame = self._frame_of_rows(start, min(start + store_rows, end))
            store = io.BytesIO()
            frame.write_ipc(store, compression="zstd")
            del frame
            self._sealed.append(store.getvalue())
        self._sealed_rows = end
        # Emptied in place, as drain_to_frame does (an emptied array frees its memory): every
        # sparse entry belonged to a row now sealed.
        del self._rows[:]
        for rows, values in self._sparse_parts():
            del rows[:]
            del values[:]

    def drain_sealed(self) -> list[bytes]:
        """Seal what is unsealed and hand over every sealed store, emptying the log.

        The log leaves in its compressed form (about 12 bytes a row): a shard of a sharded run
        sends this to the caller instead of a frame, so the shard never builds its frame and the
        caller reads one column at a time (:func:`read_sealed`). The log is empty afterwards.
        """
        self.seal()
        parts = self._sealed
        self._sealed = []
        self._sealed_rows = 0
        return parts

    def _sparse_parts(self) -> tuple[tuple[array[int], array[Any]], ...]:
        """The (rows, values) pairs of the sparse columns."""
        return (
            (self._reason_rows, self._reason),
            (self._recipient_rows, self._recipient),
            (self._campaign_rows, self._campaign),
            (self._form_rows, self._form),
            (self._duration_rows, self._duration),
            (self._appointment_rows, self._appointment),
            (self._appointment_minutes_rows, self._appointment_minutes),
        )

    def __deepcopy__(self, memo: dict[int, object]) -> EventLog:
        """A copy with buffers of its own: a frame of it may stay alive while this log grows.

        Written out because the compiled build (mypyc) has no generic deep copy of a class with
        ``__slots__`` and a required constructor argument.
        """
        copied = EventLog(self.epoch)
        copied._rows = bytearray(self._rows)
        copied._sealed = list(self._sealed)  # bytes: immutable, shared
        copied._sealed_rows = self._sealed_rows
        copied._reason_rows = array("q", self._reason_rows)
        copied._reason = array("b", self._reason)
        copied._recipient_rows = array("q", self._recipient_rows)
        copied._recipient = array("i", self._recipient)
        copied._campaign_rows = array("q", self._campaign_rows)
        copied._campaign = array("i", self._campaign)
        copied._form_rows = array("q", self._form_rows)
        copied._form = array("i", self._form)
        copied._duration_rows = array("q", self._duration_rows)
        copied._duration = array("f", self._duration)
        copied._appointment_rows = array("q", self._appointment_rows)
        copied._appointment = array("i", self._appointment)
        copied._appointment_minutes_rows = array("q", self._appointment_minutes_rows)
        copied._appointment_minutes = array("d", self._appointment_minutes)
        return copied

    @property
    def buffered_bytes(self) -> int:
        """Bytes the log holds now (sealed frames, dense records and sparse pairs), for memory
        reports."""
        return (
            sum(len(sealed) for sealed in self._sealed)
            + len(self._rows)
            + sum(
                len(rows) * rows.itemsize + len(values) * values.itemsize
                for rows, values in self._sparse_parts()
            )
        )

    def record(
        self,
        minutes: float,
        event: int,
        person: int = NONE,
        actor: int = NONE,
        actor_role: int = NONE,
        clinic: int = NONE,
        staff: int = NONE,
        case: int = NONE,
        message: int = NONE,
        channel: int = NONE,
        kind: int = NONE,
        reason: int = NONE,
        recipient: int = NONE,
        alert_sms: int = NONE,
        alert_email: int = NONE,
        duration_minutes: float = _NAN,
        campaign: int = NONE,
        form: int = NONE,
        appointment: int = NONE,
        appointment_minutes: float = _NAN,
    ) -> None:
        """Append one event. Ids and codes are ints, ``NONE`` (-1) where they do not apply.

        Raises ``ValueError`` naming the columns when a value does not fit its column.
        """
        row = len(self)
        self._dense(
            minutes,
            event,
            person,
            actor,
            actor_role,
            clinic,
            staff,
            case,
            message,
            channel,
            kind,
            alert_sms,
            alert_email,
        )
        if reason != NONE:
            self._reason.append(reason)
            self._reason_rows.append(row)
        if recipient != NONE:
            self._recipient.append(recipient)
            self._recipient_rows.append(row)
        if campaign != NONE:
            self._campaign.append(campaign)
            self._campaign_rows.append(row)
        if form != NONE:
            self._form.append(form)
            self._form_rows.append(row)
        if duration_minutes == duration_minutes:  # not NaN
            self._duration.append(duration_minutes)
            self._duration_rows.append(row)
        if appointment != NONE:
            self._appointment.append(appointment)
            self._appointment_rows.append(row)
        if appointment_minutes == appointment_minutes:
            self._appointment_minutes.append(appointment_minutes)
            self._appointment_minutes_rows.append(row)

    def _dense(
        self,
        minutes: float,
        event: int,
        person: int,
        actor: int,
        actor_role: int,
        clinic: int,
        staff: int,
        case: int,
        message: int,
        channel: int,
        kind: int,
        alert_sms: int,
        alert_email: int,
    ) -> None:
        """Append the packed record of one row (the sparse columns are the caller's)."""
        try:
            packed = self._pack(
                minutes,
                person,
                actor,
                clinic,
                staff,
                case,
                message,
                event,
                actor_role,
                channel,
                kind,
                alert_sms,
                alert_email,
            )
        except (StructError, TypeError, OverflowError) as error:
            raise ValueError(
                f"event log: a value does not fit its column (time {minutes!r}, event {event!r}, "
                f"ids {person, actor, clinic, staff, case, message}, codes "
                f"{actor_role, channel, kind, alert_sms, alert_email}): {error}"
            ) from None
        self._rows += packed

    def _sparse_at_last_row(self, rows: array[int], values: array[Any], value: Any) -> None:
        """Give the row just packed a value in one sparse column (after ``_dense`` succeeded).

        ``value`` is typed ``Any`` on purpose: the compiled build (mypyc) would turn an int passed
        as ``float`` into a float, which an int column refuses.
        """
        rows.append(self._sealed_rows + len(self._rows) // ROW_BYTES - 1)
        values.append(value)

    # -- one recorder per event kind (the domain's only way in) ----------------------------

    def account_activated(
        self, minutes: float, person: int, actor: int, actor_role: int, channel: int
    ) -> None:
        """R2 (own first login) or R9/D7 (a guardian in proxy mode): consent given by actor."""
        self._dense(minutes, _ACCOUNT_ACTIVATED, person, actor, actor_role, NONE, NONE, NONE,
                    NONE, channel, NONE, NONE, NONE)  # fmt: skip

    def login(self, minutes: float, person: int, channel: int) -> None:
        """R1, R15: the holder logged in with an own e-ID."""
        self._dense(minutes, _LOGIN, person, person, _CITIZEN, NONE, NONE, NONE, NONE, channel,
                    NONE, NONE, NONE)  # fmt: skip

    def login_refused(self, minutes: float, person: int, channel: int, reason: int) -> None:
        """R1, R15, D2: a login refused, with its reason."""
        self._dense(minutes, _LOGIN_REFUSED, person, person, _CITIZEN, NONE, NONE, NONE, NONE,
                    channel, NONE, NONE, NONE)  # fmt: skip
        self._sparse_at_last_row(self._reason_rows, self._reason, reason)

    def settings_changed(
        self,
        minutes: float,
        person: int,
        actor: int,
        actor_role: int,
        channel: int,
        alert_sms: int,
        alert_email: int,
    ) -> None:
        """R4, R5, R13: settings edited; the flags are the alert choice afterwards."""
        self._dense(minutes, _SETTINGS_CHANGED, person, actor, actor_role, NONE, NONE, NONE,
                    NONE, channel, NONE, alert_sms, alert_email)  # fmt: skip

    def settings_review_prompted(self, minutes: float, person: int, channel: int) -> None:
        """R14: the first own login from 13 asks the young person to review the settings."""
        self._dense(minutes, _SETTINGS_REVIEW_PROMPTED, person, person, _CITIZEN, NONE, NONE,
                    NONE, NONE, channel, NONE, NONE, NONE)  # fmt: skip

    def turned_13(self, minutes: float, person: int) -> None:
        """R14, D2: midnight of the 13th birthday (proxy ends)."""
        self._dense(minutes, _TURNED_13, person, NONE, _SYSTEM, NONE, NONE, NONE, NONE, NONE,
                    NONE, NONE, NONE)  # fmt: skip

    def case_started(
        self,
        minutes: float,
        person: int,
        actor: int,
        actor_role: int,
        clinic: int,
        case: int,
        channel: int,
        kind: int,
    ) -> None:
        """F1: a case started by the holder or a guardian in proxy mode (R11)."""
        self._dense(minutes, _CASE_STARTED, person, actor, actor_role, clinic, NONE, case, NONE,
                    channel, kind, NONE, NONE)  # fmt: skip

    def proxy_refused(
        self, minutes: float, child: int, guardian: int, channel: int, reason: int
    ) -> None:
        """R10, R12, D2: a guardian may not act for the child now."""
        self._dense(minutes, _PROXY_REFUSED, child, guardian, _GUARDIAN_PROXY, NONE, NONE, NONE,
                    NONE, channel, NONE, NONE, NONE)  # fmt: skip
        self._sparse_at_last_row(self._reason_rows, self._reason, reason)

    def message_sent(
        self,
        minutes: float,
        person: int,
        clinic: int,
        staff: int,
        case: int,
        message: int,
        kind: int,
        alert_sms: int,
        alert_email: int,
        campaign: int,
        form: int,
        appointment: int = NONE,
        appointment_minutes: float = _NAN,
    ) -> None:
        """A message landed in an inbox; the flags are the recipient's alert choice then;
        ``campaign`` is its mass mailing (F6), ``form`` the form it asks for (F3); an
        appointment notice (F7) names its appointment and the appointment's time."""
        self._dense(minutes, _MESSAGE_SENT, person, NONE, _STAFF, clinic, staff, case, message,
                    NONE, kind, alert_sms, alert_email)  # fmt: skip
        if campaign != NONE:
            self._sparse_at_last_row(self._campaign_rows, self._campaign, campaign)
        if form != NONE:
            self._sparse_at_last_row(self._form_rows, self._form, form)
        if appointment != NONE:
            self._appointment_at_last_row(appointment, appointment_minutes)

    def message_undeliverable(
        self,
        minutes: float,
        person: int,
        clinic: int,
        staff: int,
        kind: int,
        reason: int,
        campaign: int,
    ) -> None:
        """F6: a recipient without an active account (the per-recipient outcome)."""
        self._dense(minutes, _MESSAGE_UNDELIVERABLE, person, NONE, _STAFF, clinic, staff, NONE,
                    NONE, NONE, kind, NONE, NONE)  # fmt: skip
        self._sparse_at_last_row(self._reason_rows, self._reason, reason)
        if campaign != NONE:
            self._sparse_at_last_row(self._campaign_rows, self._campaign, campaign)

    def paper_sent(
        self,
        minutes: float,
        person: int,
        clinic: int,
        staff: int,
        case: int,
        kind: int,
        reason: int,
        appointment: int = NONE,
        appointment_minutes: float = _NAN,
    ) -> None:
        """F7, P4: a notice went by post; ``reason`` NONE for the clinic's own routine.

        A notice for an appointment names it and its time (reason: policy, fallback,
        complement or no_active_account).
        """
        self._dense(minutes, _PAPER_SENT, person, NONE, _STAFF, clinic, staff, case, NONE,
                    _PAPER, kind, NONE, NONE)  # fmt: skip
        if reason != NONE:
            self._sparse_at_last_row(self._reason_rows, self._reason, reason)
        if appointment != NONE:
            self._appointment_at_last_row(appointment, appointment_minutes)

    def alert_sent(
        self, minutes: float, person: int, message: int, channel: int, recipient: int
    ) -> None:
        """R8, D6: the system alerted ``recipient`` (NONE: a typed contact) about ``message``."""
        self._dense(minutes, _ALERT_SENT, person, NONE, _SYSTEM, NONE, NONE, NONE, message,
                    channel, NONE, NONE, NONE)  # fmt: skip
        if recipient != NONE:
            self._sparse_at_last_row(self._recipient_rows, self._recipient, recipient)

    def message_read(
        self,
        minutes: float,
        person: int,
        reader: int,
        reader_role: int,
        clinic: int,
        case: int,
        message: int,
        channel: int,
        kind: int,
    ) -> None:
        """F8: the first read of a message, by the holder or a guardian by proxy."""
        self._dense(minutes, _MESSAGE_READ, person, reader, reader_role, clinic, NONE, case,
                    message, channel, kind, NONE, NONE)  # fmt: skip

    def case_assigned(
        self, minutes: float, person: int, clinic: int, staff: int, case: int, kind: int
    ) -> None:
        """A staff member took the case ("Mina ärenden")."""
        self._dense(minutes, _CASE_ASSIGNED, person, NONE, _STAFF, clinic, staff, case, NONE,
                    NONE, kind, NONE, NONE)  # fmt: skip

    def case_answered(
        self,
        minutes: float,
        person: int,
        clinic: int,
        staff: int,
        case: int,
        kind: int,
        handling_minutes: float,
    ) -> None:
        """F4: staff answered; ``handling_minutes`` is the handling time."""
        self._dense(minutes, _CASE_ANSWERED, person, NONE, _STAFF, clinic, staff, case, NONE,
                    NONE, kind, NONE, NONE)  # fmt: skip
        self._sparse_at_last_row(self._duration_rows, self._duration, handling_minutes)

    def case_closed(
        self, minutes: float, person: int, clinic: int, staff: int, case: int, kind: int
    ) -> None:
        """Staff closed the case."""
        self._dense(minutes, _CASE_CLOSED, person, NONE, _STAFF, clinic, staff, case, NONE,
                    NONE, kind, NONE, NONE)  # fmt: skip

    def citizen_replied(
        self,
        minutes: float,
        person: int,
        actor: int,
        actor_role: int,
        clinic: int,
        case: int,
        channel: int,
        kind: int,
    ) -> None:
        """F4: a dialogue turn from the citizen side (holder or guardian by proxy)."""
        self._dense(minutes, _CITIZEN_REPLIED, person, actor, actor_role, clinic, NONE, case,
                    NONE, channel, kind, NONE, NONE)  # fmt: skip

    def form_submitted(
        self,
        minutes: float,
        person: int,
        actor: int,
        actor_role: int,
        clinic: int,
        case: int,
        message: int,
        channel: int,
        form: int,
    ) -> None:
        """F3: the answers to a form message were submitted (``form``: which form)."""
        self._dense(minutes, _FORM_SUBMITTED, person, actor, actor_role, clinic, NONE, case,
                    message, channel, _FORM, NONE, NONE)  # fmt: skip
        if form != NONE:
            self._sparse_at_last_row(self._form_rows, self._form, form)

    def attachment_sent(
        self,
        minutes: float,
        person: int,
        actor: int,
        actor_role: int,
        clinic: int,
        staff: int,
        case: int,
        message: int,
        channel: int,
        kind: int,
    ) -> None:
        """F5: one attachment, in either direction (``message``: the staff message it came with)."""
        self._dense(minutes, _ATTACHMENT_SENT, person, actor, actor_role, clinic, staff, case,
                    message, channel, kind, NONE, NONE)  # fmt: skip

    def shift_started(self, minutes: float, clinic: int, staff: int) -> None:
        """P4: a staff member's e-service duty began (workload denominators)."""
        self._dense(minutes, _SHIFT_STARTED, NONE, NONE, _STAFF, clinic, staff, NONE, NONE,
                    NONE, NONE, NONE, NONE)  # fmt: skip

    def shift_ended(self, minutes: float, clinic: int, staff: int) -> None:
        """P4: a staff member's e-service duty ended."""
        self._dense(minutes, _SHIFT_ENDED, NONE, NONE, _STAFF, clinic, staff, NONE, NONE, NONE,
                    NONE, NONE, NONE)  # fmt: skip

    def mass_mailing_started(self, minutes: float, clinic: int, staff: int, campaign: int) -> None:
        """F6: one row per mass mailing, before its per-recipient rows."""
        self._dense(minutes, _MASS_MAILING_STARTED, NONE, NONE, _STAFF, clinic, staff, NONE,
                    NONE, NONE, _MASS_MAILING, NONE, NONE)  # fmt: skip
        self._sparse_at_last_row(self._campaign_rows, self._campaign, campaign)

    def staff_case_opened(
        self, minutes: float, person: int, clinic: int, staff: int, case: int, kind: int
    ) -> None:
        """R19, R20: a staff member opened a case ("Skicka ärende"); it is theirs (my cases)."""
        self._dense(minutes, _STAFF_CASE_OPENED, person, NONE, _STAFF, clinic, staff, case, NONE,
                    NONE, kind, NONE, NONE)  # fmt: skip

    def consent_recorded(self, minutes: float, person: int, channel: int) -> None:
        """R2, D7: the holder's own consent, at the first own login to a guardian-made account."""
        self._dense(minutes, _CONSENT_RECORDED, person, person, _CITIZEN, NONE, NONE, NONE,
                    NONE, channel, NONE, NONE, NONE)  # fmt: skip

    def protection_granted(self, minutes: float, person: int) -> None:
        """R12, R16: the register marks the person's data protected (proxy ends, R12)."""
        self._dense(minutes, _PROTECTION_GRANTED, person, NONE, _SYSTEM, NONE, NONE, NONE, NONE,
                    NONE, NONE, NONE, NONE)  # fmt: skip

    def protection_lifted(self, minutes: float, person: int) -> None:
        """R12: the register lifts the protection."""
        self._dense(minutes, _PROTECTION_LIFTED, person, NONE, _SYSTEM, NONE, NONE, NONE, NONE,
                    NONE, NONE, NONE, NONE)  # fmt: skip

    def guardianship_started(self, minutes: float, child: int, guardian: int) -> None:
        """R9, R10: ``guardian`` became vårdnadshavare of ``child``."""
        self._dense(minutes, _GUARDIANSHIP_STARTED, child, guardian, _SYSTEM, NONE, NONE, NONE,
                    NONE, NONE, NONE, NONE, NONE)  # fmt: skip

    def guardianship_ended(self, minutes: float, child: int, guardian: int) -> None:
        """R10, D9: the guardianship ended (custody change): proxy ends, contacts are removed."""
        self._dense(minutes, _GUARDIANSHIP_ENDED, child, guardian, _SYSTEM, NONE, NONE, NONE,
                    NONE, NONE, NONE, NONE, NONE)  # fmt: skip

    def notice_held(
        self,
        minutes: float,
        person: int,
        clinic: int,
        staff: int,
        appointment: int,
        appointment_minutes: float,
    ) -> None:
        """F7: the person has no active account; the notice waits for one."""
        self._dense(minutes, _NOTICE_HELD, person, NONE, _STAFF, clinic, staff, NONE, NONE,
                    NONE, _APPOINTMENT_NOTICE, NONE, NONE)  # fmt: skip
        self._sparse_at_last_row(self._reason_rows, self._reason, Reason.NO_ACTIVE_ACCOUNT)
        self._appointment_at_last_row(appointment, appointment_minutes)

    def notice_dropped(
        self,
        minutes: float,
        person: int,
        clinic: int,
        appointment: int,
        appointment_minutes: float,
        reason: int,
    ) -> None:
        """F7: a held notice was never delivered (``reason``: hold_expired or visit_passed)."""
        self._dense(minutes, _NOTICE_DROPPED, person, NONE, _SYSTEM, clinic, NONE, NONE, NONE,
                    NONE, _APPOINTMENT_NOTICE, NONE, NONE)  # fmt: skip
        self._sparse_at_last_row(self._reason_rows, self._reason, reason)
        self._appointment_at_last_row(appointment, appointment_minutes)

    def appointment_rebooked(
        self,
        minutes: float,
        person: int,
        actor: int,
        actor_role: int,
        clinic: int,
        staff: int,
        message: int,
        channel: int,
        appointment: int,
        appointment_minutes: float,
        handling_minutes: float,
    ) -> None:
        """F7: a new time (``appointment_minutes``), from the digital notice (the citizen, a
        guardian by proxy) or by a call to the clinic (staff; ``handling_minutes`` the call)."""
        self._dense(minutes, _APPOINTMENT_REBOOKED, person, actor, actor_role, clinic, staff,
                    NONE, message, channel, _APPOINTMENT_NOTICE, NONE, NONE)  # fmt: skip
        self._appointment_at_last_row(appointment, appointment_minutes)
        if handling_minutes == handling_minutes:
            self._sparse_at_last_row(self._duration_rows, self._duration, handling_minutes)

    def appointment_cancelled(
        self,
        minutes: float,
        person: int,
        actor: int,
        actor_role: int,
        clinic: int,
        staff: int,
        message: int,
        channel: int,
        appointment: int,
        appointment_minutes: float,
        handling_minutes: float,
    ) -> None:
        """F7: cancelled from the digital notice or by a call to the clinic (as rebooked)."""
        self._dense(minutes, _APPOINTMENT_CANCELLED, person, actor, actor_role, clinic, staff,
                    NONE, message, channel, _APPOINTMENT_NOTICE, NONE, NONE)  # fmt: skip
        self._appointment_at_last_row(appointment, appointment_minutes)
        if handling_minutes == handling_minutes:
            self._sparse_at_last_row(self._duration_rows, self._duration, handling_minutes)

    def visit_attended(
        self,
        minutes: float,
        person: int,
        clinic: int,
        staff: int,
        appointment: int,
        appointment_minutes: float,
    ) -> None:
        """The clinic recorded the visit as attended."""
        self._dense(minutes, _VISIT_ATTENDED, person, NONE, _STAFF, clinic, staff, NONE, NONE,
                    NONE, NONE, NONE, NONE)  # fmt: skip
        self._appointment_at_last_row(appointment, appointment_minutes)

    def visit_missed(
        self,
        minutes: float,
        person: int,
        clinic: int,
        staff: int,
        appointment: int,
        appointment_minutes: float,
    ) -> None:
        """The clinic recorded a missed visit (a no-show, not cancelled)."""
        self._dense(minutes, _VISIT_MISSED, person, NONE, _STAFF, clinic, staff, NONE, NONE,
                    NONE, NONE, NONE, NONE)  # fmt: skip
        self._appointment_at_last_row(appointment, appointment_minutes)

    def _appointment_at_last_row(self, appointment: int, appointment_minutes: float) -> None:
        self._sparse_at_last_row(self._appointment_rows, self._appointment, appointment)
        self._sparse_at_last_row(
            self._appointment_minutes_rows, self._appointment_minutes, appointment_minutes
        )

    def to_frame(self) -> pl.DataFrame:
        """The log as one frame with :data:`EVENT_LOG_SCHEMA`, in the order events were recorded.

        The frame owns copies of the buffers, so recording may go on while it is alive.
        """
        live = self._frame_of_rows(self._sealed_rows, len(self))
        if not self._sealed:
            return live
        return pl.concat([read_sealed(self._sealed), live], how="vertical", rechunk=False)

    def drain_to_frame(self, *, chunk_rows: int = DRAIN_CHUNK_ROWS) -> pl.DataFrame:
        """The same frame as :meth:`to_frame`, emptying the buffer while it is built.

        Rows are converted in chunks from the end and each chunk's buffer is released at once,
        so the peak is about the larger of buffer and frame plus one chunk, not buffer plus
        frame. The log is empty afterwards (recording may start again). The frame may hold
        several chunks per column; its values are those of :meth:`to_frame`.
        """
        if type(chunk_rows) is not int or chunk_rows < 1:
            raise ValueError(f"chunk_rows must be a positive int, got {chunk_rows!r}")
        end = len(self)
        if end == 0:
            return self._frame_of_rows(0, 0)
        frames: list[pl.DataFrame] = []
        sealed_rows = self._sealed_rows
        while end > sealed_rows:
            start = max(sealed_rows, end - chunk_rows)
            frames.append(self._frame_of_rows(start, end))
            del self._rows[(start - sealed_rows) * ROW_BYTES :]
            for rows, values in self._sparse_parts():
                keep = _first_at_or_after(rows, start)
                del rows[keep:]
                del values[keep:]
            end = start
        # Sealed frames from the last: each store is released as soon as it is read.
        while self._sealed:
            frames.append(read_sealed([self._sealed.pop()]))
        self._sealed_rows = 0
        frames.reverse()
        return pl.concat(frames, how="vertical", rechunk=False)

    def _frame_of_rows(self, start: int, end: int) -> pl.DataFrame:
        count = end - start
        if count == 0:
            return empty_event_log()
        # A numpy view would pin the bytearray (appends and drains fail with BufferError) for as
        # long as anything holds this call's frame: a sampling profiler does (Dask's workers
        # run one), and a frame outliving its call keeps its locals. So the chunk is copied in
        # the same expression and no view of the buffer is ever left in a local.
        dense = np.frombuffer(
            self._rows,
            dtype=_ROW_DTYPE,
            count=count,
            offset=(start - self._sealed_rows) * ROW_BYTES,
        ).copy()
        columns: dict[str, pl.Series] = {}
        milliseconds = np.rint(dense["time"] * 60_000.0).astype(np.int64)
        epoch_ms = (
            int(self.epoch.timestamp() * 1000) if self.epoch.tzinfo else _naive_ms(self.epoch)
        )
        columns["time"] = pl.Series("time", milliseconds + epoch_ms, dtype=pl.Int64).cast(
            pl.Datetime("ms")
        )
        sparse_reason = _sparse(self._reason_rows, self._reason, np.int8, start, end, NONE)
        sparse_ints = {
            "recipient": _sparse(self._recipient_rows, self._recipient, np.int32, start, end, NONE),
            "campaign": _sparse(self._campaign_rows, self._campaign, np.int32, start, end, NONE),
            "form": _sparse(self._form_rows, self._form, np.int32, start, end, NONE),
            "appointment": _sparse(
                self._appointment_rows, self._appointment, np.int32, start, end, NONE
            ),
        }
        durations = _sparse(self._duration_rows, self._duration, np.float32, start, end, _NAN)
        for name in _CODE_COLUMNS:
            codes = sparse_reason if name == "reason" else dense[name]
            columns[name] = _codes_to_enum(name, codes)
        for name in _INT_COLUMNS:
            values = sparse_ints[name] if name in sparse_ints else dense[name].copy()
            columns[name] = _with_nulls(pl.Series(name, values, dtype=pl.Int32), values == NONE)
        for name in _FLAG_COLUMNS:
            raw = dense[name]
            columns[name] = _with_nulls(pl.Series(name, raw == 1, dtype=pl.Boolean), raw == NONE)
        appointment_minutes = _sparse(
            self._appointment_minutes_rows, self._appointment_minutes, np.float64, start, end, _NAN
        )
        appointment_missing = appointment_minutes != appointment_minutes
        appointment_ms = np.rint(np.nan_to_num(appointment_minutes) * 60_000.0).astype(np.int64)
        columns["appointment_time"] = _with_nulls(
            pl.Series("appointment_time", appointment_ms + epoch_ms, dtype=pl.Int64).cast(
                pl.Datetime("ms")
            ),
            appointment_missing,
        )
        columns["duration_minutes"] = pl.Series(
            "duration_minutes", durations, dtype=pl.Float32
        ).fill_nan(None)
        del dense
        return pl.DataFrame([columns[name] for name in EVENT_LOG_SCHEMA.names()])


def read_sealed(parts: Sequence[bytes], columns: Sequence[str] | None = None) -> pl.DataFrame:
    """The frame of stores :meth:`EventLog.seal` made, one after the other (in the log's
    order); only ``columns``, if given, and only those are decompressed."""
    wanted = None if columns is None else list(columns)
    if not parts:
        empty = empty_event_log()
        return empty if wanted is None else empty.select(wanted)
    frames = [pl.read_ipc(io.BytesIO(part), columns=wanted) for part in parts]
    return frames[0] if len(frames) == 1 else pl.concat(frames, how="vertical", rechunk=False)


def _first_at_or_after(rows: array[int], start: int) -> int:
    """Index of the first sparse entry whose row is ``start`` or later (rows are ascending)."""
    if not rows:
        return 0
    # bisect reads the array's items: no buffer view that could outlive the call (see above).
    return bisect.bisect_left(rows, start)


def _sparse(
    rows: array[int],
    values: array[Any],
    dtype: type[np.generic],
    start: int,
    end: int,
    missing: float,
) -> np.ndarray[Any, Any]:
    """A dense column for rows ``start:end`` from (row, value) pairs, ``missing`` elsewhere."""
    column = np.full(end - start, missing, dtype=dtype)
    first, last = bisect.bisect_left(rows, start), bisect.bisect_left(rows, end)
    if first < last:
        # Copies taken in one expression each: no view pins the arrays (see _frame_of_rows).
        count = last - first
        row_index = np.frombuffer(rows, dtype=np.int64, count=count, offset=first * 8).copy()
        picked = np.frombuffer(
            values, dtype=dtype, count=count, offset=first * values.itemsize
        ).copy()
        column[row_index - start] = picked
    return column


def _with_nulls(series: pl.Series, missing: np.ndarray[Any, Any]) -> pl.Series:
    if not missing.any():
        return series
    return series.set(pl.Series(missing), None)


def _naive_ms(moment: datetime) -> int:
    """Milliseconds since 1970-01-01 for a naive datetime, read as wall-clock time (no zone)."""
    return int((moment - datetime(1970, 1, 1)).total_seconds() * 1000)


def _codes_to_enum(name: str, codes: np.ndarray[Any, Any]) -> pl.Series:
    dtype = EVENT_LOG_SCHEMA[name]
    assert isinstance(dtype, pl.Enum)
    # Enums of fewer than 256 categories are stored as UInt8 codes: build them directly,
    # never through millions of strings. Under a null the code is 0, a valid category: a code
    # past the categories (NONE as 255) is refused when the frame is read back, e.g. after
    # pickling it to another process or through Arrow IPC.
    missing = codes == NONE
    physical = pl.Series(name, np.where(missing, 0, codes).astype(np.uint8), dtype=pl.UInt8)
    return _with_nulls(physical, missing).cat.to(dtype)


def empty_event_log() -> pl.DataFrame:
    """An event log with no rows and the full schema (for metrics on an empty run)."""
    return pl.DataFrame(schema=EVENT_LOG_SCHEMA)

"""Messages and inboxes: delivery, unread lists and read status (R19, F2, F3, F6, F7, F8).

Pipeline position: ``staff tool (sends) -> inboxes (this module) -> alert gateway (R8, D6) and
portal (reads)``; every delivery and first read writes its event-log row.

Columnar, in rows: each message is one row of eight ints in ``_rows`` (person, kind, clinic,
staff, case, reader, reader role, previous message) and one row of two floats in ``_times`` (sent,
read), so a read or a step back through an inbox touches two places in memory, not ten (at region
scale the message columns outgrow the processor's caches, and each separate column cost a cache
miss). Each person's inbox is a linked list: per person, the newest message and the count of unread
ones sit together in ``_heads`` (with the head of the unread chain below); each message row names
the same person's message before it, so there is no Python list per person. Unread messages are
those whose read time is NaN; the unread count lets a login with nothing unread skip the walk.

The unread list walks a second chain, of the messages that were unread when last looked at (its head
per person in ``_heads``, ``_older_unread`` per message): an index over the read times, not state of
its own (``snapshot`` leaves it out). Walking the whole inbox instead cost a login the length of the
person's history whenever one old message stayed unread (a message the holder never opens): in the
M/M/c benchmark of ``benchmarks/peers.py`` that walk was a fifth of the run. Each walk unlinks the
messages read since the last one and stops at the oldest unread, so every message is stepped over
as read at most once. Texts, templates and form answers are stored only when given (dicts keyed by
message id).
"""

from __future__ import annotations

import math
import struct
from array import array
from typing import Any, Final

from etj_sim.domain.accounts import ALERT_EMAIL, ALERT_SMS, Accounts
from etj_sim.domain.alerts import AlertGateway
from etj_sim.domain.clock import Clock
from etj_sim.domain.errors import InvalidOperation, UnknownMessage
from etj_sim.domain.listeners import Listeners
from etj_sim.domain.views import Attachment, MessageView, ReadStatus
from etj_sim.events import KIND_FORM, NONE, ROLE_STAFF, ActorRole, EventLog, Kind

__all__ = ["Inboxes"]

_UNREAD = math.nan
# Fields of a message row (``_rows``, ints) and its times (``_times``, floats), and of a
# person's inbox head (``_heads``).
_FIELDS: Final = 8
_PERSON: Final = 0
_KIND: Final = 1
_CLINIC: Final = 2
_SENDER: Final = 3  # the staff member who sent it
_CASE: Final = 4
_READER: Final = 5
_READER_ROLE: Final = 6
_PREVIOUS: Final = 7
_TIMES: Final = 2
_SENT: Final = 0
_READ: Final = 1
_HEAD: Final = 3
_LAST: Final = 0
_UNREAD_COUNT: Final = 1
_UNREAD_HEAD: Final = 2  # the newest message of the unread chain (module docstring)
# A new message's row and times are appended as packed bytes: ``array.extend`` of a tuple
# converts and inserts item by item (about twice the time of one pack for the eight ints).
_PACK_ROW: Final = struct.Struct(f"{_FIELDS}i").pack
_PACK_TIMES: Final = struct.Struct(f"{_TIMES}d").pack


class Inboxes:
    """Every message ever delivered, and every person's inbox as a linked list."""

    __slots__ = (
        "_accounts",
        "_alerts",
        "_clock",
        "_delivered",
        "_heads",
        "_log",
        "_older_unread",
        "_rows",
        "_times",
        "attachments",
        "form_answers",
        "forms",
        "templates",
        "texts",
    )

    def __init__(
        self,
        accounts: Accounts,
        alerts: AlertGateway,
        clock: Clock,
        log: EventLog | None,
        listeners: Listeners,
    ) -> None:
        self._accounts = accounts
        self._delivered = listeners.message_delivered
        self._alerts = alerts
        self._clock = clock
        self._log = log
        self._rows = array("i")  # _FIELDS ints per message
        self._times = array("d")  # sent, read (NaN until read, F8) per message
        # Per person: newest message (-1: empty inbox), unread count, and the head of the
        # unread chain (module docstring), side by side so that a delivery touches one cache
        # line of them at region scale, not two.
        self._heads = array("i")
        self._older_unread = array("i")  # per message: the next older one in the unread chain
        self.texts: dict[int, str] = {}
        self.templates: dict[int, str] = {}
        self.attachments: dict[int, tuple[Attachment, ...]] = {}
        self.forms: dict[int, int] = {}  # message -> the form it asks for (F3)
        self.form_answers: dict[int, dict[str, object]] = {}

    def __len__(self) -> int:
        return len(self._times) // _TIMES

    def grow(self, persons: int) -> None:
        """Extend the per-person heads to ``persons`` (new persons have empty inboxes)."""
        missing = persons - len(self._heads) // _HEAD
        if missing > 0:
            self._heads.extend(array("i", (NONE, 0, NONE)) * missing)

    def deliver(
        self,
        person: int,
        kind: int,
        clinic: int,
        staff: int,
        case: int,
        text: str,
        template: str,
        campaign: int = NONE,
        form: int = NONE,
        attachments: tuple[Attachment, ...] = (),
        appointment: int = NONE,
        appointment_minutes: float = math.nan,
    ) -> int:
        """Put a message in an active account's inbox, log message_sent, schedule the alert,
        then tell the delivery listeners.

        The caller has checked R2 (active account). message_sent carries the recipient's alert
        choice at this moment; the alert itself follows the settings at dispatch time (D6).
        ``campaign`` is the mass mailing a message belongs to (F6), ``form`` the form a form
        message asks for (F3), -1 for none; ``attachments`` (checked, F5) are logged one row each.
        ``appointment`` and ``appointment_minutes`` the appointment of a notice (F7).
        """
        times = self._times
        message = len(times) // _TIMES
        now = self._clock.minutes
        heads = self._heads
        head = person * _HEAD
        self._rows.frombytes(
            _PACK_ROW(person, kind, clinic, staff, case, NONE, NONE, heads[head + _LAST])
        )
        times.frombytes(_PACK_TIMES(now, _UNREAD))
        heads[head + _LAST] = message
        self._older_unread.append(heads[head + _UNREAD_HEAD])
        heads[head + _UNREAD_HEAD] = message
        heads[head + _UNREAD_COUNT] += 1
        if text:
            self.texts[message] = text
        if template:
            self.templates[message] = template
        if form != NONE:
            self.forms[message] = form
        if attachments:
            self.attachments[message] = attachments
        alerts = self._accounts.alerts[person]
        if alerts:
            self._alerts.schedule(message, person, now)
        if self._log is not None:
            self._log.message_sent(
                now,
                person,
                clinic,
                staff,
                case,
                message,
                kind,
                alerts & ALERT_SMS,
                (alerts & ALERT_EMAIL) >> 1,
                campaign,
                form,
                appointment,
                appointment_minutes,
            )
            for _ in attachments:
                self._log.attachment_sent(
                    now, person, NONE, ROLE_STAFF, clinic, staff, case, message, NONE, kind
                )
        for listener in self._delivered:
            listener(person, message, kind, now)
        return message

    def require(self, message: int) -> int:
        """The message id, checked; raises ``UnknownMessage``."""
        self.holder_of(message)
        return message

    def holder_of(self, message: int) -> int:
        """The person whose inbox holds ``message``, the id checked (``UnknownMessage``)."""
        if type(message) is not int or not 0 <= message < len(self._times) // _TIMES:
            raise UnknownMessage(f"no message with id {message!r}")
        return self._rows[message * _FIELDS + _PERSON]

    def read(self, message: int, reader: int, role: int, channel: int) -> bool:
        """F8: mark read by ``reader`` now; a second read changes and logs nothing.

        The caller has checked that the reader may open this inbox (R3, R10). Returns whether
        this call was the first read.
        """
        times = self._times
        at = message * _TIMES + _READ
        if times[at] == times[at]:  # not NaN: already read
            return False
        now = self._clock.minutes
        rows = self._rows
        row = message * _FIELDS
        person = rows[row + _PERSON]
        times[at] = now
        rows[row + _READER] = reader
        rows[row + _READER_ROLE] = role
        self._heads[person * _HEAD + _UNREAD_COUNT] -= 1
        if self._log is not None:
            self._log.message_read(
                now,
                person,
                reader,
                role,
                rows[row + _CLINIC],
                rows[row + _CASE],
                message,
                channel,
                rows[row + _KIND],
            )
        return True

    def person_of(self, message: int) -> int:
        """The person whose inbox holds ``message`` (an id from this store)."""
        return self._rows[message * _FIELDS + _PERSON]

    def sent_minutes_of(self, message: int) -> float:
        """When ``message`` was delivered (minutes since the epoch)."""
        return self._times[message * _TIMES + _SENT]

    def read_minutes_of(self, message: int) -> float:
        """When ``message`` was first read (F8), NaN while unread."""
        return self._times[message * _TIMES + _READ]

    def unread_count_of(self, person: int) -> int:
        """How many messages in the person's inbox are unread (F8)."""
        return self._heads[person * _HEAD + _UNREAD_COUNT]

    def unread_of(self, person: int) -> list[int]:
        """Unread message ids of the person, oldest first (a copy).

        Walks the unread chain (module docstring), unlinking what was read since the last walk;
        a walk that finds nothing read writes nothing (logins read this on the hot path).
        """
        count = self._heads[person * _HEAD + _UNREAD_COUNT]
        if not count:
            # Nothing to unlink now: the next walk stops at its oldest unread message, newer
            # than all of these, and cuts them off there.
            return []
        times = self._times
        older = self._older_unread
        unread: list[int] = []
        kept = NONE  # the newest unread message found so far by this walk
        skipped = False  # read messages since ``kept`` (or since the head)
        unread_head = person * _HEAD + _UNREAD_HEAD
        message = self._heads[unread_head]
        while True:
            next_older = older[message]
            read_minutes = times[message * _TIMES + _READ]
            if read_minutes != read_minutes:  # NaN: not read
                if skipped:
                    if kept == NONE:
                        self._heads[unread_head] = message
                    else:
                        older[kept] = message
                    skipped = False
                kept = message
                unread.append(message)
                if len(unread) == count:
                    if next_older != NONE:
                        older[message] = NONE  # what is older was read: unlink it
                    break
            else:
                skipped = True
            message = next_older
        unread.reverse()
        return unread

    def messages_of(self, person: int) -> list[int]:
        """All message ids of the person's inbox, newest first."""
        messages = []
        rows = self._rows
        message = self._heads[person * _HEAD + _LAST]
        while message != NONE:
            messages.append(message)
            message = rows[message * _FIELDS + _PREVIOUS]
        return messages

    def view(self, message: int) -> MessageView:
        """One message as its reader sees it."""
        read_minutes = self.read_minutes_of(message)
        is_read = read_minutes == read_minutes
        row = message * _FIELDS
        case = self._rows[row + _CASE]
        return MessageView(
            message=message,
            kind=Kind(self._rows[row + _KIND]),
            clinic=self._rows[row + _CLINIC],
            case=None if case == NONE else case,
            sent_at=self._clock.moment(self.sent_minutes_of(message)),
            text=self.texts.get(message, ""),
            template=self.templates.get(message, ""),
            read=is_read,
            read_at=self._clock.moment(read_minutes) if is_read else None,
            attachments=self.attachments.get(message, ()),
            form=self.forms.get(message),
            submitted=message in self.form_answers,
            subject=self.templates.get(message, ""),
        )

    def case_of(self, message: int) -> int:
        """The case a message belongs to, -1 for none."""
        return self._rows[message * _FIELDS + _CASE]

    def clinic_of(self, message: int) -> int:
        """The clinic that sent ``message``."""
        return self._rows[message * _FIELDS + _CLINIC]

    def kind_of(self, message: int) -> int:
        """The kind code of ``message``."""
        return self._rows[message * _FIELDS + _KIND]

    def read_status(self, message: int) -> ReadStatus:
        """F8: read or not, when and by whom (holder or guardian by proxy)."""
        message = self.require(message)
        read_minutes = self.read_minutes_of(message)
        is_read = read_minutes == read_minutes
        row = message * _FIELDS
        return ReadStatus(
            message=message,
            person=self._rows[row + _PERSON],
            read=is_read,
            read_at=self._clock.moment(read_minutes) if is_read else None,
            reader=self._rows[row + _READER] if is_read else None,
            reader_role=ActorRole(self._rows[row + _READER_ROLE]) if is_read else None,
        )

    def form_of(self, message: int) -> int:
        """F3: the form a form message asks for; refuses other messages and resubmission."""
        row = message * _FIELDS
        if self._rows[row + _KIND] != KIND_FORM:
            raise InvalidOperation(f"F3: message {message} is not a form")
        if message in self.form_answers:
            raise InvalidOperation(f"F3: the form in message {message} was already submitted")
        form = self.forms.get(message)
        if form is None:
            raise InvalidOperation(f"F3: message {message} names no form")
        return form

    def submit_form(
        self, message: int, answers: dict[str, object], actor: int, role: int, channel: int
    ) -> None:
        """F3: store checked answers (once); log form_submitted. F8: a submitted form counts as
        read, so an unread one is first read by the submitter (message_read)."""
        self.read(message, actor, role, channel)
        row = message * _FIELDS
        self.form_answers[message] = answers
        if self._log is not None:
            self._log.form_submitted(
                self._clock.minutes,
                self._rows[row + _PERSON],
                actor,
                role,
                self._rows[row + _CLINIC],
                self._rows[row + _CASE],
                message,
                channel,
                self.forms[message],
            )

    def snapshot(self) -> tuple[Any, ...]:
        """An immutable copy of all messages and inboxes (tests compare before and after)."""
        return (
            bytes(self._rows),
            bytes(self._times),
            bytes(self._heads[_LAST::_HEAD]),  # not the unread chain: an index, not state
            bytes(self._heads[_UNREAD_COUNT::_HEAD]),
            tuple(sorted(self.texts.items())),
            tuple(
                sorted(
                    (m, tuple(sorted(map(repr, a.items())))) for m, a in self.form_answers.items()
                )
            ),
            tuple(sorted(self.forms.items())),
            tuple(sorted(self.attachments.items())),
        )

"""Messages and inboxes: delivery, unread lists and read status (R19, F2, F3, F6, F7, F8).

Pipeline position: ``staff tool (sends) -> inboxes (this module) -> alert gateway (R8, D6) and
portal (reads)``; every delivery and first read writes its event-log row.

Columnar: one row per message in ``array.array`` columns; each person's inbox is a linked list
(``last_message[person]`` and ``previous_message[message]``), so there is no Python list per
person. Unread messages are those whose ``read_minutes`` is NaN; a per-person count
(``unread_count``) lets a login with nothing unread skip the walk, and a walk stop once it has
found them all (no Python list per person, a few bytes a person).
Texts, templates and form answers are stored only when given (dicts keyed by message id).
"""

from __future__ import annotations

import math
from array import array
from collections.abc import Mapping
from typing import Any, Final

from etj_sim.domain.accounts import ALERT_EMAIL, ALERT_SMS, Accounts
from etj_sim.domain.alerts import AlertGateway
from etj_sim.domain.clock import Clock
from etj_sim.domain.columns import filled
from etj_sim.domain.errors import InvalidOperation, UnknownMessage
from etj_sim.domain.views import MessageView, ReadStatus
from etj_sim.events import NONE, ActorRole, Event, EventLog, Kind

__all__ = ["Inboxes"]

_UNREAD = math.nan
# Enum members bound to module names: looking a member up on its enum class costs about 60 ns
# (Python 3.11), a module global 5 ns, and every delivery and read pays it.
_MESSAGE_SENT: Final = Event.MESSAGE_SENT
_MESSAGE_READ: Final = Event.MESSAGE_READ
_STAFF: Final = ActorRole.STAFF


class Inboxes:
    """Every message ever delivered, and every person's inbox as a linked list."""

    def __init__(
        self, accounts: Accounts, alerts: AlertGateway, clock: Clock, log: EventLog | None
    ) -> None:
        self._accounts = accounts
        self._alerts = alerts
        self._clock = clock
        self._log = log
        self.person = array("i")
        self.kind = array("b")
        self.clinic = array("i")
        self.staff = array("i")
        self.case = array("i")
        self.sent_minutes = array("d")
        self.read_minutes = array("d")  # NaN until read (F8)
        self.reader = array("i")
        self.reader_role = array("b")
        self.previous_message = array("i")  # the same person's message before this one
        self.last_message = array("i")  # per person: newest message, -1 for an empty inbox
        self.unread_count = array("i")  # per person: messages not yet read (F8)
        self.texts: dict[int, str] = {}
        self.templates: dict[int, str] = {}
        self.form_answers: dict[int, dict[str, str]] = {}

    def __len__(self) -> int:
        return len(self.person)

    def grow(self, persons: int) -> None:
        """Extend the per-person column to ``persons`` (new persons have empty inboxes)."""
        missing = persons - len(self.last_message)
        if missing > 0:
            self.last_message.extend(filled("i", missing, NONE))
            self.unread_count.extend(filled("i", missing, 0))

    def deliver(
        self,
        person: int,
        kind: int,
        clinic: int,
        staff: int,
        case: int,
        text: str,
        template: str,
    ) -> int:
        """Put a message in an active account's inbox, log message_sent, schedule the alert.

        The caller has checked R2 (active account). message_sent carries the recipient's alert
        choice at this moment; the alert itself follows the settings at dispatch time (D6).
        """
        message = len(self.person)
        now = self._clock.minutes
        self.person.append(person)
        self.kind.append(kind)
        self.clinic.append(clinic)
        self.staff.append(staff)
        self.case.append(case)
        self.sent_minutes.append(now)
        self.read_minutes.append(_UNREAD)
        self.reader.append(NONE)
        self.reader_role.append(NONE)
        self.previous_message.append(self.last_message[person])
        self.last_message[person] = message
        self.unread_count[person] += 1
        if text:
            self.texts[message] = text
        if template:
            self.templates[message] = template
        alerts = self._accounts.alerts[person]
        if alerts:
            self._alerts.schedule(message, now)
        if self._log is not None:
            self._log.record_dense(
                now,
                _MESSAGE_SENT,
                person,
                NONE,
                _STAFF,
                clinic,
                staff,
                case,
                message,
                NONE,
                kind,
                alerts & ALERT_SMS,
                (alerts & ALERT_EMAIL) >> 1,
            )
        return message

    def require(self, message: int) -> int:
        """The message id, checked; raises ``UnknownMessage``."""
        if type(message) is not int or not 0 <= message < len(self.person):
            raise UnknownMessage(f"no message with id {message!r}")
        return message

    def read(self, message: int, reader: int, role: int, channel: int) -> bool:
        """F8: mark read by ``reader`` now; a second read changes and logs nothing.

        The caller has checked that the reader may open this inbox (R3, R10). Returns whether
        this call was the first read.
        """
        if self.read_minutes[message] == self.read_minutes[message]:  # not NaN: already read
            return False
        now = self._clock.minutes
        person = self.person[message]
        self.read_minutes[message] = now
        self.reader[message] = reader
        self.reader_role[message] = role
        self.unread_count[person] -= 1
        if self._log is not None:
            self._log.record_dense(
                now,
                _MESSAGE_READ,
                person,
                reader,
                role,
                self.clinic[message],
                NONE,
                self.case[message],
                message,
                channel,
                self.kind[message],
                NONE,
                NONE,
            )
        return True

    def unread_of(self, person: int) -> list[int]:
        """Unread message ids of the person, oldest first (a copy)."""
        count = self.unread_count[person]
        if not count:
            return []
        read_minutes = self.read_minutes
        previous_message = self.previous_message
        unread: list[int] = []
        message = self.last_message[person]
        while True:
            if read_minutes[message] != read_minutes[message]:  # NaN: not read
                unread.append(message)
                if len(unread) == count:
                    break
            message = previous_message[message]
        unread.reverse()
        return unread

    def messages_of(self, person: int) -> list[int]:
        """All message ids of the person's inbox, newest first."""
        messages = []
        message = self.last_message[person]
        while message != NONE:
            messages.append(message)
            message = self.previous_message[message]
        return messages

    def view(self, message: int) -> MessageView:
        """One message as its reader sees it."""
        read_minutes = self.read_minutes[message]
        is_read = read_minutes == read_minutes
        case = self.case[message]
        return MessageView(
            message=message,
            kind=Kind(self.kind[message]),
            clinic=self.clinic[message],
            case=None if case == NONE else case,
            sent_at=self._clock.moment(self.sent_minutes[message]),
            text=self.texts.get(message, ""),
            template=self.templates.get(message, ""),
            read=is_read,
            read_at=self._clock.moment(read_minutes) if is_read else None,
        )

    def read_status(self, message: int) -> ReadStatus:
        """F8: read or not, when and by whom (holder or guardian by proxy)."""
        message = self.require(message)
        read_minutes = self.read_minutes[message]
        is_read = read_minutes == read_minutes
        return ReadStatus(
            message=message,
            person=self.person[message],
            read=is_read,
            read_at=self._clock.moment(read_minutes) if is_read else None,
            reader=self.reader[message] if is_read else None,
            reader_role=ActorRole(self.reader_role[message]) if is_read else None,
        )

    def submit_form(
        self, message: int, answers: Mapping[str, str], actor: int, role: int, channel: int
    ) -> None:
        """F3: store the answers to a form message (once); log form_submitted."""
        if self.kind[message] != Kind.FORM:
            raise InvalidOperation(f"F3: message {message} is not a form")
        if message in self.form_answers:
            raise InvalidOperation(f"F3: the form in message {message} was already submitted")
        if not all(isinstance(k, str) and isinstance(v, str) for k, v in answers.items()):
            raise InvalidOperation("F3: form answers must map question names to text")
        self.form_answers[message] = dict(answers)
        if self._log is not None:
            self._log.record(
                self._clock.minutes,
                Event.FORM_SUBMITTED,
                self.person[message],
                actor,
                role,
                self.clinic[message],
                NONE,
                self.case[message],
                message,
                channel,
                Kind.FORM,
            )

    def snapshot(self) -> tuple[Any, ...]:
        """An immutable copy of all messages and inboxes (tests compare before and after)."""
        return (
            bytes(self.person),
            bytes(self.read_minutes),
            bytes(self.reader),
            bytes(self.last_message),
            bytes(self.unread_count),
            tuple(sorted(self.texts.items())),
            tuple(sorted((m, tuple(sorted(a.items()))) for m, a in self.form_answers.items())),
        )

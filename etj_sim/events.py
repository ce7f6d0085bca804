"""The event log: its schema and the columnar buffer that records it.

Pipeline position: the domain (``etj_sim.domain``) writes one row here for every operation it
carries out or refuses; the simulation only sets the clock and calls the domain; the metrics
(``etj_sim.metrics``) read the finished frame. This module is the one source of truth for the
column names, their types and the vocabulary of event names, actor roles, channels, kinds and
reasons, so that any run, old or new, can be measured again.

Rows are buffered in ``array.array`` columns (a few bytes a row, no Python object per row) and
turned into one typed polars frame by :meth:`EventLog.to_frame`. Integer ids use ``-1`` for
"does not apply" in the buffer and become nulls in the frame; times are minutes since the log's
epoch in the buffer and ``Datetime("ms")`` in the frame.
"""

from __future__ import annotations

from array import array
from datetime import datetime
from enum import IntEnum
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
    UNDER_13 = 7  # R10, R15, D2: no own login before 13; a guardian acts by proxy


def _names(enum: type[IntEnum]) -> list[str]:
    members = sorted(enum, key=int)
    assert [int(m) for m in members] == list(range(len(members))), enum
    return [m.name.lower() for m in members]


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
    "reason": pl.Enum(REASONS),
    "recipient": pl.Int32(),  # alert_sent: the person whose mobile or e-mail got the alert
    "alert_sms": pl.Boolean(),  # settings after a change; recipient's choice at message_sent
    "alert_email": pl.Boolean(),
    "duration_minutes": pl.Float32(),  # staff handling time (case_answered)
}
EVENT_LOG_SCHEMA: Final = pl.Schema(_COLUMN_TYPES)
"""The event log's columns and types: a contract for the metrics and for stored runs."""

# Buffer layout: (column, array typecode). Booleans are stored as -1 (null), 0 or 1.
_INT_COLUMNS: Final = ("person", "actor", "clinic", "staff", "case", "message", "recipient")
_CODE_COLUMNS: Final = ("event", "actor_role", "channel", "kind", "reason")
_FLAG_COLUMNS: Final = ("alert_sms", "alert_email")


class EventLog:
    """An append-only columnar buffer of events with minutes since ``epoch`` as time.

    ``record`` is on the hot path of every simulation (tens of millions of calls), so it takes
    positional arguments and appends to typed arrays without building any per-row object.
    """

    __slots__ = (
        "_actor",
        "_actor_role",
        "_alert_email",
        "_alert_sms",
        "_case",
        "_channel",
        "_clinic",
        "_duration",
        "_event",
        "_kind",
        "_message",
        "_person",
        "_reason",
        "_recipient",
        "_staff",
        "_time",
        "epoch",
    )

    def __init__(self, epoch: datetime) -> None:
        self.epoch = epoch
        self._time = array("d")
        self._event = array("b")
        self._person = array("i")
        self._actor = array("i")
        self._actor_role = array("b")
        self._clinic = array("i")
        self._staff = array("i")
        self._case = array("i")
        self._message = array("i")
        self._channel = array("b")
        self._kind = array("b")
        self._reason = array("b")
        self._recipient = array("i")
        self._alert_sms = array("b")
        self._alert_email = array("b")
        self._duration = array("f")

    def __len__(self) -> int:
        return len(self._time)

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
        duration_minutes: float = float("nan"),
    ) -> None:
        """Append one event. Ids and codes are ints, ``NONE`` (-1) where they do not apply."""
        self._time.append(minutes)
        self._event.append(event)
        self._person.append(person)
        self._actor.append(actor)
        self._actor_role.append(actor_role)
        self._clinic.append(clinic)
        self._staff.append(staff)
        self._case.append(case)
        self._message.append(message)
        self._channel.append(channel)
        self._kind.append(kind)
        self._reason.append(reason)
        self._recipient.append(recipient)
        self._alert_sms.append(alert_sms)
        self._alert_email.append(alert_email)
        self._duration.append(duration_minutes)

    def to_frame(self) -> pl.DataFrame:
        """The log as one frame with :data:`EVENT_LOG_SCHEMA`, in the order events were recorded.

        The frame owns copies of the buffers, so recording may go on while it is alive.
        """
        columns: dict[str, pl.Series] = {}
        minutes = _column(self._time, np.float64)
        milliseconds = np.rint(minutes * 60_000.0).astype(np.int64)
        epoch_ms = (
            int(self.epoch.timestamp() * 1000) if self.epoch.tzinfo else _naive_ms(self.epoch)
        )
        columns["time"] = pl.Series("time", milliseconds + epoch_ms, dtype=pl.Int64).cast(
            pl.Datetime("ms")
        )
        for name in _CODE_COLUMNS:
            columns[name] = _codes_to_enum(name, _column(getattr(self, f"_{name}"), np.int8))
        for name in _INT_COLUMNS:
            values = _column(getattr(self, f"_{name}"), np.int32)
            columns[name] = _with_nulls(pl.Series(name, values, dtype=pl.Int32), values == NONE)
        for name in _FLAG_COLUMNS:
            raw = _column(getattr(self, f"_{name}"), np.int8)
            columns[name] = _with_nulls(pl.Series(name, raw == 1, dtype=pl.Boolean), raw == NONE)
        durations = _column(self._duration, np.float32)
        columns["duration_minutes"] = pl.Series(
            "duration_minutes", durations, dtype=pl.Float32
        ).fill_nan(None)
        return pl.DataFrame([columns[name] for name in EVENT_LOG_SCHEMA.names()])


def _column(buffer: array[Any], dtype: type[np.generic]) -> np.ndarray[Any, Any]:
    # A copy: a numpy view would pin the array.array and make the next append fail.
    if not len(buffer):
        return np.empty(0, dtype=dtype)
    return np.frombuffer(buffer, dtype=dtype).copy()


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
    # never through millions of strings.
    physical = _with_nulls(pl.Series(name, codes.astype(np.uint8), dtype=pl.UInt8), codes == NONE)
    return physical.cat.to(dtype)


def empty_event_log() -> pl.DataFrame:
    """An event log with no rows and the full schema (for metrics on an empty run)."""
    return pl.DataFrame(schema=EVENT_LOG_SCHEMA)

"""The alert gateway: SMS and e-mail notices of new inbox messages (R8, D6, R13, D4).

Pipeline position: ``inboxes (schedule on delivery) -> alert gateway (this module) -> event log
(alert_sent)``; ``EServices.advance_to`` dispatches what falls due as the clock moves.

D6: an alert goes out ``alert_delay_minutes`` (about one minute) after the message lands, to
every channel the account's settings approve *at dispatch time*, and is logged at its due time.
A message is scheduled when its recipient's settings approve some channel on delivery. Since
the delay is constant and the clock only moves forward, due times come in delivery order: a
FIFO queue, no heap. R8: the alert carries only the fixed text, never case content or a link.
The alert reaches whoever's contact is in the settings: the holder, or a guardian (R13; after
the 13th birthday too, until the young person edits the settings, D4); ``recipient`` says who.
"""

from __future__ import annotations

from array import array
from collections import deque
from datetime import datetime
from typing import Any, Final

import numpy as np
import polars as pl

from etj_sim.domain.accounts import ALERT_EMAIL, ALERT_SMS, NO_CONTACT, Accounts
from etj_sim.domain.clock import Clock
from etj_sim.domain.columns import as_numpy
from etj_sim.domain.errors import InvalidOperation
from etj_sim.events import NONE, Channel, EventLog

__all__ = ["AlertGateway"]

_INFINITY: Final = float("inf")
_SMS: Final = int(Channel.SMS)
_EMAIL: Final = int(Channel.EMAIL)


class AlertGateway:
    """Schedules, dispatches and remembers alerts (R8, D6)."""

    __slots__ = (
        "_accounts",
        "_channel",
        "_clock",
        "_contact",
        "_log",
        "_message",
        "_message_person",
        "_person",
        "_recipient",
        "_sent_message",
        "_time",
        "delay_minutes",
        "due_minutes",
    )

    SMS_TEXT: Final = (
        "Du har ett meddelande i e-tjänsterna på 1177. Meddelandet finns i inkorgen när du "
        "loggat in på 1177. Obs! Du kan inte svara på detta sms."
    )
    """R8: the exact SMS text (since October 2022)."""
    EMAIL_SUBJECT: Final = "Nytt meddelande i e-tjänsterna på 1177"
    EMAIL_TEXT: Final = (
        "Du har ett meddelande i e-tjänsterna på 1177. Meddelandet finns i inkorgen när du "
        "loggat in på 1177. Obs! Det här är ett automatiskt meddelande som inte går att besvara."
    )
    """R8: the exact e-mail text as Region Västra Götaland publishes it ("Så fungerar det för
    mottagaren", vårdgivarwebben): no information about the case and no link."""

    def __init__(
        self, accounts: Accounts, clock: Clock, log: EventLog | None, delay_minutes: float
    ) -> None:
        if not delay_minutes >= 0.0:
            raise InvalidOperation(f"D6: alert_delay_minutes must be >= 0, got {delay_minutes}")
        self._accounts = accounts
        self._clock = clock
        self._log = log
        self.delay_minutes = float(delay_minutes)
        self.due_minutes: deque[float] = deque()  # pending alerts, oldest first (read-only)
        self._message: deque[int] = deque()
        self._message_person: deque[int] = deque()
        self._time = array("d")
        self._person = array("i")
        self._recipient = array("i")
        self._channel = array("b")
        self._contact = array("i")
        self._sent_message = array("i")

    @property
    def pending(self) -> int:
        """Alerts scheduled and not yet sent."""
        return len(self.due_minutes)

    def __len__(self) -> int:
        """Alerts sent (one per channel)."""
        return len(self._time)

    def schedule(self, message: int, person: int, delivered_minutes: float) -> None:
        """D6: an alert for ``message`` (in ``person``'s inbox) falls due ``delay_minutes`` after
        delivery."""
        due = delivered_minutes + self.delay_minutes
        self.due_minutes.append(due)
        clock = self._clock
        if due < clock.horizon:
            clock.horizon = due  # the clock's catch-up must stop here
        self._message.append(message)
        self._message_person.append(person)

    def next_due_minutes(self) -> float:
        """When the oldest pending alert falls due (infinity when none is pending)."""
        return self.due_minutes[0] if self.due_minutes else _INFINITY

    def dispatch_next(self) -> None:
        """Send the oldest pending alert at its due time, to the channels approved now (D6)."""
        due = self.due_minutes.popleft()
        message = self._message.popleft()
        person = self._message_person.popleft()
        accounts = self._accounts
        alerts = accounts.alerts[person]
        if alerts & ALERT_SMS:
            slot = accounts.mobile[person]
            if slot != NO_CONTACT:
                self._send(due, person, message, _SMS, slot)
        if alerts & ALERT_EMAIL:
            slot = accounts.email[person]
            if slot != NO_CONTACT:
                self._send(due, person, message, _EMAIL, slot)

    def _send(self, due: float, person: int, message: int, channel: int, slot: int) -> None:
        recipient = slot if slot >= 0 else NONE
        self._time.append(due)
        self._person.append(person)
        self._recipient.append(recipient)
        self._channel.append(channel)
        self._contact.append(slot)
        self._sent_message.append(message)
        if self._log is not None:
            self._log.alert_sent(due, person, message, channel, recipient)

    def sent(self) -> pl.DataFrame:
        """Every alert sent: time, person (account), recipient (contact owner or null),
        channel, message, destination (number or address) and text (R8)."""
        channels = as_numpy(self._channel)
        contacts = self._contact.tolist()
        destinations = [
            self._accounts.contact_text(slot, email=channel == Channel.EMAIL)
            for slot, channel in zip(contacts, channels.tolist(), strict=True)
        ]
        recipient = as_numpy(self._recipient)
        epoch = self._clock.epoch
        # The event log's convention: an aware epoch as its UTC instant, a naive one as is.
        epoch_ms = (
            round(epoch.timestamp() * 1000)
            if epoch.tzinfo
            else round((epoch - datetime(1970, 1, 1)).total_seconds() * 1000)
        )
        milliseconds = np.rint(as_numpy(self._time) * 60_000.0).astype(np.int64) + epoch_ms
        return pl.DataFrame(
            {
                "time": pl.Series(milliseconds, dtype=pl.Int64).cast(pl.Datetime("ms")),
                "person": pl.Series(as_numpy(self._person), dtype=pl.Int32),
                "recipient": pl.Series(recipient, dtype=pl.Int32).set(
                    pl.Series(recipient == NONE), None
                ),
                "channel": pl.Series(
                    np.where(channels == Channel.SMS, "sms", "email"), dtype=pl.String
                ),
                "message": pl.Series(as_numpy(self._sent_message), dtype=pl.Int32),
                "destination": pl.Series(destinations, dtype=pl.String),
                "text": pl.Series(
                    np.where(channels == Channel.SMS, self.SMS_TEXT, self.EMAIL_TEXT),
                    dtype=pl.String,
                ),
            }
        )

    def snapshot(self) -> tuple[Any, ...]:
        """An immutable copy of the gateway state (tests compare before and after)."""
        return (
            tuple(self.due_minutes),
            tuple(self._message),
            tuple(self._message_person),
            bytes(self._time),
            bytes(self._contact),
        )

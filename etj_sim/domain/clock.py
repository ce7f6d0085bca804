"""The domain's clock: minutes since an epoch, set by the caller, never read from the wall.

Pipeline position: ``simulation (sets the time) -> domain (reads it) -> event log (stamps rows)``.
Two ways to move it: a caller that owns a clock of its own (the simulation: SimPy's ``env.now``)
hands :meth:`Clock.follow` a callable, and every domain operation starts with :meth:`Clock.tick`,
which catches the domain up (alerts due, 13th birthdays; ``EServices.advance_to``) when that time
has moved, so no caller moves the domain's time by hand. The clock's ``horizon`` (the earliest
minute anything falls due: the oldest pending alert, the next 13th birthday) lets a tick before
it just move the time; the alert gateway lowers it when it schedules, ``advance_to`` resets
it. A notebook without such a clock calls ``EServices.advance_to`` (or :meth:`Clock.set`)
itself. Time only moves forward. Dates are the epoch's wall-clock dates (no daylight-saving
shifts).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Final

from etj_sim.domain.errors import InvalidOperation

__all__ = ["MINUTES_PER_DAY", "UNIX_EPOCH_ORDINAL", "Clock"]

MINUTES_PER_DAY: Final = 1440.0
UNIX_EPOCH_ORDINAL: Final = date(1970, 1, 1).toordinal()
"""Day numbers in the domain count days since 1970-01-01 (numpy ``datetime64[D]`` values)."""


class Clock:
    """Minutes since ``epoch``; ``minutes`` is the fast path, ``now`` and ``today`` are derived."""

    __slots__ = (
        "_catch_up",
        "_epoch_day",
        "_epoch_offset_minutes",
        "_source",
        "epoch",
        "horizon",
        "minutes",
    )

    def __init__(self, epoch: datetime, minutes: float = 0.0) -> None:
        if not isinstance(epoch, datetime):
            raise InvalidOperation(f"the clock's epoch must be a datetime, got {epoch!r}")
        self.epoch = epoch
        self.minutes = float(minutes)
        self._source: Callable[[], float] | None = None
        # The earliest minute at which catching up has work (an alert or a birthday falls due),
        # never later than the truth; minus infinity until the first catch-up has looked.
        self.horizon = -math.inf
        self._catch_up: Callable[[float], None] | None = None
        self._epoch_day = epoch.date().toordinal() - UNIX_EPOCH_ORDINAL
        midnight = datetime.combine(epoch.date(), datetime.min.time(), tzinfo=epoch.tzinfo)
        self._epoch_offset_minutes = (epoch - midnight).total_seconds() / 60.0

    def follow(self, source: Callable[[], float], catch_up: Callable[[float], None]) -> None:
        """Take the time from ``source`` (minutes since epoch) at every :meth:`tick`.

        ``catch_up(minutes)`` is called when the source has moved: it does what fell due and
        sets :attr:`minutes` (``EServices.advance_to``).
        """
        if not callable(source):
            raise InvalidOperation(f"the clock's source must be callable, got {source!r}")
        self._source = source
        self._catch_up = catch_up

    @property
    def follows_source(self) -> bool:
        """Whether the time comes from a source (:meth:`follow`) rather than from the caller."""
        return self._source is not None

    def tick(self) -> None:
        """Catch up with the source, if any: the first step of every domain operation."""
        source = self._source
        if source is not None:
            now = source()
            if now != self.minutes:
                if self.minutes < now < self.horizon:
                    # Nothing falls due by then (the common case): no call into the catch-up.
                    self.minutes = float(now)
                    return
                catch_up = self._catch_up
                assert catch_up is not None
                catch_up(now)

    @property
    def now(self) -> datetime:
        """The current moment as a datetime (in the epoch's time zone, if any)."""
        return self.epoch + timedelta(minutes=self.minutes)

    @property
    def today(self) -> date:
        """The current date (the epoch's wall-clock calendar)."""
        return date.fromordinal(self.day_number + UNIX_EPOCH_ORDINAL)

    @property
    def day_number(self) -> int:
        """Today as days since 1970-01-01, the unit of the register's birthday arrays."""
        return self.day_of(self.minutes)

    def day_of(self, minutes: float) -> int:
        """The day number (days since 1970-01-01) of a moment given in minutes since epoch."""
        return self._epoch_day + int((self._epoch_offset_minutes + minutes) // MINUTES_PER_DAY)

    def start_of_day(self, day_number: int) -> float:
        """Minutes since epoch at midnight starting the given day number."""
        return (day_number - self._epoch_day) * MINUTES_PER_DAY - self._epoch_offset_minutes

    def moment(self, minutes: float) -> datetime:
        """A time in minutes since epoch as a datetime."""
        return self.epoch + timedelta(minutes=minutes)

    def set(self, moment: datetime) -> None:
        """Set the clock to ``moment``; it cannot move backwards."""
        self.set_minutes((moment - self.epoch).total_seconds() / 60.0)

    def set_minutes(self, minutes: float) -> None:
        """Set the clock to ``minutes`` since epoch; it cannot move backwards."""
        if not minutes >= self.minutes:  # also refuses NaN
            raise InvalidOperation(
                f"the clock cannot move backwards (now {self.minutes} min, asked {minutes} min)"
            )
        self.minutes = float(minutes)

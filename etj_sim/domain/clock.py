"""The domain's clock: minutes since an epoch, set by the caller, never read from the wall.

Pipeline position: ``simulation (sets the time) -> domain (reads it) -> event log (stamps rows)``.
The simulation moves it through :meth:`etj_sim.domain.EServices.advance_to`, which first lets
the domain do what falls due (alerts, 13th birthdays); notebooks may call :meth:`Clock.set`.
Time only moves forward. Dates are the epoch's wall-clock dates (no daylight-saving shifts).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Final

from etj_sim.domain.errors import InvalidOperation

__all__ = ["MINUTES_PER_DAY", "UNIX_EPOCH_ORDINAL", "Clock"]

MINUTES_PER_DAY: Final = 1440.0
UNIX_EPOCH_ORDINAL: Final = date(1970, 1, 1).toordinal()
"""Day numbers in the domain count days since 1970-01-01 (numpy ``datetime64[D]`` values)."""


class Clock:
    """Minutes since ``epoch``; ``minutes`` is the fast path, ``now`` and ``today`` are derived."""

    __slots__ = ("_epoch_day", "_epoch_offset_minutes", "epoch", "minutes")

    def __init__(self, epoch: datetime, minutes: float = 0.0) -> None:
        if not isinstance(epoch, datetime):
            raise InvalidOperation(f"the clock's epoch must be a datetime, got {epoch!r}")
        self.epoch = epoch
        self.minutes = float(minutes)
        self._epoch_day = epoch.date().toordinal() - UNIX_EPOCH_ORDINAL
        midnight = datetime.combine(epoch.date(), datetime.min.time(), tzinfo=epoch.tzinfo)
        self._epoch_offset_minutes = (epoch - midnight).total_seconds() / 60.0

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

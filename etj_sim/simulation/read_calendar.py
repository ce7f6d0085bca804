"""A calendar of reads due on later days: far-future one-shot callbacks without SimPy objects.

Pipeline position: ``simulation (citizen behaviour) -> (this calendar) -> SimPy timeouts ->
read_inbox``. A read decided at delivery is often weeks ahead (the next login by cadence). Kept as a
SimPy timeout from the start, each would hold a timeout, a callback and a heap entry (a few
hundred bytes) for weeks: hundreds of megabytes at region scale, and a deeper heap for every other
event. The calendar keeps them as two numbers in per-day columns instead and hands each day's reads
to SimPy, as ordinary one-shot timeouts, when the day begins. Nothing else changes: a read fires
at the same minute either way.
"""

from __future__ import annotations

from array import array

__all__ = ["ReadCalendar"]


class ReadCalendar:
    """Per simulated day, the (person, minute) of reads due that day and not yet scheduled."""

    __slots__ = ("_minutes", "_persons")

    def __init__(self, days: int) -> None:
        self._persons: list[array[int] | None] = [None] * days
        self._minutes: list[array[float] | None] = [None] * days

    def add(self, day: int, person: int, minute: float) -> None:
        """Remember a read at ``minute`` (on ``day``) of ``person``'s inbox."""
        persons = self._persons[day]
        if persons is None:
            persons = self._persons[day] = array("i")
            self._minutes[day] = array("d")
        persons.append(person)
        minutes = self._minutes[day]
        assert minutes is not None
        minutes.append(minute)

    def release(self, day: int) -> tuple[array[int], array[float]]:
        """The reads of ``day``, in the order they were added; the day is then forgotten."""
        persons, minutes = self._persons[day], self._minutes[day]
        self._persons[day] = self._minutes[day] = None
        if persons is None or minutes is None:
            return array("i"), array("d")
        return persons, minutes

"""A calendar of reads due in later hours: far-future one-shot callbacks without SimPy objects.

Pipeline position: ``simulation (citizen behaviour) -> (this calendar) -> one-shot SimPy events
-> read_inbox``. A read decided at delivery is often weeks ahead (the next login by cadence).
Kept in SimPy's queue from the start, each would hold an event, a callback and a heap entry for
weeks: hundreds of megabytes at region scale, and a deeper heap for every other event. The
calendar keeps them as two numbers in per-slot columns instead (a slot is an hour of the run, see
``CitizenBehaviour``) and hands each slot's reads to SimPy, as one-shot events, when the slot
begins: SimPy's heap then holds at most an hour of reads, not a day of them (every push and pop
of the heap costs log of its size). Nothing else changes: a read fires at the same minute either
way.
"""

from __future__ import annotations

from array import array

__all__ = ["ReadCalendar"]


class ReadCalendar:
    """Per time slot of the run, the (person, minute) of reads due in it and not yet scheduled."""

    __slots__ = ("_minutes", "_persons")

    def __init__(self, slots: int) -> None:
        self._persons: list[array[int] | None] = [None] * slots
        self._minutes: list[array[float] | None] = [None] * slots

    def add(self, slot: int, person: int, minute: float) -> None:
        """Remember a read at ``minute`` (in ``slot``) of ``person``'s inbox."""
        persons = self._persons[slot]
        if persons is None:
            persons = self._persons[slot] = array("i")
            self._minutes[slot] = array("d")
        persons.append(person)
        minutes = self._minutes[slot]
        assert minutes is not None
        minutes.append(minute)

    def release(self, slot: int) -> tuple[array[int], array[float]]:
        """The reads of ``slot``, in the order they were added; the slot is then forgotten."""
        persons, minutes = self._persons[slot], self._minutes[slot]
        self._persons[slot] = self._minutes[slot] = None
        if persons is None or minutes is None:
            return array("i"), array("d")
        return persons, minutes

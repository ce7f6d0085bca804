"""The read calendar keeps later hours' reads out of SimPy's heap and hands them back in order."""

from __future__ import annotations

from etj_sim.simulation.read_calendar import ReadCalendar


def test_release_gives_the_slot_reads_in_the_order_added_then_forgets_them() -> None:
    calendar = ReadCalendar(slots=5)
    calendar.add(3, person=7, minute=3 * 60 + 100.0)
    calendar.add(2, person=1, minute=2 * 60 + 5.0)
    calendar.add(3, person=2, minute=3 * 60 + 50.0)
    persons, minutes = calendar.release(3)
    assert list(persons) == [7, 2]
    assert list(minutes) == [3 * 60 + 100.0, 3 * 60 + 50.0]
    again_persons, again_minutes = calendar.release(3)
    assert len(again_persons) == len(again_minutes) == 0
    assert list(calendar.release(2)[0]) == [1]


def test_a_slot_without_reads_releases_nothing() -> None:
    persons, minutes = ReadCalendar(slots=2).release(1)
    assert len(persons) == 0
    assert len(minutes) == 0

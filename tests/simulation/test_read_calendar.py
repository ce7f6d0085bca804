"""The read calendar keeps later hours' reads out of SimPy's heap and hands them back in order."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from simpy.events import NORMAL
from simulation_runs import small_scenario

from etj_sim.population import synthesize_population
from etj_sim.simulation.citizen_behaviour import _Due, _fire_read
from etj_sim.simulation.engine import _Run
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


def test_a_due_event_fires_like_a_timeout_at_the_same_time_and_in_the_same_order() -> None:
    """Reads and replies are scheduled as one-shot ``_Due`` events, not SimPy timeouts; the
    event log stays the same only if they take their turn exactly as a timeout would."""
    scenario = small_scenario(duration_days=5)
    run = _Run(scenario, 1, synthesize_population(scenario, 1))
    env = run.env
    fired: list[tuple[float, str]] = []

    def note(label: str) -> Callable[[Any], None]:
        return lambda _event: fired.append((env.now, label))

    def due(label: str, delay: float) -> None:
        run.behaviour._schedule(
            _Due(lambda event: fired.append((env.now, label)), run.behaviour, 0, 0.0),
            NORMAL,
            delay,
        )

    env.timeout(5.0).callbacks.append(note("timeout 1"))
    due("due 1", 5.0)
    env.timeout(5.0).callbacks.append(note("timeout 2"))
    due("due 2", 3.0)
    env.run(until=10.0)
    assert fired == [(3.0, "due 2"), (5.0, "timeout 1"), (5.0, "due 1"), (5.0, "timeout 2")]


def test_a_read_due_fires_the_behaviour_read_only_if_still_current() -> None:
    scenario = small_scenario(duration_days=5)
    run = _Run(scenario, 1, synthesize_population(scenario, 1))
    next_read = run.citizens.next_read_minute
    next_read[7] = 30.0
    next_read[8] = 45.0
    _fire_read(_Due(_fire_read, run.behaviour, 7, 30.0))
    # Superseded: a later decision moved person 8's read to minute 45.
    _fire_read(_Due(_fire_read, run.behaviour, 8, 40.0))
    # The login to read clears the person's pending read; the superseded one left it alone.
    assert (next_read[7], next_read[8]) == (math.inf, 45.0)

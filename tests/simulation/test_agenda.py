"""The agenda's one-shot calls fire exactly where SimPy timeouts would (SimPy 4's event protocol),
and its earliest calls keep one pending call per key, as reading needs."""

from __future__ import annotations

import math
from array import array
from collections.abc import Callable
from importlib.metadata import version
from typing import Any

import simpy

from etj_sim.simulation.agenda import SLOT_MINUTES, Agenda, simpy_clock


def test_simpy_is_a_version_whose_event_protocol_the_agenda_relies_on() -> None:
    # pyproject.toml pins simpy below 5: _Due events use SimPy 4's ``callbacks`` / ``_ok``.
    assert int(version("simpy").split(".")[0]) == 4


def test_the_clock_reads_simpys_time_at_every_step() -> None:
    """simpy_clock reads the attribute behind ``env.now`` (SimPy 4): the same at every step."""
    env = simpy.Environment(initial_time=5.0)
    clock = simpy_clock(env)
    seen: list[tuple[float, float]] = []

    def ticking() -> simpy.events.ProcessGenerator:
        for delay in (0.0, 1.5, 0.25, 30.0):
            yield env.timeout(delay)
            seen.append((clock(), env.now))

    env.process(ticking())
    env.run()
    assert seen == [(5.0, 5.0), (6.5, 6.5), (6.75, 6.75), (36.75, 36.75)]
    assert clock() == env.now == 36.75


def test_a_call_fires_like_a_timeout_at_the_same_time_and_in_the_same_order() -> None:
    """The event log stays the same only if a call takes its turn exactly as a timeout would."""
    env = simpy.Environment()
    agenda = Agenda(env, horizon_minutes=100.0)
    fired: list[tuple[float, str]] = []

    def note(label: str) -> Callable[[Any], None]:
        return lambda _event: fired.append((env.now, label))

    def action(label: str) -> Callable[[int, float], None]:
        return lambda key, minute: fired.append((env.now, f"{label} key={key} at={minute}"))

    env.timeout(5.0).callbacks.append(note("timeout 1"))
    agenda.call_after(5.0, action("call 1"), 7)
    env.timeout(5.0).callbacks.append(note("timeout 2"))
    agenda.call_after(3.0, action("call 2"), 8)
    env.run(until=10.0)
    assert fired == [
        (3.0, "call 2 key=8 at=3.0"),
        (5.0, "timeout 1"),
        (5.0, "call 1 key=7 at=5.0"),
        (5.0, "timeout 2"),
    ]


def test_a_call_at_or_after_the_horizon_is_not_made() -> None:
    env = simpy.Environment()
    agenda = Agenda(env, horizon_minutes=10.0)
    fired: list[int] = []
    agenda.call_after(10.0, lambda key, _minute: fired.append(key), 1)
    agenda.call_after(9.5, lambda key, _minute: fired.append(key), 2)
    env.run(until=20.0)
    assert fired == [2]


def _earliest(horizon: float, keys: int) -> tuple[simpy.Environment, Agenda, Any, list[Any]]:
    env = simpy.Environment()
    agenda = Agenda(env, horizon_minutes=horizon)
    fired: list[tuple[float, int, float]] = []
    pending = array("d", [math.inf] * keys)
    calls = agenda.earliest_calls(pending, lambda key, minute: fired.append((env.now, key, minute)))
    agenda.start()
    return env, agenda, calls, fired


def test_earliest_calls_fire_once_per_key_at_the_earliest_minute_across_hours() -> None:
    env, _agenda, calls, fired = _earliest(horizon=10 * SLOT_MINUTES, keys=4)
    calls.propose(0, 5 * SLOT_MINUTES + 7.0)  # a later hour: waits in the calendar
    calls.propose(0, 2 * SLOT_MINUTES + 1.0)  # earlier: supersedes
    calls.propose(0, 3 * SLOT_MINUTES)  # later than the pending one: ignored
    calls.propose(1, 20.0)  # this hour: straight into SimPy's queue
    calls.propose(2, 4 * SLOT_MINUTES)
    calls.propose(3, 11 * SLOT_MINUTES)  # after the horizon: remembered, never fires
    env.run(until=10 * SLOT_MINUTES)
    assert fired == [
        (20.0, 1, 20.0),
        (2 * SLOT_MINUTES + 1.0, 0, 2 * SLOT_MINUTES + 1.0),
        (4 * SLOT_MINUTES, 2, 4 * SLOT_MINUTES),
    ]
    assert calls.pending[3] == 11 * SLOT_MINUTES


def test_a_cleared_call_does_not_fire_and_the_key_takes_a_new_one() -> None:
    env, _agenda, calls, fired = _earliest(horizon=10 * SLOT_MINUTES, keys=2)
    calls.propose(0, 3 * SLOT_MINUTES)
    calls.propose(1, 30.0)
    calls.clear(0)
    calls.clear(1)
    calls.propose(0, 6 * SLOT_MINUTES)  # after a clear, a later call is pending again
    env.run(until=10 * SLOT_MINUTES)
    assert fired == [(6 * SLOT_MINUTES, 0, 6 * SLOT_MINUTES)]


def test_a_call_in_a_later_hour_waits_outside_simpys_queue_and_fires_at_its_minute() -> None:
    """Calls days ahead (a visit after its notice) wait in hour slots, not in SimPy's heap, and
    fire at their own minute in the order they were made, among calls of the current hour."""
    env = simpy.Environment()
    horizon = 10 * 24 * 60.0
    agenda = Agenda(env, horizon_minutes=horizon)
    fired: list[tuple[float, int, float]] = []

    def action(key: int, minute: float) -> None:
        fired.append((env.now, key, minute))

    agenda.start()
    agenda.call_after(3 * 24 * 60.0 + 17.25, action, 1)  # day 3
    agenda.call_after(3 * 24 * 60.0 + 17.25, action, 2)  # the same minute, made after
    agenda.call_after(2 * SLOT_MINUTES + 1.5, action, 3)  # two hours on
    agenda.call_after(12.0, action, 4)  # this hour: straight into SimPy's queue

    def step_until(minute: float) -> None:
        # Not env.run(until=...): SimPy leaves its stop event in the queue, and peek sees it.
        while env.peek() < minute:
            env.step()

    # SimPy's queue holds this hour's call; the later ones wait in their slots.
    step_until(1.0)  # past the release process's start
    assert env.peek() == 12.0
    step_until(SLOT_MINUTES + 30.0)
    assert env.peek() == 2 * SLOT_MINUTES  # the next release, not a call days ahead

    def made_later() -> Any:
        yield env.timeout(2 * 24 * 60.0 - env.now)
        agenda.call_after(24 * 60.0 + 17.25, action, 5)  # day 3 too, made on day 2

    env.process(made_later())
    env.run(until=horizon)
    day_3 = 3 * 24 * 60.0 + 17.25
    assert fired == [
        (12.0, 4, 12.0),
        (2 * SLOT_MINUTES + 1.5, 3, 2 * SLOT_MINUTES + 1.5),
        (day_3, 1, day_3),
        (day_3, 2, day_3),
        (day_3, 5, day_3),
    ]

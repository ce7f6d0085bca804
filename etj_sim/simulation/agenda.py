"""The agenda: every one-shot delay of the simulation (a read some hours later, a reply).

Pipeline position: ``simulation (citizen behaviour decides a delay) -> (this agenda) -> one-shot
SimPy events -> citizen behaviour acts through the domain``. Long-lived actors (a clinic's
arrivals, a staff member's shifts) are SimPy processes; one-shot delays are not: each is a small
event in SimPy's queue whose callback is the action itself (:class:`_Due`), with no process,
Timeout or ``partial`` behind it. This module is the one place that knows how such an event
enters SimPy's queue.

Reads are most of the run's one-shots, and one decided at delivery is often weeks ahead (the
next login by cadence). Kept in SimPy's queue from the start, each would hold an event and a
heap entry for weeks: hundreds of megabytes at region scale and a deeper heap for every other
event. :class:`EarliestCalls` keeps them as two numbers per entry in a calendar of hour slots
instead, and the agenda's release process hands each slot's entries to SimPy when the hour
begins: SimPy's heap then holds at most an hour of reads. The other one-shots
(:meth:`Agenda.call_after`: an appointment's visit weeks after its notice, a paper fallback
48 hours on, a reply) wait in the same hour slots when they fall in a later hour: at region
scale a year's notices keep some 300,000 visits pending, and in SimPy's heap they made every
pop of every event several times dearer (cache misses in a deep heap). A call fires at the same
minute, in the same order, either way.

SimPy protocol: ``Environment.schedule(event, priority, delay)`` uses only an event's
``callbacks`` (each called with the event) and ``_ok``, and the current time is
``Environment._now`` (behind the ``now`` property; :func:`simpy_clock`). That is SimPy 4's
protocol, so pyproject.toml asks for ``simpy>=4.1,<5``; ``tests/simulation/test_agenda.py``
checks that a call fires exactly where a timeout with a callback would and that the clock reads
what ``env.now`` does.
"""

from __future__ import annotations

import math
from array import array
from collections.abc import Callable, Generator
from functools import partial
from typing import TYPE_CHECKING, Any, Final, cast

from simpy.events import NORMAL

if TYPE_CHECKING:
    import simpy

__all__ = ["SLOT_MINUTES", "Agenda", "EarliestCalls", "simpy_clock"]

SLOT_MINUTES: Final = 60.0
"""Calls of :class:`EarliestCalls` wait in the calendar until the hour they fall in begins."""

Action = Callable[[int, float], None]
"""``action(key, minute)``: what a one-shot call does (the key is a person or a case)."""


def simpy_clock(env: simpy.Environment) -> Callable[[], float]:
    """The run's clock for the domain (``EServices(now=...)``): SimPy's current time.

    Every domain operation reads it (about once a domain event: some 40 million reads in a
    region year, by the tick counts of a profiled 20-day run). ``env.now`` is a Python property,
    so each read ran a Python frame; this reads the attribute behind it (``Environment._now``,
    SimPy 4, pinned like the event protocol above) with no Python frame.
    """
    return partial(getattr, env, "_now")


class _Due:
    """One call at a set minute, as a one-shot SimPy event (see the module docstring).

    The same heap entry as ``env.timeout(delay)`` with a callback (same time, priority and
    insertion order, so the same event log), without a Timeout object's construction.
    """

    __slots__ = ("_ok", "action", "callbacks", "key", "minute")

    def __init__(self, action: Action, key: int, minute: float) -> None:
        self.callbacks: list[Callable[[_Due], None]] | None = [_fire]
        self._ok = True
        self.action = action
        self.key = key
        self.minute = minute


def _fire(due: _Due) -> None:
    due.action(due.key, due.minute)


class Agenda:
    """The run's one-shot calls: :meth:`call_after` now, :meth:`earliest_calls` for reads."""

    __slots__ = ("_earliest", "_later", "_schedule", "env", "horizon_minutes")

    def __init__(self, env: simpy.Environment, horizon_minutes: float) -> None:
        self.env = env
        self.horizon_minutes = horizon_minutes
        # ``Environment.schedule`` takes any object with an event's ``callbacks`` and ``_ok``.
        self._schedule = cast("Callable[[_Due, int, float], None]", env.schedule)
        self._earliest: list[EarliestCalls] = []
        # Calls of a later hour, per hour slot, in the order made (see the module docstring).
        self._later: list[list[_Due] | None] = [None] * (int(horizon_minutes // SLOT_MINUTES) + 1)

    def call_after(self, delay_minutes: float, action: Action, key: int) -> None:
        """Call ``action(key, minute)`` ``delay_minutes`` from now (if before the horizon)."""
        now = self.env.now
        minute = now + delay_minutes
        if not minute < self.horizon_minutes:
            return
        slot = int(minute // SLOT_MINUTES)
        if slot == int(now // SLOT_MINUTES):
            self._schedule(_Due(action, key, minute), NORMAL, delay_minutes)
            return
        waiting = self._later[slot]
        if waiting is None:
            waiting = self._later[slot] = []
        waiting.append(_Due(action, key, minute))

    def earliest_calls(self, pending: array[float], action: Action) -> EarliestCalls:
        """Calls at the earliest of the minutes proposed per key; ``pending[key]`` holds it
        (infinity for none). Start the release with :meth:`start` once all are made."""
        calls = EarliestCalls(self, pending, action)
        self._earliest.append(calls)
        return calls

    def start(self) -> None:
        """Start the release of calendar slots (a process; call once, before the run)."""
        self.env.process(self._release())

    def _release(self) -> Generator[Any, Any, None]:
        """At the start of each hour, schedule the calls that fall due in it."""
        env = self.env
        schedule = self._schedule
        earliest = self._earliest
        later = self._later
        for slot in range(1, int(self.horizon_minutes // SLOT_MINUTES)):
            yield env.timeout(slot * SLOT_MINUTES - env.now)
            now = env.now
            waiting = later[slot]
            if waiting is not None:
                later[slot] = None
                for due in waiting:
                    schedule(due, NORMAL, due.minute - now)
            for calls in earliest:
                keys, minutes = calls._release(slot)
                pending = calls.pending
                fire = calls._fire_if_current
                for key, minute in zip(keys, minutes, strict=True):
                    # A call proposed later, or a clear in between, superseded this one.
                    if pending[key] == minute:
                        schedule(_Due(fire, key, minute), NORMAL, minute - now)


class EarliestCalls:
    """Per key at most one pending call, at the earliest minute proposed for it.

    The reading pattern: each delivered message proposes a read; a login reads everything
    waiting, so one call per person is enough, at the earliest proposal, and :meth:`clear` (a
    login) cancels it. A superseded or cleared call does nothing when its minute comes.
    """

    __slots__ = ("_action", "_agenda", "_keys", "_minutes", "pending")

    def __init__(self, agenda: Agenda, pending: array[float], action: Action) -> None:
        self._agenda = agenda
        self.pending = pending
        """Per key, the minute of its pending call (infinity: none)."""
        self._action = action
        slots = int(agenda.horizon_minutes // SLOT_MINUTES) + 1
        self._keys: list[array[int] | None] = [None] * slots
        self._minutes: list[array[float] | None] = [None] * slots

    def propose(self, key: int, minute: float) -> None:
        """A call for ``key`` at ``minute`` unless one is pending earlier (or at the horizon)."""
        pending = self.pending
        if not minute < pending[key]:
            return
        pending[key] = minute
        agenda = self._agenda
        if minute >= agenda.horizon_minutes:
            return
        now = agenda.env.now
        slot = int(minute // SLOT_MINUTES)
        if slot == int(now // SLOT_MINUTES):
            agenda._schedule(_Due(self._fire_if_current, key, minute), NORMAL, minute - now)
            return
        keys = self._keys[slot]
        minutes = self._minutes[slot]
        if keys is None or minutes is None:
            keys = self._keys[slot] = array("i")
            minutes = self._minutes[slot] = array("d")
        keys.append(key)
        minutes.append(minute)

    def clear(self, key: int) -> None:
        """Cancel ``key``'s pending call (it happened another way, e.g. a login)."""
        self.pending[key] = math.inf

    def _fire_if_current(self, key: int, minute: float) -> None:
        if self.pending[key] == minute:
            self._action(key, minute)

    def _release(self, slot: int) -> tuple[array[int], array[float]]:
        """The entries of ``slot`` in the order proposed; the slot is then forgotten."""
        keys, minutes = self._keys[slot], self._minutes[slot]
        self._keys[slot] = self._minutes[slot] = None
        if keys is None or minutes is None:
            return array("i"), array("d")
        return keys, minutes

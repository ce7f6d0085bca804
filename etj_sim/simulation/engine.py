"""``simulate(scenario, seed)``: one run of a population through the in-memory 1177.

Pipeline position: ``Scenario -> synthesize_population -> EServices.from_population -> (this
module wires the SimPy processes) -> EventLog frame -> SimulationResult -> metrics``.

SimPy time is minutes since the epoch, midnight of ``scenario.start_date``. The domain follows
SimPy's clock (``EServices(now=...)``): every domain operation first dispatches the alerts due by
then (R8, D6) and logs birthdays crossed (R14, D2); the run ends with ``EServices.sync``, so every
alert of a message delivered in the run is in the log.

Processes and callbacks (long-lived actors are processes, one-shot delays are calls on the
agenda): ``start_cases`` per clinic (demand), ``work_shifts`` / ``handle_cases`` per staff member,
``send_notices`` per clinic, ``send_mass_mailing`` once, and reads and replies on the
``Agenda``. The actors never call each other: the domain's listeners tell the citizens of
deliveries and of cases waiting for them, and the staff of cases waiting for staff.

Memory and speed at region scale: the event log seals its rows into compressed frames once a
day when :data:`~etj_sim.events.SEAL_ROWS` are unsealed in a log of two million rows or more
(``EventLog.seal``); the cyclic garbage collector is off during the run, which makes no
reference cycles (see :func:`_garbage_collection_paused`); and freed heap memory is handed back
to the operating system after synthesis and before the event log becomes a frame
(:func:`_release_free_memory`), with the domain and the behaviour state dropped first. Both full
collections are for large runs only (:data:`_FULL_COLLECTION_FROM_PEOPLE`): a small run's
garbage is a few megabytes, and a full collection walks the caller's whole heap (a dashboard's
server).
``SimulationResult.timings`` gives the wall seconds of each stage.
"""

from __future__ import annotations

import contextlib
import ctypes
import gc
import sys
import threading
import time
from collections.abc import Generator, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Final

import numpy as np
import polars as pl
import simpy

from etj_sim.domain import EServices
from etj_sim.events import SEAL_FROM_ROWS, SEAL_ROWS, EventLog
from etj_sim.population import Population, synthesize_population
from etj_sim.roster import STAFF_ROSTER_SCHEMA
from etj_sim.scenario import STAFF_ROLES, Scenario
from etj_sim.simulation.agenda import Agenda, simpy_clock
from etj_sim.simulation.citizen_behaviour import CitizenBehaviour
from etj_sim.simulation.citizens import MINUTES_PER_DAY, Citizens
from etj_sim.simulation.demand import DemandPlanner
from etj_sim.simulation.ledger import CaseLedger, MessageLedger
from etj_sim.simulation.notices import NoticeOffice
from etj_sim.simulation.outreach import OutreachPlanner
from etj_sim.simulation.register_changes import RegisterChanges
from etj_sim.simulation.staff_work import StaffWork

__all__ = [
    "STAFF_ROSTER_SCHEMA",
    "SealedRun",
    "SimulationResult",
    "simulate",
    "simulate_population",
    "simulate_population_sealed",
]


@dataclass(frozen=True, eq=False)
class SimulationResult:
    """The outcome of one run: the event log and the frames needed to measure it again."""

    scenario: Scenario
    seed: int
    events: pl.DataFrame
    """The event log (``etj_sim.events.EVENT_LOG_SCHEMA``), in the order events happened."""
    population: pl.DataFrame
    """The people frame the run started from (``etj_sim.population.schema.PEOPLE_SCHEMA``)."""
    guardianships: pl.DataFrame
    staff: pl.DataFrame
    """The staff roster (:data:`STAFF_ROSTER_SCHEMA`)."""
    needs_elsewhere: int = 0
    """Citizen needs that could not reach the e-services (no account and no activation, no
    e-ID, refused proxy) and went elsewhere; not a domain event, so not in the log."""
    timings: Mapping[str, float] = field(default_factory=dict, compare=False)
    """Wall seconds by stage: population, setup (domain and processes), run (SimPy), frame;
    for a sharded run: population, split, shards (every shard, wall), merge."""
    shard_runs: pl.DataFrame | None = field(default=None, compare=False)
    """A sharded run's shards, one row each (``etj_sim.simulation.shards.SHARD_RUNS_SCHEMA``:
    clinics, people, events, seconds and the peak memory of the process that ran it); ``None``
    for an unsharded run."""

    def summary(self) -> pl.DataFrame:
        """The headline metrics as one row (``etj_sim.metrics.summary``)."""
        # Imported here: metrics sit downstream of the simulation in the pipeline.
        from etj_sim.metrics import MetricContext, summary

        context = MetricContext.from_scenario(self.scenario)
        return summary(self.events, self.population, context, self.staff)


def simulate(scenario: Scenario, seed: int, *, progress: bool = False) -> SimulationResult:
    """Run ``scenario`` with ``seed``: the same pair always gives the identical event log.

    This is one run in this process. ``etj_sim.simulate`` (:func:`etj_sim.simulation.shards.
    simulate`) adds ``shards``, ``workers``, ``backend`` and ``address`` and comes here for
    ``shards=1``.
    """
    if not isinstance(scenario, Scenario):
        raise TypeError(f"scenario: expected an etj_sim.Scenario, got {type(scenario).__name__}")
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
        raise ValueError(f"seed: expected a non-negative int, got {seed!r}")
    seed = int(seed)
    started = time.perf_counter()
    population = synthesize_population(scenario, seed)
    _release_free_memory(population.people.height)
    return simulate_population(
        scenario,
        seed,
        population,
        progress=progress,
        population_seconds=time.perf_counter() - started,
    )


def simulate_population(
    scenario: Scenario,
    seed: int,
    population: Population,
    *,
    progress: bool = False,
    population_seconds: float = 0.0,
) -> SimulationResult:
    """Run ``scenario`` with ``seed`` on a population made already (one shard, or the whole).

    ``simulate`` synthesises the population from the same seed and calls this; a shard's
    population is a slice of the whole, renumbered (:mod:`etj_sim.simulation.shards`).
    """
    event_log, roster, needs_elsewhere, marks = _run_to_log(scenario, seed, population, progress)
    events = event_log.drain_to_frame()
    del event_log
    marks.append(time.perf_counter())
    return SimulationResult(
        scenario=scenario,
        seed=seed,
        events=events,
        population=population.people,
        guardianships=population.guardianships,
        staff=roster,
        needs_elsewhere=needs_elsewhere,
        timings=_timings(marks, population_seconds),
    )


@dataclass(frozen=True, eq=False)
class SealedRun:
    """A run whose event log stays compressed (``EventLog.drain_sealed``): what a shard of a
    sharded run sends back, read a column at a time by ``etj_sim.events.read_sealed``."""

    log_parts: list[bytes]
    """The event log's sealed stores, in order (together, the frame ``simulate`` would give)."""
    staff: pl.DataFrame
    needs_elsewhere: int
    timings: Mapping[str, float]
    """As :attr:`SimulationResult.timings`; "frame" is the sealing of the log's last rows."""


def simulate_population_sealed(scenario: Scenario, seed: int, population: Population) -> SealedRun:
    """:func:`simulate_population`, with the event log handed back sealed, not as a frame.

    A shard's frame of a region year is 1.3 GB and was the peak of the shard's memory; sealed,
    the log is about a third of the packed rows (12 bytes a row) and is never unpacked here.
    """
    event_log, roster, needs_elsewhere, marks = _run_to_log(scenario, seed, population, False)
    parts = event_log.drain_sealed()
    del event_log
    marks.append(time.perf_counter())
    return SealedRun(parts, roster, needs_elsewhere, _timings(marks, 0.0))


def _run_to_log(
    scenario: Scenario, seed: int, population: Population, progress: bool
) -> tuple[EventLog, pl.DataFrame, int, list[float]]:
    """Set up and run; the log, roster, needs elsewhere and the stage marks so far."""
    marks = [time.perf_counter()]
    run = _Run(scenario, seed, population)
    marks.append(time.perf_counter())
    run.execute(progress=progress, collect_first=_large(population.people.height))
    marks.append(time.perf_counter())
    event_log, roster, needs_elsewhere = run.event_log, run.roster(), run.behaviour.needs_elsewhere
    # Free the domain and the behaviour state before the log becomes a frame: at region scale
    # they are a large part of the peak memory.
    del run
    _release_free_memory(population.people.height)
    return event_log, roster, needs_elsewhere, marks


def _timings(marks: list[float], population_seconds: float) -> dict[str, float]:
    timings = {"population": population_seconds}
    timings.update({stage: marks[i + 1] - marks[i] for i, stage in enumerate(_RUN_STAGES)})
    return timings


_RUN_STAGES = ("setup", "run", "frame")


_FULL_COLLECTION_FROM_PEOPLE: Final = 100_000
"""Runs of at least this many people collect garbage and trim the heap between stages.

Below it the freed memory is a few megabytes, while each full collection walks every object of
the calling process: profiled in a process that held a town's run before (the ``town`` preset,
20,000 people), the three collections of the next run took 0.15 s of its 1.4 s."""


def _large(people: int) -> bool:
    return people >= _FULL_COLLECTION_FROM_PEOPLE


def _release_free_memory(people: int) -> None:
    """Collect garbage and hand freed heap memory back to the operating system (large runs).

    Synthesis and the run free many small blocks that glibc keeps for reuse; at region scale
    that is hundreds of megabytes of peak RSS. ``malloc_trim`` (glibc only; elsewhere a no-op)
    returns them, so the next stage (the run, the event-log frame) starts lower.
    """
    if not _large(people):
        return
    gc.collect()
    if sys.platform.startswith("linux"):
        # Not glibc (e.g. musl): nothing to trim.
        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL("libc.so.6").malloc_trim(0)


_gc_pause_lock = threading.Lock()
_gc_pause_depth = 0
_gc_was_enabled = True


@contextmanager
def _garbage_collection_paused(*, collect_first: bool = True) -> Iterator[None]:
    """Switch Python's cyclic garbage collector off for the SimPy run.

    A run makes no reference cycles: every object it creates is freed by reference counting
    (``tests/simulation/test_determinism.py`` checks that a run leaves no cyclic garbage), so the
    collector has nothing to find. It still cost time: every full collection walks the millions
    of small long-lived objects of the run (about 15% of the run time at 600,000 people), and the
    young collections, which walk each new container object twice, about 3% at region scale.
    Garbage from before the run (setup) is collected first. The collector's state is
    process-wide, so runs in threads of one process (e.g. a Dask worker) share one pause: the
    first run in switches it off, the last out restores it.
    """
    global _gc_pause_depth, _gc_was_enabled
    with _gc_pause_lock:
        if _gc_pause_depth == 0:
            if collect_first:
                gc.collect()
            _gc_was_enabled = gc.isenabled()
            gc.disable()
        _gc_pause_depth += 1
    try:
        yield
    finally:
        with _gc_pause_lock:
            _gc_pause_depth -= 1
            if _gc_pause_depth == 0 and _gc_was_enabled:
                gc.enable()


class _Run:
    """The wiring of one run: domain, citizens, staff, planners and their processes."""

    __slots__ = (
        "_roster",
        "agenda",
        "behaviour",
        "cases",
        "citizens",
        "clinic_ids",
        "demand",
        "env",
        "epoch",
        "event_log",
        "horizon_minutes",
        "messages",
        "notices",
        "outreach",
        "register_changes",
        "scenario",
        "seal_from_rows",
        "seal_rows",
        "seed",
        "services",
        "staff_by_clinic",
        "staff_work",
    )

    def __init__(self, scenario: Scenario, seed: int, population: Population) -> None:
        self.scenario = scenario
        self.seed = seed
        self.epoch = datetime.combine(scenario.start_date, datetime.min.time())
        self.horizon_minutes = scenario.duration_days * MINUTES_PER_DAY
        self.event_log = EventLog(self.epoch)
        # Attributes, so a test can seal a small run.
        self.seal_rows = SEAL_ROWS
        self.seal_from_rows = SEAL_FROM_ROWS
        self.env = simpy.Environment()
        self.services = EServices.from_population(
            population,
            self.epoch,
            event_log=self.event_log,
            alert_delay_minutes=scenario.alerts.delay_minutes,
            now=simpy_clock(self.env),
        )
        self.agenda = Agenda(self.env, self.horizon_minutes)
        self.citizens = Citizens.from_population(
            population.people, population.guardianships, scenario
        )
        self.clinic_ids, self.staff_by_clinic, self._roster = self._open_clinics()
        self.cases = CaseLedger()
        self.messages = MessageLedger()
        self.staff_work = StaffWork(
            self.env,
            self.services,
            scenario,
            seed,
            clinic_ids=self.clinic_ids,
            staff_by_clinic=self.staff_by_clinic,
            cases=self.cases,
        )
        self.behaviour = CitizenBehaviour(
            self.agenda,
            self.services,
            self.citizens,
            scenario,
            seed,
            clinic_ids=self.clinic_ids,
            cases=self.cases,
            messages=self.messages,
            close_unanswered=self.staff_work.close_unanswered,
        )
        self.demand = DemandPlanner(scenario, self.citizens, seed)
        self.notices = NoticeOffice(self.agenda, self.services, scenario, seed, population.people)
        self.behaviour.notice_opened = self.notices.notice_opened
        self.outreach = OutreachPlanner(
            scenario,
            self.citizens,
            seed,
            services=self.services,
            clinic_ids=self.clinic_ids,
            staff_by_clinic=self.staff_by_clinic,
            cases=self.cases,
            messages=self.messages,
            notices=self.notices,
        )
        self.register_changes = RegisterChanges(scenario, population, seed, self.services)

    def _open_clinics(self) -> tuple[list[int], list[list[int]], list[tuple[int, int, str]]]:
        """R17, R18: activate each clinic with its local e-services and add its staff."""
        staff_tool = self.services.staff_tool
        clinics = self.scenario.clinics
        clinic_ids: list[int] = []
        staff_by_clinic: list[list[int]] = []
        roster: list[tuple[int, int, str]] = []
        for index in range(clinics.count):
            clinic = staff_tool.activate_clinic(f"Vårdcentral {index + 1}")
            for name in clinics.local_eservices:
                staff_tool.create_local_eservice(clinic, name)
            members: list[int] = []
            # Roles in their declared order, never dict-of-str hash order.
            for role in STAFF_ROLES:
                for number in range(clinics.staff_per_clinic.get(role, 0)):
                    staff = staff_tool.add_staff(clinic, role, f"{role} {number + 1}")
                    members.append(staff)
                    roster.append((staff, clinic, role))
            clinic_ids.append(clinic)
            staff_by_clinic.append(members)
        return clinic_ids, staff_by_clinic, roster

    def roster(self) -> pl.DataFrame:
        staff, clinic, role = zip(*self._roster, strict=True) if self._roster else ((), (), ())
        return pl.DataFrame(
            {"staff": list(staff), "clinic": list(clinic), "role": list(role)},
            schema=STAFF_ROSTER_SCHEMA,
        )

    def execute(self, *, progress: bool, collect_first: bool = True) -> None:
        env = self.env
        days = self.scenario.duration_days
        for clinic in range(len(self.clinic_ids)):
            env.process(self.demand.start_cases(env, clinic, days, self.behaviour))
            env.process(self.outreach.send_notices(env, clinic))
        self.staff_work.start()
        self.agenda.start()
        env.process(self.register_changes.notify(env))
        env.process(self._seal_log(env))
        if self.scenario.campaigns:
            env.process(self.outreach.send_mass_mailing(env))
        with _garbage_collection_paused(collect_first=collect_first):
            if not progress:
                env.run(until=self.horizon_minutes)
                self.services.sync()
                return
            from tqdm.auto import tqdm

            with tqdm(total=days, unit="day", desc=self.scenario.name) as bar:
                env.process(self._report_progress(bar))
                env.run(until=self.horizon_minutes)
                self.services.sync()
                bar.update(days - bar.n)

    def _seal_log(self, env: simpy.Environment) -> Generator[Any, Any, None]:
        """Once a simulated day, seal the event log if :data:`~etj_sim.events.SEAL_ROWS` rows
        are unsealed and it holds :data:`~etj_sim.events.SEAL_FROM_ROWS` or more
        (``EventLog.seal``): a region year's log then holds about 12 bytes a row during the run
        instead of 38. It acts on no person, so the log is the same."""
        log = self.event_log
        for _ in range(self.scenario.duration_days):
            yield env.timeout(MINUTES_PER_DAY)
            if log.unsealed_rows >= self.seal_rows and len(log) >= self.seal_from_rows:
                log.seal(self.seal_rows)

    def _report_progress(self, bar: Any) -> Generator[Any, Any, None]:
        """Tick the bar once a simulated day, with domain events per second."""
        started = time.perf_counter()
        for _ in range(self.scenario.duration_days - 1):
            yield self.env.timeout(MINUTES_PER_DAY)
            elapsed = max(time.perf_counter() - started, 1e-9)
            bar.set_postfix(events_per_s=f"{len(self.event_log) / elapsed:,.0f}", refresh=False)
            bar.update(1)

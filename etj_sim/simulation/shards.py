"""Sharded runs: one scenario's population split into independent shards, run apart, merged.

Pipeline position: ``Scenario -> synthesize_population -> (this module: split into shards of
whole clinic catchments) -> one run per shard (engine.simulate_population) on local processes
or Dask -> (this module: merge) -> one event log -> metrics``. This module's
``simulate(scenario, seed, shards=k, ...)`` is ``etj_sim.simulate``; ``shards=1`` hands over to
``engine.simulate``, the single run.

Why shards are independent: in the model a person only ever deals with the clinic they are
listed at (cases, notices, staff answers), their household's guardians and children (proxy,
contacts in settings) and the region (mass mailings). So clinics are the unit of the split. The
clinics that some household, guardian-child pair or contact in someone's settings connects are
grouped (union-find; synthesis puts a household at one clinic, so each clinic is normally its
own group), and the groups are dealt to the k shards largest first, each to the shard with the
fewest people so far (shards balanced by people, whole catchments only). A region-wide action
(a campaign to everyone 65+) runs in every shard on the shard's own people.

Determinism and randomness: the population is synthesised once from ``seed``, exactly as
unsharded; shard j of k runs with its own seed from ``SeedSequence([seed, code("shard"), k, j])``,
so shards draw independent noise (the same seed in every shard would repeat one clinic's noise in
every shard). A shard's result depends only on the scenario, the seed, k and j, and the merge
only on the shards' results in shard order, so the merged log is the same on any backend and any
number of workers. ``shards=1`` hands over to ``engine.simulate``: the single run, unchanged.

The merge gives one log that reads like an unsharded run's: persons, clinics and staff get the
ids they have unsharded (the staff roster is identical), case, message and appointment ids are
offset shard by shard (unique, not the unsharded numbers), campaign and form ids are kept (a
campaign and the standard form are the region's, numbered alike in every shard; a clinic's own
form created during a run would need an offset too, and the simulation creates none), rows are in
time
order with ties broken by shard, then by the order within the shard. A mass mailing is the
region's: its rows name the region's sender (the first staff member of the first clinic, as
unsharded) and its ``mass_mailing_started`` row appears once, not once a shard. So every
metric means what it means unsharded; the numbers differ only by the noise, which a test checks
over replications.

The backends are the experiment runner's: local worker processes come from
:mod:`etj_sim.experiments.pool` (spawned, a dead worker's shard is retried), Dask from a
``Client`` at an address or a ``LocalCluster`` on loopback. The address is checked and the
scheduler asked to answer (:mod:`etj_sim.dask_scheduler`, shared with the runner) before the
population is synthesised. The runner module itself imports the simulation, so its client helper
cannot be imported here (the package's modules form layers, ``tests/test_imports.py``); the few
lines that open a Dask client are repeated below.
"""

from __future__ import annotations

import math
import os
import resource
import sys
import time
import traceback
import uuid
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from typing import Any, Final, Literal

import numpy as np
import numpy.typing as npt
import polars as pl

from etj_sim.dask_scheduler import (
    DASK_TIMEOUT_SECONDS,
    LOCAL_DASHBOARD_ADDRESS,
    check_dask_address,
    check_dask_timeout,
    distributed_module,
    probe_scheduler,
)
from etj_sim.events import EVENT_LOG_SCHEMA, read_sealed
from etj_sim.population import Population, synthesize_population
from etj_sim.scenario import STAFF_ROLES, Scenario
from etj_sim.simulation import engine
from etj_sim.simulation.engine import (
    STAFF_ROSTER_SCHEMA,
    SimulationResult,
    _release_free_memory,
    simulate_population,
    simulate_population_sealed,
)
from etj_sim.simulation.random_streams import stable_code

__all__ = [
    "AUTO_PEOPLE_PER_SHARD",
    "LOCAL_DASHBOARD_ADDRESS",
    "SHARD_RUNS_SCHEMA",
    "Shard",
    "ShardError",
    "auto_shard_count",
    "catchment_groups",
    "merge_by_time",
    "plan_shards",
    "process_peak_rss_megabytes",
    "shard_population",
    "shard_seed",
    "simulate",
    "simulate_national",
    "simulate_sharded",
]

AUTO_PEOPLE_PER_SHARD: Final = 200_000
"""``shards="auto"``: a run of fewer people per worker than this stays one run (the split,
the worker start and the merge cost more than they save below it)."""


SHARD_RUNS_SCHEMA: Final = pl.Schema(
    {
        "shard": pl.Int32(),
        "unit": pl.String(),  # the scenario the shard belongs to (a region, nationally)
        "clinics": pl.Int32(),
        "people": pl.Int64(),
        "events": pl.Int64(),  # rows of the shard's own log (each logs the campaign starts)
        "run_seconds": pl.Float64(),  # the shard's setup, SimPy run and frame
        "peak_rss_megabytes": pl.Float64(),  # of the process that ran it, over its life so far
    }
)
"""``SimulationResult.shard_runs``: one row a shard."""

Backend = Literal["local", "dask"]


class ShardError(ValueError):
    """A sharded run asked for something it cannot do (too many shards, a bad argument)."""


@dataclass(frozen=True)
class Shard:
    """One shard: the clinics (0-based, ascending, of its scenario) and how many people."""

    index: int
    clinics: tuple[int, ...]
    people: int


def shard_seed(seed: int, shards: int, index: int) -> int:
    """The run seed of shard ``index`` of ``shards`` (below 2**63, independent streams)."""
    entropy = [seed, stable_code("shard"), shards, index]
    words = np.random.SeedSequence(entropy).generate_state(2, np.uint32)
    return ((int(words[0]) << 32) | int(words[1])) >> 1


def catchment_groups(
    people: pl.DataFrame, guardianships: pl.DataFrame, clinic_count: int
) -> list[list[int]]:
    """The clinics that must share a shard, as groups (ascending, groups by first clinic).

    Two clinics are joined when a household has members listed at both, a guardian and a child
    are listed at different ones, or a person's settings hold the contact of someone listed at
    the other (R3, R10, R14: these pairs act on each other's accounts).
    """
    clinic = people.get_column("clinic").to_numpy().astype(np.int64)
    if clinic.size and (clinic.min() < 0 or clinic.max() >= clinic_count):
        raise ShardError(f"population: clinic ids must lie in 0..{clinic_count - 1}")
    edges: list[npt.NDArray[np.int64]] = []
    household = people.get_column("household").to_numpy().astype(np.int64)
    if household.size:
        order = np.lexsort((clinic, household))
        first = np.ones(order.size, dtype=bool)
        first[1:] = household[order][1:] != household[order][:-1]
        household_first_clinic = np.maximum.accumulate(np.where(first, np.arange(order.size), 0))
        edges.append(np.stack([clinic[order][household_first_clinic], clinic[order]]))
    for left, right in (
        (guardianships.get_column("guardian"), guardianships.get_column("child")),
        (people.get_column("person"), people.get_column("settings_mobile_owner")),
        (people.get_column("person"), people.get_column("settings_email_owner")),
    ):
        present = right.is_not_null().to_numpy()
        left_ids = left.to_numpy()[present].astype(np.int64)
        right_ids = right.to_numpy()[present].astype(np.int64)
        edges.append(np.stack([clinic[left_ids], clinic[right_ids]]))
    parent = list(range(clinic_count))

    def root(node: int) -> int:
        while parent[node] != node:
            parent[node] = parent[parent[node]]
            node = parent[node]
        return node

    joined = np.concatenate(edges, axis=1) if edges else np.empty((2, 0), dtype=np.int64)
    joined = joined[:, joined[0] != joined[1]]
    for a, b in np.unique(joined, axis=1).T.tolist():
        low, high = sorted((root(a), root(b)))
        parent[high] = low
    groups: dict[int, list[int]] = {}
    for node in range(clinic_count):
        groups.setdefault(root(node), []).append(node)
    return [groups[key] for key in sorted(groups)]


def plan_shards(population: Population, clinic_count: int, shards: int) -> list[Shard]:
    """Deal the catchment groups to ``shards`` shards, largest first, balanced by people.

    Shards are numbered by their first clinic. Raises :class:`ShardError` when there are fewer
    groups (independent catchments) than shards.
    """
    if isinstance(shards, bool) or not isinstance(shards, int) or shards < 1:
        raise ShardError(f"shards: expected a whole number >= 1 or 'auto', got {shards!r}")
    groups = catchment_groups(population.people, population.guardianships, clinic_count)
    if len(groups) < shards:
        raise ShardError(
            f"shards: {shards} asked, but the scenario has only {len(groups)} independent "
            f"clinic catchment(s) ({clinic_count} clinics); ask for at most {len(groups)}"
        )
    listed = np.bincount(
        population.people.get_column("clinic").to_numpy(), minlength=clinic_count
    ).tolist()
    sizes = [sum(listed[c] for c in group) for group in groups]
    order = sorted(range(len(groups)), key=lambda g: (-sizes[g], groups[g][0]))
    members: list[list[int]] = [[] for _ in range(shards)]
    loads = [0] * shards
    for g in order:
        target = min(range(shards), key=lambda s: (loads[s], s))
        members[target].extend(groups[g])
        loads[target] += sizes[g]
    dealt = sorted((sorted(clinics), load) for clinics, load in zip(members, loads, strict=True))
    return [Shard(index, tuple(clinics), load) for index, (clinics, load) in enumerate(dealt)]


def _gather(mapping: pl.Series, ids: pl.Series) -> pl.Series:
    """``mapping[ids]``, nulls staying null, named like ``ids``."""
    return mapping.gather(ids).alias(ids.name)


def shard_population(
    population: Population, shard: Shard, clinic_count: int
) -> tuple[Population, npt.NDArray[np.int32]]:
    """The shard's people, renumbered 0..n-1 (person, clinic, owners, guardianships).

    Returns the shard's population and, for each of its persons, the id in the whole. Raises
    :class:`ShardError` if a guardianship or a contact in someone's settings would cross shards
    (the groups of :func:`catchment_groups` prevent it; this is the check).
    """
    people = population.people
    local_clinic = np.full(clinic_count, -1, dtype=np.int32)
    local_clinic[list(shard.clinics)] = np.arange(len(shard.clinics), dtype=np.int32)
    in_shard = local_clinic[people.get_column("clinic").to_numpy()] >= 0
    members = np.flatnonzero(in_shard).astype(np.int32)
    local_of = np.full(people.height, -1, dtype=np.int32)
    local_of[members] = np.arange(members.size, dtype=np.int32)
    local_ids = pl.Series("local", local_of, dtype=pl.Int32)
    sub = people[members]
    sub = sub.with_columns(
        pl.Series("person", np.arange(members.size, dtype=np.int32), dtype=pl.Int32),
        _gather(pl.Series(local_clinic), sub.get_column("clinic")),
        _gather(local_ids, sub.get_column("settings_mobile_owner")),
        _gather(local_ids, sub.get_column("settings_email_owner")),
    )
    for owner in ("settings_mobile_owner", "settings_email_owner"):
        if (sub.get_column(owner) < 0).any():
            raise ShardError(f"shard {shard.index}: a {owner} lies outside the shard")
    links = population.guardianships
    guardian = local_of[links.get_column("guardian").to_numpy()]
    child = local_of[links.get_column("child").to_numpy()]
    if np.any((guardian >= 0) != (child >= 0)):
        raise ShardError(f"shard {shard.index}: a guardian and a child would be split")
    kept = child >= 0
    guardianships = pl.DataFrame(
        {"guardian": guardian[kept], "child": child[kept]}, schema=links.schema
    )
    shard_people = Population(
        people=sub,
        guardianships=guardianships,
        seed=population.seed,
        scenario_hash=population.scenario_hash,
    )
    return shard_people, members


# -- running shards ------------------------------------------------------------------------


@dataclass(frozen=True)
class ShardTask:
    """What a worker needs for one shard (picklable; ``run_id`` names it to the pool)."""

    run_id: str
    scenario: Scenario
    seed: int
    population: Population


@dataclass(frozen=True)
class ShardOutcome:
    """A shard's event log (its own ids, sealed: ``EventLog.drain_sealed``) and roster, or the
    error its run raised."""

    run_id: str
    log_parts: list[bytes] | None = None
    staff: pl.DataFrame | None = None
    needs_elsewhere: int = 0
    run_seconds: float = 0.0
    peak_rss_megabytes: float = 0.0
    error: str = ""


def process_peak_rss_megabytes() -> float:
    """Peak resident set size of this process's own memory, in MB.

    On Linux that is ``VmHWM`` of ``/proc/self/status``: ``ru_maxrss`` carries the parent's
    high-water mark into a spawned worker (through fork and exec), so a shard's process started
    by a caller holding the population (or one that has just run the year unsharded) reported
    the caller's peak, not its own (measured 2026-12-08: a spawned child of a 2 GB parent gives
    1,922 MB by ``ru_maxrss`` and 15 MB by ``VmHWM``). Elsewhere ``ru_maxrss`` (bytes on macOS).
    """
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 2**10  # kB
    except OSError:
        pass
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 2**20 if sys.platform == "darwin" else peak / 2**10


def run_shard(task: ShardTask) -> ShardOutcome:
    """Run one shard (in a worker process or here); its error comes back as text."""
    try:
        started = time.perf_counter()
        # Sealed, not a frame: the shard never unpacks its log (a region year's shard frame is
        # 1.3 GB and was the shard's peak), and 12 bytes a row travel instead of about 65.
        result = simulate_population_sealed(task.scenario, task.seed, task.population)
        return ShardOutcome(
            task.run_id,
            log_parts=result.log_parts,
            staff=result.staff,
            needs_elsewhere=result.needs_elsewhere,
            run_seconds=time.perf_counter() - started,
            peak_rss_megabytes=process_peak_rss_megabytes(),
        )
    except Exception:
        return ShardOutcome(task.run_id, error=traceback.format_exc())


POLARS_THREADS_VARIABLE: Final = "POLARS_MAX_THREADS"


@contextmanager
def _cores_shared(workers: int) -> Iterator[None]:
    """Worker processes started inside share the cores' polars threads (as the runner does)."""
    if POLARS_THREADS_VARIABLE in os.environ:
        yield
        return
    os.environ[POLARS_THREADS_VARIABLE] = str(max(1, (os.cpu_count() or 1) // workers))
    try:
        yield
    finally:
        del os.environ[POLARS_THREADS_VARIABLE]


def _local_outcomes(tasks: Sequence[ShardTask], workers: int) -> Iterator[ShardOutcome]:
    if workers <= 1:
        for task in tasks:
            yield run_shard(task)
        return
    # Imported here: only a run on several local processes needs the pool.
    from etj_sim.experiments.pool import WorkerDied, worker_outcomes

    for outcome in worker_outcomes(
        tasks, run_shard, workers, environment=lambda: _cores_shared(workers)
    ):
        if isinstance(outcome, WorkerDied):
            yield ShardOutcome(
                outcome.run_id,
                error=f"the worker process died ({outcome.cause}); tried {outcome.attempts} times",
            )
        else:
            yield outcome


def _dask_outcomes(
    tasks: Sequence[ShardTask], workers: int | None, address: str | None, timeout: float
) -> Iterator[ShardOutcome]:
    distributed = distributed_module()
    with ExitStack() as stack:
        if address is None:
            count = workers or 2
            with _cores_shared(count):
                cluster = distributed.LocalCluster(
                    n_workers=count,
                    threads_per_worker=1,
                    processes=True,
                    dashboard_address=LOCAL_DASHBOARD_ADDRESS,
                )
            stack.enter_context(cluster)
            client = stack.enter_context(distributed.Client(cluster))
        else:
            client = stack.enter_context(distributed.Client(address, timeout=timeout))
        token = uuid.uuid4().hex[:8]
        futures = []
        for task in tasks:
            # Scattered first: a shard's population is too large to travel inside the graph.
            data = client.scatter(task, hash=False)
            futures.append(
                client.submit(run_shard, data, key=f"etj-sim-{task.run_id}-{token}", pure=False)
            )
        try:
            for future in distributed.as_completed(futures):
                yield future.result()
        finally:
            client.cancel(futures)


# -- merging -------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Unit:
    """A scenario split into shards: one region nationally, the whole scenario otherwise."""

    label: str
    scenario: Scenario
    seed: int
    population: Population
    shards: list[Shard]


_PERSON_COLUMNS: Final = ("person", "actor", "recipient")


def _staff_per_clinic(scenario: Scenario) -> int:
    return sum(scenario.clinics.staff_per_clinic.get(role, 0) for role in STAFF_ROLES)


@dataclass(frozen=True)
class _ShardLog:
    """One shard's sealed log and how its columns map to the whole's ids."""

    parts: list[bytes]
    persons: pl.Series  # the whole's person id of each shard person
    clinics: pl.Series
    staff: pl.Series
    sender_clinic: int  # the unit's sender of mass mailings
    sender_staff: int
    mailing: pl.Series  # rows of the region's mass mailing (sender replaced)
    keep: pl.Series | None  # rows kept (a unit's mailing start only once), None for all


_ID_OFFSET_COLUMNS: Final = ("case", "message", "appointment")


def _merge(
    units: Sequence[_Unit],
    tasks: Sequence[tuple[str, npt.NDArray[np.int32], int, Shard]],
    outcomes: dict[str, ShardOutcome],
) -> tuple[pl.DataFrame, pl.DataFrame, int, pl.DataFrame]:
    """Events, roster, needs elsewhere and shard rows of the whole (see the module doc).

    The shards' logs arrive sealed; a first pass reads the columns that decide the order and the
    rows kept (time, event, kind), then the merged log is made a column at a time from the
    shards' stores (:func:`merge_by_time`): the caller never holds a shard's whole frame beside
    the merged log.
    """
    logs: list[_ShardLog] = []
    times: list[pl.Series] = []
    rosters: list[pl.DataFrame] = []
    shard_rows: list[dict[str, Any]] = []
    needs_elsewhere = 0
    person_offsets = np.cumsum([0, *(unit.population.people.height for unit in units)])
    clinic_offsets = np.cumsum([0, *(unit.scenario.clinics.count for unit in units)])
    staff_offsets = np.cumsum(
        [0, *(unit.scenario.clinics.count * _staff_per_clinic(unit.scenario) for unit in units)]
    )
    mailing_started_seen: set[int] = set()
    for run_id, members, unit_index, shard in tasks:
        outcome = outcomes.pop(run_id)
        assert outcome.log_parts is not None
        assert outcome.staff is not None
        unit = units[unit_index]
        per_clinic = _staff_per_clinic(unit.scenario)
        persons = pl.Series(members.astype(np.int64) + int(person_offsets[unit_index]))
        clinic_global = np.asarray(shard.clinics, dtype=np.int64)
        clinics = pl.Series(clinic_global + int(clinic_offsets[unit_index]))
        local_staff = np.arange(len(shard.clinics) * per_clinic, dtype=np.int64)
        staff = pl.Series(
            clinic_global.repeat(per_clinic) * per_clinic
            + local_staff % max(per_clinic, 1)
            + int(staff_offsets[unit_index])
        )
        if outcome.staff.height != local_staff.size:
            raise ShardError(f"{run_id}: its roster does not match the scenario's clinics")
        head = read_sealed(outcome.log_parts, ("time", "event", "kind"))
        started = head.get_column("event") == "mass_mailing_started"
        mailing = ((head.get_column("kind") == "mass_mailing") | started).fill_null(False)
        keep = None
        if unit_index in mailing_started_seen:
            keep = ~started
        elif started.any():
            mailing_started_seen.add(unit_index)
        time_column = head.get_column("time")
        times.append(time_column if keep is None else time_column.filter(keep))
        logs.append(
            _ShardLog(
                parts=outcome.log_parts,
                persons=persons,
                clinics=clinics,
                staff=staff,
                # The unit's sender of mass mailings, as unsharded: first staff of its first
                # clinic.
                sender_clinic=int(clinic_offsets[unit_index]),
                sender_staff=int(staff_offsets[unit_index]),
                mailing=mailing,
                keep=keep,
            )
        )
        rosters.append(
            outcome.staff.with_columns(
                _gather(staff, outcome.staff.get_column("staff")).cast(pl.Int32),
                _gather(clinics, outcome.staff.get_column("clinic")).cast(pl.Int32),
            )
        )
        needs_elsewhere += outcome.needs_elsewhere
        shard_rows.append(
            {
                "shard": len(shard_rows),
                "unit": unit.label,
                "clinics": len(shard.clinics),
                "people": shard.people,
                "events": head.height,
                "run_seconds": outcome.run_seconds,
                "peak_rss_megabytes": outcome.peak_rss_megabytes,
            }
        )
        del head, outcome

    def columns_of(name: str) -> list[pl.Series]:
        if name == "time":
            pieces = list(times)
            times.clear()  # held by merge_by_time from here
            return pieces
        pieces = []
        offset = 0
        for log in logs:
            column = read_sealed(log.parts, (name,)).get_column(name)
            pieces.append(_remapped(log, name, column, offset))
            if name in _ID_OFFSET_COLUMNS:
                largest = column.max()
                # Ids are 0..n-1 in each shard: the next shard's start after this one's.
                offset += 0 if largest is None else int(largest) + 1  # type: ignore[arg-type]
        return pieces

    merged = merge_by_time(columns_of, EVENT_LOG_SCHEMA.names())
    logs.clear()
    roster = pl.concat(rosters).sort("staff").cast(STAFF_ROSTER_SCHEMA)
    return merged, roster, needs_elsewhere, pl.DataFrame(shard_rows, schema=SHARD_RUNS_SCHEMA)


def _remapped(log: _ShardLog, name: str, column: pl.Series, offset: int) -> pl.Series:
    """One column of one shard's log with the whole's ids, the rows it keeps."""
    if name in _PERSON_COLUMNS:
        column = _gather(log.persons, column).cast(pl.Int32)
    elif name in _ID_OFFSET_COLUMNS:
        column = (column + offset).cast(pl.Int32)
    elif name in ("clinic", "staff"):
        mapping, sender = (
            (log.clinics, log.sender_clinic) if name == "clinic" else (log.staff, log.sender_staff)
        )
        column = (
            pl.DataFrame({name: _gather(mapping, column).cast(pl.Int32), "mailing": log.mailing})
            .select(
                pl.when(pl.col("mailing") & pl.col(name).is_not_null())
                .then(pl.lit(sender, dtype=pl.Int32))
                .otherwise(pl.col(name))
                .alias(name)
            )
            .get_column(name)
        )
    return column if log.keep is None else column.filter(log.keep)


def merge_by_time(
    columns_of: Callable[[str], list[pl.Series]], names: Sequence[str]
) -> pl.DataFrame:
    """A frame of ``names`` whose rows are the sources' one after the other, sorted stably on
    ``time``: ties keep the order of the sources (the shards'), then each source's own order.

    ``columns_of(name)`` gives that column of every source, in source order; it is asked once a
    column, so the sources may be read lazily. The same frame as ``pl.concat(sources).sort(
    "time", maintain_order=True)``, made a column at a time: the peak is the merged frame and one
    column's pieces, not the sources beside a sorted copy of all of them (a region year's log is
    2.6 GB).
    """
    if "time" not in names:
        raise ValueError("merge_by_time: the columns must include time")
    times = pl.concat(columns_of("time"), rechunk=True)
    order = times.to_frame("time").with_row_index("row").sort("time", maintain_order=True)
    order_rows = order.get_column("row")
    del order
    sorted_times = times.gather(order_rows)
    del times

    def merged(name: str) -> pl.Series:
        if name == "time":
            return sorted_times
        # One chunk first: a gather over the shards' many sealed chunks is several times
        # slower (40 million rows from 20 chunks: 0.39 s against 0.05 s).
        return pl.concat(columns_of(name), rechunk=True).gather(order_rows)

    # Columns on the cores: polars releases the GIL while it reads, maps and gathers, and one
    # column's gather is one thread (a region year: 20 columns of 40 million rows).
    with ThreadPoolExecutor(max_workers=max(1, min(4, os.cpu_count() or 1))) as pool:
        columns = list(pool.map(merged, names))
    return pl.DataFrame(columns)


# -- the entry points ----------------------------------------------------------------------


def auto_shard_count(people: int, workers: int, groups: int) -> int:
    """``shards="auto"``: one run below two shards' worth of people or with one worker, else
    shards of about :data:`AUTO_PEOPLE_PER_SHARD` people (no more than the catchment groups),
    as many as fill whole rounds of the workers once there are at least as many as workers.

    Several smaller shards a worker rather than one large one, because an event's cost grows
    with the shard's columns (they outgrow the caches): a compiled Region Stockholm year on 2
    workers took 134.5-135.2 s in 12 shards against 158.6-163.6 s in 2, and in pure Python
    435-524 MB a worker process against 1,628-1,635 MB (docs/performance.md, 2026-12-08).
    Whole rounds, because shards are dealt to the workers in turn: 5 equal shards on 2 workers
    leave one idle for the last, 4 do not.
    """
    if workers <= 1 or people < 2 * AUTO_PEOPLE_PER_SHARD:
        return 1
    count = min(groups, people // AUTO_PEOPLE_PER_SHARD)
    if count >= workers:
        count -= count % workers
    return max(1, count)


def _checked_options(
    shards: object, workers: object, backend: object, address: object, dask_timeout: object
) -> tuple[int | None, int | None]:
    """Shard count (None: auto) and workers, or a :class:`ShardError` naming the argument.

    With an ``address``, the scheduler must then answer within ``dask_timeout`` seconds
    (:func:`_probe`), still before any work.
    """
    if backend not in ("local", "dask"):
        raise ShardError(f"backend: expected 'local' or 'dask', got {backend!r}")
    if address is not None and (backend != "dask" or not isinstance(address, str) or not address):
        raise ShardError("address: a Dask scheduler address, and only with backend='dask'")
    if address is not None:
        try:
            check_dask_address(address)
        except ValueError as error:
            raise ShardError(f"address: {error}") from None
    try:
        check_dask_timeout(dask_timeout)
    except ValueError as error:
        raise ShardError(str(error)) from None
    if workers is not None and (
        isinstance(workers, bool) or not isinstance(workers, int) or workers < 1
    ):
        raise ShardError(f"workers: expected a whole number >= 1, got {workers!r}")
    if shards == "auto":
        return None, workers
    if isinstance(shards, bool) or not isinstance(shards, int) or shards < 1:
        raise ShardError(f"shards: expected a whole number >= 1 or 'auto', got {shards!r}")
    return shards, workers


def _probe(backend: str, address: str | None, dask_timeout: float) -> None:
    """A scheduler at ``address`` answers within ``dask_timeout`` s, or ``DaskConnectionError``
    (before the population is synthesised: a wrong address costs seconds, not a run)."""
    if backend == "dask" and address is not None:
        probe_scheduler(address, float(dask_timeout))


def _worker_count(workers: int | None, backend: str, address: str | None) -> int:
    if workers is not None:
        return workers
    if backend == "dask" and address is None:
        return 2  # the LocalCluster's default size here
    return os.cpu_count() or 1


def simulate(
    scenario: Scenario,
    seed: int,
    *,
    progress: bool = False,
    shards: int | Literal["auto"] = 1,
    workers: int | None = None,
    backend: Backend = "local",
    address: str | None = None,
    dask_timeout: float = DASK_TIMEOUT_SECONDS,
) -> SimulationResult:
    """Run ``scenario`` with ``seed``: the same pair always gives the identical event log.

    ``shards=1`` (the default) is one run in this process (``engine.simulate``). ``shards=k``
    splits the population into k independent shards of whole clinic catchments, runs them on
    ``workers`` processes (``backend="local"``) or on a Dask cluster (``backend="dask"``, at
    ``address`` or on a ``LocalCluster``) and merges their event logs: the same scenario, seed
    and k give the identical merged log on any backend and number of workers.
    ``shards="auto"`` picks k from the population's size and the workers. A scheduler at
    ``address`` must answer within ``dask_timeout`` seconds, before any work, or the call raises
    ``etj_sim.experiments.DaskConnectionError``.
    """
    if (
        shards == 1
        and workers is None
        and backend == "local"
        and address is None
        and dask_timeout == DASK_TIMEOUT_SECONDS
    ):
        return engine.simulate(scenario, seed, progress=progress)
    if not isinstance(scenario, Scenario):
        raise TypeError(f"scenario: expected an etj_sim.Scenario, got {type(scenario).__name__}")
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
        raise ValueError(f"seed: expected a non-negative int, got {seed!r}")
    return simulate_sharded(
        scenario,
        int(seed),
        shards=shards,
        workers=workers,
        backend=backend,
        address=address,
        progress=progress,
        dask_timeout=dask_timeout,
    )


def simulate_sharded(
    scenario: Scenario,
    seed: int,
    *,
    shards: int | Literal["auto"] = "auto",
    workers: int | None = None,
    backend: Backend = "local",
    address: str | None = None,
    progress: bool = False,
    dask_timeout: float = DASK_TIMEOUT_SECONDS,
) -> SimulationResult:
    """``simulate(scenario, seed, shards=..., workers=..., backend=..., address=...)``.

    With one shard (asked, or chosen by ``"auto"``) on the local backend this is the single run.
    """
    count, workers = _checked_options(shards, workers, backend, address, dask_timeout)
    _probe(backend, address, dask_timeout)
    started = time.perf_counter()
    population = synthesize_population(scenario, seed)
    clinic_count = scenario.clinics.count
    if count is None:
        groups = len(catchment_groups(population.people, population.guardianships, clinic_count))
        count = auto_shard_count(
            population.people.height, _worker_count(workers, backend, address), groups
        )
    if count == 1 and backend == "local":
        _release_free_memory(population.people.height)
        return simulate_population(
            scenario,
            seed,
            population,
            progress=progress,
            population_seconds=time.perf_counter() - started,
        )
    unit = _Unit("", scenario, seed, population, plan_shards(population, clinic_count, count))
    return _run_units(
        [unit],
        scenario,
        seed,
        population,
        workers=workers,
        backend=backend,
        address=address,
        dask_timeout=dask_timeout,
        progress=progress,
        population_seconds=time.perf_counter() - started,
    )


def _run_units(
    units: Sequence[_Unit],
    scenario: Scenario,
    seed: int,
    population: Population,
    *,
    workers: int | None,
    backend: Backend,
    address: str | None,
    dask_timeout: float,
    progress: bool,
    population_seconds: float,
) -> SimulationResult:
    marks = [time.perf_counter()]
    # What the merge needs of each shard (its name, its persons' ids in the whole, its unit and
    # clinics) apart from the tasks: the shards' populations (a copy of the whole) go before it.
    tasks: list[tuple[str, npt.NDArray[np.int32], int, Shard]] = []
    shard_tasks: list[ShardTask] = []
    for unit_index, unit in enumerate(units):
        for shard in unit.shards:
            part, members = shard_population(unit.population, shard, unit.scenario.clinics.count)
            shard_scenario = unit.scenario.with_overrides({"clinics.count": len(shard.clinics)})
            run_seed = shard_seed(unit.seed, len(unit.shards), shard.index)
            label = f"shard-{len(tasks)}"
            tasks.append((label, members, unit_index, shard))
            shard_tasks.append(ShardTask(label, shard_scenario, run_seed, part))
            del part
    marks.append(time.perf_counter())
    count = min(_worker_count(workers, backend, address), len(shard_tasks))
    outcomes_iter = (
        _dask_outcomes(shard_tasks, workers, address, dask_timeout)
        if backend == "dask"
        else _local_outcomes(shard_tasks, count)
    )
    outcomes: dict[str, ShardOutcome] = {}
    bar: Any = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=len(shard_tasks), unit="shard", desc=scenario.name)
    try:
        for outcome in outcomes_iter:
            if outcome.error:
                raise RuntimeError(
                    f"{outcome.run_id} of {scenario.name!r} failed:\n{outcome.error}"
                )
            outcomes[outcome.run_id] = outcome
            if bar is not None:
                bar.update(1)
    finally:
        if bar is not None:
            bar.close()
    del shard_tasks, outcomes_iter
    marks.append(time.perf_counter())
    events, roster, needs_elsewhere, shard_runs = _merge(units, tasks, outcomes)
    marks.append(time.perf_counter())
    stages = ("split", "shards", "merge")
    timings = {"population": population_seconds}
    timings.update({stage: marks[i + 1] - marks[i] for i, stage in enumerate(stages)})
    return SimulationResult(
        scenario=scenario,
        seed=seed,
        events=events,
        population=population.people,
        guardianships=population.guardianships,
        staff=roster,
        needs_elsewhere=needs_elsewhere,
        timings=timings,
        shard_runs=shard_runs,
    )


def simulate_national(
    base: Scenario,
    seed: int,
    *,
    scale: float = 1.0,
    regions: Sequence[str] | None = None,
    shards_per_region: int | Literal["auto"] = "auto",
    workers: int | None = None,
    backend: Backend = "local",
    address: str | None = None,
    progress: bool = False,
    dask_timeout: float = DASK_TIMEOUT_SECONDS,
) -> SimulationResult:
    """All of Sweden (or ``regions``) as one run: regions first, clinic catchments within.

    Each region is the scenario of the national experiment's design point
    (``etj_sim.experiments.designs.region_entries``: its population times ``scale``, its age
    profile, clinics scaled), with its population synthesised from a seed of its own (from
    ``seed`` and the county code); it is split into ``shards_per_region`` shards
    (``"auto"``: one per :data:`AUTO_PEOPLE_PER_SHARD` people), every shard of every region runs
    on the backend, and the merge gives one national log: persons, clinics and staff numbered
    region by region in county-code order. The result's scenario is ``base`` with the national
    population size and clinic count. Each region's campaigns are its own (its sender, its
    ``mass_mailing_started`` row). Simplifications: nobody uses another region's clinics, and
    personal numbers are unique within a region, not across regions.
    """
    _checked_options(
        1 if shards_per_region == "auto" else shards_per_region,
        workers,
        backend,
        address,
        dask_timeout,
    )
    _probe(backend, address, dask_timeout)
    # Imported here: the regions and their scenarios are the experiments' national design.
    from etj_sim.experiments.designs import region_entries

    started = time.perf_counter()
    units: list[_Unit] = []
    for entry in region_entries(base, scale, regions):
        region_scenario = base.with_overrides(dict(entry.overrides))
        region_seed = shard_seed(seed, 0, stable_code(f"region {entry.shard}"))
        region_population = synthesize_population(region_scenario, region_seed)
        clinic_count = region_scenario.clinics.count
        groups = len(
            catchment_groups(
                region_population.people, region_population.guardianships, clinic_count
            )
        )
        count = (
            max(1, min(groups, math.ceil(region_population.people.height / AUTO_PEOPLE_PER_SHARD)))
            if shards_per_region == "auto"
            else min(shards_per_region, groups)
        )
        plan = plan_shards(region_population, clinic_count, count)
        units.append(
            _Unit(
                entry.label or entry.shard or "",
                region_scenario,
                region_seed,
                region_population,
                plan,
            )
        )
    national_population = _national_population(units, seed)
    national = base.with_overrides(
        {
            "name": f"{base.name}-national",
            "population.size": national_population.people.height,
            "clinics.count": sum(unit.scenario.clinics.count for unit in units),
        }
    )
    return _run_units(
        units,
        national,
        seed,
        national_population,
        workers=workers,
        backend=backend,
        address=address,
        dask_timeout=dask_timeout,
        progress=progress,
        population_seconds=time.perf_counter() - started,
    )


def _national_population(units: Sequence[_Unit], seed: int) -> Population:
    """The regions' people and guardianships in one pair of frames, ids offset region by region."""
    people: list[pl.DataFrame] = []
    links: list[pl.DataFrame] = []
    person_offset = household_offset = clinic_offset = 0
    for unit in units:
        frame = unit.population.people
        people.append(
            frame.with_columns(
                pl.col("person") + person_offset,
                pl.col("household") + household_offset,
                pl.col("clinic") + clinic_offset,
                pl.col("settings_mobile_owner") + person_offset,
                pl.col("settings_email_owner") + person_offset,
            )
        )
        links.append(unit.population.guardianships.select(pl.all() + person_offset))
        person_offset += frame.height
        household_offset += int(frame.get_column("household").max() or 0) + 1  # type: ignore[arg-type]
        clinic_offset += unit.scenario.clinics.count
    return Population(
        people=pl.concat(people),
        guardianships=pl.concat(links),
        seed=seed,
        scenario_hash="",
    )

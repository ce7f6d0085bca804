"""The staffing advisor: the smallest staff level that meets a service target, with confidence.

Pipeline position: an experiment built on the others. ``scenario + role + target -> pilot run ->
Erlang C starting level -> experiments at neighbouring levels (paired replications, common random
numbers) -> sequential rule -> recommended level per clinic and for all clinics``. Runs go through
:func:`~etj_sim.experiments.run_experiment`, so they use local processes or Dask alike and, with
``out``, a resumable results folder per staff level.

The method:

1. **Pilot.** Replication 0 at the scenario's own staffing measures, per clinic, the cases started
   per week and the staff minutes each case takes (every round of its dialogue), and the
   on-duty minutes a staff member gives a week.
2. **Erlang C start.** Over on-duty time each clinic is taken as an M/M/c queue (arrivals per
   on-duty minute, handling at one case per mean case minutes, c the clinic's whole staff: all
   roles handle all cases), and the target read in that queue (a waiting time in calendar hours
   becomes on-duty minutes in proportion). The smallest c meeting it, less the other roles, is
   where the search starts. Duty blocks, weekends and dialogue rounds are what the model adds to
   M/M/c: the estimate only saves runs; the simulation decides.
3. **Sequential rule with common random numbers.** Every level runs replication r with the same
   seed (the experiment's master seed), so levels differ by their staffing, not by their noise. A
   level *meets* the target when the whole confidence interval of the metric's mean is on the
   target's good side, *fails* when it is wholly on the bad side, and is *undecided* otherwise;
   undecided levels get more replications, a few at a time, until decided or until
   ``max_replications``. The search moves down while the lowest level meets and up while the
   highest fails.
4. **Answer.** Per clinic and for all clinics together: the smallest level that meets the target
   with one below it that fails (or is the lowest possible), with the interval at that level.

Staffing is the same at every clinic of a scenario (``clinics.staff_per_clinic``), and a clinic's
queue depends only on its own staff, so one sweep over levels answers each clinic at once.

Targets: ``answered_within_<H>h_share>=X`` (share of cases started at least H hours before the end
answered within H hours), ``p50|p90|p95_response_hours<=X`` (quantile over answered cases),
``median_response_hours<=X`` and ``backlog_end<=X`` (cases started and not answered at the end).
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Final, Literal

import numpy as np
import polars as pl

from etj_sim.dask_scheduler import DASK_TIMEOUT_SECONDS, check_dask_timeout
from etj_sim.experiments.designs import GridDesign
from etj_sim.experiments.experiment import Experiment
from etj_sim.experiments.runner import Backend, RunFunction, run_experiment
from etj_sim.experiments.statistics import confidence_interval
from etj_sim.metrics.cases import backlog_over_time, response_times
from etj_sim.metrics.context import MetricContext
from etj_sim.metrics.summary import prepare
from etj_sim.metrics.workload import staff_time
from etj_sim.scenario import STAFF_ROLES, Scenario

__all__ = [
    "ALL_CLINICS",
    "StaffingAdvice",
    "StaffingTarget",
    "advise_staffing",
    "erlang_c_response_exceeds",
    "erlang_c_staff",
    "erlang_c_wait_probability",
    "parse_target",
    "staffing_run",
]

ALL_CLINICS: Final = "all"
"""The clinic label of the figures over every clinic together."""

_COLUMN_SEPARATOR: Final = "@clinic_"
_MINUTES_PER_WEEK: Final = 7 * 24 * 60

Direction = Literal[">=", "<="]


@dataclass(frozen=True)
class StaffingTarget:
    """A service target: ``metric`` ``operator`` ``value`` (``answered_within_48h_share>=0.9``)."""

    metric: str
    operator: Direction
    value: float
    within_hours: float | None = None
    """For ``answered_within_<H>h_share``: H."""
    quantile: float | None = None
    """For ``p<Q>_response_hours`` and ``median_response_hours``: Q / 100."""

    def __str__(self) -> str:
        return f"{self.metric}{self.operator}{self.value:g}"

    def met_by(self, low: float, high: float) -> str:
        """``"meets"``, ``"fails"`` or ``"undecided"`` for a confidence interval [low, high]."""
        if math.isnan(low) or math.isnan(high):
            return "undecided"
        good, bad = (low, high) if self.operator == ">=" else (-high, -low)
        threshold = self.value if self.operator == ">=" else -self.value
        if good >= threshold:
            return "meets"
        if bad < threshold:
            return "fails"
        return "undecided"


_WITHIN: Final = re.compile(r"answered_within_(\d+(?:\.\d+)?)h_share")
_QUANTILE: Final = re.compile(r"p(50|90|95)_response_hours")
_TARGET: Final = re.compile(r"^\s*([a-z0-9_.]+)\s*(>=|<=)\s*([-+0-9.eE]+)\s*$")


def parse_target(text: str) -> StaffingTarget:
    """Read a target such as ``answered_within_48h_share>=0.9``; a ValueError says what is wrong."""
    match = _TARGET.match(text)
    if match is None:
        raise ValueError(
            f"target {text!r}: write METRIC>=VALUE or METRIC<=VALUE, "
            "e.g. answered_within_48h_share>=0.9 or p90_response_hours<=48"
        )
    metric, operator, number = match.groups()
    try:
        value = float(number)
    except ValueError:
        raise ValueError(f"target {text!r}: {number!r} is not a number") from None
    within = _WITHIN.fullmatch(metric)
    quantile = _QUANTILE.fullmatch(metric)
    if within is not None:
        expected: Direction = ">="
        if not 0.0 <= value <= 1.0:
            raise ValueError(f"target {text!r}: a share lies between 0 and 1, got {value:g}")
        target = StaffingTarget(metric, ">=", value, within_hours=float(within.group(1)))
    elif quantile is not None or metric == "median_response_hours":
        expected = "<="
        level = 0.5 if quantile is None else int(quantile.group(1)) / 100
        target = StaffingTarget(metric, "<=", value, quantile=level)
    elif metric == "backlog_end":
        expected = "<="
        target = StaffingTarget(metric, "<=", value)
    else:
        raise ValueError(
            f"target {text!r}: unknown metric {metric!r}; the metrics are "
            "answered_within_<H>h_share (e.g. answered_within_48h_share), p50_response_hours, "
            "p90_response_hours, p95_response_hours, median_response_hours, backlog_end"
        )
    if operator != expected:
        more_staff = "raises" if expected == ">=" else "lowers"
        raise ValueError(
            f"target {text!r}: more staff {more_staff} {metric}, so the target is "
            f"{metric}{expected}VALUE"
        )
    if value < 0:
        raise ValueError(f"target {text!r}: the value must be 0 or more, got {value:g}")
    return target


# -- the metric of one run ----------------------------------------------------------------------


@dataclass(frozen=True)
class StaffingRunOutput:
    """One run's staffing figures per clinic, as one summary row (columns ``metric@clinic_N``)."""

    events: pl.DataFrame
    row: pl.DataFrame

    def summary(self) -> pl.DataFrame:
        return self.row


_HOURS_ANSWERED: Final = (24.0, 48.0, 72.0, 168.0)


def staffing_metrics(
    events: pl.DataFrame,
    population: pl.DataFrame,
    context: MetricContext,
    roster: pl.DataFrame | None = None,
    within_hours: Sequence[float] = _HOURS_ANSWERED,
) -> pl.DataFrame:
    """The staffing figures of one run as one row: for all clinics and each clinic.

    Columns ``<metric>`` (all clinics) and ``<metric>@clinic_<id>``, for
    ``answered_within_<H>h_share`` (each H of ``within_hours``), ``median_response_hours``,
    ``p90_response_hours``,
    ``p95_response_hours``, ``backlog_end``, ``cases_started``, ``cases_answered``,
    ``busy_minutes`` and, for all
    clinics, ``on_duty_minutes_per_staff`` (the pilot's inputs to Erlang C).
    """
    frames = prepare(events, population, context, roster)
    values: dict[str, float] = {}
    for by in ((), ("clinic",)):
        for hours in within_hours:
            times = response_times(frames.responses, context, within_hours=hours, by=by)
            for row in times.iter_rows(named=True):
                suffix = "" if not by else f"{_COLUMN_SEPARATOR}{row['clinic']}"
                values[f"answered_within_{hours:g}h_share{suffix}"] = _number(row["share_within"])
                values[f"median_response_hours{suffix}"] = _number(row["response_hours_p50"])
                values[f"p50_response_hours{suffix}"] = _number(row["response_hours_p50"])
                values[f"p90_response_hours{suffix}"] = _number(row["response_hours_p90"])
                values[f"p95_response_hours{suffix}"] = _number(row["response_hours_p95"])
                values[f"cases_started{suffix}"] = _number(row["cases_started"])
                values[f"cases_answered{suffix}"] = _number(row["cases_answered"])
        backlog = backlog_over_time(frames.responses, context, by_clinic=bool(by))
        last = backlog.filter(pl.col("period_start") == pl.col("period_start").max())
        for row in last.iter_rows(named=True):
            suffix = "" if not by else f"{_COLUMN_SEPARATOR}{row['clinic']}"
            values[f"backlog_end{suffix}"] = _number(row["backlog"])
        staff = staff_time(frames.events, context, frames.roster, by=by)
        for row in staff.iter_rows(named=True):
            suffix = "" if not by else f"{_COLUMN_SEPARATOR}{row['clinic']}"
            values[f"busy_minutes{suffix}"] = _number(row["busy_minutes"])
            if not by:
                members = max(1, staff_members(frames.events, frames.roster))
                values["on_duty_minutes_per_staff"] = _number(row["on_duty_minutes"]) / members
    return pl.DataFrame([values], schema=dict.fromkeys(values, pl.Float64))


def staff_members(events: pl.DataFrame, roster: pl.DataFrame | None) -> int:
    """Staff members of the run: the roster's, else those seen in the log."""
    if roster is not None:
        return roster.height
    return int(events.get_column("staff").drop_nulls().n_unique())


def _number(value: object) -> float:
    return math.nan if value is None else float(str(value))


def staffing_run(
    scenario: Scenario, seed: int, within_hours: Sequence[float] = _HOURS_ANSWERED
) -> StaffingRunOutput:
    """The advisor's run function: simulate, then measure the staffing figures per clinic."""
    from etj_sim.simulation import simulate

    result = simulate(scenario, seed, progress=False)
    context = MetricContext.from_scenario(scenario)
    row = staffing_metrics(result.events, result.population, context, result.staff, within_hours)
    return StaffingRunOutput(result.events, row)


# -- Erlang C -----------------------------------------------------------------------------------


def erlang_c_wait_probability(servers: int, offered_load: float) -> float:
    """Erlang C: the chance an arrival waits in an M/M/c queue with ``offered_load`` = λ/μ.

    From Erlang B (scipy's Poisson probabilities): ``C = c B / (c - a (1 - B))``; 1 when the
    queue is unstable (``a >= c``).
    """
    from scipy import stats

    if servers <= 0 or offered_load >= servers:
        return 1.0
    if offered_load <= 0:
        return 0.0
    blocking = float(
        stats.poisson.pmf(servers, offered_load) / stats.poisson.cdf(servers, offered_load)
    )
    return servers * blocking / (servers - offered_load * (1.0 - blocking))


def erlang_c_response_exceeds(
    servers: int, arrivals_per_minute: float, handling_minutes: float, minutes: float
) -> float:
    """M/M/c: the chance that the response (wait plus handling) exceeds ``minutes``.

    ``P(T > t) = e^(-mu t) + C mu / (d - mu) (e^(-mu t) - e^(-d t))`` with ``d = c mu - lambda``
    (``e^(-mu t) (1 + C mu t)`` when ``d = mu``); 1 when the queue is unstable.
    """
    rate = 1.0 / handling_minutes
    decay = servers * rate - arrivals_per_minute
    if decay <= 0:
        return 1.0
    waits = erlang_c_wait_probability(servers, arrivals_per_minute * handling_minutes)
    served = math.exp(-rate * minutes)
    if math.isclose(decay, rate):
        return served * (1.0 + waits * rate * minutes)
    return served + waits * rate / (decay - rate) * (served - math.exp(-decay * minutes))


def erlang_c_staff(
    target: StaffingTarget,
    arrivals_per_minute: float,
    handling_minutes: float,
    duty_fraction: float,
    largest: int = 500,
) -> int:
    """The smallest number of servers of an M/M/c queue that meets ``target``.

    ``arrivals_per_minute`` and ``handling_minutes`` are over on-duty time; ``duty_fraction`` is
    on-duty minutes over calendar minutes, which turns the target's calendar hours into on-duty
    minutes. Response times (start to answer: wait plus handling) from
    :func:`erlang_c_response_exceeds`; backlog: the mean number waiting plus in service,
    ``C a / (c - a) + a``.
    """
    if arrivals_per_minute <= 0 or handling_minutes <= 0:
        return 1
    load = arrivals_per_minute * handling_minutes
    for servers in range(max(1, math.floor(load) + 1), largest + 1):
        if target.within_hours is not None:
            duty_minutes = target.within_hours * 60.0 * duty_fraction
            exceeds = erlang_c_response_exceeds(
                servers, arrivals_per_minute, handling_minutes, duty_minutes
            )
            if 1.0 - exceeds >= target.value:
                return servers
        elif target.quantile is not None:
            duty_minutes = target.value * 60.0 * duty_fraction
            exceeds = erlang_c_response_exceeds(
                servers, arrivals_per_minute, handling_minutes, duty_minutes
            )
            if exceeds <= 1.0 - target.quantile:
                return servers
        else:
            waits = erlang_c_wait_probability(servers, load)
            if waits * load / (servers - load) + load <= target.value:
                return servers
    return largest


# -- the advisor --------------------------------------------------------------------------------


@dataclass(frozen=True)
class StaffingAdvice:
    """The advisor's answer.

    ``table``: one row per (clinic, level): ``clinic`` (``"all"`` or the clinic id), ``level``
    (staff of the role per clinic), ``n`` (replications), ``mean``, ``ci_low``, ``ci_high``,
    ``decision`` (meets, fails, undecided). ``recommended``: one row per clinic: ``clinic``,
    ``level`` (null when no level tried met the target with confidence), ``mean``, ``ci_low``,
    ``ci_high``, ``n``, ``note``.
    """

    scenario: Scenario
    role: str
    target: StaffingTarget
    confidence: float
    erlang_c_start: int
    table: pl.DataFrame
    recommended: pl.DataFrame
    runs: int

    def recommendation(self, clinic: str = ALL_CLINICS) -> int | None:
        """The recommended level for ``clinic`` ("all" or a clinic id as text)."""
        rows = self.recommended.filter(pl.col("clinic") == clinic)
        if rows.is_empty():
            raise ValueError(f"clinic {clinic!r} is not in the advice ({self.clinics()})")
        value = rows.get_column("level")[0]
        return None if value is None else int(value)

    def clinics(self) -> list[str]:
        return [str(value) for value in self.recommended.get_column("clinic").to_list()]


def advise_staffing(
    scenario: Scenario,
    role: str,
    target: str | StaffingTarget,
    *,
    clinic: int | None = None,
    level: float = 0.95,
    initial_replications: int = 3,
    step: int = 2,
    max_replications: int = 20,
    master_seed: int = 0,
    backend: Backend = "local",
    workers: int | None = None,
    address: str | None = None,
    out: str | Path | None = None,
    progress: bool = False,
    max_level: int = 200,
    run: RunFunction | None = None,
    dask_timeout: float = DASK_TIMEOUT_SECONDS,
) -> StaffingAdvice:
    """The smallest number of ``role`` per clinic that meets ``target`` at confidence ``level``.

    ``clinic``: decide for that clinic id only (the search stops as soon as it is decided there);
    ``None``: for every clinic and for all clinics together. ``initial_replications`` (at least 2)
    per level first, then ``step`` more to each undecided level up to ``max_replications``.
    ``out``: a folder holding one resumable results folder per level (``level-N/``). ``backend``,
    ``workers``, ``address`` and ``dask_timeout`` as :func:`~etj_sim.experiments.run_experiment`
    (a scheduler at ``address`` must answer before the first run, the pilot); ``run`` replaces
    :func:`staffing_run` (tests; its summary row needs the target's columns).

    The search stops climbing when one more staff member no longer improves the metric (the
    paired interval of the difference includes 0 at ``max_replications``): some targets cannot
    be met by staffing alone (cases sent on a Friday evening wait for Monday whatever the staff).
    """
    chosen = parse_target(target) if isinstance(target, str) else target
    if role not in STAFF_ROLES:
        raise ValueError(f"role {role!r}: unknown; the roles are {', '.join(STAFF_ROLES)}")
    if not 0.0 < level < 1.0:
        raise ValueError(f"level must be between 0 and 1, got {level}")
    if initial_replications < 2:
        raise ValueError(f"initial_replications must be at least 2, got {initial_replications}")
    if step < 1 or max_replications < initial_replications:
        raise ValueError(
            "step must be at least 1 and max_replications at least initial_replications "
            f"(got step {step}, max_replications {max_replications})"
        )
    # The address and the scheduler are checked by the first run_experiment (the pilot's),
    # before any run.
    dask_timeout = check_dask_timeout(dask_timeout)
    others = sum(count for name, count in scenario.clinics.staff_per_clinic.items() if name != role)
    lowest = 0 if others > 0 else 1
    search = _Search(
        scenario, role, chosen, level, master_seed, backend, workers, address, out, progress, run,
        dask_timeout=dask_timeout,
    )  # fmt: skip
    current = scenario.clinics.staff_per_clinic[role]
    known = search.clinic_ids(current)
    if clinic is not None and str(clinic) not in known:
        raise ValueError(f"clinic {clinic}: not in the run; the clinics are {', '.join(known)}")
    start = min(max_level, max(lowest, search.erlang_start(current, others)))
    clinics = [str(clinic)] if clinic is not None else [ALL_CLINICS, *known]
    for value in range(max(lowest, start - 1), min(max_level, start + 1) + 1):
        search.ensure(value, initial_replications)
    while True:
        lowest_tried, highest_tried = min(search.searched), max(search.searched)
        decisions_low = {search.decision(lowest_tried, name) for name in clinics}
        decisions_high = {search.decision(highest_tried, name) for name in clinics}
        if lowest_tried > lowest and "meets" in decisions_low:
            # Some clinic meets the target at the lowest level tried: its answer may be lower.
            search.ensure(lowest_tried - 1, initial_replications)
            continue
        if highest_tried < max_level and "fails" in decisions_high:
            failing = [name for name in clinics if search.decision(highest_tried, name) == "fails"]
            below = highest_tried - 1
            if below not in search.searched or search.improves(highest_tried, below, failing):
                search.ensure(highest_tried + 1, initial_replications)
                continue
            # One more staff member did not help (paired, common random numbers): confirm with
            # more replications before calling the target out of reach by staffing alone.
            count = max(search.replications(highest_tried), search.replications(below))
            if count < max_replications:
                for value in (below, highest_tried):
                    search.ensure(value, min(max_replications, count + step))
                continue
            search.saturated = highest_tried
        undecided = [
            value
            for value in sorted(search.searched)
            if search.replications(value) < max_replications
            and any(search.decision(value, name) == "undecided" for name in clinics)
        ]
        if not undecided:
            break
        for value in undecided:
            search.ensure(value, min(max_replications, search.replications(value) + step))
    return search.advice(clinics, start, lowest)


class _Search:
    """The runs of the advisor, one experiment per staff level, and their intervals."""

    def __init__(
        self,
        scenario: Scenario,
        role: str,
        target: StaffingTarget,
        level: float,
        master_seed: int,
        backend: Backend,
        workers: int | None,
        address: str | None,
        out: str | Path | None,
        progress: bool,
        run: RunFunction | None = None,
        *,
        dask_timeout: float = DASK_TIMEOUT_SECONDS,
    ) -> None:
        self.scenario = scenario
        self.role = role
        self.target = target
        self.level = level
        self.master_seed = master_seed
        self.backend: Backend = backend
        self.workers = workers
        self.address = address
        self.dask_timeout = dask_timeout
        self.out = Path(out) if out is not None else None
        self.progress = progress
        self.levels: dict[int, pl.DataFrame] = {}
        """Runs per staff level (the pilot's too)."""
        self.searched: set[int] = set()
        """Levels the search has taken up (the pilot's level only if the search reached it)."""
        self.executed = 0
        self.saturated: int | None = None
        """The level at which one more staff member stopped improving the metric, if any."""
        hours = set(_HOURS_ANSWERED)
        if target.within_hours is not None:
            hours.add(target.within_hours)
        self.run: RunFunction = (
            run if run is not None else partial(staffing_run, within_hours=tuple(sorted(hours)))
        )

    def _experiment(self, staff: int, replications: int) -> Experiment:
        return Experiment(
            name=f"staffing {self.role}={staff}",
            base=self.scenario,
            design=GridDesign(factors={f"clinics.staff_per_clinic.{self.role}": [staff]}),
            replications=replications,
            master_seed=self.master_seed,
        )

    def ensure(self, staff: int, replications: int, *, searched: bool = True) -> None:
        """Run ``staff`` to at least ``replications`` (the same seeds as every other level)."""
        if searched:
            self.searched.add(staff)
        if staff in self.levels and self.levels[staff].height >= replications:
            return
        experiment = self._experiment(staff, replications)
        folder = self.out / f"level-{staff}" if self.out is not None else None
        result = run_experiment(
            experiment,
            backend=self.backend,
            workers=self.workers,
            out=folder,
            address=self.address,
            progress=self.progress,
            run=self.run,
            dask_timeout=self.dask_timeout,
        )
        if result.failures.height:
            first = result.failures.row(0, named=True)
            raise RuntimeError(
                f"staffing run at {self.role}={staff} failed: {first['error_type']}: "
                f"{first['message']}"
            )
        self.executed += result.executed
        self.levels[staff] = result.runs

    def replications(self, staff: int) -> int:
        return self.levels[staff].height

    def clinic_ids(self, staff: int) -> list[str]:
        """The clinic ids of the runs (from the pilot: replication 0 at ``staff``)."""
        self.ensure(staff, 1, searched=False)
        names = self.levels[staff].columns
        ids = {name.split(_COLUMN_SEPARATOR)[1] for name in names if _COLUMN_SEPARATOR in name}
        return sorted(ids, key=int)

    def _column(self, clinic: str) -> str:
        name = self.target.metric
        if self.target.within_hours is not None:
            name = f"answered_within_{self.target.within_hours:g}h_share"
        return name if clinic == ALL_CLINICS else f"{name}{_COLUMN_SEPARATOR}{clinic}"

    def interval(self, staff: int, clinic: str) -> tuple[int, float, float, float]:
        runs = self.levels[staff]
        column = self._column(clinic)
        if column not in runs.columns:
            raise ValueError(
                f"target {self.target}: the runs have no column {column!r} "
                "(answered_within_<H>h_share is measured for H = 24, 48, 72 and 168)"
            )
        values = runs.get_column(column).cast(pl.Float64).to_numpy()
        interval = confidence_interval(values, self.level)
        return interval.n, interval.mean, interval.low, interval.high

    def improves(self, upper: int, lower: int, clinics: Sequence[str]) -> bool:
        """Whether ``upper`` is better than ``lower`` for any of ``clinics``, pair by pair.

        Replication r of both levels ran with the same seed; the t interval of the paired
        differences (in the target's good direction) must lie above 0.
        """
        sign = 1.0 if self.target.operator == ">=" else -1.0
        for clinic in clinics:
            column = self._column(clinic)
            paired = (
                self.levels[upper]
                .select("replication", column)
                .join(self.levels[lower].select("replication", column), on="replication")
            )
            differences = (
                sign
                * (
                    paired.get_column(column).cast(pl.Float64)
                    - paired.get_column(f"{column}_right").cast(pl.Float64)
                ).to_numpy()
            )
            interval = confidence_interval(differences, self.level)
            if interval.n < 2 or math.isnan(interval.low) or interval.low > 0:
                return True
        return False

    def decision(self, staff: int, clinic: str) -> str:
        _, _, low, high = self.interval(staff, clinic)
        return self.target.met_by(low, high)

    def erlang_start(self, current: int, others: int) -> int:
        """The Erlang C level from the pilot run (replication 0 at the scenario's staffing)."""
        self.ensure(current, 1, searched=False)
        pilot = self.levels[current].row(0, named=True)
        days = self.scenario.duration_days - self.scenario.warmup_days
        if "on_duty_minutes_per_staff" not in pilot:
            return current  # a run function without the pilot's figures: start where it is
        duty_per_staff_week = pilot["on_duty_minutes_per_staff"] * 7.0 / days
        starts = []
        for clinic in self.clinic_ids(current):
            cases = pilot.get(f"cases_started{_COLUMN_SEPARATOR}{clinic}")
            answered = pilot.get(f"cases_answered{_COLUMN_SEPARATOR}{clinic}")
            busy = pilot.get(f"busy_minutes{_COLUMN_SEPARATOR}{clinic}", math.nan)
            if not cases or not answered or not duty_per_staff_week or math.isnan(busy):
                continue
            arrivals = cases * 7.0 / days / duty_per_staff_week
            # Per answered case: an overloaded pilot leaves cases unanswered, not unworked.
            servers = erlang_c_staff(
                self.target,
                arrivals_per_minute=arrivals,
                handling_minutes=busy / answered,
                duty_fraction=duty_per_staff_week / _MINUTES_PER_WEEK,
            )
            starts.append(servers - others)
        return int(np.median(starts)) if starts else current

    def advice(self, clinics: Sequence[str], start: int, lowest: int) -> StaffingAdvice:
        rows = []
        for staff in sorted(self.searched):
            for clinic in clinics:
                n, mean, low, high = self.interval(staff, clinic)
                rows.append(
                    {
                        "clinic": clinic,
                        "level": staff,
                        "n": n,
                        "mean": mean,
                        "ci_low": low,
                        "ci_high": high,
                        "decision": self.target.met_by(low, high),
                    }
                )
        table = pl.DataFrame(
            rows,
            schema={
                "clinic": pl.String,
                "level": pl.Int64,
                "n": pl.Int64,
                "mean": pl.Float64,
                "ci_low": pl.Float64,
                "ci_high": pl.Float64,
                "decision": pl.String,
            },
        )
        recommended: list[dict[str, object]] = []
        for clinic in clinics:
            of_clinic = table.filter(pl.col("clinic") == clinic).sort("level")
            chosen: dict[str, object] | None = None
            note = ""
            for row in of_clinic.iter_rows(named=True):
                if row["decision"] != "meets":
                    continue
                below = of_clinic.filter(pl.col("level") == row["level"] - 1)
                if row["level"] == lowest or (
                    below.height and below.get_column("decision")[0] == "fails"
                ):
                    chosen = row
                    note = "" if row["level"] > lowest else f"the lowest possible level ({lowest})"
                else:
                    below_state = below.get_column("decision")[0] if below.height else "not run"
                    chosen = row
                    note = f"level {row['level'] - 1} is {below_state}: the answer may be lower"
                break
            if chosen is None:
                recommended.append(
                    {
                        "clinic": clinic,
                        "level": None,
                        "n": None,
                        "mean": None,
                        "ci_low": None,
                        "ci_high": None,
                        "note": "no level tried met the target with confidence"
                        + (
                            f"; from {self.saturated - 1} to {self.saturated} more staff no "
                            "longer improved it (paired, common random numbers): out of reach "
                            "by staffing this role alone"
                            if self.saturated is not None
                            else ""
                        ),
                    }
                )
            else:
                recommended.append(
                    {
                        key: chosen[key]
                        for key in ("clinic", "level", "n", "mean", "ci_low", "ci_high")
                    }
                    | {"note": note}
                )
        recommended_frame = pl.DataFrame(
            recommended,
            schema={
                "clinic": pl.String,
                "level": pl.Int64,
                "n": pl.Int64,
                "mean": pl.Float64,
                "ci_low": pl.Float64,
                "ci_high": pl.Float64,
                "note": pl.String,
            },
        )
        return StaffingAdvice(
            self.scenario,
            self.role,
            self.target,
            self.level,
            start,
            table,
            recommended_frame,
            self.executed,
        )

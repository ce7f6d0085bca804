"""Running an experiment: every (scenario, seed) run on a backend, results in one table.

Pipeline position: ``Experiment -> runs -> backend (local processes or Dask) -> simulate ->
summary row per run -> ExperimentResult`` (and, with ``out``, the results folder of
:mod:`etj_sim.experiments.store`).

One executor interface, two backends:

- ``local``: worker processes of :mod:`etj_sim.experiments.pool` with the "spawn" start method
  (each worker is a fresh interpreter: safe from Jupyter, on macOS and Windows, and with polars,
  which must not be forked once its thread pool runs); a worker that dies costs only its run,
  which is tried again. ``workers=1`` runs in the calling process, which is the sequential
  reference and easy to debug.
- ``dask``: ``dask.distributed`` futures on a ``Client`` to ``address`` (any deployment: a
  scheduler started by hand, dask-jobqueue on SLURM, Kubernetes), or on a ``LocalCluster`` made
  for the call and closed after it. The address's spelling is checked at once and the scheduler
  must answer within ``dask_timeout`` seconds, before the results folder is touched.

Worker processes started here get ``POLARS_MAX_THREADS`` = cores / workers (unless it is set
already), so that n workers on n cores do not run n polars thread pools of n threads each.

The work unit is :func:`execute_run`, a module-level function (importable by name in a worker
process); it catches a run's exception and returns it as a failure, so one bad run never stops
the others. A run's result depends only on its (scenario, seed), and the table is sorted by
design point and replication, so the table is identical whatever the backend and the number of
workers. The results come back to the calling process, which alone writes the results folder:
workers need no shared file system.
"""

from __future__ import annotations

import os
import pickle
import time
import traceback
import uuid
import warnings
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, Protocol

import polars as pl
from tqdm.auto import tqdm

from etj_sim.dask_scheduler import (
    DASK_TIMEOUT_SECONDS,
    LOCAL_DASHBOARD_ADDRESS,
    DaskConnectionError,
    check_dask_address,
    check_dask_timeout,
    distributed_module,
    probe_scheduler,
)
from etj_sim.experiments.experiment import Experiment, Run
from etj_sim.experiments.pool import WorkerDied, worker_outcomes
from etj_sim.experiments.statistics import paired_differences, summarise
from etj_sim.experiments.store import ResultFolder, RunFailure, failures_frame, runs_by_id
from etj_sim.scenario import Scenario

__all__ = [
    "DASK_TIMEOUT_SECONDS",
    "LOCAL_DASHBOARD_ADDRESS",
    "DaskConnectionError",
    "ExperimentResult",
    "ResultFileWarning",
    "RunFailureWarning",
    "RunFunction",
    "RunOutput",
    "RunTask",
    "check_dask_address",
    "execute_run",
    "run_experiment",
    "simulate_run",
]


class RunOutput(Protocol):
    """What a run function returns: ``etj_sim.simulation.SimulationResult`` fits."""

    @property
    def events(self) -> pl.DataFrame: ...

    def summary(self) -> pl.DataFrame: ...


RunFunction = Callable[[Scenario, int], RunOutput]
"""``run(scenario, seed)``; must be picklable (a module-level function) for process backends."""


class RunFailureWarning(UserWarning):
    """Some runs of an experiment raised; the others finished (``ExperimentResult.failures``)."""


class ResultFileWarning(UserWarning):
    """A result file found on resume was unusable (unreadable, another run's); the run is redone."""


def simulate_run(scenario: Scenario, seed: int) -> RunOutput:
    """The default run function: :func:`etj_sim.simulation.simulate` without its progress bar.

    Its summary row also holds MSER-5's warm-up recommendation (:mod:`etj_sim.experiments.warmup`).
    """
    # Imported here so that the experiment machinery loads without the simulation's SimPy.
    from etj_sim.experiments.warmup import WithWarmup
    from etj_sim.simulation import simulate

    return WithWarmup(scenario, simulate(scenario, seed, progress=False))


@dataclass(frozen=True)
class RunTask:
    """What a worker needs for one run (picklable)."""

    run_id: str
    scenario: Scenario
    seed: int
    run: RunFunction
    save_events: bool


@dataclass(frozen=True)
class RunOutcome:
    """What a worker sends back: the summary row (and events), or the error it raised."""

    run_id: str
    summary: pl.DataFrame | None = None
    events: pl.DataFrame | None = None
    error_type: str = ""
    message: str = ""
    traceback: str = ""

    @property
    def failed(self) -> bool:
        return self.summary is None


def execute_run(task: RunTask) -> RunOutcome:
    """Run one (scenario, seed) and return its one-row summary, or its error as a failure.

    Only ``Exception`` is caught: an interrupt (``KeyboardInterrupt``) or ``SystemExit`` stops
    the batch, and the finished runs stay on disk for a resume.
    """
    try:
        output = task.run(task.scenario, task.seed)
        summary = output.summary()
        if not isinstance(summary, pl.DataFrame) or summary.height != 1:
            shape = summary.shape if isinstance(summary, pl.DataFrame) else type(summary).__name__
            raise TypeError(f"the run's summary() must be a one-row polars DataFrame, got {shape}")
        events = output.events if task.save_events else None
        return RunOutcome(task.run_id, summary=summary, events=events)
    except Exception as error:
        return RunOutcome(
            task.run_id,
            error_type=type(error).__qualname__,
            message=str(error),
            traceback=traceback.format_exc(),
        )


@dataclass(frozen=True)
class ExperimentResult:
    """The runs of an experiment: one row per finished run, plus the runs that failed.

    ``runs`` columns: ``design_point``, ``design_label``, one column per dotted key the design
    varies, ``replication``, ``seed``, ``run_id``, then the summary's headline columns; sorted by
    design point and replication. ``failures``: ``run_id``, ``design_point``, ``replication``,
    ``seed``, ``error_type``, ``message``, ``traceback``.
    """

    experiment: Experiment
    runs: pl.DataFrame
    failures: pl.DataFrame
    out: Path | None = None
    executed: int = 0
    """Runs carried out by this call (the rest were read back from ``out``)."""
    metrics: list[str] = field(default_factory=list)
    """The summary columns (the outcome columns of ``runs``)."""

    def summarise(self, metrics: Sequence[str] | None = None, level: float = 0.95) -> pl.DataFrame:
        """Mean, standard deviation and t interval per design point and metric."""
        return summarise(self.runs, metrics or self.metrics, level)

    def paired_differences(
        self, reference: int = 0, metrics: Sequence[str] | None = None, level: float = 0.95
    ) -> pl.DataFrame:
        """Each design point minus ``reference``, paired by replication (common random numbers)."""
        return paired_differences(self.runs, reference, metrics or self.metrics, level)


Backend = Literal["local", "dask"]


def run_experiment(
    experiment: Experiment,
    backend: Backend = "local",
    workers: int | None = None,
    out: str | Path | None = None,
    address: str | None = None,
    save_events: bool = False,
    progress: bool = True,
    run: RunFunction | None = None,
    max_attempts: int = 3,
    dask_timeout: float = DASK_TIMEOUT_SECONDS,
) -> ExperimentResult:
    """Run every (design point, replication) of ``experiment`` and gather the summaries.

    ``backend``: ``"local"`` (processes on this machine; ``workers`` defaults to the number of
    cores, 1 runs in this process) or ``"dask"`` (a ``Client`` to ``address``, or a
    ``LocalCluster`` of ``workers`` (default 2) single-threaded worker processes made and closed
    here). ``out``: a results folder to write each run to, atomically, and to resume from
    (finished runs whose files check out are read, not repeated); a folder of another experiment
    or etj_sim version, or one another batch is writing, is refused. ``save_events`` also writes
    each run's event log there. ``run``: the run function (default :func:`simulate_run`); any
    picklable ``run(scenario, seed)`` returning an object with ``summary()`` and ``events``.

    A run that raises is recorded and the others go on; so is a run whose local worker process
    dies (killed, out of memory), after ``max_attempts`` tries in new processes. The failures
    are in the result's ``failures`` (and ``OUT/failures.json``) and announced with a
    :class:`RunFailureWarning`; result files found unusable on resume are announced with a
    :class:`ResultFileWarning` and run again. A Dask scheduler at ``address`` must answer
    within ``dask_timeout`` seconds, before anything is written.
    """
    if backend not in ("local", "dask"):
        raise ValueError(f"backend must be 'local' or 'dask', got {backend!r}")
    if workers is not None and workers < 1:
        raise ValueError(f"workers must be at least 1, got {workers}")
    if address is not None and backend != "dask":
        raise ValueError("address is for the 'dask' backend; pass backend='dask' with it")
    if address is not None:
        check_dask_address(address)
    if save_events and out is None:
        raise ValueError("save_events needs a results folder: pass out=...")
    if max_attempts < 1:
        raise ValueError(f"max_attempts must be at least 1, got {max_attempts}")
    dask_timeout = check_dask_timeout(dask_timeout)
    run_function: RunFunction = run if run is not None else simulate_run
    if backend == "dask" or (workers or os.cpu_count() or 1) > 1:
        _check_picklable(run_function)
    # Only reads: a folder of another experiment or version is refused before any work.
    folder = ResultFolder(Path(out), experiment) if out is not None else None
    with ExitStack() as stack:
        outcomes = stack.enter_context(
            _open_backend(
                backend, workers, address, max_attempts=max_attempts, dask_timeout=dask_timeout
            )
        )
        if folder is not None:
            stack.enter_context(folder)
        return _run_all(experiment, outcomes, folder, run_function, save_events, progress)


def _run_all(
    experiment: Experiment,
    outcomes: Outcomes,
    folder: ResultFolder | None,
    run_function: RunFunction,
    save_events: bool,
    progress: bool,
) -> ExperimentResult:
    all_runs = experiment.runs()
    unique = runs_by_id(all_runs)

    summaries: dict[str, pl.DataFrame] = {}
    pending: list[Run] = []
    for run_id, item in unique.items():
        found, reason = (
            folder.verified_summary(item, with_events=save_events)
            if folder is not None
            else (None, "")
        )
        if found is not None:
            summaries[run_id] = found
            continue
        if reason:
            warnings.warn(f"{reason}; running run {run_id} again", ResultFileWarning, stacklevel=3)
        pending.append(item)

    failures: list[RunFailure] = []
    tasks = [
        RunTask(item.run_id, item.scenario, item.seed, run_function, save_events)
        for item in pending
    ]
    by_id = {item.run_id: item for item in pending}
    bar = tqdm(
        total=len(unique),
        initial=len(summaries),
        desc=experiment.name,
        unit="run",
        disable=not progress,
    )
    with bar:
        bar.set_postfix(failures=0)
        for outcome in outcomes(tasks) if tasks else iter(()):
            item = by_id[outcome.run_id]
            if outcome.failed:
                failures.append(
                    RunFailure(
                        outcome.run_id,
                        item.design_point,
                        item.replication,
                        item.seed,
                        outcome.error_type,
                        outcome.message,
                        outcome.traceback,
                    )
                )
                if folder is not None:
                    folder.write_failures(failures)
                bar.set_postfix(failures=len(failures))
            else:
                assert outcome.summary is not None
                if folder is not None:
                    folder.write_run(item, outcome.summary, outcome.events)
                summaries[outcome.run_id] = outcome.summary
            bar.update(1)
    if folder is not None:
        folder.write_failures(failures)
    failures.sort(key=lambda failure: (failure.design_point, failure.replication))
    if failures:
        warnings.warn(
            f"{len(failures)} of {len(unique)} runs of '{experiment.name}' failed "
            f"(first: {failures[0].error_type}: {failures[0].message}); "
            "see ExperimentResult.failures"
            + (f" and {folder.root}/failures.json" if folder else ""),
            RunFailureWarning,
            stacklevel=3,
        )
    runs_table, metrics = _runs_table(experiment, all_runs, summaries)
    return ExperimentResult(
        experiment,
        runs_table,
        failures_frame(failures),
        folder.root if folder is not None else None,
        executed=len(tasks),
        metrics=metrics,
    )


def _check_picklable(run_function: RunFunction) -> None:
    """Worker processes get the run function by name: say so before any run, not in the middle."""
    try:
        pickle.dumps(run_function)
    except (pickle.PicklingError, AttributeError, TypeError) as error:
        raise TypeError(
            f"the run function {run_function!r} cannot be sent to worker processes ({error}); "
            "define it at module level (not a lambda or a function inside a function), "
            "or use workers=1"
        ) from None


def _runs_table(
    experiment: Experiment, runs: Sequence[Run], summaries: dict[str, pl.DataFrame]
) -> tuple[pl.DataFrame, list[str]]:
    points = experiment.design_points()
    design_columns = experiment.design_columns()
    finished = sorted(
        (item for item in runs if item.run_id in summaries),
        key=lambda item: (item.design_point, item.replication),
    )
    keys = []
    for item in finished:
        point = points[item.design_point]
        keys.append(
            {
                "design_point": item.design_point,
                "design_label": point.label,
                **{column: point.values.get(column) for column in design_columns},
                "replication": item.replication,
                "seed": item.seed,
                "run_id": item.run_id,
            }
        )
    key_schema: dict[str, Any] = {
        "design_point": pl.Int64,
        "design_label": pl.String,
        **{column: _column_dtype(points, column) for column in design_columns},
        "replication": pl.Int64,
        "seed": pl.Int64,
        "run_id": pl.String,
    }
    key_frame = pl.DataFrame(keys, schema=key_schema)
    if not finished:
        return key_frame, []
    outcome = pl.concat([summaries[item.run_id] for item in finished], how="diagonal_relaxed")
    return pl.concat([key_frame, outcome], how="horizontal"), list(outcome.columns)


def _column_dtype(points: Sequence[Any], column: str) -> Any:
    values = [point.values[column] for point in points if column in point.values]
    series = pl.Series(values, strict=False)
    return series.dtype


# -- backends -----------------------------------------------------------------------------------

POLARS_THREADS_VARIABLE = "POLARS_MAX_THREADS"


@contextmanager
def _worker_environment(workers: int) -> Iterator[None]:
    """Share the cores between worker processes started inside this block.

    Each polars process sizes its thread pool to all cores: n workers on n cores would run n
    times as many threads as cores, and the runs would slow each other down. A process inherits
    the environment it starts with, so the variable is set only while workers start (and only
    when the user has not set it).
    """
    if POLARS_THREADS_VARIABLE in os.environ:
        yield
        return
    os.environ[POLARS_THREADS_VARIABLE] = str(max(1, (os.cpu_count() or 1) // workers))
    try:
        yield
    finally:
        del os.environ[POLARS_THREADS_VARIABLE]


Outcomes = Callable[[Sequence[RunTask]], Iterator[RunOutcome]]
"""A backend, once open: tasks in, their outcomes out as they finish (any order)."""


@contextmanager
def _open_backend(
    backend: Backend,
    workers: int | None,
    address: str | None,
    *,
    max_attempts: int,
    dask_timeout: float,
) -> Iterator[Outcomes]:
    """The backend, ready: a Dask scheduler has answered (or a LocalCluster runs) on entry."""
    if backend == "dask":
        with _dask_client(workers, address, dask_timeout) as client:
            yield lambda tasks: _dask_outcomes(client, tasks)
        return

    def local(tasks: Sequence[RunTask]) -> Iterator[RunOutcome]:
        count = min(workers or os.cpu_count() or 1, len(tasks))
        if count <= 1:
            for task in tasks:
                yield execute_run(task)
            return

        for outcome in worker_outcomes(
            tasks,
            execute_run,
            count,
            max_attempts=max_attempts,
            environment=lambda: _worker_environment(count),
        ):
            if isinstance(outcome, WorkerDied):
                yield RunOutcome(
                    outcome.run_id,
                    error_type="WorkerDied",
                    message=(
                        f"the worker process running it died ({outcome.cause}); "
                        f"tried {outcome.attempts} time(s)"
                    ),
                )
            else:
                yield outcome

    yield local


@contextmanager
def _dask_client(workers: int | None, address: str | None, timeout: float) -> Iterator[Any]:
    distributed = distributed_module()
    with ExitStack() as stack:
        if address is None:
            with _worker_environment(workers or 2):
                # The workers start (and take the environment) before LocalCluster returns.
                cluster = distributed.LocalCluster(
                    n_workers=workers or 2,
                    threads_per_worker=1,
                    processes=True,
                    dashboard_address=LOCAL_DASHBOARD_ADDRESS,
                )
            stack.enter_context(cluster)
            client = stack.enter_context(distributed.Client(cluster))
        else:
            probe_scheduler(address, timeout)
            client = stack.enter_context(distributed.Client(address, timeout=timeout))
        yield client


def _dask_outcomes(client: Any, tasks: Sequence[RunTask]) -> Iterator[RunOutcome]:
    distributed = distributed_module()
    # A fresh token per call: a long-lived cluster must not hand back another call's futures.
    token = uuid.uuid4().hex[:8]
    futures = [
        client.submit(execute_run, task, key=f"etj-sim-run-{task.run_id}-{token}", pure=False)
        for task in tasks
    ]
    started = time.monotonic()
    try:
        for future in distributed.as_completed(futures):
            try:
                outcome: RunOutcome = future.result()
            except Exception as error:
                # The worker itself died (KilledWorker, lost connection): a failed run too.
                run_id = str(future.key).split("-")[3]
                outcome = RunOutcome(
                    run_id,
                    error_type=type(error).__qualname__,
                    message=f"{error} (after {time.monotonic() - started:.0f} s)",
                    traceback=traceback.format_exc(),
                )
            yield outcome
    finally:
        client.cancel(futures)

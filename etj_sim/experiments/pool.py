"""The local backend's worker processes: one run at a time each, a dead worker costs one run.

Pipeline position: inside the runner. ``RunTask -> a worker process (spawn) -> execute -> outcome``;
:mod:`etj_sim.experiments.runner` yields the outcomes as they come.

Why not ``concurrent.futures.ProcessPoolExecutor``: when one of its processes dies (the
out-of-memory killer, ``kill -9``), the whole pool is broken, every pending run fails with
``BrokenProcessPool`` and nothing says which run the dead process held. Here each worker holds one
task at a time over its own pipe, so a death is the death of that run: it is retried in a new
process up to ``max_attempts`` times, then recorded as failed with the signal or exit code, and the
other runs go on.

Workers ignore SIGINT (Ctrl-C reaches the whole process group; the batch decides and stops them)
and end when the batch does: on Linux the kernel kills them when their parent dies
(``PR_SET_PDEATHSIG``), elsewhere a watcher thread notices the parent is gone. Leaving the
:func:`worker_outcomes` generator (at the end, on an error or an interrupt) terminates every
worker and waits for it, so no process outlives the batch.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from multiprocessing import get_context
from multiprocessing.connection import Connection, wait
from multiprocessing.process import BaseProcess
from typing import Any, Final, Generic, Protocol, TypeVar

__all__ = ["WorkerDied", "describe_exit", "worker_outcomes"]

_PR_SET_PDEATHSIG: Final = 1
_STOP_SECONDS: Final = 5.0


class _Task(Protocol):
    @property
    def run_id(self) -> str: ...


TaskT = TypeVar("TaskT", bound=_Task)
OutcomeT = TypeVar("OutcomeT")


@dataclass(frozen=True)
class WorkerDied:
    """A task whose worker process ended before answering, ``attempts`` times in a row."""

    run_id: str
    attempts: int
    cause: str


class _Interrupted:
    """A worker's answer when its run raised ``KeyboardInterrupt``."""


def describe_exit(exitcode: int | None) -> str:
    """The way a process ended, in words: ``killed by SIGKILL (signal 9)``, ``exit code 1``."""
    if exitcode is None:
        return "still running"
    if exitcode < 0:
        number = -exitcode
        try:
            name = signal.Signals(number).name
        except ValueError:
            name = f"signal {number}"
        text = f"killed by {name} (signal {number})"
        if number == signal.SIGKILL:
            text += "; the out-of-memory killer ends processes this way"
        return text
    return f"exit code {exitcode}"


def _die_with_parent(parent_pid: int) -> None:
    """End this worker when the batch's process ends, however it ends."""
    if sys.platform == "linux":
        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, int(signal.SIGKILL))

    def watch() -> None:
        while os.getppid() == parent_pid:
            time.sleep(1.0)
        os._exit(1)

    # Also on Linux: the parent may have died before prctl took effect.
    threading.Thread(target=watch, name="etj-sim-parent-watch", daemon=True).start()


def _worker_main(connection: Connection, parent_pid: int, execute: Callable[[Any], Any]) -> None:
    """A worker process: receive a task, send back its outcome, until told to stop."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _die_with_parent(parent_pid)
    while True:
        try:
            task = connection.recv()
        except (EOFError, OSError):
            return
        if task is None:
            return
        try:
            outcome = execute(task)
        except KeyboardInterrupt:
            # Raised by the run itself (SIGINT is ignored here): it stops the batch, as it
            # would in the batch's own process.
            outcome = _Interrupted()
        try:
            connection.send(outcome)
        except (BrokenPipeError, OSError):
            return


@dataclass
class _Worker(Generic[TaskT]):
    process: BaseProcess
    connection: Connection
    task: TaskT | None = None
    answered: bool = False  # it has sent an outcome: it started, whatever happens later


_STARTUP_HINT: Final = (
    "; the worker process ended as it started, before running anything: a script that runs "
    'several workers must do so under `if __name__ == "__main__":` (worker processes are '
    "spawned and import the script again), or the Python environment cannot start"
)


def _cause_of(worker: _Worker[Any]) -> str:
    cause = describe_exit(worker.process.exitcode)
    exitcode = worker.process.exitcode
    if not worker.answered and exitcode is not None and exitcode > 0:
        cause += _STARTUP_HINT
    return cause


def worker_outcomes(
    tasks: Sequence[TaskT],
    execute: Callable[[TaskT], OutcomeT],
    count: int,
    *,
    max_attempts: int = 3,
    environment: Callable[[], AbstractContextManager[None]] = nullcontext,
) -> Iterator[OutcomeT | WorkerDied]:
    """Run ``execute(task)`` for every task in ``count`` spawned processes; yield as they finish.

    ``execute`` must be importable by name (a module-level function). A task whose process dies
    is run again in a new process, up to ``max_attempts`` times in all, then yielded as a
    :class:`WorkerDied`. Every worker process, replacements too, starts inside
    ``environment()`` (the runner sets the variables a worker inherits there).
    """
    context = get_context("spawn")
    queue: deque[TaskT] = deque(tasks)
    attempts: dict[str, int] = {}
    workers: list[_Worker[TaskT]] = []

    def launch_one() -> None:
        parent_end, child_end = context.Pipe(duplex=True)
        process = context.Process(
            target=_worker_main,
            args=(child_end, os.getpid(), execute),
            name="etj-sim-worker",
            daemon=True,
        )
        with environment():
            process.start()
        child_end.close()
        workers.append(_Worker(process, parent_end))

    def bury(worker: _Worker[TaskT], task: TaskT) -> WorkerDied | None:
        """``worker`` died holding ``task`` (or as it was to take it): one attempt of the task
        spent; the task queued again, or given up (returned); a replacement if work remains."""
        worker.process.join()
        cause = _cause_of(worker)
        worker.connection.close()
        workers.remove(worker)
        tried = attempts.get(task.run_id, 0) + 1
        attempts[task.run_id] = tried
        given_up = None
        if tried < max_attempts:
            queue.appendleft(task)
        else:
            given_up = WorkerDied(task.run_id, tried, cause)
        if queue and len(workers) < count:
            launch_one()
        return given_up

    def launch_all() -> None:
        for _ in range(min(count, len(queue))):
            launch_one()

    try:
        launch_all()
        while queue or any(worker.task is not None for worker in workers):
            for worker in list(workers):
                if worker.task is None and queue:
                    try:
                        worker.connection.send(queue[0])
                    except OSError:
                        # Died before taking the task (which never ran). Counted against the
                        # task all the same: a process that cannot start (a script without the
                        # __main__ guard, a broken environment) would otherwise be replaced for
                        # ever while its large task waits in the pipe.
                        given_up = bury(worker, queue.popleft())
                        if given_up is not None:
                            yield given_up
                        continue
                    worker.task = queue.popleft()
            busy = [worker for worker in workers if worker.task is not None]
            if not busy:
                continue  # a replacement for a worker that died idle takes the next task
            ready = set(wait([w.connection for w in busy] + [w.process.sentinel for w in busy]))
            for worker in busy:
                task = worker.task
                assert task is not None
                died = worker.process.sentinel in ready
                if worker.connection in ready or worker.connection.poll():
                    try:
                        outcome = worker.connection.recv()
                    except (EOFError, OSError):
                        died = True  # the pipe closed: the process is ending
                    else:
                        worker.task = None
                        worker.answered = True
                        if isinstance(outcome, _Interrupted):
                            raise KeyboardInterrupt
                        yield outcome
                        continue
                if not died:
                    continue
                given_up = bury(worker, task)
                if given_up is not None:
                    yield given_up
    finally:
        _stop(workers)


def _stop(workers: Sequence[_Worker[Any]]) -> None:
    """Ask idle workers to leave, terminate busy ones, and wait for every process."""
    for worker in workers:
        if worker.task is None:
            with contextlib.suppress(OSError):
                worker.connection.send(None)
        elif worker.process.is_alive():
            worker.process.terminate()
    deadline = time.monotonic() + _STOP_SECONDS
    for worker in workers:
        worker.process.join(max(0.0, deadline - time.monotonic()))
        if worker.process.is_alive():
            worker.process.kill()
            worker.process.join()
        worker.connection.close()

"""A deterministic stand-in for ``etj_sim.simulation.simulate``, to test the experiment machinery.

Pipeline position: test support, in place of ``scenario -> simulation -> summary``. It computes a
fake one-row summary from a few scenario values and the seed with numpy, so that results depend
only on (scenario, seed), as a real run's do. The noise is drawn from the seed alone, so two
scenarios run with the same seed share it exactly (common random numbers, as the real streams
aim for). Functions are module-level so that worker processes can import them by name.
"""

from __future__ import annotations

import os
import signal
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import polars as pl

from etj_sim.scenario import Scenario


@dataclass(frozen=True)
class StandInResult:
    """What ``run_experiment`` reads from a ``SimulationResult``: ``events`` and ``summary()``."""

    events: pl.DataFrame
    summary_row: pl.DataFrame

    def summary(self) -> pl.DataFrame:
        return self.summary_row


def stand_in_run(scenario: Scenario, seed: int) -> StandInResult:
    """A fake summary: shares from scenario values plus seed noise, counts from the size."""
    generator = np.random.default_rng(seed)
    noise = generator.normal(0.0, 0.02, size=3)
    size = scenario.population.size
    opt_in = scenario.alerts.opt_in_share + 0.5 * scenario.behaviour.opt_in_nudge_share
    messages = int(generator.poisson(0.4 * size * scenario.duration_days / 90))
    summary = pl.DataFrame(
        {
            "population": [size],
            "active_account_share": [0.8 + noise[0]],
            "alert_opt_in_share": [min(1.0, opt_in + noise[1])],
            "messages_sent": [messages],
            "read_share_7d": [0.6 + 0.3 * opt_in + noise[2]],
            "cases_started": [int(generator.poisson(0.1 * size))],
        }
    )
    rows = min(messages, 50)
    events = pl.DataFrame(
        {
            "minute": np.sort(generator.integers(0, 1440 * scenario.duration_days, size=rows)),
            "person": generator.integers(0, size, size=rows),
        }
    )
    return StandInResult(events, summary)


def failing_run(scenario: Scenario, seed: int) -> StandInResult:
    """Raises for the design point with ``alerts.opt_in_share == 0.7``, else as ``stand_in_run``."""
    if scenario.alerts.opt_in_share == 0.7:
        raise ValueError(f"stand-in failure at opt-in share 0.7, seed {seed}")
    return stand_in_run(scenario, seed)


def counting_run(
    scenario: Scenario, seed: int, *, calls: str, interrupt_after: int | None = None
) -> StandInResult:
    """``stand_in_run`` that leaves one file per call in ``calls`` (counted across processes).

    With ``interrupt_after`` = k, the call that finds k files already there raises
    ``KeyboardInterrupt`` instead of running: a user pressing Ctrl-C after k runs.
    """
    folder = Path(calls)
    if interrupt_after is not None and len(list(folder.iterdir())) >= interrupt_after:
        raise KeyboardInterrupt
    (folder / f"{scenario.content_hash[:12]}-{seed}-{uuid.uuid4().hex}").touch()
    return stand_in_run(scenario, seed)


def calls_made(calls: Path) -> list[str]:
    """The (scenario hash, seed) of each recorded call, one entry per call."""
    return sorted(path.name.rsplit("-", 1)[0] for path in calls.iterdir())


def sleeping_run(scenario: Scenario, seed: int, *, seconds: float) -> StandInResult:
    """``stand_in_run`` after ``seconds`` of sleep: a run long enough to be signalled."""
    time.sleep(seconds)
    return stand_in_run(scenario, seed)


def dying_run(scenario: Scenario, seed: int, *, marks: str, deaths: int) -> StandInResult:
    """At opt-in share 0.7 the worker kills itself with SIGKILL, ``deaths`` times per run.

    As the out-of-memory killer would: no exception, no answer, the process is simply gone. One
    file per death in ``marks`` counts the attempts across processes.
    """
    if scenario.alerts.opt_in_share == 0.7:
        folder = Path(marks)
        key = f"{scenario.content_hash[:12]}-{seed}"
        if len(list(folder.glob(f"{key}-*"))) < deaths:
            (folder / f"{key}-{uuid.uuid4().hex}").touch()
            os.kill(os.getpid(), signal.SIGKILL)
    return stand_in_run(scenario, seed)

"""Warm-up in experiments: each run's summary row carries MSER-5's recommended warm-up.

Pipeline position: inside an experiment's runs. ``simulate -> SimulationResult ->`` this wrapper
``-> summary row + warm-up columns -> run table -> statistics``, so the experiment summary
(``etj-sim batch``, :func:`~etj_sim.experiments.summarise`) reports the recommendation per design
point as the mean and interval over its replications (:mod:`etj_sim.metrics.warmup`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import polars as pl

from etj_sim.metrics.context import MetricContext
from etj_sim.metrics.warmup import warmup_columns
from etj_sim.scenario import Scenario

__all__ = ["WithWarmup"]


class _Outcome(Protocol):
    """``etj_sim.experiments.runner.RunOutput`` (not imported: the runner imports this module)."""

    @property
    def events(self) -> pl.DataFrame: ...

    def summary(self) -> pl.DataFrame: ...


@dataclass(frozen=True)
class WithWarmup:
    """A run's outcome (``SimulationResult``, or any ``events`` + ``summary()``) plus warm-up.

    The series are measured over the whole simulated period, so the figure does not depend on
    the scenario's own ``warmup_days``.
    """

    scenario: Scenario
    result: _Outcome

    @property
    def events(self) -> pl.DataFrame:
        return self.result.events

    def summary(self) -> pl.DataFrame:
        base = self.result.summary()
        context = MetricContext.from_scenario(self.scenario)
        return pl.concat([base, warmup_columns(self.events, context)], how="horizontal")

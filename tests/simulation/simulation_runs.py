"""Small runs shared by the simulation tests (a few thousand people, a few weeks).

Pipeline position: tests of ``etj_sim.simulation`` (``scenario -> simulate -> event log``). Runs are
cached per (overrides, seed), so a test module asks for what it needs without paying twice.
"""

from __future__ import annotations

import json
from functools import lru_cache

import polars as pl

from etj_sim.scenario import Scenario
from etj_sim.simulation import SimulationResult, simulate

SMALL_BASE = Scenario(name="small", duration_days=21).with_overrides(
    {
        "population.size": 3_000,
        "clinics.count": 2,
        # Enough protected families and guardian-era settings to exercise R12, R14 and D4.
        "population.protected_share": 0.03,
        "behaviour.opt_in_nudge_share": 0.2,
        "campaigns": [{"name": "vaccination", "day": 3, "min_age": 0, "max_age": 12}],
    }
)


def small_scenario(**overrides: object) -> Scenario:
    """The small test scenario with dotted-key overrides (``alerts__opt_in_share=0.9``)."""
    return SMALL_BASE.with_overrides({key.replace("__", "."): v for key, v in overrides.items()})


@lru_cache(maxsize=16)
def _run(overrides_json: str, seed: int) -> SimulationResult:
    return simulate(small_scenario(**json.loads(overrides_json)), seed)


def run_small(seed: int = 1, **overrides: object) -> SimulationResult:
    """A cached run of :func:`small_scenario` (results are frozen; frames are not mutated)."""
    return _run(json.dumps(overrides, sort_keys=True), seed)


def minutes(column: str = "time") -> pl.Expr:
    """Minutes since the epoch of a Datetime column (for arithmetic in tests)."""
    return pl.col(column).dt.epoch("ms") / 60_000.0

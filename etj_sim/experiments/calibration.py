"""Calibration to observed figures: history matching with an emulator over Latin hypercubes.

Pipeline position: an experiment built on the others. ``base scenario + parameter ranges +
target figures (with their uncertainty) -> wave k: Latin hypercube in the current box ->
run_experiment -> calibration figures -> emulator per figure -> implausibility -> not ruled out
yet (NROY) region -> next wave in its box -> plausible ranges, best point, fitted scenario``.

Why history matching and not ABC-SMC (pyabc): ABC-SMC needs thousands of simulations (a few
hundred particles over several generations) and runs them on its own samplers and database;
history matching (Craig, Goldstein, Seheult and Smith 1997; Vernon, Goldstein and Bower 2010)
needs tens per wave, and each wave is an ordinary experiment of this package (local processes or
Dask, a resumable folder per wave). Its output is the set of parameter values the targets cannot
rule out, which is what a planner's question "which values reproduce our figures?" asks for.

The method, per wave:

1. a Latin hypercube of ``points`` points in the current box (the parameters' ranges at first),
   ``replications`` runs each (common random numbers across points);
2. per target figure an emulator: a quadratic polynomial in the parameters (scaled to the box),
   fitted by least squares to every run inside the box; its prediction variance is the residual
   variance times ``1 + x' (X'X)^-1 x`` (ordinary regression), which holds the run-to-run noise;
3. the implausibility of a candidate x for target [low, high]: ``|E f(x) - z| / sqrt(var_obs +
   var_f(x))`` with ``z`` the middle of the range and ``sd_obs`` a quarter of its width (the range
   read as about two standard deviations either side); x is not ruled out when its largest
   implausibility over the targets is at most ``cutoff`` (3, Pukelsheim's three-sigma rule);
4. the next wave's box: the bounding box of the not-ruled-out candidates (a space-filling sample
   of ``candidates`` points), widened by 5% of the box on each side, within the ranges.

Model discrepancy (how far the model could be from reality at its best values) is taken as zero;
the figures' own uncertainty is what the ranges allow.

Figures a target can name: every summary column (``etj_sim.metrics.SUMMARY_COLUMNS``) and
``ever_read_share`` (read by the end, of messages delivered at least ``min(60, duration / 2)``
days before it; 0.75-0.80 published), ``active_account_share_18_plus`` and
``active_account_share_65_plus`` (residents, that is personnummer holders, by age at the start,
with an active account at the end; published 0.80-0.90 and about 0.6).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Final

import numpy as np
import polars as pl

from etj_sim.experiments.designs import LatinHypercubeDesign
from etj_sim.experiments.experiment import Experiment
from etj_sim.experiments.runner import Backend, run_experiment
from etj_sim.metrics.context import MetricContext, age_years_expression
from etj_sim.metrics.summary import prepare, summary_of
from etj_sim.scenario import Scenario

__all__ = [
    "CALIBRATION_FIGURES",
    "Calibration",
    "calibrate",
    "calibration_figures",
    "calibration_run",
]

CALIBRATION_FIGURES: Final = (
    "ever_read_share",
    "active_account_share_18_plus",
    "active_account_share_65_plus",
)
"""Figures measured for calibration besides the summary columns."""

_EVER_READ_DAYS: Final = 60
_WIDEN: Final = 0.05


def calibration_figures(
    events: pl.DataFrame,
    population: pl.DataFrame,
    context: MetricContext,
    roster: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """One row: the summary columns and :data:`CALIBRATION_FIGURES` of one run."""
    frames = prepare(events, population, context, roster)
    row = summary_of(frames)
    run_days = (context.end - context.start).days
    days = min(_EVER_READ_DAYS, max(1, run_days // 2))
    delivered = frames.reads.filter(
        pl.col("sent_time") <= pl.lit(context.end - timedelta(days=days))
    )
    ever_read = (
        float(delivered["read_time"].is_not_null().mean())  # type: ignore[arg-type]
        if delivered.height
        else math.nan
    )
    residents = (
        population.filter(pl.col("number_kind") == "personnummer")
        .select(
            "person",
            age_years_expression(pl.col("birth_date"), pl.lit(context.first_day)).alias("age"),
        )
        .join(frames.final_states.select("person", "status_end"), on="person")
    )

    def active_share(minimum_age: int) -> float:
        group = residents.filter(pl.col("age") >= minimum_age)
        if not group.height:
            return math.nan
        return float((group["status_end"] != "inactive").mean())  # type: ignore[arg-type]

    extra = pl.DataFrame(
        {
            "ever_read_share": [ever_read],
            "active_account_share_18_plus": [active_share(18)],
            "active_account_share_65_plus": [active_share(65)],
        }
    )
    return pl.concat([row, extra], how="horizontal")


@dataclass(frozen=True)
class CalibrationRunOutput:
    """One run's calibration figures as its summary row."""

    events: pl.DataFrame
    row: pl.DataFrame

    def summary(self) -> pl.DataFrame:
        return self.row


def calibration_run(scenario: Scenario, seed: int) -> CalibrationRunOutput:
    """The calibration's run function: simulate, then measure the calibration figures."""
    from etj_sim.simulation import simulate

    result = simulate(scenario, seed, progress=False)
    context = MetricContext.from_scenario(scenario)
    row = calibration_figures(result.events, result.population, context, result.staff)
    return CalibrationRunOutput(result.events, row)


# -- the emulator -------------------------------------------------------------------------------


def _quadratic_terms(unit: np.ndarray) -> np.ndarray:
    """Columns 1, x_i, x_i x_j (i <= j) of inputs scaled to [0, 1]."""
    count, dimensions = unit.shape
    columns = [np.ones(count)]
    columns.extend(unit[:, i] for i in range(dimensions))
    columns.extend(unit[:, i] * unit[:, j] for i in range(dimensions) for j in range(i, dimensions))
    return np.column_stack(columns)


@dataclass(frozen=True)
class _Emulator:
    coefficients: np.ndarray
    inverse: np.ndarray
    residual_variance: float
    r_squared: float

    @classmethod
    def fit(cls, unit: np.ndarray, values: np.ndarray) -> _Emulator:
        design = _quadratic_terms(unit)
        if design.shape[0] <= design.shape[1]:
            raise ValueError(
                f"the emulator needs more runs ({design.shape[0]}) than terms ({design.shape[1]}): "
                "raise points or replications"
            )
        coefficients, *_ = np.linalg.lstsq(design, values, rcond=None)
        residuals = values - design @ coefficients
        freedom = design.shape[0] - design.shape[1]
        variance = float(residuals @ residuals) / freedom
        total = float(((values - values.mean()) ** 2).sum())
        r_squared = 1.0 - float(residuals @ residuals) / total if total > 0 else 1.0
        return cls(coefficients, np.linalg.pinv(design.T @ design), variance, r_squared)

    def predict(self, unit: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        design = _quadratic_terms(unit)
        mean = design @ self.coefficients
        leverage = np.einsum("ij,jk,ik->i", design, self.inverse, design)
        return mean, self.residual_variance * (1.0 + leverage)


# -- the calibration ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Calibration:
    """The outcome of history matching.

    ``ranges``: one row per parameter: ``parameter``, ``prior_low``, ``prior_high``,
    ``plausible_low``, ``plausible_high`` (the not-ruled-out region of the last wave; NaN when
    nothing was left), ``best`` (the candidate with the smallest largest implausibility).
    ``waves``: per wave ``wave``, ``runs``, ``nroy_share`` (share of that wave's candidates not
    ruled out), ``best_implausibility``, and each target's emulator R² (``r2_<metric>``).
    ``predictions``: per target at the best point: ``metric``, ``low``, ``high``, ``predicted``,
    ``predicted_sd``, ``implausibility``.
    """

    base: Scenario
    ranges: pl.DataFrame
    waves: pl.DataFrame
    predictions: pl.DataFrame
    runs: pl.DataFrame = field(repr=False)
    """Every run of every wave: ``wave``, the parameters, the figures."""

    @property
    def best(self) -> dict[str, float]:
        return dict(zip(self.ranges["parameter"], self.ranges["best"], strict=True))

    @property
    def matched(self) -> bool:
        """Whether some parameter values were left not ruled out in the last wave."""
        return bool(self.waves["nroy_share"][-1] > 0)

    def fitted_scenario(self) -> Scenario:
        """The base scenario at the best point (values to four significant digits)."""
        values = {key: float(f"{value:.4g}") for key, value in self.best.items()}
        fitted = self.base.with_overrides(values)
        description = (
            f"{self.base.description} Calibrated by history matching: "
            + ", ".join(f"{key}={value:g}" for key, value in values.items())
        ).strip()
        return fitted.model_copy(update={"description": description})


def calibrate(
    base: Scenario,
    parameters: Mapping[str, Sequence[float]],
    targets: Mapping[str, Sequence[float]],
    *,
    points: int = 30,
    waves: int = 2,
    replications: int = 1,
    cutoff: float = 3.0,
    candidates: int = 20_000,
    master_seed: int = 0,
    backend: Backend = "local",
    workers: int | None = None,
    address: str | None = None,
    out: str | Path | None = None,
    progress: bool = False,
) -> Calibration:
    """History-match ``parameters`` (dotted key -> [low, high]) to ``targets`` (figure -> [low,
    high]); see the module docstring. ``out`` holds one resumable results folder per wave."""
    names = list(parameters)
    prior = np.array([[float(low), float(high)] for low, high in parameters.values()])
    problems = _check(base, parameters, targets, points, waves, replications, cutoff)
    if problems:
        raise ValueError("calibration: " + "; ".join(problems))
    metrics = list(targets)
    middle = np.array([(targets[m][0] + targets[m][1]) / 2.0 for m in metrics])
    observed_variance = np.array([((targets[m][1] - targets[m][0]) / 4.0) ** 2 for m in metrics])
    box = prior.copy()
    all_runs: list[pl.DataFrame] = []
    wave_rows: list[dict[str, object]] = []
    generator = np.random.default_rng(np.random.SeedSequence(master_seed, spawn_key=(7,)))
    best_unit = np.full(len(names), 0.5)
    best_values = prior.mean(axis=1)
    nroy_bounds = np.full_like(prior, math.nan)
    best_predictions: list[dict[str, object]] = []
    for wave in range(waves):
        experiment = Experiment(
            name=f"calibration wave {wave + 1}",
            base=base,
            design=LatinHypercubeDesign(
                points=points,
                ranges={
                    name: [float(low), float(high)]
                    for name, (low, high) in zip(names, box, strict=True)
                },
            ),
            replications=replications,
            master_seed=master_seed + wave,
        )
        result = run_experiment(
            experiment,
            backend=backend,
            workers=workers,
            out=Path(out) / f"wave-{wave + 1}" if out is not None else None,
            address=address,
            progress=progress,
            run=calibration_run,
        )
        if result.runs.is_empty():
            raise RuntimeError(f"calibration wave {wave + 1}: every run failed ({result.failures})")
        all_runs.append(result.runs.select(pl.lit(wave + 1).alias("wave"), *names, *metrics))
        runs = pl.concat(all_runs)
        inside = (
            runs.filter(
                pl.all_horizontal(
                    (pl.col(name) >= low) & (pl.col(name) <= high)
                    for name, (low, high) in zip(names, box, strict=True)
                )
            )
            .drop_nans(metrics)
            .drop_nulls(metrics)
        )
        unit_runs = (inside.select(names).to_numpy() - box[:, 0]) / (box[:, 1] - box[:, 0])
        emulators = [
            _Emulator.fit(unit_runs, inside.get_column(metric).cast(pl.Float64).to_numpy())
            for metric in metrics
        ]
        unit = generator.random((candidates, len(names)))
        worst = np.zeros(candidates)
        means, variances = [], []
        for index, emulator in enumerate(emulators):
            mean, variance = emulator.predict(unit)
            means.append(mean)
            variances.append(variance)
            implausibility = np.abs(mean - middle[index]) / np.sqrt(
                observed_variance[index] + variance
            )
            worst = np.maximum(worst, implausibility)
        kept = worst <= cutoff
        choice = int(np.argmin(worst))
        best_unit = unit[choice]
        best_values = box[:, 0] + best_unit * (box[:, 1] - box[:, 0])
        best_predictions = [
            {
                "metric": metric,
                "low": float(targets[metric][0]),
                "high": float(targets[metric][1]),
                "predicted": float(means[index][choice]),
                "predicted_sd": float(math.sqrt(variances[index][choice])),
                "implausibility": float(
                    abs(means[index][choice] - middle[index])
                    / math.sqrt(observed_variance[index] + variances[index][choice])
                ),
            }
            for index, metric in enumerate(metrics)
        ]
        wave_rows.append(
            {
                "wave": wave + 1,
                "runs": result.runs.height,
                "nroy_share": float(kept.mean()),
                "best_implausibility": float(worst[choice]),
                **{
                    f"r2_{metric}": emulator.r_squared
                    for metric, emulator in zip(metrics, emulators, strict=True)
                },
            }
        )
        if not kept.any():
            nroy_bounds = np.full_like(prior, math.nan)
            break
        scaled = box[:, 0] + unit[kept] * (box[:, 1] - box[:, 0])
        nroy_bounds = np.column_stack([scaled.min(axis=0), scaled.max(axis=0)])
        width = box[:, 1] - box[:, 0]
        box = np.column_stack(
            [
                np.maximum(prior[:, 0], nroy_bounds[:, 0] - _WIDEN * width),
                np.minimum(prior[:, 1], nroy_bounds[:, 1] + _WIDEN * width),
            ]
        )
    ranges = pl.DataFrame(
        {
            "parameter": names,
            "prior_low": prior[:, 0],
            "prior_high": prior[:, 1],
            "plausible_low": nroy_bounds[:, 0],
            "plausible_high": nroy_bounds[:, 1],
            "best": best_values,
        }
    )
    return Calibration(
        base,
        ranges,
        pl.DataFrame(wave_rows),
        pl.DataFrame(best_predictions),
        pl.concat(all_runs),
    )


def _check(
    base: Scenario,
    parameters: Mapping[str, Sequence[float]],
    targets: Mapping[str, Sequence[float]],
    points: int,
    waves: int,
    replications: int,
    cutoff: float,
) -> list[str]:
    from etj_sim.metrics import SUMMARY_COLUMNS

    problems = []
    if not parameters:
        problems.append("give at least one parameter: {'dotted.key': [low, high]}")
    if not targets:
        problems.append("give at least one target: {'figure': [low, high]}")
    for key, bounds in parameters.items():
        if len(bounds) != 2 or not float(bounds[0]) < float(bounds[1]):
            problems.append(
                f"parameter {key}: give [low, high] with low < high, got {list(bounds)}"
            )
            continue
        for bound in bounds:
            try:
                base.with_overrides({key: float(bound)})
            except ValueError as error:
                problems.append(f"parameter {key} = {bound}: {error}")
    known = [*SUMMARY_COLUMNS, *CALIBRATION_FIGURES]
    for metric, bounds in targets.items():
        if metric not in known:
            problems.append(f"target {metric}: unknown figure; the figures are {', '.join(known)}")
        elif len(bounds) != 2 or not float(bounds[0]) < float(bounds[1]):
            problems.append(
                f"target {metric}: give [low, high] with low < high, got {list(bounds)}"
            )
    if points < 2 or waves < 1 or replications < 1:
        problems.append(
            f"points (at least 2), waves and replications (at least 1): got {points}, {waves}, "
            f"{replications}"
        )
    if cutoff <= 0:
        problems.append(f"cutoff must be positive, got {cutoff}")
    return problems

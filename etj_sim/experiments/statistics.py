"""Statistics over replications: means, t confidence intervals, paired differences, run counts.

Pipeline position: last stage of an experiment. ``run_experiment`` leaves one row per
(design point, replication) of headline metrics (``etj_sim.metrics``); this module turns those
rows into what a researcher reports: per design point and metric the number of replications,
the mean, the standard deviation and a Student t confidence interval; differences against a
reference design point paired by replication (the replications share seeds, so the pairs share
random numbers and the difference carries less noise than either side); and how many
replications a target confidence-interval half-width needs.

Replications of one design point are independent and identically distributed by construction
(independent seeds), which is what the t interval assumes; the interval is exact for normal
outputs and approximate (central limit theorem) otherwise.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

import numpy as np
import polars as pl

__all__ = [
    "DEFAULT_LOOK_AHEAD",
    "ConfidenceInterval",
    "confidence_interval",
    "metric_columns",
    "paired_differences",
    "replications_needed",
    "summarise",
]

DEFAULT_LOOK_AHEAD: Final = 5
"""Hoad, Robinson and Davies' ``kLimit``: replications the precision must hold for once met."""

RUN_COLUMNS: Final = frozenset({"design_point", "design_label", "replication", "seed", "run_id"})
"""Columns of an experiment's run table that describe the run, not an outcome."""


@dataclass(frozen=True)
class ConfidenceInterval:
    """Mean of ``n`` values with a two-sided Student t interval at ``level``."""

    n: int
    mean: float
    standard_deviation: float
    low: float
    high: float
    half_width: float
    level: float


def _check_level(level: float) -> None:
    if not 0.0 < level < 1.0:
        raise ValueError(f"level must be between 0 and 1 (exclusive), got {level}")


def _t_quantile(level: float, degrees_of_freedom: int) -> float:
    # scipy.stats takes about a second to import: only where a quantile is needed, not in every
    # worker process that imports the experiments package.
    from scipy import stats

    return float(stats.t.ppf(0.5 + level / 2.0, degrees_of_freedom))


def confidence_interval(
    values: Sequence[float] | np.ndarray, level: float = 0.95
) -> ConfidenceInterval:
    """The mean of ``values`` and its t confidence interval.

    Nulls/NaNs are dropped first. With fewer than two values the standard deviation and the
    interval are NaN (one replication says nothing about its own noise).
    """
    _check_level(level)
    array = np.asarray(values, dtype=np.float64)
    array = array[~np.isnan(array)]
    n = int(array.size)
    if n == 0:
        return ConfidenceInterval(0, math.nan, math.nan, math.nan, math.nan, math.nan, level)
    mean = float(array.mean())
    if n == 1:
        return ConfidenceInterval(1, mean, math.nan, math.nan, math.nan, math.nan, level)
    standard_deviation = float(array.std(ddof=1))
    half_width = _t_quantile(level, n - 1) * standard_deviation / math.sqrt(n)
    return ConfidenceInterval(
        n, mean, standard_deviation, mean - half_width, mean + half_width, half_width, level
    )


def metric_columns(runs: pl.DataFrame, design_columns: Sequence[str] = ()) -> list[str]:
    """The numeric outcome columns of a run table: numeric, not describing the run.

    Design columns are dotted scenario keys, so names with a dot are left out too.
    """
    excluded = RUN_COLUMNS | set(design_columns)
    return [
        name
        for name, dtype in runs.schema.items()
        if name not in excluded and "." not in name and dtype.is_numeric()
    ]


def _interval_row(values: np.ndarray, level: float) -> dict[str, float | int]:
    interval = confidence_interval(values, level)
    return {
        "n": interval.n,
        "mean": interval.mean,
        "standard_deviation": interval.standard_deviation,
        "ci_low": interval.low,
        "ci_high": interval.high,
        "half_width": interval.half_width,
    }


_SUMMARY_SCHEMA: Final = {
    "n": pl.Int64,
    "mean": pl.Float64,
    "standard_deviation": pl.Float64,
    "ci_low": pl.Float64,
    "ci_high": pl.Float64,
    "half_width": pl.Float64,
}


def _design_keys(runs: pl.DataFrame) -> list[str]:
    if "design_point" not in runs.columns:
        raise ValueError("the run table has no 'design_point' column (is it from run_experiment?)")
    return ["design_point", "design_label"] if "design_label" in runs.columns else ["design_point"]


def summarise(
    runs: pl.DataFrame, metrics: Sequence[str] | None = None, level: float = 0.95
) -> pl.DataFrame:
    """Per design point and metric: n, mean, standard deviation and the t interval at ``level``.

    ``runs`` is ``ExperimentResult.runs`` (one row per run, a ``design_point`` column); the
    answer is long: one row per (design point, metric), sorted by design point then metric order.
    """
    _check_level(level)
    keys = _design_keys(runs)
    chosen = list(metrics) if metrics is not None else metric_columns(runs)
    _check_metrics(runs, chosen)
    rows: list[dict[str, object]] = []
    for group_key, group in runs.sort("design_point").group_by(keys, maintain_order=True):
        for metric in chosen:
            values = group.get_column(metric).cast(pl.Float64).to_numpy()
            rows.append(
                {**dict(zip(keys, group_key, strict=True)), "metric": metric}
                | _interval_row(values, level)
            )
    key_schema = {key: runs.schema[key] for key in keys}
    return pl.DataFrame(rows, schema={**key_schema, "metric": pl.String, **_SUMMARY_SCHEMA})


def paired_differences(
    runs: pl.DataFrame,
    reference: int = 0,
    metrics: Sequence[str] | None = None,
    level: float = 0.95,
) -> pl.DataFrame:
    """Each design point minus the ``reference`` design point, paired by replication.

    Replication r of every design point ran with the same seed (common random numbers), so the
    difference within a pair removes the noise the two runs share; the interval is the t interval
    of the n paired differences. Replications missing on either side (failed runs) are left out.
    """
    _check_level(level)
    keys = _design_keys(runs)
    chosen = list(metrics) if metrics is not None else metric_columns(runs)
    _check_metrics(runs, chosen)
    points = runs.get_column("design_point").unique().sort().to_list()
    if reference not in points:
        raise ValueError(f"reference design point {reference} is not in the run table {points}")
    base = runs.filter(pl.col("design_point") == reference).select("replication", *chosen)
    rows: list[dict[str, object]] = []
    others = runs.filter(pl.col("design_point") != reference).sort("design_point")
    for group_key, group in others.group_by(keys, maintain_order=True):
        paired = group.join(base, on="replication", how="inner", suffix="__reference")
        for metric in chosen:
            difference = (
                paired.get_column(metric).cast(pl.Float64)
                - paired.get_column(f"{metric}__reference").cast(pl.Float64)
            ).to_numpy()
            rows.append(
                {
                    **dict(zip(keys, group_key, strict=True)),
                    "reference": reference,
                    "metric": metric,
                }
                | _interval_row(difference, level)
            )
    key_schema = {key: runs.schema[key] for key in keys}
    return pl.DataFrame(
        rows,
        schema={**key_schema, "reference": pl.Int64, "metric": pl.String, **_SUMMARY_SCHEMA},
    )


def _check_metrics(runs: pl.DataFrame, metrics: Sequence[str]) -> None:
    missing = [metric for metric in metrics if metric not in runs.columns]
    if missing:
        raise ValueError(f"metric(s) {missing} are not columns of the run table {runs.columns}")


def replications_needed(
    values: Sequence[float] | np.ndarray,
    half_width: float,
    level: float = 0.95,
    look_ahead: int = DEFAULT_LOOK_AHEAD,
) -> int:
    """How many replications make the t interval's half-width at most ``half_width``.

    Hoad, Robinson and Davies' confidence-interval method ("Automated selection of the number of
    replications for a discrete-event simulation", J. Oper. Res. Soc. 61, 2010), with an absolute
    instead of a relative precision: ``values`` are the outputs of replications 1, 2, ... in
    order; the answer is the smallest n >= 2 whose cumulative half-width
    ``t(level, n - 1) * s_n / sqrt(n)`` is within the target and stays within it for the next
    ``look_ahead`` replications (their ``kLimit``, which guards against a lucky small sample).

    When ``values`` are too few to confirm such an n (the target is not met, or the look-ahead
    is not yet observed), the answer is an estimate from the whole sample's standard deviation
    s, the classic formula (Law and Kelton): the smallest n > len(values) - look_ahead with
    ``t(level, n - 1) * s / sqrt(n) <= half_width``. A result above ``len(values) - look_ahead``
    therefore means "not yet confirmed: run that many and ask again", which is the sequential
    procedure of the paper. NaNs are dropped.
    """
    _check_level(level)
    if not half_width > 0.0:
        raise ValueError(f"half_width must be positive, got {half_width}")
    if look_ahead < 0:
        raise ValueError(f"look_ahead must be zero or more, got {look_ahead}")
    array = np.asarray(values, dtype=np.float64)
    array = array[~np.isnan(array)]
    count = int(array.size)
    if count < 2:
        raise ValueError(
            f"replications_needed needs at least 2 values to estimate a variance, got {count}"
        )
    widths = _cumulative_half_widths(array, level)
    within = widths <= half_width
    # within[i] is for n = i + 2 replications.
    for index in range(count - 1):
        last = index + look_ahead
        if last >= count - 1:
            break
        if bool(within[index : last + 1].all()):
            return index + 2
    standard_deviation = float(array.std(ddof=1))
    smallest = max(2, count - look_ahead + 1)
    if standard_deviation == 0.0:
        return smallest
    n = smallest
    while _t_quantile(level, n - 1) * standard_deviation / math.sqrt(n) > half_width:
        # Doubling then bisecting keeps this logarithmic for tiny targets.
        n *= 2
    low = max(smallest, n // 2)
    while low < n:
        middle = (low + n) // 2
        if _t_quantile(level, middle - 1) * standard_deviation / math.sqrt(middle) <= half_width:
            n = middle
        else:
            low = middle + 1
    return n


def _cumulative_half_widths(values: np.ndarray, level: float) -> np.ndarray:
    """Half-width of the t interval of the first n values, for n = 2 .. len(values)."""
    # A two-pass standard deviation per prefix: quadratic, but replication counts are hundreds at
    # most and a running sum of squares loses precision for large, nearly constant outputs.
    counts = np.arange(2, values.size + 1)
    deviations = np.array([values[:n].std(ddof=1) for n in counts], dtype=np.float64)
    quantiles = np.array([_t_quantile(level, int(count) - 1) for count in counts])
    return np.asarray(quantiles * deviations / np.sqrt(counts), dtype=np.float64)

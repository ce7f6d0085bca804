"""Comparing runs: saved run folders or an experiment's results, against a reference scenario.

Pipeline position: after the runs (``run folders / experiment folder -> run table -> comparison
-> comparison report, batch table``). :func:`load_runs` reads what ``etj-sim run --out`` and
``etj-sim batch --out`` leave behind into one run table (a row per run: its scenario as a design
point, its seed, its headline figures); :func:`compare_runs` gives each scenario's mean and t
interval per headline metric and its difference from the reference. Where the two sides hold
runs with the same seed, the difference is paired run by run (common random numbers: the pair
shares its noise, so the interval is narrower than either side's); where no seed matches, it is
the difference of the means, without an interval, and says so.

The statistics are :mod:`etj_sim.experiments.statistics`'; this module only gathers the runs and
shapes the answer for the report (:func:`etj_sim.report.write_comparison_report`) and the CLI.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import polars as pl

from etj_sim.experiments.statistics import confidence_interval, summarise
from etj_sim.metrics import SUMMARY_COLUMNS

__all__ = [
    "RESULTS_FILE_NAME",
    "RUN_FILE_NAME",
    "SUMMARY_FILE_NAME",
    "Comparison",
    "ComparisonInputError",
    "compare_runs",
    "load_runs",
]

SUMMARY_FILE_NAME: Final = "summary.parquet"
RUN_FILE_NAME: Final = "run.json"
RESULTS_FILE_NAME: Final = "results.parquet"


class ComparisonInputError(ValueError):
    """A folder given to compare is neither a saved run nor an experiment's results."""


@dataclass(frozen=True)
class Comparison:
    """Scenarios against a reference: per scenario and metric, the mean and the difference.

    ``statistics``: ``design_point``, ``design_label``, ``metric``, ``n``, ``mean``, ``ci_low``,
    ``ci_high``, ``half_width`` (t interval of the runs). ``differences``: ``design_point``,
    ``design_label``, ``metric``, ``pairs`` (runs paired by seed), ``difference``, ``ci_low``,
    ``ci_high``, ``paired`` (false: a difference of means, no interval). The reference is
    design point ``reference`` and comes first in both.
    """

    statistics: pl.DataFrame
    differences: pl.DataFrame
    reference: int
    reference_label: str
    metrics: tuple[str, ...]

    def chart_frame(self) -> pl.DataFrame:
        """The comparison chart's frame: the reference first at 0, then each difference."""
        reference = self.statistics.filter(pl.col("design_point") == self.reference).select(
            pl.col("design_label").alias("scenario"),
            "metric",
            pl.lit(0.0).alias("difference"),
            pl.lit(None, dtype=pl.Float64).alias("ci_low"),
            pl.lit(None, dtype=pl.Float64).alias("ci_high"),
        )
        others = self.differences.select(
            pl.col("design_label").alias("scenario"), "metric", "difference", "ci_low", "ci_high"
        )
        return pl.concat([reference, others])


def _metric_columns(runs: pl.DataFrame) -> list[str]:
    return [name for name in SUMMARY_COLUMNS if name in runs.columns]


def compare_runs(
    runs: pl.DataFrame,
    reference: int = 0,
    metrics: Sequence[str] | None = None,
    level: float = 0.95,
) -> Comparison:
    """Means and differences from the ``reference`` design point of a run table.

    ``runs`` has ``design_point``, ``design_label``, ``seed`` and headline columns (an
    experiment's ``ExperimentResult.runs`` or :func:`load_runs`). Runs pair by ``seed``.
    """
    chosen = tuple(metrics) if metrics is not None else tuple(_metric_columns(runs))
    missing = [
        name for name in ("design_point", "design_label", "seed") if name not in runs.columns
    ]
    if missing:
        raise ValueError(f"the run table lacks column(s) {missing}")
    points = runs.get_column("design_point").unique().sort().to_list()
    if reference not in points:
        raise ValueError(f"reference design point {reference} is not in the run table {points}")
    ordered = runs.with_columns(
        pl.when(pl.col("design_point") == reference).then(0).otherwise(1).alias("_order")
    ).sort("_order", "design_point")
    statistics = (
        summarise(ordered.drop("_order"), list(chosen), level)
        .with_columns(
            pl.col("design_point")
            .replace_strict(
                {
                    point: index
                    for index, point in enumerate(
                        [reference, *[p for p in points if p != reference]]
                    )
                },
                return_dtype=pl.Int64,
            )
            .alias("_order")
        )
        .sort("_order", maintain_order=True)
        .drop("_order")
    )
    base = runs.filter(pl.col("design_point") == reference)
    reference_label = str(base["design_label"][0])
    rows: list[dict[str, object]] = []
    for point in points:
        if point == reference:
            continue
        side = runs.filter(pl.col("design_point") == point)
        paired = side.join(base, on="seed", how="inner", suffix="__reference")
        for metric in chosen:
            if paired.height:
                values = (
                    paired[metric].cast(pl.Float64)
                    - paired[f"{metric}__reference"].cast(pl.Float64)
                ).to_numpy()
                interval = confidence_interval(values, level)
                low, high = interval.low, interval.high
                difference = interval.mean
            else:
                difference = _mean(side[metric]) - _mean(base[metric])
                low = high = math.nan
            rows.append(
                {
                    "design_point": point,
                    "design_label": str(side["design_label"][0]),
                    "metric": metric,
                    "pairs": paired.height,
                    "difference": difference,
                    "ci_low": None if math.isnan(low) else low,
                    "ci_high": None if math.isnan(high) else high,
                    "paired": paired.height > 0,
                }
            )
    differences = pl.DataFrame(
        rows,
        schema={
            "design_point": pl.Int64,
            "design_label": pl.String,
            "metric": pl.String,
            "pairs": pl.Int64,
            "difference": pl.Float64,
            "ci_low": pl.Float64,
            "ci_high": pl.Float64,
            "paired": pl.Boolean,
        },
    )
    return Comparison(
        statistics=statistics.with_columns(
            pl.col(name).fill_nan(None) for name in ("ci_low", "ci_high", "half_width")
        ),
        differences=differences.with_columns(pl.col("difference").fill_nan(None)),
        reference=reference,
        reference_label=reference_label,
        metrics=chosen,
    )


def _mean(values: pl.Series) -> float:
    mean = values.cast(pl.Float64).mean()
    return float(mean) if isinstance(mean, int | float) else math.nan


# -- reading folders ----------------------------------------------------------------------------


def _read_run_folder(folder: Path) -> dict[str, object]:
    try:
        info = json.loads((folder / RUN_FILE_NAME).read_text(encoding="utf-8"))
        summary = pl.read_parquet(folder / SUMMARY_FILE_NAME)
    except (OSError, ValueError, pl.exceptions.PolarsError) as error:
        raise ComparisonInputError(f"{folder}: cannot read the saved run ({error})") from None
    if not isinstance(info, dict) or "seed" not in info or summary.height != 1:
        raise ComparisonInputError(f"{folder}: {RUN_FILE_NAME} or {SUMMARY_FILE_NAME} is damaged")
    return {
        "scenario": str(info.get("scenario", folder.name)),
        "scenario_hash": str(info.get("scenario_hash", "")),
        "seed": int(info["seed"]),
        **summary.row(0, named=True),
    }


def load_runs(folders: Sequence[str | Path]) -> pl.DataFrame:
    """One run table from saved run folders and/or experiment results folders.

    A run folder (``run.json`` + ``summary.parquet``, as ``etj-sim run --out`` writes) is one
    run; runs of the same scenario (content hash) form one design point, labelled with the
    scenario's name. An experiment folder (``results.parquet``, as ``etj-sim batch --out``
    writes) adds its design points. Design points are numbered in the order first met, so the
    first folder's scenario is design point 0, the usual reference. A folder that is neither is
    a :class:`ComparisonInputError` naming it.
    """
    if not folders:
        raise ComparisonInputError("give at least one run folder or experiment folder")
    rows: list[dict[str, object]] = []
    point_of: dict[tuple[str, str], int] = {}
    labels: dict[int, str] = {}

    def point_for(key: tuple[str, str], label: str) -> int:
        if key not in point_of:
            point_of[key] = len(point_of)
            labels[point_of[key]] = label
        return point_of[key]

    frames: list[pl.DataFrame] = []
    for reference in folders:
        folder = Path(reference)
        if not folder.is_dir():
            raise ComparisonInputError(f"{folder}: no such folder")
        if (folder / RESULTS_FILE_NAME).is_file():
            try:
                results = pl.read_parquet(folder / RESULTS_FILE_NAME)
            except (OSError, pl.exceptions.PolarsError) as error:
                raise ComparisonInputError(
                    f"{folder}: cannot read {RESULTS_FILE_NAME} ({error})"
                ) from None
            for (point, label), _ in results.group_by(
                ["design_point", "design_label"], maintain_order=True
            ):
                point_for((str(folder), str(point)), str(label))
            frames.append(
                results.with_columns(
                    pl.col("design_point")
                    .cast(pl.String)
                    .replace_strict(
                        {p[1]: index for p, index in point_of.items() if p[0] == str(folder)},
                        return_dtype=pl.Int64,
                    )
                    .alias("design_point")
                ).select("design_point", "design_label", "seed", *_metric_columns(results))
            )
        elif (folder / RUN_FILE_NAME).is_file():
            run = _read_run_folder(folder)
            point = point_for(("scenario", str(run["scenario_hash"])), str(run["scenario"]))
            rows.append({"design_point": point, **run})
        else:
            raise ComparisonInputError(
                f"{folder}: neither a saved run ({RUN_FILE_NAME}) nor an experiment's results "
                f"({RESULTS_FILE_NAME})"
            )
    if rows:
        runs = pl.DataFrame(rows, infer_schema_length=None)
        frames.append(
            runs.with_columns(
                pl.col("design_point")
                .replace_strict(labels, return_dtype=pl.String)
                .alias("design_label")
            ).select("design_point", "design_label", "seed", *_metric_columns(runs))
        )
    table = pl.concat(frames, how="diagonal_relaxed").sort("design_point", "seed")
    return _distinct_labels(table)


def _distinct_labels(table: pl.DataFrame) -> pl.DataFrame:
    """Two design points with the same label (one scenario changed by --set) get their number."""
    labels = table.select("design_point", "design_label").unique()
    repeated = labels.filter(pl.col("design_label").is_duplicated())["design_point"].to_list()
    return table.with_columns(
        pl.when(pl.col("design_point").is_in(repeated))
        .then(pl.format("{} [{}]", "design_label", "design_point"))
        .otherwise(pl.col("design_label"))
        .alias("design_label")
    )

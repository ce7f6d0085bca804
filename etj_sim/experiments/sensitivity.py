"""Global sensitivity: Morris screening and Sobol indices from an experiment's runs (SALib).

Pipeline position: last stage of a sensitivity experiment. ``experiment (design.kind = "morris"
or "sobol", :mod:`etj_sim.experiments.designs`) -> run_experiment -> runs -> mean per design point
-> SALib analyze -> indices with bootstrap intervals -> toolkit_charts``. The design points are
SALib's own sample, in SALib's order, so the analysis reads the outputs back in that order.

Each design point's output is the mean over its replications (common random numbers: replication
r has the same seed at every point, so the noise the points share cancels in the elementary
effects and in Saltelli's differences). A point with no finished run makes the analysis refuse,
naming it, rather than silently analyse a broken sample.

- Morris (Morris 1991; Campolongo, Cariboni and Saltelli 2007): per parameter ``mu_star`` (mean
  absolute elementary effect: importance), ``sigma`` (spread: interactions or non-linearity),
  ``mu`` and ``mu_star_conf`` (bootstrap half-width at ``level``).
- Sobol (Saltelli 2002, 2010): first-order ``S1`` (share of the output variance a parameter
  explains alone) and total ``ST`` (with all its interactions), each with a bootstrap half-width.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import polars as pl

from etj_sim.experiments.designs import MorrisDesign, SobolDesign, sensitivity_problem
from etj_sim.experiments.experiment import Experiment
from etj_sim.experiments.runner import ExperimentResult

__all__ = [
    "format_indices",
    "morris_indices",
    "sensitivity_indices",
    "sensitivity_table",
    "sobol_indices",
]


def _outputs(result: ExperimentResult, metric: str) -> np.ndarray:
    """The metric's mean over replications at every design point, in design order."""
    runs = result.runs
    if metric not in runs.columns:
        raise ValueError(f"metric {metric!r} is not a column of the runs ({result.metrics})")
    points = len(result.experiment.design_points())
    means = (
        runs.group_by("design_point")
        .agg(pl.col(metric).cast(pl.Float64).mean())
        .sort("design_point")
    )
    found = dict(zip(means["design_point"].to_list(), means[metric].to_list(), strict=True))
    missing = [index for index in range(points) if found.get(index) is None]
    if missing:
        raise ValueError(
            f"metric {metric!r}: design point(s) {missing[:10]} have no finished run or no value; "
            "the sensitivity sample is incomplete (see ExperimentResult.failures)"
        )
    return np.array([found[index] for index in range(points)], dtype=np.float64)


def _positive(seed: int) -> int:
    """SALib seeds its bootstrap only for a true seed (``if seed:``): 0 would not repeat."""
    if seed < 1:
        raise ValueError(f"seed must be 1 or more (SALib ignores 0), got {seed}")
    return seed


def _design(experiment: Experiment, kind: type[MorrisDesign | SobolDesign]) -> Any:
    design = experiment.design
    if not isinstance(design, kind):
        raise ValueError(
            f"experiment {experiment.name!r} has design kind {design.kind!r}, "
            f"not {kind.model_fields['kind'].default!r}"
        )
    return design


def morris_indices(
    result: ExperimentResult,
    metric: str,
    *,
    level: float = 0.95,
    resamples: int = 1000,
    seed: int = 1,
) -> pl.DataFrame:
    """Morris indices of ``metric``: ``parameter``, ``mu``, ``mu_star``, ``sigma``,
    ``mu_star_conf`` (bootstrap half-width at ``level``), sorted by ``mu_star``, largest first."""
    from SALib.analyze import morris

    design: MorrisDesign = _design(result.experiment, MorrisDesign)
    problem = sensitivity_problem(design)
    samples = np.array(
        [list(point.values.values()) for point in result.experiment.design_points()],
        dtype=np.float64,
    )
    analysis = morris.analyze(
        problem,
        samples,
        _outputs(result, metric),
        num_resamples=resamples,
        conf_level=level,
        num_levels=design.levels,
        seed=_positive(seed),
    )
    return pl.DataFrame(
        {
            "parameter": problem["names"],
            "mu": np.asarray(analysis["mu"], dtype=np.float64),
            "mu_star": np.asarray(analysis["mu_star"], dtype=np.float64),
            "sigma": np.asarray(analysis["sigma"], dtype=np.float64),
            "mu_star_conf": np.asarray(analysis["mu_star_conf"], dtype=np.float64),
        }
    ).sort("mu_star", descending=True)


def sobol_indices(
    result: ExperimentResult,
    metric: str,
    *,
    level: float = 0.95,
    resamples: int = 1000,
    seed: int = 1,
) -> pl.DataFrame:
    """Sobol indices of ``metric``, long: ``parameter``, ``index`` (``S1`` or ``ST``), ``value``,
    ``conf`` (bootstrap half-width at ``level``)."""
    from SALib.analyze import sobol

    design: SobolDesign = _design(result.experiment, SobolDesign)
    problem = sensitivity_problem(design)
    analysis = sobol.analyze(
        problem,
        _outputs(result, metric),
        calc_second_order=design.second_order,
        num_resamples=resamples,
        conf_level=level,
        seed=_positive(seed),
    )
    rows = []
    for index in ("S1", "ST"):
        for name, value, conf in zip(
            problem["names"], analysis[index], analysis[f"{index}_conf"], strict=True
        ):
            rows.append({"parameter": name, "index": index, "value": value, "conf": conf})
    return pl.DataFrame(
        rows,
        schema={
            "parameter": pl.String,
            "index": pl.String,
            "value": pl.Float64,
            "conf": pl.Float64,
        },
    )


def sensitivity_indices(result: ExperimentResult, metric: str, **options: Any) -> pl.DataFrame:
    """:func:`morris_indices` or :func:`sobol_indices`, whichever the experiment's design is."""
    if isinstance(result.experiment.design, MorrisDesign):
        return morris_indices(result, metric, **options)
    if isinstance(result.experiment.design, SobolDesign):
        return sobol_indices(result, metric, **options)
    raise ValueError(
        f"experiment {result.experiment.name!r} is not a sensitivity design "
        f"(kind {result.experiment.design.kind!r}); use design.kind = 'morris' or 'sobol'"
    )


def sensitivity_table(result: ExperimentResult, metrics: list[str] | None = None) -> pl.DataFrame:
    """:func:`sensitivity_indices` of every metric that varies, long, with a ``metric`` column.

    Metrics constant over the design (every point gave the same value) have no indices and are
    left out, as are metrics with a missing value at some point.
    """
    frames = []
    for metric in metrics if metrics is not None else result.metrics:
        values = result.runs.get_column(metric).cast(pl.Float64)
        if values.null_count() or values.is_nan().any() or values.n_unique() < 2:
            continue
        indices = sensitivity_indices(result, metric)
        frames.append(indices.select(pl.lit(metric).alias("metric"), *indices.columns))
    if not frames:
        return pl.DataFrame(schema={"metric": pl.String, "parameter": pl.String})
    return pl.concat(frames, how="diagonal_relaxed")


def format_indices(table: pl.DataFrame) -> str:
    """One block per metric: Morris mu* (± interval) and sigma, or Sobol S1 and ST (± interval)."""
    lines: list[str] = []
    for (metric,), group in table.group_by("metric", maintain_order=True):
        lines.append(f"{metric}:")
        if "mu_star" in group.columns:
            for row in group.iter_rows(named=True):
                lines.append(
                    f"  {row['parameter']:<40} mu* {row['mu_star']:.4g} ± "
                    f"{row['mu_star_conf']:.2g}  sigma {row['sigma']:.4g}"
                )
        else:
            wide = group.pivot("index", index="parameter", values=["value", "conf"])
            for row in wide.iter_rows(named=True):
                lines.append(
                    f"  {row['parameter']:<40} S1 {row['value_S1']:.3f} ± {row['conf_S1']:.3f}  "
                    f"ST {row['value_ST']:.3f} ± {row['conf_ST']:.3f}"
                )
    return "\n".join(lines)

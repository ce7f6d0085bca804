"""Charts of the decision and research tools: staffing, sensitivity, calibration (a chart module).

Pipeline position: last stage, beside :mod:`etj_sim.charts` (``experiments -> advice /
indices / plausible ranges -> altair charts``). Like ``charts`` and ``report``, this module is
allowed to import altair: it is a chart module, kept apart so the tools' charts do not crowd the
run charts. Each function takes the small frame a tool returns (one row per level, parameter or
index) and never embeds an event log.
"""

from __future__ import annotations

import altair as alt
import polars as pl

__all__ = ["calibration_chart", "morris_chart", "sobol_chart", "staffing_chart"]


def staffing_chart(table: pl.DataFrame, target: str, threshold: float) -> alt.LayerChart:
    """Service level against staff, with each level's confidence interval and the target line.

    ``table`` is :attr:`StaffingAdvice.table` (``clinic``, ``level``, ``mean``, ``ci_low``,
    ``ci_high``, ``decision``); one colour per clinic ("all" is every clinic together).
    """
    data = table.select("clinic", "level", "n", "mean", "ci_low", "ci_high", "decision")
    base = alt.Chart(data).encode(
        x=alt.X("level:O", title="staff of the role per clinic"),
        color=alt.Color("clinic:N", title="clinic"),
        xOffset=alt.XOffset("clinic:N"),
    )
    points = base.mark_point(filled=True, size=60).encode(
        y=alt.Y("mean:Q", title=target.split(">")[0].split("<")[0], scale=alt.Scale(zero=False)),
        shape=alt.Shape("decision:N", title="against the target"),
        tooltip=["clinic", "level", "n", "mean", "ci_low", "ci_high", "decision"],
    )
    intervals = base.mark_rule().encode(y="ci_low:Q", y2="ci_high:Q")
    line = (
        alt.Chart(pl.DataFrame({"target": [threshold]}))
        .mark_rule(strokeDash=[4, 4], color="black")
        .encode(y="target:Q")
    )
    chart: alt.LayerChart = (intervals + points + line).properties(
        title=f"Staffing: {target} (mean and confidence interval per level)", width=420
    )
    return chart


def morris_chart(indices: pl.DataFrame) -> alt.LayerChart:
    """Tornado chart of Morris screening: mu* per parameter (bars, largest on top), with sigma.

    ``indices`` is :func:`etj_sim.experiments.sensitivity.morris_indices` for one output
    (``parameter``, ``mu_star``, ``mu_star_conf``, ``sigma``).
    """
    data = indices.select(
        "parameter",
        "mu_star",
        "sigma",
        (pl.col("mu_star") - pl.col("mu_star_conf")).clip(lower_bound=0).alias("low"),
        (pl.col("mu_star") + pl.col("mu_star_conf")).alias("high"),
    )
    order = data.sort("mu_star", descending=True).get_column("parameter").to_list()
    y = alt.Y("parameter:N", sort=order, title=None)
    bars = (
        alt.Chart(data)
        .mark_bar()
        .encode(
            y=y,
            x=alt.X("mu_star:Q", title="mu* (mean absolute elementary effect)"),
            color=alt.Color("sigma:Q", title="sigma", scale=alt.Scale(scheme="oranges")),
            tooltip=["parameter", "mu_star", "sigma", "low", "high"],
        )
    )
    rules = alt.Chart(data).mark_rule().encode(y=y, x="low:Q", x2="high:Q")
    chart: alt.LayerChart = (bars + rules).properties(
        title="Morris screening: mu* with its bootstrap interval"
    )
    return chart


def sobol_chart(indices: pl.DataFrame) -> alt.LayerChart:
    """First-order (S1) and total (ST) Sobol indices per parameter with bootstrap intervals.

    ``indices`` is :func:`etj_sim.experiments.sensitivity.sobol_indices` for one output
    (``parameter``, ``index`` ("S1"/"ST"), ``value``, ``conf``).
    """
    data = indices.select(
        "parameter",
        "index",
        "value",
        (pl.col("value") - pl.col("conf")).alias("low"),
        (pl.col("value") + pl.col("conf")).alias("high"),
    )
    base = alt.Chart(data).encode(
        x=alt.X("parameter:N", title=None),
        xOffset=alt.XOffset("index:N"),
        color=alt.Color("index:N", title="index"),
    )
    bars = base.mark_bar().encode(
        y=alt.Y("value:Q", title="Sobol index"), tooltip=["parameter", "index", "value", "low"]
    )
    rules = base.mark_rule(color="black").encode(y="low:Q", y2="high:Q")
    chart: alt.LayerChart = (bars + rules).properties(
        title="Sobol indices: first order and total", width=360
    )
    return chart


def calibration_chart(ranges: pl.DataFrame) -> alt.LayerChart:
    """The prior range and the plausible range of each calibrated parameter.

    ``ranges`` is :attr:`etj_sim.experiments.calibration.Calibration.ranges` (``parameter``,
    ``prior_low``, ``prior_high``, ``plausible_low``, ``plausible_high``, ``best``).
    """
    data = ranges.select(
        "parameter", "prior_low", "prior_high", "plausible_low", "plausible_high", "best"
    )
    y = alt.Y("parameter:N", title=None)
    prior = (
        alt.Chart(data)
        .mark_rule(strokeWidth=2, color="lightgray")
        .encode(y=y, x=alt.X("prior_low:Q", title="value"), x2="prior_high:Q")
    )
    plausible = (
        alt.Chart(data)
        .mark_rule(strokeWidth=8, color="steelblue")
        .encode(y=y, x="plausible_low:Q", x2="plausible_high:Q")
    )
    best = alt.Chart(data).mark_tick(color="black", thickness=2).encode(y=y, x="best:Q")
    chart: alt.LayerChart = (prior + plausible + best).properties(
        title="Calibration: prior range (grey), plausible range (blue), best point"
    )
    return chart

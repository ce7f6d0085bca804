"""Charts: metric frames in, altair charts out.

Pipeline position: ``metrics (frame -> frame) -> charts -> report / notebooks``. Each function takes
a small, already aggregated metric frame (see ``etj_sim.metrics``) and returns a chart; none
aggregates raw events, and each refuses a frame of more than :data:`MAX_CHART_ROWS` rows, so a
chart never embeds a region's event log. Only this module and ``etj_sim.report`` import altair.

Style: one width and height, titles that say what is shown, axis titles with units, and the
Okabe-Ito palette (readable with the common colour-vision deficiencies) with a fixed colour per
alert status across charts; the heatmap uses viridis.
"""

from __future__ import annotations

from typing import Final

import altair as alt
import polars as pl

from etj_sim.metrics import (
    ALERT_STATUSES,
    FUNNEL_STAGES,
    MetricContext,
    RunFrames,
    alert_opt_in_by_age_band,
    backlog_over_time,
    message_funnel,
    prepare,
    read_curve,
    response_time_distribution,
    staff_time,
)
from etj_sim.scenario import AGE_BANDS

__all__ = [
    "CHART_TITLES",
    "COMPARISON_COLUMNS",
    "MAX_CHART_ROWS",
    "all_charts",
    "backlog_chart",
    "charts_of",
    "message_funnel_chart",
    "opt_in_by_age_band_chart",
    "read_curve_chart",
    "response_time_chart",
    "scenario_comparison_chart",
    "utilisation_heatmap_chart",
]

MAX_CHART_ROWS: Final = 5_000
"""No chart embeds more rows than this (altair's own default limit)."""

WIDTH: Final = 520
HEIGHT: Final = 260

OKABE_ITO: Final = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#56B4E9", "#CC79A7", "#000000")
ALERT_COLOURS: Final = {"none": "#999999", "sms": "#0072B2", "email": "#E69F00", "both": "#009E73"}
WEEKDAY_NAMES: Final = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
COMPARISON_COLUMNS: Final = ("scenario", "metric", "mean", "ci_low", "ci_high")

CHART_TITLES: Final = {
    "read_curve": "Messages read, by days since delivery and alert status",
    "opt_in_by_age_band": "Alert choice of active accounts by age band, end of run",
    "utilisation_heatmap": "Staff utilisation by weekday and hour",
    "backlog": "Case backlog and queue at the end of each day",
    "response_time": "Time from case start to first staff answer",
    "message_funnel": "Message funnel: sent, alerted, read within 1 and 7 days",
    "scenario_comparison": "Scenario comparison: mean and confidence interval",
}


def _chart_data(frame: pl.DataFrame, columns: tuple[str, ...], chart: str) -> pl.DataFrame:
    """The frame with only ``columns``, enums as strings; refuses frames that are too big."""
    missing = [name for name in columns if name not in frame.columns]
    if missing:
        raise ValueError(f"{chart}: the frame lacks column(s) {missing}")
    if frame.height > MAX_CHART_ROWS:
        raise ValueError(
            f"{chart}: {frame.height} rows is more than {MAX_CHART_ROWS}; aggregate it first"
        )
    return frame.select(
        pl.col(name).cast(pl.String)
        if isinstance(frame.schema[name], pl.Enum | pl.Categorical)
        else pl.col(name)
        for name in columns
    )


def _alert_colour(title: str) -> alt.Color:
    return alt.Color(
        "alert_status:N",
        title=title,
        sort=list(ALERT_STATUSES),
        scale=alt.Scale(domain=list(ALERT_COLOURS), range=list(ALERT_COLOURS.values())),
    )


def read_curve_chart(curve: pl.DataFrame) -> alt.Chart:
    """Lines of :func:`etj_sim.metrics.read_curve` (by alert status): share read by day."""
    data = _chart_data(
        curve,
        ("alert_status", "days_since_delivery", "read_share", "messages_eligible"),
        "read_curve",
    )
    chart: alt.Chart = (
        alt.Chart(data, title=CHART_TITLES["read_curve"], width=WIDTH, height=HEIGHT)
        .mark_line(point=True)
        .encode(
            x=alt.X("days_since_delivery:Q", title="Days since delivery"),
            y=alt.Y(
                "read_share:Q",
                title="Share read (%)",
                axis=alt.Axis(format="%"),
                scale=alt.Scale(domain=[0, 1]),
            ),
            color=_alert_colour("Alert status at delivery"),
            tooltip=[
                alt.Tooltip("alert_status:N", title="Alert status"),
                alt.Tooltip("days_since_delivery:Q", title="Days"),
                alt.Tooltip("read_share:Q", title="Share read", format=".1%"),
                alt.Tooltip("messages_eligible:Q", title="Messages (observed that long)"),
            ],
        )
    )
    return chart


def opt_in_by_age_band_chart(by_age_band: pl.DataFrame) -> alt.Chart:
    """Stacked bars of :func:`etj_sim.metrics.alert_opt_in_by_age_band`."""
    data = _chart_data(
        by_age_band, ("age_band", "alert_status", "accounts", "share"), "opt_in_by_age_band"
    ).with_columns(
        pl.col("alert_status")
        .replace_strict({status: index for index, status in enumerate(ALERT_STATUSES)})
        .alias("status_order")
    )
    chart: alt.Chart = (
        alt.Chart(data, title=CHART_TITLES["opt_in_by_age_band"], width=WIDTH, height=HEIGHT)
        .mark_bar()
        .encode(
            x=alt.X("age_band:N", title="Age band (years)", sort=list(AGE_BANDS)),
            y=alt.Y(
                "share:Q",
                title="Share of active accounts (%)",
                axis=alt.Axis(format="%"),
                stack="zero",
            ),
            color=_alert_colour("Alert choice"),
            order=alt.Order("status_order:Q"),
            tooltip=[
                alt.Tooltip("age_band:N", title="Age band"),
                alt.Tooltip("alert_status:N", title="Alert choice"),
                alt.Tooltip("accounts:Q", title="Accounts"),
                alt.Tooltip("share:Q", title="Share", format=".1%"),
            ],
        )
    )
    return chart


def utilisation_heatmap_chart(weekday_hour: pl.DataFrame) -> alt.Chart:
    """Heatmap of :func:`etj_sim.metrics.staff_time` with ``by=("weekday", "hour")``."""
    data = _chart_data(
        weekday_hour,
        ("weekday", "hour", "utilisation", "busy_minutes", "on_duty_minutes"),
        "utilisation_heatmap",
    ).with_columns(
        pl.col("weekday")
        .cast(pl.Int64)
        .replace_strict(dict(enumerate(WEEKDAY_NAMES)), return_dtype=pl.String)
        .alias("weekday_name")
    )
    chart: alt.Chart = (
        alt.Chart(data, title=CHART_TITLES["utilisation_heatmap"], width=WIDTH, height=HEIGHT)
        .mark_rect()
        .encode(
            x=alt.X("hour:O", title="Hour of day (start)"),
            y=alt.Y("weekday_name:O", title="Weekday", sort=list(WEEKDAY_NAMES)),
            color=alt.Color(
                "utilisation:Q",
                title="Utilisation (%)",
                scale=alt.Scale(scheme="viridis", domainMin=0),
                legend=alt.Legend(format="%"),
            ),
            tooltip=[
                alt.Tooltip("weekday_name:O", title="Weekday"),
                alt.Tooltip("hour:O", title="Hour"),
                alt.Tooltip("utilisation:Q", title="Utilisation", format=".1%"),
                alt.Tooltip("busy_minutes:Q", title="Busy minutes", format=",.0f"),
                alt.Tooltip("on_duty_minutes:Q", title="On-duty minutes", format=",.0f"),
            ],
        )
    )
    return chart


def backlog_chart(backlog: pl.DataFrame) -> alt.Chart:
    """Lines of :func:`etj_sim.metrics.backlog_over_time` (all clinics together)."""
    data = _chart_data(backlog, ("period_start", "backlog", "queue"), "backlog").unpivot(
        index="period_start", on=["backlog", "queue"], variable_name="measure", value_name="cases"
    )
    chart: alt.Chart = (
        alt.Chart(data, title=CHART_TITLES["backlog"], width=WIDTH, height=HEIGHT)
        .mark_line()
        .encode(
            x=alt.X("period_start:T", title="Date"),
            y=alt.Y("cases:Q", title="Open cases (cases)"),
            color=alt.Color(
                "measure:N",
                title="Measure",
                scale=alt.Scale(domain=["backlog", "queue"], range=[OKABE_ITO[0], OKABE_ITO[3]]),
            ),
            tooltip=[
                alt.Tooltip("period_start:T", title="Period start"),
                alt.Tooltip("measure:N", title="Measure"),
                alt.Tooltip("cases:Q", title="Cases"),
            ],
        )
    )
    return chart


def response_time_chart(distribution: pl.DataFrame) -> alt.Chart:
    """Bars of :func:`etj_sim.metrics.response_time_distribution`; the last bar is open-ended."""
    data = _chart_data(
        distribution, ("bin_start_hours", "bin_end_hours", "cases", "share"), "response_time"
    )
    width_hours = (
        float(data["bin_end_hours"][0] - data["bin_start_hours"][0]) if data.height > 1 else 1.0
    )
    data = data.with_columns(
        pl.col("bin_end_hours").fill_null(pl.col("bin_start_hours") + width_hours)
    )
    chart: alt.Chart = (
        alt.Chart(data, title=CHART_TITLES["response_time"], width=WIDTH, height=HEIGHT)
        .mark_bar(color=OKABE_ITO[0])
        .encode(
            x=alt.X("bin_start_hours:Q", title="Hours from case start to first answer (hours)"),
            x2="bin_end_hours:Q",
            y=alt.Y("cases:Q", title="Answered cases (cases)"),
            # With x and x2 both set, Vega-Lite reads a bar as horizontal unless y has a
            # baseline: give it one, so each bin is a column from zero.
            y2=alt.datum(0),
            tooltip=[
                alt.Tooltip("bin_start_hours:Q", title="From (hours)"),
                alt.Tooltip("bin_end_hours:Q", title="To (hours)"),
                alt.Tooltip("cases:Q", title="Cases"),
                alt.Tooltip("share:Q", title="Share", format=".1%"),
            ],
        )
    )
    return chart


def message_funnel_chart(funnel: pl.DataFrame) -> alt.Chart:
    """Horizontal bars of :func:`etj_sim.metrics.message_funnel`."""
    data = _chart_data(funnel, ("stage", "messages", "share"), "message_funnel")
    chart: alt.Chart = (
        alt.Chart(data, title=CHART_TITLES["message_funnel"], width=WIDTH, height=HEIGHT)
        .mark_bar(color=OKABE_ITO[0])
        .encode(
            y=alt.Y("stage:N", title="Stage", sort=list(FUNNEL_STAGES)),
            x=alt.X("messages:Q", title="Messages delivered at least 7 days before the end"),
            tooltip=[
                alt.Tooltip("stage:N", title="Stage"),
                alt.Tooltip("messages:Q", title="Messages"),
                alt.Tooltip("share:Q", title="Share of sent", format=".1%"),
            ],
        )
    )
    return chart


def scenario_comparison_chart(comparison: pl.DataFrame) -> alt.FacetChart:
    """Mean and confidence interval of each metric per scenario, one panel per metric.

    ``comparison`` has the columns ``scenario``, ``metric``, ``mean``, ``ci_low``, ``ci_high``
    (the experiments' statistics); each panel has its own x scale.
    """
    data = _chart_data(comparison, COMPARISON_COLUMNS, "scenario_comparison")
    base = alt.Chart(data).encode(
        y=alt.Y("scenario:N", title="Scenario"),
        color=alt.Color("scenario:N", title="Scenario", scale=alt.Scale(range=list(OKABE_ITO))),
    )
    interval = base.mark_rule(strokeWidth=2).encode(
        x=alt.X("ci_low:Q", title="Mean with confidence interval (metric units)"),
        x2="ci_high:Q",
    )
    points = base.mark_point(filled=True, size=60).encode(
        x="mean:Q",
        tooltip=[
            alt.Tooltip("scenario:N", title="Scenario"),
            alt.Tooltip("metric:N", title="Metric"),
            alt.Tooltip("mean:Q", title="Mean", format=".4g"),
            alt.Tooltip("ci_low:Q", title="CI low", format=".4g"),
            alt.Tooltip("ci_high:Q", title="CI high", format=".4g"),
        ],
    )
    chart: alt.FacetChart = (
        alt.layer(interval, points, width=WIDTH, height=60)
        .facet(row=alt.Row("metric:N", title="Metric"))
        .resolve_scale(x="independent")
        .properties(title=CHART_TITLES["scenario_comparison"])
    )
    return chart


def charts_of(
    frames: RunFrames, comparison: pl.DataFrame | None = None
) -> dict[str, alt.TopLevelMixin]:
    """Every run chart from prepared frames (``etj_sim.metrics.prepare``), keyed by name.

    The keys are those of :data:`CHART_TITLES`; ``scenario_comparison`` only with ``comparison``.
    """
    context = frames.context
    charts: dict[str, alt.TopLevelMixin] = {
        "read_curve": read_curve_chart(read_curve(frames.reads, context, max_days=30)),
        "opt_in_by_age_band": opt_in_by_age_band_chart(
            alert_opt_in_by_age_band(frames.final_states)
        ),
        "utilisation_heatmap": utilisation_heatmap_chart(
            staff_time(frames.events, context, frames.roster, by=("weekday", "hour"))
        ),
        "backlog": backlog_chart(backlog_over_time(frames.responses, context)),
        "response_time": response_time_chart(response_time_distribution(frames.responses)),
        "message_funnel": message_funnel_chart(message_funnel(frames.reads, context)),
    }
    if comparison is not None:
        charts["scenario_comparison"] = scenario_comparison_chart(comparison)
    return charts


def all_charts(
    events: pl.DataFrame,
    population: pl.DataFrame,
    context: MetricContext,
    roster: pl.DataFrame | None = None,
) -> dict[str, alt.TopLevelMixin]:
    """Every run chart of one run's frames, keyed by name (see :func:`charts_of`)."""
    return charts_of(prepare(events, population, context, roster))

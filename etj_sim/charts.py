"""Charts: metric frames in, altair charts out, in Swedish or English.

Pipeline position: ``metrics (frame -> frame) -> charts -> report / notebooks``. Each function takes
a small, already aggregated metric frame (see ``etj_sim.metrics``) and returns a chart; none
aggregates raw events, and each refuses a frame of more than :data:`MAX_CHART_ROWS` rows, so a
chart never embeds a region's event log. Only this module and ``etj_sim.report`` import altair.

Every title, axis title and category name comes from :mod:`etj_sim.i18n` in the chart's ``lang``;
the numbers on the axes follow the language when the chart is embedded with
:func:`etj_sim.i18n.vega_format_locale` (the report does this).

Style, chosen so that no chart misleads: one width and height; titles that say what is shown;
axis titles with units; labels written horizontally; shares on a percent axis; the
Okabe-Ito palette (readable with the common colour-vision deficiencies) with a fixed colour per
alert status across charts; the heatmap uses viridis. The backlog chart draws only open cases
(the queue, cases nobody has taken yet, equals it at the end of every day, since a case taken is
answered in the same sitting); the funnel is one cohort whose stages never rise; response times
run to about the 99th percentile with the service level drawn in; a comparison shows each
scenario's paired difference from the reference with its confidence interval, reference first.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any, Final

import altair as alt
import polars as pl

from etj_sim.i18n import DEFAULT_LANGUAGE, Language, phrase, term, unit_label, weekday_names
from etj_sim.metrics import (
    ALERT_STATUSES,
    DEFAULT_WITHIN_HOURS,
    FUNNEL_STAGES,
    SUMMARY_COLUMNS,
    MetricContext,
    RunFrames,
    alert_opt_in_by_age_band,
    backlog_over_time,
    label_of,
    message_funnel,
    prepare,
    read_curve,
    response_time_distribution,
    staff_time,
)
from etj_sim.scenario import AGE_BANDS

__all__ = [
    "CHART_NAMES",
    "CHART_TITLES",
    "COMPARISON_COLUMNS",
    "MAX_CHART_ROWS",
    "MAX_WORKLOAD_CLINICS",
    "all_charts",
    "backlog_chart",
    "chart_title",
    "charts_of",
    "message_funnel_chart",
    "opt_in_by_age_band_chart",
    "read_curve_chart",
    "response_time_chart",
    "response_time_range",
    "scenario_comparison_chart",
    "staff_workload_chart",
    "utilisation_heatmap_chart",
]

MAX_CHART_ROWS: Final = 5_000
"""No chart embeds more rows than this (altair's own default limit)."""

MAX_WORKLOAD_CLINICS: Final = 40
"""The workload chart shows at most this many clinics (the busiest), so that bars stay legible."""

WIDTH: Final = 520
HEIGHT: Final = 260

OKABE_ITO: Final = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#56B4E9", "#CC79A7", "#000000")
ALERT_COLOURS: Final = {"none": "#999999", "sms": "#0072B2", "email": "#E69F00", "both": "#009E73"}
COMPARISON_COLUMNS: Final = ("scenario", "metric", "difference", "ci_low", "ci_high")
"""The comparison chart's frame (:func:`etj_sim.comparison.comparison_frame` makes it)."""

CHART_NAMES: Final = (
    "read_curve",
    "opt_in_by_age_band",
    "utilisation_heatmap",
    "backlog",
    "response_time",
    "message_funnel",
    "staff_workload",
    "scenario_comparison",
)
"""Every chart, in the report's order; ``scenario_comparison`` only with a comparison."""


def chart_title(name: str, lang: Language = DEFAULT_LANGUAGE) -> str:
    """The title of chart ``name`` in ``lang``."""
    return phrase(f"chart.{name}", lang)


CHART_TITLES: Final = {name: chart_title(name, "en") for name in CHART_NAMES}
"""The English chart titles by name (``chart_title`` gives either language)."""


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


def _with_terms(frame: pl.DataFrame, column: str, kind: str, lang: Language) -> pl.DataFrame:
    """``frame`` with ``<column>_label``: each value's name in ``lang``."""
    values = frame[column].unique().to_list()
    names = {value: term(kind, str(value), lang) for value in values if value is not None}
    return frame.with_columns(
        pl.col(column)
        .replace_strict(names, default=None, return_dtype=pl.String)
        .alias(f"{column}_label")
    )


def _alert_colour(title: str, lang: Language) -> alt.Color:
    # The domain is the translated names in ALERT_STATUSES order; the colour of a status is the
    # same in every chart and language.
    return alt.Color(
        "alert_status_label:N",
        title=title,
        sort=[term("alert_status", status, lang) for status in ALERT_STATUSES],
        scale=alt.Scale(
            domain=[term("alert_status", status, lang) for status in ALERT_COLOURS],
            range=list(ALERT_COLOURS.values()),
        ),
    )


def _horizontal(title: str, **axis: Any) -> alt.Axis:
    return alt.Axis(title=title, labelAngle=0, **axis)


def read_curve_chart(curve: pl.DataFrame, lang: Language = DEFAULT_LANGUAGE) -> alt.Chart:
    """Lines of :func:`etj_sim.metrics.read_curve` (by alert status): share read by day."""
    data = _with_terms(
        _chart_data(
            curve,
            ("alert_status", "days_since_delivery", "read_share", "messages_eligible"),
            "read_curve",
        ),
        "alert_status",
        "alert_status",
        lang,
    )
    chart: alt.Chart = (
        alt.Chart(data, title=chart_title("read_curve", lang), width=WIDTH, height=HEIGHT)
        .mark_line(point=True)
        .encode(
            x=alt.X(
                "days_since_delivery:Q",
                title=phrase("axis.days_since_delivery", lang),
                axis=alt.Axis(labelAngle=0),
            ),
            y=alt.Y(
                "read_share:Q",
                title=phrase("axis.share_read", lang),
                axis=alt.Axis(format=".0%"),
                scale=alt.Scale(domain=[0, 1]),
            ),
            color=_alert_colour(phrase("axis.alert_status_at_delivery", lang), lang),
            tooltip=[
                alt.Tooltip("alert_status_label:N", title=phrase("axis.alert_status", lang)),
                alt.Tooltip(
                    "days_since_delivery:Q", title=phrase("axis.days_since_delivery", lang)
                ),
                alt.Tooltip("read_share:Q", title=phrase("axis.share_read", lang), format=".1%"),
                alt.Tooltip(
                    "messages_eligible:Q", title=phrase("axis.messages", lang), format=",.0f"
                ),
            ],
        )
    )
    return chart


def opt_in_by_age_band_chart(
    by_age_band: pl.DataFrame, lang: Language = DEFAULT_LANGUAGE
) -> alt.Chart:
    """Stacked bars of :func:`etj_sim.metrics.alert_opt_in_by_age_band`."""
    data = _with_terms(
        _chart_data(
            by_age_band, ("age_band", "alert_status", "accounts", "share"), "opt_in_by_age_band"
        ),
        "alert_status",
        "alert_status",
        lang,
    ).with_columns(
        pl.col("alert_status")
        .replace_strict({status: index for index, status in enumerate(ALERT_STATUSES)})
        .alias("status_order")
    )
    chart: alt.Chart = (
        alt.Chart(data, title=chart_title("opt_in_by_age_band", lang), width=WIDTH, height=HEIGHT)
        .mark_bar()
        .encode(
            x=alt.X(
                "age_band:N", sort=list(AGE_BANDS), axis=_horizontal(phrase("axis.age_band", lang))
            ),
            y=alt.Y(
                "share:Q",
                title=phrase("axis.share_of_active_accounts", lang),
                axis=alt.Axis(format=".0%"),
                stack="zero",
            ),
            color=_alert_colour(phrase("axis.alert_status", lang), lang),
            order=alt.Order("status_order:Q"),
            tooltip=[
                alt.Tooltip("age_band:N", title=phrase("axis.age_band", lang)),
                alt.Tooltip("alert_status_label:N", title=phrase("axis.alert_status", lang)),
                alt.Tooltip("accounts:Q", title=phrase("axis.accounts", lang), format=",.0f"),
                alt.Tooltip("share:Q", title=phrase("axis.share", lang), format=".1%"),
            ],
        )
    )
    return chart


def utilisation_heatmap_chart(
    weekday_hour: pl.DataFrame, lang: Language = DEFAULT_LANGUAGE
) -> alt.Chart:
    """Heatmap of :func:`etj_sim.metrics.staff_time` with ``by=("weekday", "hour")``."""
    names = weekday_names(lang)
    data = _chart_data(
        weekday_hour,
        ("weekday", "hour", "utilisation", "busy_minutes", "on_duty_minutes"),
        "utilisation_heatmap",
    ).with_columns(
        pl.col("weekday")
        .cast(pl.Int64)
        .replace_strict(dict(enumerate(names)), return_dtype=pl.String)
        .alias("weekday_name")
    )
    chart: alt.Chart = (
        alt.Chart(data, title=chart_title("utilisation_heatmap", lang), width=WIDTH, height=HEIGHT)
        .mark_rect()
        .encode(
            x=alt.X("hour:O", axis=_horizontal(phrase("axis.hour_of_day", lang))),
            y=alt.Y("weekday_name:O", title=phrase("axis.weekday", lang), sort=list(names)),
            color=alt.Color(
                "utilisation:Q",
                title=phrase("axis.utilisation", lang),
                scale=alt.Scale(scheme="viridis", domainMin=0),
                legend=alt.Legend(format=".0%"),
            ),
            tooltip=[
                alt.Tooltip("weekday_name:O", title=phrase("axis.weekday", lang)),
                alt.Tooltip("hour:O", title=phrase("axis.hour_of_day", lang)),
                alt.Tooltip("utilisation:Q", title=phrase("axis.utilisation", lang), format=".1%"),
                alt.Tooltip(
                    "busy_minutes:Q", title=phrase("axis.busy_minutes", lang), format=",.0f"
                ),
                alt.Tooltip(
                    "on_duty_minutes:Q", title=phrase("axis.on_duty_minutes", lang), format=",.0f"
                ),
            ],
        )
    )
    return chart


def backlog_chart(backlog: pl.DataFrame, lang: Language = DEFAULT_LANGUAGE) -> alt.Chart:
    """Open cases at the end of each day, from :func:`etj_sim.metrics.backlog_over_time`.

    One line: the backlog (started, not yet answered). The queue (not yet taken) is left out:
    at the end of a day it equals the backlog, and drawn on top it hid the other line.
    """
    data = _chart_data(backlog, ("period_start", "backlog", "cases_started"), "backlog")
    chart: alt.Chart = (
        alt.Chart(data, title=chart_title("backlog", lang), width=WIDTH, height=HEIGHT)
        .mark_line(color=OKABE_ITO[0], point=alt.OverlayMarkDef(size=12))
        .encode(
            x=alt.X("period_start:T", axis=_horizontal(phrase("axis.date", lang))),
            y=alt.Y("backlog:Q", title=phrase("axis.open_cases", lang)),
            tooltip=[
                alt.Tooltip("period_start:T", title=phrase("axis.date", lang)),
                alt.Tooltip("backlog:Q", title=term("measure", "open_cases", lang), format=",.0f"),
                alt.Tooltip(
                    "cases_started:Q", title=label_of("cases_started", lang), format=",.0f"
                ),
            ],
        )
    )
    return chart


def response_time_range(responses: pl.DataFrame) -> tuple[float, float]:
    """(bin width, last bin start) in hours for the response-time chart: to about the p99.

    The bins are 1, 2, 4 or 12 hours wide so that the axis holds 12 to 48 of them; the axis
    always reaches past the 48-hour service level.
    """
    answered = responses["response_hours"].drop_nulls()
    p99 = float(answered.quantile(0.99, "linear") or 0.0) if answered.len() else 0.0
    reach = max(p99, DEFAULT_WITHIN_HOURS + 1.0)
    for width in (1.0, 2.0, 4.0, 12.0):
        if reach / width <= 48:
            break
    return width, math.ceil(reach / width) * width


def response_time_chart(
    distribution: pl.DataFrame,
    lang: Language = DEFAULT_LANGUAGE,
    *,
    service_level_hours: float = DEFAULT_WITHIN_HOURS,
) -> alt.LayerChart:
    """Bars of :func:`etj_sim.metrics.response_time_distribution` and the service-level line.

    The last bar is open-ended (every later answer); give the distribution a ``max_hours`` near
    the 99th percentile (:func:`response_time_range`) so the axis ends where the data do.
    """
    data = _chart_data(
        distribution, ("bin_start_hours", "bin_end_hours", "cases", "share"), "response_time"
    )
    width_hours = (
        float(data["bin_end_hours"][0] - data["bin_start_hours"][0]) if data.height > 1 else 1.0
    )
    data = data.with_columns(
        pl.col("bin_end_hours").fill_null(pl.col("bin_start_hours") + width_hours)
    )
    last_end = data.select(pl.col("bin_end_hours").max()).item()
    end = max(float(last_end or 0.0), service_level_hours + width_hours)
    x_scale = alt.Scale(domain=[0, end], nice=False)
    bars = (
        alt.Chart(data)
        .mark_bar(color=OKABE_ITO[0])
        .encode(
            x=alt.X(
                "bin_start_hours:Q",
                scale=x_scale,
                axis=_horizontal(phrase("axis.response_hours", lang)),
            ),
            x2="bin_end_hours:Q",
            y=alt.Y("cases:Q", title=phrase("axis.answered_cases", lang)),
            # With x and x2 both set, Vega-Lite reads a bar as horizontal unless y has a
            # baseline: give it one, so each bin is a column from zero.
            y2=alt.datum(0),
            tooltip=[
                alt.Tooltip("bin_start_hours:Q", title=phrase("axis.from_hours", lang)),
                alt.Tooltip("bin_end_hours:Q", title=phrase("axis.to_hours", lang)),
                alt.Tooltip("cases:Q", title=phrase("axis.cases", lang), format=",.0f"),
                alt.Tooltip("share:Q", title=phrase("axis.share", lang), format=".1%"),
            ],
        )
    )
    level = pl.DataFrame(
        {
            "hours": [service_level_hours],
            "label": [phrase("axis.service_level", lang, hours=f"{service_level_hours:g}")],
        }
    )
    rule = (
        alt.Chart(level)
        .mark_rule(color=OKABE_ITO[3], strokeDash=[6, 3], strokeWidth=2)
        .encode(x=alt.X("hours:Q", scale=x_scale))
    )
    text = (
        alt.Chart(level)
        .mark_text(align="left", dx=4, dy=-4, baseline="top", color=OKABE_ITO[3])
        .encode(x=alt.X("hours:Q", scale=x_scale), y=alt.value(0), text="label:N")
    )
    chart = alt.LayerChart(
        layer=[bars, rule, text],
        title=chart_title("response_time", lang),
        width=WIDTH,
        height=HEIGHT,
    )
    return chart


def message_funnel_chart(funnel: pl.DataFrame, lang: Language = DEFAULT_LANGUAGE) -> alt.Chart:
    """Horizontal bars of :func:`etj_sim.metrics.message_funnel`, widest stage at the top."""
    data = _with_terms(
        _chart_data(funnel, ("stage", "messages", "share"), "message_funnel"),
        "stage",
        "funnel",
        lang,
    )
    order = [term("funnel", stage, lang) for stage in FUNNEL_STAGES]
    chart: alt.Chart = (
        alt.Chart(data, title=chart_title("message_funnel", lang), width=WIDTH, height=HEIGHT)
        .mark_bar(color=OKABE_ITO[0])
        .encode(
            y=alt.Y("stage_label:N", title=phrase("axis.stage", lang), sort=order),
            x=alt.X(
                "messages:Q",
                axis=_horizontal(phrase("axis.funnel_messages", lang), format=",.0f"),
            ),
            tooltip=[
                alt.Tooltip("stage_label:N", title=phrase("axis.stage", lang)),
                alt.Tooltip("messages:Q", title=phrase("axis.messages", lang), format=",.0f"),
                alt.Tooltip("share:Q", title=phrase("axis.share_of_sent", lang), format=".1%"),
            ],
        )
    )
    return chart


def staff_workload_chart(by_clinic: pl.DataFrame, lang: Language = DEFAULT_LANGUAGE) -> alt.Chart:
    """Handling and idle on-duty hours per clinic, from ``staff_time(by=("clinic",))``.

    At most :data:`MAX_WORKLOAD_CLINICS` clinics, the busiest by utilisation.
    """
    data = (
        _chart_data(
            by_clinic,
            ("clinic", "busy_minutes", "on_duty_minutes", "utilisation"),
            "staff_workload",
        )
        .filter(pl.col("clinic").is_not_null())
        .sort("utilisation", descending=True, nulls_last=True)
        .head(MAX_WORKLOAD_CLINICS)
        .select(
            pl.col("clinic").cast(pl.String).alias("clinic"),
            "utilisation",
            (pl.col("busy_minutes") / 60).alias("handling"),
            ((pl.col("on_duty_minutes") - pl.col("busy_minutes")).clip(lower_bound=0) / 60).alias(
                "idle"
            ),
        )
    )
    names = {
        "handling": phrase("axis.handling_hours", lang),
        "idle": phrase("axis.idle_hours", lang),
    }
    long = data.unpivot(
        index=["clinic", "utilisation"],
        on=["handling", "idle"],
        variable_name="part",
        value_name="hours",
    ).with_columns(pl.col("part").replace_strict(names, return_dtype=pl.String).alias("part_label"))
    chart: alt.Chart = (
        alt.Chart(long, title=chart_title("staff_workload", lang), width=WIDTH, height=HEIGHT)
        .mark_bar()
        .encode(
            y=alt.Y(
                "clinic:N",
                title=phrase("axis.clinic", lang),
                sort=data["clinic"].to_list(),
            ),
            x=alt.X(
                "hours:Q", stack="zero", axis=_horizontal(phrase("axis.hours", lang), format=",.0f")
            ),
            color=alt.Color(
                "part_label:N",
                title=phrase("axis.measure", lang),
                sort=list(names.values()),
                scale=alt.Scale(domain=list(names.values()), range=[OKABE_ITO[0], "#CCCCCC"]),
            ),
            order=alt.Order("part:N"),
            tooltip=[
                alt.Tooltip("clinic:N", title=phrase("axis.clinic", lang)),
                alt.Tooltip("part_label:N", title=phrase("axis.measure", lang)),
                alt.Tooltip("hours:Q", title=phrase("axis.hours", lang), format=",.1f"),
                alt.Tooltip("utilisation:Q", title=phrase("axis.utilisation", lang), format=".1%"),
            ],
        )
    )
    return chart


def _metric_heading(metric: str, lang: Language) -> str:
    column = SUMMARY_COLUMNS.get(metric)
    if column is None:
        return metric
    unit = (
        phrase("unit.percentage_points", lang)
        if column.unit == "share"
        else unit_label(column.unit, lang)
    )
    return f"{column.label.of(lang)} ({unit})"


def scenario_comparison_chart(
    comparison: pl.DataFrame, lang: Language = DEFAULT_LANGUAGE
) -> alt.FacetChart:
    """Each scenario's difference from the reference with its interval, one panel per metric.

    ``comparison`` has :data:`COMPARISON_COLUMNS` (``etj_sim.comparison.comparison_frame``): the
    reference first with difference 0 and no interval, then each scenario's mean paired
    difference and its confidence interval. Shares are drawn in percentage points; each panel
    has its own scale and a line at zero (no difference).
    """
    data = _chart_data(comparison, COMPARISON_COLUMNS, "scenario_comparison")
    scenarios = list(dict.fromkeys(data["scenario"].to_list()))
    share_metrics = [name for name, column in SUMMARY_COLUMNS.items() if column.unit == "share"]
    points = pl.when(pl.col("metric").is_in(share_metrics)).then(100.0).otherwise(1.0)
    data = data.with_columns(
        (pl.col(name).cast(pl.Float64) * points).alias(name)
        for name in ("difference", "ci_low", "ci_high")
    ).with_columns(
        pl.col("metric")
        .replace_strict({m: _metric_heading(m, lang) for m in data["metric"].unique()})
        .alias("metric_label")
    )
    metric_order = list(dict.fromkeys(data["metric_label"].to_list()))
    y = alt.Y("scenario:N", title=phrase("axis.scenario", lang), sort=scenarios)
    colour = alt.Color(
        "scenario:N",
        title=phrase("axis.scenario", lang),
        sort=scenarios,
        scale=alt.Scale(domain=scenarios, range=list(OKABE_ITO[: len(scenarios)] or OKABE_ITO)),
        legend=None,
    )
    base = alt.Chart().encode(y=y, color=colour)
    interval = base.mark_rule(strokeWidth=2).encode(
        x=alt.X("ci_low:Q", axis=_horizontal(phrase("axis.difference", lang))), x2="ci_high:Q"
    )
    marks = base.mark_point(filled=True, size=60).encode(
        x="difference:Q",
        tooltip=[
            alt.Tooltip("scenario:N", title=phrase("axis.scenario", lang)),
            alt.Tooltip("metric_label:N", title=phrase("axis.metric", lang)),
            alt.Tooltip("difference:Q", title=phrase("table.difference", lang), format=",.3~f"),
            alt.Tooltip("ci_low:Q", title=phrase("axis.ci_low", lang), format=",.3~f"),
            alt.Tooltip("ci_high:Q", title=phrase("axis.ci_high", lang), format=",.3~f"),
        ],
    )
    zero = alt.Chart().mark_rule(color="#666666", strokeDash=[4, 3]).encode(x=alt.datum(0))
    chart: alt.FacetChart = (
        alt.layer(zero, interval, marks, data=data, width=WIDTH, height=24 * len(scenarios) + 12)
        .facet(
            row=alt.Row(
                "metric_label:N",
                title=None,
                sort=metric_order,
                header=alt.Header(
                    labelAngle=0,
                    labelAlign="left",
                    labelAnchor="start",
                    labelOrient="top",
                    labelFontWeight="bold",
                ),
            )
        )
        .resolve_scale(x="independent")
        .properties(title=chart_title("scenario_comparison", lang))
    )
    return chart


def _response_distribution(frames: RunFrames) -> pl.DataFrame:
    width, last = response_time_range(frames.responses)
    return response_time_distribution(frames.responses, bin_hours=width, max_hours=last)


def charts_of(
    frames: RunFrames,
    comparison: pl.DataFrame | None = None,
    *,
    lang: Language = DEFAULT_LANGUAGE,
    names: Sequence[str] | None = None,
) -> dict[str, alt.TopLevelMixin]:
    """Every run chart from prepared frames (``etj_sim.metrics.prepare``), keyed by name.

    The keys are :data:`CHART_NAMES` in order; ``scenario_comparison`` only with ``comparison``.
    ``names`` builds only those charts, in that order (the dashboard shows four of the seven, and
    each one's table is measured only when it is drawn); an unknown name is a ``ValueError``.
    """
    context = frames.context
    builders: dict[str, Callable[[], alt.TopLevelMixin]] = {
        "read_curve": lambda: read_curve_chart(
            read_curve(frames.reads, context, max_days=30), lang
        ),
        "opt_in_by_age_band": lambda: opt_in_by_age_band_chart(
            alert_opt_in_by_age_band(frames.final_states), lang
        ),
        "utilisation_heatmap": lambda: utilisation_heatmap_chart(
            staff_time(frames.events, context, frames.roster, by=("weekday", "hour")), lang
        ),
        "backlog": lambda: backlog_chart(backlog_over_time(frames.responses, context), lang),
        "response_time": lambda: response_time_chart(_response_distribution(frames), lang),
        "message_funnel": lambda: message_funnel_chart(message_funnel(frames.reads, context), lang),
        "staff_workload": lambda: staff_workload_chart(
            staff_time(frames.events, context, frames.roster, by=("clinic",)), lang
        ),
    }
    if comparison is not None:
        builders["scenario_comparison"] = lambda: scenario_comparison_chart(comparison, lang)
    if names is None:
        names = list(builders)
    unknown = [name for name in names if name not in builders]
    if unknown:
        raise ValueError(f"names: no chart {unknown[0]!r}; the charts are {', '.join(builders)}")
    return {name: builders[name]() for name in names}


def all_charts(
    events: pl.DataFrame,
    population: pl.DataFrame,
    context: MetricContext,
    roster: pl.DataFrame | None = None,
    *,
    lang: Language = DEFAULT_LANGUAGE,
) -> dict[str, alt.TopLevelMixin]:
    """Every run chart of one run's frames, keyed by name (see :func:`charts_of`)."""
    return charts_of(prepare(events, population, context, roster), lang=lang)

"""Charts: each builds valid Vega-Lite with the expected encodings and a bounded data size."""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

import altair as alt
import polars as pl
import pytest

sys.path.insert(0, str(Path(__file__).parent / "metrics"))
from metric_builders import context, day_of_work, minutes, population

from etj_sim.charts import (
    CHART_TITLES,
    MAX_CHART_ROWS,
    all_charts,
    read_curve_chart,
    scenario_comparison_chart,
)
from etj_sim.events import empty_event_log

CONTEXT = context(days=14)
PEOPLE = population([date(1980, 1, 1), date(2019, 1, 1), date(1940, 1, 1)], sms=[True, False, True])


def build_log() -> pl.DataFrame:
    log = day_of_work()
    log.settings(minutes(2), 1, sms=False, email=True)
    return log.frame()


EXPECTED_ENCODINGS = {
    "read_curve": {"x": "days_since_delivery", "y": "read_share", "color": "alert_status"},
    "opt_in_by_age_band": {"x": "age_band", "y": "share", "color": "alert_status"},
    "utilisation_heatmap": {"x": "hour", "y": "weekday_name", "color": "utilisation"},
    "backlog": {"x": "period_start", "y": "cases", "color": "measure"},
    "response_time": {"x": "bin_start_hours", "x2": "bin_end_hours", "y": "cases"},
    "message_funnel": {"x": "messages", "y": "stage"},
}


@pytest.fixture(scope="module")
def charts() -> dict[str, alt.TopLevelMixin]:
    return all_charts(build_log(), PEOPLE, CONTEXT)


def test_all_charts_are_the_run_charts(charts: dict[str, alt.TopLevelMixin]) -> None:
    assert set(charts) == set(EXPECTED_ENCODINGS)


@pytest.mark.parametrize("name", sorted(EXPECTED_ENCODINGS))
def test_chart_is_valid_vega_lite_with_expected_encodings(
    charts: dict[str, alt.TopLevelMixin], name: str
) -> None:
    spec = charts[name].to_dict(validate=True)
    assert spec["title"] == CHART_TITLES[name]
    fields = {channel: spec["encoding"][channel]["field"] for channel in EXPECTED_ENCODINGS[name]}
    assert fields == EXPECTED_ENCODINGS[name]
    for channel in ("x", "y"):
        assert spec["encoding"][channel]["title"], f"{name}: {channel} has no axis title"
    data = spec["datasets"][spec["data"]["name"]]
    assert 0 < len(data) <= MAX_CHART_ROWS


def test_response_time_bins_are_columns_from_zero(charts: dict[str, alt.TopLevelMixin]) -> None:
    # x and x2 alone make Vega-Lite draw thin horizontal bars; y2 = 0 makes them columns.
    encoding = charts["response_time"].to_dict()["encoding"]
    assert encoding["y2"] == {"datum": 0}


def test_alert_colours_are_the_same_in_every_chart(charts: dict[str, alt.TopLevelMixin]) -> None:
    scales = [
        charts[name].to_dict()["encoding"]["color"]["scale"]
        for name in ("read_curve", "opt_in_by_age_band")
    ]
    assert scales[0] == scales[1]
    assert scales[0]["domain"] == ["none", "sms", "email", "both"]


def test_heatmap_holds_the_shift_hours() -> None:
    spec = all_charts(build_log(), PEOPLE, CONTEXT)["utilisation_heatmap"].to_dict()
    rows = spec["datasets"][spec["data"]["name"]]
    assert sorted(row["hour"] for row in rows) == list(range(8, 17))
    busy = {row["hour"]: row["busy_minutes"] for row in rows}
    assert busy[9] == 8.0


def test_charts_of_an_empty_log_still_build() -> None:
    charts = all_charts(empty_event_log(), PEOPLE, CONTEXT)
    for name, chart in charts.items():
        assert chart.to_dict(validate=True)["title"] == CHART_TITLES[name]


def test_scenario_comparison_has_intervals_per_metric() -> None:
    comparison = pl.DataFrame(
        {
            "scenario": ["baseline", "nudge", "baseline", "nudge"],
            "metric": ["read_share_7d", "read_share_7d", "backlog_end", "backlog_end"],
            "mean": [0.6, 0.7, 10.0, 8.0],
            "ci_low": [0.55, 0.66, 8.0, 6.5],
            "ci_high": [0.65, 0.74, 12.0, 9.5],
        }
    )
    spec = scenario_comparison_chart(comparison).to_dict(validate=True)
    assert spec["facet"]["row"]["field"] == "metric"
    assert spec["resolve"]["scale"]["x"] == "independent"
    rule, point = spec["spec"]["layer"]
    assert (rule["encoding"]["x"]["field"], rule["encoding"]["x2"]["field"]) == (
        "ci_low",
        "ci_high",
    )
    assert point["encoding"]["x"]["field"] == "mean"
    with pytest.raises(ValueError, match=r"lacks column\(s\) \['ci_high'\]"):
        scenario_comparison_chart(comparison.drop("ci_high"))


def test_too_many_rows_is_refused() -> None:
    curve = pl.DataFrame(
        {
            "alert_status": ["none"] * (MAX_CHART_ROWS + 1),
            "days_since_delivery": range(MAX_CHART_ROWS + 1),
            "read_share": [0.5] * (MAX_CHART_ROWS + 1),
            "messages_eligible": [1] * (MAX_CHART_ROWS + 1),
        }
    )
    with pytest.raises(ValueError, match="aggregate it first"):
        read_curve_chart(curve)

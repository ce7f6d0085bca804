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
    chart_title,
    read_curve_chart,
    response_time_range,
    scenario_comparison_chart,
)
from etj_sim.events import empty_event_log
from etj_sim.metrics import case_responses

CONTEXT = context(days=14)
PEOPLE = population([date(1980, 1, 1), date(2019, 1, 1), date(1940, 1, 1)], sms=[True, False, True])


def build_log() -> pl.DataFrame:
    log = day_of_work()
    log.settings(minutes(2), 1, sms=False, email=True)
    return log.frame()


EXPECTED_ENCODINGS = {
    "read_curve": {"x": "days_since_delivery", "y": "read_share", "color": "alert_status_label"},
    "opt_in_by_age_band": {"x": "age_band", "y": "share", "color": "alert_status_label"},
    "utilisation_heatmap": {"x": "hour", "y": "weekday_name", "color": "utilisation"},
    "backlog": {"x": "period_start", "y": "backlog"},
    "message_funnel": {"x": "messages", "y": "stage_label"},
    "staff_workload": {"x": "hours", "y": "clinic", "color": "part_label"},
}
LAYERED = {"response_time"}


@pytest.fixture(scope="module")
def charts() -> dict[str, alt.TopLevelMixin]:
    return all_charts(build_log(), PEOPLE, CONTEXT)


def test_all_charts_are_the_run_charts(charts: dict[str, alt.TopLevelMixin]) -> None:
    assert set(charts) == set(EXPECTED_ENCODINGS) | LAYERED


@pytest.mark.parametrize("name", sorted(EXPECTED_ENCODINGS))
def test_chart_is_valid_vega_lite_with_expected_encodings(
    charts: dict[str, alt.TopLevelMixin], name: str
) -> None:
    spec = charts[name].to_dict(validate=True)
    assert spec["title"] == CHART_TITLES[name]
    assert "layer" not in spec
    fields = {channel: spec["encoding"][channel]["field"] for channel in EXPECTED_ENCODINGS[name]}
    assert fields == EXPECTED_ENCODINGS[name]
    for channel in ("x", "y"):
        encoding = spec["encoding"][channel]
        title = encoding.get("title") or encoding.get("axis", {}).get("title")
        assert title, f"{name}: {channel} has no axis title"
    data = spec["datasets"][spec["data"]["name"]]
    assert 0 < len(data) <= MAX_CHART_ROWS


def test_response_time_bins_are_columns_from_zero_with_the_service_level(
    charts: dict[str, alt.TopLevelMixin],
) -> None:
    spec = charts["response_time"].to_dict(validate=True)
    bars, rule, label = spec["layer"]
    # x and x2 alone make Vega-Lite draw thin horizontal bars; y2 = 0 makes them columns.
    assert bars["encoding"]["y2"] == {"datum": 0}
    assert bars["encoding"]["x"]["axis"]["labelAngle"] == 0
    level = spec["datasets"][rule["data"]["name"]]
    assert level[0]["hours"] == 48.0
    assert label["mark"]["type"] == "text"


def test_response_time_axis_ends_near_the_99th_percentile() -> None:
    log = day_of_work()
    responses = case_responses(log.frame(), CONTEXT)
    width, last = response_time_range(responses)
    # Short answers: the axis still reaches past the 48-hour service level (2-hour bins).
    assert (width, last) == (2.0, 50.0)
    long = responses.with_columns(pl.lit(150.0).alias("response_hours"))
    assert response_time_range(long) == (4.0, 152.0)


def test_labels_are_horizontal_and_in_the_language() -> None:
    swedish = all_charts(build_log(), PEOPLE, CONTEXT, lang="sv")
    for name in ("opt_in_by_age_band", "utilisation_heatmap"):
        spec = swedish[name].to_dict()
        assert spec["encoding"]["x"]["axis"]["labelAngle"] == 0, name
        assert spec["title"] == chart_title(name, "sv")
    heatmap = swedish["utilisation_heatmap"].to_dict()
    rows = heatmap["datasets"][heatmap["data"]["name"]]
    assert {row["weekday_name"] for row in rows} <= {
        "mån",
        "tis",
        "ons",
        "tors",
        "fre",
        "lör",
        "sön",
    }


def test_alert_colours_are_the_same_in_every_chart(charts: dict[str, alt.TopLevelMixin]) -> None:
    scales = [
        charts[name].to_dict()["encoding"]["color"]["scale"]
        for name in ("read_curve", "opt_in_by_age_band")
    ]
    assert scales[0] == scales[1]
    assert scales[0]["domain"] == ["no alerts", "SMS", "e-mail", "SMS and e-mail"]
    swedish = read_curve_chart(
        pl.DataFrame(
            {
                "alert_status": ["sms"],
                "days_since_delivery": [1],
                "read_share": [0.5],
                "messages_eligible": [3],
            }
        ),
        "sv",
    ).to_dict()["encoding"]["color"]["scale"]
    assert swedish["range"] == scales[0]["range"]
    assert swedish["domain"][0] == "inga aviseringar"


def test_heatmap_holds_the_shift_hours() -> None:
    spec = all_charts(build_log(), PEOPLE, CONTEXT)["utilisation_heatmap"].to_dict()
    rows = spec["datasets"][spec["data"]["name"]]
    assert sorted(row["hour"] for row in rows) == list(range(8, 17))
    busy = {row["hour"]: row["busy_minutes"] for row in rows}
    assert busy[9] == 8.0


def test_charts_of_an_empty_log_still_build() -> None:
    charts = all_charts(empty_event_log(), PEOPLE, CONTEXT)
    for name, chart in charts.items():
        title = chart.to_dict(validate=True)["title"]
        assert (title if isinstance(title, str) else title["text"]) == CHART_TITLES[name]


def test_scenario_comparison_shows_differences_reference_first() -> None:
    comparison = pl.DataFrame(
        {
            "scenario": ["baseline", "nudge", "baseline", "nudge"],
            "metric": [*["read_share_7d"] * 2, *["p90_response_hours"] * 2],
            "difference": [0.0, 0.1, 0.0, -2.0],
            "ci_low": [None, 0.08, None, -3.0],
            "ci_high": [None, 0.12, None, -1.0],
        }
    )
    spec = scenario_comparison_chart(comparison).to_dict(validate=True)
    assert spec["facet"]["row"]["field"] == "metric_label"
    assert spec["facet"]["row"]["header"]["labelAngle"] == 0
    assert spec["resolve"]["scale"]["x"] == "independent"
    zero, rule, point = spec["spec"]["layer"]
    assert zero["encoding"]["x"] == {"datum": 0}
    assert (rule["encoding"]["x"]["field"], rule["encoding"]["x2"]["field"]) == (
        "ci_low",
        "ci_high",
    )
    assert point["encoding"]["x"]["field"] == "difference"
    assert point["encoding"]["y"]["sort"] == ["baseline", "nudge"]
    rows = spec["datasets"][spec["data"]["name"]]
    # Shares in percentage points; other units as they are.
    shares = [
        row for row in rows if row["metric"] == "read_share_7d" and row["scenario"] == "nudge"
    ]
    assert shares[0]["difference"] == pytest.approx(10.0)
    assert shares[0]["metric_label"] == "Read within 7 days (pp)"
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

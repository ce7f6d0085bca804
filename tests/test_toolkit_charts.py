"""Charts of the decision and research tools: valid Vega-Lite, the data the tools returned.

Pipeline position: tests of etj_sim.toolkit_charts, on small frames shaped as the staffing
advisor, the sensitivity analysis and the calibration return them; each chart is also rendered
to SVG with the bundled vl-convert, as the notebooks do.
"""

from __future__ import annotations

from typing import Any

import polars as pl
import vl_convert

from etj_sim.toolkit_charts import calibration_chart, morris_chart, sobol_chart, staffing_chart


def _data(spec: dict[str, Any]) -> list[dict[str, Any]]:
    return [row for values in spec["datasets"].values() for row in values]


def test_staffing_chart_draws_each_level_with_its_interval_and_the_target() -> None:
    table = pl.DataFrame(
        {
            "clinic": ["all", "all", "0", "0"],
            "level": [1, 2, 1, 2],
            "n": [20, 7, 20, 7],
            "mean": [1.55, 1.21, 1.67, 1.25],
            "ci_low": [1.52, 1.16, 1.54, 1.10],
            "ci_high": [1.59, 1.26, 1.79, 1.40],
            "decision": ["fails", "meets", "fails", "meets"],
        }
    )
    chart = staffing_chart(table, "median_response_hours<=1.5", 1.5)
    spec = chart.to_dict(validate=True)
    rows = _data(spec)
    assert {"target": 1.5} in rows
    assert sum(1 for row in rows if "level" in row) == 4
    assert spec["layer"][0]["mark"]["type"] == "rule"  # the intervals
    assert "<svg" in vl_convert.vegalite_to_svg(spec)


def test_morris_chart_orders_parameters_by_mu_star() -> None:
    indices = pl.DataFrame(
        {
            "parameter": ["a", "b", "c"],
            "mu": [12.0, 4.0, 0.0],
            "mu_star": [12.0, 4.0, 0.0],
            "sigma": [1.2, 1.1, 0.0],
            "mu_star_conf": [0.5, 0.4, 0.0],
        }
    )
    spec = morris_chart(indices).to_dict(validate=True)
    assert spec["layer"][0]["encoding"]["y"]["sort"] == ["a", "b", "c"]
    assert "<svg" in vl_convert.vegalite_to_svg(spec)


def test_sobol_and_calibration_charts_build() -> None:
    sobol = pl.DataFrame(
        {
            "parameter": ["a", "b", "a", "b"],
            "index": ["S1", "S1", "ST", "ST"],
            "value": [0.3, 0.4, 0.55, 0.44],
            "conf": [0.05, 0.05, 0.06, 0.04],
        }
    )
    spec = sobol_chart(sobol).to_dict(validate=True)
    assert len(_data(spec)) == 4
    ranges = pl.DataFrame(
        {
            "parameter": ["behaviour.never_read_share"],
            "prior_low": [0.02],
            "prior_high": [0.3],
            "plausible_low": [0.02],
            "plausible_high": [0.13],
            "best": [0.083],
        }
    )
    spec = calibration_chart(ranges).to_dict(validate=True)
    assert _data(spec)[0]["best"] == 0.083
    assert "<svg" in vl_convert.vegalite_to_svg(spec)

"""Notebook tables: labels, units and numbers in the language's way; no dtype rows."""

from __future__ import annotations

import polars as pl

from etj_sim.comparison import compare_runs
from etj_sim.tables import comparison_table, formatted_table, headline_table, statistics_table

SUMMARY = pl.DataFrame(
    {"population": [50_000], "read_share_7d": [0.8234], "p90_response_hours": [26.97]}
)
BASELINE = pl.DataFrame(
    {"population": [50_000], "read_share_7d": [0.8], "p90_response_hours": [30.0]}
)
RUNS = pl.DataFrame(
    {
        "design_point": [0, 0, 1, 1],
        "design_label": ["baseline", "baseline", "nudge", "nudge"],
        "seed": [1, 2, 1, 2],
        "read_share_7d": [0.60, 0.62, 0.70, 0.71],
    }
)
NBSP = "\u00a0"


def _html(table: object) -> str:
    return table.as_raw_html()  # type: ignore[attr-defined,no-any-return]


def test_headline_table_has_labels_units_and_formatted_values() -> None:
    page = _html(headline_table(SUMMARY, "en"))
    for text in ("People", "50,000", "persons", "Read within 7 days", "82.3%", "27.0", "hours"):
        assert text in page, text
    assert "read_share_7d" not in page
    assert "Float64" not in page
    assert "shape" not in page


def test_headline_table_against_a_reference_in_swedish() -> None:
    page = _html(headline_table(SUMMARY, "sv", reference=BASELINE, reference_label="baslinje"))
    assert "baslinje" in page
    assert f"82,3{NBSP}%" in page
    assert "+2,3 procentenheter" in page
    assert "-3,0" in page  # hours faster than the reference


def test_comparison_tables_levels_and_paired_differences() -> None:
    comparison = compare_runs(RUNS)
    levels = _html(comparison_table(comparison, "en"))
    assert "61.0% (" in levels
    assert "70.5%" in levels
    changes = _html(comparison_table(comparison, "en", differences=True))
    assert "Reference" in changes
    assert "+9.5 pp" in changes


def test_statistics_and_any_frame() -> None:
    comparison = compare_runs(RUNS)
    page = _html(statistics_table(comparison.statistics, "en"))
    assert "Scenario" in page
    assert "nudge" in page
    assert "Read within 7 days" in page
    frame = pl.DataFrame({"replication": [0, 1], "seed": [11, 12], "read_share_7d": [0.5, 0.25]})
    formatted = _html(formatted_table(frame, "sv"))
    assert f"50,0{NBSP}%" in formatted
    assert "Lästa inom 7 dagar" in formatted
    assert ">11<" in formatted

"""Exports: summary.csv and summary.xlsx of a run, statistics files of a batch."""

from __future__ import annotations

import re
import sys
import zipfile
from datetime import date
from pathlib import Path

import polars as pl

sys.path.insert(0, str(Path(__file__).parent / "metrics"))
from metric_builders import context, day_of_work, population

from etj_sim.exports import (
    metric_tables,
    summary_long,
    write_statistics_exports,
    write_summary_exports,
)
from etj_sim.metrics import SUMMARY_COLUMNS, prepare, summary_of

CONTEXT = context(days=14)
PEOPLE = population([date(1980, 1, 1), date(2019, 1, 1), date(1940, 1, 1)], sms=[True, False, True])


def _sheets(path: Path) -> list[str]:
    with zipfile.ZipFile(path) as workbook:
        return re.findall(r'<sheet name="([^"]+)"', workbook.read("xl/workbook.xml").decode())


def test_summary_files_hold_every_headline_metric_and_the_tables(tmp_path: Path) -> None:
    frames = prepare(day_of_work().frame(), PEOPLE, CONTEXT)
    summary = summary_of(frames)
    paths = write_summary_exports(tmp_path, summary, frames, lang="sv")
    assert [path.name for path in paths] == ["summary.csv", "summary.xlsx"]
    exported = pl.read_csv(tmp_path / "summary.csv")
    assert exported["metric"].to_list() == list(SUMMARY_COLUMNS)
    assert exported.columns == ["metric", "label", "value", "unit", "meaning"]
    row = exported.filter(pl.col("metric") == "population").row(0, named=True)
    assert (row["label"], row["value"], row["unit"]) == ("Personer", 3.0, "personer")
    assert _sheets(tmp_path / "summary.xlsx") == ["summary", *metric_tables(frames)]
    assert all(len(name) <= 31 for name in metric_tables(frames))


def test_summary_long_follows_the_registry() -> None:
    summary = pl.DataFrame({"read_share_7d": [0.5], "population": [3]})
    long = summary_long(summary, "en")
    # The registry's order, whatever the frame's.
    assert long["metric"].to_list() == ["population", "read_share_7d"]
    assert long["unit"].to_list() == ["persons", "%"]


def test_statistics_files(tmp_path: Path) -> None:
    statistics = pl.DataFrame(
        {"design_point": [0], "design_label": ["base"], "metric": ["read_share_7d"], "mean": [0.6]}
    )
    runs = pl.DataFrame({"design_point": [0], "seed": [1], "read_share_7d": [0.6]})
    write_statistics_exports(tmp_path, statistics, runs=runs, lang="en")
    assert pl.read_csv(tmp_path / "statistics.csv")["label"].to_list() == ["Read within 7 days"]
    assert _sheets(tmp_path / "statistics.xlsx") == ["statistics", "runs"]

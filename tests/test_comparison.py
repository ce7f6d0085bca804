"""Comparing runs: reading run and experiment folders, pairing by seed, reference first."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest

from etj_sim.comparison import ComparisonInputError, compare_runs, load_runs

RESULTS = pl.DataFrame(
    {
        "design_point": [0, 0, 0, 1, 1, 1],
        "design_label": ["low", "low", "low", "high", "high", "high"],
        "replication": [0, 1, 2, 0, 1, 2],
        "seed": [5, 6, 7, 5, 6, 7],
        "run_id": ["a", "b", "c", "d", "e", "f"],
        "read_share_7d": [0.60, 0.65, 0.62, 0.70, 0.74, 0.73],
        "cases_started": [100, 120, 110, 100, 120, 110],
    }
)


def test_an_experiment_folder_gives_its_design_points(tmp_path: Path) -> None:
    RESULTS.write_parquet(tmp_path / "results.parquet")
    runs = load_runs([tmp_path])
    assert runs.select("design_point", "design_label").unique(maintain_order=True).rows() == [
        (0, "low"),
        (1, "high"),
    ]
    comparison = compare_runs(runs)
    share = comparison.differences.filter(pl.col("metric") == "read_share_7d").row(0, named=True)
    assert share["pairs"] == 3
    assert share["difference"] == pytest.approx((0.10 + 0.09 + 0.11) / 3)
    assert share["ci_low"] < share["difference"] < share["ci_high"]
    # Demand did not change: the paired difference is exactly zero, its interval too.
    cases = comparison.differences.filter(pl.col("metric") == "cases_started").row(0, named=True)
    assert (cases["difference"], cases["ci_low"], cases["ci_high"]) == (0.0, 0.0, 0.0)
    assert comparison.chart_frame()["scenario"].to_list()[:2] == ["low", "low"]


def test_another_reference_comes_first(tmp_path: Path) -> None:
    RESULTS.write_parquet(tmp_path / "results.parquet")
    comparison = compare_runs(load_runs([tmp_path]), reference=1)
    assert comparison.reference_label == "high"
    assert comparison.statistics["design_label"].to_list()[0] == "high"
    assert comparison.differences["design_label"].unique().to_list() == ["low"]


def test_damaged_folders_are_named(tmp_path: Path) -> None:
    run = tmp_path / "run"
    run.mkdir()
    (run / "run.json").write_text(json.dumps({"scenario": "x"}), encoding="utf-8")
    with pytest.raises(ComparisonInputError, match=r"run: cannot read the saved run"):
        load_runs([run])
    with pytest.raises(ComparisonInputError, match=r"no such folder"):
        load_runs([tmp_path / "missing"])
    with pytest.raises(ComparisonInputError, match=r"at least one"):
        load_runs([])

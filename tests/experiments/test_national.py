"""The national design: regions as shards, and the combiner of regional summaries."""

from __future__ import annotations

import polars as pl
import pytest

from etj_sim.experiments import (
    Experiment,
    NationalRegionsDesign,
    combine_regions,
    national_experiment,
    run_experiment,
    summarise,
)
from etj_sim.experiments.national import REGIONS, SWEDEN_POPULATION_2024, region_entries
from etj_sim.scenario import Scenario

from .stand_in import stand_in_run

SCALE = 1 / 2000


def test_regions_table_covers_sweden() -> None:
    assert len(REGIONS) == 21
    assert len({region.code for region in REGIONS}) == 21
    total = sum(region.population for region in REGIONS)
    # Most figures are approximate (see the table): within 1% of SCB's national total.
    assert abs(total - SWEDEN_POPULATION_2024) / SWEDEN_POPULATION_2024 < 0.01


def test_one_scaled_scenario_per_region(baseline: Scenario) -> None:
    experiment = national_experiment(baseline, scale=SCALE, replications=2, master_seed=3)
    points = experiment.design_points()
    assert [point.label for point in points] == [region.name for region in REGIONS]
    assert [point.scenario.population.size for point in points] == [
        max(1, round(region.population * SCALE)) for region in REGIONS
    ]
    profiles = {point.label: point.scenario.population.profile for point in points}
    assert profiles.pop("Stockholm") == "stockholm_county"
    assert set(profiles.values()) == {"sweden"}
    stockholm = points[0].scenario
    # Clinics keep baseline's residents per clinic: 1,237 people / 10,000 -> 1 clinic; full size
    # Stockholm (2,473,307 people) -> 247.
    assert stockholm.clinics.count == 1
    full = region_entries(baseline, 1.0, ["Stockholm"])[0]
    assert full.overrides["clinics.count"] == round(2_473_307 / 10_000)


def test_regions_of_a_replication_have_distinct_seeds_kept_across_policies(
    baseline: Scenario,
) -> None:
    experiment = national_experiment(baseline, scale=SCALE, replications=2)
    first_replication = [run.seed for run in experiment.runs() if run.replication == 0]
    assert len(set(first_replication)) == 21
    nudged = national_experiment(
        baseline.with_overrides({"behaviour.opt_in_nudge_share": 0.1}), scale=SCALE, replications=2
    )
    # Common random numbers between national alternatives: region by region, same seeds.
    assert [run.seed for run in nudged.runs()] == [run.seed for run in experiment.runs()]


def test_national_regions_design_expands_like_the_function(baseline: Scenario) -> None:
    from_file_kind = Experiment(
        base=baseline,
        design=NationalRegionsDesign(scale=SCALE, regions=["01", "Gotland"]),
        replications=1,
    )
    labels = [point.label for point in from_file_kind.design_points()]
    assert labels == ["Stockholm", "Gotland"]
    with pytest.raises(ValueError, match="unknown region 'Atlantis'"):
        Experiment(base=baseline, design=NationalRegionsDesign(regions=["Atlantis"]))


def _regional_runs() -> pl.DataFrame:
    return pl.DataFrame(
        {
            "design_point": [0, 1, 0, 1],
            "design_label": ["A", "B", "A", "B"],
            "replication": [0, 0, 1, 1],
            "population": [1000, 3000, 1000, 3000],
            "active_account_share": [0.8, 0.6, 0.8, 0.6],
            "alert_opt_in_share": [0.5, 0.7, 0.5, 0.7],
            "messages_sent": [100, 500, 120, 480],
            "read_share_7d": [0.9, 0.6, 0.9, 0.6],
            "cases_started": [10, 30, 12, 28],
            "median_response_hours": [2.0, 6.0, 2.0, 6.0],
        }
    )


def test_combiner_sums_counts_and_weights_shares() -> None:
    national = combine_regions(_regional_runs())
    first = national.filter(pl.col("replication") == 0).row(0, named=True)
    assert first["regions"] == 2
    assert first["population"] == 4000
    assert first["messages_sent"] == 600
    assert first["cases_started"] == 40
    # Shares of people: population weights (800 + 1800) / 4000.
    assert first["active_account_share"] == pytest.approx(0.65)
    # Shares of active accounts: weights 800 and 1800 -> (400 + 1260) / 2600.
    assert first["alert_opt_in_share"] == pytest.approx(1660 / 2600)
    # Shares of messages: weights 100 and 500 -> (90 + 300) / 600.
    assert first["read_share_7d"] == pytest.approx(0.65)
    assert first["median_response_hours"] == pytest.approx((20 + 180) / 40)
    assert national.get_column("design_label").to_list() == ["Sweden", "Sweden"]
    table = summarise(national, ["population"])
    assert table.row(0, named=True)["mean"] == 4000


def test_combiner_drops_incomplete_replications() -> None:
    runs = _regional_runs().filter(~((pl.col("replication") == 1) & (pl.col("design_point") == 1)))
    with pytest.warns(UserWarning, match=r"replication\(s\) \[1\] lack some of the 2 regions"):
        national = combine_regions(runs)
    assert national.get_column("replication").to_list() == [0]


def test_scaled_national_run_combines_to_the_scaled_population(baseline: Scenario) -> None:
    experiment = national_experiment(baseline, scale=SCALE, replications=2, master_seed=5)
    result = run_experiment(experiment, workers=1, progress=False, run=stand_in_run)
    assert result.runs.height == 42
    national = combine_regions(result.runs)
    expected = sum(point.scenario.population.size for point in experiment.design_points())
    assert national.get_column("population").to_list() == [expected, expected]
    regional = (
        result.runs.group_by("replication").agg(pl.col("messages_sent").sum()).sort("replication")
    )
    assert national.get_column("messages_sent").to_list() == regional["messages_sent"].to_list()

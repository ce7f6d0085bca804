"""The benefit table of appointment notices (``etj_sim.experiments.benefit``).

Pipeline position: tests of ``two scenarios -> run_experiment -> benefit table``: paired
replications with common random numbers, savings as reference minus scenario.
"""

from __future__ import annotations

import math

import polars as pl
import pytest

from etj_sim.experiments import benefit_table
from etj_sim.experiments.benefit import BENEFITS, benefit_of_runs
from etj_sim.scenario import Scenario

SMALL = Scenario(name="digital-only", duration_days=42).with_overrides(
    {
        "population.size": 3_000,
        "clinics.count": 2,
        "outreach.appointment_notices_per_person_per_year": 6.0,
        "outreach.digital_notice_share": 0.9,
        "notices.without_account": "hold",
    }
)
FALLBACK = SMALL.with_overrides({"name": "fallback-48h", "notices.fallback_after_hours": 48.0})


def test_fallback_costs_letters_and_kronor_and_avoids_missed_visits() -> None:
    table = benefit_table(FALLBACK, SMALL, replications=3, workers=1)
    assert table["benefit"].to_list() == list(BENEFITS)
    rows = {row["benefit"]: row for row in table.iter_rows(named=True)}
    assert all(row["replications"] == 3 for row in rows.values())
    # Savings are reference minus scenario: the fallback's letters are a negative saving.
    assert rows["letters_saved"]["ci_high"] < 0
    assert rows["kronor_saved"]["ci_high"] < 0
    assert rows["staff_hours_saved"]["mean"] < 0
    assert rows["missed_visits_avoided"]["mean"] > 0
    for row in rows.values():
        assert row["ci_low"] <= row["mean"] <= row["ci_high"]
        assert math.isclose(row["mean"], row["reference_mean"] - row["scenario_mean"])
    swedish = benefit_of_runs(
        pl.DataFrame(
            {
                "design_point": [0, 1],
                "replication": [0, 0],
                **{b.column: [1.0, 1.0] for b in BENEFITS.values()},
            }
        ),
        lang="sv",
    )
    assert swedish["label"][0] == "Sparade brev"


def test_a_scenario_against_itself_saves_exactly_nothing() -> None:
    table = benefit_table(SMALL, SMALL, replications=2, workers=1)
    assert table["mean"].to_list() == [0.0] * len(BENEFITS)
    assert table["ci_low"].to_list() == [0.0] * len(BENEFITS)


def test_a_run_table_without_the_benefit_columns_is_refused() -> None:
    with pytest.raises(ValueError, match="lacks the column"):
        benefit_of_runs(pl.DataFrame({"design_point": [0, 1], "replication": [0, 0]}))
    with pytest.raises(TypeError, match="Scenario"):
        benefit_table("baseline", SMALL)  # type: ignore[arg-type]

"""Demand plans (F1 arrivals) and the citizens' columns, checked against their definitions."""

from __future__ import annotations

from datetime import date

import numpy as np
import polars as pl
import pytest

from etj_sim.population import synthesize_population
from etj_sim.scenario import Scenario
from etj_sim.simulation.citizens import Citizens
from etj_sim.simulation.demand import DemandPlanner

SCENARIO = Scenario(name="demand", duration_days=60).with_overrides(
    {"population.size": 4_000, "clinics.count": 3}
)


@pytest.fixture(scope="module")
def citizens() -> Citizens:
    population = synthesize_population(SCENARIO, 3)
    return Citizens.from_population(population.people, population.guardianships, SCENARIO)


def test_arrival_count_matches_the_poisson_rate(citizens: Citizens) -> None:
    planner = DemandPlanner(SCENARIO, citizens, seed=5)
    expected = 0.0
    drawn = 0
    for day in range(SCENARIO.duration_days):
        factor = planner.weekday_factor[(SCENARIO.start_date.weekday() + day) % 7]
        expected += float(planner.daily_base.sum()) * factor
        drawn += len(planner.arrivals(day).rows)
    # Poisson: within four standard deviations of the expected count.
    assert abs(drawn - expected) < 4 * np.sqrt(expected)
    assert expected > 300


def test_demand_scale_multiplies_the_rate_and_keeps_the_kind_mix(citizens: Citizens) -> None:
    planner = DemandPlanner(SCENARIO, citizens, seed=5)
    doubled = DemandPlanner(SCENARIO.with_overrides({"demand.scale": 2.0}), citizens, seed=5)
    none = DemandPlanner(SCENARIO.with_overrides({"demand.scale": 0.0}), citizens, seed=5)
    np.testing.assert_allclose(doubled.daily_base, 2 * planner.daily_base)
    assert doubled.kind_cumulative is not None
    assert planner.kind_cumulative is not None
    np.testing.assert_array_equal(doubled.kind_cumulative, planner.kind_cumulative)
    assert sum(len(none.arrivals(day).rows) for day in range(10)) == 0


def test_each_clinic_gets_its_own_listed_persons_in_time_order(citizens: Citizens) -> None:
    planner = DemandPlanner(SCENARIO, citizens, seed=5)
    plan = planner.arrivals(2)
    for clinic in range(SCENARIO.clinics.count):
        rows = plan.rows[plan.bounds[clinic] : plan.bounds[clinic + 1]]
        persons = [person for _, person, _, _ in rows]
        times = [minute for minute, _, _, _ in rows]
        assert all(citizens.clinic[p] == clinic for p in persons)
        assert times == sorted(times)
        assert all(2 * 1440 <= t < 3 * 1440 for t in times)


def test_hour_weights_shape_the_arrival_times(citizens: Citizens) -> None:
    hours = [0.0] * 24
    hours[9] = 1.0
    scenario = SCENARIO.with_overrides({"demand.hour_weights": hours})
    plan = DemandPlanner(scenario, citizens, seed=5).arrivals(0)
    assert plan.rows
    assert all(9 * 60 <= minute < 10 * 60 for minute, _, _, _ in plan.rows)


def test_age_multiplier_weights_the_persons_drawn(citizens: Citizens) -> None:
    multipliers = dict.fromkeys(SCENARIO.demand.age_multiplier, 0.0)
    multipliers["80+"] = 1.0
    scenario = SCENARIO.with_overrides({"demand.age_multiplier": multipliers})
    planner = DemandPlanner(scenario, citizens, seed=5)
    persons = [row[1] for day in range(10) for row in planner.arrivals(day).rows]
    assert persons
    assert all(citizens.start_age[p] >= 80 for p in persons)


def test_thirteenth_birthday_of_a_leap_day_child_is_the_first_of_march() -> None:
    scenario = Scenario(start_date=date(2025, 1, 1))
    people = pl.DataFrame(
        {
            "person": [0, 1],
            "birth_date": [date(2012, 2, 29), date(2012, 6, 15)],
            "bankid": [False, False],
            "freja_plus": [False, False],
            "mobile": [None, None],
            "email": [None, None],
            "logins_per_month": [0.3, 0.3],
            "clinic": [0, 0],
            "account_active": [True, True],
            "alert_sms": [False, False],
            "alert_email": [False, False],
            "settings_mobile_owner": [None, None],
            "settings_email_owner": [None, None],
        },
        schema_overrides={"person": pl.Int32, "clinic": pl.Int32},
    )
    guardianships = pl.DataFrame(
        {"guardian": [], "child": []}, schema={"guardian": pl.Int32, "child": pl.Int32}
    )
    citizens = Citizens.from_population(people, guardianships, scenario)
    first_of_march = (date(2025, 3, 1) - date(2025, 1, 1)).days * 1440.0
    june_15 = (date(2025, 6, 15) - date(2025, 1, 1)).days * 1440.0
    assert list(citizens.thirteen_minute) == [first_of_march, june_15]
    assert citizens.ages_on_day(0, scenario.start_date).tolist() == [12, 12]
    assert citizens.ages_on_day(166, scenario.start_date).tolist() == [13, 13]


def test_ages_on_day_agree_with_calendar_ages(citizens: Citizens) -> None:
    population = synthesize_population(SCENARIO, 3)
    day = 45
    on = date.fromordinal(SCENARIO.start_date.toordinal() + day)
    expected = population.people.select(
        (
            pl.lit(on.year)
            - pl.col("birth_date").dt.year()
            - (
                (
                    pl.col("birth_date").dt.month().cast(pl.Int32) * 100
                    + pl.col("birth_date").dt.day().cast(pl.Int32)
                )
                > on.month * 100 + on.day
            ).cast(pl.Int32)
        ).alias("age")
    )["age"]
    np.testing.assert_array_equal(
        citizens.ages_on_day(day, SCENARIO.start_date), expected.to_numpy()
    )


def test_the_proxy_guardian_is_a_registered_guardian_with_an_e_id(citizens: Citizens) -> None:
    population = synthesize_population(SCENARIO, 3)
    pairs = set(population.guardianships.select("guardian", "child").iter_rows())
    children = population.guardianships["child"].unique().to_list()
    with_guardian = [c for c in children if citizens.first_guardian[c] >= 0]
    assert with_guardian
    for child in with_guardian:
        guardian = citizens.first_guardian[child]
        assert (guardian, child) in pairs
    # A guardian without an e-ID is only chosen when no guardian of the child has one.
    for child in with_guardian:
        guardians = [g for g, c in pairs if c == child]
        if any(citizens.eid[g] >= 0 for g in guardians):
            assert citizens.eid[citizens.first_guardian[child]] >= 0

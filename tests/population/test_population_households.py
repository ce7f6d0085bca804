"""Households, guardianships, protection and the initial account state of generated people."""

from __future__ import annotations

from datetime import datetime, time

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from etj_sim.domain import EServices
from etj_sim.population import Population, ages_on, synthesize_population
from etj_sim.population.age_profile import draw_ages
from etj_sim.population.households import (
    MAX_GUARDIAN_AGE_GAP_YEARS,
    MIN_GUARDIAN_AGE_GAP_YEARS,
    build_households,
)
from etj_sim.scenario import AlertsSection, PopulationSection, Scenario

START = Scenario().start_date


def assert_guardianships_consistent(population: Population) -> None:
    people = population.people.with_columns(age=ages_on(population.people, START))
    pairs = population.guardianships
    assert pairs.unique().height == pairs.height
    assert (pairs["guardian"] != pairs["child"]).all()
    # Every child under 18 has one or two guardians, and only children under 18 have any.
    counts = pairs.group_by("child").len()
    children = people.filter(pl.col("age") < 18)["person"]
    assert counts["len"].is_between(1, 2).all()
    assert sorted(counts["child"].to_list()) == children.to_list()
    joined = pairs.join(
        people.select(
            guardian="person",
            guardian_age="age",
            guardian_household="household",
            guardian_street="street_address",
        ),
        on="guardian",
    ).join(
        people.select(
            child="person",
            child_age="age",
            child_household="household",
            child_street="street_address",
            child_clinic="clinic",
            child_last_name="last_name",
        ),
        on="child",
    )
    gap = joined["guardian_age"] - joined["child_age"]
    assert (joined["guardian_age"] >= 18).all()
    assert gap.is_between(MIN_GUARDIAN_AGE_GAP_YEARS, MAX_GUARDIAN_AGE_GAP_YEARS).all()
    assert (joined["guardian_household"] == joined["child_household"]).all()
    assert (joined["guardian_street"] == joined["child_street"]).all()
    # A guardian's children all live in one household.
    households_per_guardian = joined.group_by("guardian").agg(pl.col("child_household").n_unique())
    assert (households_per_guardian["child_household"] == 1).all()


def test_guardianships_are_consistent(population_20k: Population) -> None:
    assert_guardianships_consistent(population_20k)


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(min_value=0, max_value=2**32), size=st.integers(1, 2_000))
def test_guardianships_consistent_for_any_seed_and_size(seed: int, size: int) -> None:
    population = synthesize_population(Scenario(population=PopulationSection(size=size)), seed)
    assert_guardianships_consistent(population)


def test_a_household_shares_address_postcode_clinic_and_last_name(
    population_20k: Population,
) -> None:
    per_household = population_20k.people.group_by("household").agg(
        pl.col("street_address", "postcode", "clinic", "last_name").n_unique(),
        pl.len(),
        pl.col("person").min().alias("first"),
        pl.col("person").max().alias("last"),
    )
    for column in ("street_address", "postcode", "clinic", "last_name"):
        assert (per_household[column] == 1).all(), column
    # Members are adjacent rows (row order is by household).
    assert (per_household["last"] - per_household["first"] + 1 == per_household["len"]).all()
    assert (per_household["len"] > 2).any()  # families with children exist
    assert population_20k.people["clinic"].n_unique() == Scenario().clinics.count


def test_protection_runs_in_families() -> None:
    """A child of a protected guardian is mostly protected too (FAMILY_PROTECTION_SHARE 0.9)."""
    scenario = Scenario(population=PopulationSection(size=20_000, protected_share=0.05))
    population = synthesize_population(scenario, seed=3)
    protected = population.people.select("person", "protected")
    pairs = population.guardianships.join(
        protected.rename({"person": "guardian", "protected": "guardian_protected"}), on="guardian"
    ).join(protected.rename({"person": "child", "protected": "child_protected"}), on="child")
    per_child = pairs.group_by("child").agg(
        pl.col("guardian_protected").any(), pl.col("child_protected").first()
    )
    with_protected_guardian = per_child.filter("guardian_protected")["child_protected"]
    without = per_child.filter(~pl.col("guardian_protected"))["child_protected"]
    assert with_protected_guardian.len() > 100
    assert with_protected_guardian.mean() > 0.85  # type: ignore[operator]
    assert without.mean() < 0.05  # type: ignore[operator]  # the base rate only
    assert abs(population.people["protected"].mean() - 0.05) < 0.01  # type: ignore[operator]


# e-IDs and account state (R1, R2, R4, R9, R12, R13, R15, D2, D3, D5, D7) --------------------------


@pytest.fixture(scope="module")
def people(population_20k: Population) -> pl.DataFrame:
    return population_20k.people.with_columns(age=ages_on(population_20k.people, START))


def test_samordningsnummer_holders_have_no_bankid(people: pl.DataFrame) -> None:
    coordination = people.filter(pl.col("number_kind") == "samordningsnummer")  # D5
    assert coordination.height > 0
    assert not coordination["bankid"].any()
    assert coordination["freja_plus"].any()


def test_nobody_under_12_has_an_eid_by_default(people: pl.DataFrame) -> None:
    young = people.filter(pl.col("age") < 12)
    assert not young["bankid"].any()
    assert not young["freja_plus"].any()
    # 12-year-olds may already hold the BankID they will log in with at 13 (R15, R14).
    twelve = people.filter(pl.col("age") == 12)
    assert twelve["bankid"].any()
    assert not twelve["freja_plus"].any()


def test_from_18_an_active_account_needs_an_own_eid(people: pl.DataFrame) -> None:
    active = people.filter((pl.col("age") >= 18) & pl.col("account_active"))  # R1, R15, D2
    assert (active["bankid"] | active["freja_plus"]).all()


def test_from_13_an_active_account_without_an_own_eid_was_activated_by_a_guardian(
    population_20k: Population, people: pl.DataFrame
) -> None:
    # R14: an account a guardian activated before 13 stays active; the young person cannot log
    # in to it until they get an own e-ID (R15), but it counts as activated (D7).
    guardian_eid = (
        population_20k.guardianships.join(
            people.select(guardian="person", eid=pl.col("bankid") | pl.col("freja_plus")),
            on="guardian",
        )
        .group_by("child")
        .agg(pl.col("eid").any())
    )
    without_eid = people.filter(
        (pl.col("age") >= 13)
        & pl.col("account_active")
        & ~(pl.col("bankid") | pl.col("freja_plus"))
    ).join(guardian_eid, left_on="person", right_on="child", how="left")
    assert without_eid.height > 0
    assert (without_eid["age"] < 18).all()
    assert without_eid["eid"].fill_null(False).all()  # R9: a guardian logged in to activate
    assert not without_eid["protected"].any()  # R12


def test_active_children_under_13_were_activated_by_a_guardian_who_may_proxy(
    population_20k: Population, people: pl.DataFrame
) -> None:
    guardians = (
        population_20k.guardianships.join(
            people.select(
                guardian="person",
                guardian_protected="protected",
                guardian_eid=pl.col("bankid") | pl.col("freja_plus"),
            ),
            on="guardian",
        )
        .group_by("child")
        .agg(pl.col("guardian_protected").any(), pl.col("guardian_eid").any())
    )
    active_young = people.filter((pl.col("age") < 13) & pl.col("account_active")).join(
        guardians, left_on="person", right_on="child"
    )
    assert active_young.height > 0
    assert not active_young["protected"].any()  # R12
    assert not active_young["guardian_protected"].any()  # R12
    assert active_young["guardian_eid"].all()  # R9, D7: a guardian logged in to activate


def test_settings_owners_and_alerts(population_20k: Population, people: pl.DataFrame) -> None:
    inactive = people.filter(~pl.col("account_active"))
    assert inactive["settings_mobile_owner"].null_count() == inactive.height
    assert inactive["settings_email_owner"].null_count() == inactive.height
    assert not (inactive["alert_sms"] | inactive["alert_email"]).any()

    # From 13, with an own e-ID: the holder's own contacts (R13). Without one, see
    # ``test_teens_without_an_own_eid_keep_guardian_era_settings``.
    own = people.filter(
        pl.col("account_active") & (pl.col("age") >= 13) & (pl.col("bankid") | pl.col("freja_plus"))
    )
    assert (own["settings_mobile_owner"].is_null() == own["mobile"].is_null()).all()
    assert (
        own["settings_mobile_owner"].drop_nulls()
        == own.filter(pl.col("mobile").is_not_null())["person"]
    ).all()
    assert (own["settings_email_owner"].is_null() == own["email"].is_null()).all()

    # Alerts only where the matching contact is in the settings (R4, D6).
    assert people.filter("alert_sms")["settings_mobile_owner"].null_count() == 0
    assert people.filter("alert_email")["settings_email_owner"].null_count() == 0

    # Children under 13: owners are their guardians, holding that contact (R13, D3).
    young = people.filter(pl.col("account_active") & (pl.col("age") < 13))
    contacts = people.select("person", "mobile", "email")
    for slot, contact in (("settings_mobile_owner", "mobile"), ("settings_email_owner", "email")):
        owned = young.filter(pl.col(slot).is_not_null()).select("person", slot)
        assert owned.height > 0
        checked = owned.join(
            population_20k.guardianships,
            left_on=["person", slot],
            right_on=["child", "guardian"],
        ).join(
            contacts.rename({"person": slot, contact: "owner_contact"}).select(
                slot, "owner_contact"
            ),
            on=slot,
        )
        assert checked.height == owned.height  # every owner is a guardian of that child
        assert checked["owner_contact"].null_count() == 0
    split = young.filter(
        pl.col("settings_mobile_owner").is_not_null()
        & pl.col("settings_email_owner").is_not_null()
        & (pl.col("settings_mobile_owner") != pl.col("settings_email_owner"))
    )
    assert split.height > 0  # D3: one guardian by SMS, the other by e-mail
    with_guardian_contacts = (
        young["settings_mobile_owner"].is_not_null() | young["settings_email_owner"].is_not_null()
    )
    share = AlertsSection().guardian_contacts_share
    assert abs(with_guardian_contacts.mean() - share) < 0.05  # type: ignore[operator]


def test_teens_without_an_own_eid_keep_guardian_era_settings(
    population_20k: Population, people: pl.DataFrame
) -> None:
    # R14, D4: a 13-17-year-old's active account without an own e-ID can only have been
    # activated by a guardian in proxy mode (R9, D7) and nobody has logged in to it since, so
    # nothing has been cleared: like an active child under 13 it holds a guardian's contacts in
    # ``guardian_contacts_share`` of cases, never the teen's own, and the settings review waits
    # for the first own login.
    has_eid = pl.col("bankid") | pl.col("freja_plus")
    teens = pl.col("age").is_between(13, 17) & pl.col("account_active")
    without_eid = people.filter(teens & ~has_eid)
    assert without_eid.height > 100
    for slot in ("settings_mobile_owner", "settings_email_owner"):
        owned = without_eid.filter(pl.col(slot).is_not_null()).select("person", slot)
        assert owned.height > 0
        of_a_guardian = owned.join(
            population_20k.guardianships, left_on=["person", slot], right_on=["child", "guardian"]
        )
        assert of_a_guardian.height == owned.height
    guardian_era = without_eid.filter(
        pl.col("settings_mobile_owner").is_not_null() | pl.col("settings_email_owner").is_not_null()
    )
    share = AlertsSection().guardian_contacts_share
    margin = 4.0 * (share * (1.0 - share) / without_eid.height) ** 0.5
    assert abs(guardian_era.height / without_eid.height - share) <= margin

    services = EServices.from_population(population_20k, datetime.combine(START, time(9)))
    pending = services.accounts.review_pending
    assert all(pending[person] for person in guardian_era["person"])
    # A teen with an own e-ID holds their own contacts: no guardian-era settings to review.
    with_eid = people.filter(teens & has_eid)
    assert with_eid.height > 0
    assert not any(pending[person] for person in with_eid["person"])


def test_alert_opt_in_and_channels_follow_the_scenario() -> None:
    scenario = Scenario(
        population=PopulationSection(size=20_000),
        alerts=AlertsSection(opt_in_share=1.0, channel_split={"sms": 1.0}),
    )
    people = synthesize_population(scenario, seed=4).people
    active = people.filter("account_active")
    assert not people["alert_email"].any()
    assert (active["alert_sms"] == active["settings_mobile_owner"].is_not_null()).all()


def test_children_keep_their_ages_unless_no_guardian_can_exist() -> None:
    rng = np.random.default_rng(9)
    ages = draw_ages("sweden", 20_000, rng)
    households = build_households(ages, 0.75, rng)
    assert households.aged_up_children == 0
    assert np.array_equal(np.sort(households.ages), np.sort(ages))
    # A lone five-year-old has nobody to be their guardian: they are made an adult, alone.
    lone = build_households(np.array([5], dtype=np.int16), 0.75, rng)
    assert lone.aged_up_children == 1
    assert lone.ages.tolist() == [5 + 18]
    assert lone.guardian.size == 0

"""synthesize_population: schema, reproducibility, bad input, distributions and formats."""

from __future__ import annotations

import math
from datetime import date
from typing import Any

import numpy as np
import polars as pl
import pytest
from pydantic import ValidationError

from etj_sim.population import (
    GUARDIANSHIP_SCHEMA,
    PEOPLE_SCHEMA,
    Population,
    ages_on,
    population_inputs,
    synthesize_population,
)
from etj_sim.population.accounts import age_band_indices
from etj_sim.population.age_profile import AGE_PROFILES, OLDEST_AGES_THOUSANDS, draw_ages
from etj_sim.population.pools import build_pools
from etj_sim.scenario import AGE_BANDS, PopulationSection, Scenario

REFERENCE = Scenario().start_date


def ages_of(people: pl.DataFrame) -> np.ndarray[Any, np.dtype[np.int16]]:
    """Whole years on the scenario start date, from the birth dates."""
    return ages_on(people, REFERENCE).to_numpy()


def assert_share(observed_count: int, total: int, expected_share: float, sigmas: float = 5) -> None:
    """Binomial tolerance: ``sigmas`` standard errors plus a little slack for tiny shares."""
    standard_error = math.sqrt(max(expected_share * (1 - expected_share), 1e-4) / total)
    observed = observed_count / total
    assert abs(observed - expected_share) <= sigmas * standard_error, (observed, expected_share)


# Schema and reproducibility ---------------------------------------------------------------------


def test_frames_have_exactly_the_declared_schemas(population_20k: Population) -> None:
    assert population_20k.people.schema == PEOPLE_SCHEMA
    assert population_20k.guardianships.schema == GUARDIANSHIP_SCHEMA
    assert population_20k.people["person"].to_list() == list(range(20_000))
    assert len(population_20k) == 20_000


def test_same_seed_gives_identical_frames(
    scenario_20k: Scenario, population_20k: Population
) -> None:
    build_pools.cache_clear()  # the pool cache must not be what makes runs agree
    again = synthesize_population(scenario_20k, seed=7)
    assert again.people.equals(population_20k.people)
    assert again.guardianships.equals(population_20k.guardianships)
    assert again.scenario_hash == population_20k.scenario_hash
    assert again.seed == 7


def test_another_seed_gives_different_frames(
    scenario_20k: Scenario, population_20k: Population
) -> None:
    other = synthesize_population(scenario_20k, seed=8)
    for column in ("personal_number", "first_name", "street_address", "mobile", "household"):
        assert not other.people[column].equals(population_20k.people[column]), column


# Bad input --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("population", "field", "value"),
    [
        ({"size": 0}, "population.size", "input_value=0"),
        ({"size": -5}, "population.size", "input_value=-5"),
        ({"protected_share": 1.5}, "population.protected_share", "input_value=1.5"),
        ({"female_share": -0.1}, "population.female_share", "input_value=-0.1"),
        ({"profile": "mars"}, "population.profile", "input_value='mars'"),
        (
            {"family_types": {"two_guardians": 0.5, "single_guardian": 0.4}},
            "population.family_types",
            "0.9",
        ),
        (
            {"bankid_share_by_age": dict.fromkeys(AGE_BANDS, 1.2)},
            "population.bankid_share_by_age.0-12",
            "input_value=1.2",
        ),
    ],
)
def test_scenario_errors_name_the_field_and_value(
    population: dict[str, Any], field: str, value: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        Scenario.model_validate({"population": population})
    assert field in str(caught.value)
    assert value in str(caught.value)


def test_unvalidated_scenario_copies_are_caught_before_any_work() -> None:
    scenario = Scenario()
    broken = scenario.model_copy(
        update={"population": scenario.population.model_copy(update={"size": 0})}
    )
    with pytest.raises(ValidationError, match=r"population\.size[\s\S]*input_value=0"):
        synthesize_population(broken, seed=1)
    unknown_profile = scenario.model_copy(
        update={"population": scenario.population.model_copy(update={"profile": "mars"})}
    )
    with pytest.raises(ValidationError, match=r"population\.profile[\s\S]*'mars'"):
        synthesize_population(unknown_profile, seed=1)
    bad_split = scenario.model_copy(
        update={"alerts": scenario.alerts.model_copy(update={"channel_split": {"sms": 0.7}})}
    )
    with pytest.raises(ValidationError, match=r"alerts\.channel_split"):
        synthesize_population(bad_split, seed=1)


@pytest.mark.parametrize(
    ("seed", "error", "message"),
    [
        (-1, ValueError, "seed: expected a non-negative int, got -1"),
        ("1", TypeError, "seed: expected a non-negative int, got '1'"),
        (1.0, TypeError, "seed: expected a non-negative int, got 1.0"),
        (True, TypeError, "seed: expected a non-negative int, got True"),
    ],
)
def test_bad_seed_is_refused(seed: object, error: type[Exception], message: str) -> None:
    with pytest.raises(error, match=message):
        synthesize_population(Scenario(), seed)  # type: ignore[arg-type]


def test_a_scenario_of_the_wrong_type_is_refused() -> None:
    with pytest.raises(TypeError, match=r"scenario: expected an etj_sim\.Scenario, got dict"):
        synthesize_population({"population": {"size": 10}}, seed=1)  # type: ignore[arg-type]


# Distributions on 100,000 people (configured shares within binomial tolerance) ------------------


def test_age_profile_follows_the_five_year_bands(population_100k: Population) -> None:
    ages = ages_of(population_100k.people)
    percent = np.asarray(AGE_PROFILES["stockholm_county"])
    shares = percent / percent.sum()
    bands = np.minimum(ages // 5, 16)
    counts = np.bincount(bands, minlength=17)
    for band, share in enumerate(shares):
        assert_share(int(counts[band]), ages.size, float(share))
    oldest = np.asarray(OLDEST_AGES_THOUSANDS) / sum(OLDEST_AGES_THOUSANDS) * shares[-1]
    assert_share(int((ages >= 90).sum()), ages.size, float(oldest[2:].sum()))
    assert (ages >= 100).sum() > 0


def test_sex_protection_and_number_kind_shares(population_100k: Population) -> None:
    people = population_100k.people
    section = PopulationSection()
    assert_share(int((people["sex"] == "female").sum()), people.height, section.female_share)
    assert_share(int(people["protected"].sum()), people.height, section.protected_share)
    coordination = people["number_kind"] == "samordningsnummer"
    assert_share(int(coordination.sum()), people.height, section.samordningsnummer_share)


def test_bankid_by_age_band_among_personnummer_holders(population_100k: Population) -> None:
    people = population_100k.people.with_columns(
        band=pl.Series(age_band_indices(ages_of(population_100k.people)))
    ).filter(pl.col("number_kind") == "personnummer")
    shares = PopulationSection().bankid_share_by_age
    ages = pl.Series(ages_of(people))
    # BankID's one figure for 18-67 (bankid.com 2023) applies to 65-67 too: they take the
    # working-age share, and the rest of the 65-79 band its own.
    early_pensioners = ((ages >= 65) & (ages <= 67)).to_numpy()
    # A 12-year-old may hold the e-ID they will use from 13: the 13-17 share.
    twelve = (ages == 12).to_numpy()
    for index, band in enumerate(AGE_BANDS):
        in_band = people.filter(
            (pl.col("band") == index) & ~pl.Series(early_pensioners) & ~pl.Series(twelve)
        )
        assert_share(int(in_band["bankid"].sum()), in_band.height, shares[band])
    in_early = people.filter(pl.Series(early_pensioners))
    assert_share(int(in_early["bankid"].sum()), in_early.height, shares["50-64"])
    at_twelve = people.filter(pl.Series(twelve))
    assert_share(int(at_twelve["bankid"].sum()), at_twelve.height, shares["13-17"])


def test_active_accounts_by_age_band(population_100k: Population) -> None:
    """The configured share per band, or every eligible person where that is fewer (e.g. 18-49
    with a share above e-ID holding: nobody 18+ without an own e-ID has logged in, R1, R15)."""
    people = population_100k.people
    band = age_band_indices(ages_of(people))
    shares = PopulationSection().active_account_share_by_age
    active = people["account_active"].to_numpy()
    has_eid = (people["bankid"] | people["freja_plus"]).to_numpy()
    adult_bands = AGE_BANDS.index("18-29")
    for index, name in enumerate(AGE_BANDS):
        in_band = band == index
        expected = shares[name]
        if index >= adult_bands:  # minors may hold a guardian-activated account (R9, R14)
            expected = min(expected, float(has_eid[in_band].mean()))
        assert_share(int(active[in_band].sum()), int(in_band.sum()), expected)


def test_logins_per_month_average_the_band_means(population_100k: Population) -> None:
    people = population_100k.people
    band = age_band_indices(ages_of(people))
    logins = people["logins_per_month"].to_numpy()
    assert (logins > 0).all()
    for index, name in enumerate(AGE_BANDS):
        mean = PopulationSection().logins_per_month_by_age[name]
        assert abs(logins[band == index].mean() / mean - 1) < 0.06, name


def test_two_guardian_families_in_the_configured_proportion(population_100k: Population) -> None:
    guardians_per_child = population_100k.guardianships.group_by("child").len()
    two = int((guardians_per_child["len"] == 2).sum())
    assert_share(two, guardians_per_child.height, 0.75, sigmas=8)  # siblings are not independent


# Formats ----------------------------------------------------------------------------------------


def test_contact_and_address_formats(population_20k: Population) -> None:
    people = population_20k.people
    mobiles = people["mobile"].drop_nulls()
    assert mobiles.str.contains(r"^07[02369]-\d{3} \d{2} \d{2}$").all()
    assert mobiles.n_unique() == mobiles.len()
    emails = people["email"].drop_nulls()
    assert emails.str.contains(r"^[a-z0-9-]+\.[a-z0-9-]+\d*@example\.se$").all()
    assert emails.n_unique() > 0.9 * emails.len()
    assert people["postcode"].str.contains(r"^\d{3} \d{2}$").all()
    assert people["street_address"].str.contains(r"^\D+ \d{1,3}$").all()
    assert (people["municipality"] == PopulationSection().municipality).all()
    for column in ("first_name", "last_name"):
        assert people[column].null_count() == 0
        assert people[column].n_unique() > 100
    assert people["clinic"].is_between(0, Scenario().clinics.count - 1).all()


def test_children_under_13_have_no_own_contacts_by_default(population_20k: Population) -> None:
    young = population_20k.people.filter(pl.Series(ages_of(population_20k.people) < 13))
    assert young["mobile"].null_count() == young.height
    assert young["email"].null_count() == young.height


def test_an_unknown_age_profile_is_named() -> None:
    with pytest.raises(ValueError, match=r"population\.profile: unknown age profile 'mars'"):
        draw_ages("mars", 10, np.random.default_rng(0))


def test_the_population_remembers_its_scenario_and_seed(
    scenario_20k: Scenario, population_20k: Population
) -> None:
    assert population_20k.scenario_hash == scenario_20k.content_hash
    assert population_20k.seed == 7


# The cache key of the population --------------------------------------------------------------

# Every section the dashboard's levers move outside the population's inputs, and a few more.
OTHER_SECTIONS: dict[str, object] = {
    "name": "other",
    "duration_days": 9,
    "clinics.staff_per_clinic.nurse": 5,
    "outreach.digital_notice_share": 0.9,
    "notices.policy": "digital",
    "notices.fallback_after_hours": 12.0,
    "demand.scale": 1.5,
    "campaigns": [{"name": "c", "template": "t", "min_age": 65, "max_age": 130, "day": 3}],
}


@pytest.mark.parametrize(("key", "value"), OTHER_SECTIONS.items(), ids=list(OTHER_SECTIONS))
def test_population_inputs_ignore_sections_synthesis_does_not_read(key: str, value: object) -> None:
    """Equal inputs, equal populations: the key is safe to cache a population by."""
    reference = Scenario().with_overrides({"population.size": 600})
    other = reference.with_overrides({key: value})
    assert population_inputs(other) == population_inputs(reference)
    made, again = synthesize_population(reference, 3), synthesize_population(other, 3)
    assert made.people.equals(again.people)
    assert made.guardianships.equals(again.guardianships)


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("population.size", 601),
        ("alerts.opt_in_share", 0.9),
        ("clinics.count", 7),
        ("start_date", date(2026, 3, 1)),
    ],
)
def test_population_inputs_change_with_what_synthesis_reads(key: str, value: object) -> None:
    reference = Scenario().with_overrides({"population.size": 600})
    other = reference.with_overrides({key: value})
    assert population_inputs(other) != population_inputs(reference)
    assert not synthesize_population(reference, 3).people.equals(
        synthesize_population(other, 3).people
    )

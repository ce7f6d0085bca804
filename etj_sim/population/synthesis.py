"""``synthesize_population``: a scenario and a seed in, a synthetic Swedish population out.

Pipeline position: ``Scenario -> (this module) -> Population -> domain register (EServices)
and simulation``. The steps, each with its own named random stream:

1. validate the scenario sections and the seed (before any work);
2. draw ages from the age profile and group people into households with guardians
   (``households.py``), which also fixes the row order;
3. draw birth dates, sex, number kind and serials, and build the personal numbers
   (``personal_numbers.py``);
4. draw protection, e-IDs, contacts and the initial account state (``accounts.py``);
5. sample names and addresses from Faker pools and format contacts (``pools.py``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from typing import Final

import numpy as np
import numpy.typing as npt
import polars as pl

from etj_sim.population.accounts import age_band_indices, draw_account_state, draw_protection
from etj_sim.population.age_profile import draw_ages
from etj_sim.population.households import ADULT_AGE, build_households
from etj_sim.population.personal_numbers import (
    birth_dates_for_ages,
    canonical_strings,
    draw_serials,
    personal_number_ints,
)
from etj_sim.population.pools import (
    HOUSE_NUMBERS,
    build_pools,
    email_addresses,
    mobile_numbers,
    pool_strings,
)
from etj_sim.population.schema import GUARDIANSHIP_SCHEMA, PEOPLE_SCHEMA
from etj_sim.scenario import AGE_BANDS, Scenario

__all__ = ["STREAMS", "Population", "ages_on", "synthesize_population"]

STREAMS: Final = (
    "ages",
    "households",
    "birth_dates",
    "sex",
    "number_kinds",
    "serials",
    "protection",
    "eids",
    "contacts",
    "accounts",
    "settings",
    "alerts",
    "engagement",
    "names",
    "addresses",
    "clinics",
    "mobiles",
    "emails",
)
"""Named child streams of ``SeedSequence(seed)``, by purpose. Append new names at the end so
the streams already here keep their numbers (and their draws) for a given seed."""


@dataclass(frozen=True, slots=True)
class Population:
    """A synthetic population: ``people`` (``PEOPLE_SCHEMA``, ``person`` == row index) and
    ``guardianships`` (``GUARDIANSHIP_SCHEMA``, one row per guardian and child under 18)."""

    people: pl.DataFrame
    guardianships: pl.DataFrame
    seed: int
    scenario_hash: str  # Scenario.content_hash: which scenario made these frames

    def __len__(self) -> int:
        return self.people.height


def ages_on(people: pl.DataFrame, day: date) -> pl.Series:
    """Whole years of age of each person on ``day``, from ``birth_date`` (Int16 series "age")."""
    birth = pl.col("birth_date")
    before_birthday = (birth.dt.month() > day.month) | (
        (birth.dt.month() == day.month) & (birth.dt.day() > day.day)
    )
    age = pl.lit(day.year) - birth.dt.year().cast(pl.Int32) - before_birthday.cast(pl.Int32)
    return people.select(age.cast(pl.Int16).alias("age")).to_series()


def _validated(scenario: object, seed: object) -> Scenario:
    """The scenario re-validated (``model_copy(update=...)`` skips validation), or a clear error."""
    if not isinstance(scenario, Scenario):
        raise TypeError(f"scenario: expected an etj_sim.Scenario, got {type(scenario).__name__}")
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer):
        raise TypeError(f"seed: expected a non-negative int, got {seed!r}")
    if seed < 0:
        raise ValueError(f"seed: expected a non-negative int, got {seed}")
    # pydantic names the field and the rejected value, e.g. "population.size ... input_value=0".
    return Scenario.model_validate(scenario.model_dump())


def _streams(seed: int) -> dict[str, np.random.Generator]:
    children = np.random.SeedSequence(seed).spawn(len(STREAMS))
    return {
        name: np.random.default_rng(child) for name, child in zip(STREAMS, children, strict=True)
    }


def _draw_coordination(
    ages: npt.NDArray[np.int16], share: float, rng: np.random.Generator
) -> npt.NDArray[np.bool_]:
    """Samordningsnummer holders: adults only (assumption: people who come to work or study),
    at the rate that makes them ``share`` of everyone (capped at all adults)."""
    adult = ages >= ADULT_AGE
    adult_share = adult.mean() if adult.size else 0.0
    rate = min(1.0, share / adult_share) if adult_share > 0 else 0.0
    return adult & (rng.random(ages.size) < rate)


def _logins_per_month(
    band: npt.NDArray[np.int64], means: dict[str, float], sigma: float, rng: np.random.Generator
) -> npt.NDArray[np.float32]:
    """Log-normal engagement whose mean in each age band is the configured band mean."""
    mean = np.array([means[name] for name in AGE_BANDS])[band]
    logins: npt.NDArray[np.float32] = rng.lognormal(np.log(mean) - sigma**2 / 2, sigma).astype(
        np.float32
    )
    return logins


def population_inputs(scenario: Scenario) -> str:
    """The parts of ``scenario`` that :func:`synthesize_population` reads, as canonical JSON.

    Two scenarios with equal inputs and the same seed synthesize equal populations, so this is a
    cache key for callers that re-run one population under other levers (the dashboard). Keep it
    beside the function: a new field read there must be added here
    (``tests/population/test_population_synthesis.py`` checks the levers the dashboard moves).
    """
    inputs = {
        "population": scenario.population.model_dump(mode="json"),
        "alerts": scenario.alerts.model_dump(mode="json"),
        "clinic_count": scenario.clinics.count,
        "start_date": scenario.start_date.isoformat(),
    }
    return json.dumps(inputs, sort_keys=True, separators=(",", ":"))


def synthesize_population(scenario: Scenario, seed: int) -> Population:
    """Synthesize ``scenario.population.size`` people and their guardianships from ``seed``.

    The same scenario and seed give identical frames; see the module docstring for the steps.
    Raises ``ValueError`` (pydantic's ``ValidationError`` is one) naming the field and value for a
    bad scenario, and ``TypeError``/``ValueError`` for a seed that is not a non-negative int.
    """
    scenario = _validated(scenario, seed)
    section = scenario.population
    streams = _streams(int(seed))

    drawn_ages = draw_ages(section.profile, section.size, streams["ages"])
    two_guardian_share = section.family_types.get("two_guardians", 0.0)
    households = build_households(drawn_ages, two_guardian_share, streams["households"])
    ages = households.ages
    size = ages.size
    first_guardian, second_guardian = households.first_guardian, households.second_guardian

    birth_days = birth_dates_for_ages(ages, scenario.start_date, streams["birth_dates"])
    male = streams["sex"].random(size) >= section.female_share
    coordination = _draw_coordination(
        ages, section.samordningsnummer_share, streams["number_kinds"]
    )
    serials = draw_serials(birth_days, male, coordination, streams["serials"])
    number_ints = personal_number_ints(birth_days, serials, coordination)

    protected = draw_protection(
        section.protected_share, first_guardian, second_guardian, streams["protection"]
    )
    state = draw_account_state(
        ages=ages,
        coordination=coordination,
        protected=protected,
        first_guardian=first_guardian,
        second_guardian=second_guardian,
        population=section,
        alerts=scenario.alerts,
        streams=streams,
    )
    band = age_band_indices(ages)
    logins = _logins_per_month(
        band, section.logins_per_month_by_age, section.engagement_dispersion, streams["engagement"]
    )

    pools = build_pools(int(streams["names"].integers(0, 2**31)))
    name_rng = streams["names"]
    female_count = pools.female_first.len()
    first_index = name_rng.integers(0, female_count, size=size) + male * female_count
    first_pool = pl.concat([pools.female_first, pools.male_first])
    first_email_pool = pl.concat([pools.female_first_email, pools.male_first_email])
    household = households.household
    household_count = households.household_count
    # One last name, street, number and clinic per household: its members share them.
    last_index = name_rng.integers(0, pools.last.len(), size=household_count)[household]
    address_rng = streams["addresses"]
    street_index = address_rng.integers(0, pools.streets.len(), size=household_count)[household]
    house_number = address_rng.integers(1, HOUSE_NUMBERS + 1, size=household_count)[household]
    clinic = streams["clinics"].integers(0, scenario.clinics.count, size=household_count)[household]

    first_names = pool_strings(first_pool, first_index)
    last_names = pool_strings(pools.last, last_index)
    streets = pool_strings(pools.streets, street_index)
    people = pl.DataFrame(
        {
            "person": np.arange(size, dtype=np.int32),
            "personal_number_int": number_ints,
            "number_kind": coordination,
            "birth_date": birth_days,
            "male": male,
            "first_name": first_names,
            "last_name": last_names,
            "street": streets,
            "house_number": house_number,
            "postcode": pool_strings(pools.postcodes, street_index),
            "household": household,
            "protected": protected,
            "bankid": state.bankid,
            "freja_plus": state.freja_plus,
            "mobile": mobile_numbers(state.has_mobile, streams["mobiles"]),
            "email": email_addresses(
                pool_strings(first_email_pool, first_index),
                pool_strings(pools.last_email, last_index),
                state.has_email,
                streams["emails"],
            ),
            "logins_per_month": logins,
            "clinic": clinic.astype(np.int32),
            "account_active": state.account_active,
            "alert_sms": state.alert_sms,
            "alert_email": state.alert_email,
            "settings_mobile_owner": state.settings_mobile_owner,
            "settings_email_owner": state.settings_email_owner,
        }
    )
    owner_or_null = {
        column: pl.when(pl.col(column) >= 0).then(pl.col(column))
        for column in ("settings_mobile_owner", "settings_email_owner")
    }
    people = people.select(
        pl.col("person"),
        pl.lit(canonical_strings(number_ints)).alias("personal_number"),
        pl.col("personal_number_int"),
        pl.when(pl.col("number_kind"))
        .then(pl.lit("samordningsnummer"))
        .otherwise(pl.lit("personnummer"))
        .cast(PEOPLE_SCHEMA["number_kind"])
        .alias("number_kind"),
        pl.col("birth_date").cast(pl.Date),
        pl.when(pl.col("male"))
        .then(pl.lit("male"))
        .otherwise(pl.lit("female"))
        .cast(PEOPLE_SCHEMA["sex"])
        .alias("sex"),
        pl.col("first_name"),
        pl.col("last_name"),
        pl.concat_str(pl.col("street"), pl.lit(" "), pl.col("house_number").cast(pl.String)).alias(
            "street_address"
        ),
        pl.col("postcode"),
        pl.lit(section.municipality, dtype=pl.String).alias("municipality"),
        pl.exclude(
            "person",
            "personal_number_int",
            "number_kind",
            "birth_date",
            "male",
            "first_name",
            "last_name",
            "street",
            "house_number",
            "postcode",
            "settings_mobile_owner",
            "settings_email_owner",
        ),
        *(expression.alias(column) for column, expression in owner_or_null.items()),
    ).cast(dict(PEOPLE_SCHEMA))  # type: ignore[arg-type]
    guardianships = pl.DataFrame(
        {"guardian": households.guardian, "child": households.child}, schema=GUARDIANSHIP_SCHEMA
    )
    return Population(
        people=people.select(PEOPLE_SCHEMA.names()),
        guardianships=guardianships,
        seed=int(seed),
        scenario_hash=scenario.content_hash,
    )

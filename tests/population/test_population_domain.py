"""Generated people loaded into the domain (EServices.from_population): the rules hold for them."""

from __future__ import annotations

from datetime import datetime, time

import polars as pl
import pytest

from etj_sim.domain import EID, EServices, PersonalNumber
from etj_sim.domain.errors import LoginRefused, ProxyRefused
from etj_sim.population import Population, ages_on, synthesize_population
from etj_sim.scenario import PopulationSection, Scenario

# Many protected families, so the R12 refusals have cases; and half of children under 13
# active (the default, 0.92, is about every child a guardian may proxy once 5% are protected),
# so some are left for a guardian to activate.
SCENARIO = Scenario(
    population=PopulationSection(
        size=6_000,
        protected_share=0.05,
        active_account_share_by_age={
            **PopulationSection().active_account_share_by_age,
            "0-12": 0.5,
        },
    )
)


@pytest.fixture(scope="module")
def population() -> Population:
    return synthesize_population(SCENARIO, seed=21)


@pytest.fixture(scope="module")
def families(population: Population) -> pl.DataFrame:
    """One row per (guardian, child) with the facts the proxy rules look at."""
    people = population.people.with_columns(age=ages_on(population.people, SCENARIO.start_date))
    return (
        population.guardianships.join(
            people.select(
                guardian="person", guardian_protected="protected", guardian_bankid="bankid"
            ),
            on="guardian",
        )
        .join(
            people.select(
                child="person",
                child_age="age",
                child_protected="protected",
                child_active="account_active",
            ),
            on="child",
        )
        .with_columns(
            family_protected=(pl.col("guardian_protected") | pl.col("child_protected"))
            .any()
            .over("child")
        )
        .filter(pl.col("guardian_bankid"))
        .sort("child", "guardian")
    )


def fresh_services(population: Population) -> EServices:
    """A new facade per test: a refused proxy must not depend on what another test did."""
    return EServices.from_population(population, datetime.combine(SCENARIO.start_date, time(9)))


def test_the_register_holds_every_generated_person(population: Population) -> None:
    services = fresh_services(population)
    people = population.people
    assert len(services.register) == people.height
    for person in range(0, people.height, 997):
        number = PersonalNumber.parse(people["personal_number"][person])
        assert services.register.person_id(number) == person
        assert services.register.is_protected(person) == people["protected"][person]
    children = population.guardianships["child"].unique().to_list()[:50]
    for child in children:
        expected = population.guardianships.filter(pl.col("child") == child)["guardian"]
        assert sorted(services.register.guardians_of(child)) == sorted(expected.to_list())


def test_initial_alert_choices_are_loaded(population: Population) -> None:
    services = fresh_services(population)
    people = population.people
    for person in range(0, people.height, 101):
        choices = services.staff_tool.alert_choices(person)  # R20
        assert choices.account_active == people["account_active"][person]
        assert choices.sms_alerts == people["alert_sms"][person]
        assert choices.email_alerts == people["alert_email"][person]


def test_a_generated_protected_child_cannot_be_proxied(
    population: Population, families: pl.DataFrame
) -> None:
    row = families.filter((pl.col("child_age") < 13) & pl.col("child_protected")).row(0, named=True)
    session = fresh_services(population).portal.login(row["guardian"], EID.BANKID)
    with pytest.raises(ProxyRefused, match="R12"):
        session.activate_for(row["child"])


def test_a_generated_child_of_a_protected_guardian_cannot_be_proxied(
    population: Population, families: pl.DataFrame
) -> None:
    row = families.filter((pl.col("child_age") < 13) & pl.col("guardian_protected")).row(
        0, named=True
    )
    session = fresh_services(population).portal.login(row["guardian"], EID.BANKID)
    with pytest.raises(ProxyRefused, match="R12"):
        session.activate_for(row["child"])


def test_a_generated_14_year_old_cannot_be_proxied(
    population: Population, families: pl.DataFrame
) -> None:
    row = families.filter((pl.col("child_age") == 14) & ~pl.col("family_protected")).row(
        0, named=True
    )
    session = fresh_services(population).portal.login(row["guardian"], EID.BANKID)
    with pytest.raises(ProxyRefused, match="D2"):
        session.activate_for(row["child"])


def test_a_generated_child_under_13_of_an_unprotected_family_can_be_proxied(
    population: Population, families: pl.DataFrame
) -> None:
    young = families.filter((pl.col("child_age") < 13) & ~pl.col("family_protected"))
    services = fresh_services(population)
    active = young.filter("child_active").row(0, named=True)
    proxy = services.portal.login(active["guardian"], EID.BANKID).act_for(active["child"])
    assert (proxy.person, proxy.actor) == (active["child"], active["guardian"])
    inactive = young.filter(~pl.col("child_active")).row(0, named=True)
    proxy = services.portal.login(inactive["guardian"], EID.BANKID).activate_for(inactive["child"])
    assert proxy.person == inactive["child"]


def test_a_generated_samordningsnummer_holder_has_no_bankid(population: Population) -> None:
    holders = population.people.filter(pl.col("number_kind") == "samordningsnummer")
    services = fresh_services(population)
    for person in holders["person"].head(20):
        assert not services.register.has_eid(person, EID.BANKID)  # D5
        with pytest.raises(LoginRefused, match="R1"):
            services.portal.login(person, EID.BANKID)

"""Shared populations for the population tests: built once per session, small and fast."""

from __future__ import annotations

import pytest

from etj_sim.population import Population, synthesize_population
from etj_sim.scenario import PopulationSection, Scenario


@pytest.fixture(scope="session")
def scenario_20k() -> Scenario:
    return Scenario(population=PopulationSection(size=20_000))


@pytest.fixture(scope="session")
def population_20k(scenario_20k: Scenario) -> Population:
    return synthesize_population(scenario_20k, seed=7)


@pytest.fixture(scope="session")
def population_100k() -> Population:
    """The one large population, for distributions (Stockholm: exercises the second table)."""
    scenario = Scenario(population=PopulationSection(size=100_000, profile="stockholm_county"))
    return synthesize_population(scenario, seed=11)

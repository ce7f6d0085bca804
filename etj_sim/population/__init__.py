"""Synthetic population: citizens, households, guardians, protected identities, e-IDs, contacts.

Pipeline position: ``Scenario -> synthesize_population -> Population -> domain register
(``EServices.from_population``) and simulation``.

``synthesize_population(scenario, seed)`` returns a ``Population``: a small frozen object that
holds both frames, ``people`` (one row a person, exactly ``PEOPLE_SCHEMA``, ``person`` equals the
row index) and ``guardianships`` (``GUARDIANSHIP_SCHEMA``: one row per guardian and child under
18), plus the ``seed`` and a ``scenario_hash``. One object rather than a DataFrame plus a second
function because the two frames are only meaningful together (guardianships refer to rows of
that very people frame), and because the domain loads both at once.
"""

from etj_sim.population.schema import GUARDIANSHIP_SCHEMA, PEOPLE_SCHEMA
from etj_sim.population.synthesis import (
    Population,
    ages_on,
    population_inputs,
    synthesize_population,
)

__all__ = [
    "GUARDIANSHIP_SCHEMA",
    "PEOPLE_SCHEMA",
    "Population",
    "ages_on",
    "population_inputs",
    "synthesize_population",
]

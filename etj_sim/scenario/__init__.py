"""Scenario: the validated, frozen parameters of one simulated e-service period.

Pipeline position: first stage. ``scenarios/*.toml -> Scenario -> population -> simulation``.
Every later stage reads its parameters from here and nowhere else, so a scenario file plus a seed
fully determines a run.

Defaults come from ``docs/sources.md`` where a published figure exists (the source is
named beside the value) and are marked ``# assumption`` where none does.

Reading a file (:meth:`Scenario.load`) never stops at the first mistake: every problem (TOML
syntax, unknown keys with a "did you mean" hint, wrong types, out-of-range values, inconsistent
sections) becomes a :class:`ScenarioProblem` with the dotted path of the field, and all of them are
raised together as one :class:`ScenarioError` that names the file in every line. (A check that
compares two fields of a section, such as the shift hours, runs once those fields are valid
themselves; the campaign days are checked against the run even when other sections are wrong.)

Tables with fixed keys (age bands, staff roles, case kinds) must list every key, 0 where none,
so that a key left out never silently means zero; share tables that must sum to 1
(``alerts.channel_split``, ``population.family_types``) may leave out keys with no share.

The parts:

- :mod:`~etj_sim.scenario.vocabulary`: the fixed keys (age bands, case kinds, staff roles, ...).
- :mod:`~etj_sim.scenario.sections`: the section models with their defaults and citations.
- :mod:`~etj_sim.scenario.model`: :class:`Scenario`, the root model and its way in and out.
- :mod:`~etj_sim.scenario.problems`: :class:`ScenarioProblem` and :class:`ScenarioError`.
- :mod:`~etj_sim.scenario.checks`: the checks the section validators share.
- :mod:`~etj_sim.scenario.translation`: parser and pydantic errors as problems at dotted paths.
- :mod:`~etj_sim.scenario.files`: reading TOML/JSON, overrides, the content hash.
- :mod:`~etj_sim.scenario.toml_writer`: :func:`scenario_to_toml`, the full scenario as TOML.
"""

from __future__ import annotations

from etj_sim.scenario.model import Scenario
from etj_sim.scenario.problems import ScenarioError, ScenarioProblem
from etj_sim.scenario.sections import (
    AlertsSection,
    BehaviourSection,
    Campaign,
    ClinicsSection,
    DemandSection,
    HandlingTime,
    NonNegativeFloat,
    OutreachSection,
    PopulationSection,
    PositiveFloat,
    Share,
)

# The experiment spec (etj_sim.experiments.experiment) reports its own file's problems the same way;
# the aliases mark these private helpers as deliberately re-exported.
from etj_sim.scenario.toml_writer import scenario_to_toml
from etj_sim.scenario.translation import _dotted as _dotted
from etj_sim.scenario.translation import _unknown_key_message as _unknown_key_message
from etj_sim.scenario.vocabulary import (
    AGE_BANDS,
    ALERT_CHANNELS,
    CASE_KINDS,
    FAMILY_TYPES,
    STAFF_ROLES,
    age_band_of,
)

__all__ = [
    "AGE_BANDS",
    "ALERT_CHANNELS",
    "CASE_KINDS",
    "FAMILY_TYPES",
    "STAFF_ROLES",
    "AlertsSection",
    "BehaviourSection",
    "Campaign",
    "ClinicsSection",
    "DemandSection",
    "HandlingTime",
    "NonNegativeFloat",
    "OutreachSection",
    "PopulationSection",
    "PositiveFloat",
    "Scenario",
    "ScenarioError",
    "ScenarioProblem",
    "Share",
    "age_band_of",
    "scenario_to_toml",
]

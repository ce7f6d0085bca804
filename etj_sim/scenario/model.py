"""Scenario: the validated, frozen parameters of one simulated e-service period.

Pipeline position: first stage. ``scenarios/*.toml -> Scenario -> population -> simulation``.
The root model gathers the sections of :mod:`etj_sim.scenario.sections`, checks what spans them
(campaign days against the run's length) and is the one way in and out of a scenario: reading a
file, deriving a variant by overrides, hashing and writing TOML (the helpers are in
:mod:`etj_sim.scenario.files` and :mod:`etj_sim.scenario.translation`).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from pathlib import Path
from typing import Annotated, Any

from pydantic import Field, ValidationError, model_validator

from etj_sim.scenario.checks import _check_campaign_days
from etj_sim.scenario.files import (
    _apply_override,
    hash_values,
    parse_json_object,
    parse_toml_table,
    read_scenario_text,
)
from etj_sim.scenario.limits import resource_limit_problems
from etj_sim.scenario.problems import ScenarioError, ScenarioProblem, _Findings, _Inconsistencies
from etj_sim.scenario.sections import (
    AlertsSection,
    BehaviourSection,
    Campaign,
    ClinicsSection,
    DemandSection,
    NoticesSection,
    OutreachSection,
    PopulationSection,
    _Section,
)
from etj_sim.scenario.toml_writer import scenario_to_toml
from etj_sim.scenario.translation import validation_problems

__all__ = ["Scenario", "scenario_problems"]


class Scenario(_Section):
    """One scenario: what a planner changes, what a researcher sweeps. Frozen and validated.

    Build one with :meth:`load` (a TOML file, or the ``scenario.json`` of an earlier run),
    :meth:`loads` (TOML text) or the constructor; derive variants with :meth:`with_overrides`.
    """

    name: Annotated[str, Field(min_length=1)] = "unnamed"
    description: str = ""
    start_date: date = date(2026, 1, 5)  # a Monday
    duration_days: Annotated[int, Field(gt=0, le=3650)] = 90
    warmup_days: Annotated[int, Field(ge=0, le=3650)] = 0
    """Days at the start that the run simulates but no metric counts (queues fill up from empty;
    ``etj_sim.metrics.warmup`` recommends a length). Must be below ``duration_days``."""
    population: PopulationSection = PopulationSection()
    alerts: AlertsSection = AlertsSection()
    clinics: ClinicsSection = ClinicsSection()
    demand: DemandSection = DemandSection()
    outreach: OutreachSection = OutreachSection()
    notices: NoticesSection = NoticesSection()
    # Pydantic copies a mutable default per instance; ruff cannot see _Section is a pydantic model.
    campaigns: list[Campaign] = []  # noqa: RUF012
    behaviour: BehaviourSection = BehaviourSection()

    @model_validator(mode="after")
    def _check(self) -> Scenario:
        findings = _Findings()
        _check_campaign_days(
            self.duration_days,
            [(index, campaign.name, campaign.day) for index, campaign in enumerate(self.campaigns)],
            findings,
        )
        for field, message in resource_limit_problems(self):
            findings.add(field, message)
        if self.warmup_days >= self.duration_days:
            findings.add(
                "warmup_days",
                f"the warm-up must end before the run does: warmup_days is {self.warmup_days}, "
                f"duration_days is {self.duration_days}",
            )
        findings.raise_if_any()
        return self

    # -- reading -------------------------------------------------------------------------------

    @classmethod
    def load(cls, path: str | Path) -> Scenario:
        """Read and validate a scenario file: TOML, or JSON (the ``scenario.json`` of a run).

        Raises :class:`ScenarioError` listing every problem, each with the file name.
        """
        source = str(path)
        text = read_scenario_text(path)
        if Path(path).suffix.lower() == ".json":
            return cls._loads_json(text, source=source)
        return cls.loads(text, source=source)

    @classmethod
    def loads(cls, text: str, *, source: str = "<string>") -> Scenario:
        """Validate a scenario given as TOML text; ``source`` names it in error messages."""
        data = parse_toml_table(text, source=source)
        # Strict: TOML has real numbers, booleans and dates, so a quoted "5" where a number
        # belongs is a mistake in the file, not something to coerce silently.
        return cls._validate(data, source=source)

    @classmethod
    def _loads_json(cls, text: str, *, source: str) -> Scenario:
        data = parse_json_object(text, source=source)
        # As strict as TOML: pydantic's JSON mode reads a date from its ISO text but nothing else
        # from a string, and NaN or Infinity (which Python's json accepts) is refused.
        try:
            return cls.model_validate_json(text, strict=True)
        except ValidationError as error:
            raise ScenarioError(source, scenario_problems(error, data)) from None

    @classmethod
    def _validate(cls, data: dict[str, Any], *, source: str) -> Scenario:
        try:
            return cls.model_validate(data, strict=True)
        except ValidationError as error:
            raise ScenarioError(source, scenario_problems(error, data)) from None

    # -- deriving ------------------------------------------------------------------------------

    def with_overrides(
        self, overrides: Mapping[str, object], *, source: str = "overrides"
    ) -> Scenario:
        """A copy with the values at dotted keys replaced, validated again.

        Keys are dotted paths as in the file: ``"alerts.opt_in_share"``,
        ``"clinics.staff_per_clinic.nurse"``, ``"campaigns[0].day"``. A key replaces the value
        it names (a whole section or table too). Unknown keys are errors with a "did you mean"
        hint; all problems are raised together as one :class:`ScenarioError` from ``source``.
        """
        data = self.model_dump()
        problems = [
            problem
            for key, value in overrides.items()
            if (problem := _apply_override(Scenario, data, key, value)) is not None
        ]
        if problems:
            # Report the values of the good keys too, so one error lists everything.
            try:
                type(self).model_validate(data, strict=True)
            except ValidationError as error:
                problems.extend(scenario_problems(error, data))
            raise ScenarioError(source, problems)
        # Strict, as a file is: "3000" is not a number and 1 is not true (the dump holds real
        # dates and numbers, so nothing of the scenario itself needs converting).
        return type(self)._validate(data, source=source)

    # -- identity and writing ------------------------------------------------------------------

    @property
    def content_hash(self) -> str:
        """SHA-256 (hex) of the canonical JSON of every value, defaults included.

        Independent of key order and formatting in the file, of ``1`` versus ``1.0`` and of
        leaving a default out; it changes when any value (or a default in
        :mod:`etj_sim.scenario.sections`) changes.
        """
        return hash_values(self.model_dump(mode="json"))

    @property
    def short_hash(self) -> str:
        """The first 12 hex digits of :attr:`content_hash`, for folder names and tables."""
        return self.content_hash[:12]

    def to_toml(self) -> str:
        """The scenario as TOML with every value written out; :meth:`loads` reads it back equal."""
        return scenario_to_toml(self)


def scenario_problems(error: ValidationError, data: Mapping[str, Any]) -> list[ScenarioProblem]:
    """Every problem of a scenario's values: pydantic's errors at dotted paths, and more.

    ``data`` is what was validated. The scenario-wide checks run only once every section is
    valid; the campaign days are also checked on the raw values, so that one report lists every
    problem. The experiment spec reports the problems of its design points with this too.
    """
    problems = validation_problems(error, Scenario)
    top_level_checked = any(
        not detail["loc"] and isinstance(detail.get("ctx", {}).get("error"), _Inconsistencies)
        for detail in error.errors()
    )
    if not top_level_checked:
        problems.extend(_raw_campaign_day_problems(data))
    return problems


def _raw_campaign_day_problems(data: Mapping[str, Any]) -> list[ScenarioProblem]:
    duration_days = data.get("duration_days", Scenario.model_fields["duration_days"].default)
    campaigns = data.get("campaigns", [])
    if type(duration_days) is not int or duration_days <= 0 or not isinstance(campaigns, list):
        return []
    findings = _Findings()
    _check_campaign_days(
        duration_days,
        [
            (index, str(campaign.get("name", "")), campaign["day"])
            for index, campaign in enumerate(campaigns)
            if isinstance(campaign, dict) and type(campaign.get("day")) is int
        ],
        findings,
    )
    return [ScenarioProblem(field, message) for field, message in findings.items]

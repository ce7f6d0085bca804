"""Resource limits: the sizes beyond which a scenario would exhaust the machine, not inform.

Pipeline position: part of the first stage (``scenarios/*.toml -> Scenario``). The root model
checks these after its sections are valid, so a population of 10**12 or 10**12 notices a person
is refused with its dotted path before any work, not met as a ``MemoryError`` minutes later.

The limits are generous for real use (all of Sweden is 10.6 million people; ``region-stockholm``
is estimated at 8.8 million messages and cases in its year) and can be raised deliberately with the
environment variable :data:`LIMITS_VARIABLE`: ``ETJ_SIM_LIMITS=4`` allows four times every limit,
``ETJ_SIM_LIMITS=off`` lifts them. The variable is read when a scenario is validated.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    from etj_sim.scenario.model import Scenario

__all__ = ["LIMITS", "LIMITS_VARIABLE", "ResourceLimits", "expected_messages_and_cases"]

LIMITS_VARIABLE: Final = "ETJ_SIM_LIMITS"


@dataclass(frozen=True)
class ResourceLimits:
    """The largest scenario etj_sim runs without being told to (see the module docstring)."""

    people: int = 12_000_000
    """Sweden (10.6 million) with room; the simulation holds about 1.3 GB a million people
    (``region-stockholm``: 3.1 GB peak for 2.4 million, README "Performance")."""
    clinics: int = 10_000
    """Sweden has about 1,100 health centres; each clinic runs its own SimPy processes."""
    staff: int = 100_000
    """Clinics times staff per clinic: each staff member is a SimPy process every day."""
    messages_and_cases: int = 50_000_000
    """Expected messages and cases of the whole run (about six ``region-stockholm`` years; each
    makes about four event-log rows of about 47 bytes, and per-message state besides)."""


LIMITS: Final = ResourceLimits()
_FEW_CLINICS: Final = 100
"""Clinics that a tiny population may have whatever its size (a teaching or test scenario)."""
_RAISE_HINT: Final = (
    f"the limit protects this machine's memory and time; set {LIMITS_VARIABLE}=N to allow N "
    f"times every limit, or {LIMITS_VARIABLE}=off"
)


def _factor(environment: Mapping[str, str]) -> float | str:
    """The limits' multiplier from the environment, or the problem with the variable's value."""
    raw = environment.get(LIMITS_VARIABLE, "").strip()
    if not raw:
        return 1.0
    if raw.casefold() == "off":
        return math.inf
    try:
        factor = float(raw)
    except ValueError:
        factor = math.nan
    if not (math.isfinite(factor) and factor >= 1.0):
        return f"{LIMITS_VARIABLE}={raw!r} is not a number of at least 1 nor 'off'"
    return factor


def expected_messages_and_cases(scenario: Scenario) -> float:
    """An upper estimate of the messages delivered and cases started in the whole run."""
    years = scenario.duration_days / 365.0
    outreach = scenario.outreach
    notices = outreach.appointment_notices_per_person_per_year * (
        1.0 + outreach.pre_visit_information_share + outreach.form_share
    )
    demand = scenario.demand
    cases = sum(demand.cases_per_person_per_year.values()) * max(
        demand.age_multiplier.values(), default=1.0
    )
    per_person = (notices + outreach.questions_per_person_per_year + cases) * years
    return scenario.population.size * (per_person + len(scenario.campaigns))


def _largest_rate(scenario: Scenario) -> str:
    """Where to point at for too much work: the largest per-person rate, else the population."""
    rates = {
        "outreach.appointment_notices_per_person_per_year": (
            scenario.outreach.appointment_notices_per_person_per_year
        ),
        "outreach.questions_per_person_per_year": scenario.outreach.questions_per_person_per_year,
        "demand.cases_per_person_per_year": sum(scenario.demand.cases_per_person_per_year.values()),
        "campaigns": float(len(scenario.campaigns)),
    }
    path, rate = max(rates.items(), key=lambda item: item[1])
    # A year has 365 days: a rate above one a day is what makes the run too large.
    return path if rate > 365.0 else "population.size"


def resource_limit_problems(
    scenario: Scenario, environment: Mapping[str, str] | None = None
) -> list[tuple[str, str]]:
    """(dotted path, message) for every limit the scenario exceeds."""
    factor = _factor(os.environ if environment is None else environment)
    if isinstance(factor, str):
        return [("", factor)]
    if math.isinf(factor):
        return []
    limits = LIMITS
    found: list[tuple[str, str]] = []

    def over(path: str, value: float, limit: float, what: str) -> None:
        if value > limit:
            found.append((path, f"{value:,.0f} {what} is above the limit of {limit:,.0f}; "))

    people = scenario.population.size
    clinics = scenario.clinics.count
    over("population.size", people, limits.people * factor, "people")
    over("clinics.count", clinics, limits.clinics * factor, "clinics")
    if clinics > max(people, _FEW_CLINICS):
        found.append(
            (
                "clinics.count",
                f"{clinics:,} clinics for {people:,} people: give at most one clinic a person "
                f"(or up to {_FEW_CLINICS})",
            )
        )
    staff = clinics * sum(scenario.clinics.staff_per_clinic.values())
    over("clinics.staff_per_clinic", staff, limits.staff * factor, "staff (all clinics)")
    over(
        _largest_rate(scenario),
        expected_messages_and_cases(scenario),
        limits.messages_and_cases * factor,
        "expected messages and cases (people x years x the rates of notices, questions and "
        "cases, plus one a person per campaign)",
    )
    return [
        (path, message + _RAISE_HINT if message.endswith("; ") else message)
        for path, message in found
    ]

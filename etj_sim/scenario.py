"""Scenario: the validated, frozen parameters of one simulated e-service period.

Pipeline position: first stage. ``scenarios/*.toml -> Scenario -> population -> simulation``.
Every later stage reads its parameters from here and nowhere else, so a scenario file plus a seed
fully determines a run.

Defaults come from ``../shared/calibration.md`` where a published figure exists (the source is
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
"""

from __future__ import annotations

import difflib
import hashlib
import json
import math
import re
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Annotated, Any, Final, Literal, get_args, get_origin

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

__all__ = [
    "AGE_BANDS",
    "CASE_KINDS",
    "AlertsSection",
    "BehaviourSection",
    "Campaign",
    "ClinicsSection",
    "DemandSection",
    "HandlingTime",
    "OutreachSection",
    "PopulationSection",
    "Scenario",
    "ScenarioError",
    "ScenarioProblem",
    "age_band_of",
]

AGE_BANDS: Final = ("0-12", "13-17", "18-29", "30-49", "50-64", "65-79", "80+")
"""Age bands used by every by-age parameter and metric. 0-12 is the proxy age (R10, D2)."""

_AGE_BAND_LOWER: Final = (0, 13, 18, 30, 50, 65, 80)

CASE_KINDS: Final = ("prescription_renewal", "health_declaration", "contact_form", "local_eservice")
"""Citizen-initiated case kinds (F1, R18); names match ``etj_sim.events.Kind``."""

STAFF_ROLES: Final = ("nurse", "physician", "administrator")

ALERT_CHANNELS: Final = ("sms", "email", "both")
FAMILY_TYPES: Final = ("two_guardians", "single_guardian")

Share = Annotated[float, Field(ge=0.0, le=1.0)]
PositiveFloat = Annotated[float, Field(gt=0.0)]
NonNegativeFloat = Annotated[float, Field(ge=0.0)]


def age_band_of(age: int) -> str:
    """The label of the age band that ``age`` (whole years) falls in."""
    label = AGE_BANDS[0]
    for lower, band in zip(_AGE_BAND_LOWER, AGE_BANDS, strict=True):
        if age >= lower:
            label = band
    return label


class _Section(BaseModel):
    """Frozen, strict about unknown keys: a typo in a scenario file is an error, not a default."""

    model_config = ConfigDict(frozen=True, extra="forbid", validate_default=True)


class _Inconsistencies(ValueError):
    """Every inconsistency a section validator found, as (field, message) pairs.

    A section validator collects all of them before raising, so a file with three mistakes in one
    section reports three problems. Pydantic keeps this exception object in the error's context,
    which is how :class:`ScenarioError` recovers the pairs.
    """

    def __init__(self, findings: Sequence[tuple[str, str]]) -> None:
        super().__init__("; ".join(f"{field}: {message}" for field, message in findings))
        self.findings = list(findings)


class _Findings:
    """Collects inconsistencies while a validator runs, then raises them all at once."""

    def __init__(self) -> None:
        self.items: list[tuple[str, str]] = []

    def add(self, field: str, message: str) -> None:
        self.items.append((field, message))

    def raise_if_any(self) -> None:
        if self.items:
            raise _Inconsistencies(self.items)


def _did_you_mean(word: str, candidates: Iterable[str]) -> str:
    """``"; did you mean 'x'?"`` for the closest candidate, or an empty string if none is close."""
    matches = difflib.get_close_matches(word, list(candidates), n=1, cutoff=0.6)
    return f"; did you mean '{matches[0]}'?" if matches else ""


def _check_keys(
    values: Mapping[str, object],
    field: str,
    allowed: Sequence[str],
    noun: str,
    findings: _Findings,
    *,
    require_all: bool,
) -> None:
    """Unknown keys (with a hint) and, if ``require_all``, missing keys of a fixed-key table."""
    for key in values:
        if key not in allowed:
            findings.add(
                field,
                f"unknown {noun} '{key}'{_did_you_mean(key, allowed)} (the {noun}s are "
                f"{', '.join(allowed)})",
            )
    missing = [key for key in allowed if key not in values]
    if require_all and missing:
        findings.add(
            field,
            f"missing {noun}(s) {', '.join(missing)}; give every one of {', '.join(allowed)}",
        )


def _check_bands(values: Mapping[str, object], field: str, findings: _Findings) -> None:
    _check_keys(values, field, AGE_BANDS, "age band", findings, require_all=True)


def _check_sum_to_one(values: Mapping[str, float], field: str, findings: _Findings) -> None:
    total = sum(values.values())
    if abs(total - 1.0) > 1e-6:
        findings.add(field, f"the shares must sum to 1, they sum to {total:.6g}")


def _fill_missing_with_zero(value: object, keys: Sequence[str]) -> object:
    """A share table may leave out keys it gives no weight; readers may still index every key."""
    if isinstance(value, Mapping):
        return {**dict.fromkeys(keys, 0.0), **value}
    return value


class PopulationSection(_Section):
    """Who lives in the simulated area (read by ``etj_sim.synthesize_population``)."""

    size: Annotated[int, Field(gt=0)] = 50_000  # a municipality of about 50,000 (issue 4)
    profile: Literal["sweden", "stockholm_county"] = "sweden"
    """Age profile: SCB/Sweco population by age, 2016-12-31 (calibration.md, "Age profile")."""
    municipality: str = "Exempelstad"  # assumption: the name used in synthetic addresses
    female_share: Share = 0.498  # SCB: men 50.2% / women 49.8% (calibration.md)
    samordningsnummer_share: Share = (
        0.034  # ~360,000 active of 10.59M (statenspersonadressregister)
    )
    protected_share: Share = 0.00226  # 23,938 of 10,587,710 (tidningensyre.se 2021; SCB 2024)
    family_types: dict[str, Share] = {
        # 70% two-parent, >20% single parent of 1.2M families (SCB 2022), scaled to sum to 1
        "two_guardians": 0.75,
        "single_guardian": 0.25,
    }
    bankid_share_by_age: dict[str, Share] = {
        "0-12": 0.0,  # assumption: BankID for minors needs guardian approval; rare under 13
        "13-17": 0.55,  # assumption: 13 is a common minimum (bank-specific; calibration.md)
        "18-29": 0.994,  # 99.4% coverage 18-67 (bankid.com statistics 2023)
        "30-49": 0.994,  # 99.4% coverage 18-67 (bankid.com statistics 2023)
        "50-64": 0.994,  # 99.4% coverage 18-67 (bankid.com statistics 2023)
        "65-79": 0.85,  # assumption: 8.6M users of 10.6M (2024) leaves the gap mostly at 68+
        "80+": 0.55,  # assumption
    }
    freja_plus_share: Share = 0.15  # ~1.6M Freja users of 10.6M (frejaeid.com, Feb 2026)
    mobile_share_by_age: dict[str, Share] = {
        "0-12": 0.0,  # assumption: children's settings hold guardians' numbers (D3)
        "13-17": 0.95,  # assumption
        "18-29": 0.98,  # assumption
        "30-49": 0.98,  # assumption
        "50-64": 0.96,  # assumption
        "65-79": 0.9,  # assumption
        "80+": 0.7,  # assumption
    }
    email_share_by_age: dict[str, Share] = {
        "0-12": 0.0,  # assumption
        "13-17": 0.8,  # assumption
        "18-29": 0.95,  # assumption
        "30-49": 0.95,  # assumption
        "50-64": 0.92,  # assumption
        "65-79": 0.8,  # assumption
        "80+": 0.5,  # assumption
    }
    active_account_share_by_age: dict[str, Share] = {
        # Share with an activated 1177 login at the start of the run (R2).
        "0-12": 0.55,  # assumption: activated by a guardian in proxy mode (R9, D7)
        "13-17": 0.7,  # assumption
        "18-29": 0.88,  # >8 in 10 Swedes have logged in (2021 survey, Wikipedia)
        "30-49": 0.9,  # >8 in 10 (2021 survey); Region Jönköping >90% (rjl.se)
        "50-64": 0.85,  # >8 in 10 (2021 survey)
        "65-79": 0.62,  # pensioners ~6 in 10 (2021 survey)
        "80+": 0.4,  # 2019: ~32% of 75+ used e-services (vardfokus.se); growth since, assumption
    }
    logins_per_month_by_age: dict[str, PositiveFloat] = {
        # Mean logins per 30 days of a person with an active account: the digital-engagement
        # attribute. Jan 2020: 5.7M logins for >9M accounts, ~0.6 a month (Inera 2022);
        # Jan 2022 pandemic peak 25.7M. Per band: assumption around that mean.
        "0-12": 0.3,
        "13-17": 0.4,
        "18-29": 0.7,
        "30-49": 0.8,
        "50-64": 0.7,
        "65-79": 0.6,
        "80+": 0.4,
    }
    engagement_dispersion: PositiveFloat = 0.8  # assumption: log-normal sigma between persons

    @field_validator("family_types", mode="before")
    @classmethod
    def _fill_family_types(cls, value: object) -> object:
        return _fill_missing_with_zero(value, FAMILY_TYPES)

    @field_validator(
        "bankid_share_by_age",
        "mobile_share_by_age",
        "email_share_by_age",
        "active_account_share_by_age",
        "logins_per_month_by_age",
    )
    @classmethod
    def _check_by_age(cls, value: dict[str, float], info: ValidationInfo) -> dict[str, float]:
        findings = _Findings()
        _check_bands(value, str(info.field_name), findings)
        findings.raise_if_any()
        return value

    @field_validator("family_types")
    @classmethod
    def _check_family_types(cls, value: dict[str, float]) -> dict[str, float]:
        findings = _Findings()
        _check_keys(value, "family_types", FAMILY_TYPES, "type", findings, require_all=False)
        _check_sum_to_one(value, "family_types", findings)
        findings.raise_if_any()
        return value


class AlertsSection(_Section):
    """Alert choices at the start and the alert gateway's behaviour (R4, R8, D6)."""

    delay_minutes: PositiveFloat = 1.0  # "about a minute" after sending (hh.vgregion.se; D6)
    opt_in_share: Share = 0.55  # assumption: opt-in share not found (calibration.md)
    channel_split: dict[str, Share] = {
        # Among opted-in accounts. 76% want urgent information by SMS, 42% by e-mail
        # (Svenskarna och internet 2020); scaled to SMS only / e-mail only / both.
        "sms": 0.55,
        "email": 0.2,
        "both": 0.25,
    }
    guardian_contacts_share: Share = (
        0.6  # assumption: children's settings with guardian contacts (R13)
    )

    @field_validator("channel_split", mode="before")
    @classmethod
    def _fill_channel_split(cls, value: object) -> object:
        return _fill_missing_with_zero(value, ALERT_CHANNELS)

    @field_validator("channel_split")
    @classmethod
    def _check_channel_split(cls, value: dict[str, float]) -> dict[str, float]:
        findings = _Findings()
        _check_keys(value, "channel_split", ALERT_CHANNELS, "channel", findings, require_all=False)
        _check_sum_to_one(value, "channel_split", findings)
        findings.raise_if_any()
        return value


class HandlingTime(_Section):
    """Log-normal handling time of one staff action, by its mean and standard deviation."""

    mean_minutes: PositiveFloat
    sd_minutes: NonNegativeFloat


class ClinicsSection(_Section):
    """Clinics, their staff and opening hours (R17, R18, P4)."""

    count: Annotated[int, Field(gt=0)] = 5  # assumption: one clinic per ~10,000 residents
    staff_per_clinic: dict[str, Annotated[int, Field(ge=0)]] = {
        "nurse": 2,  # assumption: staff on e-service duty per clinic
        "physician": 1,
        "administrator": 1,
    }
    open_weekdays: list[Annotated[int, Field(ge=0, le=6)]] = [0, 1, 2, 3, 4]  # Monday = 0
    shift_start_hour: Annotated[float, Field(ge=0, lt=24)] = 8.0  # assumption
    shift_end_hour: Annotated[float, Field(gt=0, le=24)] = 17.0  # assumption
    eservice_share_of_shift: Share = 0.3  # assumption: rest of the shift is in-person care
    handling_time: dict[str, HandlingTime] = {
        # Swedish minutes per case: not found (calibration.md); PCPs spend 52 min/workday on the
        # inbox (Akbar, JAMIA 2021). All assumption.
        "prescription_renewal": HandlingTime(mean_minutes=4.0, sd_minutes=2.0),
        "health_declaration": HandlingTime(mean_minutes=8.0, sd_minutes=4.0),
        "contact_form": HandlingTime(mean_minutes=6.0, sd_minutes=4.0),
        "local_eservice": HandlingTime(mean_minutes=6.0, sd_minutes=3.0),
        "reply": HandlingTime(mean_minutes=4.0, sd_minutes=2.5),
    }
    local_eservices: list[str] = ["Provsvar"]  # assumption: one local e-service per clinic (R18)
    dialogue_continue_share: Share = 0.3  # assumption: chance a case needs another round (F4)

    @field_validator("staff_per_clinic")
    @classmethod
    def _check_staff(cls, value: dict[str, int]) -> dict[str, int]:
        findings = _Findings()
        # Every role must be listed (0 for none): a role left out of a file would otherwise
        # silently mean "no such staff", which is rarely what a planner meant.
        _check_keys(value, "staff_per_clinic", STAFF_ROLES, "role", findings, require_all=True)
        if value and sum(value.values()) == 0:
            findings.add("staff_per_clinic", "a clinic needs at least one staff member")
        findings.raise_if_any()
        return value

    @field_validator("handling_time")
    @classmethod
    def _check_handling_time(cls, value: dict[str, HandlingTime]) -> dict[str, HandlingTime]:
        findings = _Findings()
        kinds = (*CASE_KINDS, "reply")
        _check_keys(value, "handling_time", kinds, "kind", findings, require_all=True)
        findings.raise_if_any()
        return value

    @field_validator("open_weekdays")
    @classmethod
    def _check_open_weekdays(cls, value: list[int]) -> list[int]:
        findings = _Findings()
        if not value:
            findings.add("open_weekdays", "give at least one weekday (0 = Monday ... 6 = Sunday)")
        repeated = sorted({day for day in value if value.count(day) > 1})
        if repeated:
            findings.add(
                "open_weekdays", f"weekday(s) {repeated} given more than once; give each day once"
            )
        findings.raise_if_any()
        return value

    @model_validator(mode="after")
    def _check(self) -> ClinicsSection:
        findings = _Findings()
        if self.shift_end_hour <= self.shift_start_hour:
            findings.add(
                "shift_end_hour",
                f"the shift must end after it starts: shift_end_hour is {self.shift_end_hour:g}, "
                f"shift_start_hour is {self.shift_start_hour:g}",
            )
        findings.raise_if_any()
        return self


class DemandSection(_Section):
    """Citizen-initiated cases (F1, F4, F5) by kind, age and time of week."""

    cases_per_person_per_year: dict[str, NonNegativeFloat] = {
        # Patient messages 0.99 -> 2.50 per active patient per year, Epic 2020-2025 (JAMA 2026,
        # via blog; calibration.md). Split by kind: assumption.
        "prescription_renewal": 0.35,
        "health_declaration": 0.05,
        "contact_form": 0.45,
        "local_eservice": 0.1,
    }
    age_multiplier: dict[str, NonNegativeFloat] = {
        "0-12": 0.8,  # assumption
        "13-17": 0.5,  # assumption
        "18-29": 0.8,  # assumption
        "30-49": 1.0,  # assumption
        "50-64": 1.2,  # assumption
        "65-79": 1.4,  # assumption
        "80+": 1.2,  # assumption
    }
    weekday_weights: list[NonNegativeFloat] = [1.2, 1.1, 1.0, 1.0, 0.9, 0.4, 0.4]  # assumption
    hour_weights: list[NonNegativeFloat] = [
        # Peak 08-11 (Region Kalmar 2023, calibration.md); shape otherwise assumption.
        0.1, 0.05, 0.05, 0.05, 0.05, 0.1, 0.3, 0.8,
        1.6, 1.7, 1.6, 1.2, 1.0, 1.0, 1.0, 0.9,
        0.9, 0.8, 0.8, 0.8, 0.7, 0.6, 0.4, 0.2,
    ]  # fmt: skip
    attachment_share: Share = 0.1  # assumption: cases with an attachment (F5)

    @field_validator("cases_per_person_per_year")
    @classmethod
    def _check_case_kinds(cls, value: dict[str, float]) -> dict[str, float]:
        findings = _Findings()
        # All kinds required (0 for none), for the same reason as clinics.staff_per_clinic.
        field = "cases_per_person_per_year"
        _check_keys(value, field, CASE_KINDS, "kind", findings, require_all=True)
        findings.raise_if_any()
        return value

    @field_validator("age_multiplier")
    @classmethod
    def _check_age_multiplier(cls, value: dict[str, float]) -> dict[str, float]:
        findings = _Findings()
        _check_bands(value, "age_multiplier", findings)
        findings.raise_if_any()
        return value

    @field_validator("weekday_weights", "hour_weights")
    @classmethod
    def _check_weights(cls, value: list[float], info: ValidationInfo) -> list[float]:
        findings = _Findings()
        field = str(info.field_name)
        count, first = (7, "Monday") if field == "weekday_weights" else (24, "hour 0")
        if len(value) != count:
            findings.add(field, f"give {count} weights ({first} first), not {len(value)}")
        elif sum(value) <= 0:
            findings.add(field, "the weights are all zero; at least one must be positive")
        findings.raise_if_any()
        return value


class OutreachSection(_Section):
    """Staff-initiated messages: notices, pre-visit information, forms, questions.

    Rules: R19 (staff start communication), F2, F3, F7.
    """

    appointment_notices_per_person_per_year: NonNegativeFloat = 1.5  # assumption
    digital_notice_share: Share = 0.6  # ~60% of notices can be sent digitally (VGR; target 90%)
    pre_visit_information_share: Share = 0.3  # assumption: notices followed by F2 information
    form_share: Share = 0.2  # assumption: notices with a form to fill in before the visit (F3)
    questions_per_person_per_year: NonNegativeFloat = 0.1  # assumption (R19)


class Campaign(_Section):
    """A mass mailing (F6) to everyone in an age range on a day of the run."""

    name: str
    day: Annotated[int, Field(ge=0)]  # days after the start date
    min_age: Annotated[int, Field(ge=0, le=130)] = 0
    max_age: Annotated[int, Field(ge=0, le=130)] = 130
    template: str = "Information"

    @model_validator(mode="after")
    def _check(self) -> Campaign:
        findings = _Findings()
        if self.max_age < self.min_age:
            findings.add(
                "max_age",
                f"the age range is empty: max_age {self.max_age} is below min_age {self.min_age}",
            )
        findings.raise_if_any()
        return self


class BehaviourSection(_Section):
    """How citizens log in, read, reply and change settings (P1, P3)."""

    never_read_share: Share = 0.2  # 1 in 4 never opened (NRK 2018); ~80% opened (Digipost 2022)
    alert_login_share: Share = 0.7  # assumption: alerts that prompt a login to read
    alert_read_delay_hours_median: PositiveFloat = 4.0  # assumption: Swedish time-to-read not found
    alert_read_delay_sigma: PositiveFloat = 1.0  # assumption: log-normal sigma
    app_login_share: Share = 0.5  # assumption: app vs web split not found (calibration.md)
    opt_in_nudge_share: Share = 0.0  # chance per login that an account without alerts opts in
    activation_at_need_share: Share = 0.7  # assumption: no account yet, a need arises -> activate
    reply_share: Share = 0.3  # assumption: citizen replies to a staff answer (F4 round)
    reply_delay_hours_median: PositiveFloat = 12.0  # assumption
    form_completion_share: Share = 0.8  # assumption (F3)
    settings_edit_after_13_share: Share = (
        0.5  # assumption: young people who edit when prompted (R14)
    )


class Scenario(_Section):
    """One scenario: what a planner changes, what a researcher sweeps. Frozen and validated.

    Build one with :meth:`load` (a TOML file, or the ``scenario.json`` of an earlier run),
    :meth:`loads` (TOML text) or the constructor; derive variants with :meth:`with_overrides`.
    """

    name: Annotated[str, Field(min_length=1)] = "unnamed"
    description: str = ""
    start_date: date = date(2026, 1, 5)  # a Monday
    duration_days: Annotated[int, Field(gt=0, le=3650)] = 90
    population: PopulationSection = PopulationSection()
    alerts: AlertsSection = AlertsSection()
    clinics: ClinicsSection = ClinicsSection()
    demand: DemandSection = DemandSection()
    outreach: OutreachSection = OutreachSection()
    campaigns: list[Campaign] = []
    behaviour: BehaviourSection = BehaviourSection()

    @model_validator(mode="after")
    def _check(self) -> Scenario:
        findings = _Findings()
        _check_campaign_days(
            self.duration_days,
            [(index, campaign.name, campaign.day) for index, campaign in enumerate(self.campaigns)],
            findings,
        )
        findings.raise_if_any()
        return self

    # -- reading -------------------------------------------------------------------------------

    @classmethod
    def load(cls, path: str | Path) -> Scenario:
        """Read and validate a scenario file: TOML, or JSON (the ``scenario.json`` of a run).

        Raises :class:`ScenarioError` listing every problem, each with the file name.
        """
        file = Path(path)
        source = str(path)
        try:
            text = file.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise ScenarioError(source, [ScenarioProblem("", "file not found")]) from None
        except IsADirectoryError:
            raise ScenarioError(
                source, [ScenarioProblem("", "is a folder, not a scenario file")]
            ) from None
        except UnicodeDecodeError as error:
            raise ScenarioError(
                source, [ScenarioProblem("", f"not UTF-8 text (bad byte at offset {error.start})")]
            ) from None
        except OSError as error:
            raise ScenarioError(
                source, [ScenarioProblem("", f"cannot read: {error.strerror}")]
            ) from None
        if file.suffix.lower() == ".json":
            return cls._loads_json(text, source=source)
        return cls.loads(text, source=source)

    @classmethod
    def loads(cls, text: str, *, source: str = "<string>") -> Scenario:
        """Validate a scenario given as TOML text; ``source`` names it in error messages."""
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as error:
            raise ScenarioError(source, [_syntax_problem(error)]) from None
        # Strict: TOML has real numbers, booleans and dates, so a quoted "5" where a number
        # belongs is a mistake in the file, not something to coerce silently.
        return cls._validate(data, source=source, strict=True)

    @classmethod
    def _loads_json(cls, text: str, *, source: str) -> Scenario:
        try:
            data = json.loads(text)
        except json.JSONDecodeError as error:
            raise ScenarioError(
                source,
                [ScenarioProblem("", f"JSON syntax error: {error.msg}", error.lineno, error.colno)],
            ) from None
        if not isinstance(data, dict):
            raise ScenarioError(source, [ScenarioProblem("", "expected a JSON object")])
        # Lax: JSON has no date type, so start_date arrives as text.
        return cls._validate(data, source=source, strict=False)

    @classmethod
    def _validate(cls, data: dict[str, Any], *, source: str, strict: bool) -> Scenario:
        try:
            return cls.model_validate(data, strict=strict)
        except ValidationError as error:
            raise ScenarioError(source, _problems_of(error, data)) from None

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
            if (problem := _apply_override(data, key, value)) is not None
        ]
        if problems:
            # Report the values of the good keys too, so one error lists everything.
            try:
                type(self).model_validate(data)
            except ValidationError as error:
                problems.extend(_problems_of(error, data))
            raise ScenarioError(source, problems)
        return type(self)._validate(data, source=source, strict=False)

    # -- identity and writing ------------------------------------------------------------------

    @property
    def content_hash(self) -> str:
        """SHA-256 (hex) of the canonical JSON of every value, defaults included.

        Independent of key order and formatting in the file, of ``1`` versus ``1.0`` and of
        leaving a default out; it changes when any value (or a default in this module) changes.
        """
        canonical = json.dumps(
            self.model_dump(mode="json"),
            sort_keys=True,
            separators=(",", ":"),
            ensure_ascii=False,
            allow_nan=False,
        )
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest()

    @property
    def short_hash(self) -> str:
        """The first 12 hex digits of :attr:`content_hash`, for folder names and tables."""
        return self.content_hash[:12]

    def to_toml(self) -> str:
        """The scenario as TOML with every value written out; :meth:`loads` reads it back equal."""
        lines: list[str] = []
        _emit_table(lines, (), self.model_dump())
        return "\n".join(lines).strip() + "\n"


def _check_campaign_days(
    duration_days: int, campaigns: Sequence[tuple[int, str, int]], findings: _Findings
) -> None:
    for index, name, day in campaigns:
        if day >= duration_days:
            findings.add(
                f"campaigns[{index}].day",
                f"{f'campaign {name!r}' if name else 'the campaign'} is on day {day}, "
                f"outside the run of {duration_days} days "
                f"(duration_days; days count from 0, so the last day is {duration_days - 1})",
            )


# -- problems and their report ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ScenarioProblem:
    """One thing wrong with a scenario, at a dotted ``path`` such as ``clinics.staff_per_clinic``.

    ``line`` and ``column`` (1-based) are known for syntax errors only; ``path`` is empty for
    problems with the file as a whole.
    """

    path: str
    message: str
    line: int | None = None
    column: int | None = None

    def render(self, source: str) -> str:
        """``FILE: path: message``, or ``FILE:LINE:COL: message`` where the position is known."""
        where = source
        if self.line is not None:
            where += f":{self.line}" + (f":{self.column}" if self.column is not None else "")
        return f"{where}: {self.path}: {self.message}" if self.path else f"{where}: {self.message}"


class ScenarioError(ValueError):
    """Every problem found in one scenario source; its text has one problem per line."""

    def __init__(self, source: str, problems: Sequence[ScenarioProblem]) -> None:
        # Both in args, so the error survives pickling (experiments run in other processes).
        super().__init__(source, list(problems))
        self.source = source
        self.problems = list(problems)

    def __str__(self) -> str:
        return "\n".join(problem.render(self.source) for problem in self.problems)


_TOML_POSITION: Final = re.compile(r"\s*\(at line (\d+), column (\d+)\)$")


def _syntax_problem(error: tomllib.TOMLDecodeError) -> ScenarioProblem:
    """tomllib's message ends in "(at line 3, column 9)"; move that into the problem's fields."""
    text = str(error)
    line: int | None = None
    column: int | None = None
    match = _TOML_POSITION.search(text)
    if match:
        text = text[: match.start()]
        line, column = int(match.group(1)), int(match.group(2))
    text = re.sub(r"\s*\(at end of document\)$", " at the end of the file", text)
    return ScenarioProblem("", f"TOML syntax error: {text}", line, column)


def _dotted(loc: Sequence[int | str]) -> str:
    """``("campaigns", 0, "day")`` -> ``"campaigns[0].day"``."""
    path = ""
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path += f".{part}" if path else part
    return path


def _unwrap(annotation: object) -> object:
    while get_origin(annotation) is Annotated:
        annotation = get_args(annotation)[0]
    return annotation


def _model_at(loc: Sequence[int | str]) -> type[BaseModel] | None:
    """The section model that the key at ``loc`` belongs to, following lists and tables."""
    node: object = Scenario
    for part in loc:
        node = _unwrap(node)
        if isinstance(node, type) and issubclass(node, BaseModel):
            field = node.model_fields.get(str(part))
            if field is None:
                return None
            node = field.annotation
        elif get_origin(node) in (list, dict):
            node = get_args(node)[-1]
        else:
            return None
    node = _unwrap(node)
    if isinstance(node, type) and issubclass(node, BaseModel):
        return node
    return None


def _section_fields(model: type[BaseModel], prefix: str) -> list[str]:
    """Dotted paths of all keys under ``model``, nested sections included."""
    paths: list[str] = []
    for name, field in model.model_fields.items():
        path = f"{prefix}.{name}" if prefix else name
        paths.append(path)
        inner = _unwrap(field.annotation)
        if isinstance(inner, type) and issubclass(inner, BaseModel):
            paths.extend(_section_fields(inner, path))
    return paths


def _unknown_key_message(
    parent: str, key: str, allowed: Sequence[str], *, full_path: bool = False
) -> str:
    """An "unknown key" message with the closest allowed key here or, failing that, elsewhere.

    ``full_path`` spells the hint as a whole dotted key (overrides are dotted keys).
    """
    # A key often lands in the wrong section ("opt_in_nudge_share" under [alerts]); the same
    # name in another section is a better hint than a look-alike here.
    elsewhere = {
        path.rsplit(".", 1)[-1]: path
        for path in reversed(_section_fields(Scenario, ""))
        if (path.rsplit(".", 1)[0] if "." in path else "") != parent
    }
    if key in elsewhere:
        return _belongs_elsewhere(elsewhere[key])
    matches = difflib.get_close_matches(key, list(allowed), n=1, cutoff=0.6)
    if matches:
        prefix = f"{parent}." if full_path and parent else ""
        return f"unknown key; did you mean '{prefix}{matches[0]}'?"
    matches = difflib.get_close_matches(key, list(elsewhere), n=1, cutoff=0.8)
    if matches:
        return _belongs_elsewhere(elsewhere[matches[0]])
    level = f"[{parent}]" if parent else "the top level"
    return f"unknown key; the keys of {level} are {', '.join(allowed)}"


def _belongs_elsewhere(path: str) -> str:
    section, _, _ = path.rpartition(".")
    where = f"the [{section}] section" if section else "the top level"
    return f"unknown key here; did you mean '{path}' (it belongs in {where})?"


_PYDANTIC_MESSAGES: Final = {
    "missing": "required key is missing",
    "date_type": "should be a date, written without quotes or time: start_date = 2026-01-05",
    "date_from_datetime_inexact": "should be a date without a time: start_date = 2026-01-05",
    "model_type": "should be a table: a [section] or { key = value, ... }",
    "model_attributes_type": "should be a table: a [section] or { key = value, ... }",
    "dict_type": "should be a table: [name] or { key = value, ... }",
    "list_type": "should be a list: [value, value, ...]",
}


def _problems_of(error: ValidationError, data: Mapping[str, Any]) -> list[ScenarioProblem]:
    """Translate pydantic's errors into problems at dotted paths, keeping validators' messages."""
    problems: list[ScenarioProblem] = []
    top_level_checked = False
    for detail in error.errors():
        loc = detail["loc"]
        kind = detail["type"]
        cause = detail.get("ctx", {}).get("error")
        if isinstance(cause, _Inconsistencies):
            top_level_checked = top_level_checked or not loc
            for field, message in cause.findings:
                if loc and loc[-1] == field:
                    # A field validator: the path already ends in the field.
                    problems.append(ScenarioProblem(_dotted(loc), message))
                elif loc:
                    # A section's (model) validator: the path is the section's, the message
                    # starts with the field it is about.
                    problems.append(ScenarioProblem(_dotted(loc), f"{field}: {message}"))
                else:
                    problems.append(ScenarioProblem(field, message))
        elif kind == "extra_forbidden":
            model = _model_at(loc[:-1])
            allowed = list(model.model_fields) if model is not None else []
            problems.append(
                ScenarioProblem(
                    _dotted(loc), _unknown_key_message(_dotted(loc[:-1]), str(loc[-1]), allowed)
                )
            )
        else:
            message = _PYDANTIC_MESSAGES.get(kind, detail["msg"])
            message = message.removeprefix("Value error, ").replace("Input should", "should", 1)
            given = detail.get("input")
            if kind != "missing" and not isinstance(given, dict | list):
                shown = given.isoformat() if isinstance(given, date) else repr(given)
                message += f" (got {shown})"
            problems.append(ScenarioProblem(_dotted(loc), message))
    if not top_level_checked:
        # The scenario-wide check runs only when every section is valid; run it on the raw
        # values too, so that one report lists every problem.
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


# -- overrides ----------------------------------------------------------------------------------


def _apply_override(data: dict[str, Any], key: str, value: object) -> ScenarioProblem | None:
    """Set ``value`` at dotted ``key`` inside a model dump, or say why the key is wrong."""
    parts = [part for part in re.split(r"[.\[\]]+", key) if part]
    if not parts:
        return ScenarioProblem(key, "empty key")
    node: Any = data
    for depth, part in enumerate(parts):
        here = ".".join(parts[:depth])
        last = depth == len(parts) - 1
        if isinstance(node, dict):
            if part not in node:
                model = _model_at([int(p) if p.isdigit() else p for p in parts[:depth]])
                allowed = list(model.model_fields) if model is not None else list(node)
                message = _unknown_key_message(here, part, allowed, full_path=True)
                return ScenarioProblem(key, message)
            if last:
                node[part] = value
            else:
                node = node[part]
        elif isinstance(node, list):
            if not node:
                return ScenarioProblem(key, f"'{here}' is an empty list; replace it as a whole")
            if not part.isdigit() or int(part) >= len(node):
                return ScenarioProblem(
                    key,
                    f"'{here}' has {len(node)} entries; give an index from 0 to {len(node) - 1}",
                )
            if last:
                node[int(part)] = value
            else:
                node = node[int(part)]
        else:
            return ScenarioProblem(key, f"'{here}' is a single value, it has no key '{part}'")
    return None


# -- TOML writing (tomllib only reads) ----------------------------------------------------------

_BARE_KEY: Final = re.compile(r"^[A-Za-z0-9_-]+$")


def _toml_key(key: str) -> str:
    return key if _BARE_KEY.match(key) else json.dumps(key, ensure_ascii=False)


def _toml_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return repr(value)
    if isinstance(value, str):
        # JSON string escapes are valid TOML basic-string escapes; DEL must be escaped too.
        return json.dumps(value, ensure_ascii=False).replace("\x7f", "\\u007f")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(item) for item in value) + "]"
    if isinstance(value, dict):
        items = ", ".join(f"{_toml_key(k)} = {_toml_value(v)}" for k, v in value.items())
        return "{ " + items + " }" if items else "{}"
    raise TypeError(f"cannot write {type(value).__name__} as TOML")


def _is_table_list(value: object) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(v, dict) for v in value)


def _emit_table(lines: list[str], path: tuple[str, ...], table: Mapping[str, object]) -> None:
    header = ".".join(_toml_key(part) for part in path)
    plain = {k: v for k, v in table.items() if not isinstance(v, dict) and not _is_table_list(v)}
    if path and (plain or not table):
        lines.extend(["", f"[{header}]"])
    lines.extend(f"{_toml_key(key)} = {_toml_value(value)}" for key, value in plain.items())
    for key, value in table.items():
        if isinstance(value, dict):
            _emit_table(lines, (*path, key), value)
        elif _is_table_list(value):
            assert isinstance(value, list)
            for item in value:
                lines.extend(["", f"[[{'.'.join(_toml_key(p) for p in (*path, key))}]]"])
                lines.extend(f"{_toml_key(k)} = {_toml_value(v)}" for k, v in item.items())

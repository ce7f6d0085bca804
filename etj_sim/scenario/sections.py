"""The sections of a scenario: population, alerts, clinics, demand, outreach, campaigns, behaviour.

Pipeline position: part of the first stage (``scenarios/*.toml -> Scenario``). Each section is a
frozen pydantic model that a later stage reads its parameters from (population synthesis, the
simulation's demand, staff and citizen processes).

Defaults come from ``docs/sources.md`` where a published figure exists (the source is
named beside the value) and are marked ``# assumption`` where none does.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)

from etj_sim.scenario.checks import (
    _check_bands,
    _check_keys,
    _fill_missing_with_zero,
    _raise_if_bad_share_table,
)
from etj_sim.scenario.problems import _Findings
from etj_sim.scenario.vocabulary import (
    ALERT_CHANNELS,
    CASE_KINDS,
    FAMILY_TYPES,
    STAFF_ROLES,
)

__all__ = [
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
    "Share",
]

Share = Annotated[float, Field(ge=0.0, le=1.0)]
PositiveFloat = Annotated[float, Field(gt=0.0)]
NonNegativeFloat = Annotated[float, Field(ge=0.0)]


class _Section(BaseModel):
    """Frozen, strict about unknown keys: a typo in a scenario file is an error, not a default."""

    model_config = ConfigDict(frozen=True, extra="forbid", validate_default=True)


class PopulationSection(_Section):
    """Who lives in the simulated area (read by ``etj_sim.synthesize_population``)."""

    size: Annotated[int, Field(gt=0)] = 50_000  # a municipality of about 50,000 (issue 4)
    profile: Literal["sweden", "stockholm_county"] = "sweden"
    """Age profile: SCB/Sweco population by age, 2016-12-31 (docs/sources.md, "Age profile")."""
    municipality: str = "Exempelstad"  # assumption: the name used in synthetic addresses
    female_share: Share = 0.498  # SCB: men 50.2% / women 49.8% (docs/sources.md)
    samordningsnummer_share: Share = (
        0.034  # ~360,000 active of 10.59M (statenspersonadressregister)
    )
    protected_share: Share = 0.00226  # 23,938 of 10,587,710 (tidningensyre.se 2021; SCB 2024)
    # The register over time (R9, R10, R12): per person (or child) and year of the run.
    # 12,049 (2011) -> 23,938 (2021) protected: ~1,190 a year of ~10.4 M (tidningensyre.se 2021).
    protection_granted_per_person_year: Share = 0.000115
    protection_lifted_per_protected_year: Share = 0.02  # assumption
    # A guardian of a two-guardian child leaves the custody (D9).
    custody_ended_per_child_year: Share = 0.005  # assumption
    family_types: dict[str, Share] = {
        # 70% two-parent, >20% single parent of 1.2M families (SCB 2022), scaled to sum to 1
        "two_guardians": 0.75,
        "single_guardian": 0.25,
    }
    bankid_share_by_age: dict[str, Share] = {
        "0-12": 0.0,  # assumption: BankID for minors needs guardian approval; rare under 13
        "13-17": 0.55,  # assumption: 13 is a common minimum (bank-specific; docs/sources.md)
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
        # Share with an activated 1177 login at the start of the run (R2), of everyone in the
        # band; the run activates more at first need, so the shares at the end are higher. The
        # published figures are of registered residents (personnummer holders; samordningsnummer
        # holders, D5, are not counted), among whom the shares are higher again. Checked together
        # against all three in tests/validation (docs/validation.md, F-1), at the end, on
        # residents: 18+ ~0.86, 65+ ~0.61, all ~0.875.
        # derived: Inera >9M of ~10.45M residents (0.861) counts children too; with residents
        # 18+ at ~0.86 (79.2% of residents, 2016 age profile), children (20.8%) need
        # (0.861 - 0.792 * 0.86) / 0.208 = 0.865 at the end to reach 0.861, and
        # (0.875 - 0.792 * 0.86) / 0.208 = 0.93 to sit at 0.875, a margin above it.
        # Proxy user counts: not found (docs/sources.md), so no figure of their own.
        "0-12": 0.92,  # derived (above): activated by a guardian in proxy mode (R9, D7)
        # derived (above). Above own e-ID holding (~0.62: BankID 0.55, Freja+ 0.15): an account
        # a guardian activated before 13 stays active (nothing is cleared, R14), so about a
        # third of 13-17 hold an account they cannot log in to until they get an e-ID (R15).
        "13-17": 0.92,
        # 18-64: >8 in 10 Swedes have logged in (2021 survey, Wikipedia); Region Jönköping >90%
        # of residents (rjl.se) is the leading region. With 65+ at ~6 in 10, 18-64 at ~0.94 of
        # residents at the end keeps 18+ at ~0.86, inside the survey's 0.80-0.90.
        "18-29": 0.9,
        "30-49": 0.9,
        "50-64": 0.89,  # as 18-49, a step towards 65+ (use falls with age: vardfokus.se 2019)
        # Pensioners ~6 in 10 (2021 survey): 0.58 at the start is ~0.67 of resident 65-79 at
        # the end, which with 80+ puts 65+ at ~0.61.
        "65-79": 0.58,
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
        _raise_if_bad_share_table(value, "family_types", FAMILY_TYPES, "type")
        return value


class AlertsSection(_Section):
    """Alert choices at the start and the alert gateway's behaviour (R4, R8, D6)."""

    delay_minutes: PositiveFloat = 1.0  # "about a minute" after sending (hh.vgregion.se; D6)
    opt_in_share: Share = 0.55  # assumption: opt-in share not found (docs/sources.md)
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
        _raise_if_bad_share_table(value, "channel_split", ALERT_CHANNELS, "channel")
        return value


class HandlingTime(_Section):
    """Handling time of one staff action, by its mean and standard deviation.

    ``distribution`` is ``"lognormal"`` (the model's default: mean and sd give the log-normal) or
    ``"exponential"`` (mean ``mean_minutes``; ``sd_minutes`` is ignored, as an exponential's sd
    equals its mean). The exponential exists for validation against queueing theory (M/M/c,
    tests/validation, docs/validation.md), not as a claim about real handling times.
    """

    mean_minutes: PositiveFloat
    sd_minutes: NonNegativeFloat
    distribution: Literal["lognormal", "exponential"] = "lognormal"


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
        # Swedish minutes per case: not found (docs/sources.md); PCPs spend 52 min/workday on the
        # inbox (Akbar, JAMIA 2021). All assumption.
        "prescription_renewal": HandlingTime(mean_minutes=4.0, sd_minutes=2.0),
        "health_declaration": HandlingTime(mean_minutes=8.0, sd_minutes=4.0),
        "contact_form": HandlingTime(mean_minutes=6.0, sd_minutes=4.0),
        "local_eservice": HandlingTime(mean_minutes=6.0, sd_minutes=3.0),
        "reply": HandlingTime(mean_minutes=4.0, sd_minutes=2.5),
    }
    local_eservices: list[str] = ["Provsvar"]  # assumption: one local e-service per clinic (R18)
    dialogue_continue_share: Share = 0.3  # assumption: chance a case needs another round (F4)
    answer_attachment_share: Share = 0.05  # assumption: staff answers that carry a file (F5)
    allow_overrun: bool = False
    """False (the model): a case is taken only when its handling time fits in what is left of the
    duty block. True: a case is taken whenever the staff member is on duty and may run past the
    block's end (the block then ends with the answer). With ``shift_start_hour = 0``,
    ``shift_end_hour = 24``, ``eservice_share_of_shift = 1`` and all seven ``open_weekdays`` this
    gives c servers always on duty: the M/M/c set-up of tests/validation (docs/validation.md)."""

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
        # via blog; docs/sources.md). Split by kind: assumption.
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
        # Peak 08-11 (Region Kalmar 2023, docs/sources.md); shape otherwise assumption.
        0.1, 0.05, 0.05, 0.05, 0.05, 0.1, 0.3, 0.8,
        1.6, 1.7, 1.6, 1.2, 1.0, 1.0, 1.0, 0.9,
        0.9, 0.8, 0.8, 0.8, 0.7, 0.6, 0.4, 0.2,
    ]  # fmt: skip
    attachment_share: Share = 0.1  # assumption: cases with an attachment (F5)
    scale: NonNegativeFloat = 1.0
    """One multiplier for all citizen demand: every kind's ``cases_per_person_per_year`` is
    multiplied by it (2.0: twice the cases; 0: none). The planner's dial for "what if demand
    rises by a fifth" without editing each kind."""

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

    never_read_share: Share = 0.09
    """Messages the holder will never open. 1 in 4 public digital letters never opened (NRK
    2018); ~80% opened (Digipost 2022). Set below 0.2 because reads also wait for a login:
    0.09 puts the share ever read (messages delivered >= 60 days before the end) at ~0.775,
    the middle of 0.75-0.80 (calibrated, docs/validation.md F-2)."""
    alert_login_share: Share = 0.7  # assumption: alerts that prompt a login to read
    alert_read_delay_hours_median: PositiveFloat = 4.0  # assumption: Swedish time-to-read not found
    alert_read_delay_sigma: PositiveFloat = 1.0  # assumption: log-normal sigma
    app_login_share: Share = 0.5  # assumption: app vs web split not found (docs/sources.md)
    opt_in_nudge_share: Share = 0.0  # chance per login that an account without alerts opts in
    activation_at_need_share: Share = 0.7  # assumption: no account yet, a need arises -> activate
    reply_delay_hours_median: PositiveFloat = 12.0  # assumption
    form_completion_share: Share = 0.8  # assumption (F3)
    question_answer_share: Share = 0.85  # assumption: staff questions answered once read (R19, F4)
    child_own_login_share: Share = (
        0.5  # assumption: children under 13 with an e-ID acting themself (R11)
    )
    settings_edit_after_13_share: Share = (
        0.5  # assumption: young people who edit when prompted (R14)
    )

"""Scenario: the validated, frozen parameters of one simulated e-service period.

Pipeline position: first stage. ``scenarios/*.toml -> Scenario -> population -> simulation``.
Every later stage reads its parameters from here and nowhere else, so a scenario file plus a seed
fully determines a run.

Defaults come from ``../shared/calibration.md`` where a published figure exists (the source is
named beside the value) and are marked ``# assumption`` where none does.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Final, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

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
    "age_band_of",
]

AGE_BANDS: Final = ("0-12", "13-17", "18-29", "30-49", "50-64", "65-79", "80+")
"""Age bands used by every by-age parameter and metric. 0-12 is the proxy age (R10, D2)."""

_AGE_BAND_LOWER: Final = (0, 13, 18, 30, 50, 65, 80)

CASE_KINDS: Final = ("prescription_renewal", "health_declaration", "contact_form", "local_eservice")
"""Citizen-initiated case kinds (F1, R18); names match ``etj_sim.events.Kind``."""

STAFF_ROLES: Final = ("nurse", "physician", "administrator")

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


def _check_bands(values: dict[str, float], field: str) -> None:
    missing = [band for band in AGE_BANDS if band not in values]
    unknown = [band for band in values if band not in AGE_BANDS]
    if unknown:
        raise ValueError(f"{field}: unknown age band(s) {unknown}; the bands are {list(AGE_BANDS)}")
    if missing:
        raise ValueError(f"{field}: missing age band(s) {missing}; give all of {list(AGE_BANDS)}")


def _check_sum_to_one(values: dict[str, float], field: str) -> None:
    total = sum(values.values())
    if abs(total - 1.0) > 1e-6:
        raise ValueError(f"{field}: proportions must sum to 1, they sum to {total:.6g}")


class PopulationSection(_Section):
    """Who lives in the simulated area (read by ``etj_sim.synthesize_population``)."""

    size: Annotated[int, Field(gt=0)] = 50_000  # a municipality of about 50,000 (issue 4)
    profile: Literal["sweden", "stockholm_county"] = "sweden"
    """Age profile: SCB/Sweco population by age, 2016-12-31 (calibration.md, "Age profile")."""
    municipality: str = "Exempelstad"  # assumption: the name used in synthetic addresses
    female_share: Share = 0.498  # SCB: men 50.2% / women 49.8% (calibration.md)
    samordningsnummer_share: Share = 0.034  # ~360,000 active of 10.59M (statenspersonadressregister)
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

    @model_validator(mode="after")
    def _check(self) -> PopulationSection:
        for field in (
            "bankid_share_by_age",
            "mobile_share_by_age",
            "email_share_by_age",
            "active_account_share_by_age",
            "logins_per_month_by_age",
        ):
            _check_bands(getattr(self, field), field)
        unknown = set(self.family_types) - {"two_guardians", "single_guardian"}
        if unknown:
            raise ValueError(
                f"family_types: unknown type(s) {sorted(unknown)}; "
                "the types are 'two_guardians' and 'single_guardian'"
            )
        _check_sum_to_one(self.family_types, "family_types")
        return self


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
    guardian_contacts_share: Share = 0.6  # assumption: children's settings with guardian contacts (R13)

    @model_validator(mode="after")
    def _check(self) -> AlertsSection:
        unknown = set(self.channel_split) - {"sms", "email", "both"}
        if unknown:
            raise ValueError(
                f"channel_split: unknown channel(s) {sorted(unknown)}; use 'sms', 'email', 'both'"
            )
        _check_sum_to_one(self.channel_split, "channel_split")
        return self


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

    @model_validator(mode="after")
    def _check(self) -> ClinicsSection:
        unknown = set(self.staff_per_clinic) - set(STAFF_ROLES)
        if unknown:
            raise ValueError(
                f"staff_per_clinic: unknown role(s) {sorted(unknown)}; roles are {list(STAFF_ROLES)}"
            )
        if sum(self.staff_per_clinic.values()) == 0:
            raise ValueError("staff_per_clinic: a clinic needs at least one staff member")
        if self.shift_end_hour <= self.shift_start_hour:
            raise ValueError(
                f"shift_end_hour ({self.shift_end_hour}) must be after "
                f"shift_start_hour ({self.shift_start_hour})"
            )
        needed = {*CASE_KINDS, "reply"}
        missing = needed - set(self.handling_time)
        unknown_kinds = set(self.handling_time) - needed
        if missing:
            raise ValueError(f"handling_time: missing kind(s) {sorted(missing)}")
        if unknown_kinds:
            raise ValueError(
                f"handling_time: unknown kind(s) {sorted(unknown_kinds)}; kinds are {sorted(needed)}"
            )
        if len(set(self.open_weekdays)) != len(self.open_weekdays) or not self.open_weekdays:
            raise ValueError("open_weekdays: give each weekday (0 = Monday) once, at least one")
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

    @model_validator(mode="after")
    def _check(self) -> DemandSection:
        unknown = set(self.cases_per_person_per_year) - set(CASE_KINDS)
        if unknown:
            raise ValueError(
                f"cases_per_person_per_year: unknown kind(s) {sorted(unknown)}; "
                f"kinds are {list(CASE_KINDS)}"
            )
        _check_bands(self.age_multiplier, "age_multiplier")
        if len(self.weekday_weights) != 7 or sum(self.weekday_weights) <= 0:
            raise ValueError("weekday_weights: give 7 weights (Monday first), not all zero")
        if len(self.hour_weights) != 24 or sum(self.hour_weights) <= 0:
            raise ValueError("hour_weights: give 24 weights (hour 0 first), not all zero")
        return self


class OutreachSection(_Section):
    """Staff-initiated messages: notices, pre-visit information, forms, questions (R19, F2, F3, F7)."""

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
        if self.max_age < self.min_age:
            raise ValueError(f"max_age ({self.max_age}) is below min_age ({self.min_age})")
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
    settings_edit_after_13_share: Share = 0.5  # assumption: young people who edit when prompted (R14)


class Scenario(_Section):
    """One scenario: what a planner changes, what a researcher sweeps. Frozen and validated."""

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
        for index, campaign in enumerate(self.campaigns):
            if campaign.day >= self.duration_days:
                raise ValueError(
                    f"campaigns[{index}].day ({campaign.day}) is not within the run of "
                    f"{self.duration_days} days"
                )
        return self

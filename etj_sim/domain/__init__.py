"""The in-memory 1177 e-service system: register, accounts, portal, staff tool, alerts.

Pipeline position: ``scenario -> population -> domain (this package) -> simulation -> event
log -> metrics``. :class:`EServices` bundles one whole system; the simulation and notebooks act
only through it. Every rule of ``docs/rules.md`` is enforced in exactly one place
that cites its ID; a refused operation raises a :class:`DomainError` subclass naming the rule
and leaves the state exactly as it was. No SimPy, no randomness, no I/O. The contract is
``docs/domain-api.md``.
"""

from __future__ import annotations

from etj_sim.domain.alerts import AlertGateway
from etj_sim.domain.clock import Clock
from etj_sim.domain.errors import (
    AccountNotActive,
    ClinicNotActivated,
    DomainError,
    InvalidOperation,
    InvalidPersonalNumber,
    LoginRefused,
    NotAccountHolder,
    ProxyRefused,
    SettingsNotEditable,
    UnknownCase,
    UnknownClinic,
    UnknownMessage,
    UnknownPerson,
    UnknownStaff,
)
from etj_sim.domain.identity import EID, PersonalNumber, PersonalNumberKind, Sex, luhn_check_digit
from etj_sim.domain.portal import Portal, ProxySession, Session
from etj_sim.domain.records import RecordSystem
from etj_sim.domain.register import PersonRef, PopulationRegister
from etj_sim.domain.services import EServices
from etj_sim.domain.staff_tool import SendCaseDraft, StaffTool
from etj_sim.domain.views import (
    UNSET,
    AlertChoices,
    Attachment,
    CaseEntry,
    CaseView,
    MassMailingResult,
    MessageView,
    ReadStatus,
    RecordView,
    SettingsView,
    Unset,
)

__all__ = [
    "EID",
    "UNSET",
    "AccountNotActive",
    "AlertChoices",
    "AlertGateway",
    "Attachment",
    "CaseEntry",
    "CaseView",
    "ClinicNotActivated",
    "Clock",
    "DomainError",
    "EServices",
    "InvalidOperation",
    "InvalidPersonalNumber",
    "LoginRefused",
    "MassMailingResult",
    "MessageView",
    "NotAccountHolder",
    "PersonRef",
    "PersonalNumber",
    "PersonalNumberKind",
    "PopulationRegister",
    "Portal",
    "ProxyRefused",
    "ProxySession",
    "ReadStatus",
    "RecordSystem",
    "RecordView",
    "SendCaseDraft",
    "Session",
    "SettingsNotEditable",
    "SettingsView",
    "Sex",
    "StaffTool",
    "UnknownCase",
    "UnknownClinic",
    "UnknownMessage",
    "UnknownPerson",
    "UnknownStaff",
    "Unset",
    "luhn_check_digit",
]

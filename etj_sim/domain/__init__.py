"""The in-memory 1177 e-service system: register, accounts, portal, staff tool, alerts.

Pipeline position: ``scenario -> population -> domain (this package) -> simulation -> event
log -> metrics``. :class:`EServices` bundles one whole system; the simulation and notebooks act
only through it: commands through its portal and staff tool, typed queries, listeners. Every
rule of ``docs/rules.md`` is enforced in exactly one place that cites its ID; a refused
operation raises a :class:`DomainError` subclass naming the rule and leaves the state exactly as
it was. No SimPy, no randomness, no I/O. The contract is
``docs/domain-api.md``.
"""

from __future__ import annotations

# Internal parts, importable for tests, benchmarks and the simulation (not in ``__all__``: users
# reach them through ``EServices``). The redundant aliases mark them as re-exported.
from etj_sim.domain.alerts import AlertGateway as AlertGateway
from etj_sim.domain.clock import Clock as Clock
from etj_sim.domain.errors import (
    AccessDenied,
    AccountNotActive,
    AttachmentRefused,
    ClinicNotActivated,
    DomainError,
    FormAnswersInvalid,
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
from etj_sim.domain.identity import EID, PersonalNumber, PersonalNumberKind, Sex
from etj_sim.domain.identity import luhn_check_digit as luhn_check_digit
from etj_sim.domain.listeners import Listeners as Listeners
from etj_sim.domain.portal import Portal as Portal
from etj_sim.domain.portal import ProxySession, Session
from etj_sim.domain.records import RecordSystem as RecordSystem
from etj_sim.domain.register import PersonRef as PersonRef
from etj_sim.domain.register import PopulationRegister as PopulationRegister
from etj_sim.domain.register_columns import thirteenth_birthday_days as thirteenth_birthday_days
from etj_sim.domain.services import EServices
from etj_sim.domain.staff_tool import SendCaseDraft
from etj_sim.domain.staff_tool import StaffTool as StaffTool
from etj_sim.domain.views import (
    UNSET,
    AlertChoices,
    Attachment,
    CaseEntry,
    CaseState,
    CaseView,
    Form,
    FormAnswers,
    MassMailingResult,
    MessageView,
    Question,
    QuestionType,
    ReadStatus,
    RecordView,
    SettingsView,
    StaffCase,
    Template,
    TemplateKind,
    Unset,
)

# Internal parts (Clock, Portal, StaffTool, PopulationRegister, AlertGateway, Listeners, ...) are
# importable, with redundant aliases marking the re-export, for tests, benchmarks and the
# simulation; users reach them through EServices, so they are not in __all__.
__all__ = [
    "EID",
    "UNSET",
    "AccessDenied",
    "AccountNotActive",
    "AlertChoices",
    "Attachment",
    "AttachmentRefused",
    "CaseEntry",
    "CaseState",
    "CaseView",
    "ClinicNotActivated",
    "DomainError",
    "EServices",
    "Form",
    "FormAnswers",
    "FormAnswersInvalid",
    "InvalidOperation",
    "InvalidPersonalNumber",
    "LoginRefused",
    "MassMailingResult",
    "MessageView",
    "NotAccountHolder",
    "PersonalNumber",
    "PersonalNumberKind",
    "ProxyRefused",
    "ProxySession",
    "Question",
    "QuestionType",
    "ReadStatus",
    "RecordView",
    "SendCaseDraft",
    "Session",
    "SettingsNotEditable",
    "SettingsView",
    "Sex",
    "StaffCase",
    "Template",
    "TemplateKind",
    "UnknownCase",
    "UnknownClinic",
    "UnknownMessage",
    "UnknownPerson",
    "UnknownStaff",
    "Unset",
]

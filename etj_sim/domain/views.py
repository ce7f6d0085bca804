"""Read-only views the domain hands out: what a citizen, a staff member or the record system sees.

Pipeline position: ``population -> domain (these views) -> simulation / notebooks``. The views
are small frozen value objects built on request from the columnar state; holding one never
keeps the domain alive or lets anyone change it. Which view shows what is itself a rule: the
staff tool's :class:`AlertChoices` shows the alert choice (R20), the record system's
:class:`RecordView` does not (R6, D1).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import IntEnum
from typing import Final, TypeAlias

from etj_sim.events import ActorRole, Kind

__all__ = [
    "UNSET",
    "AlertChoices",
    "Attachment",
    "CaseEntry",
    "CaseState",
    "CaseView",
    "Form",
    "FormAnswers",
    "MassMailingResult",
    "MessageView",
    "Question",
    "QuestionType",
    "ReadStatus",
    "RecordView",
    "SettingsView",
    "StaffCase",
    "Template",
    "TemplateKind",
    "Unset",
]


class Unset:
    """The type of :data:`UNSET`: "leave this setting as it is" (``None`` means "clear it")."""

    _instance: Unset | None = None

    def __new__(cls) -> Unset:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "UNSET"


UNSET: Final = Unset()


@dataclass(frozen=True, slots=True)
class Attachment:
    """A file sent in either direction (F5): with a case, a reply, a staff answer or message, a
    form or a mass mailing. Only its description is kept; the staff tool and the portal check
    its type and size against the service's limits."""

    name: str
    content_type: str = "application/pdf"
    size_bytes: int = 0


class TemplateKind(IntEnum):
    """What a message template (meddelandemall) sends (R19, R20, F2, F3, F7)."""

    MESSAGE = 0  # information, e.g. before a visit (F2)
    QUESTION = 1  # expects an answer: opens a case the citizen can answer (R19, R20)
    FORM = 2  # a form to fill in before or between visits (F3)
    NOTICE = 3  # an appointment notice (F7)


@dataclass(frozen=True, slots=True)
class Template:
    """A message template: a standard one (``clinic`` None) or a clinic's own (R18)."""

    template: int
    clinic: int | None
    kind: TemplateKind
    subject: str
    body: str
    form: int | None = None
    """The form a FORM template sends (F3)."""


class QuestionType(IntEnum):
    """The answer a form question takes (F3)."""

    TEXT = 0
    NUMBER = 1
    CHOICE = 2
    DATE = 3


@dataclass(frozen=True, slots=True)
class Question:
    """One question of a form (F3): ``name`` keys the answer; ``choices`` for CHOICE."""

    name: str
    text: str
    type: QuestionType = QuestionType.TEXT
    required: bool = True
    choices: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Form:
    """A form a clinic authored (F3, "skapa formulär")."""

    form: int
    clinic: int
    title: str
    questions: tuple[Question, ...]


FormAnswers: TypeAlias = Mapping[str, str | float | int | date]
"""Answers by question name: text, a number, one of the choices, or a date (F3)."""


@dataclass(frozen=True, slots=True)
class StaffCase:
    """What "Skicka ärende" created (R19, R20): the case and the message that opened it."""

    case: int
    message: int


@dataclass(frozen=True, slots=True)
class MessageView:
    """One message in an inbox as the citizen (or the guardian by proxy) sees it."""

    message: int
    kind: Kind
    clinic: int
    case: int | None
    sent_at: datetime
    text: str
    template: str
    read: bool
    read_at: datetime | None
    attachments: tuple[Attachment, ...] = ()
    """Files the clinic sent with the message (F5)."""
    form: int | None = None
    """The form a form message asks the citizen to fill in (F3)."""
    submitted: bool = False
    """Whether the form was submitted (F3)."""
    subject: str = ""


@dataclass(frozen=True, slots=True)
class SettingsView:
    """The account's settings (R4, D3): one mobile, one e-mail, and the alert choices."""

    person: int
    mobile: str | None
    email: str | None
    sms_alerts: bool
    email_alerts: bool
    mobile_owner: int | None
    """Whose registered mobile is in the settings (the holder, a guardian, R13), or None."""
    email_owner: int | None
    share_mobile: bool = False
    """R4: the mobile number is shared with healthcare (the staff tool shows it)."""
    share_email: bool = False
    """R4: the e-mail address is shared with healthcare."""


@dataclass(frozen=True, slots=True)
class AlertChoices:
    """R20 (D1): what the staff tool shows at "Skicka ärende": the citizen's alert choice, and
    the contact details the citizen shares with healthcare (R4; never the unshared ones)."""

    person: int
    account_active: bool
    sms_alerts: bool
    email_alerts: bool
    shared_mobile: str | None = None
    shared_email: str | None = None


@dataclass(frozen=True, slots=True)
class RecordView:
    """R6 (D1): the health record system's view of a citizen. It has no alert fields at all."""

    person: int
    personal_number: str
    name: str
    address: str


@dataclass(frozen=True, slots=True)
class ReadStatus:
    """F8: whether a sent message was read, when, and by whom (holder or guardian by proxy)."""

    message: int
    person: int
    read: bool
    read_at: datetime | None
    reader: int | None
    reader_role: ActorRole | None

    @property
    def read_by_guardian(self) -> bool:
        """True when a guardian read it in proxy mode (R10)."""
        return self.reader_role is ActorRole.GUARDIAN_PROXY


@dataclass(frozen=True, slots=True)
class CaseEntry:
    """One turn of a case dialogue (F4): who wrote, when, the text and attachments (F5)."""

    at: datetime
    author_role: ActorRole
    author: int
    """A person id for citizen / guardian_proxy entries, a staff id for staff entries."""
    text: str
    attachments: tuple[Attachment, ...]
    form_answers: Mapping[str, object] | None = None
    """The answers of a submitted form (F3), shown to staff in the case."""
    message: int | None = None
    """The inbox message of a staff entry (its read status, F8)."""


class CaseState(IntEnum):
    """Whose turn it is in a case (F4): staff's, the citizen's, or nobody's (closed)."""

    AWAITING_STAFF = 0
    AWAITING_CITIZEN = 1
    CLOSED = 2


@dataclass(frozen=True, slots=True)
class CaseView:
    """A case as staff see it in "Mottagningens ärenden" / "Mina ärenden" (R11, R17)."""

    case: int
    clinic: int
    person: int
    kind: Kind
    eservice: str
    started_by: int
    started_by_role: ActorRole
    started_at: datetime
    assigned_staff: int | None
    state: CaseState
    entries: tuple[CaseEntry, ...]
    opened_by_staff: bool = False
    """R19, R20: a staff member started the case ("Skicka ärende") with a question or form."""

    @property
    def closed(self) -> bool:
        """Whether staff closed the case."""
        return self.state is CaseState.CLOSED

    @property
    def started_by_guardian_proxy(self) -> bool:
        """R11: True when a guardian started the case in proxy mode, False when the child did."""
        return self.started_by_role is ActorRole.GUARDIAN_PROXY


@dataclass(frozen=True, slots=True)
class MassMailingResult:
    """F6: the per-recipient outcome of one mass mailing."""

    delivered: Mapping[int, int] = field(default_factory=dict)
    """Person id -> message id, for each recipient with an active account."""
    undeliverable: tuple[int, ...] = ()
    """Recipients without an active account (logged as message_undeliverable)."""
    campaign: int = -1
    """The mailing's campaign id, carried by its rows in the event log (-1: none)."""

    def outcome(self, person: int) -> str:
        """``"delivered"`` or ``"no_active_account"`` for a recipient of this mailing."""
        if person in self.delivered:
            return "delivered"
        if person in self.undeliverable:
            return "no_active_account"
        raise KeyError(f"person {person} was not a recipient of this mass mailing")

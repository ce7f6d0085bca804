"""Domain errors: every refusal of the in-memory 1177 system is a ``DomainError``.

Pipeline position: ``scenario -> population -> domain (raises these) -> simulation -> event log``.
Each subclass names what was refused; messages start with the rule ID(s) where a rule refuses.
A refused operation leaves the domain state exactly as it was (check first, mutate after).
"""

from __future__ import annotations

from etj_sim.events import Reason

__all__ = [
    "AccessDenied",
    "AccountNotActive",
    "AttachmentRefused",
    "ClinicNotActivated",
    "DomainError",
    "FormAnswersInvalid",
    "InvalidOperation",
    "InvalidPersonalNumber",
    "LoginRefused",
    "NotAccountHolder",
    "ProxyRefused",
    "SettingsNotEditable",
    "UnknownCase",
    "UnknownClinic",
    "UnknownMessage",
    "UnknownPerson",
    "UnknownStaff",
]


class DomainError(Exception):
    """Base class of every error the domain raises on purpose."""


class InvalidPersonalNumber(DomainError, ValueError):
    """A personnummer or samordningsnummer that cannot exist (format, date or check digit).

    Also a ``ValueError``, so parsing code that only knows the standard library can catch it.
    """


class UnknownPerson(DomainError, LookupError):
    """No person with that id or personal number is in the population register."""


class LoginRefused(DomainError):
    """R1, R15, D2: the login was refused; ``reason`` says why (also logged as login_refused).

    ``Reason.UNDER_13`` for a child under 13, who has no own login (a guardian acts by proxy,
    R10, D2); ``NEEDS_OWN_EID`` from 13 without an own e-ID (R15); ``NO_EID`` otherwise (R1).
    """

    def __init__(self, message: str, reason: Reason) -> None:
        super().__init__(message)
        self.reason = reason


class AccountNotActive(DomainError):
    """R2: the person has not activated the e-services (no first login, no proxy activation)."""


class NotAccountHolder(DomainError):
    """R3, R5: only the account holder (or a guardian by proxy, R10) acts in an account."""


class ProxyRefused(DomainError):
    """R10, R12, D2 (and R3 for non-guardians): a guardian cannot act for this child now.

    ``reason`` is the :class:`etj_sim.events.Reason` also written to the proxy_refused event.
    """

    def __init__(self, message: str, reason: Reason) -> None:
        super().__init__(message)
        self.reason = reason


class SettingsNotEditable(DomainError):
    """R5, R7: staff cannot edit settings; nobody edits register data (name, address) in 1177."""


class UnknownClinic(DomainError, LookupError):
    """No clinic with that id exists in the staff tool."""


class ClinicNotActivated(UnknownClinic):
    """R17: the clinic is not activated in the staff tool (its id was never handed out)."""


class UnknownStaff(DomainError, LookupError):
    """No staff member with that id exists in the staff tool."""


class UnknownCase(DomainError, LookupError):
    """No case with that id exists."""


class UnknownMessage(DomainError, LookupError):
    """No message with that id exists."""


class InvalidOperation(DomainError):
    """Any other refused operation (bad argument, wrong state); the message names the problem."""


class AccessDenied(InvalidOperation):
    """R17 (and per-clinic access): a staff member acts only on their own clinic's cases,
    messages, read statuses and templates, and on cases assigned to them ("Mina ärenden")."""


class AttachmentRefused(InvalidOperation):
    """F5: an attachment of a type or size the service does not accept."""


class FormAnswersInvalid(InvalidOperation):
    """F3: form answers that do not fit the form; ``question`` names the first offending one."""

    def __init__(self, message: str, question: str) -> None:
        super().__init__(message)
        self.question = question

"""The staff tool (Personalverktyget): clinics, cases, messages, forms, notices, mass mailings.

Pipeline position: ``simulation (staff processes) / notebooks -> staff tool (this module) ->
cases, inboxes, catalogue, alert gateway -> event log``. Enforced here:

- R17 and per-clinic access: clinics are activated before they handle e-services; a staff
  member sees and acts on the cases, messages, read statuses, templates and forms of their own
  clinic only ("Mottagningens ärenden"), "Mina ärenden" are the cases assigned to them, and a
  case a colleague holds is answered by that colleague (``AccessDenied`` otherwise).
- R18: local e-services and the clinic's own templates and forms.
- R19, R20: "Skicka ärende" (:meth:`StaffTool.send_case`): choose a template, enter the personal
  number, see the citizen's alert choices and the contact details shared with healthcare (R4),
  send: a case opens, assigned to the sender, waiting for the citizen, who can answer (F4).
- F3 forms sent before or between visits, F5 attachments with every kind of staff message, F6
  mass mailing with per-recipient outcome, F7 notices (on paper without an active account, P4),
  F8 read status; R5: staff never edit settings; R6 stays with the record system.

R16: nothing here looks at protected personal data.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import Any, Final, NoReturn

from etj_sim.domain.accounts import ALERT_EMAIL, ALERT_SMS, Accounts
from etj_sim.domain.appointments import Appointments, AppointmentView
from etj_sim.domain.cases import CASE_KINDS, Cases, Clinics
from etj_sim.domain.catalogue import Catalogue, checked_attachments
from etj_sim.domain.clock import Clock
from etj_sim.domain.errors import (
    AccessDenied,
    AccountNotActive,
    InvalidOperation,
    SettingsNotEditable,
)
from etj_sim.domain.inbox import Inboxes
from etj_sim.domain.register import PersonRef, PopulationRegister
from etj_sim.domain.views import (
    AlertChoices,
    Attachment,
    CaseView,
    Form,
    MassMailingResult,
    Question,
    ReadStatus,
    StaffCase,
    Template,
    TemplateKind,
)
from etj_sim.events import (
    KIND_APPOINTMENT_NOTICE,
    KIND_FORM,
    KIND_MASS_MAILING,
    KIND_REPLY,
    NONE,
    ROLE_STAFF,
    EventLog,
    Kind,
    Reason,
)

__all__ = ["SendCaseDraft", "StaffTool"]

_MESSAGE_KINDS: Final = frozenset(Kind) - CASE_KINDS
_TEMPLATE_MESSAGE_KIND: Final = {
    TemplateKind.MESSAGE: Kind.PRE_VISIT_INFORMATION,
    TemplateKind.QUESTION: Kind.QUESTION,
    TemplateKind.FORM: Kind.FORM,
    TemplateKind.NOTICE: Kind.APPOINTMENT_NOTICE,
}
"""The inbox message kind that each kind of template sends (R19, F2, F3, F7)."""


class StaffTool:
    """Personalverktyget: what clinic staff see and do (R17-R20, F1-F8)."""

    __slots__ = (
        "_accounts",
        "_appointments_part",
        "_campaigns",
        "_cases",
        "_catalogue",
        "_clinics",
        "_clock",
        "_inboxes",
        "_log",
        "_register",
    )

    def __init__(
        self,
        register: PopulationRegister,
        accounts: Accounts,
        inboxes: Inboxes,
        cases: Cases,
        clinics: Clinics,
        clock: Clock,
        log: EventLog | None,
        catalogue: Catalogue,
        appointments: Appointments | None = None,
    ) -> None:
        self._catalogue = catalogue
        self._appointments_part = appointments
        self._register = register
        self._accounts = accounts
        self._inboxes = inboxes
        self._cases = cases
        self._clinics = clinics
        self._clock = clock
        self._log = log
        self._campaigns = 0

    # -- clinics, e-services, staff (R17, R18) -----------------------------------------------

    def activate_clinic(self, name: str) -> int:
        """R17: activate a clinic in the staff tool; returns its id (0, 1, ... in order)."""
        return self._clinics.activate(name)

    def add_staff(self, clinic: int, role: str, name: str = "") -> int:
        """Add a staff member to an activated clinic; returns the staff id."""
        return self._clinics.add_staff(clinic, role, name)

    def create_local_eservice(self, clinic: int, name: str) -> None:
        """R18: the clinic offers a local e-service of its own beside the standard ones."""
        self._clinics.add_local_eservice(clinic, name)

    def eservices(self, clinic: int) -> tuple[str, ...]:
        """The clinic's e-services: the standard ones (F1), then its local ones (R18)."""
        return self._clinics.eservices(clinic)

    def start_shift(self, staff: int) -> None:
        """Log the start of a staff member's shift (workload denominators, P4)."""
        self._clock.tick()
        clinic = self._clinics.clinic_of(staff)
        if staff in self._clinics.on_shift:
            raise InvalidOperation(f"staff member {staff} is already on shift")
        self._clinics.on_shift.add(staff)
        if self._log is not None:
            self._log.shift_started(self._clock.minutes, clinic, staff)

    def end_shift(self, staff: int) -> None:
        """Log the end of a staff member's shift (P4)."""
        self._clock.tick()
        clinic = self._clinics.clinic_of(staff)
        if staff not in self._clinics.on_shift:
            raise InvalidOperation(f"staff member {staff} is not on shift")
        self._clinics.on_shift.remove(staff)
        if self._log is not None:
            self._log.shift_ended(self._clock.minutes, clinic, staff)

    # -- cases ("Mottagningens ärenden", "Mina ärenden") -------------------------------------

    def clinic_cases(self, staff: int) -> list[int]:
        """The open cases of the staff member's clinic, oldest first ("Mottagningens ärenden")."""
        clinic = self._clinics.clinic_of(staff)
        cases = self._cases
        return list(cases.open_by_clinic[clinic]) if clinic < len(cases.open_by_clinic) else []

    def my_cases(self, staff: int) -> list[int]:
        """The staff member's open assigned cases, in order of assignment ("Mina ärenden")."""
        self._clinics.clinic_of(staff)
        return list(self._cases.open_by_staff.get(staff, ()))

    def next_case(self, staff: int) -> int | None:
        """The oldest open unassigned case of the staff member's clinic (FIFO), or None."""
        return self._cases.next_unassigned(self._clinics.clinic_of(staff))

    def _staff_case(self, staff: int, case: int) -> tuple[int, int]:
        """R17: staff handle only their own clinic's open cases."""
        clinic = self._clinics.clinic_of(staff)
        case = self._cases.require_open(case)
        self._require_clinic(staff, clinic, self._cases.clinic[case], f"case {case}")
        return clinic, case

    @staticmethod
    def _require_clinic(staff: int, clinic: int, owner: int, what: str) -> None:
        if owner != clinic:
            raise AccessDenied(
                f"R17: {what} belongs to clinic {owner}; staff member {staff} works at clinic "
                f"{clinic} and sees only its work"
            )

    def assign_case(self, staff: int, case: int) -> None:
        """Take a case (from the queue or from a colleague); logs case_assigned."""
        self._clock.tick()
        _, case = self._staff_case(staff, case)
        cases = self._cases
        previous = cases.assigned_staff[case]
        if previous == staff:
            return
        if previous != NONE:
            del cases.open_by_staff[previous][case]
        cases.assign(staff, case)

    def case_view(self, staff: int, case: int) -> CaseView:
        """The case with its dialogue, form answers and attachments (F3, F4, F5); R11: started
        by the child, a guardian by proxy or staff. Only for the staff member's clinic (R17)."""
        clinic = self._clinics.clinic_of(staff)
        case = self._cases.require(case)
        self._require_clinic(staff, clinic, self._cases.clinic[case], f"case {case}")
        return self._cases.view(case)

    def answer_case(
        self,
        staff: int,
        case: int,
        *,
        text: str = "",
        handling_minutes: float = 0.0,
        attachments: Sequence[Attachment] = (),
        close: bool = False,
    ) -> int:
        """Answer a case (F4, F5): a reply message lands in the inbox; returns its id.

        An unassigned case is assigned to the answering staff member first; a case assigned
        to a colleague is refused. Logs case_answered with ``handling_minutes``. With
        ``close`` the answer ends the case (case_closed follows the reply); otherwise the case
        waits for the citizen, who may reply (F4).
        """
        self._clock.tick()
        clinic, case = self._staff_case(staff, case)
        cases = self._cases
        assigned = cases.assigned_staff[case]
        if assigned not in (NONE, staff):
            raise AccessDenied(
                f'R17: case {case} is assigned to staff member {assigned} (their "Mina '
                f'ärenden"); staff member {staff} takes it over with assign_case first'
            )
        if not 0.0 <= handling_minutes < math.inf:
            raise InvalidOperation(
                f"handling_minutes must be a finite number >= 0, got {handling_minutes}"
            )
        if type(close) is not bool:
            raise InvalidOperation(f"close must be True or False, got {close!r}")
        files = checked_attachments(attachments) if attachments else ()
        person = cases.person[case]
        self._accounts.require_active(person)
        if assigned == NONE:
            cases.assign(staff, case)
        entry = cases.add_entry(case, ROLE_STAFF, staff, text, files)
        if self._log is not None:
            self._log.case_answered(
                self._clock.minutes, person, clinic, staff, case, cases.kind[case], handling_minutes
            )
        message = self._inboxes.deliver(
            person, KIND_REPLY, clinic, staff, case, text, "", attachments=files
        )
        if entry != NONE:
            cases.entry_message[entry] = message
        if close:
            cases.close(staff, case)
        else:
            cases.staff_wrote(case)
        return message

    def close_case(self, staff: int, case: int) -> None:
        """Close an open case of the staff member's clinic; logs case_closed."""
        self._clock.tick()
        _, case = self._staff_case(staff, case)
        self._cases.close(staff, case)

    # -- messages (R19, R20, F2, F3, F6, F7, F8) ---------------------------------------------

    def alert_choices(self, who: PersonRef) -> AlertChoices:
        """R20 (D1): the citizen's chosen alert channels, and (R4) the contact details the
        citizen shares with healthcare, as the staff tool shows them; never unshared ones."""
        person = self._register.person_id(who)
        alerts = self._accounts.alerts[person]
        shared_mobile, shared_email = self._accounts.shared_contacts(person)
        return AlertChoices(
            person=person,
            account_active=self._accounts.is_active(person),
            sms_alerts=bool(alerts & ALERT_SMS),
            email_alerts=bool(alerts & ALERT_EMAIL),
            shared_mobile=shared_mobile,
            shared_email=shared_email,
        )

    # -- templates and forms (R18, R19, F3) ---------------------------------------------------

    def templates(self, staff: int) -> tuple[Template, ...]:
        """The templates the staff member may use: the standard ones, then the clinic's own."""
        return self._catalogue.templates_for(self._clinics.clinic_of(staff))

    def create_template(
        self,
        staff: int,
        kind: TemplateKind,
        subject: str,
        body: str = "",
        *,
        form: int | None = None,
    ) -> int:
        """R18: a template of the staff member's clinic (a form template names its form)."""
        return self._catalogue.add_template(
            self._clinics.clinic_of(staff), kind, subject, body, form
        )

    def create_form(self, staff: int, title: str, questions: Iterable[Question]) -> int:
        """F3 ("skapa formulär"): a form of the staff member's clinic; returns its id."""
        return self._catalogue.add_form(self._clinics.clinic_of(staff), title, questions)

    def form(self, staff: int, form: int) -> Form:
        """A form the staff member's clinic may use (its own or the standard one)."""
        return self._catalogue.form_for(self._clinics.clinic_of(staff), form)

    @property
    def standard_form(self) -> int:
        """The standard health declaration every clinic may send (F3)."""
        return self._catalogue.standard_form

    def standard_template(self, kind: TemplateKind) -> int:
        """The id of the standard template of that kind (every clinic may use it)."""
        return self._catalogue.standard_template(kind)

    # -- "Skicka ärende" (R19, R20) -----------------------------------------------------------

    def send_case(self, staff: int, template: int) -> SendCaseDraft:
        """R20 "Skicka ärende", step one: choose a message template; returns the draft.

        Available in "Mottagningens ärenden" and "Mina ärenden": the template is a standard
        one or the clinic's own (R18); another clinic's is refused.
        """
        clinic = self._clinics.clinic_of(staff)
        return SendCaseDraft(self, staff, self._catalogue.template_for(clinic, template))

    def _open_staff_case(
        self,
        staff: int,
        person: int,
        found: Template,
        text: str,
        attachments: Sequence[Attachment],
    ) -> StaffCase:
        """R19, R20: open the case, deliver its first message, and hand the turn to the citizen."""
        self._clock.tick()
        clinic = self._clinics.clinic_of(staff)
        files = checked_attachments(attachments) if attachments else ()
        self._accounts.require_active(person)
        kind = _TEMPLATE_MESSAGE_KIND[found.kind]
        cases = self._cases
        case = cases.open_staff_case(clinic, person, staff, kind)
        body = text or found.body
        entry = cases.add_entry(case, ROLE_STAFF, staff, body, files)
        message = self._inboxes.deliver(
            person,
            kind,
            clinic,
            staff,
            case,
            body,
            found.subject,
            form=NONE if found.form is None else found.form,
            attachments=files,
        )
        if entry != NONE:
            cases.entry_message[entry] = message
        cases.staff_wrote(case)
        return StaffCase(case, message)

    def send_message(
        self,
        staff: int,
        to: PersonRef,
        kind: Kind | str,
        *,
        text: str = "",
        template: str = "",
        case: int | None = None,
        attachments: Sequence[Attachment] = (),
        form: int | None = None,
    ) -> int | None:
        """R19: send a message to a citizen's inbox; returns its id (the alert follows, R8, D6).

        Kinds: question (R19), pre_visit_information (F2), form (F3: ``form`` names one of the
        clinic's forms, default the standard health declaration), appointment_notice (F7),
        reply, mass_mailing; ``attachments`` reach the citizen with it (F5). ``template`` is a
        subject line. Without an active account an appointment notice goes on paper
        (paper_sent, returns None); other kinds raise ``AccountNotActive`` (R2). A question
        sent this way opens no case: "Skicka ärende" (:meth:`send_case`) does.
        """
        self._clock.tick()
        clinic = self._clinics.clinic_of(staff)
        person = self._register.person_id(to)
        message_kind = _message_kind(kind)
        case_id = NONE if case is None else self._case_of(case, person, clinic)
        form_id = NONE
        if message_kind is KIND_FORM:
            form_id = self._catalogue.form_for(
                clinic, self._catalogue.standard_form if form is None else form
            ).form
        elif form is not None:
            raise InvalidOperation(f"F3: only a form message names a form, not {message_kind}")
        files = checked_attachments(attachments) if attachments else ()
        if not self._accounts.active[person]:
            if message_kind is KIND_APPOINTMENT_NOTICE:
                # F7, P4: the notice still reaches the person, by post.
                if self._log is not None:
                    self._log.paper_sent(
                        self._clock.minutes,
                        person,
                        clinic,
                        staff,
                        case_id,
                        message_kind,
                        Reason.NO_ACTIVE_ACCOUNT,
                    )
                return None
            raise AccountNotActive(
                f"R2: person {person} has no active account; the message cannot be delivered"
            )
        return self._inboxes.deliver(
            person,
            message_kind,
            clinic,
            staff,
            case_id,
            text,
            template,
            form=form_id,
            attachments=files,
        )

    def send_paper_notice(self, staff: int, to: PersonRef, *, case: int | None = None) -> None:
        """F7 on paper: the clinic posts an appointment notice (paper_sent, P4).

        For a clinic whose routine sends a notice by post, to an active account or not: the
        notice is not an inbox message, so nothing reaches the inbox and no alert follows. The
        row's reason is no_active_account where the person has no active account, and empty
        where the clinic's routine chose paper.
        """
        self._clock.tick()
        clinic = self._clinics.clinic_of(staff)
        person = self._register.person_id(to)
        case_id = NONE if case is None else self._case_of(case, person, clinic)
        reason = NONE if self._accounts.active[person] else Reason.NO_ACTIVE_ACCOUNT
        if self._log is not None:
            self._log.paper_sent(
                self._clock.minutes, person, clinic, staff, case_id, KIND_APPOINTMENT_NOTICE, reason
            )

    def mass_mailing(
        self,
        staff: int,
        template: str,
        recipients: Iterable[PersonRef],
        *,
        attachments: Sequence[Attachment] = (),
    ) -> MassMailingResult:
        """F6: one message per recipient; per-recipient outcome delivered / no_active_account.

        All recipients are resolved before anything is sent (an unknown one refuses the whole
        mailing); a recipient named twice gets one message. Each mailing gets the next campaign
        id (0, 1, ...), which its rows in the event log carry; ``attachments`` go with every
        message (F5).
        """
        self._clock.tick()
        clinic = self._clinics.clinic_of(staff)
        files = checked_attachments(attachments) if attachments else ()
        persons = list(dict.fromkeys(self._register.person_id(who) for who in recipients))
        campaign = self._campaigns
        self._campaigns += 1
        log = self._log
        now = self._clock.minutes
        if log is not None:
            log.mass_mailing_started(now, clinic, staff, campaign)
        delivered: dict[int, int] = {}
        undeliverable: list[int] = []
        active = self._accounts.active
        deliver = self._inboxes.deliver
        for person in persons:
            if active[person]:
                delivered[person] = deliver(
                    person,
                    KIND_MASS_MAILING,
                    clinic,
                    staff,
                    NONE,
                    "",
                    template,
                    campaign,
                    attachments=files,
                )
            else:
                undeliverable.append(person)
                if log is not None:
                    log.message_undeliverable(
                        now,
                        person,
                        clinic,
                        staff,
                        KIND_MASS_MAILING,
                        Reason.NO_ACTIVE_ACCOUNT,
                        campaign,
                    )
        return MassMailingResult(delivered, tuple(undeliverable), campaign)

    def read_status(self, staff: int, message: int) -> ReadStatus:
        """F8: whether the citizen has read a message of the staff member's clinic, when, and
        who (holder or guardian by proxy); another clinic's message is refused (R17)."""
        clinic = self._clinics.clinic_of(staff)
        message = self._inboxes.require(message)
        self._require_clinic(staff, clinic, self._inboxes.clinic_of(message), f"message {message}")
        return self._inboxes.read_status(message)

    def form_answers(self, staff: int, message: int) -> dict[str, object] | None:
        """F3: the answers submitted to a form message of the clinic (None while unanswered)."""
        clinic = self._clinics.clinic_of(staff)
        message = self._inboxes.require(message)
        self._require_clinic(staff, clinic, self._inboxes.clinic_of(message), f"message {message}")
        answers = self._inboxes.form_answers.get(message)
        return None if answers is None else dict(answers)

    def _case_of(self, case: int, person: int, clinic: int) -> int:
        """The id of a case of ``person`` at ``clinic``; refused otherwise."""
        case_id = self._cases.require(case)
        if self._cases.person[case_id] != person or self._cases.clinic[case_id] != clinic:
            raise InvalidOperation(
                f"case {case_id} is not a case of person {person} at clinic {clinic}"
            )
        return case_id

    def update_settings(self, *args: Any, **kwargs: Any) -> NoReturn:
        """R5: always refused. Only the citizen edits their settings; staff can neither."""
        raise SettingsNotEditable("R5: staff cannot edit a citizen's settings")

    # -- appointments and their notices (F7, F8) ---------------------------------------------

    @property
    def _appointments(self) -> Appointments:
        if self._appointments_part is None:
            raise InvalidOperation("F7: this staff tool holds no appointments")
        return self._appointments_part

    def book_appointment(self, staff: int, to: PersonRef, appointment_minutes: float) -> int:
        """Book a visit at the staff member's clinic (minutes since epoch, after now)."""
        self._clock.tick()
        clinic = self._clinics.clinic_of(staff)
        person = self._register.person_id(to)
        return self._appointments.book(person, clinic, staff, appointment_minutes)

    def appointment(self, appointment: int) -> AppointmentView:
        """The appointment with its status and notices."""
        return self._appointments.view(appointment)

    def _own_appointment(self, staff: int, appointment: int) -> int:
        clinic = self._clinics.clinic_of(staff)
        appointment = self._appointments.require(appointment)
        if self._appointments.clinic[appointment] != clinic:
            raise InvalidOperation(
                f"R17: appointment {appointment} belongs to clinic "
                f"{self._appointments.clinic[appointment]}, staff member {staff} works at {clinic}"
            )
        return appointment

    def send_appointment_notice(
        self, staff: int, appointment: int, *, hold_days: float = 90.0
    ) -> int | None:
        """F7: the digital notice of an appointment; returns its message id.

        Without an active account the notice waits up to ``hold_days`` for one (notice_held,
        returns None): an activation in that time, before the visit, delivers it. With
        ``hold_days=0`` it may not wait: ``AccountNotActive`` (post it instead).
        """
        self._clock.tick()
        appointment = self._own_appointment(staff, appointment)
        return self._appointments.send_notice(appointment, staff, hold_days)

    def send_appointment_paper(
        self, staff: int, appointment: int, reason: Reason | str = Reason.POLICY
    ) -> bool:
        """F7: post the appointment's notice with its reason; returns whether it was posted.

        Reasons: ``policy`` (the notice itself goes by post), ``fallback`` (the digital notice
        was unread when the window ended: check :meth:`read_status` first), ``complement``
        (paper beside the digital notice), ``no_active_account``. A person who chose "no
        letters" gets no fallback or complement letter (False, nothing posted); a policy or
        no-account letter overrides the choice, as it is then the only notice.
        """
        self._clock.tick()
        appointment = self._own_appointment(staff, appointment)
        if isinstance(reason, str):
            try:
                reason = Reason[reason.upper()]
            except KeyError:
                raise InvalidOperation(f"F7: {reason!r} is not a reason for paper") from None
        return self._appointments.send_paper(appointment, staff, reason)

    def end_notice_hold(self, staff: int, appointment: int) -> bool:
        """F7: drop a held notice whose wait has ended (or whose visit has come)."""
        self._clock.tick()
        appointment = self._own_appointment(staff, appointment)
        return self._appointments.end_hold(appointment)

    def rebook_by_phone(
        self, staff: int, appointment: int, appointment_minutes: float, handling_minutes: float
    ) -> None:
        """The citizen called the clinic to rebook; ``handling_minutes`` is the call."""
        self._clock.tick()
        appointment = self._own_appointment(staff, appointment)
        self._appointments.change_by_phone(
            appointment, staff, appointment_minutes, handling_minutes
        )

    def cancel_by_phone(self, staff: int, appointment: int, handling_minutes: float) -> None:
        """The citizen called the clinic to cancel; ``handling_minutes`` is the call."""
        self._clock.tick()
        appointment = self._own_appointment(staff, appointment)
        self._appointments.change_by_phone(appointment, staff, None, handling_minutes)

    def record_attendance(self, staff: int, appointment: int, *, attended: bool) -> None:
        """Record the visit, at or after its time: visit_attended or visit_missed."""
        self._clock.tick()
        appointment = self._own_appointment(staff, appointment)
        self._appointments.record_visit(appointment, staff, attended)


class SendCaseDraft:
    """R20 "Skicka ärende": template chosen; next the personal number, which shows the alert
    choice and the shared contacts (:meth:`enter_personal_number`), then :meth:`send`."""

    __slots__ = ("_sent", "_tool", "person", "staff", "template")

    def __init__(self, tool: StaffTool, staff: int, template: Template) -> None:
        self._tool = tool
        self.staff = staff
        self.template = template
        self.person: int | None = None
        self._sent = False

    def enter_personal_number(self, personal_number: PersonRef) -> AlertChoices:
        """R20: the citizen's personal number; shows the settings the citizen has chosen."""
        person = self._tool._register.person_id(personal_number)
        choices = self._tool.alert_choices(person)
        self.person = person
        return choices

    def send(self, text: str = "", *, attachments: Sequence[Attachment] = ()) -> StaffCase:
        """Send: opens a case assigned to the sender, waiting for the citizen (R19, R20, F4),
        with the templated message (a question, information, a form or a notice) in the inbox."""
        if self.person is None:
            raise InvalidOperation("R20: enter the citizen's personal number before sending")
        if self._sent:
            raise InvalidOperation("R20: this draft was already sent")
        opened = self._tool._open_staff_case(
            self.staff, self.person, self.template, text, attachments
        )
        self._sent = True
        return opened


def _message_kind(kind: Kind | str) -> Kind:
    if kind in _MESSAGE_KINDS and type(kind) is Kind:
        return kind
    try:
        message_kind = Kind[kind.upper()] if isinstance(kind, str) else Kind(kind)
    except (KeyError, ValueError):
        raise InvalidOperation(f"R19: {kind!r} is not a message kind") from None
    if message_kind in CASE_KINDS:
        raise InvalidOperation(f"R19: {message_kind.name.lower()} is a case kind, not a message")
    return message_kind

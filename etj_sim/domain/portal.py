"""The citizen side of 1177 (the web and the app): login, proxy, inbox, settings, cases.

Pipeline position: ``simulation / notebooks -> portal (this module) -> accounts, inboxes,
cases -> event log``. Enforced here: R1 and R15 (login with an e-ID, own e-ID from 13; a child
under 13 with an own e-ID logs in too, R11, while guardians keep proxy until 13, R10), R2 (first
login activates; a young person's first own login to an account a guardian activated records
their own consent, D7), R3 (a session acts only on its own account), R9 and D8 (a guardian
activates the account of a born child with a personnummer), R10, R12 and D2 (who may act by
proxy: :meth:`Portal.check_proxy`, the one place), R14 (the settings review prompt), R7 (no
editing of register data), F3 (form answers checked against the form), F5 (attachment limits).
R16: protected persons use every function like anyone else; the only check that reads
protection is R12.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final, NoReturn

from etj_sim.domain.accounts import Accounts
from etj_sim.domain.appointments import Appointments, AppointmentView
from etj_sim.domain.cases import Cases, Clinics
from etj_sim.domain.catalogue import Catalogue, checked_attachments
from etj_sim.domain.clock import Clock
from etj_sim.domain.errors import (
    InvalidOperation,
    LoginRefused,
    NotAccountHolder,
    ProxyRefused,
    SettingsNotEditable,
)
from etj_sim.domain.identity import EID, PersonalNumberKind
from etj_sim.domain.inbox import Inboxes
from etj_sim.domain.register import PersonRef, PopulationRegister
from etj_sim.domain.views import UNSET, Attachment, FormAnswers, MessageView, SettingsView, Unset
from etj_sim.events import (
    NONE,
    ROLE_CITIZEN,
    ROLE_GUARDIAN_PROXY,
    Channel,
    EventLog,
    Kind,
    Reason,
)

__all__ = ["Portal", "ProxySession", "Session"]

_LOGIN_CHANNELS: Final = (Channel.WEB, Channel.APP)


class Portal:
    """1177.se and the 1177 app: where citizens (and guardians by proxy) log in."""

    __slots__ = (
        "accounts",
        "appointments",
        "cases",
        "catalogue",
        "clinics",
        "clock",
        "inboxes",
        "log",
        "register",
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
        self.catalogue = catalogue
        self.appointments = appointments
        """F7: appointments behind the digital notices (None: a portal without them)."""
        self.register = register
        self.accounts = accounts
        self.inboxes = inboxes
        self.cases = cases
        self.clinics = clinics
        self.clock = clock
        self.log = log

    def login(self, who: PersonRef, eid: EID, channel: Channel = Channel.WEB) -> Session:
        """Log in with an e-ID on the web or in the app (R1, R15, D2, R2, R14).

        R1: the person must hold that e-ID. R15/D2: a child under 13 without an own e-ID has no
        own login (a guardian acts for them, R10: reason under_13); with an own e-ID the child
        logs in (R11: staff then see the child acted); from 13 only an own e-ID works (a
        13-17-year-old without it is refused with reason needs_own_eid). R2: the first login
        activates the account and is the consent (account_activated, actor_role citizen); from
        13, the first own login to an account a guardian activated records the young person's
        own consent (consent_recorded). R14: the first login on or after the 13th birthday of an
        account with guardian-era settings prompts a settings review. Refusals raise
        ``LoginRefused`` and are logged as login_refused.
        """
        self.clock.tick()
        register = self.register
        person = register.person_id(who)
        if channel not in _LOGIN_CHANNELS:
            raise InvalidOperation(f"R1: one logs in on the web or in the app, not by {channel!r}")
        if type(eid) is not EID:
            try:
                eid = EID(eid)
            except ValueError:
                raise InvalidOperation(f"R1: {eid!r} is not an accepted e-ID") from None
        clock = self.clock
        now = clock.minutes
        # Whether the person is under 13 is asked only where it decides something (a refusal,
        # R15; a first own consent, R2; a pending review, R14): most logins are adults' with
        # nothing pending.
        if not register.holds_eid(person, eid):
            if register.is_under_13(person, clock.day_number):
                self._refuse_login(
                    person,
                    channel,
                    Reason.UNDER_13,
                    f"R15, D2: person {person} is under 13 and holds no own {eid.name}; a guardian "
                    "acts by proxy (R10)",
                )
            if register.age(person) < 18:
                self._refuse_login(
                    person,
                    channel,
                    Reason.NEEDS_OWN_EID,
                    f"R15: person {person} is 13 or older and must log in with an own "
                    f"{eid.name}, which they do not hold",
                )
            self._refuse_login(
                person, channel, Reason.NO_EID, f"R1: person {person} holds no {eid.name}"
            )
        log = self.log
        if log is not None:
            log.login(now, person, channel)
        accounts = self.accounts
        if not accounts.active[person]:
            accounts.activate(person, person, ROLE_CITIZEN, channel)
        elif not accounts.own_consent[person] and not register.is_under_13(
            person, clock.day_number
        ):
            accounts.record_own_consent(person, channel)
        session = Session(self, person, person, channel)
        if accounts.review_pending[person] and not register.is_under_13(person, clock.day_number):
            # R14: asked once, at the first own login; nothing is cleared from the settings.
            accounts.review_pending[person] = 0
            session.settings_review_prompted = True
            if log is not None:
                log.settings_review_prompted(now, person, channel)
        return session

    def _refuse_login(self, person: int, channel: int, reason: Reason, message: str) -> NoReturn:
        if self.log is not None:
            self.log.login_refused(self.clock.minutes, person, channel, reason)
        raise LoginRefused(message, reason)

    def check_proxy(self, guardian: int, child: int, channel: int) -> None:
        """R10, R12, D2 (and R3): may ``guardian`` act for ``child`` right now?

        The one place these rules are checked; every proxy call goes through it, so a child
        who turns 13 between two calls is protected from the second (D2). A refusal is logged
        as proxy_refused with its reason and raises ``ProxyRefused``.
        """
        register = self.register
        if not register.is_guardian_of(guardian, child):
            reason, text = Reason.NOT_GUARDIAN, f"R3, R10: person {guardian} is not a guardian"
        elif register.is_protected_id(child):
            reason = Reason.PROTECTED_CHILD
            text = "R12: a guardian cannot act as proxy for a child with protected personal data"
        elif register.is_protected_id(guardian):
            reason = Reason.PROTECTED_GUARDIAN
            text = "R12: a guardian with protected personal data cannot act as proxy"
        elif not register.is_under_13(child, self.clock.day_number):
            reason = Reason.CHILD_13_OR_OLDER
            text = "R10, D2: proxy ends on the 13th birthday; the young person logs in (R15)"
        else:
            return
        if self.log is not None:
            self.log.proxy_refused(self.clock.minutes, child, guardian, channel, reason)
        raise ProxyRefused(f"{text} (guardian {guardian}, child {child})", reason)


class Session:
    """One logged-in person acting on their own account (R3)."""

    __slots__ = ("_portal", "actor", "channel", "person", "role", "settings_review_prompted")

    def __init__(self, portal: Portal, person: int, actor: int, channel: int) -> None:
        self._portal = portal
        self.person = person
        """Whose account this session acts on (the child in a proxy session)."""
        self.actor = actor
        """Who is logged in (== person, except in a ProxySession)."""
        self.channel = channel
        self.role = ROLE_CITIZEN if person == actor else ROLE_GUARDIAN_PROXY
        self.settings_review_prompted = False
        """R14: this login asked the young person to review guardian-era settings."""

    def _check(self) -> None:
        """The first step of every call: catch the domain's time up (a proxy session also
        re-checks R10/R12/D2)."""
        self._portal.clock.tick()

    def _own_message(self, message: int) -> int:
        if self._portal.inboxes.holder_of(message) != self.person:
            raise NotAccountHolder(
                f"R3: message {message} is not in the inbox of person {self.person}"
            )
        return message

    def inbox(self) -> list[MessageView]:
        """Every message in the inbox, newest first."""
        self._check()
        inboxes = self._portal.inboxes
        return [inboxes.view(message) for message in inboxes.messages_of(self.person)]

    def unread(self) -> list[int]:
        """Unread message ids, oldest first."""
        self._check()
        return self._portal.inboxes.unread_of(self.person)

    def read(self, message: int) -> None:
        """Open a message (F8: the first read records time and reader; later reads nothing)."""
        self._check()
        message = self._own_message(message)
        self._portal.inboxes.read(message, self.actor, self.role, self.channel)

    def settings(self) -> SettingsView:
        """The account's settings: mobile, e-mail and alert choices (R4)."""
        self._check()
        return self._portal.accounts.settings_view(self.person)

    def update_settings(
        self,
        *,
        mobile: str | Unset | None = UNSET,
        email: str | Unset | None = UNSET,
        sms_alerts: bool | Unset = UNSET,
        email_alerts: bool | Unset = UNSET,
        share_mobile: bool | Unset = UNSET,
        share_email: bool | Unset = UNSET,
    ) -> None:
        """Edit the settings (R4, D3; R5: only the holder, or a guardian for a child, R13).

        ``None`` clears a contact; alerts and sharing with healthcare (R4's two purposes) need
        the matching contact. Writes settings_changed with the resulting alert_sms /
        alert_email.
        """
        self._check()
        portal = self._portal
        candidates = tuple(
            dict.fromkeys((self.person, self.actor, *portal.register.guardians_of(self.person)))
        )
        portal.accounts.update_settings(
            self.person,
            self.actor,
            self.role,
            self.channel,
            candidates,
            mobile,
            email,
            sms_alerts,
            email_alerts,
            share_mobile,
            share_email,
        )

    def update_personal_details(self, **changes: str) -> NoReturn:
        """R7: always refused; name and address come from the population register."""
        raise SettingsNotEditable(
            f"R7: name and address come from the population register and cannot be changed "
            f"in 1177 (asked to change {sorted(changes)})"
        )

    def start_case(
        self,
        clinic: int,
        kind: Kind | str,
        *,
        text: str = "",
        attachments: Sequence[Attachment] = (),
        eservice: str | None = None,
    ) -> int:
        """Start a case at a clinic (F1; R18 local e-services; F5 attachments); returns its id.

        R11: the case remembers the actor and the role (citizen or guardian_proxy).
        """
        self._check()
        portal = self._portal
        case_kind, name = portal.clinics.case_kind(clinic, kind, eservice)
        files = checked_attachments(attachments) if attachments else ()
        portal.accounts.require_active(self.person)
        return portal.cases.start(
            clinic, self.person, self.actor, self.role, case_kind, name, text, files, self.channel
        )

    def reply(self, case: int, *, text: str = "", attachments: Sequence[Attachment] = ()) -> None:
        """Write in an open case's dialogue (F4), optionally with attachments (F5)."""
        self._check()
        cases = self._portal.cases
        case = cases.require_open(case)
        if cases.person[case] != self.person:
            raise NotAccountHolder(f"R3: case {case} is not a case of person {self.person}")
        files = checked_attachments(attachments) if attachments else ()
        if not text and not files:
            raise InvalidOperation("F4: a reply needs a text or an attachment")
        cases.add_entry(case, self.role, self.actor, text, files)
        log = self._portal.log
        if log is not None:
            log.citizen_replied(
                self._portal.clock.minutes,
                self.person,
                self.actor,
                self.role,
                cases.clinic[case],
                case,
                self.channel,
                cases.kind[case],
            )
            cases.log_attachments(
                case, self.person, self.actor, self.role, NONE, files, self.channel
            )
        cases.citizen_wrote(case)

    def submit_form(self, message: int, answers: FormAnswers) -> None:
        """Fill in a form sent before or between visits (F3); once per form.

        The answers are checked against the form first (``FormAnswersInvalid`` names the
        question; nothing is stored). A submitted form counts as read (F8). In a case, the
        answers are a turn of the dialogue that staff see, and the case waits for staff.
        """
        self._check()
        message = self._own_message(message)
        portal = self._portal
        inboxes = portal.inboxes
        checked = portal.catalogue.check_answers(inboxes.form_of(message), answers)
        inboxes.submit_form(message, checked, self.actor, self.role, self.channel)
        case = inboxes.case_of(message)
        if case != NONE and not portal.cases.is_closed(case):
            portal.cases.add_entry(case, self.role, self.actor, "", (), form_answers=checked)
            portal.cases.citizen_wrote(case)

    def activate_for(self, child: PersonRef) -> ProxySession:
        """R9, D7: activate a child's account in proxy mode (the guardian gives the consent).

        R9, D8: allowed once the child's personnummer is registered: a child born (not a birth
        date in the future) with a personnummer, not only a samordningsnummer; and within
        R10/R12/D2. Activating an already active account changes nothing. Returns the proxy
        session. Refusals raise ``ProxyRefused`` and are logged as proxy_refused.
        """
        child_id = self._proxy_target(child)
        portal = self._portal
        register = portal.register
        number = register.personal_number(child_id)
        if not portal.accounts.active[child_id] and (
            number.kind is not PersonalNumberKind.PERSONNUMMER
            or number.birth_date > portal.clock.today
        ):
            what = (
                "is not born yet"
                if number.birth_date > portal.clock.today
                else "has only a samordningsnummer"
            )
            if portal.log is not None:
                portal.log.proxy_refused(
                    portal.clock.minutes, child_id, self.actor, self.channel, Reason.NO_PERSONNUMMER
                )
            raise ProxyRefused(
                f"R9, D8: child {child_id} {what}: a guardian activates the login once the "
                "child's personnummer is registered with Skatteverket",
                Reason.NO_PERSONNUMMER,
            )
        if not portal.accounts.active[child_id]:
            portal.accounts.activate(child_id, self.actor, ROLE_GUARDIAN_PROXY, self.channel)
        return ProxySession(portal, child_id, self.actor, self.channel)

    def act_for(self, child: PersonRef) -> ProxySession:
        """R10, R12, D2: act in the child's (active, R2) account in proxy mode.

        Refusals raise ``ProxyRefused`` and are logged as proxy_refused.
        """
        child_id = self._proxy_target(child)
        self._portal.accounts.require_active(child_id)
        return ProxySession(self._portal, child_id, self.actor, self.channel)

    def _proxy_target(self, child: PersonRef) -> int:
        self._check()
        if self.person != self.actor:
            raise InvalidOperation("R10: a proxy session cannot open another proxy session")
        portal = self._portal
        child_id = portal.register.person_id(child)
        portal.check_proxy(self.actor, child_id, self.channel)
        return child_id

    # -- appointment notices (F7): the digital notice's own buttons -------------------------

    def _notice_appointment(self, message: int) -> tuple[Appointments, int, int]:
        """F7: the appointment of an opened (F8) digital notice in this inbox."""
        self._check()
        message = self._own_message(message)
        appointments = self._portal.appointments
        if appointments is None:
            raise InvalidOperation("F7: this portal holds no appointments")
        appointment = appointments.of_message(message)
        if self._portal.inboxes.read_minutes_of(message) != self._portal.inboxes.read_minutes_of(
            message
        ):
            raise InvalidOperation(
                f"F7: open the notice (message {message}) before rebooking or cancelling"
            )
        return appointments, appointment, message

    def appointment(self, message: int) -> AppointmentView:
        """F7: the appointment an opened digital notice in this inbox is for."""
        appointments, appointment, _ = self._notice_appointment(message)
        return appointments.view(appointment)

    def rebook_appointment(self, message: int, appointment_minutes: float) -> None:
        """F7: rebook from the opened digital notice to a later time (minutes since epoch)."""
        appointments, appointment, message = self._notice_appointment(message)
        appointments.change(
            appointment,
            appointment_minutes,
            self.actor,
            self.role,
            self.channel,
            NONE,
            float("nan"),
        )

    def cancel_appointment(self, message: int) -> None:
        """F7: cancel from the opened digital notice."""
        appointments, appointment, message = self._notice_appointment(message)
        appointments.change(
            appointment, None, self.actor, self.role, self.channel, NONE, float("nan")
        )

    def choose_no_letters(self, no_letters: bool = True) -> None:
        """The holder's setting "do not send me letters" (F7; guardians by proxy too)."""
        self._check()
        if type(no_letters) is not bool:
            raise InvalidOperation(f"no_letters must be True or False, got {no_letters!r}")
        appointments = self._portal.appointments
        if appointments is None:
            raise InvalidOperation("F7: this portal holds no appointments")
        appointments.no_letters[self.person] = 1 if no_letters else 0


class ProxySession(Session):
    """A guardian acting in a child's account (R10): person = child, actor = guardian.

    Every call re-checks R10/R12/D2 through :meth:`Portal.check_proxy` (the child may have
    turned 13 since the last call). Its ``update_settings`` edits the child's settings: that is
    where a guardian's contacts go for alerts about the child's inbox (R13).
    """

    __slots__ = ()

    def _check(self) -> None:
        portal = self._portal
        portal.clock.tick()
        portal.check_proxy(self.actor, self.person, self.channel)

"""How citizens (and guardians for children under 13) use the e-services: log in, read, act.

Pipeline position: ``scenario -> population -> domain -> simulation (this module acts as the
citizens) -> event log``. Every action goes through the domain's portal, so the rules hold: R1
and R15 at login (the domain refuses and logs), R2 activation at first login, R9/R10/R12/D2 when a
guardian acts for a child (the domain refuses protected families and children from 13 and logs
``proxy_refused``), R4/R5/R13/R14 when settings change, F3/F4/F5/F8 when reading, submitting forms,
starting and replying to cases.

The domain tells this module what happens to citizens (``EServices.listeners``): a message
delivered (:meth:`CitizenBehaviour.message_delivered`) and a case whose staff answer asks for
more (:meth:`CitizenBehaviour.case_awaiting_citizen`, F4: the citizen replies after a log-normal
delay). Nothing here reads or writes the domain's columns or the event log: it acts through the
portal and asks the facade's queries.

Reading (P1, F8). When a message is delivered, :meth:`CitizenBehaviour.message_delivered` decides
once whether and when it will be read: never (``behaviour.never_read_share``: the holder never
opens it, even when logged in for something else), at the reader's next login by cadence
(exponential with the reader's ``logins_per_month``), or sooner after an alert
(``behaviour.alert_login_share``, log-normal delay) when the settings approve alerts (R8). The read
is a call on the run's agenda (``etj_sim.simulation.agenda``): one pending read per account, at
the earliest minute proposed, so a second message waiting for the same account is read at the
same login rather than at an independent (too early) one. Idle logins of people with nothing to
read are not simulated: cadence logins matter only when something waits, and because the
exponential is memoryless, sampling the next cadence login at delivery is exact. Any login reads
every unread message the holder means to read, so it clears the pending read.

At each login: R14 (a young person from 13 prompted to review the settings edits them with
``behaviour.settings_edit_after_13_share``, replacing guardians' contacts by their own where they
have one and clearing them otherwise; else nothing changes and alerts keep reaching the guardians,
D4) and the opt-in nudge (``behaviour.opt_in_nudge_share``: an account without alerts whose
settings hold a contact turns alerts on for it).

A need that cannot reach the e-services (no active account and no activation, or no e-ID, or a
refused proxy) goes elsewhere, e.g. a telephone call: it is not a domain event, so nothing is
logged; :attr:`CitizenBehaviour.needs_elsewhere` counts them.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import TYPE_CHECKING, Final

import numpy as np

from etj_sim.domain import EID, Attachment, DomainError
from etj_sim.events import CHANNEL_APP, CHANNEL_WEB, Kind
from etj_sim.scenario import Scenario
from etj_sim.simulation.agenda import Agenda
from etj_sim.simulation.citizens import NO_EID, NO_PERSON, Citizens
from etj_sim.simulation.ledger import (
    NEVER_OPENED,
    OPEN_FORM,
    OPEN_NOTICE,
    OPEN_QUESTION,
    CaseLedger,
    MessageLedger,
)
from etj_sim.simulation.random_streams import (
    random_stream,
    row_draws,
    standard_normal_draws,
    uniform_draws,
)

if TYPE_CHECKING:
    from etj_sim.domain import EServices, Session

__all__ = ["CitizenBehaviour"]

REPLY_DELAY_SIGMA: Final = 1.0
"""Log-normal sigma of the citizen's reply delay in a dialogue (F4). # assumption"""

_LOGIN_EIDS: Final = (EID.BANKID, EID.FREJA_PLUS, EID.BANKID)
"""The e-ID used at login by ``Citizens.eid`` code: 0 BankID, 1 Freja+, -1 (none) tries BankID."""
_CASE_KINDS: Final = tuple(Kind)
_ATTACHMENT: Final = Attachment(
    name="bilaga.pdf", content_type="application/pdf", size_bytes=250_000
)
_REPLY_TEXT: Final = "Tack. Här kommer svaren på era frågor."
_FORM_ANSWERS: Final = {"allergies": "nej", "smoker": "nej"}
"""Answers that fit the standard health declaration the clinics send (F3)."""
_MINUTES_PER_MONTH: Final = 30.0 * 1440.0


def _uniform(generator: np.random.Generator, size: int) -> np.ndarray:
    return generator.random(size)


def _standard_exponential(generator: np.random.Generator, size: int) -> np.ndarray:
    return generator.standard_exponential(size)


def _standard_normal(generator: np.random.Generator, size: int) -> np.ndarray:
    return generator.standard_normal(size)


class CitizenBehaviour:
    """The citizens' side of the model: one instance per run, state in :class:`Citizens`."""

    __slots__ = (
        "_activation",
        "_child_own_login",
        "_eid",
        "_first_guardian",
        "_forms",
        "_login_channel",
        "_logins_per_month",
        "_next_cadence_minute",
        "_nudge",
        "_question_answer",
        "_reading",
        "_reads",
        "_reply_delay",
        "_settings",
        "_thirteen_minute",
        "activation_at_need_share",
        "agenda",
        "alert_delay_minutes",
        "alert_login_share",
        "alert_read_mu",
        "alert_read_sigma",
        "app_login_share",
        "cases",
        "child_own_login_share",
        "citizens",
        "clinic_ids",
        "close_unanswered",
        "env",
        "form_completion_share",
        "local_eservice",
        "messages",
        "needs_elsewhere",
        "never_read_share",
        "notice_opened",
        "opt_in_nudge_share",
        "portal",
        "question_answer_share",
        "reply_mu",
        "services",
        "settings_edit_share",
    )

    def __init__(
        self,
        agenda: Agenda,
        services: EServices,
        citizens: Citizens,
        scenario: Scenario,
        seed: int,
        *,
        clinic_ids: list[int],
        cases: CaseLedger,
        messages: MessageLedger,
        close_unanswered: Callable[[int], None],
    ) -> None:
        self.agenda = agenda
        self.env = agenda.env
        self.services = services
        self.portal = services.portal
        self.citizens = citizens
        self.cases = cases
        self.messages = messages
        self.clinic_ids = clinic_ids
        self.close_unanswered = close_unanswered
        self._reads = agenda.earliest_calls(citizens.next_read_minute, self._read_due)
        behaviour = scenario.behaviour
        self.never_read_share = behaviour.never_read_share
        self.alert_login_share = behaviour.alert_login_share
        self.alert_delay_minutes = scenario.alerts.delay_minutes
        self.alert_read_mu = math.log(behaviour.alert_read_delay_hours_median * 60.0)
        self.alert_read_sigma = behaviour.alert_read_delay_sigma
        self.app_login_share = behaviour.app_login_share
        self.opt_in_nudge_share = behaviour.opt_in_nudge_share
        self.activation_at_need_share = behaviour.activation_at_need_share
        self.form_completion_share = behaviour.form_completion_share
        self.settings_edit_share = behaviour.settings_edit_after_13_share
        self.reply_mu = math.log(behaviour.reply_delay_hours_median * 60.0)
        self.local_eservice = (
            scenario.clinics.local_eservices[0] if scenario.clinics.local_eservices else None
        )
        # One stream per purpose (README, "Design"), so a scenario change to one purpose
        # leaves the draws of the others untouched (common random numbers).
        self._login_channel = uniform_draws(random_stream(seed, "login_channel"))
        self._activation = uniform_draws(random_stream(seed, "activation_at_need"))
        self._reading = row_draws(
            random_stream(seed, "reading"),
            _uniform,
            _uniform,
            _standard_exponential,
            _standard_normal,
        )
        self._settings = uniform_draws(random_stream(seed, "settings_review"))
        self._nudge = uniform_draws(random_stream(seed, "opt_in_nudge"))
        self._forms = uniform_draws(random_stream(seed, "form_completion"))
        self._reply_delay = standard_normal_draws(random_stream(seed, "reply_delay"))
        self.question_answer_share = behaviour.question_answer_share
        self.child_own_login_share = behaviour.child_own_login_share
        self._question_answer = row_draws(
            random_stream(seed, "question_answer"), _uniform, _standard_normal
        )
        self._child_own_login = uniform_draws(random_stream(seed, "child_own_login"))
        self.needs_elsewhere = 0
        self.notice_opened: Callable[[Session, int], None] | None = None
        """Told when a reader opens an appointment notice (F7: its rebook/cancel buttons)."""
        self._thirteen_minute = citizens.thirteen_minute
        self._first_guardian = citizens.first_guardian
        self._next_cadence_minute = citizens.next_cadence_minute
        self._logins_per_month = citizens.logins_per_month
        self._eid = citizens.eid
        listeners = services.listeners
        listeners.message_delivered.append(self.message_delivered)
        listeners.case_awaiting_citizen.append(self.case_awaiting_citizen)
        listeners.register_changed.append(self.register_changed)

    # -- logging in ---------------------------------------------------------------------------

    def _login_own(self, person: int) -> Session | None:
        """R1, R2, R15: the person logs in with their own e-ID (activating at first need)."""
        eid = self._eid[person]
        # Activation at first need needs an e-ID (R1); without one the need goes elsewhere.
        if not self.services.account_active(person) and (
            eid == NO_EID or next(self._activation) >= self.activation_at_need_share
        ):
            return None
        channel = CHANNEL_APP if next(self._login_channel) < self.app_login_share else CHANNEL_WEB
        try:
            # A holder without an own e-ID still tries (BankID, index -1): the domain refuses and
            # logs it (R1, R15: e.g. a young person from 13 whose account a guardian activated).
            session = self.portal.login(person, _LOGIN_EIDS[eid], channel)
        except DomainError:
            return None
        return session

    def open_account(self, person: int, now: float) -> Session | None:
        """A session acting on ``person``'s account: own login from 13, a guardian's proxy below.

        Returns None when the account cannot be reached (no e-ID, no activation, refused proxy:
        the domain has logged the refusal where a citizen met one).
        """
        if now >= self._thirteen_minute[person]:
            return self._login_own(person)
        # R11: a child under 13 with an own e-ID may act themself (proxy stays with the
        # guardians until 13, R10).
        if self._eid[person] != NO_EID and next(self._child_own_login) < self.child_own_login_share:
            return self._login_own(person)
        guardian = self._first_guardian[person]
        if guardian == NO_PERSON:
            return None
        # The child's account is activated at first need too (R9, D7), with the same share.
        child_active = self.services.account_active(person)
        if not child_active and next(self._activation) >= self.activation_at_need_share:
            return None
        guardian_session = self._login_own(guardian)
        if guardian_session is None:
            return None
        # Logged in, the guardian also reads what waits in their own inbox.
        self._after_login(guardian_session, guardian)
        try:
            if child_active:
                return guardian_session.act_for(person)  # R10, R12, D2
            proxy = guardian_session.activate_for(person)  # R9, D7
        except DomainError:
            return None
        return proxy

    def _after_login(self, session: Session, person: int) -> None:
        """R14 review prompt, opt-in nudge, and reading everything the holder means to read."""
        if session.settings_review_prompted:
            self._review_settings(session, person)
        if (
            self.opt_in_nudge_share > 0.0
            and not self.services.alerts_approved(person)
            and self.services.holds_contact(person)
            and next(self._nudge) < self.opt_in_nudge_share
        ):
            settings = session.settings()
            if settings.mobile is not None:
                session.update_settings(sms_alerts=True)
            else:
                session.update_settings(email_alerts=True)
        self._reads.clear(person)
        messages = self.messages
        for message in session.unread():
            what = messages.intent(message)
            if what == NEVER_OPENED:
                continue
            session.read(message)  # F8
            if what == OPEN_FORM and next(self._forms) < self.form_completion_share:
                session.submit_form(message, _FORM_ANSWERS)  # F3
            elif what == OPEN_QUESTION:
                self._consider_answer(message)
            elif what == OPEN_NOTICE and self.notice_opened is not None:
                self.notice_opened(session, message)  # F7

    def _review_settings(self, session: Session, person: int) -> None:
        """R14: the young person edits the settings when prompted, or leaves them (D4)."""
        if next(self._settings) >= self.settings_edit_share:
            return
        settings = session.settings()
        own_mobile, own_email = self.services.registered_contacts(person)
        mobile = settings.mobile if settings.mobile_owner == person else own_mobile
        email = settings.email if settings.email_owner == person else own_email
        sms_alerts = settings.sms_alerts and mobile is not None
        email_alerts = settings.email_alerts and email is not None
        session.update_settings(
            mobile=mobile, email=email, sms_alerts=sms_alerts, email_alerts=email_alerts
        )

    # -- reading ------------------------------------------------------------------------------

    def message_delivered(self, person: int, message: int, kind: int, now: float) -> None:
        """Decide whether and when the holder (or a guardian by proxy) reads ``message``."""
        # One row of four numbers per message, used or not, keeps the reading stream aligned
        # across scenarios (common random numbers): never-read, alert login, cadence, delay.
        never_draw, alert_draw, cadence_draw, delay_draw = next(self._reading)
        never = never_draw < self.never_read_share
        self.messages.note(message, kind, never)
        if never:
            return
        # The columns are bound once (they never move: ``array.array`` grows in place).
        reader = person if now >= self._thirteen_minute[person] else self._first_guardian[person]
        if reader == NO_PERSON:
            return
        next_cadence = self._next_cadence_minute
        read_minute = next_cadence[person]
        if read_minute <= now:
            logins_per_month = self._logins_per_month[reader]
            read_minute = (
                now + cadence_draw * _MINUTES_PER_MONTH / logins_per_month
                if logins_per_month > 0.0
                else math.inf
            )
            next_cadence[person] = read_minute
        if alert_draw < self.alert_login_share and self.services.alerts_approved(person):
            alert_read = (
                now
                + self.alert_delay_minutes
                + math.exp(self.alert_read_mu + self.alert_read_sigma * delay_draw)
            )
            if alert_read < read_minute:
                read_minute = alert_read
        self._reads.propose(person, read_minute)

    def _read_due(self, person: int, _minute: float) -> None:
        self.read_inbox(person)

    def read_inbox(self, person: int) -> None:
        """Log in (or a guardian by proxy) and read the inbox (F8, F3)."""
        session = self.open_account(person, self.env.now)
        # An unreachable account keeps its messages unread; nothing is retried.
        self._reads.clear(person)
        if session is not None:
            self._after_login(session, person)

    # -- cases --------------------------------------------------------------------------------

    def start_case(self, person: int, clinic: int, kind: int, with_attachment: bool) -> None:
        """F1, F5: a need arises; the person (or a guardian by proxy, R10) starts a case."""
        session = self.open_account(person, self.env.now)
        if session is None:
            self.needs_elsewhere += 1
            return
        self._after_login(session, person)
        case_kind = _CASE_KINDS[kind]
        case = session.start_case(
            self.clinic_ids[clinic],
            case_kind,
            attachments=(_ATTACHMENT,) if with_attachment else (),
            eservice=self.local_eservice if case_kind is Kind.LOCAL_ESERVICE else None,
        )
        self.cases.open(case, person, clinic, kind)

    def case_awaiting_citizen(self, case: int, _person: int) -> None:
        """F4: staff answered and ask for more; the citizen replies after a log-normal delay.

        A case staff opened with a question (R19, R20) is answered, if at all, once the citizen
        has read the question (:meth:`_consider_answer`), not on this signal.
        """
        if self.services.case_opened_by_staff(case) and self.cases.round_of(case) == 0:
            return
        delay = math.exp(self.reply_mu + REPLY_DELAY_SIGMA * next(self._reply_delay))
        self.agenda.call_after(delay, self._reply_due, case)

    def _consider_answer(self, message: int) -> None:
        """R19, F4: having read a staff question, the citizen answers it (with
        ``behaviour.question_answer_share``) after a log-normal delay."""
        case = self.messages.question_case.get(message)
        answer_draw, delay_draw = next(self._question_answer)
        if case is None or answer_draw >= self.question_answer_share:
            return
        delay = math.exp(self.reply_mu + REPLY_DELAY_SIGMA * delay_draw)
        self.agenda.call_after(delay, self._reply_due, case)

    def register_changed(self, person: int) -> None:
        """The register changed a person's guardians or protection: the child's first guardian
        with an e-ID acts by proxy (a protected family is refused by the domain, R12)."""
        guardians = self.services.guardians_of(person)
        # As at the start (Citizens.from_population): the first listed guardian with an e-ID,
        # else the first listed one.
        with_eid = [guardian for guardian in guardians if self._eid[guardian] != NO_EID]
        candidates = with_eid or list(guardians)
        self._first_guardian[person] = candidates[0] if candidates else NO_PERSON

    def _reply_due(self, case: int, _minute: float) -> None:
        person = self.cases.person[case]
        session = self.open_account(person, self.env.now)
        if session is None:
            # The citizen cannot come back (e.g. turned 13 without an own e-ID): the clinic
            # closes the case rather than leave it open for ever.
            self.close_unanswered(case)
            return
        self._after_login(session, person)
        self.cases.round[case] += 1
        session.reply(case, text=_REPLY_TEXT)  # F4: the case waits for its staff member again

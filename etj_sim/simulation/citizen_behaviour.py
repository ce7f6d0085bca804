"""How citizens (and guardians for children under 13) use the e-services: log in, read, act.

Pipeline position: ``scenario -> population -> domain -> simulation (this module acts as the
citizens) -> event log``. Every action goes through the domain's portal, so the rules hold: R1
and R15 at login (the domain refuses and logs), R2 activation at first login, R9/R10/R12/D2 when a
guardian acts for a child (the domain refuses protected families and children from 13 and logs
``proxy_refused``), R4/R5/R13/R14 when settings change, F3/F4/F5/F8 when reading, submitting forms,
starting and replying to cases.

Reading (P1, F8). When a message is delivered, :meth:`CitizenBehaviour.message_delivered` decides
once whether and when it will be read: never (``behaviour.never_read_share``: the holder never
opens it, even when logged in for something else), at the reader's next login by cadence
(exponential with the reader's ``logins_per_month``), or sooner after an alert
(``behaviour.alert_login_share``, log-normal delay) when the settings approve alerts (R8). The read
is a one-shot event in SimPy's queue (:class:`_Due`, a direct callback), not a process; a read in a
later hour of the run waits in a :class:`ReadCalendar` until its hour begins
(``release_due_reads``), so weeks-ahead cadence logins cost two numbers, not a queue entry, until
then. Idle logins of people with nothing to read are not simulated: cadence logins matter only
when something waits, and because the exponential is memoryless, sampling the next cadence login
at delivery is exact. One pending
cadence login per account is kept, so a second message waiting for the same account is read at
the same login rather than at an independent (too early) one. Any login reads every unread
message the holder means to read, so ``next_read_minute`` is cleared at each login and later
callbacks that find it changed do nothing.

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
from collections.abc import Callable, Generator
from typing import TYPE_CHECKING, Any, Final, cast

import numpy as np
from simpy.events import NORMAL

from etj_sim.domain import EID, Attachment, DomainError
from etj_sim.domain.accounts import NO_CONTACT
from etj_sim.events import Channel, Kind
from etj_sim.scenario import Scenario
from etj_sim.simulation.citizens import NO_EID, NO_PERSON, Citizens
from etj_sim.simulation.ledger import CaseLedger, MessageLedger
from etj_sim.simulation.random_streams import (
    random_stream,
    row_draws,
    standard_normal_draws,
    uniform_draws,
)
from etj_sim.simulation.read_calendar import ReadCalendar

if TYPE_CHECKING:
    import simpy

    from etj_sim.domain import EServices, Session

__all__ = ["CitizenBehaviour"]

REPLY_DELAY_SIGMA: Final = 1.0
"""Log-normal sigma of the citizen's reply delay in a dialogue (F4). # assumption"""

_LOGIN_EIDS: Final = (EID.BANKID, EID.FREJA_PLUS, EID.BANKID)
"""The e-ID used at login by ``Citizens.eid`` code: 0 BankID, 1 Freja+, -1 (none) tries BankID."""
_APP: Final = Channel.APP
_WEB: Final = Channel.WEB
_FORM: Final = Kind.FORM
_LOCAL_ESERVICE: Final = Kind.LOCAL_ESERVICE
_CASE_KINDS: Final = tuple(Kind)
_ATTACHMENT: Final = Attachment(
    name="bilaga.pdf", content_type="application/pdf", size_bytes=250_000
)
_REPLY_TEXT: Final = "Tack. Här kommer svaren på era frågor."
_FORM_ANSWERS: Final = {"svar": "ifyllt"}
_MINUTES_PER_MONTH: Final = 30.0 * 1440.0
_RELEASE_MINUTES: Final = 60.0
"""Reads wait in the read calendar until the hour they fall in begins (one slot per hour)."""


def _uniform(generator: np.random.Generator, size: int) -> np.ndarray:
    return generator.random(size)


def _standard_exponential(generator: np.random.Generator, size: int) -> np.ndarray:
    return generator.standard_exponential(size)


def _standard_normal(generator: np.random.Generator, size: int) -> np.ndarray:
    return generator.standard_normal(size)


class CitizenBehaviour:
    """The citizens' side of the model: one instance per run, state in :class:`Citizens`."""

    def __init__(
        self,
        env: simpy.Environment,
        services: EServices,
        citizens: Citizens,
        scenario: Scenario,
        seed: int,
        *,
        clinic_ids: list[int],
        cases: CaseLedger,
        messages: MessageLedger,
        horizon_minutes: float,
        wake_staff: Callable[[int], None],
        return_case: Callable[[int], None],
        close_unanswered: Callable[[int], None],
    ) -> None:
        self.env = env
        # ``Environment.schedule`` takes any object with an event's ``callbacks`` and ``_ok``:
        # typed here for the one-shot :class:`_Due` events.
        self._schedule = cast("Callable[[_Due, int, float], None]", env.schedule)
        self.services = services
        self.portal = services.portal
        self.citizens = citizens
        self.cases = cases
        self.messages = messages
        self.clinic_ids = clinic_ids
        self.horizon_minutes = horizon_minutes
        self.read_calendar = ReadCalendar(int(horizon_minutes // _RELEASE_MINUTES) + 1)
        self.wake_staff = wake_staff
        self.return_case = return_case
        self.close_unanswered = close_unanswered
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
        self.needs_elsewhere = 0
        self._thirteen_minute = citizens.thirteen_minute
        self._first_guardian = citizens.first_guardian
        self._next_cadence_minute = citizens.next_cadence_minute
        self._logins_per_month = citizens.logins_per_month
        # The domain's own account columns, read per person on the hot path: activation (R2,
        # D7), the alert bitmask (R4, R8) and the contact slots (R4, R13, D3).
        accounts = services.accounts
        self._account_active = accounts.active
        self._alerts = accounts.alerts
        self._mobile_slot = accounts.mobile
        self._email_slot = accounts.email
        self._next_read_minute = citizens.next_read_minute

    # -- logging in ---------------------------------------------------------------------------

    def _login_own(self, person: int) -> Session | None:
        """R1, R2, R15: the person logs in with their own e-ID (activating at first need)."""
        citizens = self.citizens
        eid = citizens.eid[person]
        # Activation at first need needs an e-ID (R1); without one the need goes elsewhere.
        if not self._account_active[person] and (
            eid == NO_EID or next(self._activation) >= self.activation_at_need_share
        ):
            return None
        channel = _APP if next(self._login_channel) < self.app_login_share else _WEB
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
        citizens = self.citizens
        if now >= citizens.thirteen_minute[person]:
            return self._login_own(person)
        guardian = citizens.first_guardian[person]
        if guardian == NO_PERSON:
            return None
        # The child's account is activated at first need too (R9, D7), with the same share.
        child_active = self._account_active[person]
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
            and not self._alerts[person]
            and (self._mobile_slot[person] != NO_CONTACT or self._email_slot[person] != NO_CONTACT)
            and next(self._nudge) < self.opt_in_nudge_share
        ):
            settings = session.settings()
            if settings.mobile is not None:
                session.update_settings(sms_alerts=True)
            else:
                session.update_settings(email_alerts=True)
        self._next_read_minute[person] = math.inf
        flags = self.messages.flags  # kind << 1 | never_read
        for message in session.unread():
            flag = flags[message]
            if flag & 1:
                continue
            session.read(message)  # F8
            if flag >> 1 == _FORM and next(self._forms) < self.form_completion_share:
                session.submit_form(message, _FORM_ANSWERS)  # F3

    def _review_settings(self, session: Session, person: int) -> None:
        """R14: the young person edits the settings when prompted, or leaves them (D4)."""
        if next(self._settings) >= self.settings_edit_share:
            return
        settings = session.settings()
        register = self.services.register
        own_mobile = register.mobile(person)
        own_email = register.email(person)
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
        if self._alerts[person] and alert_draw < self.alert_login_share:
            alert_read = (
                now
                + self.alert_delay_minutes
                + math.exp(self.alert_read_mu + self.alert_read_sigma * delay_draw)
            )
            if alert_read < read_minute:
                read_minute = alert_read
        next_read = self._next_read_minute
        if read_minute < next_read[person]:
            next_read[person] = read_minute
            if read_minute < self.horizon_minutes:
                slot = int(read_minute // _RELEASE_MINUTES)
                if slot == int(now // _RELEASE_MINUTES):
                    self._schedule(
                        _Due(_fire_read, self, person, read_minute), NORMAL, read_minute - now
                    )
                else:
                    self.read_calendar.add(slot, person, read_minute)

    def release_due_reads(self) -> Generator[Any, Any, None]:
        """At the start of each hour, schedule the reads that fall due in it (one-shot)."""
        env = self.env
        schedule = self._schedule
        next_read = self._next_read_minute
        for slot in range(1, int(self.horizon_minutes // _RELEASE_MINUTES)):
            yield env.timeout(slot * _RELEASE_MINUTES - env.now)
            now = env.now
            persons, minutes = self.read_calendar.release(slot)
            for person, read_minute in zip(persons, minutes, strict=True):
                # A read decided later, or a login in between, superseded this one.
                if next_read[person] == read_minute:
                    schedule(_Due(_fire_read, self, person, read_minute), NORMAL, read_minute - now)

    def _read_due(self, person: int, read_minute: float) -> None:
        """The scheduled login to read: skipped if a later decision or a login superseded it."""
        if self.citizens.next_read_minute[person] != read_minute:
            return
        self.read_inbox(person)

    def read_inbox(self, person: int) -> None:
        """Log in (or a guardian by proxy) and read the inbox (F8, F3)."""
        now = self.env.now
        self.services.advance_to(now)
        session = self.open_account(person, now)
        # An unreachable account keeps its messages unread; nothing is retried.
        self.citizens.next_read_minute[person] = math.inf
        if session is not None:
            self._after_login(session, person)

    # -- cases --------------------------------------------------------------------------------

    def start_case(self, person: int, clinic: int, kind: int, with_attachment: bool) -> None:
        """F1, F5: a need arises; the person (or a guardian by proxy, R10) starts a case."""
        now = self.env.now
        self.services.advance_to(now)
        session = self.open_account(person, now)
        if session is None:
            self.needs_elsewhere += 1
            return
        self._after_login(session, person)
        case_kind = _CASE_KINDS[kind]
        case = session.start_case(
            self.clinic_ids[clinic],
            case_kind,
            attachments=(_ATTACHMENT,) if with_attachment else (),
            eservice=self.local_eservice if case_kind is _LOCAL_ESERVICE else None,
        )
        self.cases.open(case, person, clinic, kind)
        self.wake_staff(clinic)

    def schedule_reply(self, case: int, now: float) -> None:
        """F4: the case needs another round; the citizen replies after a log-normal delay."""
        delay = math.exp(self.reply_mu + REPLY_DELAY_SIGMA * next(self._reply_delay))
        if now + delay < self.horizon_minutes:
            self._schedule(_Due(_fire_reply, self, case, 0.0), NORMAL, delay)

    def _reply_due(self, case: int) -> None:
        now = self.env.now
        self.services.advance_to(now)
        person = self.cases.person[case]
        session = self.open_account(person, now)
        if session is None:
            # The citizen cannot come back (e.g. turned 13 without an own e-ID): the clinic
            # closes the case rather than leave it open for ever.
            self.close_unanswered(case)
            return
        self._after_login(session, person)
        session.reply(case, text=_REPLY_TEXT)  # F4
        self.cases.round[case] += 1
        self.return_case(case)


class _Due:
    """A citizen's next action at a set minute (a read, a reply), as a one-shot SimPy event.

    The same heap entry as ``env.timeout(delay)`` with a callback (same time, priority and
    insertion order, so the same event log), without a Timeout object's construction and the
    callback's ``partial``: reads and replies are most of the run's scheduled one-shots.
    ``Environment.step`` uses only an event's ``callbacks`` (called with the event) and ``_ok``
    (SimPy 4's event protocol; pyproject.toml asks for simpy >= 4.1, and
    ``tests/simulation/test_read_calendar.py`` checks that a ``_Due`` fires where a timeout would).
    """

    __slots__ = ("_ok", "behaviour", "callbacks", "key", "minute")

    def __init__(
        self,
        fire: Callable[[_Due], None],
        behaviour: CitizenBehaviour,
        key: int,
        minute: float,
    ) -> None:
        self.callbacks: list[Callable[[_Due], None]] | None = [fire]
        self._ok = True
        self.behaviour = behaviour
        self.key = key
        self.minute = minute


def _fire_read(due: _Due) -> None:
    due.behaviour._read_due(due.key, due.minute)


def _fire_reply(due: _Due) -> None:
    due.behaviour._reply_due(due.key)

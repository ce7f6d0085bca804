"""EServices: one whole in-memory 1177 (register, portal, staff tool, records, alerts, clock).

Pipeline position: ``population -> EServices.from_population (this module) -> simulation /
notebooks``. This is the one door into the domain: commands through ``portal`` (citizens) and
``staff_tool`` (staff), read-only typed queries here (``account_active``, ``alerts_approved``,
...), and :attr:`EServices.listeners`, which the domain calls when a message is delivered or a
case waits for someone. Time: a caller with a clock of its own (the simulation) hands it in as
``now``; every operation then first carries out what fell due since the last one: alerts (R8,
D6), each at its own due time, and turned_13 events (R14, D2) for 13th birthdays crossed, in
time order (:meth:`EServices.advance_to`, which a notebook without such a clock calls itself).
No SimPy, no randomness, no I/O here.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import datetime
from typing import Any, Protocol

import numpy as np
import polars as pl

from etj_sim.domain.accounts import NO_CONTACT, Accounts
from etj_sim.domain.alerts import AlertGateway
from etj_sim.domain.appointments import Appointments
from etj_sim.domain.cases import Cases, Clinics
from etj_sim.domain.catalogue import Catalogue
from etj_sim.domain.clock import Clock
from etj_sim.domain.errors import InvalidOperation
from etj_sim.domain.inbox import Inboxes
from etj_sim.domain.listeners import Listeners
from etj_sim.domain.portal import Portal
from etj_sim.domain.records import RecordSystem
from etj_sim.domain.register import PersonRef, PopulationRegister
from etj_sim.domain.staff_tool import StaffTool
from etj_sim.events import ROLE_STAFF, EventLog

__all__ = ["EServices", "PopulationFrames"]

_ACCOUNT_COLUMNS = {
    "account_active": pl.Boolean,
    "alert_sms": pl.Boolean,
    "alert_email": pl.Boolean,
    "settings_mobile_owner": pl.Int32,
    "settings_email_owner": pl.Int32,
}


class PopulationFrames(Protocol):
    """What :meth:`EServices.from_population` needs: ``etj_sim.population.Population``."""

    @property
    def people(self) -> pl.DataFrame: ...

    @property
    def guardianships(self) -> pl.DataFrame: ...


class EServices:
    """One in-memory 1177: the facade the simulation and notebooks use."""

    __slots__ = (
        "_active",
        "_alert_flags",
        "_appointment_message",
        "_appointment_minutes",
        "_appointment_status",
        "_birthday_days",
        "_birthday_generation",
        "_birthday_next",
        "_birthday_persons",
        "_email_slot",
        "_mobile_slot",
        "_next_birthday_minutes",
        "accounts",
        "alerts",
        "appointments",
        "cases",
        "catalogue",
        "clinics",
        "clock",
        "event_log",
        "inboxes",
        "listeners",
        "portal",
        "records",
        "register",
        "staff_tool",
    )

    def __init__(
        self,
        epoch: datetime,
        *,
        event_log: EventLog | None = None,
        alert_delay_minutes: float = 1.0,
        now: Callable[[], float] | None = None,
    ) -> None:
        """``now``: the caller's clock in minutes since ``epoch`` (e.g. SimPy's ``env.now``);
        without it the caller moves the time with :meth:`advance_to`."""
        self.clock = Clock(epoch)
        self.event_log = event_log
        self.listeners = Listeners()
        """Whom the domain tells of deliveries and of cases waiting (append callables)."""
        self.register = PopulationRegister(self.clock)
        self.accounts = Accounts(self.register, self.clock, event_log)
        """Account and settings columns (internal: use the queries and the portal)."""
        self.alerts = AlertGateway(self.accounts, self.clock, event_log, alert_delay_minutes)
        self.inboxes = Inboxes(self.accounts, self.alerts, self.clock, event_log, self.listeners)
        """Message columns and inboxes (internal: use the portal and the staff tool)."""
        self.clinics = Clinics()
        self.cases = Cases(self.clinics, self.clock, event_log, self.listeners)
        self.catalogue = Catalogue()
        """Message templates and forms (R18, F3); change them through the staff tool."""
        self.appointments = Appointments(
            self.register, self.accounts, self.inboxes, self.clock, event_log
        )
        """Appointments and their notices, F7 (internal: use the staff tool and the portal)."""
        self.portal = Portal(
            self.register,
            self.accounts,
            self.inboxes,
            self.cases,
            self.clinics,
            self.clock,
            event_log,
            self.catalogue,
            appointments=self.appointments,
        )
        self.staff_tool = StaffTool(
            self.register,
            self.accounts,
            self.inboxes,
            self.cases,
            self.clinics,
            self.clock,
            event_log,
            self.catalogue,
            appointments=self.appointments,
        )
        self.records = RecordSystem(self.register)
        self._birthday_generation = -1
        self._birthday_days = np.empty(0, dtype=np.int32)
        self._birthday_persons = np.empty(0, dtype=np.int32)
        self._birthday_next = 0
        # Minus infinity sends the next advance_to down the slow path, which (re)sorts the
        # birthdays first: the fast path then needs no check of the register's generation.
        self._next_birthday_minutes = -math.inf
        self.register.growth_listeners.append(self._grow)
        # Read once: the queries below are on the simulation's hot path.
        self._active = self.accounts.active
        self._alert_flags = self.accounts.alerts
        self._mobile_slot = self.accounts.mobile
        self._email_slot = self.accounts.email
        self._appointment_status = self.appointments.status
        self._appointment_minutes = self.appointments.minutes
        self._appointment_message = self.appointments.message
        if now is not None:
            self.clock.follow(now, self.advance_to)

    # -- typed queries (read-only; the simulation's view of the state) -----------------------

    def account_active(self, person: int) -> bool:
        """R2: whether the person's inbox and services are activated."""
        return self._active[person] != 0

    def alerts_approved(self, person: int) -> bool:
        """R4, R8: whether the account's settings approve alerts on some channel."""
        return self._alert_flags[person] != 0

    def holds_contact(self, person: int) -> bool:
        """R4, D3: whether the account's settings hold a mobile number or an e-mail address."""
        return self._mobile_slot[person] != NO_CONTACT or self._email_slot[person] != NO_CONTACT

    def guardians_of(self, child: int) -> tuple[int, ...]:
        """The child's guardians (vårdnadshavare) in the register now, in registration order."""
        return self.register.guardians_of(child)

    def is_protected(self, person: int) -> bool:
        """Whether the register marks the person's data protected now (R12, R16)."""
        return self.register.is_protected_id(person)

    def case_opened_by_staff(self, case: int) -> bool:
        """Whether staff opened the case ("Skicka ärende", R19, R20) rather than a citizen."""
        return self.cases.actor_role[case] == ROLE_STAFF

    def registered_contacts(self, person: int) -> tuple[str | None, str | None]:
        """The person's own mobile and e-mail in the register (what they may type in, R4)."""
        return self.register.mobile(person), self.register.email(person)

    # -- the register over time (Skatteverket's notifications) ---------------------------------

    def set_protection(self, who: PersonRef, protected: bool) -> None:
        """R12, R16: the register grants (or lifts) protected personal data.

        From this moment a guardian cannot act for the child when either of them is protected
        (every proxy call re-checks R12). Nothing in the settings changes (R16: a protected
        person uses the e-services as anyone else). Logs protection_granted / _lifted.
        """
        self.clock.tick()
        person = self.register.set_protected(who, protected)
        if self.event_log is not None:
            if protected:
                self.event_log.protection_granted(self.clock.minutes, person)
            else:
                self.event_log.protection_lifted(self.clock.minutes, person)
        for listener in self.listeners.register_changed:
            listener(person)

    def start_guardianship(self, guardian: PersonRef, child: PersonRef) -> None:
        """R9, R10: the register records a new guardian (vårdnadshavare) of the child."""
        self.clock.tick()
        register = self.register
        guardian_id, child_id = register.person_id(guardian), register.person_id(child)
        register.add_guardianship(guardian_id, child_id)
        if self.event_log is not None:
            self.event_log.guardianship_started(self.clock.minutes, child_id, guardian_id)
        for listener in self.listeners.register_changed:
            listener(child_id)

    def end_guardianship(self, guardian: PersonRef, child: PersonRef) -> None:
        """R10, R13, D9: a guardianship ends (custody change).

        From this moment the former guardian cannot act for the child (R10, every proxy call
        re-checks it), and their own registered contacts leave the child's settings with the
        alerts and sharing that used them (D9: unlike the 13th birthday, R14, an ended custody
        ends the guardian's access, alerts included; typed contacts, whose owner is unknown,
        stay). Logs guardianship_ended (and settings_changed by the system if contacts left).
        """
        self.clock.tick()
        guardian_id, child_id = self.register.remove_guardianship(guardian, child)
        if self.event_log is not None:
            self.event_log.guardianship_ended(self.clock.minutes, child_id, guardian_id)
        self.accounts.clear_contacts_of(child_id, guardian_id)
        for listener in self.listeners.register_changed:
            listener(child_id)

    def appointment_open(self, appointment: int) -> bool:
        """F7: booked or rebooked (not cancelled, no visit recorded yet)."""
        return self._appointment_status[appointment] <= 1

    def appointment_minutes(self, appointment: int) -> float:
        """F7: the appointment's time in minutes since epoch (after a rebooking, the new one)."""
        return self._appointment_minutes[appointment]

    def notice_message(self, appointment: int) -> int | None:
        """F7: the message id of the appointment's digital notice (None: none delivered)."""
        message = self._appointment_message[appointment]
        return None if message < 0 else message

    def no_letters(self, person: int) -> bool:
        """F7: whether the person chose "do not send me letters"."""
        return self.appointments.no_letters[person] != 0

    def sync(self) -> None:
        """Catch up with the caller's clock (``now``): dispatch what fell due by then.

        Every operation does this first; call it after the last one (at the end of a run) so
        that alerts due after the last operation are in the log too.
        """
        self.clock.tick()

    def _grow(self, persons: int) -> None:
        self.accounts.grow()
        self.inboxes.grow(persons)
        self.appointments.grow()
        self._next_birthday_minutes = -math.inf
        self.clock.horizon = -math.inf

    @classmethod
    def from_population(
        cls,
        population: PopulationFrames,
        epoch: datetime,
        *,
        event_log: EventLog | None = None,
        alert_delay_minutes: float = 1.0,
        now: Callable[[], float] | None = None,
    ) -> EServices:
        """Load the register, guardianships and initial account state in bulk (vectorised).

        Account columns of the people frame: ``account_active``, ``alert_sms``, ``alert_email``,
        ``settings_mobile_owner``, ``settings_email_owner`` (null owner: empty slot). A child
        under 13 with an active account, a minor whose settings hold someone else's contact,
        and a minor with an active account but no own e-ID (only a guardian can have activated
        it) start with guardian-era settings (R14 prompt at the first own login).
        """
        services = cls(epoch, event_log=event_log, alert_delay_minutes=alert_delay_minutes, now=now)
        people = population.people
        for name, dtype in _ACCOUNT_COLUMNS.items():
            if name not in people.columns:
                raise InvalidOperation(f"people frame lacks the column {name!r}")
            if people.schema[name] != dtype:
                raise InvalidOperation(f"people.{name} has type {people.schema[name]}, not {dtype}")
        for name in ("account_active", "alert_sms", "alert_email"):
            if people[name].null_count():
                row = int(people[name].is_null().arg_true()[0])
                raise InvalidOperation(f"people.{name} is null in row {row}")
        services.register.load(people, population.guardianships)
        active = people["account_active"].to_numpy()
        mobile_owner = people["settings_mobile_owner"].fill_null(NO_CONTACT).to_numpy()
        email_owner = people["settings_email_owner"].fill_null(NO_CONTACT).to_numpy()
        for name, owners, contacts in (
            ("settings_mobile_owner", mobile_owner, "mobile"),
            ("settings_email_owner", email_owner, "email"),
        ):
            has_owner = owners >= 0
            missing = people[contacts].is_null().to_numpy()
            bad = np.flatnonzero(has_owner & missing[np.where(has_owner, owners, 0)])
            if bad.size:
                raise InvalidOperation(
                    f"people.{name} in row {bad[0]} names person {owners[bad[0]]}, who has no "
                    f"registered {contacts}"
                )
        persons = np.arange(people.height, dtype=np.int32)
        thirteenth = services.register.thirteenth_days()
        today = services.clock.day_number
        under_13 = today < thirteenth
        under_18 = services._under_18(thirteenth, today)
        foreign_contact = ((mobile_owner >= 0) & (mobile_owner != persons)) | (
            (email_owner >= 0) & (email_owner != persons)
        )
        # A minor without an own e-ID cannot have activated the account (R1, R15): a guardian did,
        # in proxy mode (R9, D7), so the settings are guardian-era even when they are empty.
        no_own_eid = ~(people["bankid"].to_numpy() | people["freja_plus"].to_numpy())
        review_pending = active & (under_13 | (under_18 & (foreign_contact | no_own_eid)))
        services.accounts.load(
            0,
            active,
            people["alert_sms"].to_numpy(),
            people["alert_email"].to_numpy(),
            mobile_owner.astype(np.int32),
            email_owner.astype(np.int32),
            review_pending,
        )
        return services

    @staticmethod
    def _under_18(thirteenth: np.ndarray[Any, Any], today: int) -> np.ndarray[Any, Any]:
        # 18th birthday = 13th birthday + 5 years, in datetime64 month arithmetic (29 Feb -> 1 Mar
        # is already folded into the 13th birthday, which never falls on 29 February).
        days = thirteenth.astype("datetime64[D]")
        months = days.astype("datetime64[M]")
        eighteenth = (months + np.timedelta64(60, "M")).astype("datetime64[D]") + (days - months)
        result: np.ndarray[Any, Any] = today < eighteenth.astype(np.int64)
        return result

    def __len__(self) -> int:
        return len(self.register)

    def advance_to(self, minutes: float) -> None:
        """Move the clock forward to ``minutes`` since epoch.

        First dispatches every pending alert due up to then, each logged at its own due time
        to the channels approved at that time (D6), and writes turned_13 (R14, D2) at midnight
        of every 13th birthday crossed, all in time order; then sets the clock.
        """
        clock = self.clock
        if not minutes >= clock.minutes:  # also refuses NaN
            raise InvalidOperation(
                f"the clock cannot move backwards (now {clock.minutes} min, asked {minutes} min)"
            )
        if minutes < clock.horizon:
            clock.minutes = float(minutes)  # the common case: nothing falls due
            return
        if self._birthday_generation != self.register.generation:
            self._sort_birthdays()
        persons = self._birthday_persons
        log = self.event_log
        next_birthday = self._birthday_next
        # The next birthday's midnight (infinity: none), read from the columns only when the
        # loop passes one: most slow paths dispatch a single alert and meet no birthday.
        birthday_minutes = self._next_birthday_minutes
        if birthday_minutes == -math.inf:  # grown since (see _grow): look again
            birthday_minutes = self._birthday_minutes_at(next_birthday)
        alerts = self.alerts
        pending = alerts.due_minutes
        while True:
            due = pending[0] if pending else math.inf
            if due <= minutes and due <= birthday_minutes:
                alerts.dispatch_next()
            elif birthday_minutes <= minutes:
                if log is not None:
                    log.turned_13(birthday_minutes, int(persons[next_birthday]))
                next_birthday += 1
                birthday_minutes = self._birthday_minutes_at(next_birthday)
            else:
                break
        self._birthday_next = next_birthday
        self._next_birthday_minutes = birthday_minutes
        clock.horizon = due if due < birthday_minutes else birthday_minutes
        clock.minutes = float(minutes)

    def _birthday_minutes_at(self, index: int) -> float:
        """Midnight of the ``index``-th upcoming 13th birthday (infinity past the last)."""
        days = self._birthday_days
        return self.clock.start_of_day(int(days[index])) if index < len(days) else math.inf

    def _sort_birthdays(self) -> None:
        # Only birthdays after today are scheduled (children under 13: a small share of the
        # population); birthdays up to today have passed and are not logged again.
        thirteenth = self.register.thirteenth_days()
        upcoming = np.flatnonzero(thirteenth > self.clock.day_number).astype(np.int32)
        order = np.argsort(thirteenth[upcoming], kind="stable")
        self._birthday_persons = upcoming[order]
        self._birthday_days = thirteenth[self._birthday_persons]
        self._birthday_next = 0
        self._birthday_generation = self.register.generation
        self._next_birthday_minutes = self._birthday_minutes_at(0)

    def snapshot(self) -> tuple[Any, ...]:
        """An immutable copy of the whole domain state, without the event log.

        For tests and debugging: two equal snapshots mean nothing changed (refused operations
        must leave the state exactly as it was).
        """
        return (
            self.clock.minutes,
            self.register.snapshot(),
            self.accounts.snapshot(),
            self.inboxes.snapshot(),
            self.alerts.snapshot(),
            self.cases.snapshot(),
            self.appointments.snapshot(),
            tuple(self.clinics.names),
            tuple(tuple(local) for local in self.clinics.local_eservices),
            bytes(self.clinics.staff_clinic),
            tuple(sorted(self.clinics.on_shift)),
            self.catalogue.snapshot(),
        )

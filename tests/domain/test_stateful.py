"""Domain invariants under random sequences of operations (hypothesis state machine).

Pipeline position: tests of ``etj_sim.domain`` as a whole: logins, proxy attempts, settings
edits, clock advances across a 13th birthday, sends, reads, cases and mass mailings on the small
test world (two families, a protected parent, a protected child, a child about to turn 13),
and the staff side: "Skicka ärende" cases and answers, form submissions (valid or not),
attachments, staff of another clinic trying to see or act, protection and custody changes.
After every step: no message lost or duplicated; no read before delivery; every alert matches
the settings approved at its time and holds no case content (R8, D6); no proxy act for a
protected person, anyone 13 or older, or by someone not a guardian at that moment (R10, R12,
D2, D9); no staff member ever saw or acted on another clinic's case (R17); every stored form
answer is valid for its form (F3); attachments reached only their addressee (F5); staff never
changed a setting (R5); refused operations changed nothing.
"""

from __future__ import annotations

import contextlib
import copy
import functools
from collections.abc import Callable
from typing import Any

import polars as pl
from domain_world import World, build_world
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from etj_sim.domain import (
    EID,
    UNSET,
    AccessDenied,
    AlertGateway,
    Attachment,
    DomainError,
    Session,
    SettingsNotEditable,
    TemplateKind,
)
from etj_sim.events import Kind

MESSAGE_KINDS = (Kind.QUESTION, Kind.PRE_VISIT_INFORMATION, Kind.FORM, Kind.APPOINTMENT_NOTICE)
CASE_KINDS = ("prescription_renewal", "health_declaration", "contact_form")
CONTACT_CHOICES = ("keep", "clear", "own", "guardian", "typed", "invalid")
PDF = Attachment("remiss.pdf", "application/pdf", 50_000)
PHOTO = Attachment("foto.jpg", "image/jpeg", 80_000)
FORM_ANSWERS: tuple[dict[str, object], ...] = (
    {"allergies": "nej", "smoker": "ja"},  # fits the standard health declaration
    {"allergies": "nej", "smoker": "ja", "medicines": "Inga"},
    {"allergies": "kanske", "smoker": "ja"},  # not one of the choices
    {"smoker": "nej"},  # a required answer missing
    {"allergies": "nej", "smoker": "nej", "shoe_size": 41},  # no such question
)


class DomainMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.world: World = build_world()
        self.services = self.world.services
        self.persons = list(range(len(self.services.register)))
        self.sessions: list[Session] = []
        self.sent: dict[int, int] = {}  # message -> recipient, as the staff tool reported it
        self.alerts_checked = 0
        register = self.services.register
        self.initially_protected = {p for p in self.persons if register.is_protected(p)}
        self.initial_guardianships = {
            (guardian, child) for child in self.persons for guardian in register.guardians_of(child)
        }
        self.staff_cases: list[int] = []

    # -- helpers --------------------------------------------------------------------------

    def attempt(self, operation: Callable[[], Any]) -> Any:
        """Run an operation; if the domain refuses it, the state must be exactly unchanged."""
        before = self.services.snapshot()
        try:
            return operation()
        except DomainError:
            assert self.services.snapshot() == before
            return None

    # -- rules --------------------------------------------------------------------------

    @rule(person=st.integers(0, 11), eid=st.sampled_from(EID))
    def login(self, person: int, eid: EID) -> None:
        session = self.attempt(lambda: self.services.portal.login(person, eid))
        if session is not None:
            assert self.services.register.has_eid(person, eid)
            self.sessions.append(session)

    @rule(data=st.data(), activate=st.booleans())
    def act_as_proxy(self, data: st.DataObject, activate: bool) -> None:
        own = [s for s in self.sessions if type(s) is Session]
        if not own:
            return
        session = data.draw(st.sampled_from(own))
        child = data.draw(st.sampled_from(self.persons))
        opener = session.activate_for if activate else session.act_for
        proxy = self.attempt(lambda: opener(child))
        if proxy is not None:
            register = self.services.register
            assert register.is_guardian_of(session.actor, child)
            assert not register.is_protected(child)
            assert not register.is_protected(session.actor)
            assert register.age(child) < 13
            self.sessions.append(proxy)

    @rule(data=st.data())
    def read_something(self, data: st.DataObject) -> None:
        if not self.sessions:
            return
        session = data.draw(st.sampled_from(self.sessions))
        candidates = [*self.sent] or [0]
        message = data.draw(st.sampled_from(candidates))
        self.attempt(lambda: session.read(message))

    @rule(data=st.data())
    def read_all_unread(self, data: st.DataObject) -> None:
        if not self.sessions:
            return
        session = data.draw(st.sampled_from(self.sessions))
        unread = self.attempt(session.unread)
        for message in unread or ():
            self.attempt(functools.partial(session.read, message))

    @rule(
        data=st.data(),
        mobile=st.sampled_from(CONTACT_CHOICES),
        email=st.sampled_from(CONTACT_CHOICES),
        sms_alerts=st.sampled_from([UNSET, True, False]),
        email_alerts=st.sampled_from([UNSET, True, False]),
    )
    def edit_settings(
        self, data: st.DataObject, mobile: str, email: str, sms_alerts: Any, email_alerts: Any
    ) -> None:
        if not self.sessions:
            return
        session = data.draw(st.sampled_from(self.sessions))
        register = self.services.register
        guardians = register.guardians_of(session.person) or (session.actor,)

        def contact(choice: str, registered: Callable[[int], str | None], typed: str) -> Any:
            return {
                "keep": UNSET,
                "clear": None,
                "own": registered(session.person),
                "guardian": registered(guardians[0]),
                "typed": typed,
                "invalid": "x",
            }[choice]

        self.attempt(
            lambda: session.update_settings(
                mobile=contact(mobile, register.mobile, "0709999999"),
                email=contact(email, register.email, "typed@example.org"),
                sms_alerts=sms_alerts,
                email_alerts=email_alerts,
            )
        )

    @rule(minutes=st.sampled_from([0.0, 0.5, 1.0, 30.0, 600.0, 1440.0, 2000.0]))
    def advance(self, minutes: float) -> None:
        services = self.services
        accounts = services.accounts
        # Settings cannot change during advance_to: the ones now are the ones at dispatch.
        approved = {
            person: (accounts.alerts[person], accounts.mobile[person], accounts.email[person])
            for person in self.persons
        }
        already = len(services.alerts)
        target = services.clock.minutes + minutes
        services.advance_to(target)
        new = services.alerts.sent().slice(already)
        delay = services.alerts.delay_minutes
        for row in new.iter_rows(named=True):
            alerts, mobile, email = approved[row["person"]]
            slot = mobile if row["channel"] == "sms" else email
            assert alerts & (1 if row["channel"] == "sms" else 2)
            assert row["recipient"] == (slot if slot >= 0 else None)
            assert row["text"] in (AlertGateway.SMS_TEXT, AlertGateway.EMAIL_TEXT)
            sent_minutes = services.inboxes.sent_minutes_of(row["message"])
            expected = services.clock.moment(sent_minutes + delay)
            assert abs((row["time"] - expected).total_seconds()) < 0.001
        assert services.alerts.next_due_minutes() > target

    @rule(person=st.integers(0, 11), kind=st.sampled_from(MESSAGE_KINDS))
    def staff_sends(self, person: int, kind: Kind) -> None:
        tool = self.services.staff_tool
        message = self.attempt(lambda: tool.send_message(self.world.nurse, person, kind))
        if message is not None:
            self.sent[message] = person

    @rule(recipients=st.lists(st.integers(0, 11), max_size=6))
    def mass_mailing(self, recipients: list[int]) -> None:
        tool = self.services.staff_tool
        result = self.attempt(lambda: tool.mass_mailing(self.world.nurse, "Vaccin", recipients))
        assert result is not None
        assert set(result.delivered) | set(result.undeliverable) == set(recipients)
        for person, message in result.delivered.items():
            self.sent[message] = person

    @rule(data=st.data(), kind=st.sampled_from(CASE_KINDS))
    def start_and_answer_case(self, data: st.DataObject, kind: str) -> None:
        if not self.sessions:
            return
        session = data.draw(st.sampled_from(self.sessions))
        case = self.attempt(lambda: session.start_case(self.world.clinic, kind, text="Hej"))
        tool = self.services.staff_tool
        oldest = tool.next_case(self.world.nurse)
        if oldest is not None and data.draw(st.booleans()):
            message = self.attempt(lambda: tool.answer_case(self.world.nurse, oldest, text="Svar"))
            if message is not None:
                self.sent[message] = tool.case_view(self.world.nurse, oldest).person
        if case is not None:
            assert tool.case_view(self.world.nurse, case).started_by == session.actor

    @rule(person=st.integers(0, 11), template=st.sampled_from(list(TemplateKind)))
    def staff_open_case(self, person: int, template: TemplateKind) -> None:
        tool = self.services.staff_tool
        draft = tool.send_case(self.world.nurse, tool.standard_template(template))
        draft.enter_personal_number(person)
        opened = self.attempt(lambda: draft.send(text="Fråga", attachments=[PDF]))
        if opened is not None:
            self.sent[opened.message] = person
            self.staff_cases.append(opened.case)

    @rule(data=st.data())
    def citizen_answers_a_staff_case(self, data: st.DataObject) -> None:
        if not self.sessions or not self.staff_cases:
            return
        session = data.draw(st.sampled_from(self.sessions))
        case = data.draw(st.sampled_from(self.staff_cases))
        self.attempt(lambda: session.reply(case, text="Svar", attachments=[PHOTO]))

    @rule(data=st.data(), answers=st.sampled_from(FORM_ANSWERS))
    def submit_a_form(self, data: st.DataObject, answers: dict[str, object]) -> None:
        if not self.sessions or not self.sent:
            return
        session = data.draw(st.sampled_from(self.sessions))
        message = data.draw(st.sampled_from(sorted(self.sent)))
        self.attempt(lambda: session.submit_form(message, answers))

    @rule(data=st.data(), what=st.sampled_from(["view", "answer", "status", "close", "assign"]))
    def another_clinic_tries(self, data: st.DataObject, what: str) -> None:
        cases = self.services.staff_tool.clinic_cases(self.world.nurse)
        if not cases or not self.sent:
            return
        tool = self.services.staff_tool
        other = self.world.other_nurse
        case = data.draw(st.sampled_from(cases))
        message = data.draw(st.sampled_from(sorted(self.sent)))
        operation: Callable[[], Any] = {
            "view": lambda: tool.case_view(other, case),
            "answer": lambda: tool.answer_case(other, case, text="Fel"),
            "status": lambda: tool.read_status(other, message),
            "close": lambda: tool.close_case(other, case),
            "assign": lambda: tool.assign_case(other, case),
        }[what]
        before = self.services.snapshot()
        try:
            operation()
        except AccessDenied:
            assert self.services.snapshot() == before
        else:
            raise AssertionError(f"staff of another clinic could {what} case {case}")

    @rule(person=st.integers(0, 11), protected=st.booleans())
    def register_changes_protection(self, person: int, protected: bool) -> None:
        self.attempt(lambda: self.services.set_protection(person, protected))

    @rule(guardian=st.integers(0, 11), child=st.integers(0, 11), end=st.booleans())
    def register_changes_custody(self, guardian: int, child: int, end: bool) -> None:
        services = self.services
        change = services.end_guardianship if end else services.start_guardianship
        self.attempt(lambda: change(guardian, child))

    @rule(person=st.integers(0, 11))
    def staff_try_to_edit_settings(self, person: int) -> None:
        before = self.services.snapshot()
        with contextlib.suppress(SettingsNotEditable):
            self.services.staff_tool.update_settings(person, sms_alerts=True)
        assert self.services.snapshot() == before

    # -- invariants -------------------------------------------------------------------------

    @invariant()
    def no_message_lost_or_duplicated(self) -> None:
        inboxes = self.services.inboxes
        seen: dict[int, int] = {}
        for person in self.persons:
            for message in inboxes.messages_of(person):
                assert message not in seen
                seen[message] = person
        assert seen == self.sent
        for person in self.persons:
            unread = inboxes.unread_of(person)
            assert len(unread) == inboxes.unread_count_of(person)
            assert unread == sorted(
                message
                for message in inboxes.messages_of(person)
                if not inboxes.read_status(message).read
            )

    @invariant()
    def alerts_have_their_contacts(self) -> None:
        accounts = self.services.accounts
        for person in self.persons:
            alerts = accounts.alerts[person]
            assert not alerts & 1 or accounts.mobile[person] != -1  # R4
            assert not alerts & 2 or accounts.email[person] != -1
            assert not alerts or accounts.active[person]  # R2

    @invariant()
    def no_read_before_delivery(self) -> None:
        inboxes = self.services.inboxes
        for message in self.sent:
            read = inboxes.read_minutes_of(message)
            if read == read:
                assert inboxes.sent_minutes_of(message) <= read <= self.services.clock.minutes

    @invariant()
    def proxy_and_settings_rules_held_in_the_log(self) -> None:
        events = copy.deepcopy(self.world.log).to_frame()
        register = self.services.register
        clock = self.services.clock
        # Replay the register's changes in log order: each proxy act is judged by the register
        # as it was at that row (R12 and D9 act from the moment of the change).
        protected = set(self.initially_protected)
        guardianships = set(self.initial_guardianships)
        for row in events.iter_rows(named=True):
            event, person, actor = row["event"], row["person"], row["actor"]
            if event == "protection_granted":
                protected.add(person)
            elif event == "protection_lifted":
                protected.discard(person)
            elif event == "guardianship_started":
                guardianships.add((actor, person))
            elif event == "guardianship_ended":
                guardianships.discard((actor, person))
            elif row["actor_role"] == "guardian_proxy" and event != "proxy_refused":
                assert person not in protected
                assert actor not in protected
                assert (actor, person) in guardianships
                day = clock.day_of((row["time"] - clock.epoch).total_seconds() / 60.0)
                assert register.is_under_13(person, day)
            elif event == "settings_changed" and row["actor_role"] != "system":
                assert row["actor_role"] in ("citizen", "guardian_proxy")
                assert actor == person or (actor, person) in guardianships
        assert protected == {p for p in self.persons if register.is_protected(p)}
        alerts = events.filter(event="alert_sent")
        assert alerts.height == len(self.services.alerts)

    @invariant()
    def staff_never_touched_another_clinic(self) -> None:
        events = copy.deepcopy(self.world.log).to_frame()
        clinics = self.services.clinics
        staff_rows = events.filter(pl.col("staff").is_not_null() & pl.col("case").is_not_null())
        for staff, clinic in staff_rows.select("staff", "clinic").unique().iter_rows():
            assert clinics.clinic_of(staff) == clinic  # R17

    @invariant()
    def stored_form_answers_fit_their_form_and_files_reach_the_addressee(self) -> None:
        inboxes = self.services.inboxes
        catalogue = self.services.catalogue
        for message, answers in inboxes.form_answers.items():
            assert catalogue.check_answers(inboxes.forms[message], answers) == answers  # F3
            assert inboxes.read_status(message).read  # F8
        events = copy.deepcopy(self.world.log).to_frame()
        files = events.filter(
            (pl.col("event") == "attachment_sent") & pl.col("message").is_not_null()
        )
        for person, message in files.select("person", "message").iter_rows():
            assert inboxes.person_of(message) == person == self.sent[message]  # F5
        assert all(attached == (PDF,) for attached in inboxes.attachments.values())


DomainMachine.TestCase.settings = settings(
    max_examples=60,
    stateful_step_count=30,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
TestDomainInvariants = DomainMachine.TestCase

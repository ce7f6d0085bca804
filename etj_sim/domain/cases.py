"""Clinics, their e-services and staff, and cases with their dialogue (R11, R17, R18, F1, F4, F5).

Pipeline position: ``portal (citizens start cases, reply) and staff tool (assign, answer,
close) -> cases (this module) -> event log``. The portal and the staff tool share this state.

Columnar: one row per case in ``array.array`` columns. Dialogue entries (with a text or
attachments only) are columnar too, one row per entry, each case's entries a linked list
(``last_entry[case]``, ``previous_entry[entry]``); texts and attachment sets are stored once
each and referenced by index, so an entry is a few dozen bytes and no Python object.

Each clinic has a FIFO queue of unassigned open cases ("Mottagningens ärenden") and each staff
member an ordered set of open assigned cases ("Mina ärenden"); assigned or closed cases leave
the queue lazily when they reach its front.

Each case has a state that says whose turn it is: awaiting staff (a new case, or the citizen
wrote last), awaiting the citizen (staff answered and asked for more, F4) or closed. The
listeners hear of every case that starts waiting for staff or for the citizen.
"""

from __future__ import annotations

from array import array
from collections import deque
from typing import Any, Final

from etj_sim.domain.clock import Clock
from etj_sim.domain.errors import (
    ClinicNotActivated,
    InvalidOperation,
    UnknownCase,
    UnknownClinic,
    UnknownStaff,
)
from etj_sim.domain.listeners import Listeners
from etj_sim.domain.views import Attachment, CaseEntry, CaseState, CaseView
from etj_sim.events import KIND_LOCAL_ESERVICE, NONE, ROLE_STAFF, ActorRole, EventLog, Kind

__all__ = ["CASE_KINDS", "STANDARD_ESERVICES", "Cases", "Clinics"]

STANDARD_ESERVICES: Final = ("prescription_renewal", "health_declaration", "contact_form")
"""F1: the standard e-services every activated clinic offers (names of ``Kind`` members)."""
CASE_KINDS: Final = frozenset(
    {Kind.PRESCRIPTION_RENEWAL, Kind.HEALTH_DECLARATION, Kind.CONTACT_FORM, Kind.LOCAL_ESERVICE}
)

_KIND_NAMES: Final = {kind: kind.name.lower() for kind in Kind}
_AWAITING_STAFF: Final = int(CaseState.AWAITING_STAFF)
_AWAITING_CITIZEN: Final = int(CaseState.AWAITING_CITIZEN)
_CLOSED: Final = int(CaseState.CLOSED)


class Clinics:
    """Activated clinics, their local e-services and their staff (R17, R18)."""

    __slots__ = (
        "local_eservices",
        "names",
        "on_shift",
        "staff_clinic",
        "staff_name",
        "staff_role",
    )

    def __init__(self) -> None:
        self.names: list[str] = []
        self.local_eservices: list[list[str]] = []
        self.staff_clinic = array("i")
        self.staff_role: list[str] = []
        self.staff_name: list[str] = []
        self.on_shift: set[int] = set()

    def activate(self, name: str) -> int:
        """R17: activate a clinic in the staff tool; returns its id (0, 1, ... in order)."""
        if not isinstance(name, str) or not name.strip():
            raise InvalidOperation(f"R17: a clinic needs a name, got {name!r}")
        if name in self.names:
            raise InvalidOperation(f"R17: clinic {name!r} is already activated")
        self.names.append(name)
        self.local_eservices.append([])
        return len(self.names) - 1

    def require(self, clinic: int) -> int:
        """R17: only activated clinics handle e-services."""
        if type(clinic) is not int:
            raise UnknownClinic(f"a clinic is named by its int id, got {clinic!r}")
        if not 0 <= clinic < len(self.names):
            raise ClinicNotActivated(
                f"R17: clinic {clinic} is not activated in the staff tool "
                f"({len(self.names)} clinics are)"
            )
        return clinic

    def add_local_eservice(self, clinic: int, name: str) -> None:
        """R18: an activated clinic adds a local e-service of its own."""
        clinic = self.require(clinic)
        if not isinstance(name, str) or not name.strip():
            raise InvalidOperation(f"R18: a local e-service needs a name, got {name!r}")
        if name in STANDARD_ESERVICES or name in self.local_eservices[clinic]:
            raise InvalidOperation(f"R18: clinic {clinic} already offers an e-service {name!r}")
        self.local_eservices[clinic].append(name)

    def eservices(self, clinic: int) -> tuple[str, ...]:
        """Standard e-services (F1) followed by the clinic's local ones (R18)."""
        return STANDARD_ESERVICES + tuple(self.local_eservices[self.require(clinic)])

    def add_staff(self, clinic: int, role: str, name: str) -> int:
        """A staff member (medarbetare) of an activated clinic; returns the staff id."""
        clinic = self.require(clinic)
        if not isinstance(role, str) or not role:
            raise InvalidOperation(f"a staff member needs a role, got {role!r}")
        self.staff_clinic.append(clinic)
        self.staff_role.append(role)
        self.staff_name.append(name)
        return len(self.staff_role) - 1

    def clinic_of(self, staff: int) -> int:
        """The clinic of a staff member; raises ``UnknownStaff``."""
        if type(staff) is not int or not 0 <= staff < len(self.staff_role):
            raise UnknownStaff(f"no staff member with id {staff!r}")
        return self.staff_clinic[staff]

    def case_kind(self, clinic: int, kind: Kind | str, eservice: str | None) -> tuple[Kind, str]:
        """F1, R18: the case kind and e-service name a citizen may start at the clinic."""
        clinic = self.require(clinic)
        if type(kind) is Kind and kind is not KIND_LOCAL_ESERVICE and kind in CASE_KINDS:
            if eservice is not None and eservice != _KIND_NAMES[kind]:
                raise InvalidOperation(f"F1: e-service {eservice!r} does not match kind {kind}")
            return kind, _KIND_NAMES[kind]
        try:
            case_kind = Kind[kind.upper()] if isinstance(kind, str) else Kind(kind)
        except (KeyError, ValueError):
            raise InvalidOperation(f"F1: {kind!r} is not a case kind") from None
        if case_kind not in CASE_KINDS:
            raise InvalidOperation(f"F1: {case_kind.name.lower()} is a message kind, not a case")
        if case_kind is Kind.LOCAL_ESERVICE:
            if eservice not in self.local_eservices[clinic]:
                raise InvalidOperation(
                    f"R18: clinic {clinic} has no local e-service {eservice!r} "
                    f"(it has {self.local_eservices[clinic]})"
                )
            return case_kind, eservice
        name = case_kind.name.lower()
        if eservice is not None and eservice != name:
            raise InvalidOperation(f"F1: e-service {eservice!r} does not match kind {name}")
        return case_kind, name


class Cases:
    """Every case: who it concerns, who started it and in what role (R11), its dialogue."""

    __slots__ = (
        "_attachment_set_index",
        "_attachment_sets",
        "_awaiting_citizen",
        "_awaiting_staff",
        "_clinics",
        "_clock",
        "_log",
        "_text_index",
        "_texts",
        "actor",
        "actor_role",
        "assigned_staff",
        "clinic",
        "entry_attachments",
        "entry_author",
        "entry_form_answers",
        "entry_message",
        "entry_minutes",
        "entry_role",
        "entry_text",
        "kind",
        "last_entry",
        "local_eservice",
        "open_by_clinic",
        "open_by_staff",
        "person",
        "previous_entry",
        "queue",
        "started_minutes",
        "state",
    )

    def __init__(
        self, clinics: Clinics, clock: Clock, log: EventLog | None, listeners: Listeners
    ) -> None:
        self._clinics = clinics
        self._clock = clock
        self._log = log
        self._awaiting_staff = listeners.case_awaiting_staff
        self._awaiting_citizen = listeners.case_awaiting_citizen
        self.clinic = array("i")
        self.person = array("i")
        self.actor = array("i")
        self.actor_role = array("b")
        self.kind = array("b")
        self.started_minutes = array("d")
        self.assigned_staff = array("i")
        self.state = array("b")  # CaseState
        self.local_eservice: dict[int, str] = {}
        self.last_entry = array("i")  # per case: its newest dialogue entry, -1 for none
        self.entry_minutes = array("d")
        self.entry_role = array("b")
        self.entry_author = array("i")
        self.entry_text = array("i")  # index into _texts
        self.entry_attachments = array("i")  # index into _attachment_sets
        self.previous_entry = array("i")  # the same case's entry before this one
        self.entry_message: dict[int, int] = {}  # staff turns: their inbox message
        self.entry_form_answers: dict[int, dict[str, object]] = {}  # submitted forms (F3)
        self._texts: list[str] = []
        self._text_index: dict[str, int] = {}
        self._attachment_sets: list[tuple[Attachment, ...]] = []
        self._attachment_set_index: dict[tuple[Attachment, ...], int] = {}
        self.queue: list[deque[int]] = []
        self.open_by_clinic: list[dict[int, None]] = []
        self.open_by_staff: dict[int, dict[int, None]] = {}

    def __len__(self) -> int:
        return len(self.person)

    def _clinic_lists(self, clinic: int) -> None:
        while len(self.queue) <= clinic:
            self.queue.append(deque())
            self.open_by_clinic.append({})

    def require(self, case: int) -> int:
        """The case id, checked; raises ``UnknownCase``."""
        if type(case) is not int or not 0 <= case < len(self.person):
            raise UnknownCase(f"no case with id {case!r}")
        return case

    def require_open(self, case: int) -> int:
        """The id of an open case; raises ``UnknownCase`` or ``InvalidOperation``."""
        case = self.require(case)
        if self.state[case] == _CLOSED:
            raise InvalidOperation(f"case {case} is closed")
        return case

    def is_closed(self, case: int) -> bool:
        """Whether the (existing) case is closed."""
        return self.state[case] == _CLOSED

    def start(
        self,
        clinic: int,
        person: int,
        actor: int,
        role: int,
        kind: Kind,
        eservice: str,
        text: str,
        attachments: tuple[Attachment, ...],
        channel: int,
    ) -> int:
        """Open a case (F1); R11: it remembers who started it and in which role."""
        case = len(self.person)
        now = self._clock.minutes
        self.clinic.append(clinic)
        self.person.append(person)
        self.actor.append(actor)
        self.actor_role.append(role)
        self.kind.append(kind)
        self.started_minutes.append(now)
        self.assigned_staff.append(NONE)
        self.state.append(_AWAITING_STAFF)
        self.last_entry.append(NONE)
        if kind is KIND_LOCAL_ESERVICE:
            self.local_eservice[case] = eservice
        self._clinic_lists(clinic)
        self.queue[clinic].append(case)
        self.open_by_clinic[clinic][case] = None
        self.add_entry(case, role, actor, text, attachments)
        if self._log is not None:
            self._log.case_started(now, person, actor, role, clinic, case, channel, kind)
            self.log_attachments(case, person, actor, role, NONE, attachments, channel)
        for listener in self._awaiting_staff:
            listener(case, clinic, NONE)
        return case

    def open_staff_case(self, clinic: int, person: int, staff: int, kind: Kind) -> int:
        """R19, R20: a staff member opens a case with the citizen ("Skicka ärende"); it is
        assigned to them (my cases) and logged as staff_case_opened. The caller then adds the
        staff turn, delivers its message and hands the turn to the citizen (:meth:`staff_wrote`).
        """
        case = len(self.person)
        now = self._clock.minutes
        self.clinic.append(clinic)
        self.person.append(person)
        self.actor.append(staff)
        self.actor_role.append(ROLE_STAFF)
        self.kind.append(kind)
        self.started_minutes.append(now)
        self.assigned_staff.append(staff)
        self.state.append(_AWAITING_STAFF)
        self.last_entry.append(NONE)
        self._clinic_lists(clinic)
        self.open_by_clinic[clinic][case] = None
        self.open_by_staff.setdefault(staff, {})[case] = None
        if self._log is not None:
            self._log.staff_case_opened(now, person, clinic, staff, case, kind)
        return case

    def citizen_wrote(self, case: int) -> None:
        """F4: the citizen's side wrote last; the case waits for staff (its assignee, if any)."""
        self.state[case] = _AWAITING_STAFF
        for listener in self._awaiting_staff:
            listener(case, self.clinic[case], self.assigned_staff[case])

    def staff_wrote(self, case: int) -> None:
        """F4: staff answered and wait for the citizen."""
        self.state[case] = _AWAITING_CITIZEN
        for listener in self._awaiting_citizen:
            listener(case, self.person[case])

    def add_entry(
        self,
        case: int,
        role: int,
        author: int,
        text: str,
        attachments: tuple[Attachment, ...],
        message: int = NONE,
        form_answers: dict[str, object] | None = None,
    ) -> int:
        """Append a dialogue turn (F4) with its attachments (F5); ``message`` is the inbox
        message of a staff turn (its read status, F8), ``form_answers`` a submitted form (F3).
        Returns the entry's id, or -1 when there is nothing to keep (no text, nothing attached).
        """
        if not text and not attachments and message == NONE and form_answers is None:
            return NONE
        text_index = self._text_index.get(text)
        if text_index is None:
            text_index = self._text_index[text] = len(self._texts)
            self._texts.append(text)
        attachments_index = self._attachment_set_index.get(attachments)
        if attachments_index is None:
            attachments_index = len(self._attachment_sets)
            self._attachment_set_index[attachments] = attachments_index
            self._attachment_sets.append(attachments)
        entry = len(self.entry_minutes)
        self.entry_minutes.append(self._clock.minutes)
        self.entry_role.append(role)
        self.entry_author.append(author)
        self.entry_text.append(text_index)
        self.entry_attachments.append(attachments_index)
        self.previous_entry.append(self.last_entry[case])
        self.last_entry[case] = entry
        if message != NONE:
            self.entry_message[entry] = message
        if form_answers is not None:
            self.entry_form_answers[entry] = form_answers
        return entry

    def entries_of(self, case: int) -> list[int]:
        """The ids of the case's dialogue entries, oldest first."""
        entries = []
        entry = self.last_entry[case]
        while entry != NONE:
            entries.append(entry)
            entry = self.previous_entry[entry]
        entries.reverse()
        return entries

    def entry_view(self, entry: int) -> CaseEntry:
        """One dialogue turn as staff see it (F3, F4, F5, F8)."""
        return CaseEntry(
            at=self._clock.moment(self.entry_minutes[entry]),
            author_role=ActorRole(self.entry_role[entry]),
            author=self.entry_author[entry],
            text=self._texts[self.entry_text[entry]],
            attachments=self._attachment_sets[self.entry_attachments[entry]],
            form_answers=self.entry_form_answers.get(entry),
            message=self.entry_message.get(entry),
        )

    def log_attachments(
        self,
        case: int,
        person: int,
        actor: int,
        role: int,
        staff: int,
        attachments: tuple[Attachment, ...],
        channel: int,
    ) -> None:
        """F5: one attachment_sent row per attachment, in either direction."""
        log = self._log
        if not attachments or log is None:
            return
        for _ in attachments:
            log.attachment_sent(
                self._clock.minutes,
                person,
                actor,
                role,
                self.clinic[case],
                staff,
                case,
                NONE,
                channel,
                self.kind[case],
            )

    def next_unassigned(self, clinic: int) -> int | None:
        """The oldest open unassigned case of the clinic (FIFO), or None."""
        if clinic >= len(self.queue):
            return None
        queue = self.queue[clinic]
        while queue and (self.assigned_staff[queue[0]] != NONE or self.state[queue[0]] == _CLOSED):
            queue.popleft()
        return queue[0] if queue else None

    def assign(self, staff: int, case: int) -> None:
        """Give the case to a staff member ("Mina ärenden"); logs case_assigned."""
        self.assigned_staff[case] = staff
        self.open_by_staff.setdefault(staff, {})[case] = None
        if self._log is not None:
            self._log.case_assigned(
                self._clock.minutes,
                self.person[case],
                self.clinic[case],
                staff,
                case,
                self.kind[case],
            )

    def close(self, staff: int, case: int) -> None:
        """Close the case; it leaves the clinic's and the staff member's open lists."""
        self.state[case] = _CLOSED
        clinic = self.clinic[case]
        del self.open_by_clinic[clinic][case]
        assigned = self.assigned_staff[case]
        if assigned != NONE:
            del self.open_by_staff[assigned][case]
        if self._log is not None:
            self._log.case_closed(
                self._clock.minutes, self.person[case], clinic, staff, case, self.kind[case]
            )

    def view(self, case: int) -> CaseView:
        """R11: the case as staff see it, including whether a guardian started it by proxy."""
        case = self.require(case)
        kind = Kind(self.kind[case])
        assigned = self.assigned_staff[case]
        moment = self._clock.moment
        return CaseView(
            case=case,
            clinic=self.clinic[case],
            person=self.person[case],
            kind=kind,
            eservice=self.local_eservice.get(case, kind.name.lower()),
            started_by=self.actor[case],
            started_by_role=ActorRole(self.actor_role[case]),
            started_at=moment(self.started_minutes[case]),
            assigned_staff=None if assigned == NONE else assigned,
            state=CaseState(self.state[case]),
            entries=tuple(self.entry_view(entry) for entry in self.entries_of(case)),
            opened_by_staff=self.actor_role[case] == ROLE_STAFF,
        )

    def snapshot(self) -> tuple[Any, ...]:
        """An immutable copy of all cases (tests compare before and after)."""
        return (
            bytes(self.person),
            bytes(self.assigned_staff),
            bytes(self.state),
            bytes(self.last_entry),
            bytes(self.entry_minutes),
            bytes(self.entry_author),
            tuple(sorted(self.entry_message.items())),
            tuple(sorted((e, repr(sorted(a.items()))) for e, a in self.entry_form_answers.items())),
            tuple(self._texts),
            tuple(tuple(q) for q in self.queue),
        )

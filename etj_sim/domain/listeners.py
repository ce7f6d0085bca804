"""Listeners: whom the domain tells when something happens that another actor waits for.

Pipeline position: ``domain (inboxes, cases) -> (these lists) -> simulation / notebooks``. The
domain calls every listener of a kind, in the order they were added, right after the event's
row is in the event log: a message delivered (each reader decides when to read it), a case
that waits for staff (a new case, or a citizen's reply), a case that waits for the citizen (a
staff answer that asks for more, F4, or a case staff opened, R19), a change in the register
(protection, guardianship). So the actors of the simulation meet only in the domain,
as people meet in the real service, and no caller announces a delivery by hand: a forgotten
announcement would be a message silently never read. The pattern is the register's
``growth_listeners``. Listeners must not raise; the operation has already happened.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeAlias

__all__ = [
    "CaseAwaitingCitizen",
    "CaseAwaitingStaff",
    "Listeners",
    "MessageDelivered",
    "RegisterChanged",
]

MessageDelivered: TypeAlias = Callable[[int, int, int, float], None]
"""``(person, message, kind, minutes)``: a message landed in ``person``'s inbox."""
CaseAwaitingStaff: TypeAlias = Callable[[int, int, int], None]
"""``(case, clinic, staff)``: the case waits for staff; ``staff`` is the assigned staff member,
or -1 for a case in the clinic's queue ("Mottagningens ärenden")."""
CaseAwaitingCitizen: TypeAlias = Callable[[int, int], None]
"""``(case, person)``: staff answered and wait for the citizen (or a guardian by proxy)."""
RegisterChanged: TypeAlias = Callable[[int], None]
"""``(person)``: the register changed the person's protection or guardianships (for a
guardianship: the child)."""


class Listeners:
    """The listener lists of one ``EServices``; add to them with ``append``."""

    __slots__ = (
        "case_awaiting_citizen",
        "case_awaiting_staff",
        "message_delivered",
        "register_changed",
    )

    def __init__(self) -> None:
        self.message_delivered: list[MessageDelivered] = []
        self.case_awaiting_staff: list[CaseAwaitingStaff] = []
        self.case_awaiting_citizen: list[CaseAwaitingCitizen] = []
        self.register_changed: list[RegisterChanged] = []

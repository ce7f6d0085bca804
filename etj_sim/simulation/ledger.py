"""What the simulation remembers about the cases and messages it set in motion.

Pipeline position: ``simulation processes -> (this ledger) -> simulation processes``; the domain
keeps the authoritative cases and messages, the ledger keeps only what behaviour needs next: whose
case it is, which clinic's queue it is in, which dialogue round it is on (handling time "reply"
from the second round, F4) and who answered it last; and per message its kind and whether the
citizen will ever open it (``behaviour.never_read_share``).

Ids are the domain's integer ids, used as indexes into growable ``array.array`` columns (a few
bytes per case or message; no Python object per row).
"""

from __future__ import annotations

from array import array
from typing import Final

from etj_sim.events import KIND_FORM, KIND_QUESTION

__all__ = ["NEVER_OPENED", "OPEN", "OPEN_FORM", "OPEN_QUESTION", "CaseLedger", "MessageLedger"]

NEVER_OPENED: Final = 0
"""What a login does with an unread message: leave it (the holder never opens it), ..."""
OPEN: Final = 1
"""... open it (F8), ..."""
OPEN_FORM: Final = 2
"""... open it and consider filling in its form (F3), ..."""
OPEN_QUESTION: Final = 3
"""... or open it and consider answering the question in its case (R19, F4)."""

_GROWTH_STEP = 65_536


def _grow(column: array[int], index: int, fill: int) -> None:
    """Extend ``column`` in place so that ``index`` is valid (in steps, amortised O(1))."""
    missing = index + 1 - len(column)
    column.extend(array(column.typecode, [fill]) * max(missing, _GROWTH_STEP))


class CaseLedger:
    """Per case: person, clinic (population index), dialogue round, kind, last staff member.

    Columns are ``array.array``: one item read or written from Python costs a few tens of
    nanoseconds, several times less than a numpy scalar access on the hot path.
    """

    __slots__ = ("clinic", "kind", "person", "round", "staff")

    def __init__(self) -> None:
        self.person = array("i")
        self.clinic = array("i")
        self.kind = array("b")
        self.round = array("h")
        self.staff = array("i")

    def open(self, case: int, person: int, clinic: int, kind: int) -> None:
        """Remember a case the simulation just started through the domain (F1)."""
        if case >= len(self.person):
            _grow(self.person, case, -1)
            _grow(self.clinic, case, -1)
            _grow(self.kind, case, -1)
            _grow(self.round, case, 0)
            _grow(self.staff, case, -1)
        self.person[case] = person
        self.clinic[case] = clinic
        self.kind[case] = kind
        self.round[case] = 0

    def round_of(self, case: int) -> int:
        """The dialogue round of ``case``: 0 for a case not noted yet (one staff just opened)."""
        rounds = self.round
        return rounds[case] if case < len(rounds) else 0


class MessageLedger:
    """Per message, one byte: what a login does with it (:meth:`intent`).

    One byte, not two columns (kind, never read): a login reads it for every unread message,
    long after delivery, when the message is no longer in the processor's caches (one miss).
    """

    __slots__ = ("_intents", "question_case")

    def __init__(self) -> None:
        self._intents = array("b")
        self.question_case: dict[int, int] = {}
        """A staff question's message -> the case staff opened with it (R19, R20)."""

    def note(self, message: int, kind: int, never_read: bool) -> None:
        """Remember a delivered message: its kind and whether its holder will never open it."""
        if message >= len(self._intents):
            _grow(self._intents, message, NEVER_OPENED)
        if never_read:
            self._intents[message] = NEVER_OPENED
        elif kind == KIND_FORM:
            self._intents[message] = OPEN_FORM
        elif kind == KIND_QUESTION:
            self._intents[message] = OPEN_QUESTION
        else:
            self._intents[message] = OPEN

    def intent(self, message: int) -> int:
        """:data:`NEVER_OPENED`, :data:`OPEN`, :data:`OPEN_FORM` or :data:`OPEN_QUESTION` (a
        message not noted: never)."""
        intents = self._intents
        return intents[message] if message < len(intents) else NEVER_OPENED

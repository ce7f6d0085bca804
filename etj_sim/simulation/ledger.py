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

__all__ = ["CaseLedger", "MessageLedger"]

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


class MessageLedger:
    """Per message, one byte: its kind and whether its holder will never open it.

    One byte, not two columns: a login reads both for every unread message, long after delivery,
    when the message is no longer in the processor's caches (one miss, not two).
    """

    __slots__ = ("flags",)

    def __init__(self) -> None:
        self.flags = array("b")
        """``kind << 1 | never_read`` per message; -1 for a message not noted."""

    def note(self, message: int, kind: int, never_read: bool) -> None:
        """Remember a delivered message."""
        if message >= len(self.flags):
            _grow(self.flags, message, -1)
        self.flags[message] = kind << 1 | never_read

"""The population register (folkbokföring): persons, guardianships, protection, e-IDs.

Pipeline position: ``population frames -> domain register (this module) -> portal / staff tool``.
Persons are integer ids ``0..N-1``; every per-person attribute is one compact column, so 2.4
million persons load from the population frame in seconds (:meth:`PopulationRegister.load`).
Text (names, addresses, registered contacts) stays in the frames' polars columns and is read
only on request; persons added one by one (:meth:`PopulationRegister.add_person`) keep theirs
in a dict.

R7: name and address come from the register and nothing in 1177 changes them: this class has
no setter, and the portal refuses any attempt (``Session.update_personal_details``).

Decision (ages): a person born on 29 February turns a year older on 1 March in common years,
so the 13th birthday of a 29 February child (always in a common year) is 1 March.
"""

from __future__ import annotations

from array import array
from collections.abc import Callable, Iterable
from datetime import date
from typing import Any, Final, TypeAlias

import numpy as np
import numpy.typing as npt
import polars as pl

from etj_sim.domain.clock import UNIX_EPOCH_ORDINAL, Clock
from etj_sim.domain.columns import as_numpy, from_numpy
from etj_sim.domain.errors import InvalidOperation, UnknownPerson
from etj_sim.domain.identity import EID, PersonalNumber
from etj_sim.domain.register_columns import (
    check_columns,
    pair_keys,
    starts,
    thirteenth_birthday_days,
)

__all__ = ["PersonRef", "PopulationRegister", "thirteenth_birthday"]

PersonRef: TypeAlias = int | PersonalNumber | str
"""A person given as register id (fast path), as a PersonalNumber, or as text to parse."""

_TEXT_COLUMNS: Final = (
    "first_name",
    "last_name",
    "street_address",
    "postcode",
    "municipality",
    "mobile",
    "email",
)
_REQUIRED_PEOPLE: Final = {
    "person": pl.Int32,
    "personal_number_int": pl.Int64,
    "birth_date": pl.Date,
    "protected": pl.Boolean,
    "bankid": pl.Boolean,
    "freja_plus": pl.Boolean,
    **dict.fromkeys(_TEXT_COLUMNS, pl.String),
}
_NULLABLE: Final = frozenset({"mobile", "email"})


def thirteenth_birthday(birth: date) -> date:
    """The 13th birthday (R14, D2); 29 February births turn 13 on 1 March (see module doc)."""
    try:
        return birth.replace(year=birth.year + 13)
    except ValueError:
        return date(birth.year + 13, 3, 1)


def _pair_key(guardian: int, child: int) -> int:
    """One int per (guardian, child) pair, as ``pair_keys`` makes them for whole columns."""
    return guardian << 32 | child


class PopulationRegister:
    """Folkbokföring as the e-services see it; read-only to the portal (R7)."""

    __slots__ = (
        "_added_numbers",
        "_added_text",
        "_birth_month_day",
        "_birth_year",
        "_child",
        "_children",
        "_children_start",
        "_clock",
        "_eids",
        "_ended",
        "_extra_children",
        "_extra_guardians",
        "_frames",
        "_guardian",
        "_guardians",
        "_guardians_start",
        "_index_dirty",
        "_number",
        "_protected",
        "_sorted_numbers",
        "_sorted_persons",
        "_thirteenth_day",
        "generation",
        "growth_listeners",
    )

    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self._number = array("q")  # personal_number_int
        self._protected = array("b")
        self._eids = array("b")  # bit 1 << EID
        self._birth_year = array("h")
        self._birth_month_day = array("h")  # month * 100 + day
        self._thirteenth_day = array("i")  # day number of the 13th birthday
        # Bulk-loaded persons: (first person id, text columns); added persons: a dict.
        self._frames: list[tuple[int, dict[str, pl.Series]]] = []
        self._added_text: dict[int, tuple[str | None, ...]] = {}
        self._added_numbers: dict[int, int] = {}
        self._sorted_numbers = np.empty(0, dtype=np.int64)
        self._sorted_persons = np.empty(0, dtype=np.int32)
        # Every guardianship registered since the last compaction, in registration order; the
        # ended ones are still here, their keys in ``_ended`` (see ``_compact``).
        self._guardian = array("i")
        self._child = array("i")
        self._index_dirty = False
        # The CSR index of guardianships, as array columns: every proxy check reads it (R10).
        self._guardians_start = array("i", [0])
        self._guardians = array("i")
        self._children_start = array("i", [0])
        self._children = array("i")
        # Changes since the index was built (custody changes during a run, a few a day): pairs
        # added, per child and per guardian, and the keys of pairs ended. Rebuilding the index
        # for each change sorted every guardianship of a region (about 60 ms) several times a
        # day of simulated time; the overlay costs a dict lookup when it is not empty.
        self._extra_guardians: dict[int, list[int]] = {}
        self._extra_children: dict[int, list[int]] = {}
        self._ended: set[int] = set()
        self.generation = 0
        """Bumped whenever persons are added (birthday schedules re-sort when it changes)."""
        self.growth_listeners: list[Callable[[int], None]] = []
        """Called with the new size after persons are added (other columns grow to match)."""

    def __len__(self) -> int:
        return len(self._number)

    # -- adding persons ---------------------------------------------------------------------

    def add_person(
        self,
        personal_number: PersonalNumber | str,
        *,
        first_name: str,
        last_name: str,
        street_address: str = "",
        postcode: str = "",
        municipality: str = "",
        protected: bool = False,
        eids: Iterable[EID] = (EID.BANKID,),
        mobile: str | None = None,
        email: str | None = None,
    ) -> int:
        """Register one person (R9: from now on a guardian can activate their proxy login).

        Returns the new person id. Raises ``InvalidOperation`` if the number is registered.
        """
        number = self._parse(personal_number)
        key = number.as_int
        if self._lookup_number(key) is not None:
            raise InvalidOperation(f"{number.canonical} is already in the population register")
        eid_bits = 0
        for eid in eids:
            eid_bits |= 1 << EID(eid)
        person = len(self._number)
        birth = number.birth_date
        self._number.append(key)
        self._protected.append(1 if protected else 0)
        self._eids.append(eid_bits)
        self._birth_year.append(birth.year)
        self._birth_month_day.append(birth.month * 100 + birth.day)
        self._thirteenth_day.append(thirteenth_birthday(birth).toordinal() - UNIX_EPOCH_ORDINAL)
        self._added_text[person] = (
            first_name,
            last_name,
            street_address,
            postcode,
            municipality,
            mobile,
            email,
        )
        self._added_numbers[key] = person
        self._grown()
        return person

    def _grown(self) -> None:
        self.generation += 1
        for listener in self.growth_listeners:
            listener(len(self._number))

    def load(self, people: pl.DataFrame, guardianships: pl.DataFrame) -> None:
        """Bulk-load persons and guardianships (schemas of ``etj_sim.population.schema``).

        Vectorised: no Python loop over persons. ``people.person`` must number the rows
        ``len(self) ..``; guardianship ids must name registered persons.
        """
        offset = len(self._number)
        check_columns("people", people, _REQUIRED_PEOPLE)
        count = people.height
        persons = people["person"].to_numpy()
        if count and not np.array_equal(persons, np.arange(offset, offset + count)):
            row = int(np.flatnonzero(persons != np.arange(offset, offset + count))[0])
            raise InvalidOperation(
                f"people.person must equal {offset} + row index; row {row} has {persons[row]}"
            )
        for name in _REQUIRED_PEOPLE:
            if name not in _NULLABLE and people[name].null_count():
                row = int(people[name].is_null().arg_true()[0])
                raise InvalidOperation(f"people.{name} is null in row {row}")
        numbers = people["personal_number_int"].to_numpy().astype(np.int64)
        order = np.argsort(numbers, kind="stable")
        sorted_numbers = numbers[order]
        duplicate = np.flatnonzero(np.diff(sorted_numbers) == 0)
        if duplicate.size:
            raise InvalidOperation(
                f"people.personal_number_int {sorted_numbers[duplicate[0]]} appears twice "
                f"(rows {sorted(order[duplicate[0] : duplicate[0] + 2].tolist())})"
            )
        if offset:
            added = np.fromiter(self._added_numbers, dtype=np.int64, count=len(self._added_numbers))
            clash = np.flatnonzero(np.isin(numbers, np.concatenate([self._sorted_numbers, added])))
            if clash.size:
                raise InvalidOperation(
                    f"people row {clash[0]}: personal number {numbers[clash[0]]} is already in "
                    "the register"
                )
        guardians, children = self._checked_guardianships(guardianships, offset + count)
        birth = people["birth_date"]
        years = birth.dt.year().to_numpy().astype(np.int64)
        months = birth.dt.month().to_numpy().astype(np.int64)
        days = birth.dt.day().to_numpy().astype(np.int64)
        self._number.extend(from_numpy("q", numbers))
        self._protected.extend(from_numpy("b", people["protected"].to_numpy()))
        eid_bits = people["bankid"].to_numpy().astype(np.int8) << EID.BANKID
        eid_bits |= people["freja_plus"].to_numpy().astype(np.int8) << EID.FREJA_PLUS
        self._eids.extend(from_numpy("b", eid_bits))
        self._birth_year.extend(from_numpy("h", years))
        self._birth_month_day.extend(from_numpy("h", months * 100 + days))
        self._thirteenth_day.extend(from_numpy("i", thirteenth_birthday_days(years, months, days)))
        self._frames.append((offset, {name: people[name] for name in _TEXT_COLUMNS}))
        merged_numbers = np.concatenate([self._sorted_numbers, sorted_numbers])
        merged_persons = np.concatenate([self._sorted_persons, (order + offset).astype(np.int32)])
        merge_order = np.argsort(merged_numbers, kind="stable")
        self._sorted_numbers = merged_numbers[merge_order]
        self._sorted_persons = merged_persons[merge_order]
        self._guardian.extend(from_numpy("i", guardians))
        self._child.extend(from_numpy("i", children))
        self._index_dirty = True
        self._grown()

    def _checked_guardianships(
        self, guardianships: pl.DataFrame, size: int
    ) -> tuple[npt.NDArray[np.int32], npt.NDArray[np.int32]]:
        self._compact()  # the duplicate check below reads every current pair
        check_columns("guardianships", guardianships, {"guardian": pl.Int32, "child": pl.Int32})
        if guardianships.null_count().sum_horizontal().item():
            raise InvalidOperation("guardianships has null ids")
        guardians = guardianships["guardian"].to_numpy().astype(np.int32)
        children = guardianships["child"].to_numpy().astype(np.int32)
        for name, ids in (("guardian", guardians), ("child", children)):
            bad = np.flatnonzero((ids < 0) | (ids >= size))
            if bad.size:
                raise InvalidOperation(
                    f"guardianships.{name} in row {bad[0]} is {ids[bad[0]]}, not a registered "
                    f"person (0..{size - 1})"
                )
        selfcare = np.flatnonzero(guardians == children)
        if selfcare.size:
            raise InvalidOperation(f"guardianships row {selfcare[0]}: a person is own guardian")
        keys = np.concatenate(
            [
                pair_keys(as_numpy(self._guardian), as_numpy(self._child)),
                pair_keys(guardians, children),
            ]
        )
        if np.unique(keys).size != keys.size:
            raise InvalidOperation("guardianships holds a (guardian, child) pair twice")
        return guardians, children

    def add_guardianship(self, guardian: PersonRef, child: PersonRef) -> None:
        """Record that ``guardian`` is vårdnadshavare of ``child`` (R9, R10)."""
        guardian_id = self.person_id(guardian)
        child_id = self.person_id(child)
        if guardian_id == child_id:
            raise InvalidOperation(f"person {guardian_id} cannot be their own guardian")
        if self.is_guardian_of(guardian_id, child_id):
            raise InvalidOperation(f"person {guardian_id} is already guardian of {child_id}")
        if _pair_key(guardian_id, child_id) in self._ended:
            # Registered again after it ended: it goes last, as a fresh registration would.
            self._compact()
        self._guardian.append(guardian_id)
        self._child.append(child_id)
        if not self._index_dirty:
            self._extra_guardians.setdefault(child_id, []).append(guardian_id)
            self._extra_children.setdefault(guardian_id, []).append(child_id)

    def remove_guardianship(self, guardian: PersonRef, child: PersonRef) -> tuple[int, int]:
        """End a registered guardianship (custody change); returns the (guardian, child) ids."""
        guardian_id = self.person_id(guardian)
        child_id = self.person_id(child)
        if not self.is_guardian_of(guardian_id, child_id):
            raise InvalidOperation(f"person {guardian_id} is not a guardian of {child_id}")
        self._ended.add(_pair_key(guardian_id, child_id))
        return guardian_id, child_id

    def _compact(self) -> None:
        """Drop the ended pairs from the registration arrays and index them afresh."""
        if not self._ended:
            return
        guardians = as_numpy(self._guardian)
        children = as_numpy(self._child)
        ended = np.fromiter(self._ended, dtype=np.int64, count=len(self._ended))
        keep = ~np.isin(pair_keys(guardians, children), ended)
        self._guardian = from_numpy("i", guardians[keep])
        self._child = from_numpy("i", children[keep])
        self._ended = set()
        self._index_dirty = True

    def set_protected(self, who: PersonRef, protected: bool) -> int:
        """Grant or lift skyddade personuppgifter (R12, R16); returns the person id.

        Refuses a change to the state the person already has (nothing would happen).
        """
        person = self.person_id(who)
        if type(protected) is not bool:
            raise InvalidOperation(f"protected must be True or False, got {protected!r}")
        if (self._protected[person] == 1) is protected:
            state = "already" if protected else "not"
            raise InvalidOperation(f"person {person} is {state} protected")
        self._protected[person] = 1 if protected else 0
        return person

    # -- lookups -----------------------------------------------------------------------------

    def person_id(self, who: PersonRef) -> int:
        """The register id of ``who``; raises ``UnknownPerson`` (or ``InvalidPersonalNumber``)."""
        if type(who) is int:
            if 0 <= who < len(self._number):
                return who
            raise UnknownPerson(f"no person with id {who} in the register (0..{len(self) - 1})")
        if isinstance(who, np.integer):
            return self.person_id(int(who))
        if isinstance(who, PersonalNumber | str):
            number = self._parse(who)
            person = self._lookup_number(number.as_int)
            if person is None:
                raise UnknownPerson(f"{number.canonical} is not in the population register")
            return person
        raise UnknownPerson(f"cannot name a person with {who!r} (int, PersonalNumber or str)")

    def _parse(self, number: PersonalNumber | str) -> PersonalNumber:
        if isinstance(number, PersonalNumber):
            return number
        # R9: text names the same person as the PersonalNumber object would, whatever the birth
        # date: the 12-digit form carries its century, so it is read without a "today" (which
        # would refuse the number of a child registered before birth); the 10-digit form needs
        # today to place its century.
        digits = sum(character.isdigit() for character in number)
        return PersonalNumber.parse(number, today=None if digits == 12 else self._clock.today)

    def _lookup_number(self, key: int) -> int | None:
        person = self._added_numbers.get(key)
        if person is not None:
            return person
        index = int(np.searchsorted(self._sorted_numbers, key))
        if index < len(self._sorted_numbers) and self._sorted_numbers[index] == key:
            return int(self._sorted_persons[index])
        return None

    def personal_number(self, person: int) -> PersonalNumber:
        """The person's personnummer or samordningsnummer."""
        return PersonalNumber.parse(f"{self._number[self.person_id(person)]:012d}")

    def _text(self, person: int, column: int) -> str | None:
        added = self._added_text.get(person)
        if added is not None:
            return added[column]
        for offset, columns in reversed(self._frames):
            if person >= offset:
                value = columns[_TEXT_COLUMNS[column]][person - offset]
                return None if value is None else str(value)
        raise UnknownPerson(f"no person with id {person} in the register")

    def name(self, person: int) -> str:
        """First and last name as registered (R7)."""
        person = self.person_id(person)
        return f"{self._text(person, 0)} {self._text(person, 1)}"

    def address(self, person: int) -> str:
        """Street address, postcode and municipality as registered (R7)."""
        person = self.person_id(person)
        street, postcode, municipality = (self._text(person, column) for column in (2, 3, 4))
        return f"{street}, {postcode} {municipality}".strip(", ")

    def mobile(self, person: int) -> str | None:
        """The person's own registered mobile number, if any."""
        return self._text(self.person_id(person), 5)

    def email(self, person: int) -> str | None:
        """The person's own registered e-mail address, if any."""
        return self._text(self.person_id(person), 6)

    def is_protected(self, person: int) -> bool:
        """Skyddade personuppgifter (R12, R16)."""
        return self._protected[self.person_id(person)] == 1

    def has_eid(self, person: int, eid: EID) -> bool:
        """Whether the person holds that e-ID (R1, R15, D5)."""
        return bool(self._eids[self.person_id(person)] >> eid & 1)

    def age(self, person: int) -> int:
        """Completed years on the clock's today (29 February: see the module docstring)."""
        person = self.person_id(person)
        today = self._clock.today
        years = today.year - self._birth_year[person]
        return years - (today.month * 100 + today.day < self._birth_month_day[person])

    def birth_date(self, person: int) -> date:
        """The date of birth."""
        person = self.person_id(person)
        month_day = self._birth_month_day[person]
        return date(self._birth_year[person], month_day // 100, month_day % 100)

    def holds_eid(self, person: int, eid: EID) -> bool:
        """Hot path (checked ids only): :meth:`has_eid` without resolving the person."""
        return bool(self._eids[person] >> eid & 1)

    def is_protected_id(self, person: int) -> bool:
        """Hot path (checked ids only): :meth:`is_protected` without resolving the person."""
        return self._protected[person] == 1

    def is_under_13(self, person: int, day_number: int) -> bool:
        """Hot path (ids only): before the 13th birthday on that day number (R10, D2)."""
        return day_number < self._thirteenth_day[person]

    def guardians_of(self, child: int) -> tuple[int, ...]:
        """The child's guardians (vårdnadshavare), in registration order."""
        child = self.person_id(child)
        if self._index_dirty:
            self._build_index()
        found = self._linked(
            child, self._guardians_start, self._guardians, self._extra_guardians.get(child)
        )
        if self._ended:
            return tuple(g for g in found if _pair_key(g, child) not in self._ended)
        return found

    def children_of(self, guardian: int) -> tuple[int, ...]:
        """The children the person is guardian of, in registration order."""
        guardian = self.person_id(guardian)
        if self._index_dirty:
            self._build_index()
        found = self._linked(
            guardian, self._children_start, self._children, self._extra_children.get(guardian)
        )
        if self._ended:
            return tuple(c for c in found if _pair_key(guardian, c) not in self._ended)
        return found

    @staticmethod
    def _linked(
        person: int, start: array[int], linked: array[int], extra: list[int] | None
    ) -> tuple[int, ...]:
        """The person's row of one CSR direction, then the links added since it was built."""
        indexed: tuple[int, ...] = (
            tuple(linked[start[person] : start[person + 1]]) if person + 1 < len(start) else ()
        )
        return indexed if extra is None else (*indexed, *extra)

    def is_guardian_of(self, guardian: int, child: int) -> bool:
        """Whether ``guardian`` is registered as guardian of ``child`` (R9, R10)."""
        child = self.person_id(child)
        if self._index_dirty:
            self._build_index()
        if self._ended and _pair_key(guardian, child) in self._ended:
            return False
        start = self._guardians_start
        # Every proxy call checks this (R10): a C-level scan of the child's one or two guardians.
        if child + 1 < len(start) and guardian in self._guardians[start[child] : start[child + 1]]:
            return True
        extra = self._extra_guardians.get(child)
        return extra is not None and guardian in extra

    def _build_index(self) -> None:
        # CSR in both directions: one argsort per direction, no Python list per person.
        self._compact()
        self._extra_guardians = {}
        self._extra_children = {}
        guardians = as_numpy(self._guardian)
        children = as_numpy(self._child)
        size = len(self._number)
        by_child = np.argsort(children, kind="stable")
        self._guardians = from_numpy("i", guardians[by_child])
        self._guardians_start = from_numpy("i", starts(children, size))
        by_guardian = np.argsort(guardians, kind="stable")
        self._children = from_numpy("i", children[by_guardian])
        self._children_start = from_numpy("i", starts(guardians, size))
        self._index_dirty = False

    def thirteenth_days(self) -> npt.NDArray[np.int32]:
        """Day numbers of every person's 13th birthday (a copy), for the birthday schedule."""
        return as_numpy(self._thirteenth_day)

    def numbers(self) -> npt.NDArray[np.int64]:
        """Every person's personal number as an integer (a copy)."""
        return as_numpy(self._number)

    def snapshot(self) -> tuple[Any, ...]:
        """An immutable copy of the register state (tests compare before and after)."""
        self._compact()
        return (
            bytes(self._number),
            bytes(self._protected),
            bytes(self._eids),
            bytes(self._guardian),
            bytes(self._child),
            tuple(sorted(self._added_text.items())),
        )

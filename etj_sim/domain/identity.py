"""Identity: personnummer, samordningsnummer and e-IDs.

Pipeline position: ``scenario -> population -> domain (this module) -> simulation -> event log``.
The population synthesizer writes personal numbers (with :func:`luhn_check_digits` for millions
at a time); the register (``etj_sim.domain.register``) keys persons by
:attr:`PersonalNumber.as_int`; notebooks and tests type numbers as text and go through
:meth:`PersonalNumber.parse`.

Rules (``docs/sources.md``, "Identifiers"; Skatteverket):

- A personnummer is ``YYMMDD-NNNC``: birth date, a three-digit serial (födelsenummer) whose last
  digit, the 9th digit of the number, is odd for men and even for women, and a check digit ``C``
  computed with the Luhn algorithm over the nine digits ``YYMMDDNNN`` (weights 2, 1, 2, 1, ...;
  the digits of each product are summed; ``C = (10 - sum % 10) % 10``).
- The separator ``-`` becomes ``+`` from the calendar year in which the person turns 100.
- The 12-digit form ``YYYYMMDD-NNNC`` carries the century; its check digit is still computed over
  the 10-digit part.
- A samordningsnummer (co-ordination number) adds 60 to the day (61..91) and has the same check
  digit rule, e.g. ``701063-2391`` (born 1970-10-03).

Parsing decisions where the rules are silent:

- Accepted forms: 10 digits with ``-``, ``+`` or no separator; 12 digits with ``-`` or no
  separator. A separator must sit just before the last four digits. Surrounding whitespace,
  other separators and non-ASCII digits are rejected.
- ``+`` in a 12-digit form is rejected: the century is explicit there and ``+`` would either be
  redundant or contradict it.
- Century of a 10-digit form, relative to ``today``:
  with ``-`` or no separator, the most recent year ending in ``YY`` whose birthday is not after
  ``today`` (a person turning 100 later this year, who strictly should be written with ``+``, is
  still found); with ``+``, the most recent year ending in ``YY`` at least 100 years before
  ``today.year`` (the exact inverse of :meth:`PersonalNumber.ten_digit`, which writes ``+`` from
  the start of the year the person turns 100). A 10-digit number without separator therefore
  never denotes a person of 100 or more: write ``+`` or the 12-digit form for them.
- A 12-digit number is checked against ``today`` only when ``today`` is given (a simulation may
  run with an epoch after the wall-clock date).
- Serial ``000`` is accepted (the rules do not forbid it).
- Ages (:meth:`PersonalNumber.age_on`) are completed years; a person born on 29 February
  completes a year on 1 March in common years.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import IntEnum, StrEnum
from typing import Any, Final

import numpy as np
import numpy.typing as npt

from etj_sim.domain.errors import InvalidPersonalNumber

__all__ = [
    "EID",
    "PersonalNumber",
    "PersonalNumberKind",
    "Sex",
    "luhn_check_digit",
    "luhn_check_digits",
]

COORDINATION_DAY_OFFSET: Final = 60
"""Samordningsnummer: the day of birth plus 60 (61..91)."""

_SEPARATORS: Final = frozenset("-+")
_ASCII_DIGITS: Final = frozenset("0123456789")
# Digit sum of 2*d for d = 0..9: the Luhn "double and add the digits" step as a lookup.
_DOUBLED_DIGIT_SUM: Final = (0, 2, 4, 6, 8, 1, 3, 5, 7, 9)
_FORMS_HINT: Final = (
    "expected YYMMDD-NNNC or YYYYMMDD-NNNC (10 or 12 digits; separator '-', '+' or none)"
)


class PersonalNumberKind(StrEnum):
    """Which kind of Swedish identity number a :class:`PersonalNumber` is."""

    PERSONNUMMER = "personnummer"
    SAMORDNINGSNUMMER = "samordningsnummer"


class Sex(StrEnum):
    """Legal sex as encoded in the 9th digit of the number (odd: male, even: female)."""

    FEMALE = "female"
    MALE = "male"


class EID(IntEnum):
    """The e-IDs (e-legitimation) accepted for login to the e-services (R1)."""

    BANKID = 0
    FREJA_PLUS = 1


def luhn_check_digit(nine_digits: str) -> int:
    """Return the Luhn check digit of the nine digits ``YYMMDDNNN`` (weights 2, 1, 2, ...).

    For a samordningsnummer the day in ``nine_digits`` is the day plus 60, as written.
    Raises :class:`InvalidPersonalNumber` unless ``nine_digits`` is exactly nine ASCII digits.
    """
    if len(nine_digits) != 9 or not (nine_digits.isascii() and nine_digits.isdigit()):
        raise InvalidPersonalNumber(
            f"{nine_digits!r}: the Luhn check digit needs exactly nine digits YYMMDDNNN"
        )
    total = 0
    for position, character in enumerate(nine_digits):
        digit = ord(character) - 48
        # Weight 2 on the 1st, 3rd, ... digit, 1 on the others.
        total += digit if position & 1 else _DOUBLED_DIGIT_SUM[digit]
    return (10 - total % 10) % 10


def _group_weighted_sums(weights: tuple[int, int, int]) -> npt.NDArray[np.int16]:
    """Luhn sum of every three-digit group 000..999 under the given weights (1 or 2)."""
    group = np.arange(1000, dtype=np.int16)
    digits = (group // 100, group // 10 % 10, group % 10)
    total = np.zeros(1000, dtype=np.int16)
    for weight, digit in zip(weights, digits, strict=True):
        product = weight * digit
        total += product // 10 + product % 10
    return total


# YYMMDDNNN splits into three groups of three digits with weights (2,1,2), (1,2,1), (2,1,2):
# three table look-ups per number instead of nine divisions.
_OUTER_GROUP_SUMS: Final = _group_weighted_sums((2, 1, 2))
_MIDDLE_GROUP_SUMS: Final = _group_weighted_sums((1, 2, 1))
_LARGEST_NINE_DIGIT_NUMBER: Final = 999_999_999
# The same tables as Python tuples: indexing a tuple with an int is cheaper than a numpy scalar.
_OUTER_GROUP_SUMS_TUPLE: Final = tuple(int(total) for total in _OUTER_GROUP_SUMS)
_MIDDLE_GROUP_SUMS_TUPLE: Final = tuple(int(total) for total in _MIDDLE_GROUP_SUMS)


def _check_digit_of_nine_digit_number(number: int) -> int:
    """Luhn check digit of ``YYMMDDNNN`` given as an integer (hot path of ``as_int``)."""
    total = (
        _OUTER_GROUP_SUMS_TUPLE[number // 1_000_000]
        + _MIDDLE_GROUP_SUMS_TUPLE[number // 1000 % 1000]
        + _OUTER_GROUP_SUMS_TUPLE[number % 1000]
    )
    return (10 - total % 10) % 10


def luhn_check_digits(
    nine_digit_numbers: npt.NDArray[np.integer[Any]],
) -> npt.NDArray[np.int8]:
    """Vectorised :func:`luhn_check_digit` for an array of integers ``YYMMDDNNN``.

    Leading zeros are implied (``12345678`` is ``012345678``, born in year ``01``). Any integer
    dtype is accepted; values outside ``0..999_999_999`` raise ``ValueError`` naming the first
    offending position. Returns an ``int8`` array of the same shape.
    """
    numbers = np.asarray(nine_digit_numbers)
    if not np.issubdtype(numbers.dtype, np.integer):
        raise ValueError(
            f"luhn_check_digits needs an integer array of YYMMDDNNN numbers, got dtype "
            f"{numbers.dtype}"
        )
    numbers = numbers.astype(np.int64, copy=False)
    out_of_range = (numbers < 0) | (numbers > _LARGEST_NINE_DIGIT_NUMBER)
    if out_of_range.any():
        position = tuple(int(index) for index in np.argwhere(out_of_range)[0])
        raise ValueError(
            f"luhn_check_digits: value {int(numbers[position])} at index {position} is not a "
            f"nine-digit number YYMMDDNNN (0..{_LARGEST_NINE_DIGIT_NUMBER})"
        )
    total: npt.NDArray[np.int16] = _OUTER_GROUP_SUMS[numbers // 1_000_000]
    total += _MIDDLE_GROUP_SUMS[numbers // 1000 % 1000]
    total += _OUTER_GROUP_SUMS[numbers % 1000]
    check_digits: npt.NDArray[np.int8] = ((10 - total % 10) % 10).astype(np.int8)
    return check_digits


def _birth_year_of_ten_digit_form(
    two_digit_year: int, month: int, day: int, separator: str, today: date
) -> int:
    """Place the century of a 10-digit number (see the module docstring for the rule)."""
    if separator == "+":
        # '+' is written from the year the person turns 100: birth year <= today.year - 100.
        latest_year = today.year - 100
        return latest_year - (latest_year - two_digit_year) % 100
    year = today.year - (today.year - two_digit_year) % 100
    # Compare (month, day) rather than dates: 29 February must be placed before it is validated.
    if year == today.year and (month, day) > (today.month, today.day):
        year -= 100
    return year


def _reject(text: str, problem: str) -> InvalidPersonalNumber:
    return InvalidPersonalNumber(f"invalid personal number {text!r}: {problem}")


def _non_digit_problem(text: str, separator_index: int | None) -> str:
    """Name every character that is neither a digit nor the separator in its place."""
    problems = []
    for index, character in enumerate(text):
        if character in _ASCII_DIGITS or index == separator_index:
            continue
        if character in _SEPARATORS:
            problems.append(
                f"separator {character!r} at position {index + 1} is misplaced (it goes just "
                "before the last four digits)"
            )
        else:
            problems.append(f"non-digit {character!r} at position {index + 1}")
    if not problems:
        problems.append(f"{len(text)} digits")
    return f"{'; '.join(problems)}; {len(text)} characters, {_FORMS_HINT}"


@dataclass(frozen=True, slots=True, repr=False)
class PersonalNumber:
    """A valid personnummer or samordningsnummer (immutable, hashable, cheap).

    Build one with :meth:`parse` (text) or :meth:`from_parts`; the fields are the minimal state
    (``birth_date``, ``serial``, ``kind``); everything else is derived. Two numbers are equal
    when they denote the same identity, whatever form they were written in.
    """

    birth_date: date
    serial: int
    """The three digits after the date (födelsenummer), 0..999; its last digit gives the sex."""
    kind: PersonalNumberKind = PersonalNumberKind.PERSONNUMMER

    def __post_init__(self) -> None:
        # datetime is a date subclass but would break equality and hashing with dates.
        if type(self.birth_date) is not date:
            raise InvalidPersonalNumber(
                f"birth_date must be a datetime.date, got {type(self.birth_date).__name__}"
            )
        if type(self.serial) is not int or not 0 <= self.serial <= 999:
            raise InvalidPersonalNumber(
                f"serial must be an integer 0..999 (three digits NNN), got {self.serial!r}"
            )
        if not isinstance(self.kind, PersonalNumberKind):
            raise InvalidPersonalNumber(f"kind must be a PersonalNumberKind, got {self.kind!r}")

    @classmethod
    def parse(cls, text: str, *, today: date | None = None) -> PersonalNumber:
        """Read a personal number written in any accepted form.

        Forms: ``YYMMDD-NNNC``, ``YYMMDD+NNNC`` (100 or older), ``YYMMDDNNNC``,
        ``YYYYMMDD-NNNC``, ``YYYYMMDDNNNC``. A 10-digit form is placed in a century relative to
        ``today`` (default ``date.today()``); a 12-digit form is checked against ``today`` only
        when it is given. Raises :class:`InvalidPersonalNumber` (also a ``ValueError``) saying
        what is wrong: length, characters, separator, date, co-ordination day, check digit or a
        birth after ``today``.
        """
        if not isinstance(text, str):
            raise TypeError(f"a personal number is parsed from str, got {type(text).__name__}")
        length = len(text)
        separator = ""
        separator_index: int | None = None
        if length == 11 or length == 13:
            separator_index = length - 5
            separator = text[separator_index]
            if separator not in _SEPARATORS:
                if separator in _ASCII_DIGITS:
                    raise _reject(text, _non_digit_problem(text, None))
                raise _reject(
                    text,
                    f"separator {separator!r} at position {separator_index + 1}; "
                    "expected '-' or '+' (or none)",
                )
            digits = text[:separator_index] + text[separator_index + 1 :]
        elif length == 10 or length == 12:
            digits = text
        else:
            raise _reject(text, f"{length} characters; {_FORMS_HINT}")
        if not (digits.isascii() and digits.isdigit()):
            raise _reject(text, _non_digit_problem(text, separator_index))

        twelve_digit_form = len(digits) == 12
        if twelve_digit_form and separator == "+":
            raise _reject(
                text,
                "'+' belongs to the 10-digit form only; the 12-digit form carries the century, "
                "write '-' or no separator",
            )
        ten_digits = digits[2:] if twelve_digit_form else digits
        month = int(ten_digits[2:4])
        written_day = int(ten_digits[4:6])
        if 1 <= written_day <= 31:
            kind = PersonalNumberKind.PERSONNUMMER
            day = written_day
        elif COORDINATION_DAY_OFFSET + 1 <= written_day <= COORDINATION_DAY_OFFSET + 31:
            kind = PersonalNumberKind.SAMORDNINGSNUMMER
            day = written_day - COORDINATION_DAY_OFFSET
        else:
            raise _reject(
                text,
                f"day {written_day:02d} is neither a calendar day (01-31) nor a co-ordination "
                f"day (61-91, day + {COORDINATION_DAY_OFFSET})",
            )
        if not 1 <= month <= 12:
            raise _reject(text, f"month {month:02d} does not exist (01-12)")

        if isinstance(today, datetime):
            today = today.date()
        if twelve_digit_form:
            year = int(digits[:4])
        else:
            reference_day = date.today() if today is None else today
            year = _birth_year_of_ten_digit_form(
                int(ten_digits[:2]), month, day, separator, reference_day
            )
        try:
            birth_date = date(year, month, day)
        except ValueError:
            if kind is PersonalNumberKind.SAMORDNINGSNUMMER:
                problem = (
                    f"co-ordination day {written_day} is not valid: {year:04d}-{month:02d}-"
                    f"{day:02d} (day {written_day} - {COORDINATION_DAY_OFFSET}) does not exist"
                )
            else:
                problem = f"impossible date {year:04d}-{month:02d}-{day:02d}"
            if not twelve_digit_form:
                problem += (
                    f" (century placed from today {reference_day.isoformat()}"
                    f"{', 100 or older' if separator == '+' else ''})"
                )
            raise _reject(text, problem) from None

        expected_check_digit = luhn_check_digit(ten_digits[:9])
        if int(ten_digits[9]) != expected_check_digit:
            raise _reject(
                text,
                f"bad check digit {ten_digits[9]}, expected {expected_check_digit} "
                f"(Luhn over {ten_digits[:9]})",
            )
        if twelve_digit_form and today is not None and birth_date > today:
            raise _reject(
                text,
                f"born in the future: {birth_date.isoformat()} is after today {today.isoformat()}",
            )
        return cls(birth_date, int(ten_digits[6:9]), kind)

    @classmethod
    def from_parts(
        cls, birth_date: date, serial: int, *, coordination: bool = False
    ) -> PersonalNumber:
        """Build a number from its birth date and three-digit serial (check digit computed).

        ``coordination=True`` makes a samordningsnummer (day + 60 when written).
        """
        kind = (
            PersonalNumberKind.SAMORDNINGSNUMMER
            if coordination
            else PersonalNumberKind.PERSONNUMMER
        )
        return cls(birth_date, serial, kind)

    @property
    def sex(self) -> Sex:
        """Male when the 9th digit (last digit of the serial) is odd, female when even."""
        return Sex.MALE if self.serial & 1 else Sex.FEMALE

    @property
    def written_day(self) -> int:
        """The day as written: the day of birth, plus 60 for a samordningsnummer."""
        day = self.birth_date.day
        if self.kind is PersonalNumberKind.SAMORDNINGSNUMMER:
            return day + COORDINATION_DAY_OFFSET
        return day

    @property
    def check_digit(self) -> int:
        """The Luhn check digit C over ``YYMMDDNNN`` (the 10-digit part, also in 12-digit form)."""
        birth = self.birth_date
        return _check_digit_of_nine_digit_number(
            (birth.year % 100) * 10_000_000
            + birth.month * 100_000
            + self.written_day * 1000
            + self.serial
        )

    @property
    def canonical(self) -> str:
        """``YYYYMMDD-NNNC``: the 12-digit form with '-', the form stored in frames."""
        birth = self.birth_date
        return (
            f"{birth.year:04d}{birth.month:02d}{self.written_day:02d}-"
            f"{self.serial:03d}{self.check_digit}"
        )

    @property
    def as_int(self) -> int:
        """The 12 digits ``YYYYMMDDNNNC`` as one integer: the register's lookup key."""
        birth = self.birth_date
        return (
            birth.year * 100_000_000
            + birth.month * 1_000_000
            + self.written_day * 10_000
            + self.serial * 10
            + self.check_digit
        )

    def ten_digit(self, today: date) -> str:
        """``YYMMDD-NNNC``, with '+' from the start of the year the person turns 100.

        Raises :class:`InvalidPersonalNumber` if the person is born after ``today`` (the
        10-digit form cannot denote a future birth).
        """
        birth = self.birth_date
        if birth > today:
            raise InvalidPersonalNumber(
                f"{self.canonical}: born {birth.isoformat()}, after today {today.isoformat()}; "
                "there is no 10-digit form for a future birth"
            )
        separator = "+" if today.year - birth.year >= 100 else "-"
        return (
            f"{birth.year % 100:02d}{birth.month:02d}{self.written_day:02d}{separator}"
            f"{self.serial:03d}{self.check_digit}"
        )

    def age_on(self, day: date) -> int:
        """Completed years on ``day`` (29 February births complete a year on 1 March).

        Raises ``ValueError`` if ``day`` is before the birth date.
        """
        if isinstance(day, datetime):
            day = day.date()
        birth = self.birth_date
        if day < birth:
            raise ValueError(
                f"{self.canonical}: no age on {day.isoformat()}, before the birth date "
                f"{birth.isoformat()}"
            )
        return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))

    def __str__(self) -> str:
        return self.canonical

    def __repr__(self) -> str:
        return f"PersonalNumber.parse({self.canonical!r})"

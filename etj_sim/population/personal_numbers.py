"""Personal numbers in bulk: birth dates, serial numbers and Luhn check digits, vectorised.

Pipeline position: ``synthesize_population`` -> (this module) -> the ``personal_number`` columns
of the people frame, later parsed by ``etj_sim.domain.identity.PersonalNumber`` in the register.

Rules (Skatteverket, quoted in ``docs/sources.md``): the number is YYMMDD-NNNC (12-digit
form YYYYMMDD-NNNC); the 9th digit (the last of the serial NNN) is odd for men and even for women;
C is the Luhn check digit over the 9 digits YYMMDDNNN (weights 2,1,2,1,...; a product over 9 has
its digits summed; 10 becomes 0). A samordningsnummer adds 60 to the day of birth (D5). The
check digits come from the domain's vectorised ``luhn_check_digits``, so synthesis and parsing
share one implementation.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import numpy.typing as npt
import polars as pl

from etj_sim.domain.identity import luhn_check_digits
from etj_sim.population.text import digit_matrix, fixed_width_strings

__all__ = [
    "SAMORDNINGSNUMMER_DAY_OFFSET",
    "birth_dates_for_ages",
    "calendar_parts",
    "canonical_strings",
    "draw_serials",
    "personal_number_ints",
]

SAMORDNINGSNUMMER_DAY_OFFSET = 60
_SERIALS_PER_SEX = 500  # serials 000-999, half of them odd (men), half even (women)
_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()

Int64Array = npt.NDArray[np.int64]


def _shift_years_back(reference: date, years: int) -> date:
    try:
        return reference.replace(year=reference.year - years)
    except ValueError:  # 29 February in a year that has none
        return reference.replace(year=reference.year - years, day=28)


def birth_dates_for_ages(
    ages: npt.NDArray[np.int16], reference: date, rng: np.random.Generator
) -> npt.NDArray[np.int32]:
    """Birth dates (days since 1970-01-01) uniform among those giving ``ages`` on ``reference``."""
    oldest = int(ages.max()) if ages.size else 0
    # One window per whole age, not per person: the loop runs ~105 times.
    latest = np.empty(oldest + 1, dtype=np.int64)
    earliest = np.empty(oldest + 1, dtype=np.int64)
    for age in range(oldest + 1):
        latest[age] = _shift_years_back(reference, age).toordinal() - _EPOCH_ORDINAL
        earliest[age] = _shift_years_back(reference, age + 1).toordinal() - _EPOCH_ORDINAL + 1
    window_days = latest - earliest + 1
    offset = (rng.random(ages.size) * window_days[ages]).astype(np.int64)
    return (earliest[ages] + offset).astype(np.int32)


def calendar_parts(
    days: npt.NDArray[np.int32],
) -> tuple[Int64Array, Int64Array, Int64Array]:
    """(year, month, day) arrays of dates given as days since 1970-01-01.

    Integer civil-from-days arithmetic (H. Hinnant, "chrono-compatible low-level date
    algorithms"): several times faster than converting through ``datetime64`` units.
    """
    shifted = days.astype(np.int64) + 719_468  # days since 0000-03-01
    era = np.floor_divide(shifted, 146_097)
    day_of_era = shifted - era * 146_097
    year_of_era = (
        day_of_era - day_of_era // 1_460 + day_of_era // 36_524 - day_of_era // 146_096
    ) // 365
    day_of_year = day_of_era - (365 * year_of_era + year_of_era // 4 - year_of_era // 100)
    month_from_march = (5 * day_of_year + 2) // 153
    day = day_of_year - (153 * month_from_march + 2) // 5 + 1
    month = np.where(month_from_march < 10, month_from_march + 3, month_from_march - 9)
    year = year_of_era + era * 400 + (month <= 2)
    return year, month, day


def draw_serials(
    birth_days: npt.NDArray[np.int32],
    male: npt.NDArray[np.bool_],
    coordination: npt.NDArray[np.bool_],
    rng: np.random.Generator,
) -> Int64Array:
    """Serial numbers NNN, distinct within each (birth date, sex, number kind), odd for men.

    Within a group the k-th member (in row order) gets ``(offset + k * step) mod 500`` with a
    random offset and a random step coprime to 500: distinct for k < 500 without any retry loop,
    one sort for the whole population.
    """
    group = (birth_days.astype(np.int64) * 2 + male) * 2 + coordination
    # Row index in the low bits: a unique key, so the fast unstable sort gives the stable order.
    index_bits = max(int(group.size).bit_length(), 1)
    order = np.argsort(((group - group.min(initial=0)) << index_bits) | np.arange(group.size))
    sorted_group = group[order]
    starts = np.flatnonzero(np.r_[True, sorted_group[1:] != sorted_group[:-1]])
    sizes = np.diff(np.r_[starts, group.size])
    if sizes.size and sizes.max() > _SERIALS_PER_SEX:
        raise ValueError(
            f"population.size: more than {_SERIALS_PER_SEX} people share one birth date, sex "
            "and number kind; personal numbers would run out (make the population smaller)"
        )
    rank = np.arange(group.size) - np.repeat(starts, sizes)
    units = np.array([step for step in range(1, _SERIALS_PER_SEX) if step % 2 and step % 5])
    offset = rng.integers(0, _SERIALS_PER_SEX, size=starts.size)
    step = units[rng.integers(0, units.size, size=starts.size)]
    half = (np.repeat(offset, sizes) + rank * np.repeat(step, sizes)) % _SERIALS_PER_SEX
    serials = np.empty(group.size, dtype=np.int64)
    serials[order] = half * 2 + male[order]
    return serials


def personal_number_ints(
    birth_days: npt.NDArray[np.int32],
    serials: Int64Array,
    coordination: npt.NDArray[np.bool_],
) -> Int64Array:
    """The 12 digits YYYYMMDDNNNC as integers (samordningsnummer: day + 60)."""
    year, month, day = calendar_parts(birth_days)
    date_digits = year * 10_000 + month * 100 + day + SAMORDNINGSNUMMER_DAY_OFFSET * coordination
    check = luhn_check_digits((date_digits % 1_000_000) * 1_000 + serials)
    return date_digits * 10_000 + serials * 10 + check


def canonical_strings(numbers: Int64Array) -> pl.Series:
    """Canonical "YYYYMMDD-NNNC" strings of 12-digit integers (years 1000-9999)."""
    digits = digit_matrix(numbers, 12)
    return fixed_width_strings([digits[:, :8], "-", digits[:, 8:]], "personal_number")

"""The citizens as the simulation sees them: columnar attributes and behaviour state.

Pipeline position: ``population frame -> (these arrays) -> simulation processes -> domain``. The
domain keeps the authoritative state of accounts and settings; this module keeps what the
*behaviour* model needs to decide quickly, per person, without asking the domain: who can log in
with which e-ID, which guardian acts by proxy (R10), when a child turns 13 (D2), how often a person
logs in. Account facts (activation R2, alert choices R4, contacts R13) are not mirrored here:
the simulation reads the domain's own ``Accounts`` columns, which cost the same per item.

One column per attribute (``array.array`` where the processes read single items, numpy where
only vectorised draws use it), no Python object per person (README, "Design").
"""

from __future__ import annotations

from array import array
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
import polars as pl

from etj_sim.domain import thirteenth_birthday_days
from etj_sim.population import ages_on
from etj_sim.scenario import Scenario

__all__ = ["MINUTES_PER_DAY", "NO_EID", "NO_PERSON", "Citizens"]

MINUTES_PER_DAY = 1440.0
NO_PERSON = -1
NO_EID = -1


@dataclass(eq=False)
class Citizens:
    """Per-person columns indexed by person id (the population frame's row).

    Columns read or written one person at a time by the processes are ``array.array`` (an item
    access costs a few tens of nanoseconds and yields a plain Python number); columns only used
    in vectorised draws are numpy arrays.
    """

    count: int
    birth_days: np.ndarray
    """Birth date as days since the start date (negative: born before the run)."""
    start_age: np.ndarray
    """Whole years of age on the start date."""
    clinic: np.ndarray
    """The clinic each person is listed at (population index 0..clinics.count-1)."""
    thirteen_minute: array[float]
    """Minute since the epoch of the 13th birthday: proxy ends, own login starts (R10, R15, D2)."""
    eid: array[int]
    """The e-ID a person logs in with: 0 BankID, 1 Freja+ (R1), -1 none (D5)."""
    logins_per_month: array[float]
    first_guardian: array[int]
    """The guardian who acts by proxy (R10): the first listed guardian with an e-ID, or -1."""
    next_read_minute: array[float]
    """Earliest scheduled login to read the inbox (inf: none scheduled)."""
    next_cadence_minute: array[float]
    """The next login by the person's own cadence, sampled when something waits (-inf: none)."""

    @classmethod
    def from_population(
        cls, people: pl.DataFrame, guardianships: pl.DataFrame, scenario: Scenario
    ) -> Citizens:
        """Build the columns from the population frames (``etj_sim/population/schema.py``)."""
        start = scenario.start_date
        count = people.height
        if count and not (people["person"].to_numpy() == np.arange(count)).all():
            raise ValueError("population: the person column must equal the row index 0..N-1")
        frame = people.select(
            (pl.col("birth_date") - pl.lit(start)).dt.total_days().alias("birth_days"),
            pl.when(pl.col("bankid"))
            .then(0)
            .when(pl.col("freja_plus"))
            .then(1)
            .otherwise(NO_EID)
            .alias("eid"),
            pl.col("logins_per_month").fill_null(0.0),
            pl.col("clinic"),
            pl.col("birth_date").dt.year().alias("birth_year"),
            pl.col("birth_date").dt.month().alias("birth_month"),
            pl.col("birth_date").dt.day().alias("birth_day"),
        )
        birth_days = frame["birth_days"].to_numpy().astype(np.int32)
        eid = frame["eid"].to_numpy().astype(np.int8)
        # The domain's own vectorised 13th birthday (29 February -> 1 March, R14, D2), so proxy
        # ends here on the same day as in the register; day numbers count from 1970-01-01.
        years, months, days = (
            frame[name].to_numpy().astype(np.int64)
            for name in ("birth_year", "birth_month", "birth_day")
        )
        start_day_number = int(np.datetime64(start, "D").astype(np.int64))
        thirteenth_days = thirteenth_birthday_days(years, months, days) - start_day_number
        return cls(
            count=count,
            birth_days=birth_days,
            start_age=ages_on(people, start).to_numpy().astype(np.int16),
            clinic=frame["clinic"].to_numpy().astype(np.int32),
            thirteen_minute=_column("d", thirteenth_days * MINUTES_PER_DAY),
            eid=_column("b", eid),
            logins_per_month=_column("d", frame["logins_per_month"].to_numpy()),
            first_guardian=_column("i", _first_guardians(guardianships, eid, count)),
            next_read_minute=_column("d", np.full(count, np.inf)),
            next_cadence_minute=_column("d", np.full(count, -np.inf)),
        )

    def ages_on_day(self, day: int, start: date) -> np.ndarray:
        """Whole years of age of every person ``day`` days after ``start`` (vectorised)."""
        # The birthday has passed when the target's (month, day) is on or after the birth's.
        target = np.datetime64(start, "D") + np.int64(day)
        births = np.datetime64(start, "D") + self.birth_days.astype("timedelta64[D]")
        birth_years = births.astype("datetime64[Y]").astype(np.int64) + 1970
        target_year = int(target.astype("datetime64[Y]").astype(np.int64)) + 1970
        target_month_day = int(_month_day(np.array([target]))[0])
        ages = target_year - birth_years - (_month_day(births) > target_month_day)
        return ages.astype(np.int16)


_NUMPY_TYPES = {"b": np.int8, "i": np.int32, "d": np.float64}


def _column(typecode: str, values: np.ndarray) -> array[Any]:
    """An ``array.array`` holding ``values`` (converted to the typecode's width)."""
    column = array(typecode)
    column.frombytes(np.ascontiguousarray(values, dtype=_NUMPY_TYPES[typecode]).tobytes())
    return column


def _month_day(days: np.ndarray) -> np.ndarray:
    """Month * 100 + day of month of each date (for birthday comparisons)."""
    months = days.astype("datetime64[M]")
    month_number = months.astype(np.int64) % 12 + 1
    day_of_month = (days - months.astype("datetime64[D]")).astype(np.int64) + 1
    result: np.ndarray = month_number * 100 + day_of_month
    return result


def _first_guardians(guardianships: pl.DataFrame, eid: np.ndarray, count: int) -> np.ndarray:
    """Per child, the guardian who acts by proxy: the first listed one who holds an e-ID."""
    first = np.full(count, NO_PERSON, dtype=np.int32)
    if guardianships.height == 0:
        return first
    guardians = guardianships["guardian"].to_numpy().astype(np.int64)
    children = guardianships["child"].to_numpy().astype(np.int64)
    # Prefer guardians with an e-ID; among equals keep the register's order (stable sort).
    order = np.lexsort((np.arange(children.size), eid[guardians] == NO_EID, children))
    children = children[order]
    guardians = guardians[order]
    leading = np.ones(children.size, dtype=bool)
    leading[1:] = children[1:] != children[:-1]
    first[children[leading]] = guardians[leading]
    return first

"""The citizens as the simulation sees them: columnar attributes and behaviour state.

Pipeline position: ``population frame -> (these arrays) -> simulation processes -> domain``. The
domain keeps the authoritative state of accounts and settings; this module keeps what the
*behaviour* model needs to decide quickly, per person, without asking the domain: who can log in
with which e-ID, which guardian acts by proxy (R10), when a child turns 13 (D2), how often a person
logs in, and a mirror of the few account facts the simulation changes itself (activation at
login, R2; alert choices changed at login, R4, R14). Only the simulation changes those facts, and
it changes them only through the domain, so the mirror follows the domain exactly.

One numpy array per attribute, no Python object per person (design.md "Performance principles").
"""

from __future__ import annotations

from array import array
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
import polars as pl

from etj_sim.scenario import Scenario

__all__ = ["MINUTES_PER_DAY", "NO_EID", "NO_PERSON", "Citizens", "age_band_index"]

MINUTES_PER_DAY = 1440.0
NO_PERSON = -1
NO_EID = -1
_AGE_BAND_LOWER = np.array([0, 13, 18, 30, 50, 65, 80], dtype=np.int16)


def age_band_index(ages: np.ndarray) -> np.ndarray:
    """The index into ``AGE_BANDS`` of each age (whole years)."""
    return (np.searchsorted(_AGE_BAND_LOWER, ages, side="right") - 1).astype(np.int8)


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
    has_own_mobile: array[int]
    has_own_email: array[int]
    logins_per_month: array[float]
    first_guardian: array[int]
    """The guardian who acts by proxy (R10): the first listed guardian with an e-ID, or -1."""
    account_active: array[int]
    """Mirror of the domain's account state (R2, D7), changed only by the simulation's logins."""
    alerts_on: array[int]
    """Mirror: the settings approve SMS and/or e-mail alerts (R4, R8)."""
    settings_has_contact: array[int]
    """Mirror: the settings hold a mobile number or an e-mail address (R4, R13, D3)."""
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
            _whole_years(pl.col("birth_date"), start).alias("start_age"),
            pl.when(pl.col("bankid"))
            .then(0)
            .when(pl.col("freja_plus"))
            .then(1)
            .otherwise(NO_EID)
            .alias("eid"),
            pl.col("mobile").is_not_null().alias("has_own_mobile"),
            pl.col("email").is_not_null().alias("has_own_email"),
            pl.col("logins_per_month").fill_null(0.0),
            pl.col("clinic"),
            pl.col("account_active").fill_null(False),
            (pl.col("alert_sms").fill_null(False) | pl.col("alert_email").fill_null(False)).alias(
                "alerts_on"
            ),
            (
                pl.col("settings_mobile_owner").is_not_null()
                | pl.col("settings_email_owner").is_not_null()
            ).alias("settings_has_contact"),
        )
        birth_days = frame["birth_days"].to_numpy().astype(np.int32)
        eid = frame["eid"].to_numpy().astype(np.int8)
        return cls(
            count=count,
            birth_days=birth_days,
            start_age=frame["start_age"].to_numpy().astype(np.int16),
            clinic=frame["clinic"].to_numpy().astype(np.int32),
            thirteen_minute=_column(
                "d", _thirteenth_birthday_days(birth_days, start) * MINUTES_PER_DAY
            ),
            eid=_column("b", eid),
            has_own_mobile=_column("b", frame["has_own_mobile"].to_numpy()),
            has_own_email=_column("b", frame["has_own_email"].to_numpy()),
            logins_per_month=_column("d", frame["logins_per_month"].to_numpy()),
            first_guardian=_column("i", _first_guardians(guardianships, eid, count)),
            account_active=_column("b", frame["account_active"].to_numpy()),
            alerts_on=_column("b", frame["alerts_on"].to_numpy()),
            settings_has_contact=_column("b", frame["settings_has_contact"].to_numpy()),
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


def _thirteenth_birthday_days(birth_days: np.ndarray, start: date) -> np.ndarray:
    """Days from ``start`` to each 13th birthday; 29 February rolls over to 1 March, as the
    domain's register decides (R14, D2), so proxy ends here on the same day as in the domain."""
    births = np.datetime64(start, "D") + birth_days.astype("timedelta64[D]")
    years = births.astype("datetime64[Y]")
    months = births.astype("datetime64[M]")
    month_index = months.astype(np.int64) - years.astype(np.int64) * 12
    day_index = (births - months.astype("datetime64[D]")).astype(np.int64)
    thirteenth = (
        (years + np.timedelta64(13, "Y")).astype("datetime64[M]")
        + month_index.astype("timedelta64[M]")
    ).astype("datetime64[D]") + day_index.astype("timedelta64[D]")
    days: np.ndarray = (thirteenth - np.datetime64(start, "D")).astype(np.int64).astype(np.float64)
    return days


def _whole_years(birth_date: pl.Expr, on: date) -> pl.Expr:
    before_birthday = (
        birth_date.dt.month().cast(pl.Int32) * 100 + birth_date.dt.day().cast(pl.Int32)
    ) > (on.month * 100 + on.day)
    return (pl.lit(on.year) - birth_date.dt.year() - before_birthday.cast(pl.Int32)).cast(pl.Int16)


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

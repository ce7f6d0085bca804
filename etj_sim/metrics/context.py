"""What every metric needs besides the frames: the run's window, opening hours, and input checks.

Pipeline position: ``event log + population -> metrics``. The metrics read no globals: the start and
end of the run and the clinics' opening hours come in a :class:`MetricContext`, usually built from
the run's :class:`~etj_sim.scenario.Scenario` with :meth:`MetricContext.from_scenario`. This module
also holds the small polars expressions the metric modules share (age in whole years, age band,
alert status) and the checks that turn a wrong frame into an error naming the column at fault.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING, Final

import polars as pl

from etj_sim.events import EVENT_LOG_SCHEMA
from etj_sim.population.schema import PEOPLE_SCHEMA
from etj_sim.roster import STAFF_ROSTER_SCHEMA
from etj_sim.scenario import AGE_BANDS, age_band_of

if TYPE_CHECKING:
    from etj_sim.scenario import Scenario

__all__ = [
    "ACCOUNT_STATUSES",
    "AGE_BAND_DTYPE",
    "ALERT_STATUSES",
    "ALERT_STATUS_DTYPE",
    "ROSTER_SCHEMA",
    "MetricContext",
    "age_band_expression",
    "age_years_expression",
    "alert_status_expression",
    "attach_by_id",
    "check_event_log",
    "check_population",
    "check_roster",
    "with_birth_dates",
]

ALERT_STATUSES: Final = ("none", "sms", "email", "both")
"""An active account's alert choice (R4, R8): no alerts, SMS only, e-mail only, or both."""

ACCOUNT_STATUSES: Final = ("inactive", *ALERT_STATUSES)
"""A person's account state: not activated (R2), or active with one of :data:`ALERT_STATUSES`."""

AGE_BAND_DTYPE: Final = pl.Enum(list(AGE_BANDS))
ALERT_STATUS_DTYPE: Final = pl.Enum(list(ALERT_STATUSES))
ACCOUNT_STATUS_DTYPE: Final = pl.Enum(list(ACCOUNT_STATUSES))

_LOOKUP_DAYS: Final = pl.date_range(date(1850, 1, 1), date(2199, 12, 31), "1d", eager=True)
_FIRST_LOOKUP_DAY: Final = (date(1850, 1, 1) - date(1970, 1, 1)).days
_YEAR_MONTH_DAY: Final = (
    _LOOKUP_DAYS.dt.year().cast(pl.Int32) * 10_000
    + _LOOKUP_DAYS.dt.month().cast(pl.Int32) * 100
    + _LOOKUP_DAYS.dt.day().cast(pl.Int32)
)
_OLDEST_AGE_YEARS: Final = 130
_BAND_BY_AGE: Final = pl.Series(
    [age_band_of(age) for age in range(_OLDEST_AGE_YEARS + 1)], dtype=AGE_BAND_DTYPE
)

ROSTER_SCHEMA: Final = STAFF_ROSTER_SCHEMA
"""The optional staff roster (:data:`etj_sim.roster.STAFF_ROSTER_SCHEMA`, the simulation's)."""

MILLISECONDS_PER_DAY: Final = 86_400_000


@dataclass(frozen=True, slots=True)
class MetricContext:
    """The run's window and clinic hours, as the metrics need them.

    ``start`` is the first moment of the run and ``end`` the first moment after it (the run covers
    ``[start, end)``). Messages and cases near ``end`` have had less time to be read or answered;
    the metrics use ``end`` to right-censor them (see ``etj_sim.metrics.reading``). The opening
    hours give on-duty time for a roster when the log holds no shift rows.
    """

    start: datetime
    end: datetime
    open_weekdays: tuple[int, ...] = (0, 1, 2, 3, 4)
    shift_start_hour: float = 8.0
    shift_end_hour: float = 17.0

    def __post_init__(self) -> None:
        if self.end <= self.start:
            raise ValueError(f"MetricContext: end ({self.end}) must be after start ({self.start})")
        if self.start.tzinfo is not None or self.end.tzinfo is not None:
            raise ValueError(
                "MetricContext: start and end are naive wall-clock times, as in the log"
            )
        if not self.open_weekdays or any(day not in range(7) for day in self.open_weekdays):
            raise ValueError(
                f"MetricContext: open_weekdays {self.open_weekdays} must be weekdays 0-6 (Monday 0)"
            )
        if not 0 <= self.shift_start_hour < self.shift_end_hour <= 24:
            raise ValueError(
                f"MetricContext: shift hours {self.shift_start_hour}-{self.shift_end_hour} "
                "must satisfy 0 <= start < end <= 24"
            )

    @classmethod
    def from_scenario(cls, scenario: Scenario) -> MetricContext:
        """The context of a run of ``scenario``: start date at midnight, duration, opening hours."""
        start = datetime.combine(scenario.start_date, time())
        return cls(
            start=start,
            end=start + timedelta(days=scenario.duration_days),
            open_weekdays=tuple(scenario.clinics.open_weekdays),
            shift_start_hour=scenario.clinics.shift_start_hour,
            shift_end_hour=scenario.clinics.shift_end_hour,
        )

    @property
    def first_day(self) -> date:
        return self.start.date()

    @property
    def last_day(self) -> date:
        """The last calendar day that the run touches."""
        return (self.end - timedelta(milliseconds=1)).date()

    @property
    def days(self) -> pl.Series:
        """Every calendar day of the run, as a Date series named ``date``."""
        return pl.date_range(self.first_day, self.last_day, "1d", eager=True).alias("date")


def _year_month_day(day: pl.Expr) -> pl.Expr:
    """A Date as the integer YYYYMMDD, looked up by day number (dates outside 1850-2199 clip)."""
    offset = day.cast(pl.Int32) - _FIRST_LOOKUP_DAY
    return pl.lit(_YEAR_MONTH_DAY).gather(offset.clip(0, _YEAR_MONTH_DAY.len() - 1))


def age_years_expression(birth_date: pl.Expr, on: pl.Expr) -> pl.Expr:
    """Age in whole years on the date ``on`` (both Date expressions), from the birthday itself.

    (YYYYMMDD on - YYYYMMDD born) // 10000 counts the birthdays passed; one born on 29 February
    turns a year older on 1 March in common years. The lookup replaces six calendar conversions
    per row (several times faster over millions of rows).
    """
    return (_year_month_day(on) - _year_month_day(birth_date)) // 10_000


def age_band_expression(age_years: pl.Expr) -> pl.Expr:
    """The ``AGE_BANDS`` label (etj_sim.scenario) of an age in whole years; null stays null."""
    # One lookup by age, using the age expression once: a when/then chain over the bands is
    # tens of times slower on millions of rows and evaluates the age once per band.
    return pl.lit(_BAND_BY_AGE).gather(age_years.clip(0, _OLDEST_AGE_YEARS))


def alert_status_expression(alert_sms: pl.Expr, alert_email: pl.Expr) -> pl.Expr:
    """One of :data:`ALERT_STATUSES` from the two alert flags; a null flag counts as no alert."""
    sms = alert_sms.fill_null(False)
    email = alert_email.fill_null(False)
    return (
        pl.when(sms & email)
        .then(pl.lit("both"))
        .when(sms)
        .then(pl.lit("sms"))
        .when(email)
        .then(pl.lit("email"))
        .otherwise(pl.lit("none"))
        .cast(ALERT_STATUS_DTYPE)
    )


def attach_by_id(left: pl.DataFrame, right: pl.DataFrame, key: str) -> pl.DataFrame:
    """A left join of ``right`` (one row per ``key``) onto ``left``, keeping the order of ``left``.

    ``right`` must hold each key once (a ``group_by`` result); that is not checked, as the check
    would cost as much as the join. Message and case ids are small dense integers in a simulated
    log; then a scatter into an array indexed by id and a gather replace the hash join (about
    three times faster on millions of rows). Other ids (negative, sparse) are joined.
    """
    right = right.filter(pl.col(key).is_not_null())
    columns = [name for name in right.columns if name != key]
    bounds = [value for series in (left[key], right[key]) for value in (series.min(), series.max())]
    if any(not isinstance(value, int) for value in bounds):
        return left.join(right, on=key, how="left", maintain_order="left")
    smallest, largest = min(bounds), max(bounds)  # type: ignore[type-var]
    assert isinstance(smallest, int)
    assert isinstance(largest, int)
    if smallest < 0 or largest >= 4 * (left.height + right.height) + 1024:
        return left.join(right, on=key, how="left", maintain_order="left")
    positions = right[key].cast(pl.Int64)
    index = left[key].cast(pl.Int64)
    return left.with_columns(
        pl.repeat(None, largest + 1, dtype=right.schema[name], eager=True)
        .scatter(positions, right[name])
        .gather(index)
        .alias(name)
        for name in columns
    )


def with_birth_dates(frame: pl.LazyFrame, population: pl.DataFrame) -> pl.LazyFrame:
    """``frame`` with a ``birth_date`` column for its ``person`` (null for an unknown person).

    ``PEOPLE_SCHEMA`` says ``person`` equals the row index; then a gather by position replaces
    the join (several times faster over millions of rows). Other populations are joined.
    """
    size = population.height
    persons = population["person"]
    if persons.equals(pl.int_range(size, dtype=pl.Int32, eager=True).alias(persons.name)):
        known = (pl.col("person") >= 0) & (pl.col("person") < size)
        return frame.with_columns(
            pl.lit(population["birth_date"]).gather(pl.when(known).then(pl.col("person")))
        )
    return frame.join(population.lazy().select("person", "birth_date"), on="person", how="left")


def _check_columns(frame: pl.DataFrame, schema: pl.Schema, names: Iterable[str], what: str) -> None:
    if not isinstance(frame, pl.DataFrame):
        raise TypeError(f"{what}: expected a polars DataFrame, got {type(frame).__name__}")
    for name in names:
        if name not in frame.schema:
            raise ValueError(f"{what}: missing column {name!r} (expected {schema[name]})")
        if frame.schema[name] != schema[name]:
            raise ValueError(
                f"{what}: column {name!r} has type {frame.schema[name]}, expected {schema[name]}"
            )


def check_event_log(events: pl.DataFrame) -> None:
    """Raise a ValueError naming the column if ``events`` does not follow ``EVENT_LOG_SCHEMA``."""
    _check_columns(events, EVENT_LOG_SCHEMA, EVENT_LOG_SCHEMA.names(), "event log")


_POPULATION_COLUMNS: Final = (
    "person",
    "birth_date",
    "account_active",
    "alert_sms",
    "alert_email",
    "settings_mobile_owner",
    "settings_email_owner",
)


def check_population(
    population: pl.DataFrame, columns: Sequence[str] = _POPULATION_COLUMNS
) -> None:
    """Raise a ValueError naming the column if ``population`` lacks a column the metrics read."""
    _check_columns(population, PEOPLE_SCHEMA, columns, "population")
    if population["person"].null_count():
        raise ValueError("population: column 'person' has nulls")


def check_roster(roster: pl.DataFrame | None) -> pl.DataFrame | None:
    """The roster with columns cast to ``ROSTER_SCHEMA``; a ValueError names what is missing."""
    if roster is None:
        return None
    if not isinstance(roster, pl.DataFrame):
        raise TypeError(f"roster: expected a polars DataFrame, got {type(roster).__name__}")
    missing = [name for name in ROSTER_SCHEMA.names() if name not in roster.columns]
    if missing:
        raise ValueError(f"roster: missing column(s) {missing}; a roster has staff, clinic, role")
    cast = roster.select(
        pl.col(name).cast(dtype, strict=True) for name, dtype in ROSTER_SCHEMA.items()
    )
    duplicated = cast.filter(pl.col("staff").is_duplicated())["staff"].unique().sort()
    if len(duplicated):
        raise ValueError(f"roster: staff id(s) listed twice: {duplicated.to_list()[:10]}")
    return cast

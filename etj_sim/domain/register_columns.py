"""Vectorised helpers of the population register: birthdays, guardianship index, frame checks.

Pipeline position: used by ``etj_sim.domain.register`` (population frames -> register); the
simulation also calls ``thirteenth_birthday_days`` so that the 13th-birthday rule (D2, R14, and
the 29 February decision) has one implementation. Each works on whole columns at once, so loading
millions of persons needs no Python loop.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt
import polars as pl

from etj_sim.domain.errors import InvalidOperation

__all__ = ["check_columns", "pair_keys", "starts", "thirteenth_birthday_days"]


def pair_keys(
    guardians: npt.NDArray[np.int32], children: npt.NDArray[np.int32]
) -> npt.NDArray[np.int64]:
    return guardians.astype(np.int64) << 32 | children.astype(np.int64)


def starts(keys: npt.NDArray[np.int32], size: int) -> npt.NDArray[np.int32]:
    counts = np.bincount(keys, minlength=size)
    starts = np.zeros(size + 1, dtype=np.int32)
    np.cumsum(counts, out=starts[1:])
    return starts


def thirteenth_birthday_days(
    years: npt.NDArray[np.int64], months: npt.NDArray[np.int64], days: npt.NDArray[np.int64]
) -> npt.NDArray[np.int32]:
    # Month arithmetic in datetime64: day 29 of February in a common year rolls over to 1 March,
    # the decision documented in the module docstring.
    year_start = (years + 13 - 1970).astype("datetime64[Y]")
    month_start = year_start.astype("datetime64[M]") + (months - 1).astype("timedelta64[M]")
    day = month_start.astype("datetime64[D]") + (days - 1).astype("timedelta64[D]")
    result: npt.NDArray[np.int32] = day.astype(np.int64).astype(np.int32)
    return result


def check_columns(frame_name: str, frame: pl.DataFrame, required: dict[str, Any]) -> None:
    for name, dtype in required.items():
        if name not in frame.columns:
            raise InvalidOperation(f"{frame_name} frame lacks the column {name!r}")
        if frame.schema[name] != dtype:
            raise InvalidOperation(
                f"{frame_name}.{name} has type {frame.schema[name]}, expected {dtype}"
            )

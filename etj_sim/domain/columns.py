"""Column helpers: compact typed per-row state for the domain (no Python object per row).

Pipeline position: internal to ``etj_sim.domain``. Per-person and per-message state lives in
``array.array`` columns: indexing one returns a plain Python int or float (fast on the hot path),
appending is amortised O(1), and numpy reads or fills them in bulk through the buffer protocol.
A numpy view must not outlive the statement that made it: an exported buffer blocks appends.
"""

from __future__ import annotations

from array import array
from typing import Any

import numpy as np
import numpy.typing as npt

__all__ = ["as_numpy", "filled", "from_numpy"]

_DTYPES = {"b": np.int8, "h": np.int16, "i": np.int32, "q": np.int64, "d": np.float64}


def filled(typecode: str, length: int, value: float) -> array[Any]:
    """A column of ``length`` copies of ``value``."""
    return array(typecode, [value]) * length


def from_numpy(typecode: str, values: npt.ArrayLike) -> array[Any]:
    """A column holding ``values`` converted to the column's type (one copy, no Python loop)."""
    column = array(typecode)
    column.frombytes(np.ascontiguousarray(values, dtype=_DTYPES[typecode]).tobytes())
    return column


def as_numpy(column: array[Any]) -> npt.NDArray[Any]:
    """A copy of the column as a numpy array (a copy, so the column stays appendable)."""
    if len(column) == 0:
        return np.empty(0, dtype=_DTYPES[column.typecode])
    return np.frombuffer(column, dtype=_DTYPES[column.typecode]).copy()

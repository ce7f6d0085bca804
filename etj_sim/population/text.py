"""Fixed-width text columns built from integers with numpy, without a Python string per row.

Pipeline position: a helper of ``synthesize_population``: personal numbers ("YYYYMMDD-NNNC") and
mobile numbers ("07X-NNN NN NN") have a fixed width, so their characters are written into one
``uint8`` matrix and handed to polars as one fixed-width bytes array (a single copy).
"""

from __future__ import annotations

from typing import Final

import numpy as np
import numpy.typing as npt
import polars as pl

__all__ = ["digit_matrix", "fixed_width_strings"]

_ZERO: Final = ord("0")
# The four ASCII digits of each number 0000..9999: one table look-up per four digits.
_FOUR_DIGITS: Final = np.array(
    [[_ZERO + value // 1000 % 10, _ZERO + value // 100 % 10, _ZERO + value // 10 % 10,
      _ZERO + value % 10] for value in range(10_000)],
    dtype=np.uint8,
)  # fmt: skip


def digit_matrix(values: npt.NDArray[np.int64], width: int) -> npt.NDArray[np.uint8]:
    """ASCII digits of non-negative ``values``, zero-padded to ``width`` columns."""
    padded_width = -(-width // 4) * 4
    matrix = np.empty((values.size, padded_width), dtype=np.uint8)
    remaining = values.astype(np.int64, copy=True)
    for end in range(padded_width, 0, -4):
        matrix[:, end - 4 : end] = _FOUR_DIGITS[remaining % 10_000]
        remaining //= 10_000
    return matrix[:, padded_width - width :]


def fixed_width_strings(columns: list[npt.NDArray[np.uint8] | str], name: str) -> pl.Series:
    """Concatenate digit matrices and literal separators into one String series."""
    rows = next(part.shape[0] for part in columns if not isinstance(part, str))
    width = sum(len(part) if isinstance(part, str) else part.shape[1] for part in columns)
    matrix = np.empty((rows, width), dtype=np.uint8)
    start = 0
    for part in columns:
        if isinstance(part, str):
            matrix[:, start : start + len(part)] = np.frombuffer(part.encode("ascii"), np.uint8)
            start += len(part)
        else:
            matrix[:, start : start + part.shape[1]] = part
            start += part.shape[1]
    as_bytes = matrix.view(f"S{width}").ravel()
    return pl.Series(name, as_bytes, dtype=pl.Binary).cast(pl.String)

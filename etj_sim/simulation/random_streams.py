"""Named random streams: the simulation's only source of randomness.

Pipeline position: ``scenario -> population -> domain -> simulation (draws from these) -> event
log``. Each purpose of randomness (demand of a clinic, handling times, reading behaviour, ...) has
its own ``numpy.random.Generator`` seeded by ``SeedSequence([seed, stable_code(purpose), *ids])``
(design.md "Randomness"). Because the code of a purpose is a CRC-32 of its name, and never
Python's salted ``hash``, the streams are the same on every machine and in every process, they
are independent of one another and of the population's own ``SeedSequence(seed)``, and two
scenarios run with the same seed draw the same numbers for the same purpose: common random numbers,
so a comparison of scenarios shows the change, not the noise.

There is no global random state anywhere. :class:`DrawBuffer` serves single numbers to the
event-by-event parts of the model from blocks drawn in one vectorised call.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable
from typing import Final

import numpy as np

__all__ = ["BLOCK_SIZE", "DrawBuffer", "random_stream", "stable_code"]

BLOCK_SIZE: Final = 16_384
"""Numbers drawn per refill of a :class:`DrawBuffer`: large enough to amortise numpy's call cost."""


def stable_code(purpose: str) -> int:
    """A 32-bit code for ``purpose`` that is the same in every process (unlike ``hash``)."""
    return zlib.crc32(purpose.encode("utf-8"))


def random_stream(seed: int, purpose: str, *ids: int) -> np.random.Generator:
    """The generator of one named purpose (and optional ids, e.g. a clinic) within a run."""
    if seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed}")
    entropy = [seed, stable_code(purpose), *ids]
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence(entropy)))


class DrawBuffer:
    """Single draws of one distribution, served from blocks drawn by numpy in one call.

    Values are kept as a Python list so that taking one is a list index, not a numpy scalar.
    """

    __slots__ = ("_draw_block", "_index", "_values")

    def __init__(self, draw_block: Callable[[int], np.ndarray]) -> None:
        self._draw_block = draw_block
        self._values: list[float] = []
        self._index = 0

    @classmethod
    def uniform(cls, generator: np.random.Generator) -> DrawBuffer:
        """Uniform numbers on [0, 1)."""
        return cls(lambda size: generator.random(size))

    @classmethod
    def standard_normal(cls, generator: np.random.Generator) -> DrawBuffer:
        """Standard normal numbers (log-normal delays are ``exp(mu + sigma * z)``)."""
        return cls(lambda size: generator.standard_normal(size))

    @classmethod
    def standard_exponential(cls, generator: np.random.Generator) -> DrawBuffer:
        """Exponential numbers with mean 1 (divide by a rate for waiting times)."""
        return cls(lambda size: generator.standard_exponential(size))

    def next(self) -> float:
        """The next number of the stream."""
        index = self._index
        if index == len(self._values):
            self._values = self._draw_block(BLOCK_SIZE).tolist()
            index = 0
        self._index = index + 1
        return self._values[index]

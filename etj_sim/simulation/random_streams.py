"""Named random streams: the simulation's only source of randomness.

Pipeline position: ``scenario -> population -> domain -> simulation (draws from these) -> event
log``. Each purpose of randomness (demand of a clinic, handling times, reading behaviour, ...) has
its own ``numpy.random.Generator`` seeded by ``SeedSequence([seed, stable_code(purpose), *ids])``
(README, "Design"). Because the code of a purpose is a CRC-32 of its name, and never
Python's salted ``hash``, the streams are the same on every machine and in every process, they
are independent of one another and of the population's own ``SeedSequence(seed)``, and two
scenarios run with the same seed draw the same numbers for the same purpose: common random numbers,
so a comparison of scenarios shows the change, not the noise.

There is no global random state anywhere. Iterators of draws serve single numbers to the
event-by-event parts of the model from blocks drawn in one vectorised call (:func:`block_draws`).
"""

from __future__ import annotations

import zlib
from array import array
from collections.abc import Callable, Iterable, Iterator
from itertools import chain
from typing import Final, TypeVar

import numpy as np

__all__ = [
    "BLOCK_SIZE",
    "SMALL_BLOCK_SIZE",
    "block_draws",
    "random_stream",
    "row_draws",
    "stable_code",
    "standard_normal_draws",
    "uniform_draws",
]

T = TypeVar("T")

BLOCK_SIZE: Final = 16_384
"""Numbers drawn per refill of :func:`block_draws`: large enough to amortise numpy's call cost.
Streams kept per clinic use :data:`SMALL_BLOCK_SIZE`, so hundreds of clinics do not hold millions
of pre-drawn numbers."""

SMALL_BLOCK_SIZE: Final = 512


def stable_code(purpose: str) -> int:
    """A 32-bit code for ``purpose`` that is the same in every process (unlike ``hash``)."""
    return zlib.crc32(purpose.encode("utf-8"))


def random_stream(seed: int, purpose: str, *ids: int) -> np.random.Generator:
    """The generator of one named purpose (and optional ids, e.g. a clinic) within a run."""
    if seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed}")
    entropy = [seed, stable_code(purpose), *ids]
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence(entropy)))


def block_draws(
    draw_block: Callable[[int], Iterable[T]], block_size: int = BLOCK_SIZE
) -> Iterator[T]:
    """Single draws (a number, or a tuple of numbers for one decision), served from blocks
    drawn by numpy in one call: take one with ``next(draws)``.

    A block is served by a C-level iterator over the chained blocks, so taking one is a call of
    the builtin ``next`` (in pure Python and compiled alike), not a numpy scalar access or a
    Python frame. The numbers wait as C doubles (``array("d")``, 8 bytes each), not as Python
    floats and tuples made in advance (32 bytes and more each): a run keeps hundreds of streams
    (three per clinic for the staff alone) whose blocks are read slowly, and iterating the
    pre-made lists was 5% of the samples of a compiled region run's ``perf`` profile (the run's
    time did not measurably change; docs/performance.md). A row of several numbers is zipped as
    it is taken (``zip`` reuses its tuple once the caller has unpacked it). A block is drawn only
    when the previous one is used up, so
    the stream's numbers come out in the same order whatever the block size of the consumer. A
    decision that needs several numbers takes them as one tuple, so it consumes the same amount
    of its stream whichever way it goes: the next decision then gets the same numbers in any
    scenario (common random numbers stay aligned).
    """

    def blocks() -> Iterator[Iterable[T]]:
        while True:
            yield draw_block(block_size)

    return chain.from_iterable(blocks())


def _doubles(values: np.ndarray) -> array[float]:
    """A block of float64 draws as C doubles (the same numbers, bit for bit)."""
    return array("d", np.ascontiguousarray(values, dtype=np.float64).tobytes())


def uniform_draws(generator: np.random.Generator, block_size: int = BLOCK_SIZE) -> Iterator[float]:
    """Uniform numbers on [0, 1)."""
    return block_draws(lambda size: _doubles(generator.random(size)), block_size)


def standard_normal_draws(
    generator: np.random.Generator, block_size: int = BLOCK_SIZE
) -> Iterator[float]:
    """Standard normal numbers (log-normal delays are ``exp(mu + sigma * z)``)."""
    return block_draws(lambda size: _doubles(generator.standard_normal(size)), block_size)


def row_draws(
    generator: np.random.Generator, *columns: Callable[[np.random.Generator, int], np.ndarray]
) -> Iterator[tuple[float, ...]]:
    """Tuples with one number per column, each column drawn by ``column(generator, size)``."""

    def draw_block(size: int) -> Iterable[tuple[float, ...]]:
        # The columns are drawn now, in order (the stream's numbers), and zipped as taken.
        drawn = [_doubles(column(generator, size)) for column in columns]
        return zip(*drawn, strict=True)

    return block_draws(draw_block)

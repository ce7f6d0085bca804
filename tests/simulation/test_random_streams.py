"""Named random streams (README, "Design"): stable, independent, reproducible."""

from __future__ import annotations

import numpy as np
import pytest

from etj_sim.simulation.random_streams import (
    BLOCK_SIZE,
    random_stream,
    row_draws,
    stable_code,
    uniform_draws,
)


def test_stable_code_is_crc32_not_salted_hash() -> None:
    # CRC-32 of the UTF-8 name: the same in every process and on every machine.
    assert stable_code("demand") == 0x428D7973
    assert stable_code("demand") != stable_code("reading")


def test_same_seed_and_purpose_give_the_same_numbers() -> None:
    first = random_stream(7, "demand", 3).random(5)
    again = random_stream(7, "demand", 3).random(5)
    np.testing.assert_array_equal(first, again)


def test_purpose_ids_and_seed_each_change_the_stream() -> None:
    base = random_stream(7, "demand", 3).random(5)
    for other in (
        random_stream(8, "demand", 3),
        random_stream(7, "reading", 3),
        random_stream(7, "demand", 4),
    ):
        assert not np.array_equal(base, other.random(5))


def test_stream_is_not_the_population_seed_sequence() -> None:
    population_like = np.random.default_rng(np.random.SeedSequence(7)).random(5)
    assert not np.array_equal(population_like, random_stream(7, "demand").random(5))


def test_block_draws_serve_the_block_in_order_and_refill() -> None:
    draws = uniform_draws(random_stream(1, "test"))
    values = [next(draws) for _ in range(BLOCK_SIZE + 3)]
    expected = random_stream(1, "test")
    np.testing.assert_array_equal(values[:BLOCK_SIZE], expected.random(BLOCK_SIZE))
    np.testing.assert_array_equal(values[BLOCK_SIZE:], expected.random(BLOCK_SIZE)[:3])
    assert all(type(value) is float for value in values[:3])


def test_negative_seed_is_refused_with_a_clear_message() -> None:
    with pytest.raises(ValueError, match="seed must be a non-negative integer"):
        random_stream(-1, "demand")


def test_row_draws_take_one_row_of_each_column_in_order() -> None:
    """Rows come out zipped as taken: each block draws its columns in order, so row k of a block
    holds the k-th number of each column's block, the same numbers as numpy's, as floats."""
    draws = row_draws(
        random_stream(1, "rows"),
        lambda generator, size: generator.random(size),
        lambda generator, size: generator.standard_normal(size),
    )
    rows = [next(draws) for _ in range(BLOCK_SIZE + 2)]
    expected = random_stream(1, "rows")
    blocks = [(expected.random(BLOCK_SIZE), expected.standard_normal(BLOCK_SIZE)) for _ in range(2)]
    wanted = [
        (float(uniform[k]), float(normal[k]))
        for uniform, normal in blocks
        for k in range(BLOCK_SIZE)
    ]
    assert rows == wanted[: BLOCK_SIZE + 2]
    assert all(type(value) is float for row in rows[:3] for value in row)

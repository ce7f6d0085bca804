"""Name, street and contact pools: Faker builds small pools once, numpy samples them per person.

Pipeline position: ``synthesize_population`` -> (this module) -> the name, address, mobile and
e-mail columns of the people frame. Faker ``sv_SE`` makes about 20,000 names a second here, so it
never runs per person: a pool of a few thousand entries is built per Faker seed (cached, since the
pool depends on nothing else) and every string column is a polars ``gather`` from a pool or a
polars expression over integer draws.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import Final

import numpy as np
import numpy.typing as npt
import polars as pl
from faker import Faker

from etj_sim.population.text import digit_matrix, fixed_width_strings

__all__ = ["Pools", "build_pools", "email_addresses", "mobile_numbers", "pool_strings"]

# Draws, not distinct names: Faker sv_SE knows a few hundred of each, and a pool of draws keeps
# its frequencies (common names stay common).
FIRST_NAMES_PER_SEX: Final = 2_000
LAST_NAMES: Final = 2_000
STREETS: Final = 1_000
MOBILE_PREFIXES: Final = ("070", "072", "073", "076", "079")  # Swedish mobile series
EMAIL_DOMAIN: Final = "example.se"  # reserved-style domain: no real mailbox is ever named
EMAIL_NUMBER_SHARE: Final = 0.7  # assumption: addresses with a number after the name
HOUSE_NUMBERS: Final = 150  # assumption: street numbers 1-150


@dataclass(frozen=True, slots=True)
class Pools:
    """Strings to sample from. ``*_email`` hold the same names lower-cased in ASCII."""

    female_first: pl.Series
    male_first: pl.Series
    last: pl.Series
    streets: pl.Series
    postcodes: pl.Series  # one per street, "NNN NN"
    female_first_email: pl.Series
    male_first_email: pl.Series
    last_email: pl.Series


def _email_safe(name: str) -> str:
    """ "Åsa Öberg-Lind" -> "asaoberg-lind": ASCII letters, digits and hyphens only."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return "".join(char for char in ascii_name.lower() if char.isalnum() or char == "-")


@lru_cache(maxsize=4)
def build_pools(faker_seed: int) -> Pools:
    """Pools drawn by a Faker ``sv_SE`` seeded with ``faker_seed`` (same seed, same pools)."""
    faker = Faker("sv_SE")
    faker.seed_instance(faker_seed)
    female = [faker.first_name_female() for _ in range(FIRST_NAMES_PER_SEX)]
    male = [faker.first_name_male() for _ in range(FIRST_NAMES_PER_SEX)]
    last = [faker.last_name() for _ in range(LAST_NAMES)]
    streets = [faker.street_name() for _ in range(STREETS)]
    postcodes = [faker.postcode() for _ in range(STREETS)]
    return Pools(
        female_first=pl.Series(female, dtype=pl.String),
        male_first=pl.Series(male, dtype=pl.String),
        last=pl.Series(last, dtype=pl.String),
        streets=pl.Series(streets, dtype=pl.String),
        # Faker gives "89825"; the Swedish postal form is "898 25".
        postcodes=pl.Series([f"{code[:3]} {code[3:]}" for code in postcodes], dtype=pl.String),
        female_first_email=pl.Series([_email_safe(name) for name in female], dtype=pl.String),
        male_first_email=pl.Series([_email_safe(name) for name in male], dtype=pl.String),
        last_email=pl.Series([_email_safe(name) for name in last], dtype=pl.String),
    )


def pool_strings(pool: pl.Series, index: npt.NDArray[np.int64]) -> pl.Series:
    """``pool[index]`` as a new String series (one gather, no Python per row)."""
    return pool.gather(pl.Series(index, dtype=pl.Int64))


def _distinct_integers(count: int, space: int, rng: np.random.Generator) -> npt.NDArray[np.int64]:
    """``count`` distinct random integers in 0..space-1, in random order.

    Draw with replacement, then redraw the later copies of any repeated value; only the few
    redrawn values are checked again, against a sorted copy of all the values.
    """
    if count > space // 2:
        raise ValueError(f"cannot draw {count:,} distinct numbers from {space:,}")
    numbers = rng.integers(0, space, size=count)
    if count == 0:
        return numbers
    # A stable sort keeps the first drawn copy of a value first; later copies are redrawn.
    order = (
        np.argsort((numbers << 25) | np.arange(count))
        if count < 2**25
        else np.argsort(numbers, kind="stable")
    )
    sorted_numbers = numbers[order]
    repeated = sorted_numbers[1:] == sorted_numbers[:-1]
    redraw = order[1:][repeated]
    # np.unique is avoided on purpose: in numpy 2.x it is ~20x slower than this on 2M values.
    taken = sorted_numbers[np.r_[True, ~repeated]]
    while redraw.size:
        fresh = rng.integers(0, space, size=redraw.size)
        fresh_order = np.argsort(fresh, kind="stable")
        fresh_sorted = fresh[fresh_order]
        first_copy = fresh_order[np.r_[True, fresh_sorted[1:] != fresh_sorted[:-1]]]
        position = np.minimum(np.searchsorted(taken, fresh[first_copy]), taken.size - 1)
        accepted = first_copy[taken[position] != fresh[first_copy]]
        numbers[redraw[accepted]] = fresh[accepted]
        taken = np.sort(np.r_[taken, fresh[accepted]])
        keep = np.ones(redraw.size, dtype=bool)
        keep[accepted] = False
        redraw = redraw[keep]
    return numbers


def mobile_numbers(has_mobile: npt.NDArray[np.bool_], rng: np.random.Generator) -> pl.Series:
    """Distinct mobile numbers "07X-NNN NN NN" where ``has_mobile``, null elsewhere."""
    holders = int(has_mobile.sum())
    space = len(MOBILE_PREFIXES) * 10_000_000
    numbers = _distinct_integers(holders, space, rng)
    full = np.zeros(has_mobile.size, dtype=np.int64)
    full[has_mobile] = numbers
    prefix = np.frombuffer("".join(MOBILE_PREFIXES).encode("ascii"), np.uint8).reshape(-1, 3)
    subscriber = digit_matrix(full % 10_000_000, 7)
    text = fixed_width_strings(
        [
            prefix[full // 10_000_000],
            "-",
            subscriber[:, :3],
            " ",
            subscriber[:, 3:5],
            " ",
            subscriber[:, 5:],
        ],
        "mobile",
    )
    return pl.select(pl.when(pl.Series(has_mobile)).then(text)).to_series().alias("mobile")


def email_addresses(
    first_email: pl.Series,
    last_email: pl.Series,
    has_email: npt.NDArray[np.bool_],
    rng: np.random.Generator,
) -> pl.Series:
    """ "fornamn.efternamn[NN]@example.se" where ``has_email``, null elsewhere."""
    with_number = rng.random(has_email.size) < EMAIL_NUMBER_SHARE
    number = rng.integers(1, 1_000, size=has_email.size)
    frame = pl.DataFrame(
        {
            "first": first_email,
            "last": last_email,
            "number": np.where(with_number, number, -1),
            "has": has_email,
        }
    )
    suffix = (
        pl.when(pl.col("number") >= 0).then(pl.col("number").cast(pl.String)).otherwise(pl.lit(""))
    )
    address = pl.concat_str(
        pl.col("first"), pl.lit("."), pl.col("last"), suffix, pl.lit("@" + EMAIL_DOMAIN)
    )
    return frame.select(pl.when(pl.col("has")).then(address)).to_series().alias("email")

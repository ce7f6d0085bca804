"""Households and guardianships: who lives with whom, and which adults are a child's guardians.

Pipeline position: ``synthesize_population`` draws ages, then (this module) groups people into
households, then every other attribute is drawn per person or per household in the final row
order this module decides. The domain reads the resulting guardianships for proxy (R9, R10, R12).

How it works, vectorised throughout (no loop per person or per family):

1. Children (under 18) are sorted by age plus noise and cut into families of 1-4 children, so
   siblings are close in age but not all twins.
2. Each family is a two-guardian family or a single-guardian family in the configured proportions
   (``population.family_types``).
3. Each guardian slot gets a target age: the youngest child's age plus a parent's age at birth,
   clipped so every guardian is 18-55 years older than every child of the family. Slots are then
   filled from the adults of exactly that age, without reuse; slots that find none try again a few
   rounds with a target drawn nearer and then anywhere in the allowed range.
4. A two-guardian family whose second slot cannot be filled keeps one guardian. Children whose
   family gets no guardian at all (only in populations too small to hold one of a plausible age)
   are made 18 years older and live alone: every child under 18 keeps one or two guardians.
5. Adults who are not guardians live alone or in couples.

Rows are ordered by household (household ids in random order), guardians first, then children
oldest first, so a household's members are adjacent in every column.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import numpy as np
import numpy.typing as npt

from etj_sim.population.age_profile import OLDEST_AGE

__all__ = [
    "ADULT_AGE",
    "MAX_GUARDIAN_AGE_GAP_YEARS",
    "MIN_GUARDIAN_AGE_GAP_YEARS",
    "Households",
    "build_households",
]

ADULT_AGE: Final = 18
MIN_GUARDIAN_AGE_GAP_YEARS: Final = 18  # assumption: a guardian is at least 18 years older
MAX_GUARDIAN_AGE_GAP_YEARS: Final = 55  # assumption: and at most 55 years older
CHILDREN_PER_FAMILY_SHARES: Final = (0.40, 0.42, 0.13, 0.05)
"""Families with 1, 2, 3, 4 children under 18 (assumption; mean 1.83, close to SCB's ~2.2M
children under 18 in 1.2M families, docs/sources.md)."""
PARENT_AGE_AT_BIRTH_MEAN_YEARS: Final = 31.0  # assumption: a guardian's age at the youngest's birth
PARENT_AGE_AT_BIRTH_SD_YEARS: Final = 5.0  # assumption
PARTNER_AGE_GAP_SD_YEARS: Final = 3.5  # assumption: spread of the second guardian's age
SIBLING_AGE_NOISE_YEARS: Final = 3.0  # assumption: how far apart siblings' ages spread
COUPLE_SHARE: Final = (
    0.55  # assumption: adults without children in the household living as a couple
)
_MATCHING_ROUNDS: Final = 24
_NEAR_TARGET_ROUNDS: Final = 8  # first retries stay near the target age; later ones go anywhere

IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True, slots=True)
class Households:
    """The household structure, in final row order.

    ``order[row]`` is the index (into the drawn ages) of the person placed at ``row``.
    ``first_guardian``/``second_guardian`` hold the rows of a child's guardians (-1: none).
    """

    order: IntArray
    ages: npt.NDArray[np.int16]
    household: npt.NDArray[np.int32]
    first_guardian: npt.NDArray[np.int32]
    second_guardian: npt.NDArray[np.int32]
    guardian: npt.NDArray[np.int32]
    child: npt.NDArray[np.int32]
    household_count: int
    aged_up_children: int


def _group_starts(sorted_keys: IntArray) -> tuple[IntArray, IntArray]:
    """Start offsets and sizes of the runs of equal values in sorted ``sorted_keys``."""
    if sorted_keys.size == 0:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty
    starts = np.flatnonzero(np.r_[True, sorted_keys[1:] != sorted_keys[:-1]])
    sizes = np.diff(np.r_[starts, sorted_keys.size])
    return starts.astype(np.int64), sizes.astype(np.int64)


def _shuffled_order(keys: IntArray, rng: np.random.Generator) -> IntArray:
    """Order by ``keys`` (small non-negative ints), random within equal keys.

    One argsort of a packed int64 key: several times faster than ``np.lexsort``.
    """
    packed = (keys.astype(np.int64) << 32) | rng.integers(0, 2**32, size=keys.size)
    return np.argsort(packed).astype(np.int64)


def _family_sizes(child_count: int, rng: np.random.Generator) -> IntArray:
    shares = np.asarray(CHILDREN_PER_FAMILY_SHARES)
    mean_size = float(np.dot(np.arange(1, shares.size + 1), shares))
    draws = int(child_count / mean_size * 1.2) + 16
    sizes = rng.choice(np.arange(1, shares.size + 1), size=draws, p=shares / shares.sum())
    while sizes.sum() < child_count:  # rare: only when the first draw fell short
        sizes = np.r_[sizes, rng.choice(np.arange(1, shares.size + 1), size=draws, p=shares)]
    ends = np.cumsum(sizes)
    family_count = int(np.searchsorted(ends, child_count)) + 1
    sizes = sizes[:family_count].astype(np.int64)
    sizes[-1] -= int(ends[family_count - 1]) - child_count
    return sizes if child_count else np.zeros(0, dtype=np.int64)


def _fill_guardian_slots(
    targets: IntArray,
    lowest: IntArray,
    highest: IntArray,
    ages: npt.NDArray[np.int16],
    rng: np.random.Generator,
) -> IntArray:
    """Adult (index into ``ages``) for each slot, -1 where none fits; no adult is used twice."""
    adults = np.flatnonzero(ages >= ADULT_AGE)
    adult_ages = ages[adults].astype(np.int64)
    adults = adults[_shuffled_order(adult_ages, rng)]
    supply = np.bincount(adult_ages, minlength=OLDEST_AGE + 2)
    first_of_age = np.cumsum(supply) - supply
    used = np.zeros_like(supply)
    assigned = np.full(targets.size, -1, dtype=np.int64)
    pending = np.arange(targets.size)
    target = targets.copy()
    for round_number in range(_MATCHING_ROUNDS):
        if pending.size == 0:
            break
        by_target = _shuffled_order(target, rng)
        pending, target = pending[by_target], target[by_target]
        starts, sizes = _group_starts(target)
        rank = np.arange(pending.size) - np.repeat(starts, sizes)
        fits = rank < supply[target] - used[target]
        position = first_of_age[target[fits]] + used[target[fits]] + rank[fits]
        assigned[pending[fits]] = adults[position]
        used += np.bincount(target[fits], minlength=used.size)
        pending, target = pending[~fits], target[~fits]
        low, high = lowest[pending], np.minimum(highest[pending], OLDEST_AGE)
        if round_number < _NEAR_TARGET_ROUNDS:
            spread = rng.normal(0.0, 1.0 + round_number, size=pending.size)
            target = np.clip(np.rint(target + spread).astype(np.int64), low, high)
        else:
            target = low + (rng.random(pending.size) * (high - low + 1)).astype(np.int64)
    return assigned


def build_households(
    ages: npt.NDArray[np.int16], two_guardian_share: float, rng: np.random.Generator
) -> Households:
    """Group people of the given ages into households with guardianships (see module doc)."""
    ages = ages.copy()
    size = ages.size
    children = np.flatnonzero(ages < ADULT_AGE)
    noisy_age = ages[children] + rng.normal(0.0, SIBLING_AGE_NOISE_YEARS, size=children.size)
    children = children[np.argsort(noisy_age)]
    family_sizes = _family_sizes(children.size, rng)
    family_count = family_sizes.size
    family_starts = np.cumsum(family_sizes) - family_sizes
    child_ages = ages[children].astype(np.int64)
    if family_count:
        youngest = np.minimum.reduceat(child_ages, family_starts)
        oldest = np.maximum.reduceat(child_ages, family_starts)
    else:
        youngest = oldest = np.zeros(0, dtype=np.int64)
    lowest = oldest + MIN_GUARDIAN_AGE_GAP_YEARS
    highest = youngest + MAX_GUARDIAN_AGE_GAP_YEARS
    at_birth = rng.normal(
        PARENT_AGE_AT_BIRTH_MEAN_YEARS, PARENT_AGE_AT_BIRTH_SD_YEARS, family_count
    )
    first_target = np.clip(np.rint(youngest + at_birth).astype(np.int64), lowest, highest)
    partner_gap = rng.normal(0.0, PARTNER_AGE_GAP_SD_YEARS, family_count)
    second_target = np.clip(np.rint(first_target + partner_gap).astype(np.int64), lowest, highest)
    has_second = rng.random(family_count) < two_guardian_share
    second_families = np.flatnonzero(has_second)
    slots = _fill_guardian_slots(
        np.r_[first_target, second_target[second_families]],
        np.r_[lowest, lowest[second_families]],
        np.r_[highest, highest[second_families]],
        ages,
        rng,
    )
    first = slots[:family_count]
    second = np.full(family_count, -1, dtype=np.int64)
    second[second_families] = slots[family_count:]
    # A family whose first slot stayed empty but whose second did not keeps that one guardian.
    swap = (first < 0) & (second >= 0)
    first[swap], second[swap] = second[swap], -1

    family_of_child = np.repeat(np.arange(family_count), family_sizes)
    orphaned = first[family_of_child] < 0
    aged_up = children[orphaned]
    ages[aged_up] += ADULT_AGE  # see module doc, point 4
    kept = ~orphaned
    children, family_of_child = children[kept], family_of_child[kept]

    # Household ids before shuffling: families first (by family), then couples and singles.
    household = np.full(size, -1, dtype=np.int64)
    rank_in_household = np.zeros(size, dtype=np.int64)
    families_with_guardian = first >= 0
    family_household = np.cumsum(families_with_guardian) - 1
    household[first[families_with_guardian]] = family_household[families_with_guardian]
    with_second = second >= 0
    household[second[with_second]] = family_household[with_second]
    rank_in_household[second[with_second]] = 1
    household[children] = family_household[family_of_child]
    rank_in_household[children] = 2 + (ADULT_AGE - ages[children])
    next_household = int(families_with_guardian.sum())

    others = np.flatnonzero(household < 0)
    noisy_age = ages[others] + rng.normal(0.0, SIBLING_AGE_NOISE_YEARS, size=others.size)
    others = others[np.argsort(noisy_age)]
    pair = np.arange(others.size) // 2
    pair_count = (others.size + 1) // 2
    is_couple = rng.random(pair_count) < COUPLE_SHARE
    is_couple[-1:] &= others.size % 2 == 0  # an odd one out lives alone
    # A couple shares one household id; two singles in a "pair" each get their own.
    ids_per_pair = np.where(is_couple, 1, 2)
    pair_first_id = next_household + np.cumsum(ids_per_pair) - ids_per_pair
    position_in_pair = np.arange(others.size) % 2
    household[others] = pair_first_id[pair] + np.where(is_couple[pair], 0, position_in_pair)
    rank_in_household[others] = position_in_pair
    household_count = next_household + int(ids_per_pair.sum())

    shuffled = rng.permutation(household_count)[household]
    # rank_in_household < 2 + ADULT_AGE, so 5 bits hold it below the household id.
    order = np.argsort((shuffled << 5) | rank_in_household)
    row_of = np.empty(size, dtype=np.int64)
    row_of[order] = np.arange(size)

    first_guardian = np.full(size, -1, dtype=np.int32)
    second_guardian = np.full(size, -1, dtype=np.int32)
    child_rows = row_of[children]
    child_first = first[family_of_child]
    child_second = second[family_of_child]
    first_guardian[child_rows] = row_of[child_first]
    has_two = child_second >= 0
    second_guardian[child_rows[has_two]] = row_of[child_second[has_two]]
    pair_guardian = np.r_[row_of[child_first], row_of[child_second[has_two]]]
    pair_child = np.r_[child_rows, child_rows[has_two]]
    by_pair = np.argsort((pair_child.astype(np.int64) << 32) | pair_guardian)
    return Households(
        order=order.astype(np.int64),
        ages=ages[order],
        household=shuffled[order].astype(np.int32),
        first_guardian=first_guardian,
        second_guardian=second_guardian,
        guardian=pair_guardian[by_pair].astype(np.int32),
        child=pair_child[by_pair].astype(np.int32),
        household_count=household_count,
        aged_up_children=int(aged_up.size),
    )

"""Age profiles: the published age distribution a synthetic population is drawn from.

Pipeline position: ``Scenario.population.profile -> (these tables) -> synthesize_population``.
Ages are drawn here; birth dates, personal numbers and households are built on them later.

Sources (quoted in ``docs/sources.md``, "Age profile"):

- Population by age on 2016-12-31, percent, Sweden ("Riket") and Stockholm county ("län"),
  SCB/Sweco, http://statistik.stockholm.se/images/stories/excel/b229-filer/sheet001.htm
- The split of 80+ into 80-84 ... 100+: SCB forecast tables "Sveriges framtida befolkning
  2012-2060", thousands, 2016.
"""

from __future__ import annotations

from typing import Final

import numpy as np
import numpy.typing as npt

__all__ = ["AGE_PROFILES", "OLDEST_AGE", "OLDEST_AGES_THOUSANDS", "age_shares", "draw_ages"]

AGE_PROFILES: Final[dict[str, tuple[float, ...]]] = {
    # Percent of the population in the 5-year bands 0-4, 5-9, ..., 75-79, then 80+.
    # SCB/Sweco, population by age 2016-12-31 (b229 sheet001).
    "sweden": (
        6.0, 6.0, 5.6, 5.3, 6.4, 7.1, 6.4, 6.2, 6.5, 6.6, 6.7, 5.8, 5.6, 5.7, 5.4, 3.6, 5.1,
    ),
    "stockholm_county": (
        6.5, 6.4, 5.8, 5.1, 6.0, 7.8, 7.6, 7.3, 7.3, 6.9, 6.8, 5.6, 4.9, 4.7, 4.5, 2.8, 3.8,
    ),
}  # fmt: skip

OLDEST_AGES_THOUSANDS: Final[tuple[float, ...]] = (246.9, 162.4, 76.0, 19.8, 2.2)
"""People aged 80-84, 85-89, 90-94, 95-99 and 100+ in Sweden, thousands (SCB forecast 2016).
The same split is applied to Stockholm county's 80+ share."""

OLDEST_AGE: Final = 104  # assumption: the 100+ band is spread evenly over 100-104 years


def _age_weights(profile: str) -> npt.NDArray[np.float64]:
    """Probability of each whole age 0..OLDEST_AGE, uniform within each published band."""
    try:
        band_percent = AGE_PROFILES[profile]
    except KeyError:
        raise ValueError(
            f"population.profile: unknown age profile {profile!r}; "
            f"the profiles are {sorted(AGE_PROFILES)}"
        ) from None
    weights = np.zeros(OLDEST_AGE + 1)
    for band, percent in enumerate(band_percent[:-1]):
        weights[band * 5 : band * 5 + 5] = percent / 5
    oldest = np.asarray(OLDEST_AGES_THOUSANDS) / sum(OLDEST_AGES_THOUSANDS) * band_percent[-1]
    for band, percent in enumerate(oldest[:-1]):
        weights[80 + band * 5 : 85 + band * 5] = percent / 5
    weights[100:] = oldest[-1] / (OLDEST_AGE - 99)
    normalised: npt.NDArray[np.float64] = weights / weights.sum()
    return normalised


def age_shares(profile: str) -> npt.NDArray[np.float64]:
    """The share of each whole age 0..OLDEST_AGE in ``profile`` (for tests and metrics)."""
    return _age_weights(profile)


def draw_ages(profile: str, size: int, rng: np.random.Generator) -> npt.NDArray[np.int16]:
    """Whole ages in years of ``size`` people drawn from the age profile ``profile``."""
    weights = _age_weights(profile)
    # One multinomial draw of the count of each age, then a shuffle: cheaper than an inverse-CDF
    # search per person, and the same distribution.
    counts = rng.multinomial(size, weights)
    ages = np.repeat(np.arange(OLDEST_AGE + 1, dtype=np.int16), counts)
    rng.shuffle(ages)
    return ages

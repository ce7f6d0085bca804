"""Sweden's 21 regions (län): county code, name and population, the table behind national runs.

Pipeline position: data for an experiment design. :mod:`etj_sim.experiments.designs` expands the
``national_regions`` design into one scenario per region from this table, and
:mod:`etj_sim.experiments.national` combines the regions' results into national figures.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

__all__ = ["REGIONS", "STOCKHOLM_CODE", "SWEDEN_POPULATION_2024", "Region", "select_regions"]


@dataclass(frozen=True)
class Region:
    """A Swedish region (län): county code, name, population on 31 December 2024."""

    code: str
    name: str
    population: int


SWEDEN_POPULATION_2024: Final = 10_587_710
"""Folkmängd i riket 31 december 2024 (SCB, "Folkmängd i riket, län och kommuner 31 december
2024 och befolkningsförändringar 2024")."""

REGIONS: Final[tuple[Region, ...]] = (
    # Source: SCB, Folkmängd i riket, län och kommuner 31 december 2024. Only Stockholm's figure
    # was checked against that table here; the others are rounded to the thousand from memory of
    # SCB's figures of 2023-2024 and marked as such: replace them with the table's values.
    Region("01", "Stockholm", 2_473_307),  # SCB 2024-12-31
    Region("03", "Uppsala", 405_000),  # assumption: approximate
    Region("04", "Södermanland", 301_000),  # assumption: approximate
    Region("05", "Östergötland", 472_000),  # assumption: approximate
    Region("06", "Jönköping", 369_000),  # assumption: approximate
    Region("07", "Kronoberg", 204_000),  # assumption: approximate
    Region("08", "Kalmar", 246_000),  # assumption: approximate
    Region("09", "Gotland", 61_000),  # assumption: approximate
    Region("10", "Blekinge", 156_000),  # assumption: approximate
    Region("12", "Skåne", 1_422_000),  # assumption: approximate
    Region("13", "Halland", 342_000),  # assumption: approximate
    Region("14", "Västra Götaland", 1_762_000),  # assumption: approximate
    Region("17", "Värmland", 283_000),  # assumption: approximate
    Region("18", "Örebro", 306_000),  # assumption: approximate
    Region("19", "Västmanland", 280_000),  # assumption: approximate
    Region("20", "Dalarna", 287_000),  # assumption: approximate
    Region("21", "Gävleborg", 287_000),  # assumption: approximate
    Region("22", "Västernorrland", 243_000),  # assumption: approximate
    Region("23", "Jämtland", 132_000),  # assumption: approximate
    Region("24", "Västerbotten", 276_000),  # assumption: approximate
    Region("25", "Norrbotten", 248_000),  # assumption: approximate
)
"""Sweden's 21 regions in county-code order."""

STOCKHOLM_CODE: Final = "01"


def select_regions(regions: Sequence[str] | None) -> list[Region]:
    """The regions named (county codes or names, any case), in the order given; all if None."""
    if regions is None:
        return list(REGIONS)
    chosen = []
    names = {region.name.casefold(): region for region in REGIONS}
    codes = {region.code: region for region in REGIONS}
    for wanted in regions:
        region = codes.get(wanted) or names.get(wanted.casefold())
        if region is None:
            raise ValueError(
                f"unknown region {wanted!r}; give a county code or name: "
                + ", ".join(f"{r.code} {r.name}" for r in REGIONS)
            )
        chosen.append(region)
    return chosen

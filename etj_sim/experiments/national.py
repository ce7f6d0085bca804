"""All of Sweden as an experiment: one shard per region, combined into national figures.

Pipeline position: an experiment design. ``base scenario -> 21 regional scenarios (shards) x
replications -> run_experiment (a Dask cluster for the full population) -> combine_regions ->
national figures per replication -> statistics``.

A national population (10.6 million) does not fit one process's time or memory budget, and
1177 is organised by region anyway: each region's e-services, clinics and staff serve its own
residents. So each region is simulated as its own scenario, with the region's population
(``population.size``), its age profile (Stockholm's own, else Sweden's) and clinics scaled with
its population; the runs are independent and go to as many workers as there are. Every region
is a *shard*: within one replication the regions get different seeds (see
:func:`etj_sim.experiments.experiment.replication_seed`), so their noise adds up independently,
while a region keeps its seed across alternatives (common random numbers for a national
comparison).

Simplification: people who live in one region and use another's clinics are not modelled.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

import polars as pl

from etj_sim.experiments.designs import ScenarioEntry, ScenariosDesign
from etj_sim.experiments.experiment import Experiment
from etj_sim.metrics import SUMMARY_COLUMNS
from etj_sim.scenario import Scenario

__all__ = [
    "COMBINATION_RULES",
    "REGIONS",
    "SWEDEN_POPULATION_2024",
    "Region",
    "combine_regions",
    "national_design",
    "national_experiment",
    "region_entries",
]


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


def _select(regions: Sequence[str] | None) -> list[Region]:
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


def region_entries(
    base: Scenario, scale: float = 1.0, regions: Sequence[str] | None = None
) -> list[ScenarioEntry]:
    """One design point per region: its population (times ``scale``), age profile and clinics.

    Clinics keep the base scenario's residents per clinic (``base.clinics.count`` over
    ``base.population.size``), at least one per region.
    """
    if not 0.0 < scale <= 1.0:
        raise ValueError(f"scale must be in (0, 1], got {scale}")
    residents_per_clinic = base.population.size / base.clinics.count
    entries = []
    for region in _select(regions):
        size = max(1, round(region.population * scale))
        profile = "stockholm_county" if region.code == STOCKHOLM_CODE else "sweden"
        entries.append(
            ScenarioEntry(
                label=region.name,
                shard=region.code,
                overrides={
                    "name": f"{base.name}-{region.code}",
                    "population.size": size,
                    "population.profile": profile,
                    "population.municipality": region.name,
                    "clinics.count": max(1, round(size / residents_per_clinic)),
                },
            )
        )
    return entries


def national_design(
    base: Scenario, scale: float = 1.0, regions: Sequence[str] | None = None
) -> ScenariosDesign:
    """The design of kind ``scenarios`` over the regions (what ``national_regions`` expands to)."""
    return ScenariosDesign(scenarios=list(region_entries(base, scale, regions)))


def national_experiment(
    base: Scenario,
    *,
    scale: float = 1.0,
    replications: int = 1,
    master_seed: int = 0,
    regions: Sequence[str] | None = None,
    name: str = "national",
) -> Experiment:
    """An experiment with one run per region and replication (``scale`` < 1 for a dry run)."""
    return Experiment(
        name=name,
        description=f"Sweden by region at scale {scale:g} of the 2024 population",
        base=base,
        design=national_design(base, scale, regions),
        replications=replications,
        master_seed=master_seed,
    )


COMBINATION_RULES: Final[dict[str, str]] = {
    name: column.combine.weight or column.combine.rule for name, column in SUMMARY_COLUMNS.items()
}
"""How each headline column combines over regions: ``sum``, or the weight of a weighted mean.

Read from :data:`etj_sim.metrics.SUMMARY_COLUMNS`, where each column declares it (and whether
it is exact: regional medians and percentiles have no exact national combination, their
weighted mean is an approximation; exact national figures need the event logs, ``save_events``).
"""


def _weight(rule: str) -> pl.Expr:
    if rule == "active_accounts":
        return pl.col("population") * pl.col("active_account_share")
    return pl.col(rule)


def combine_regions(runs: pl.DataFrame, regions: int | None = None) -> pl.DataFrame:
    """National figures per replication from the regional rows of a national experiment.

    ``runs`` is ``ExperimentResult.runs`` (one row per region and replication). Columns of
    :data:`COMBINATION_RULES` present in ``runs`` are combined by their rule; other outcome
    columns are left out. A replication with fewer than ``regions`` rows (default: the number of
    design points in ``runs``) is incomplete, because a region's run failed, and is dropped with a
    warning rather than reported as a smaller Sweden. The answer has ``design_point`` 0 and
    ``design_label`` "Sweden", so :func:`etj_sim.experiments.summarise` applies to it directly.
    """
    for required in ("design_point", "replication", "population"):
        if required not in runs.columns:
            raise ValueError(f"combine_regions needs a '{required}' column in the run table")
    expected = regions if regions is not None else runs.get_column("design_point").n_unique()
    counts = runs.group_by("replication").agg(pl.len().alias("regions"))
    incomplete = counts.filter(pl.col("regions") < expected).get_column("replication").to_list()
    if incomplete:
        warnings.warn(
            f"replication(s) {sorted(incomplete)} lack some of the {expected} regions "
            "(failed runs) and are left out of the national figures",
            UserWarning,
            stacklevel=2,
        )
    complete = runs.filter(~pl.col("replication").is_in(incomplete))
    aggregations: list[pl.Expr] = [pl.len().alias("regions")]
    for column, rule in COMBINATION_RULES.items():
        if column not in runs.columns:
            continue
        if rule == "sum":
            aggregations.append(pl.col(column).sum().alias(column))
        else:
            if rule == "active_accounts" and "active_account_share" not in runs.columns:
                raise ValueError(f"combining {column} needs the 'active_account_share' column")
            if rule not in ("population", "active_accounts") and rule not in runs.columns:
                raise ValueError(f"combining {column} needs the '{rule}' column as its weight")
            weight = _weight(rule)
            aggregations.append(
                (
                    (pl.col(column) * weight).sum()
                    / weight.filter(pl.col(column).is_not_null()).sum()
                ).alias(column)
            )
    national = (
        complete.group_by("replication")
        .agg(aggregations)
        .sort("replication")
        .with_columns(
            pl.lit(0, dtype=pl.Int64).alias("design_point"),
            pl.lit("Sweden").alias("design_label"),
        )
    )
    combined = [column for column in runs.columns if column in COMBINATION_RULES]
    return national.select("design_point", "design_label", "replication", "regions", *combined)

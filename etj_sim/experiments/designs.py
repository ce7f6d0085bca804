"""Experiment designs: which scenarios an experiment runs, built from a base and overrides.

Pipeline position: inside the experiment. ``base scenario + overrides + design -> design
points (one Scenario each)``; :mod:`etj_sim.experiments.experiment` pairs each point with the
seeds of the replications. The designs:

- ``grid``: the full factorial over dotted scenario keys, each with a list of values;
- ``latin_hypercube``: ``points`` points over dotted keys with ``[low, high]`` ranges (one
  stratum per point and key, strata paired at random; whole-number ranges give whole numbers),
  drawn from the master seed;
- ``scenarios``: an explicit list of scenario files and/or override tables;
- ``national_regions``: one scenario per Swedish region (:func:`region_entries`, from the
  table in :mod:`etj_sim.experiments.regions`);
- ``morris`` and ``sobol``: global sensitivity samples of SALib over ``[low, high]`` ranges of
  continuous dotted keys (Morris trajectories; Saltelli's scheme for Sobol indices), drawn from
  the master seed; :mod:`etj_sim.experiments.sensitivity` computes the indices from the runs.

Every point is derived with ``Scenario.with_overrides``, so a bad key or value is reported with
the scenario module's own messages ("did you mean"), re-addressed to where it sits in the
experiment file.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Final, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, field_validator

from etj_sim.experiments.regions import STOCKHOLM_CODE, select_regions
from etj_sim.scenario import Scenario, ScenarioError, ScenarioProblem

__all__ = [
    "DESIGN_STREAM",
    "Design",
    "DesignPoint",
    "GridDesign",
    "LatinHypercubeDesign",
    "MorrisDesign",
    "NationalRegionsDesign",
    "ScenarioEntry",
    "ScenariosDesign",
    "SobolDesign",
    "StrictModel",
    "build_design_points",
    "flatten_keys",
    "national_design",
    "region_entries",
    "sensitivity_problem",
    "sensitivity_samples",
]

DESIGN_STREAM: Final = 1
"""First element of the spawn key of the Latin hypercube's draws: never a replication's seed."""


class StrictModel(BaseModel):
    """Frozen and strict about unknown keys, like the scenario sections."""

    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)


def flatten_keys(table: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """Nested tables to dotted keys: ``{"alerts": {"opt_in_share": x}}`` -> ``alerts.opt_in_share``.

    In TOML, ``alerts.opt_in_share = 0.6`` (unquoted) is a nested table; flattening makes it mean
    the same as the quoted ``"alerts.opt_in_share" = 0.6``, and makes a table value set only the
    entries it names (the scenario's other entries stay), never reset a whole section to defaults.
    Lists are values, not tables.
    """
    flat: dict[str, Any] = {}
    for key, value in table.items():
        dotted = f"{prefix}.{key}" if prefix else str(key)
        if isinstance(value, Mapping) and value:
            flat.update(flatten_keys(value, dotted))
        else:
            flat[dotted] = value
    return flat


class GridDesign(StrictModel):
    """The full factorial: every combination of the listed values (one point with no factors)."""

    kind: Literal["grid"] = "grid"
    factors: dict[str, list[Any]] = {}

    @field_validator("factors", mode="before")
    @classmethod
    def _flatten(cls, value: object) -> object:
        return flatten_keys(value) if isinstance(value, Mapping) else value

    @field_validator("factors")
    @classmethod
    def _non_empty(cls, value: dict[str, list[Any]]) -> dict[str, list[Any]]:
        empty = [key for key, values in value.items() if not values]
        if empty:
            raise ValueError(f"factor(s) {empty} have no values; give at least one each")
        return value


Number = int | float


class LatinHypercubeDesign(StrictModel):
    """``points`` points spread over ``[low, high]`` ranges of dotted keys, one stratum each."""

    kind: Literal["latin_hypercube"] = "latin_hypercube"
    points: Annotated[int, Field(gt=0, le=100_000)]
    ranges: dict[str, list[Number]]

    @field_validator("ranges", mode="before")
    @classmethod
    def _flatten(cls, value: object) -> object:
        return flatten_keys(value) if isinstance(value, Mapping) else value

    @field_validator("ranges")
    @classmethod
    def _check_ranges(cls, value: dict[str, list[Number]]) -> dict[str, list[Number]]:
        if not value:
            raise ValueError('give at least one range: "dotted.key" = [low, high]')
        for key, bounds in value.items():
            if len(bounds) != 2:
                raise ValueError(f"{key}: give a range as [low, high], got {bounds}")
            low, high = bounds
            if any(isinstance(bound, bool) for bound in bounds) or not low < high:
                raise ValueError(f"{key}: low must be below high, got [{low}, {high}]")
        return value


def _check_float_ranges(value: dict[str, list[float]]) -> dict[str, list[float]]:
    if not value:
        raise ValueError('give at least one range: "dotted.key" = [low, high]')
    for key, bounds in value.items():
        if len(bounds) != 2:
            raise ValueError(f"{key}: give a range as [low, high], got {bounds}")
        low, high = bounds
        if not low < high:
            raise ValueError(f"{key}: low must be below high, got [{low}, {high}]")
    return value


class MorrisDesign(StrictModel):
    """Morris screening: ``trajectories`` one-at-a-time paths on a ``levels`` grid (SALib).

    ``trajectories * (parameters + 1)`` design points. Ranges are of continuous keys, written as
    floats (``[0.5, 0.9]``); a whole-number key cannot take the grid's fractional values.
    """

    kind: Literal["morris"] = "morris"
    trajectories: Annotated[int, Field(ge=2, le=10_000)]
    levels: Annotated[int, Field(ge=2, le=100)] = 4
    ranges: dict[str, list[float]]

    @field_validator("ranges", mode="before")
    @classmethod
    def _flatten(cls, value: object) -> object:
        return flatten_keys(value) if isinstance(value, Mapping) else value

    @field_validator("ranges")
    @classmethod
    def _check_ranges(cls, value: dict[str, list[float]]) -> dict[str, list[float]]:
        return _check_float_ranges(value)

    @field_validator("levels")
    @classmethod
    def _even_levels(cls, value: int) -> int:
        if value % 2:
            raise ValueError(f"Morris needs an even number of levels (4, 6, ...), got {value}")
        return value


class SobolDesign(StrictModel):
    """Sobol indices: Saltelli's sample of base size ``samples`` (SALib; a power of 2).

    ``samples * (parameters + 2)`` design points (``samples * (2 * parameters + 2)`` with
    ``second_order``). Ranges of continuous keys, as floats.
    """

    kind: Literal["sobol"] = "sobol"
    samples: Annotated[int, Field(ge=2, le=1 << 20)]
    second_order: bool = False
    ranges: dict[str, list[float]]

    @field_validator("ranges", mode="before")
    @classmethod
    def _flatten(cls, value: object) -> object:
        return flatten_keys(value) if isinstance(value, Mapping) else value

    @field_validator("ranges")
    @classmethod
    def _check_ranges(cls, value: dict[str, list[float]]) -> dict[str, list[float]]:
        return _check_float_ranges(value)

    @field_validator("samples")
    @classmethod
    def _power_of_two(cls, value: int) -> int:
        if value & (value - 1):
            raise ValueError(
                f"samples must be a power of 2 (Sobol sequences lose balance otherwise), "
                f"got {value}"
            )
        return value


def sensitivity_problem(design: MorrisDesign | SobolDesign) -> dict[str, Any]:
    """The SALib problem of a sensitivity design: names and bounds in the file's order."""
    return {
        "num_vars": len(design.ranges),
        "names": list(design.ranges),
        "bounds": [[float(low), float(high)] for low, high in design.ranges.values()],
    }


def sensitivity_samples(design: MorrisDesign | SobolDesign, master_seed: int) -> np.ndarray:
    """SALib's sample matrix (one row a design point, one column a key), from the master seed."""
    # SALib is imported only where a sensitivity design is built (it loads matplotlib and pandas).
    from SALib.sample import morris, sobol

    problem = sensitivity_problem(design)
    seed = int(np.random.SeedSequence(master_seed, spawn_key=(DESIGN_STREAM,)).generate_state(1)[0])
    if isinstance(design, MorrisDesign):
        matrix = morris.sample(problem, design.trajectories, num_levels=design.levels, seed=seed)
    else:
        matrix = sobol.sample(
            problem, design.samples, calc_second_order=design.second_order, seed=seed
        )
    return np.asarray(matrix, dtype=np.float64)


class ScenarioEntry(StrictModel):
    """One explicit design point: a scenario file and/or overrides (on the experiment's base).

    ``shard`` marks the point as one part of a population split across runs (a region): such a
    point gets its own random stream per replication (see the module docstring).
    """

    label: str | None = None
    path: str | None = None
    overrides: dict[str, Any] = {}
    shard: str | None = None

    @field_validator("overrides", mode="before")
    @classmethod
    def _flatten(cls, value: object) -> object:
        return flatten_keys(value) if isinstance(value, Mapping) else value


class ScenariosDesign(StrictModel):
    """An explicit list of design points: file paths (relative to the experiment file) or tables."""

    kind: Literal["scenarios"] = "scenarios"
    scenarios: Annotated[list[str | ScenarioEntry], Field(min_length=1)]


class NationalRegionsDesign(StrictModel):
    """One design point per Swedish region, each a shard (:mod:`etj_sim.experiments.national`)."""

    kind: Literal["national_regions"] = "national_regions"
    scale: Annotated[float, Field(gt=0.0, le=1.0)] = 1.0
    """Fraction of each region's population to simulate (1.0: all of Sweden)."""
    regions: list[str] | None = None
    """Region names or two-digit county codes to include; all 21 when left out."""


Design = Annotated[
    GridDesign
    | LatinHypercubeDesign
    | ScenariosDesign
    | NationalRegionsDesign
    | MorrisDesign
    | SobolDesign,
    Field(discriminator="kind"),
]


# -- the national design: one shard per region --------------------------------------------


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
    for region in select_regions(regions):
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


@dataclass(frozen=True)
class DesignPoint:
    """One scenario of the design, with the values that tell it apart (its table columns)."""

    index: int
    label: str
    values: Mapping[str, Any]
    scenario: Scenario
    shard: str | None = None


def _format_value(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    if isinstance(value, str):
        return value
    return json.dumps(value, default=str)


def _label_of(values: Mapping[str, Any]) -> str:
    return ", ".join(f"{key}={_format_value(value)}" for key, value in values.items())


def build_design_points(
    base: Scenario,
    overrides: Mapping[str, Any],
    design: Design,
    master_seed: int,
) -> list[DesignPoint]:
    """Build and validate every design point; all problems are raised together.

    Raises :class:`~etj_sim.scenario.ScenarioError` whose problems sit at the dotted paths of
    an experiment file (``overrides.KEY``, ``design.factors.KEY``, ``design.scenarios[i]...``).
    """
    problems: list[ScenarioProblem] = []
    configured = _derive(base, overrides, "overrides", problems)
    if configured is None:
        raise ScenarioError("<experiment>", problems)
    if isinstance(design, GridDesign):
        points = _grid_points(configured, design, problems)
    elif isinstance(design, LatinHypercubeDesign):
        points = _latin_hypercube_points(configured, design, master_seed, problems)
    elif isinstance(design, MorrisDesign | SobolDesign):
        points = _sensitivity_points(configured, design, master_seed, problems)
    else:
        if isinstance(design, NationalRegionsDesign):
            design = national_design(configured, design.scale, design.regions)
        points = _scenario_points(configured, overrides, design, problems)
    if problems:
        raise ScenarioError("<experiment>", problems)
    return points


def _derive(
    scenario: Scenario,
    overrides: Mapping[str, Any],
    where: str,
    problems: list[ScenarioProblem],
) -> Scenario | None:
    """``scenario.with_overrides``, its problems re-addressed under ``where`` (a dotted prefix)."""
    if not overrides:
        return scenario
    try:
        return scenario.with_overrides(overrides)
    except ScenarioError as error:
        problems.extend(
            ScenarioProblem(f"{where}.{problem.path}" if problem.path else where, problem.message)
            for problem in error.problems
        )
        return None


def _grid_points(
    base: Scenario, design: GridDesign, problems: list[ScenarioProblem]
) -> list[DesignPoint]:
    # Each value alone first, so a bad key or value is reported once, at its place in the file.
    bad = False
    for key, listed in design.factors.items():
        for value in listed:
            if _derive(base, {key: value}, "design.factors", problems) is None:
                bad = True
    if bad:
        return []
    keys = list(design.factors)
    points = []
    for index, combination in enumerate(itertools.product(*design.factors.values())):
        values = dict(zip(keys, combination, strict=True))
        where = f"design.factors (combination {_label_of(values)})"
        scenario = _derive(base, values, where, problems)
        if scenario is not None:
            label = _label_of(values) if values else base.name
            points.append(DesignPoint(index, label, values, scenario))
    return points


def _latin_hypercube_points(
    base: Scenario, design: LatinHypercubeDesign, master_seed: int, problems: list[ScenarioProblem]
) -> list[DesignPoint]:
    bad = False
    for key, (low, high) in design.ranges.items():
        for bound in (low, high):
            if _derive(base, {key: bound}, "design.ranges", problems) is None:
                bad = True
    if bad:
        return []
    generator = np.random.default_rng(
        np.random.SeedSequence(master_seed, spawn_key=(DESIGN_STREAM,))
    )
    columns: dict[str, list[Any]] = {}
    for key, (low, high) in design.ranges.items():
        # One uniform draw in each of `points` equal strata, the strata shuffled per key.
        strata = generator.permutation(design.points)
        unit = (strata + generator.random(design.points)) / design.points
        if isinstance(low, int) and isinstance(high, int):
            # Whole numbers: split [low, high + 1) and round down: each integer equally likely.
            whole = np.minimum(np.floor(low + unit * (high - low + 1)), high)
            columns[key] = [int(value) for value in whole]
        else:
            columns[key] = [float(value) for value in low + unit * (high - low)]
    points = []
    for index in range(design.points):
        values = {key: column[index] for key, column in columns.items()}
        scenario = _derive(base, values, f"design.ranges (point {index})", problems)
        if scenario is not None:
            points.append(DesignPoint(index, _label_of(values), values, scenario))
    return points


def _sensitivity_points(
    base: Scenario,
    design: MorrisDesign | SobolDesign,
    master_seed: int,
    problems: list[ScenarioProblem],
) -> list[DesignPoint]:
    bad = False
    for key, (low, high) in design.ranges.items():
        for bound in (low, high):
            if _derive(base, {key: float(bound)}, "design.ranges", problems) is None:
                bad = True
    if bad:
        return []
    keys = list(design.ranges)
    points = []
    for index, row in enumerate(sensitivity_samples(design, master_seed)):
        values = {key: float(value) for key, value in zip(keys, row, strict=True)}
        scenario = _derive(base, values, f"design.ranges (point {index})", problems)
        if scenario is not None:
            points.append(DesignPoint(index, _label_of(values), values, scenario))
    return points


def _scenario_points(
    base: Scenario,
    experiment_overrides: Mapping[str, Any],
    design: ScenariosDesign,
    problems: list[ScenarioProblem],
) -> list[DesignPoint]:
    points = []
    for index, item in enumerate(design.scenarios):
        entry = ScenarioEntry(path=item) if isinstance(item, str) else item
        where = f"design.scenarios[{index}]"
        start: Scenario | None = base
        if entry.path is not None:
            try:
                loaded = Scenario.load(entry.path)
            except ScenarioError as error:
                problems.append(ScenarioProblem(f"{where}.path", str(error)))
                continue
            # The experiment's overrides apply to every design point, files included.
            start = _derive(loaded, experiment_overrides, "overrides", problems)
        if start is None:
            continue
        scenario = _derive(start, entry.overrides, f"{where}.overrides", problems)
        if scenario is None:
            continue
        label = entry.label or (
            Path(entry.path).stem if entry.path else _label_of(entry.overrides) or scenario.name
        )
        points.append(DesignPoint(index, label, {}, scenario, entry.shard))
    return points

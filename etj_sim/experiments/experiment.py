"""Experiment: the frozen, validated description of many (scenario, seed) runs.

Pipeline position: before the runs. ``experiment file -> Experiment -> design points (Scenario)
x replications (seed) -> runs``, which :func:`etj_sim.experiments.run_experiment` executes on a
backend. An experiment is a base scenario, overrides applied to it, a design
(:mod:`etj_sim.experiments.designs`: grid, Latin hypercube, explicit scenarios, national regions)
and a number of replications with a master seed. It loads from TOML with the scenario module's
quality of errors: the file name, the dotted path, a "did you mean" for unknown keys.

Seeds (README, "Design"): replication r runs with the same seed in every design point,
derived from the master seed and r only (common random numbers: two design points differ by
their change, not by noise). The one exception is a design point that is a *shard* of one
population (a region of the national design): shards get a seed derived from the master seed, r
and the shard's name, so that the regions of one national replication add independent noise.

A run's id is derived from its scenario's content hash and its seed: the same run has the same
id in any experiment, which is what makes results on disk resumable.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Final

import numpy as np
from pydantic import (
    BaseModel,
    Field,
    PrivateAttr,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from etj_sim.experiments.designs import (
    Design,
    DesignPoint,
    GridDesign,
    LatinHypercubeDesign,
    NationalRegionsDesign,
    ScenarioEntry,
    ScenariosDesign,
    StrictModel,
    build_design_points,
    flatten_keys,
)
from etj_sim.scenario import (
    Scenario,
    ScenarioError,
    ScenarioProblem,
    _dotted,
    _unknown_key_message,
)
from etj_sim.scenario.files import parse_toml_table, read_scenario_text

__all__ = ["Experiment", "Run", "replication_seed", "run_id_of"]

_REPLICATION_STREAM: Final = 0
"""First element of the SeedSequence spawn key of replication seeds."""


@dataclass(frozen=True)
class Run:
    """One simulation to run: a design point's scenario with one replication's seed."""

    run_id: str
    design_point: int
    replication: int
    seed: int
    scenario: Scenario = field(repr=False)


def replication_seed(master_seed: int, replication: int, shard: str | None = None) -> int:
    """The seed of ``replication``: from the master seed and r only (and the shard, if any).

    ``SeedSequence(master_seed, spawn_key=(0, r))`` is child r of the master sequence's stream 0,
    so seeds of different replications are independent streams, not neighbouring integers. The
    result is below 2**63, so it fits a signed 64-bit column.
    """
    key: tuple[int, ...] = (_REPLICATION_STREAM, replication)
    if shard is not None:
        key += (int(hashlib.sha256(shard.encode("utf-8")).hexdigest()[:12], 16),)
    words = np.random.SeedSequence(master_seed, spawn_key=key).generate_state(2, np.uint32)
    return ((int(words[0]) << 32) | int(words[1])) >> 1


def run_id_of(scenario: Scenario, seed: int) -> str:
    """A run's stable id: 16 hex digits of SHA-256 over the scenario's content hash and the seed."""
    return hashlib.sha256(f"{scenario.content_hash}/{seed}".encode()).hexdigest()[:16]


class Experiment(StrictModel):
    """Many runs: a base scenario, overrides, a design, replications and a master seed.

    ``base`` is a :class:`~etj_sim.scenario.Scenario` or the path of a scenario file (relative to
    the experiment file when loaded with :meth:`load`, else to the working folder). Every design
    point is built and validated when the experiment is made, so a typo in a dotted key is an
    error here, with a "did you mean" hint, not a failure in the middle of a batch.
    """

    name: Annotated[str, Field(min_length=1)] = "experiment"
    description: str = ""
    base: Scenario
    overrides: dict[str, Any] = Field(default_factory=dict)
    design: Design = GridDesign()
    replications: Annotated[int, Field(gt=0, le=100_000)] = 1
    master_seed: Annotated[int, Field(ge=0)] = 0

    _points: tuple[DesignPoint, ...] = PrivateAttr(default=())

    @field_validator("base", mode="before")
    @classmethod
    def _load_base(cls, value: object, info: ValidationInfo) -> object:
        if isinstance(value, str | Path):
            return Scenario.load(_resolve(value, info))
        return value

    @field_validator("overrides", mode="before")
    @classmethod
    def _flatten(cls, value: object) -> object:
        return flatten_keys(value) if isinstance(value, Mapping) else value

    @field_validator("design", mode="before")
    @classmethod
    def _resolve_paths(cls, value: object, info: ValidationInfo) -> object:
        if isinstance(value, Mapping) and "kind" not in value:
            # A [design] table without a kind is a grid (its factors, or none: the base alone).
            value = {"kind": "grid", **value}
        # Scenario files named in the design are relative to the experiment file.
        if isinstance(value, Mapping) and isinstance(value.get("scenarios"), list):
            entries: list[object] = []
            for entry in value["scenarios"]:
                if isinstance(entry, str):
                    entries.append(str(_resolve(entry, info)))
                elif isinstance(entry, Mapping) and isinstance(entry.get("path"), str):
                    entries.append({**entry, "path": str(_resolve(entry["path"], info))})
                else:
                    entries.append(entry)
            return {**value, "scenarios": entries}
        return value

    @model_validator(mode="after")
    def _build_points(self) -> Experiment:
        self._points = tuple(
            build_design_points(self.base, self.overrides, self.design, self.master_seed)
        )
        return self

    # -- reading -------------------------------------------------------------------------------

    @classmethod
    def load(cls, path: str | Path) -> Experiment:
        """Read and validate an experiment file (TOML).

        Raises :class:`~etj_sim.scenario.ScenarioError` naming the file, with every problem at
        its dotted path (unknown keys with a "did you mean" hint); a problem in the base scenario
        file is that file's error.
        """
        source = str(path)
        data = parse_toml_table(read_scenario_text(path), source=source)
        return cls.from_mapping(data, source=source, directory=Path(path).parent)

    @classmethod
    def from_mapping(
        cls, data: Mapping[str, Any], *, source: str = "<experiment>", directory: Path | None = None
    ) -> Experiment:
        """Validate an experiment given as a table; paths are relative to ``directory``."""
        try:
            return cls.model_validate(
                dict(data), strict=True, context={"directory": directory or Path.cwd()}
            )
        except ValidationError as error:
            nested = _nested_file_error(error)
            if nested is not None:
                # The base file's own problems, each under "base" so both files are named.
                problems = [ScenarioProblem("base", line) for line in str(nested).splitlines()]
                raise ScenarioError(source, problems) from None
            raise ScenarioError(source, _problems_of(error)) from None

    # -- the runs ------------------------------------------------------------------------------

    def design_points(self) -> tuple[DesignPoint, ...]:
        """The scenarios of the design, in design order (index 0 first)."""
        return self._points

    def design_columns(self) -> list[str]:
        """The dotted keys the design varies (table columns), in order of first appearance."""
        columns: dict[str, None] = {}
        for point in self._points:
            columns.update(dict.fromkeys(point.values))
        return list(columns)

    def seed_of(self, replication: int, point: DesignPoint) -> int:
        """The seed of ``replication`` at ``point`` (see :func:`replication_seed`)."""
        return replication_seed(self.master_seed, replication, point.shard)

    def runs(self) -> tuple[Run, ...]:
        """Every run, replication-major: all design points of replication 0 first.

        That order is the order of execution, so a batch stopped half-way has every design
        point at about the same number of replications.
        """
        runs = []
        for replication in range(self.replications):
            for point in self._points:
                seed = self.seed_of(replication, point)
                runs.append(
                    Run(
                        run_id_of(point.scenario, seed),
                        point.index,
                        replication,
                        seed,
                        point.scenario,
                    )
                )
        return tuple(runs)

    @property
    def identity_hash(self) -> str:
        """SHA-256 of what fixes every run's scenario and seed: design points and master seed.

        The number of replications is left out on purpose: raising it extends the same
        experiment (earlier replications keep their seeds), so a results folder can grow.
        """
        identity = {
            "master_seed": self.master_seed,
            "points": [[point.scenario.content_hash, point.shard] for point in self._points],
        }
        return hashlib.sha256(json.dumps(identity, sort_keys=True).encode()).hexdigest()


def _resolve(value: str | Path, info: ValidationInfo) -> Path:
    path = Path(value)
    directory = (info.context or {}).get("directory") if info.context is not None else None
    if not path.is_absolute() and isinstance(directory, Path):
        return directory / path
    return path


# -- validation problems ------------------------------------------------------------------------

_DESIGN_MODELS: Final[dict[str, type[BaseModel]]] = {
    "grid": GridDesign,
    "latin_hypercube": LatinHypercubeDesign,
    "scenarios": ScenariosDesign,
    "national_regions": NationalRegionsDesign,
}


def _clean_loc(loc: Sequence[int | str]) -> list[int | str]:
    """Drop pydantic's union branch names (``design.grid.factors`` -> ``design.factors``)."""
    cleaned: list[int | str] = []
    for index, part in enumerate(loc):
        if index > 0 and loc[index - 1] == "design" and part in _DESIGN_MODELS:
            continue
        if part in ("str", "ScenarioEntry", "int", "float"):
            continue
        cleaned.append(part)
    return cleaned


def _model_at(loc: Sequence[int | str], design_kind: str | None) -> type[BaseModel] | None:
    if not loc:
        return Experiment
    if loc[0] == "design" and design_kind in _DESIGN_MODELS:
        if len(loc) == 1:
            return _DESIGN_MODELS[design_kind]
        if design_kind == "scenarios" and len(loc) == 3 and loc[1] == "scenarios":
            return ScenarioEntry
    return None


def _problems_of(error: ValidationError) -> list[ScenarioProblem]:
    problems: list[ScenarioProblem] = []
    details = error.errors()
    # A table in the scenarios list fails both union branches; the "not a string" one is noise.
    tables = {detail["loc"][:4] for detail in details if "ScenarioEntry" in detail["loc"]}
    for detail in details:
        raw_loc = detail["loc"]
        if raw_loc[-1:] == ("str",) and raw_loc[:4] in tables:
            continue
        design_kind = next((str(part) for part in raw_loc[1:2] if raw_loc[0] == "design"), None)
        loc = _clean_loc(raw_loc)
        cause = detail.get("ctx", {}).get("error")
        if isinstance(cause, ScenarioError):
            # Problems of the design points, already at their dotted paths.
            problems.extend(cause.problems)
            continue
        kind = detail["type"]
        if kind == "extra_forbidden":
            model = _model_at(loc[:-1], design_kind)
            allowed = list(model.model_fields) if model is not None else []
            message = _experiment_unknown_key(_dotted(loc[:-1]), str(loc[-1]), allowed)
            problems.append(ScenarioProblem(_dotted(loc), message))
            continue
        if kind == "union_tag_invalid":
            message = f"unknown design kind; the kinds are {', '.join(_DESIGN_MODELS)}"
        elif kind == "missing":
            message = "required key is missing"
        else:
            message = str(detail["msg"]).removeprefix("Value error, ")
            given = detail.get("input")
            if not isinstance(given, dict | list):
                message += f" (got {given!r})"
        problems.append(ScenarioProblem(_dotted(loc), message))
    return problems


def _experiment_unknown_key(parent: str, key: str, allowed: Sequence[str]) -> str:
    """The scenario module's "did you mean", or a pointer for scenario keys in the wrong place."""
    message = _unknown_key_message(parent, key, allowed)
    if "did you mean" in message and "belongs in" not in message:
        return message
    return (
        f"unknown key; the keys here are {', '.join(allowed)} "
        "(scenario values go under [overrides] or the design as dotted keys)"
    )


def _nested_file_error(error: ValidationError) -> ScenarioError | None:
    """The base scenario file's own error, if that is what failed (it names that file)."""
    for detail in error.errors():
        cause = detail.get("ctx", {}).get("error")
        if isinstance(cause, ScenarioError) and tuple(detail["loc"]) == ("base",):
            return cause
    return None

"""The benefit table of appointment notices: a scenario against a reference, in Inera's spirit.

Pipeline position: ``two scenarios -> Experiment (explicit design: reference, scenario; common
random numbers) -> run_experiment -> per-replication savings -> t intervals (this module) ->
notebook / report``. Inera's benefit calculation for digital notices (docs/sources.md, "Appointment
notices") counts the staff time no longer spent printing and posting, fewer calls to rebook or
cancel, fewer missed visits and lower postage and material. The table gives, per replication r,
``reference_r - scenario_r`` (both runs with the same seed, so the noise they share cancels):

- ``letters_saved``: ``paper_letters``;
- ``kronor_saved``: ``notice_cost_sek`` (letters and digital notices, the scenario's prices);
- ``staff_hours_saved``: ``staff_minutes_notices`` / 60 (printing, posting, rebooking calls);
- ``missed_visits_avoided``: missed visits (``no_show_share`` times the visits recorded);

each with its mean and a Student t interval over the paired replications. A negative saving is
a cost (e.g. the letters a fallback adds).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import polars as pl

from etj_sim.experiments.designs import ScenarioEntry, ScenariosDesign
from etj_sim.experiments.experiment import Experiment
from etj_sim.experiments.runner import Backend, RunOutput, run_experiment
from etj_sim.experiments.statistics import confidence_interval
from etj_sim.i18n import Language, Text, check_language
from etj_sim.scenario import Scenario

__all__ = ["BENEFITS", "benefit_of_runs", "benefit_run", "benefit_table"]


@dataclass(frozen=True, slots=True)
class _Benefit:
    label: Text
    unit: str
    column: str
    per: float = 1.0


BENEFITS: Final[dict[str, _Benefit]] = {
    "letters_saved": _Benefit(Text("Letters saved", "Sparade brev"), "letters", "paper_letters"),
    "kronor_saved": _Benefit(
        Text(
            "Kronor saved (postage, print, digital notices)",
            "Sparade kronor (porto, tryck, digitala kallelser)",
        ),
        "SEK",
        "notice_cost_sek",
    ),
    "staff_hours_saved": _Benefit(
        Text("Staff hours saved (letters, calls)", "Sparade personaltimmar (brev, samtal)"),
        "hours",
        "staff_minutes_notices",
        per=60.0,
    ),
    "missed_visits_avoided": _Benefit(
        Text("Missed visits avoided", "Undvikna uteblivna besök"), "visits", "visits_missed"
    ),
}
"""The rows of the benefit table: label (en/sv), unit, and the run column it is saved from."""

_BENEFIT_SCHEMA: Final = {
    "benefit": pl.String,
    "label": pl.String,
    "unit": pl.String,
    "reference_mean": pl.Float64,
    "scenario_mean": pl.Float64,
    "mean": pl.Float64,
    "ci_low": pl.Float64,
    "ci_high": pl.Float64,
    "replications": pl.Int64,
}


@dataclass(frozen=True, eq=False)
class _BenefitRun:
    """A run's summary with the visit counts the benefit needs beside the headline."""

    events: pl.DataFrame
    headline: pl.DataFrame

    def summary(self) -> pl.DataFrame:
        return self.headline


def benefit_run(scenario: Scenario, seed: int) -> RunOutput:
    """The run function of :func:`benefit_table`: the headline plus ``visits_missed``."""
    from etj_sim.metrics import MetricContext
    from etj_sim.metrics.notices import notice_outcomes
    from etj_sim.simulation import simulate

    result = simulate(scenario, seed, progress=False)
    outcomes = notice_outcomes(result.events, MetricContext.from_scenario(scenario))
    headline = result.summary().with_columns(
        pl.lit(outcomes["visits_missed"][0], dtype=pl.Int64).alias("visits_missed")
    )
    return _BenefitRun(result.events, headline)


def _overrides_between(reference: Scenario, scenario: Scenario) -> dict[str, Any]:
    """Dotted overrides that turn ``reference`` into ``scenario`` (whole tables replaced)."""
    base = reference.model_dump(mode="json")
    target = scenario.model_dump(mode="json")
    overrides: dict[str, Any] = {}
    for key, value in target.items():
        if isinstance(value, Mapping) and isinstance(base.get(key), Mapping):
            for field, field_value in value.items():
                if base[key].get(field) != field_value:
                    overrides[f"{key}.{field}"] = field_value
        elif base.get(key) != value:
            overrides[key] = value
    return overrides


def benefit_table(
    scenario: Scenario,
    reference: Scenario,
    *,
    replications: int = 5,
    master_seed: int = 0,
    level: float = 0.95,
    backend: Backend = "local",
    workers: int | None = 1,
    out: str | Path | None = None,
    lang: Language = "en",
    progress: bool = False,
) -> pl.DataFrame:
    """Savings of ``scenario`` against ``reference`` over paired replications (see the module).

    Columns: ``benefit``, ``label`` (in ``lang``: ``en`` or ``sv``), ``unit``,
    ``reference_mean`` and ``scenario_mean`` (of the run column behind the benefit), ``mean``,
    ``ci_low``, ``ci_high`` (the saving and its t interval at ``level``), ``replications``.
    """
    if not isinstance(scenario, Scenario) or not isinstance(reference, Scenario):
        raise TypeError("benefit_table: scenario and reference must be etj_sim.Scenario objects")
    lang = check_language(lang)
    experiment = Experiment(
        name=f"benefit-{scenario.name}-vs-{reference.name}",
        base=reference,
        design=ScenariosDesign(
            scenarios=[
                ScenarioEntry(label=reference.name),
                ScenarioEntry(
                    label=scenario.name, overrides=_overrides_between(reference, scenario)
                ),
            ]
        ),
        replications=replications,
        master_seed=master_seed,
    )
    result = run_experiment(
        experiment, backend=backend, workers=workers, out=out, progress=progress, run=benefit_run
    )
    return benefit_of_runs(result.runs, level=level, lang=lang)


def benefit_of_runs(
    runs: pl.DataFrame, *, level: float = 0.95, lang: Language = "en"
) -> pl.DataFrame:
    """The benefit table from a run table of two design points (0 reference, 1 scenario)."""
    missing = [b.column for b in BENEFITS.values() if b.column not in runs.columns]
    if missing:
        raise ValueError(f"the run table lacks the column(s) {', '.join(missing)}")
    points = sorted(runs["design_point"].unique().to_list())
    if points != [0, 1]:
        raise ValueError(f"a benefit table needs design points 0 and 1, got {points}")
    columns = [b.column for b in BENEFITS.values()]
    reference = runs.filter(pl.col("design_point") == 0).select("replication", *columns)
    paired = (
        runs.filter(pl.col("design_point") == 1)
        .select("replication", *columns)
        .join(reference, on="replication", how="inner", suffix="__reference")
        .sort("replication")
    )
    rows: list[dict[str, object]] = []
    for name, benefit in BENEFITS.items():
        ours = paired[benefit.column].cast(pl.Float64) / benefit.per
        theirs = paired[f"{benefit.column}__reference"].cast(pl.Float64) / benefit.per
        interval = confidence_interval((theirs - ours).to_numpy(), level)
        rows.append(
            {
                "benefit": name,
                "label": benefit.label.of(lang),
                "unit": benefit.unit,
                "reference_mean": theirs.mean(),
                "scenario_mean": ours.mean(),
                "mean": interval.mean,
                "ci_low": interval.low,
                "ci_high": interval.high,
                "replications": interval.n,
            }
        )
    return pl.DataFrame(rows, schema=_BENEFIT_SCHEMA)

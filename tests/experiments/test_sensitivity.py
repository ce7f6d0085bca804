"""Global sensitivity: Morris and Sobol designs through the experiment machinery, on functions
whose indices are known.

Pipeline position: tests of ``design.kind = "morris" / "sobol"`` (etj_sim.experiments.designs)
and of etj_sim.experiments.sensitivity. The run functions read three scenario shares in [0, 1]
(the design's dotted keys) and compute a known function of them instead of simulating, so the
samples, the run table and the analysis are the ones a real sensitivity experiment uses.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import polars as pl
import pytest

from etj_sim.experiments import Experiment, run_experiment
from etj_sim.experiments.sensitivity import morris_indices, sensitivity_indices, sobol_indices
from etj_sim.scenario import Scenario, ScenarioError

KEYS = ("alerts.opt_in_share", "behaviour.never_read_share", "behaviour.alert_login_share")


@dataclass(frozen=True)
class KnownOutput:
    value: float

    @property
    def events(self) -> pl.DataFrame:
        return pl.DataFrame()

    def summary(self) -> pl.DataFrame:
        return pl.DataFrame({"output": [self.value]})


def _inputs(scenario: Scenario) -> tuple[float, float, float]:
    return (
        scenario.alerts.opt_in_share,
        scenario.behaviour.never_read_share,
        scenario.behaviour.alert_login_share,
    )


def ishigami_run(scenario: Scenario, seed: int) -> KnownOutput:
    """Ishigami and Homma (1990), a = 7, b = 0.1, inputs mapped from [0, 1] to [-pi, pi]."""
    x1, x2, x3 = (-math.pi + 2.0 * math.pi * value for value in _inputs(scenario))
    return KnownOutput(math.sin(x1) + 7.0 * math.sin(x2) ** 2 + 0.1 * x3**4 * math.sin(x1))


def screening_run(scenario: Scenario, seed: int) -> KnownOutput:
    """10 a + 2 b + 4 a b: a matters most, c not at all; only a and b interact."""
    a, b, _ = _inputs(scenario)
    return KnownOutput(10.0 * a + 2.0 * b + 4.0 * a * b)


# Analytical indices of the Ishigami function (Saltelli et al. 2008, "Global sensitivity
# analysis: the primer", section 4.6).
ISHIGAMI_FIRST = (0.3139, 0.4424, 0.0)
ISHIGAMI_TOTAL = (0.5576, 0.4424, 0.2437)


def test_sobol_design_recovers_the_ishigami_indices() -> None:
    experiment = Experiment(
        base=Scenario(),
        design={"kind": "sobol", "samples": 512, "ranges": {key: [0.0, 1.0] for key in KEYS}},
    )
    assert len(experiment.design_points()) == 512 * (len(KEYS) + 2)
    result = run_experiment(experiment, workers=1, progress=False, run=ishigami_run)
    indices = sobol_indices(result, "output")
    for index, expected in (("S1", ISHIGAMI_FIRST), ("ST", ISHIGAMI_TOTAL)):
        rows = indices.filter(pl.col("index") == index)
        assert rows["parameter"].to_list() == list(KEYS)
        for value, conf, known in zip(rows["value"], rows["conf"], expected, strict=True):
            assert abs(value - known) <= max(conf, 0.05)
            assert conf < 0.2  # the bootstrap interval is informative
    assert indices.equals(sensitivity_indices(result, "output"))


def test_morris_design_ranks_parameters_of_a_known_function() -> None:
    experiment = Experiment(
        base=Scenario(),
        design={"kind": "morris", "trajectories": 20, "ranges": {key: [0.0, 1.0] for key in KEYS}},
        replications=2,
    )
    assert len(experiment.design_points()) == 20 * (len(KEYS) + 1)
    result = run_experiment(experiment, workers=1, progress=False, run=screening_run)
    indices = morris_indices(result, "output")
    assert indices["parameter"].to_list() == list(KEYS)  # sorted by mu*: a, b, c
    by_name = {row["parameter"]: row for row in indices.iter_rows(named=True)}
    # Elementary effects: da = 10 + 4 b in [10, 14], db = 2 + 4 a in [2, 6], dc = 0.
    assert 10.0 <= by_name[KEYS[0]]["mu_star"] <= 14.0
    assert 2.0 <= by_name[KEYS[1]]["mu_star"] <= 6.0
    assert by_name[KEYS[2]]["mu_star"] == pytest.approx(0.0, abs=1e-9)
    assert by_name[KEYS[2]]["sigma"] == pytest.approx(0.0, abs=1e-9)
    assert by_name[KEYS[0]]["sigma"] > 0.1  # the a-b interaction spreads a's effects


def test_sensitivity_designs_load_from_toml_and_report_bad_input(tmp_path: Path) -> None:
    path = tmp_path / "screening.toml"
    path.write_text(
        'base = "baseline.toml"\n[design]\nkind = "morris"\ntrajectories = 4\n'
        '[design.ranges]\n"behaviour.never_read_share" = [0.05, 0.2]\n',
        encoding="utf-8",
    )
    (tmp_path / "baseline.toml").write_text("", encoding="utf-8")
    experiment = Experiment.load(path)
    assert len(experiment.design_points()) == 8
    values = [point.values["behaviour.never_read_share"] for point in experiment.design_points()]
    assert all(0.05 <= value <= 0.2 for value in values)
    bad = {
        "design": {
            "kind": "sobol",
            "samples": 100,
            "ranges": {"behaviour.never_read_share": [0.2, 0.1]},
        }
    }
    with pytest.raises(ScenarioError) as raised:
        Experiment.from_mapping({"base": "baseline.toml", **bad}, directory=tmp_path)
    text = str(raised.value)
    assert "power of 2" in text
    assert "low must be below high" in text
    with pytest.raises(ScenarioError, match="even number of levels"):
        Experiment.from_mapping(
            {
                "base": "baseline.toml",
                "design": {
                    "kind": "morris",
                    "trajectories": 4,
                    "levels": 5,
                    "ranges": {"behaviour.never_read_share": [0.1, 0.2]},
                },
            },
            directory=tmp_path,
        )
    with pytest.raises(ScenarioError, match="never_read_shar"):
        Experiment.from_mapping(
            {
                "base": "baseline.toml",
                "design": {
                    "kind": "morris",
                    "trajectories": 4,
                    "ranges": {"behaviour.never_read_shar": [0.1, 0.2]},
                },
            },
            directory=tmp_path,
        )


def test_analysis_refuses_an_incomplete_sample() -> None:
    experiment = Experiment(
        base=Scenario(),
        design={"kind": "morris", "trajectories": 2, "ranges": {KEYS[0]: [0.0, 1.0]}},
    )
    result = run_experiment(experiment, workers=1, progress=False, run=screening_run)
    partial = type(result)(experiment, result.runs.head(2), result.failures)
    with pytest.raises(ValueError, match="incomplete"):
        morris_indices(partial, "output")
    with pytest.raises(ValueError, match="not 'sobol'"):
        sobol_indices(result, "output")

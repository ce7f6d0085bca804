"""Experiments and their designs: grid, Latin hypercube, scenarios; seeds, run ids, file errors."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from etj_sim.experiments import (
    Experiment,
    GridDesign,
    LatinHypercubeDesign,
    ScenarioEntry,
    ScenariosDesign,
    replication_seed,
    run_id_of,
)
from etj_sim.scenario import Scenario, ScenarioError

from .conftest import SCENARIOS


def test_grid_is_the_full_factorial_in_order(baseline: Scenario) -> None:
    experiment = Experiment(
        base=baseline,
        design=GridDesign(factors={"alerts.opt_in_share": [0.4, 0.6], "clinics.count": [3, 4, 5]}),
    )
    points = experiment.design_points()
    assert [dict(point.values) for point in points] == [
        {"alerts.opt_in_share": share, "clinics.count": count}
        for share in (0.4, 0.6)
        for count in (3, 4, 5)
    ]
    assert [point.scenario.clinics.count for point in points] == [3, 4, 5, 3, 4, 5]
    assert points[4].scenario.alerts.opt_in_share == 0.6
    assert experiment.design_columns() == ["alerts.opt_in_share", "clinics.count"]


def test_overrides_apply_to_every_design_point(baseline: Scenario) -> None:
    experiment = Experiment(
        base=baseline,
        overrides={"population": {"size": 2_000}},
        design=GridDesign(factors={"alerts.opt_in_share": [0.4, 0.6]}),
    )
    sizes = {point.scenario.population.size for point in experiment.design_points()}
    assert sizes == {2_000}
    # A nested table sets only the keys it names: the rest of [population] keeps its values.
    assert experiment.design_points()[0].scenario.population.profile == baseline.population.profile


def test_grid_without_factors_is_the_base_alone(baseline: Scenario) -> None:
    experiment = Experiment(base=baseline, replications=4)
    (point,) = experiment.design_points()
    assert point.scenario == baseline
    assert len(experiment.runs()) == 4


def test_latin_hypercube_puts_one_point_in_each_stratum(baseline: Scenario) -> None:
    points = 8
    experiment = Experiment(
        base=baseline,
        design=LatinHypercubeDesign(
            points=points,
            ranges={"alerts.opt_in_share": [0.2, 0.6], "clinics.count": [2, 9]},
        ),
        master_seed=3,
    )
    shares = [point.values["alerts.opt_in_share"] for point in experiment.design_points()]
    strata = sorted(int((share - 0.2) / 0.4 * points) for share in shares)
    assert strata == list(range(points))
    counts = [point.values["clinics.count"] for point in experiment.design_points()]
    # Whole-number ranges stay whole numbers; 8 strata over the 8 integers 2..9 hit each once.
    assert all(type(count) is int for count in counts)
    assert sorted(counts) == list(range(2, 10))


def test_latin_hypercube_is_drawn_from_the_master_seed(baseline: Scenario) -> None:
    def values(master_seed: int) -> list[float]:
        experiment = Experiment(
            base=baseline,
            design=LatinHypercubeDesign(points=5, ranges={"alerts.opt_in_share": [0.2, 0.6]}),
            master_seed=master_seed,
        )
        return [point.values["alerts.opt_in_share"] for point in experiment.design_points()]

    assert values(1) == values(1)
    assert values(1) != values(2)


def test_replication_seeds_are_common_to_all_design_points(baseline: Scenario) -> None:
    experiment = Experiment(
        base=baseline,
        design=GridDesign(factors={"alerts.opt_in_share": [0.3, 0.5, 0.7]}),
        replications=3,
        master_seed=11,
    )
    seeds: dict[int, set[int]] = {}
    for run in experiment.runs():
        seeds.setdefault(run.replication, set()).add(run.seed)
    assert all(len(found) == 1 for found in seeds.values())
    assert len({next(iter(found)) for found in seeds.values()}) == 3
    # Derived from the master seed and r only: another design has the same seeds.
    other = Experiment(base=baseline, replications=3, master_seed=11)
    assert [run.seed for run in other.runs()] == [
        next(iter(seeds[replication])) for replication in range(3)
    ]
    assert all(0 <= seed < 2**63 for found in seeds.values() for seed in found)


def test_shards_get_their_own_seeds() -> None:
    assert replication_seed(5, 0, "01") != replication_seed(5, 0, "03")
    assert replication_seed(5, 0, "01") != replication_seed(5, 0)
    assert replication_seed(5, 1, "01") == replication_seed(5, 1, "01")


def test_run_ids_come_from_the_scenario_hash_and_seed(baseline: Scenario) -> None:
    experiment = Experiment(base=baseline, replications=2, master_seed=4)
    first, second = experiment.runs()
    assert first.run_id == run_id_of(baseline, first.seed)
    assert first.run_id != second.run_id
    # The same scenario and seed have the same id in any experiment.
    renamed = Experiment(name="another", base=baseline, replications=1, master_seed=4)
    assert renamed.runs()[0].run_id == first.run_id
    changed = baseline.with_overrides({"alerts.opt_in_share": 0.31})
    assert run_id_of(changed, first.seed) != first.run_id


def test_identity_hash_ignores_replications_but_not_the_design(baseline: Scenario) -> None:
    def experiment(replications: int = 2, master_seed: int = 0, share: float = 0.5) -> Experiment:
        return Experiment(
            base=baseline,
            design=GridDesign(factors={"alerts.opt_in_share": [share]}),
            replications=replications,
            master_seed=master_seed,
        )

    assert experiment(2).identity_hash == experiment(5).identity_hash
    assert experiment(master_seed=1).identity_hash != experiment().identity_hash
    assert experiment(share=0.6).identity_hash != experiment().identity_hash


def test_scenarios_design_loads_files_and_tables(baseline: Scenario) -> None:
    design = ScenariosDesign(
        scenarios=[
            str(SCENARIOS / "staff-shortage.toml"),
            ScenarioEntry(label="more clinics", overrides={"clinics.count": 8}),
        ]
    )
    experiment = Experiment(base=baseline, overrides={"duration_days": 30}, design=design)
    first, second = experiment.design_points()
    assert first.label == "staff-shortage"
    assert first.scenario.name == Scenario.load(SCENARIOS / "staff-shortage.toml").name
    assert first.scenario.duration_days == 30
    assert (second.label, second.scenario.clinics.count) == ("more clinics", 8)


def test_shipped_experiment_files_load() -> None:
    sweep = Experiment.load(SCENARIOS / "experiments" / "alert-opt-in-sweep.toml")
    assert len(sweep.design_points()) == 6
    assert {point.scenario.population.size for point in sweep.design_points()} == {50_000}
    national = Experiment.load(SCENARIOS / "experiments" / "national.toml")
    assert len(national.design_points()) == 21


def _load_error(folder: Path, text: str) -> str:
    path = folder / "experiment.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ScenarioError) as caught:
        Experiment.load(path)
    return str(caught.value)


def test_unknown_experiment_key_names_file_and_suggests(experiment_folder: Path) -> None:
    message = _load_error(experiment_folder, 'base = "baseline.toml"\nreplicatons = 3\n')
    assert "experiment.toml: replicatons: unknown key; did you mean 'replications'?" in message


def test_unknown_design_key_names_its_dotted_path(experiment_folder: Path) -> None:
    message = _load_error(
        experiment_folder, 'base = "baseline.toml"\n[design]\nkind = "grid"\nfactorz = {}\n'
    )
    assert "experiment.toml: design.factorz: unknown key; did you mean 'factors'?" in message


def test_unknown_scenario_key_in_factors_suggests_the_dotted_key(experiment_folder: Path) -> None:
    message = _load_error(
        experiment_folder,
        'base = "baseline.toml"\n[design.factors]\n"alerts.opt_in_shar" = [0.1, 0.2]\n',
    )
    assert (
        "experiment.toml: design.factors.alerts.opt_in_shar: unknown key; "
        "did you mean 'alerts.opt_in_share'?"
    ) in message


def test_bad_override_and_bad_factor_value_are_both_reported(experiment_folder: Path) -> None:
    message = _load_error(
        experiment_folder,
        'base = "baseline.toml"\n[overrides]\n"clinics.cont" = 3\n',
    )
    assert "overrides.clinics.cont: unknown key; did you mean 'clinics.count'?" in message
    message = _load_error(
        experiment_folder,
        'base = "baseline.toml"\n[design.factors]\n"behaviour.opt_in_nudge_share" = [0.0, 1.5]\n',
    )
    assert "design.factors.behaviour.opt_in_nudge_share:" in message
    assert "1.5" in message


def test_syntax_error_has_line_and_column(experiment_folder: Path) -> None:
    message = _load_error(experiment_folder, 'base = "baseline.toml"\n[design\n')
    assert message.startswith(f"{experiment_folder / 'experiment.toml'}:2:")
    assert "TOML syntax error" in message


def test_problem_in_the_base_file_names_both_files(experiment_folder: Path) -> None:
    message = _load_error(experiment_folder, 'base = "missing.toml"\n')
    assert "experiment.toml: base:" in message
    assert "missing.toml: file not found" in message


def test_unknown_design_kind_lists_the_kinds(experiment_folder: Path) -> None:
    message = _load_error(experiment_folder, 'base = "baseline.toml"\n[design]\nkind = "gird"\n')
    assert "design: unknown design kind; the kinds are grid, latin_hypercube" in message


def test_bad_range_and_points_are_reported_together(experiment_folder: Path) -> None:
    message = _load_error(
        experiment_folder,
        'base = "baseline.toml"\n[design]\nkind = "latin_hypercube"\npoints = 0\n'
        'ranges = { "alerts.opt_in_share" = [0.9, 0.1] }\n',
    )
    assert "design.points:" in message
    assert "design.ranges: alerts.opt_in_share: low must be below high" in message


@settings(max_examples=25, deadline=None)
@given(
    points=st.integers(min_value=1, max_value=12),
    low=st.floats(min_value=0.0, max_value=0.5),
    width=st.floats(min_value=0.01, max_value=0.5),
    master_seed=st.integers(min_value=0, max_value=2**32),
)
def test_latin_hypercube_strata_for_any_range(
    baseline: Scenario, points: int, low: float, width: float, master_seed: int
) -> None:
    high = low + width
    experiment = Experiment(
        base=baseline,
        design=LatinHypercubeDesign(points=points, ranges={"alerts.opt_in_share": [low, high]}),
        master_seed=master_seed,
    )
    values = [point.values["alerts.opt_in_share"] for point in experiment.design_points()]
    assert all(low <= value <= high for value in values)
    strata = sorted(min(points - 1, int((value - low) / (high - low) * points)) for value in values)
    assert strata == list(range(points))


# -- issue 19: bad values through experiment overrides, grids and ranges ---------------------------


@pytest.mark.parametrize(
    ("body", "path", "words"),
    [
        ('[overrides]\n"alerts.opt_in_share" = nan\n', "overrides.alerts.opt_in_share", "finite"),
        (
            '[design.factors]\n"alerts.opt_in_share" = [0.4, inf]\n',
            "design.factors.alerts.opt_in_share",
            "finite",
        ),
        (
            '[design.factors]\n"population.size" = ["3000"]\n',
            "design.factors.population.size",
            "valid integer",
        ),
        (
            '[design.factors]\n"clinics.allow_overrun" = [1]\n',
            "design.factors.clinics.allow_overrun",
            "valid boolean",
        ),
        (
            '[design]\nkind = "latin_hypercube"\npoints = 3\n'
            '[design.ranges]\n"alerts.opt_in_share" = [0.1, nan]\n',
            "design.ranges",
            "finite",
        ),
        (
            '[design.factors]\n"population.size" = [1000000000000]\n',
            "design.factors.population.size",
            "above the limit",
        ),
    ],
)
def test_bad_values_in_an_experiment_are_refused_at_their_path(
    experiment_folder: Path, body: str, path: str, words: str
) -> None:
    message = _load_error(experiment_folder, 'base = "baseline.toml"\n' + body)
    lines = [line for line in message.splitlines() if f"experiment.toml: {path}" in line]
    assert lines, message
    assert any(words in line for line in lines), message

"""The dashboard's work without the page: levers, sizes, uploads, runs, replications, downloads.

Pipeline position: the app layer (``etj_sim.app.planning``), last in the pipeline.
"""

from __future__ import annotations

import io
import multiprocessing
import os
import time
import zipfile
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import polars as pl
import pytest

from etj_sim.app.planning import (
    CAMPAIGN_AGE_GROUPS,
    CHARTS_SHOWN,
    HEADLINE_METRICS,
    MAX_UPLOAD_BYTES,
    NOTICE_POLICIES,
    PAPER_COMPLEMENT_GROUPS,
    SIZE_PRESETS,
    Levers,
    ReplicationRunner,
    ReplicationSnapshot,
    apply_levers,
    notice_policy_of,
    read_upload,
    replication_seeds,
    report_html,
    run_once,
    scenario_toml,
    shipped_catalogue,
    sized,
    tables_xlsx,
)
from etj_sim.cli import main
from etj_sim.experiments import paired_differences
from etj_sim.experiments.experiment import replication_seed
from etj_sim.scenario import Scenario
from etj_sim.simulation import simulate

SMALL = {"population.size": 2_000, "clinics.count": 1, "duration_days": 14}


@pytest.fixture(scope="module")
def catalogue() -> dict[str, Scenario]:
    return shipped_catalogue()


@pytest.fixture(scope="module")
def small(catalogue: dict[str, Scenario]) -> Scenario:
    return catalogue["baseline"].with_overrides(SMALL)


def test_catalogue_holds_the_shipped_scenarios_by_name(catalogue: dict[str, Scenario]) -> None:
    assert {"baseline", "alert-nudge", "flu-campaign", "staff-shortage"} <= set(catalogue)
    assert catalogue["baseline"].name == "baseline"


def test_levers_of_a_scenario_are_its_own_values(catalogue: dict[str, Scenario]) -> None:
    baseline = Levers.of(catalogue["baseline"])
    assert baseline.alert_opt_in_share == catalogue["baseline"].alerts.opt_in_share
    assert baseline.staff == (2, 1, 1)
    assert not baseline.campaign_on
    flu = Levers.of(catalogue["flu-campaign"])
    assert flu.campaign_on
    assert (flu.campaign_day, flu.campaign_age_group) == (14, "65+")
    # Unchanged levers change nothing.
    assert baseline.overrides(catalogue["baseline"]) == {}
    assert apply_levers(catalogue["baseline"], baseline) is catalogue["baseline"]


def test_moved_levers_become_validated_overrides(small: Scenario) -> None:
    own = Levers.of(small)
    moved = Levers(
        alert_opt_in_share=0.7,
        opt_in_nudge_share=0.15,
        staff=own.staff,
        digital_notice_share=0.9,
        campaign_on=True,
        campaign_day=5,
        campaign_age_group="80+",
    ).with_staff("nurse", 4)
    variant = apply_levers(small, moved)
    assert variant.alerts.opt_in_share == 0.7
    assert variant.behaviour.opt_in_nudge_share == 0.15
    assert variant.clinics.staff_per_clinic == {"nurse": 4, "physician": 1, "administrator": 1}
    assert variant.outreach.digital_notice_share == 0.9
    [campaign] = variant.campaigns
    assert (campaign.day, campaign.min_age, campaign.max_age) == (5, *CAMPAIGN_AGE_GROUPS["80+"])
    # What was set is written into the scenario, so a download says where it came from.
    assert variant.name == "baseline-dashboard"
    assert "clinics.staff_per_clinic.nurse = 4" in variant.description
    assert Levers.of(variant) == moved


def test_campaign_lever_off_removes_only_the_first_campaign(
    catalogue: dict[str, Scenario],
) -> None:
    flu = catalogue["flu-campaign"]
    two = flu.with_overrides(
        {"campaigns": [*[c.model_dump() for c in flu.campaigns], {"name": "second", "day": 30}]}
    )
    off = apply_levers(two, replace(Levers.of(two), campaign_on=False))
    assert [campaign.name for campaign in off.campaigns] == ["second"]
    moved = apply_levers(two, replace(Levers.of(two), campaign_day=20))
    assert [campaign.day for campaign in moved.campaigns] == [20, 30]


def test_size_presets_resize_and_keep_campaigns_inside_the_run(
    catalogue: dict[str, Scenario],
) -> None:
    town = sized(catalogue["baseline"], "town")
    assert (town.population.size, town.clinics.count, town.duration_days) == (20_000, 2, 60)
    region = sized(catalogue["baseline"], "region_sample")
    assert region.population.profile == "stockholm_county"
    assert sized(catalogue["baseline"], "scenario") is catalogue["baseline"]
    # A campaign on day 80 of a 90-day scenario would fall outside a 60-day town.
    late = catalogue["flu-campaign"].with_overrides({"campaigns[0].day": 80})
    assert sized(late, "town").campaigns[0].day == 59
    assert set(SIZE_PRESETS) == {"town", "municipality", "region_sample", "scenario"}


def test_a_lever_value_the_scenario_refuses_is_an_error_naming_the_key(small: Scenario) -> None:
    bad = Levers.of(small).with_staff("nurse", 0).with_staff("physician", 0)
    bad = bad.with_staff("administrator", 0)
    with pytest.raises(Exception, match="staff_per_clinic"):
        apply_levers(small, bad)


@pytest.mark.parametrize(
    ("name", "policy"),
    [
        ("baseline", "digital"),
        ("digital-only-notices", "digital"),
        ("notice-fallback-48h", "fallback"),
        ("notice-paper-complement", "complement"),
    ],
)
def test_notice_policy_lever_reads_the_shipped_policies(
    catalogue: dict[str, Scenario], name: str, policy: str
) -> None:
    levers = Levers.of(catalogue[name])
    assert levers.notice_policy == policy
    assert levers.fallback_after_hours == 48.0  # Karolinska's, or the lever's start value
    assert levers.overrides(catalogue[name]) == {}


def test_notice_policy_lever_sets_the_notices_section(catalogue: dict[str, Scenario]) -> None:
    digital_only = catalogue["digital-only-notices"]
    own = Levers.of(digital_only)
    fallback = apply_levers(digital_only, replace(own, notice_policy="fallback"))
    # The shipped scenario that the lever stands for is what the lever gives.
    shipped = catalogue["notice-fallback-48h"].notices
    assert fallback.notices == shipped
    later = apply_levers(
        digital_only, replace(own, notice_policy="fallback", fallback_after_hours=72.0)
    )
    assert later.notices.fallback_after_hours == 72.0
    assert notice_policy_of(later.notices) == "fallback"
    complement = apply_levers(digital_only, replace(own, notice_policy="complement"))
    assert complement.notices == catalogue["notice-paper-complement"].notices
    assert tuple(complement.notices.paper_complement_groups) == PAPER_COMPLEMENT_GROUPS
    paper = apply_levers(digital_only, replace(own, notice_policy="paper_only"))
    assert (paper.notices.policy, paper.notices.fallback_after_hours) == ("paper_only", 0.0)
    assert paper.notices.paper_complement_groups == []
    back = apply_levers(paper, replace(Levers.of(paper), notice_policy="digital"))
    assert back.notices == digital_only.notices
    # Every choice round-trips through the scenario it gives.
    for policy in NOTICE_POLICIES:
        variant = apply_levers(digital_only, replace(own, notice_policy=policy))
        assert Levers.of(variant).notice_policy == policy


def test_a_scenario_with_its_own_notice_policy_is_custom_until_moved(small: Scenario) -> None:
    both = small.with_overrides(
        {"notices.fallback_after_hours": 24.0, "notices.paper_complement_groups": ["no_alerts"]}
    )
    own = Levers.of(both)
    assert own.notice_policy == "custom"
    assert own.overrides(both) == {}
    moved = apply_levers(both, replace(own, notice_policy="digital"))
    assert (moved.notices.fallback_after_hours, moved.notices.paper_complement_groups) == (0.0, [])
    with pytest.raises(ValueError, match="notice policy 'sometimes'"):
        replace(own, notice_policy="sometimes").overrides(both)


def test_the_notice_policy_changes_the_letters_posted(small: Scenario) -> None:
    digital = apply_levers(small, replace(Levers.of(small), notice_policy="digital"))
    paper = apply_levers(small, replace(Levers.of(small), notice_policy="paper_only"))
    letters = {
        name: simulate(scenario, 1).summary()["paper_letters"][0]
        for name, scenario in (("digital", digital), ("paper", paper))
    }
    assert letters["paper"] > letters["digital"]


def test_downloaded_scenario_carries_the_notice_policy(small: Scenario, tmp_path: Path) -> None:
    variant = apply_levers(
        small, replace(Levers.of(small), notice_policy="fallback", fallback_after_hours=36.0)
    )
    path = tmp_path / "variant.toml"
    path.write_text(scenario_toml(variant), encoding="utf-8")
    assert main(["validate", str(path)]) == 0
    loaded = Scenario.load(path)
    assert loaded.notices.fallback_after_hours == 36.0
    assert Levers.of(loaded).notice_policy == "fallback"


# -- uploads ------------------------------------------------------------------------------------


def test_a_valid_upload_gives_its_scenario() -> None:
    text = b'name = "mine"\n[alerts]\nopt_in_share = 0.7\n'
    upload = read_upload("mine.toml", len(text), lambda limit: text[:limit])
    assert upload.ok
    assert upload.scenario is not None
    assert upload.scenario.alerts.opt_in_share == 0.7


def test_an_invalid_upload_gives_every_problem_and_no_scenario() -> None:
    text = b"[clinics]\nstaf_per_clinic = 3\n[alerts]\nopt_in_share = 1.5\n"
    upload = read_upload("bad.toml", len(text), lambda limit: text[:limit])
    assert not upload.ok
    rendered = [problem.render(upload.name) for problem in upload.problems]
    assert any("clinics.staf_per_clinic" in line and "did you mean" in line for line in rendered)
    assert any("alerts.opt_in_share" in line for line in rendered)


def test_upload_syntax_error_has_its_line() -> None:
    text = b"[alerts\nopt_in_share = 0.5\n"
    upload = read_upload("broken.toml", len(text), lambda limit: text[:limit])
    assert not upload.ok
    assert upload.problems[0].line == 1


def test_an_oversized_upload_is_refused_before_it_is_read() -> None:
    def never(limit: int) -> bytes:
        raise AssertionError("the content of an oversized file was read")

    upload = read_upload("huge.toml", MAX_UPLOAD_BYTES + 1, never)
    assert not upload.ok
    assert "limit" in upload.problems[0].message


def test_an_upload_larger_than_announced_is_refused() -> None:
    content = b"#" * (MAX_UPLOAD_BYTES + 10)
    upload = read_upload("liar.toml", 10, lambda limit: content[:limit])
    assert not upload.ok
    assert "limit" in upload.problems[0].message


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("scenario.json", b"{}", ".toml"),
        ("latin1.toml", b'name = "G\xf6teborg"\n', "UTF-8"),
    ],
)
def test_uploads_are_read_only_as_utf8_toml(name: str, content: bytes, expected: str) -> None:
    upload = read_upload(name, len(content), lambda limit: content[:limit])
    assert not upload.ok
    assert expected in upload.problems[0].message


def test_upload_name_is_a_label_never_a_path(tmp_path: Path) -> None:
    secret = tmp_path / "secret.toml"
    secret.write_text('name = "secret"\n', encoding="utf-8")
    text = b'name = "uploaded"\n'
    upload = read_upload(str(secret), len(text), lambda limit: text[:limit])
    assert upload.name == "secret.toml"
    assert upload.scenario is not None
    assert upload.scenario.name == "uploaded"  # the bytes sent, not the file of that name


# -- runs and downloads -------------------------------------------------------------------------


def test_run_once_measures_and_draws(small: Scenario) -> None:
    stages: list[str] = []
    outcome = run_once(small, 3, lang="en", on_stage=stages.append)
    assert stages == ["simulating", "measuring", "drawing"]
    expected = simulate(small, 3).summary().row(0, named=True)
    assert outcome.headline == expected
    assert set(HEADLINE_METRICS) <= set(outcome.headline)
    english = outcome.drawn("en")
    assert english is not None
    assert english.keys() == set(CHARTS_SHOWN)
    assert all(svg.lstrip().startswith("<svg") for svg in english.values())
    # Another language is drawn when asked for, with its own words.
    assert outcome.drawn("sv") is None
    swedish = outcome.charts("sv")
    assert swedish["read_curve"] != english["read_curve"]
    assert outcome.charts("sv") is swedish


def test_runs_after_a_lever_change_reuse_the_population_and_log_what_simulate_logs(
    small: Scenario,
) -> None:
    """The page keeps the population between lever changes: the log is the one ``simulate``
    gives, and a lever that changes the population's inputs gets a population of its own."""
    own = Levers.of(small)
    first = run_once(small, 5)
    staffed = run_once(apply_levers(small, own.with_staff("nurse", own.staff[0] + 2)), 5)
    assert staffed.result.population is first.result.population  # kept, not synthesized again
    expected = simulate(staffed.scenario, 5)
    assert staffed.result.events.equals(expected.events)
    assert staffed.result.population.equals(expected.population)
    opted = run_once(apply_levers(small, replace(own, alert_opt_in_share=0.9)), 5)
    assert opted.result.population is not first.result.population
    assert opted.result.population.equals(simulate(opted.scenario, 5).population)
    assert opted.result.events.equals(simulate(opted.scenario, 5).events)


def test_charts_of_builds_only_the_charts_named(small: Scenario) -> None:
    from etj_sim.charts import CHART_NAMES, charts_of

    frames = run_once(small, 3).frames
    assert list(charts_of(frames, names=["backlog", "read_curve"])) == ["backlog", "read_curve"]
    assert list(charts_of(frames)) == [n for n in CHART_NAMES if n != "scenario_comparison"]
    with pytest.raises(ValueError, match="no chart 'pie'"):
        charts_of(frames, names=["pie"])


def test_report_download_in_both_languages_with_the_change(small: Scenario) -> None:
    variant = apply_levers(small, Levers.of(small).with_staff("nurse", 3))
    outcome = run_once(variant, 3, overrides=Levers.of(variant).overrides(small))
    english = report_html(outcome, "en").decode("utf-8")
    assert english.startswith("<!DOCTYPE html>")
    assert '<html lang="en">' in english
    assert "clinics.staff_per_clinic.nurse" in english  # what the levers set
    swedish = report_html(outcome, "sv").decode("utf-8")
    assert '<html lang="sv">' in swedish
    snapshot = ReplicationSnapshot(
        done=2,
        total=2,
        differences=pl.DataFrame(
            {
                "metric": ["staff_utilisation"],
                "n": [2],
                "mean": [-0.1],
                "ci_low": [-0.15],
                "ci_high": [-0.05],
            }
        ),
    )
    with_change = report_html(outcome, "en", snapshot).decode("utf-8")
    assert "scenario_comparison" in with_change
    assert "scenario_comparison" not in english


def test_tables_download_is_a_workbook_of_the_metric_tables(small: Scenario) -> None:
    outcome = run_once(small, 3)
    workbook = tables_xlsx(outcome, "sv")
    with zipfile.ZipFile(io.BytesIO(workbook)) as archive:
        sheets = archive.read("xl/workbook.xml").decode("utf-8")
    assert 'name="summary"' in sheets
    assert sheets.count("<sheet ") > 1


def test_downloaded_scenario_validates(small: Scenario, tmp_path: Path) -> None:
    variant = apply_levers(small, Levers.of(small).with_staff("nurse", 3))
    path = tmp_path / "variant.toml"
    path.write_text(scenario_toml(variant), encoding="utf-8")
    assert main(["validate", str(path)]) == 0
    assert Scenario.load(path).content_hash == variant.content_hash


# -- replications -------------------------------------------------------------------------------


def summary_row(scenario: Scenario, seed: int) -> dict[str, object]:
    return simulate(scenario, seed).summary().row(0, named=True)


def test_replication_seeds_are_the_batch_seeds() -> None:
    assert replication_seeds(7, 3) == [replication_seed(7, r) for r in range(3)]


@pytest.fixture(scope="module")
def runner() -> Iterator[ReplicationRunner]:
    runner = ReplicationRunner()
    yield runner
    runner.shutdown()


def test_replications_refine_to_the_paired_differences(
    small: Scenario, runner: ReplicationRunner
) -> None:
    variant = apply_levers(small, Levers.of(small).with_staff("nurse", 4))
    seeds = replication_seeds(1, 3)
    job = runner.start(small, variant, seeds, metrics=["staff_utilisation", "digital_notice_share"])
    snapshots = list(job.snapshots(poll_seconds=1.0))
    assert [snapshot.done for snapshot in snapshots] == sorted(s.done for s in snapshots)
    final = snapshots[-1]
    assert final.finished
    assert (final.done, final.total, final.failures) == (3, 3, ())
    assert final.variant_hash == variant.content_hash
    # The same as run_experiment's statistics over the same runs.
    rows = [
        {"design_point": point, "replication": r, **summary_row(scenario, seed)}
        for r, seed in enumerate(seeds)
        for point, scenario in ((0, small), (1, variant))
    ]
    expected = paired_differences(
        pl.DataFrame(rows), metrics=["staff_utilisation", "digital_notice_share"]
    )
    assert final.differences["mean"].to_list() == pytest.approx(expected["mean"].to_list())
    assert final.differences["ci_low"].to_list() == pytest.approx(expected["ci_low"].to_list())
    # The same work over more nurses; notices do not depend on staff (common random numbers).
    by_metric = dict(zip(final.differences["metric"], final.differences["mean"], strict=True))
    assert by_metric["staff_utilisation"] < 0
    assert by_metric["digital_notice_share"] == 0
    # The reference is remembered: a second variant only runs its own replications.
    assert all(runner.cached(small, seed) is not None for seed in seeds)


def test_replications_can_be_cancelled(small: Scenario, runner: ReplicationRunner) -> None:
    variant = apply_levers(small, Levers.of(small).with_staff("nurse", 5))
    job = runner.start(
        small.with_overrides({"duration_days": 13}), variant, replication_seeds(2, 8)
    )
    job.cancel()
    final = list(job.snapshots(poll_seconds=1.0))[-1]
    assert final.cancelled
    assert final.finished
    assert final.done < final.total


def test_a_dead_worker_fails_its_runs_and_is_replaced(small: Scenario) -> None:
    runner = ReplicationRunner()
    try:
        variant = apply_levers(small, Levers.of(small).with_staff("physician", 2))
        first = runner.start(small, variant, replication_seeds(3, 1))
        assert list(first.snapshots(poll_seconds=1.0))[-1].done == 1
        for worker in multiprocessing.active_children():
            worker.kill()
        # The pool notices the death on its own time: runs may fail until then, never hang.
        outcomes = []
        for attempt in range(3):
            seeds = replication_seeds(10 + attempt, 1)
            final = list(runner.start(small, variant, seeds).snapshots(poll_seconds=1.0))[-1]
            outcomes.append((final.done, final.failures))
            if final.done == 1:
                break
            time.sleep(1.0)
        assert outcomes[-1][0] == 1, outcomes
    finally:
        runner.shutdown()


def test_replications_run_at_the_lowest_priority(small: Scenario) -> None:
    """The page's own run comes first: the replication worker runs at nice 19."""
    runner = ReplicationRunner()
    try:
        variant = apply_levers(small, Levers.of(small).with_staff("physician", 2))
        job = runner.start(small, variant, replication_seeds(5, 1))
        assert list(job.snapshots(poll_seconds=0.5))[-1].done == 1
        workers = multiprocessing.active_children()
        assert workers
        for worker in workers:
            assert worker.pid is not None
            assert os.getpriority(os.PRIO_PROCESS, worker.pid) == 19
        assert os.getpriority(os.PRIO_PROCESS, 0) < 19  # the page's process is left as it was
    finally:
        runner.shutdown()


_OWNER = """
import os, sys
from etj_sim.app.planning import Levers, ReplicationRunner, apply_levers, replication_seeds
from etj_sim.scenario import Scenario
small = Scenario.load(sys.argv[1]).with_overrides(
    {"population.size": 2000, "clinics.count": 1, "duration_days": 14}
)
runner = ReplicationRunner()
job = runner.start(small, apply_levers(small, Levers.of(small).with_staff("nurse", 3)),
                   replication_seeds(7, 40))
import multiprocessing
while not multiprocessing.active_children():
    pass
print(multiprocessing.active_children()[0].pid, flush=True)
os.kill(os.getpid(), 9)  # no exit handlers, as when a server is killed
"""


def test_a_replication_worker_ends_when_its_server_is_killed(tmp_path: Path) -> None:
    """A killed server (or a test fixture ending it) leaves no replication worker behind."""
    import subprocess
    import sys

    scenario = Path(__file__).resolve().parents[2] / "scenarios" / "baseline.toml"
    owner = subprocess.run(
        [sys.executable, "-c", _OWNER, str(scenario)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert owner.returncode == -9, owner.stderr
    worker = int(owner.stdout.split()[0])
    deadline = time.monotonic() + 30.0
    while time.monotonic() < deadline:
        try:
            os.kill(worker, 0)
        except ProcessLookupError:
            return  # gone
        # A zombie child of init is reaped soon; one still running is the failure.
        status = Path(f"/proc/{worker}/stat")
        if status.exists() and status.read_text().split()[2] == "Z":
            return
        time.sleep(0.5)
    os.kill(worker, 9)
    raise AssertionError(f"replication worker {worker} outlived its killed server")

"""Sharded runs (``etj_sim.simulation.shards``): the split, the merge, determinism, statistics.

Pipeline position: tests of ``scenario -> population -> (split into shards) -> runs -> (merge)
-> event log -> metrics``. The split must keep households, guardian-child pairs and clinic
catchments whole; the merged log must be the same on every backend and number of workers, read
like an unsharded log (ids, order, roster, one campaign start), and agree with unsharded runs on
every headline metric over replications.
"""

from __future__ import annotations

import json
import math
import multiprocessing
import resource
import time
from concurrent.futures import ProcessPoolExecutor
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import polars as pl
import pytest
from distributed import LocalCluster
from scipy import stats

from etj_sim.cli import main
from etj_sim.dask_scheduler import DaskConnectionError
from etj_sim.metrics import SUMMARY_COLUMNS
from etj_sim.population import Population, synthesize_population
from etj_sim.scenario import Scenario
from etj_sim.simulation import SimulationResult, simulate
from etj_sim.simulation import shards as shards_module
from etj_sim.simulation.shards import (
    Shard,
    ShardError,
    auto_shard_count,
    catchment_groups,
    merge_by_time,
    plan_shards,
    process_peak_rss_megabytes,
    shard_population,
    shard_seed,
    simulate_national,
)

SHARDED = Scenario(name="sharded", duration_days=21).with_overrides(
    {
        "population.size": 4_000,
        "clinics.count": 5,
        "population.protected_share": 0.03,
        "behaviour.opt_in_nudge_share": 0.2,
        "campaigns": [
            {"name": "vaccination", "day": 3, "min_age": 65},
            {"name": "children", "day": 5, "min_age": 0, "max_age": 12},
        ],
    }
)


@cache
def run(seed: int, shards: int, workers: int = 1) -> SimulationResult:
    return simulate(SHARDED, seed, shards=shards, workers=workers)


def shard_of_person(population: Population, plan: list[Shard]) -> npt.NDArray[np.int64]:
    shard_of_clinic = np.full(SHARDED.clinics.count, -1)
    for shard in plan:
        shard_of_clinic[list(shard.clinics)] = shard.index
    return shard_of_clinic[population.people.get_column("clinic").to_numpy()]


# -- the split ------------------------------------------------------------------------------


def test_split_keeps_households_guardianships_contacts_and_catchments_together() -> None:
    population = synthesize_population(SHARDED, 3)
    plan = plan_shards(population, SHARDED.clinics.count, 3)
    clinics = sorted(c for shard in plan for c in shard.clinics)
    assert clinics == list(range(SHARDED.clinics.count))  # every clinic in exactly one shard
    assert sum(shard.people for shard in plan) == population.people.height
    shard = shard_of_person(population, plan)
    people = population.people.with_columns(pl.Series("shard", shard))
    per_household = people.group_by("household").agg(pl.col("shard").n_unique())
    assert per_household.get_column("shard").max() == 1
    links = population.guardianships
    assert links.height > 0
    assert np.array_equal(shard[links["guardian"].to_numpy()], shard[links["child"].to_numpy()])
    for owner in ("settings_mobile_owner", "settings_email_owner"):
        pairs = people.filter(pl.col(owner).is_not_null())
        assert np.array_equal(pairs["shard"].to_numpy(), shard[pairs[owner].to_numpy()])
    # Balanced by people: the deal is largest first, to the emptiest shard.
    sizes = [s.people for s in plan]
    assert max(sizes) - min(sizes) <= max(
        np.bincount(population.people["clinic"].to_numpy()).tolist()
    )


def test_clinics_joined_by_a_household_or_a_guardian_share_a_shard() -> None:
    population = synthesize_population(SHARDED, 3)
    people = population.people
    assert catchment_groups(people, population.guardianships, 5) == [[c] for c in range(5)]
    # Move one member of a household at clinic 0 to clinic 3, and one child at clinic 1 to 4.
    household_member = (
        people.filter((pl.col("clinic") == 0) & (pl.col("household").is_duplicated()))
        .get_column("person")
        .item(0)
    )
    child = (
        people.join(population.guardianships, left_on="person", right_on="child")
        .filter(pl.col("clinic") == 1)
        .get_column("person")
        .item(0)
    )
    moved = people.with_columns(
        pl.when(pl.col("person") == household_member)
        .then(3)
        .when(pl.col("person") == child)
        .then(4)
        .otherwise(pl.col("clinic"))
        .cast(pl.Int32)
        .alias("clinic")
    )
    assert catchment_groups(moved, population.guardianships, 5) == [[0, 3], [1, 4], [2]]
    changed = Population(moved, population.guardianships, 3, population.scenario_hash)
    with pytest.raises(ShardError, match="only 3 independent"):
        plan_shards(changed, 5, 4)
    plan = plan_shards(changed, 5, 3)
    assert sorted(shard.clinics for shard in plan) == [(0, 3), (1, 4), (2,)]


def test_a_shard_population_is_renumbered_and_maps_back() -> None:
    population = synthesize_population(SHARDED, 3)
    shard = plan_shards(population, 5, 2)[1]
    part, members = shard_population(population, shard, 5)
    assert part.people.get_column("person").to_list() == list(range(members.size))
    assert np.all(np.diff(members) > 0)
    original = population.people[members]
    assert part.people["personal_number"].equals(original["personal_number"])
    local_clinic = part.people.get_column("clinic").to_numpy()
    assert np.array_equal(np.asarray(shard.clinics)[local_clinic], original["clinic"].to_numpy())
    owners = part.people.get_column("settings_mobile_owner").drop_nulls().to_numpy()
    expected = original.get_column("settings_mobile_owner").drop_nulls().to_numpy()
    assert np.array_equal(members[owners], expected)
    links = part.guardianships
    assert (
        links.height
        == population.guardianships.filter(pl.col("child").is_in(members.tolist())).height
    )
    assert np.isin(members[links["child"].to_numpy()], population.guardianships["child"]).all()


def test_shard_seeds_differ_by_shard_and_count() -> None:
    seeds = {shard_seed(1, k, j) for k in (2, 3) for j in range(k)}
    assert len(seeds) == 5
    assert all(0 <= seed < 2**63 for seed in seeds)
    assert shard_seed(1, 2, 0) == shard_seed(1, 2, 0)


# -- the merged log ------------------------------------------------------------------------


def test_merge_by_time_is_the_stable_sort_of_the_frames_one_after_the_other() -> None:
    """Ties on time keep the sources' order, then each source's own: what concat + a stable
    sort gives, made column by column (the merge's lower peak), on a real log with many ties;
    each column is asked for once."""
    events = run(3, 1).events
    # Shards' frames: slices of a log, each sorted on time, with times shared between them.
    parts = [events[0::3], events[1::3], events[2::3]]
    expected = pl.concat(parts).sort("time", maintain_order=True)
    assert expected.get_column("time").is_duplicated().any()
    asked: list[str] = []

    def columns_of(name: str) -> list[pl.Series]:
        asked.append(name)
        return [part.get_column(name) for part in parts]

    merged = merge_by_time(columns_of, events.columns)
    assert sorted(asked) == sorted(events.columns)
    assert merged.schema == events.schema
    assert merged.equals(expected)
    with pytest.raises(ValueError, match="must include time"):
        merge_by_time(columns_of, ["event"])


def test_merged_log_reads_like_an_unsharded_one() -> None:
    whole, sharded = run(3, 1), run(3, 3)
    events = sharded.events
    assert events.schema == whole.events.schema
    assert events.get_column("time").is_sorted()
    assert sharded.population.equals(whole.population)
    assert sharded.staff.equals(whole.staff)  # staff keep their unsharded ids
    assert sharded.shard_runs is not None
    assert sharded.shard_runs.height == 3
    # Each shard logs both campaign starts; the merge keeps one of each.
    assert sharded.shard_runs.get_column("events").sum() == events.height + 2 * 2
    started = events.filter(pl.col("event") == "case_started")
    assert started.get_column("case").is_unique().all()
    sent = events.filter(pl.col("event") == "message_sent")
    assert sent.get_column("message").is_unique().all()
    assert events.get_column("person").max() < whole.population.height  # type: ignore[operator]
    # Every case is at the clinic its person is listed at, and staff answer their own clinic's.
    listed = whole.population.select("person", pl.col("clinic").alias("listed"))
    cases = started.join(listed, on="person")
    assert cases.height == started.height
    assert (cases["clinic"] == cases["listed"]).all()
    assigned = events.filter(pl.col("event") == "case_assigned").join(
        sharded.staff.select("staff", pl.col("clinic").alias("staff_clinic")), on="staff"
    )
    assert assigned.height > 0
    assert (assigned["clinic"] == assigned["staff_clinic"]).all()
    # Messages read belong to their messages: same person, same case as sent.
    reads = events.filter(pl.col("event") == "message_read").join(
        sent.select("message", pl.col("person").alias("to")), on="message"
    )
    assert reads.height > 0
    assert (reads["person"] == reads["to"]).all()


def test_campaigns_reach_every_shard_as_one_regional_mailing() -> None:
    whole, sharded = run(3, 1), run(3, 3)

    def mailing(result: SimulationResult) -> pl.DataFrame:
        return result.events.filter(
            pl.col("event").is_in(["message_sent", "message_undeliverable"])
            & (pl.col("kind") == "mass_mailing")
        )

    ours, theirs = mailing(sharded), mailing(whole)
    # The recipients follow from the population and the campaign only: the very same people.
    for campaign in (0, 1):
        persons = ours.filter(pl.col("campaign") == campaign).get_column("person").sort()
        assert persons.equals(theirs.filter(pl.col("campaign") == campaign)["person"].sort())
    plan = plan_shards(synthesize_population(SHARDED, 3), 5, 3)
    shard = shard_of_person(synthesize_population(SHARDED, 3), plan)
    assert set(shard[ours.get_column("person").to_numpy()].tolist()) == {0, 1, 2}
    started = sharded.events.filter(pl.col("event") == "mass_mailing_started")
    assert started.get_column("campaign").to_list() == [0, 1]
    sender = whole.events.filter(pl.col("event") == "mass_mailing_started").select(
        "clinic", "staff"
    )
    assert started.select("clinic", "staff").equals(sender)
    assert ours.select("clinic", "staff").unique().equals(sender.unique())


def test_auto_picks_one_run_when_small_else_whole_rounds_of_200k_shards() -> None:
    assert auto_shard_count(399_999, 8, 40) == 1
    assert auto_shard_count(2_400_000, 1, 240) == 1
    assert auto_shard_count(2_400_000, 2, 240) == 12  # 200,000 people a shard, 6 a worker
    assert auto_shard_count(2_400_000, 8, 240) == 8  # 12 would leave 4 workers idle at the end
    assert auto_shard_count(1_000_000, 2, 240) == 4  # not 5: whole rounds of the workers
    assert auto_shard_count(500_000, 8, 240) == 2  # at least 200,000 people a shard
    assert auto_shard_count(2_400_000, 8, 3) == 3  # no more than the catchment groups
    assert auto_shard_count(2_400_000, 2, 7) == 6  # groups, then whole rounds
    assert simulate(SHARDED, 3, shards="auto", workers=2).events.equals(run(3, 1).events)


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="VmHWM is Linux's")
def test_a_spawned_shard_process_reports_its_own_peak_memory_not_its_callers() -> None:
    # The caller holds 1 GB (as a caller holds the population) when it spawns the worker.
    ballast = bytearray(2**30)
    ballast[:: 2**12] = b"\x01" * (len(ballast) // 2**12)
    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool:
        own = pool.submit(process_peak_rss_megabytes).result(timeout=120)
        usage = pool.submit(resource.getrusage, resource.RUSAGE_SELF).result(timeout=120)
    del ballast
    assert usage.ru_maxrss / 2**10 >= 1000  # ru_maxrss: the caller's high-water mark, inherited
    assert own < 700  # the worker's own: the interpreter with etj_sim and polars loaded


def test_shards_1_is_the_single_run_whatever_the_workers() -> None:
    assert simulate(SHARDED, 3, shards=1, workers=2).events.equals(run(3, 1).events)
    assert run(3, 1).shard_runs is None


@pytest.mark.slow
def test_same_seed_and_shards_give_one_log_on_any_backend_and_workers() -> None:
    reference = run(5, 2, workers=1)
    assert run(5, 2, workers=2).events.equals(reference.events)
    with LocalCluster(  # type: ignore[no-untyped-call]
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        dashboard_address="127.0.0.1:0",
    ) as cluster:
        on_dask = simulate(SHARDED, 5, shards=2, backend="dask", address=cluster.scheduler_address)
    assert on_dask.events.equals(reference.events)
    assert on_dask.staff.equals(reference.staff)
    assert not run(6, 2).events.equals(reference.events)  # another seed, another log


@pytest.mark.slow
def test_sharded_and_unsharded_runs_agree_on_every_headline_metric() -> None:
    seeds = range(8)
    unsharded = pl.concat([run(seed, 1).summary() for seed in seeds])
    sharded = pl.concat([run(seed, 3).summary() for seed in seeds])
    checked = 0
    for column in SUMMARY_COLUMNS:
        a = unsharded.get_column(column).cast(pl.Float64).to_numpy()
        b = sharded.get_column(column).cast(pl.Float64).to_numpy()
        assert not np.isnan(a).any(), column
        assert not np.isnan(b).any(), column
        if a.std() == 0 and b.std() == 0:
            assert a.mean() == pytest.approx(b.mean()), column
            continue
        p_value = stats.ttest_ind(a, b, equal_var=False).pvalue
        assert p_value > 0.001, (column, a.mean(), b.mean(), p_value)
        checked += 1
    assert checked >= 10  # most columns vary between replications


# -- errors --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"shards": 6}, "only 5 independent"),
        ({"shards": 0}, "shards: expected"),
        ({"shards": "two"}, "shards: expected"),
        ({"shards": 2, "workers": 0}, "workers: expected"),
        ({"shards": 2, "backend": "spark"}, "backend: expected"),
        ({"shards": 2, "address": "tcp://127.0.0.1:8786"}, "only with backend='dask'"),
        ({"shards": 2, "backend": "dask", "address": "nowhere"}, "address: 'nowhere' is not"),
        ({"shards": 2, "backend": "dask", "address": "tcp://h:70000"}, "address: .*port"),
        ({"shards": 2, "backend": "dask", "dask_timeout": 0}, "dask_timeout must be"),
        ({"shards": 2, "dask_timeout": float("nan")}, "dask_timeout must be"),
        ({"dask_timeout": -1}, "dask_timeout must be"),
    ],
)
def test_bad_shard_options_are_refused_by_name(options: dict[str, object], message: str) -> None:
    with pytest.raises(ShardError, match=message):
        simulate(SHARDED, 1, **options)


@pytest.mark.parametrize("kind", ["refused", "silent"])
@pytest.mark.parametrize("national", [False, True])
def test_an_unreachable_dask_scheduler_fails_before_any_work(
    kind: str, national: bool, request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> None:
    port = request.getfixturevalue("refused_port" if kind == "refused" else "silent_listener")

    def no_population(*_: object, **__: object) -> Population:
        raise AssertionError("the population was synthesised before the scheduler answered")

    monkeypatch.setattr(shards_module, "synthesize_population", no_population)
    address = f"tcp://127.0.0.1:{port}"
    options: dict[str, Any] = {"backend": "dask", "address": address, "dask_timeout": 2}
    started = time.monotonic()
    with pytest.raises(DaskConnectionError, match=rf"127\.0\.0\.1:{port} within 2 s"):
        (
            simulate_national(SHARDED, 1, scale=0.001, regions=["Gotland"], **options)
            if national
            else simulate(SHARDED, 1, shards=2, **options)
        )
    assert time.monotonic() - started < 10


def test_cli_run_on_an_unreachable_dask_scheduler_exits_2_and_writes_nothing(
    tmp_path: Path, refused_port: int, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    address = f"tcp://127.0.0.1:{refused_port}"
    flags = ["--shards", "2", "--dask", address, "--dask-timeout", "2", "--out", str(out)]
    assert main(["run", "baseline", *flags]) == 2
    err = capsys.readouterr().err
    assert f"--dask: no Dask scheduler answered at {address} within 2 s" in err
    assert "Traceback" not in err
    assert not out.exists()


def test_cli_run_with_shards(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "sharded.toml"
    path.write_text(
        'name = "sharded"\nduration_days = 7\n[population]\nsize = 2000\n[clinics]\ncount = 3\n',
        encoding="utf-8",
    )
    out = tmp_path / "out"
    assert main(["run", str(path), "--shards", "2", "--workers", "1", "--out", str(out)]) == 0
    assert "2,000 people" in capsys.readouterr().out
    assert json.loads((out / "run.json").read_text(encoding="utf-8"))["shards"] == 2
    events = pl.read_parquet(out / "events.parquet")
    assert events.equals(simulate(Scenario.load(path), 1, shards=2).events)
    for flags, message in (
        (["--shards", "4"], "3 clinic"),
        (["--shards", "0"], "--shards"),
        (["--workers", "0"], "--workers"),
        (["--dask", "nowhere"], "--dask"),
        (["--dask-timeout", "3"], "--dask-timeout: only with --dask"),
        (["--dask", "local", "--dask-timeout", "0"], "--dask-timeout: expected a positive"),
    ):
        assert main(["run", str(path), *flags]) == 2
        assert message in capsys.readouterr().err


# -- national -------------------------------------------------------------------------------


def test_national_run_splits_regions_then_catchments() -> None:
    base = Scenario(name="base", duration_days=14).with_overrides(
        {"population.size": 50_000, "clinics.count": 50}
    )
    result = simulate_national(
        base, 2, scale=0.004, regions=["Uppsala", "Gotland"], shards_per_region=2
    )
    assert result.shard_runs is not None
    assert result.shard_runs.get_column("unit").to_list() == ["Uppsala", "Uppsala", "Gotland"]
    people = result.population
    assert people.height == round(405_000 * 0.004) + round(61_000 * 0.004)
    assert people.get_column("person").to_list() == list(range(people.height))
    assert result.scenario.population.size == people.height
    assert result.scenario.clinics.count == round(1620 / 1000) + 1 == people["clinic"].n_unique()
    started = result.events.filter(pl.col("event") == "case_started").join(
        people.select("person", pl.col("clinic").alias("listed")), on="person"
    )
    assert started.height > 0
    assert (started["clinic"] == started["listed"]).all()
    assert result.events.get_column("time").is_sorted()
    assert result.staff.get_column("staff").to_list() == list(range(result.staff.height))
    assert math.isfinite(result.summary().get_column("read_share_7d").item() or 0.0)

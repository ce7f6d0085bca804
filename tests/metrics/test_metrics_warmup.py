"""Warm-up: MSER-5 on series with a known transient, and warmup_days dropping the warm-up.

Pipeline position: tests of ``etj_sim.metrics.warmup`` and of the warm-up filter of
``etj_sim.metrics.prepare`` (hand-built logs, answers worked out by hand).
"""

from __future__ import annotations

import dataclasses
import math
from datetime import date, timedelta

import numpy as np
import pytest
from metric_builders import EPOCH, LogBuilder, context, minutes, population

from etj_sim.metrics import MetricContext, prepare, summary_of
from etj_sim.metrics.warmup import mser, recommend_warmup, warmup_columns, warmup_series
from etj_sim.scenario import Scenario, ScenarioError


def test_mser5_truncates_a_known_transient() -> None:
    # 40 observations falling linearly from 100 to the steady level 10, then 160 at 10 with
    # noise of sd 1: the transient ends at observation 40, so MSER-5 truncates 40 (+- a batch).
    generator = np.random.default_rng(3)
    transient = np.linspace(100.0, 10.0, 40, endpoint=False)
    steady = 10.0 + generator.normal(0.0, 1.0, 160)
    truncate = mser(np.concatenate([transient, steady]))
    assert 35 <= truncate <= 45
    assert truncate % 5 == 0


def test_mser5_keeps_a_stationary_series_whole() -> None:
    generator = np.random.default_rng(4)
    assert mser(generator.normal(5.0, 1.0, 200)) <= 10
    assert mser(np.full(50, 3.0)) == 0  # ties: nothing dropped without cause
    assert mser([1.0, 2.0, 3.0]) == 0  # fewer than two batches


def test_mser_rejects_nan_and_bad_batches() -> None:
    with pytest.raises(ValueError, match="NaN"):
        mser([1.0, math.nan] * 10)
    with pytest.raises(ValueError, match="batch_size"):
        mser([1.0] * 10, batch_size=0)


def test_recommendation_says_when_a_series_never_settles() -> None:
    # A backlog that grows every day (a case a day, never answered) and no messages: the backlog
    # never settles, the unread stock (always 0) settles at once.
    log = LogBuilder()
    for day in range(60):
        log.case(minutes(day, 9), day, person=0)
    events = log.frame()
    by_series = {item.series: item for item in recommend_warmup(events, context(60))}
    assert not by_series["backlog"].settled
    assert by_series["unread"].settled
    assert by_series["unread"].truncate == 0
    columns = warmup_columns(events, context(60)).row(0, named=True)
    assert math.isnan(columns["warmup_backlog_days"])
    assert columns["warmup_recommended_days"] == 0.0


def test_warmup_series_counts_backlog_and_unread_at_the_end_of_each_day() -> None:
    log = LogBuilder()
    log.case(minutes(0, 9), 1, person=0)
    log.answer(minutes(1, 9), 1, staff=1, handling_minutes=5)
    log.message(minutes(0, 10), 1, 0)
    log.message(minutes(0, 11), 2, 0)
    log.read(minutes(2, 8), 1, 0)
    series = warmup_series(log.frame(), context(4))
    assert series["backlog"].to_list() == [1, 0, 0, 0]
    assert series["unread"].to_list() == [2, 2, 1, 1]
    # The warm-up of the context does not shorten the series that decide it.
    warm = dataclasses.replace(context(4), warmup_end=EPOCH + timedelta(days=2))
    assert warmup_series(log.frame(), warm).height == 4


def test_warmup_days_drop_the_warmup_from_every_flow_metric() -> None:
    # Day 0-1 is the warm-up. Case 1 (day 0) and message 1 (day 0) are in it; case 2 and
    # message 2 (day 3) are measured. Staff: a duty block each day, 60 busy minutes on day 0.
    log = LogBuilder()
    for day in range(6):
        log.shift(minutes(day, 8), minutes(day, 10), staff=1)
    log.case(minutes(0, 8), 1, person=0)
    log.answer(minutes(0, 9), 1, staff=1, handling_minutes=60)
    log.message(minutes(0, 9), 1, 0)
    log.read(minutes(0, 12), 1, 0)
    log.case(minutes(3, 8), 2, person=1)
    log.answer(minutes(3, 9), 2, staff=1, handling_minutes=30)
    log.message(minutes(3, 9), 2, 1)
    people = population([date(1980, 1, 1), date(1990, 1, 1)])
    whole = context(12)
    warm = dataclasses.replace(whole, warmup_end=EPOCH + timedelta(days=2))
    everything = summary_of(prepare(log.frame(), people, whole)).row(0, named=True)
    measured = summary_of(prepare(log.frame(), people, warm)).row(0, named=True)
    assert (everything["cases_started"], measured["cases_started"]) == (2, 1)
    assert (everything["messages_sent"], measured["messages_sent"]) == (2, 1)
    assert measured["read_share_7d"] == 0.0  # only message 2, never read
    assert measured["median_response_hours"] == pytest.approx(1.0)
    # Busy 30 of 4 duty blocks x 120 minutes after the warm-up; 90 of 720 over the whole run.
    assert everything["staff_utilisation"] == pytest.approx(90 / 720)
    assert measured["staff_utilisation"] == pytest.approx(30 / 480)
    # States at the end do not depend on the warm-up.
    assert measured["active_account_share"] == everything["active_account_share"]


def test_scenario_warmup_days_reach_the_metric_context() -> None:
    scenario = Scenario(duration_days=30, warmup_days=7)
    assert MetricContext.from_scenario(scenario).warmup_end == EPOCH + timedelta(days=7)
    assert MetricContext.from_scenario(Scenario(duration_days=30)).warmup_end is None


def test_warmup_must_end_before_the_run() -> None:
    with pytest.raises(ScenarioError, match="warmup_days"):
        Scenario.loads("duration_days = 10\nwarmup_days = 10\n")
    with pytest.raises(ValueError, match="warmup_end"):
        MetricContext(start=EPOCH, end=EPOCH + timedelta(days=1), warmup_end=EPOCH - timedelta(1))

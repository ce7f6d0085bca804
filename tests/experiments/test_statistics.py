"""Statistics over replications: t intervals, paired differences, replications needed."""

from __future__ import annotations

import math

import numpy as np
import polars as pl
import pytest

from etj_sim.experiments import (
    confidence_interval,
    paired_differences,
    replications_needed,
    summarise,
)

# Student t quantiles from a printed table (two-sided 95%): df 4 -> 2.776, df 2 -> 4.303.
T_975_DF4 = 2.7764
T_975_DF2 = 4.3027


def test_interval_of_a_hand_checked_sample() -> None:
    interval = confidence_interval([1.0, 2.0, 3.0, 4.0, 5.0])
    assert interval.n == 5
    assert interval.mean == 3.0
    assert interval.standard_deviation == pytest.approx(math.sqrt(2.5))
    # 2.7764 * 1.5811 / 2.2361 = 1.9632
    assert interval.half_width == pytest.approx(1.9632, abs=1e-4)
    assert (interval.low, interval.high) == pytest.approx((1.0368, 4.9632), abs=1e-4)


def test_interval_level_changes_the_quantile() -> None:
    values = [10.0, 12.0, 14.0]
    wide = confidence_interval(values, level=0.95)
    assert wide.half_width == pytest.approx(T_975_DF2 * 2.0 / math.sqrt(3), abs=1e-3)
    assert confidence_interval(values, level=0.8).half_width < wide.half_width


def test_interval_drops_nans_and_needs_two_values() -> None:
    interval = confidence_interval([4.0, float("nan"), 6.0])
    assert interval.n == 2
    assert interval.mean == 5.0
    single = confidence_interval([7.0])
    assert single.n == 1
    assert math.isnan(single.half_width)
    with pytest.raises(ValueError, match="level must be between 0 and 1"):
        confidence_interval([1.0, 2.0], level=95)


@pytest.mark.parametrize("level", [0.95, 0.8])
def test_interval_covers_the_true_mean_at_its_level(level: float) -> None:
    generator = np.random.default_rng(20260105)
    draws = 2_000
    true_mean = 5.0
    samples = generator.normal(true_mean, 2.0, size=(draws, 8))
    covered = 0
    for sample in samples:
        interval = confidence_interval(sample, level)
        covered += interval.low <= true_mean <= interval.high
    # Coverage is binomial(draws, level): allow four standard deviations.
    tolerance = 4 * math.sqrt(level * (1 - level) / draws)
    assert abs(covered / draws - level) < tolerance


def _runs() -> pl.DataFrame:
    return pl.DataFrame(
        {
            "design_point": [0, 0, 0, 1, 1, 1],
            "design_label": ["a", "a", "a", "b", "b", "b"],
            "replication": [0, 1, 2, 0, 1, 2],
            "seed": [7, 8, 9, 7, 8, 9],
            "run_id": ["r0", "r1", "r2", "r3", "r4", "r5"],
            "read_share_7d": [0.60, 0.70, 0.65, 0.66, 0.75, 0.72],
            "messages_sent": [100, 110, 120, 100, 110, 120],
        }
    )


def test_summarise_per_design_point_and_metric() -> None:
    table = summarise(_runs())
    assert table.columns[:3] == ["design_point", "design_label", "metric"]
    assert table.get_column("metric").to_list() == ["read_share_7d", "messages_sent"] * 2
    row = table.filter((pl.col("design_point") == 0) & (pl.col("metric") == "messages_sent")).row(
        0, named=True
    )
    assert (row["n"], row["mean"], row["standard_deviation"]) == (3, 110.0, 10.0)
    assert row["half_width"] == pytest.approx(T_975_DF2 * 10.0 / math.sqrt(3), abs=1e-3)


def test_paired_differences_pair_by_replication() -> None:
    table = paired_differences(_runs(), reference=0, metrics=["read_share_7d"])
    (row,) = table.iter_rows(named=True)
    # Differences 0.06, 0.05, 0.07: mean 0.06, sd 0.01.
    assert row["design_point"] == 1
    assert row["reference"] == 0
    assert row["mean"] == pytest.approx(0.06)
    assert row["standard_deviation"] == pytest.approx(0.01)
    assert row["half_width"] == pytest.approx(T_975_DF2 * 0.01 / math.sqrt(3), abs=1e-5)


def test_paired_differences_leave_out_unpaired_replications() -> None:
    runs = _runs().filter(~((pl.col("design_point") == 1) & (pl.col("replication") == 2)))
    (row,) = paired_differences(runs, metrics=["read_share_7d"]).iter_rows(named=True)
    assert row["n"] == 2
    assert row["mean"] == pytest.approx(0.055)


def test_statistics_name_bad_arguments() -> None:
    with pytest.raises(ValueError, match="reference design point 5"):
        paired_differences(_runs(), reference=5)
    with pytest.raises(ValueError, match=r"metric\(s\) \['nope'\]"):
        summarise(_runs(), ["nope"])


def test_replications_needed_finds_the_first_stable_n() -> None:
    # Alternating 0, 2: at even n the half-width is t(n-1) / sqrt(n-1): n = 8 gives 0.894,
    # n = 9 gives 0.810 (odd n: 5 zeros, 4 twos), n = 10 gives 2.262 / 3 = 0.754, and it only
    # shrinks after that.
    values = [0.0, 2.0] * 10
    assert replications_needed(values, half_width=0.8) == 10
    assert replications_needed(values, half_width=0.8, look_ahead=0) == 10


def test_replications_needed_extrapolates_when_the_sample_is_short() -> None:
    # Six values, s = sqrt(6/5) = 1.0954; t(20) * s / sqrt(21) = 2.086 * 1.0954 / 4.583 = 0.4986,
    # t(19) * s / sqrt(20) = 2.093 * 1.0954 / 4.472 = 0.5127: 21 replications.
    assert replications_needed([0.0, 2.0] * 3, half_width=0.5) == 21


def test_replications_needed_on_constant_output_is_the_minimum() -> None:
    assert replications_needed([3.0] * 10, half_width=0.1) == 2
    # Too few values to observe the look-ahead: the estimate is the first n it can still confirm.
    assert replications_needed([3.0] * 4, half_width=0.1) == 2


def test_replications_needed_rejects_bad_input() -> None:
    with pytest.raises(ValueError, match="at least 2 values"):
        replications_needed([1.0], half_width=0.1)
    with pytest.raises(ValueError, match="half_width must be positive"):
        replications_needed([1.0, 2.0], half_width=0.0)

"""Calibration: history matching recovers parameter values from figures the model itself made.

Pipeline position: tests of etj_sim.experiments.calibration. Figures of a small scenario run at
known values of never_read_share and alert_login_share become the targets (their mean over two
seeds, with a range of +-0.02); calibration from wide ranges must keep the known values plausible
and rule most of the ranges out.
"""

from __future__ import annotations

import polars as pl
import pytest

from etj_sim.experiments.calibration import calibrate, calibration_run
from etj_sim.scenario import Scenario

TRUTH = {"behaviour.never_read_share": 0.2, "behaviour.alert_login_share": 0.5}
PRIOR = {"behaviour.never_read_share": [0.0, 0.5], "behaviour.alert_login_share": [0.1, 0.95]}


def small_scenario() -> Scenario:
    return Scenario(name="calibration-test", duration_days=40).with_overrides(
        {"population.size": 3_000, "clinics.count": 1}
    )


def test_history_matching_recovers_known_values() -> None:
    base = small_scenario()
    observed = pl.concat(
        [calibration_run(base.with_overrides(TRUTH), seed).summary() for seed in (101, 102)]
    )
    targets = {
        metric: [observed[metric].mean() - 0.02, observed[metric].mean() + 0.02]
        for metric in ("read_share_7d", "ever_read_share")
    }
    calibration = calibrate(base, PRIOR, targets, points=16, waves=2, workers=1)
    assert calibration.matched
    for row in calibration.ranges.iter_rows(named=True):
        truth = TRUTH[row["parameter"]]
        assert row["plausible_low"] <= truth <= row["plausible_high"], row
        assert row["plausible_low"] <= row["best"] <= row["plausible_high"]
    # The targets rule out most of the prior box.
    assert calibration.waves["nroy_share"][0] < 0.4
    width = calibration.ranges["plausible_high"] - calibration.ranges["plausible_low"]
    prior_width = calibration.ranges["prior_high"] - calibration.ranges["prior_low"]
    assert (width < prior_width).all()
    assert (calibration.predictions["implausibility"] <= 3.0).all()
    fitted = calibration.fitted_scenario()
    assert fitted.behaviour.never_read_share == pytest.approx(
        calibration.best["behaviour.never_read_share"], rel=1e-3
    )
    assert Scenario.loads(fitted.to_toml()) == fitted
    assert calibration.runs.height == 32


def test_calibration_reports_bad_input_before_any_run() -> None:
    with pytest.raises(ValueError, match="unknown figure") as raised:
        calibrate(
            small_scenario(),
            {"behaviour.never_read_share": [0.3, 0.1], "behaviour.nope": [0.0, 1.0]},
            {"read_rate": [0.5, 0.6]},
        )
    message = str(raised.value)
    assert "low < high" in message
    assert "behaviour.nope" in message

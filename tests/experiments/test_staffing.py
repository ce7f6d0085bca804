"""The staffing advisor: targets, Erlang C, and the answer on an M/M/c scenario.

Pipeline position: tests of ``etj_sim.experiments.staffing`` and ``etj-sim staffing``. The
scenario is the model stripped to an M/M/c queue (as in tests/validation/test_queueing.py): one
clinic, nurses always on duty, Poisson arrivals of 0.5 a minute, exponential handling of 5
minutes, no dialogue rounds. Theory (M/M/c response time = wait + handling) puts the share
answered within 15 minutes at 0.707 with 3 nurses and 0.926 with 4, so the smallest level that
meets ``answered_within_0.25h_share>=0.85`` is 4, and Erlang C says so too.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from etj_sim.cli import main
from etj_sim.experiments.staffing import (
    advise_staffing,
    erlang_c_response_exceeds,
    erlang_c_staff,
    erlang_c_wait_probability,
    parse_target,
)
from etj_sim.scenario import AGE_BANDS, CASE_KINDS, Scenario

ARRIVALS_PER_MINUTE = 0.5
HANDLING_MINUTES = 5.0
POPULATION_SIZE = 1_500
ADULT_SHARE = 0.79  # of the "sweden" profile, to aim the rate; the runs measure their own


def mmc_scenario(nurses: int = 2, days: int = 3) -> Scenario:
    per_adult_year = ARRIVALS_PER_MINUTE * 1440 * 365 / (POPULATION_SIZE * ADULT_SHARE)
    adults = {band: 0.0 if band in ("0-12", "13-17") else 1.0 for band in AGE_BANDS}
    exponential = {
        "mean_minutes": HANDLING_MINUTES,
        "sd_minutes": 5.0,
        "distribution": "exponential",
    }
    return Scenario(name="mmc", duration_days=days).with_overrides(
        {
            "population.size": POPULATION_SIZE,
            "population.active_account_share_by_age": dict.fromkeys(AGE_BANDS, 1.0),
            "population.bankid_share_by_age": adults,
            "population.samordningsnummer_share": 0.0,
            "population.protected_share": 0.0,
            "demand.age_multiplier": adults,
            "demand.cases_per_person_per_year": {
                kind: per_adult_year if kind == CASE_KINDS[0] else 0.0 for kind in CASE_KINDS
            },
            "demand.weekday_weights": [1.0] * 7,
            "demand.hour_weights": [1.0] * 24,
            "demand.attachment_share": 0.0,
            "clinics.count": 1,
            "clinics.staff_per_clinic": {"nurse": nurses, "physician": 0, "administrator": 0},
            "clinics.open_weekdays": list(range(7)),
            "clinics.shift_start_hour": 0.0,
            "clinics.shift_end_hour": 24.0,
            "clinics.eservice_share_of_shift": 1.0,
            "clinics.allow_overrun": True,
            "clinics.dialogue_continue_share": 0.0,
            "clinics.handling_time": {kind: exponential for kind in (*CASE_KINDS, "reply")},
            "outreach.appointment_notices_per_person_per_year": 0.0,
            "outreach.questions_per_person_per_year": 0.0,
        }
    )


def response_share_within(servers: int, minutes: float) -> float:
    """M/M/c: P(wait + handling <= t)."""
    exceeds = erlang_c_response_exceeds(servers, ARRIVALS_PER_MINUTE, HANDLING_MINUTES, minutes)
    return 1.0 - exceeds


def test_erlang_c_matches_textbook_values() -> None:
    # M/M/1: C = rho; M/M/2 at a = 1: C = 1/3.
    assert erlang_c_wait_probability(1, 0.5) == pytest.approx(0.5)
    assert erlang_c_wait_probability(2, 1.0) == pytest.approx(1 / 3)
    assert erlang_c_wait_probability(2, 2.0) == 1.0  # unstable
    # M/M/1 response time is exponential with rate mu - lambda.
    assert erlang_c_response_exceeds(1, 0.5, 1.0, 2.0) == pytest.approx(math.exp(-1.0))
    assert response_share_within(3, 15) == pytest.approx(0.7068, abs=1e-3)
    assert response_share_within(4, 15) == pytest.approx(0.9255, abs=1e-3)


def test_erlang_c_staff_is_the_smallest_level_meeting_the_target() -> None:
    target = parse_target("answered_within_0.25h_share>=0.85")
    servers = erlang_c_staff(target, ARRIVALS_PER_MINUTE, HANDLING_MINUTES, duty_fraction=1.0)
    assert servers == 4
    backlog = parse_target("backlog_end<=3")
    # a = 2.5: L = C a / (c - a) + a is 6.0 at c = 3, 3.03 at c = 4 and 2.63 at c = 5.
    assert erlang_c_staff(backlog, ARRIVALS_PER_MINUTE, HANDLING_MINUTES, 1.0) == 5


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("answered_within_48h_share<=0.9", "more staff raises"),
        ("p90_response_hours>=10", "more staff lowers"),
        ("answered_within_48h_share>=1.5", "between 0 and 1"),
        ("waiting_time<=3", "unknown metric"),
        ("answered_within_48h_share", "METRIC>=VALUE"),
    ],
)
def test_bad_targets_say_what_is_wrong(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_target(text)


def test_targets_read_hours_and_quantiles() -> None:
    within = parse_target("answered_within_48h_share>=0.9")
    assert (within.within_hours, within.operator, within.value) == (48.0, ">=", 0.9)
    assert parse_target("p90_response_hours <= 24").quantile == 0.9
    assert within.met_by(0.91, 0.95) == "meets"
    assert within.met_by(0.85, 0.89) == "fails"
    assert within.met_by(0.88, 0.92) == "undecided"
    assert parse_target("backlog_end<=5").met_by(1.0, 4.0) == "meets"


def test_advisor_finds_the_erlang_c_answer_on_an_mmc_scenario(tmp_path: Path) -> None:
    advice = advise_staffing(
        mmc_scenario(),
        "nurse",
        "answered_within_0.25h_share>=0.85",
        workers=1,
        max_replications=8,
        out=tmp_path / "staffing",
    )
    assert advice.erlang_c_start == 4
    assert advice.recommendation() == 4
    assert advice.recommendation("0") == 4
    table = advice.table.filter(pl.col("clinic") == "all")
    decisions = dict(zip(table["level"], table["decision"], strict=True))
    assert decisions[3] == "fails"
    assert decisions[4] == "meets"
    at_four = table.filter(pl.col("level") == 4).row(0, named=True)
    assert at_four["ci_low"] <= response_share_within(4, 15) + 0.02
    # Common random numbers: every level ran the same seeds; resuming repeats nothing.
    again = advise_staffing(
        mmc_scenario(),
        "nurse",
        "answered_within_0.25h_share>=0.85",
        workers=1,
        max_replications=8,
        out=tmp_path / "staffing",
    )
    assert again.runs == 0
    assert again.recommended.equals(advice.recommended)


@dataclass(frozen=True)
class SaturatingOutput:
    row: pl.DataFrame

    @property
    def events(self) -> pl.DataFrame:
        return pl.DataFrame()

    def summary(self) -> pl.DataFrame:
        return self.row


def saturating_run(scenario: Scenario, seed: int) -> SaturatingOutput:
    """A stand-in whose share within 48 h rises with nurses up to 0.94, then stays: weekends."""
    nurses = scenario.clinics.staff_per_clinic["nurse"]
    noise = np.random.default_rng(seed).normal(0.0, 0.004)
    share = min(0.94, 0.8 + 0.05 * nurses) + noise
    return SaturatingOutput(
        pl.DataFrame(
            {"answered_within_48h_share": [share], "answered_within_48h_share@clinic_0": [share]}
        )
    )


def test_advisor_stops_when_more_staff_no_longer_helps() -> None:
    advice = advise_staffing(
        Scenario(), "nurse", "answered_within_48h_share>=0.95", workers=1, run=saturating_run,
        max_replications=6,
    )  # fmt: skip
    assert advice.recommendation() is None
    note = advice.recommended.filter(pl.col("clinic") == "all")["note"][0]
    assert "out of reach" in note
    assert advice.table["level"].max() <= 6  # it did not climb to max_level
    # A reachable target on the same stand-in: 0.89 needs 2 nurses (0.90), 1 gives 0.85.
    reachable = advise_staffing(
        Scenario(), "nurse", "answered_within_48h_share>=0.89", workers=1, run=saturating_run
    )
    assert reachable.recommendation() == 2


def test_staffing_command_refuses_bad_input_before_any_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    code = main(
        ["staffing", "baseline", "--role", "nurse", "--target", "speed>=1", "--out", str(out)]
    )
    assert code == 2
    assert "--target" in capsys.readouterr().err
    code = main(
        ["staffing", "baseline", "--role", "nurse", "--target", "backlog_end<=3", "--clinic", "9"]
    )
    assert code == 2
    assert "--clinic" in capsys.readouterr().err
    assert not out.exists()


def test_staffing_command_refuses_a_bad_or_unreachable_dask_scheduler(
    tmp_path: Path, refused_port: int, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    command = ["staffing", "baseline", "--role", "nurse", "--target", "backlog_end<=3"]
    for flags, message in (
        (["--dask", "tcp:/scheduler:8786"], "--dask: 'tcp:/scheduler:8786' is not a Dask"),
        (["--dask", "local", "--dask-timeout", "0"], "--dask-timeout: must be a positive"),
        (
            ["--dask", f"tcp://127.0.0.1:{refused_port}", "--dask-timeout", "2"],
            f"no Dask scheduler answered at tcp://127.0.0.1:{refused_port} within 2 s",
        ),
    ):
        assert main([*command, *flags, "--out", str(out)]) == 2
        err = capsys.readouterr().err
        assert message in err
        assert "Traceback" not in err
        assert not out.exists()


def test_staffing_command_writes_table_and_chart(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    scenario_file = tmp_path / "mmc.toml"
    scenario_file.write_text(mmc_scenario(days=2).to_toml(), encoding="utf-8")
    out = tmp_path / "out"
    code = main(
        ["staffing", str(scenario_file), "--role", "nurse", "--target",
         "answered_within_0.25h_share>=0.85", "--workers", "1", "--max-replications", "6",
         "--out", str(out)]
    )  # fmt: skip
    printed = capsys.readouterr().out
    assert code == 0, printed
    assert "clinic all: 4" in printed
    assert pl.read_parquet(out / "recommended.parquet").filter(pl.col("clinic") == "all")[
        "level"
    ].to_list() == [4]
    assert "vega" in (out / "staffing.html").read_text(encoding="utf-8")

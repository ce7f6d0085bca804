"""Shared fixtures for the experiment tests: a small base scenario and experiment files."""

from __future__ import annotations

from pathlib import Path

import pytest

from etj_sim.scenario import Scenario

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"


@pytest.fixture(scope="session")
def baseline() -> Scenario:
    return Scenario.load(SCENARIOS / "baseline.toml")


@pytest.fixture
def experiment_folder(tmp_path: Path) -> Path:
    """A folder with a copy of baseline.toml, for experiment files that name it."""
    (tmp_path / "baseline.toml").write_text(
        (SCENARIOS / "baseline.toml").read_text(encoding="utf-8"), encoding="utf-8"
    )
    return tmp_path

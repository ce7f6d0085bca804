"""scenario_to_toml: the full scenario as TOML that loads back equal, with the same hash."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from etj_sim.cli import main
from etj_sim.scenario import Scenario, scenario_to_toml

SCENARIOS_DIR = Path(__file__).resolve().parent.parent / "scenarios"
SHIPPED = sorted(path.stem for path in SCENARIOS_DIR.glob("*.toml"))


@pytest.mark.parametrize("name", SHIPPED)
def test_round_trip_of_every_shipped_scenario(name: str) -> None:
    scenario = Scenario.load(SCENARIOS_DIR / f"{name}.toml")
    again = Scenario.loads(scenario_to_toml(scenario))
    assert again == scenario
    assert again.content_hash == scenario.content_hash


def test_every_default_is_written_out() -> None:
    written = tomllib.loads(scenario_to_toml(Scenario()))
    assert written == Scenario().model_dump(mode="python")
    assert written["campaigns"] == []
    assert set(written["demand"]) == set(Scenario().demand.model_dump())


def test_the_text_validates_from_a_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    flu = Scenario.load(SCENARIOS_DIR / "flu-campaign.toml")
    path = tmp_path / "flu.toml"
    path.write_text(scenario_to_toml(flu), encoding="utf-8")
    assert Scenario.load(path) == flu
    assert main(["validate", str(path)]) == 0
    assert f"hash {flu.short_hash}" in capsys.readouterr().out


@settings(max_examples=40, deadline=None)
@given(
    name=st.text(min_size=1, max_size=30),
    description=st.text(max_size=60),
    share=st.floats(min_value=0.0, max_value=1.0),
)
def test_round_trip_of_any_valid_text_and_share(name: str, description: str, share: float) -> None:
    scenario = Scenario().with_overrides(
        {"name": name, "description": description, "outreach.digital_notice_share": share}
    )
    again = Scenario.loads(scenario_to_toml(scenario))
    assert again == scenario
    assert again.content_hash == scenario.content_hash

"""docs/scenarios.md: generated from the schema, and stale the moment the schema changes."""

from __future__ import annotations

from pathlib import Path

from etj_sim.scenario import Scenario
from etj_sim.scenario_reference import reference_markdown, reference_rows

REFERENCE = Path(__file__).resolve().parent.parent / "docs" / "scenarios.md"


def _paths(values: dict[str, object], prefix: str = "") -> set[str]:
    paths: set[str] = set()
    for key, value in values.items():
        if isinstance(value, dict) and value:
            paths |= _paths(value, f"{prefix}{key}.")
        else:
            paths.add(f"{prefix}{key}")
    return paths


def test_the_reference_is_up_to_date() -> None:
    assert REFERENCE.read_text(encoding="utf-8") == reference_markdown(), (
        "docs/scenarios.md is stale: run `python -m etj_sim.scenario_reference > docs/scenarios.md`"
    )


def test_every_key_of_a_scenario_is_listed() -> None:
    listed = {row.key for row in reference_rows()}
    kinds = Scenario().clinics.handling_time
    for path in _paths(Scenario().model_dump()):
        for kind in kinds:
            path = path.replace(f"handling_time.{kind}.", "handling_time.KIND.")
        # A table of numbers (age bands, roles) is one row; its keys are in the default.
        assert any(path == key or path.startswith(f"{key}.") for key in listed), path
    assert {"campaigns[].name", "campaigns[].day", "demand.scale"} <= listed


def test_rows_give_type_default_range_unit_and_source() -> None:
    rows = {row.key: row for row in reference_rows()}
    share = rows["alerts.opt_in_share"]
    assert (share.type, share.default, share.range, share.unit) == (
        "number",
        "0.55",
        "0 to 1",
        "share (0-1)",
    )
    assert share.source == "assumption: opt-in share not found (docs/sources.md)"
    assert rows["duration_days"].range == "> 0, <= 3650"
    assert rows["clinics.handling_time.KIND.distribution"].type == (
        'one of "lognormal", "exponential"'
    )
    assert "VGR" in rows["outreach.digital_notice_share"].source
    # Every default the code cites a source or an assumption for says so here.
    uncited = [key for key, row in rows.items() if not row.source]
    assert "population.female_share" not in uncited

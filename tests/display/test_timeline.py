"""Timelines from an event log: every event about a person or a case, in order, with names.

Pipeline position: tests of ``etj_sim.display.timeline`` (event log -> display), on the
hand-built service and on a small simulated run.
"""

from __future__ import annotations

import sys
from pathlib import Path

import polars as pl
import pytest
from conftest import Family, checked_html

from etj_sim import display

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "simulation"))
from simulation_runs import run_small


def _events(family: Family) -> pl.DataFrame:
    log = family.services.event_log
    assert log is not None
    return log.to_frame()


def test_person_timeline_in_order_with_actors_and_channels(family: Family) -> None:
    family.lisa_proxy.read(family.answer)
    frame = display.timeline_frame(_events(family), persons=family.lisa)
    assert frame["time"].is_sorted()
    events = frame["event"].cast(pl.String).to_list()
    for name in ("account_activated", "case_started", "case_answered", "alert_sent"):
        assert name in events
    assert (
        events.index("case_started") < events.index("case_answered") < events.index("message_read")
    )
    text = checked_html(
        display.timeline(_events(family), persons=family.lisa, services=family.services).html
    )
    assert "Timeline of Lisa Andersson" in text
    assert "Anna Andersson · guardian by proxy (ombud)" in text
    assert "Sara Nilsson (nurse)" in text
    assert "Lisa Andersson → Anna Andersson" in text  # the alert reached the guardian's mobile
    assert "SMS" in text
    assert "1177.se" in text


def test_a_guardians_own_events_are_in_her_timeline(family: Family) -> None:
    frame = display.timeline_frame(_events(family), persons=[family.anna])
    acted_for_lisa = frame.filter(
        (pl.col("person") == family.lisa) & (pl.col("actor_role").cast(pl.String) != "system")
    )
    assert acted_for_lisa.height > 0
    assert set(acted_for_lisa["actor_role"].cast(pl.String)) == {"guardian_proxy"}
    assert set(acted_for_lisa["actor"].to_list()) == {family.anna}


def test_case_timeline_in_swedish(family: Family) -> None:
    text = checked_html(
        display.timeline(
            _events(family), case=family.lisa_case, services=family.services, lang="sv"
        ).html
    )
    assert "Tidslinje för ärende" in text
    assert "ärende startat" in text
    assert "ärende besvarat" in text
    assert "Maria" not in text


def test_timeline_needs_exactly_one_subject(family: Family) -> None:
    with pytest.raises(ValueError, match=r"persons= .* or case="):
        display.timeline_frame(_events(family))
    with pytest.raises(ValueError, match="not both"):
        display.timeline_frame(_events(family), persons=1, case=0)
    with pytest.raises(ValueError, match="limit must be at least 1"):
        display.timeline(_events(family), persons=1, limit=0)


def test_timeline_of_nobody_says_so(family: Family) -> None:
    text = checked_html(display.timeline(_events(family), persons=999).html)
    assert "No event in the log." in text


def test_follow_one_family_through_a_simulated_run() -> None:
    result = run_small()
    guardians = result.guardianships
    child = int(guardians["child"][0])
    family = display.household_of(result.population, child)
    assert child in family
    frame = display.timeline_frame(result.events, persons=family)
    assert frame.height > 0
    assert frame["time"].is_sorted()
    shown = display.timeline(result.events, persons=family, population=result.population, limit=40)
    text = checked_html(shown.html)
    first = result.population.filter(pl.col("person") == child)["first_name"][0]
    assert first in text
    assert "person " not in text.split("Timeline of")[1].split("When")[0]
    assert len(repr(shown).splitlines()) == min(frame.height, 40) + 1

"""The dashboard component rendered in a kernel, as JupyterLab shows it (no browser).

Pipeline position: the app (``etj_sim.app.Dashboard``), last in the pipeline. Rendered with
``solara.render`` as Mesa tests its Solara pages; the browser tests (test_dashboard_browser.py)
cover the served page.
"""

from __future__ import annotations

import time

import ipyvuetify as v
import pytest
import solara

from etj_sim.app import Dashboard
from etj_sim.app.planning import HEADLINE_METRICS, shipped_catalogue
from etj_sim.i18n import format_quantity
from etj_sim.metrics import SUMMARY_COLUMNS
from etj_sim.simulation import simulate

SMALL = {"population.size": 2_000, "clinics.count": 1, "duration_days": 14}


def texts(rendering: object, css_class: str) -> list[str]:
    found = rendering.find(v.Html, class_=css_class)  # type: ignore[attr-defined]
    return [widget.children[0] for widget in found.widgets]


def test_dashboard_runs_its_scenario_when_rendered() -> None:
    scenario = shipped_catalogue()["baseline"].with_overrides(SMALL)
    element = Dashboard(language="en", scenario=scenario, size="scenario", replications=0)
    _, rendering = solara.render(element, handle_error=False)
    try:
        rendering.find(v.Html, class_="etj-value").wait_for(timeout=120)
        labels = [
            widget.children[0] for widget in rendering.find(v.Html, class_="etj-label").widgets
        ]
        values = [
            widget.children[0] for widget in rendering.find(v.Html, class_="etj-value").widgets
        ]
    finally:
        rendering.close()
    assert labels == [SUMMARY_COLUMNS[name].label.en for name in HEADLINE_METRICS]
    # The figures of the run the page shows are those of simulate() with the page's seed.
    row = simulate(scenario, 1).summary().row(0, named=True)
    for name, shown in zip(HEADLINE_METRICS, values, strict=True):
        unit = SUMMARY_COLUMNS[name].unit
        assert shown.startswith(format_quantity(row[name], unit, "en")), name


@pytest.mark.parametrize(
    ("arguments", "named"),
    [
        ({"scenario": "no-such-scenario"}, "scenario"),
        ({"size": "village"}, "size"),
        ({"replications": -1}, "replications"),
    ],
)
def test_bad_arguments_are_refused_by_name(arguments: dict[str, object], named: str) -> None:
    with pytest.raises(ValueError, match=named):
        solara.render(Dashboard(**arguments), handle_error=False)


def test_a_lever_reruns_and_replications_give_the_change() -> None:
    scenario = shipped_catalogue()["baseline"].with_overrides(SMALL)
    element = Dashboard(language="en", scenario=scenario, size="scenario", replications=2)
    _, rendering = solara.render(element, handle_error=False)
    try:
        rendering.find(v.Html, class_="etj-value").wait_for(timeout=120)
        assert texts(rendering, "etj-change-note") == [
            "No lever differs from the reference: move one to see the change."
        ]
        nurses = rendering.find(v.Slider, class_="etj-lever etj-lever-staff_nurse")
        nurses.widget.fire_event("change", 4)
        # The run of the variant, then both pairs of replications, then the change with intervals.
        rendering.find(v.Html, class_="etj-change").wait_for(timeout=180)
        for _ in range(600):
            notes = texts(rendering, "etj-change-note")
            if notes and notes[0].startswith("Reference") and " 2 of 2 " in notes[0]:
                break
            time.sleep(0.2)
        else:
            pytest.fail(f"the replications did not finish: {texts(rendering, 'etj-change-note')}")
        changes = texts(rendering, "etj-change")
        status = texts(rendering, "etj-ran")
    finally:
        rendering.close()
    assert "baseline-dashboard" in status[0]
    assert len(changes) == len(HEADLINE_METRICS)
    assert all(" to " in change for change in changes), changes

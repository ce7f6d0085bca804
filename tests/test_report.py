"""The run and comparison reports: self-contained, offline, in both languages, every chart drawn
at a visible size in headless Chromium (driven by Playwright) with no console errors."""

from __future__ import annotations

import html
import re
import sys
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import polars as pl
import pytest

sys.path.insert(0, str(Path(__file__).parent / "metrics"))
from metric_builders import context, day_of_work, minutes, population

from etj_sim.charts import CHART_NAMES, chart_title
from etj_sim.comparison import compare_runs
from etj_sim.i18n import Language
from etj_sim.metrics import SUMMARY_COLUMNS
from etj_sim.report import (
    REPORT_FILE_NAME,
    RunInfo,
    changed_values,
    write_comparison_report,
    write_report,
    write_result_report,
)
from etj_sim.scenario import Scenario

CONTEXT = context(days=14)
PEOPLE = population([date(1980, 1, 1), date(2019, 1, 1), date(1940, 1, 1)], sms=[True, False, True])
RUNS = pl.DataFrame(
    {
        "design_point": [0, 0, 0, 1, 1, 1],
        "design_label": ["baseline"] * 3 + ["nudge"] * 3,
        "seed": [1, 2, 3, 1, 2, 3],
        "read_share_7d": [0.60, 0.62, 0.61, 0.70, 0.71, 0.69],
        "p90_response_hours": [30.0, 31.0, 29.0, 25.0, 27.0, 26.0],
    }
)
COMPARISON = compare_runs(RUNS)
SCENARIO = Scenario(
    name="Baseline <Exempelstad>",
    description="Two weeks & three persons",
    start_date=date(2026, 1, 5),
    duration_days=14,
).with_overrides({"outreach.digital_notice_share": 0.9, "clinics.staff_per_clinic.nurse": 1})
RUN_CHARTS = [name for name in CHART_NAMES if name != "scenario_comparison"]


def build_log() -> pl.DataFrame:
    log = day_of_work()
    log.paper(minutes(1), 2)
    return log.frame()


@pytest.fixture(scope="module", params=["en", "sv"])
def report(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    lang: Language = request.param
    return write_report(
        tmp_path_factory.mktemp(f"report-{lang}"),
        scenario_name=SCENARIO.name,
        description=SCENARIO.description,
        events=build_log(),
        population=PEOPLE,
        context=CONTEXT,
        comparison=COMPARISON,
        lang=lang,
        scenario=SCENARIO,
        info=RunInfo(seed=7, version="9.9", overrides={"clinics.staff_per_clinic.nurse": 1}),
    )


def _lang_of(page: Path) -> Language:
    return "sv" if page.parent.name.startswith("report-sv") else "en"


# ``browser`` is pytest-playwright's, launching Debian's Chromium (tests/conftest.py).


def render(browser: object, page_path: Path) -> tuple[dict[str, tuple[float, float]], list[str]]:
    """Each chart's drawn size (width, height in CSS pixels) and the console errors of the page."""
    page = browser.new_page(viewport={"width": 1200, "height": 900})  # type: ignore[attr-defined]
    errors: list[str] = []
    page.on(
        "console", lambda message: errors.append(message.text) if message.type == "error" else None
    )
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(page_path.as_uri())
    page.wait_for_function("document.body.hasAttribute('data-charts-rendered')", timeout=60_000)
    sizes = page.evaluate(
        """() => Object.fromEntries(Array.from(document.querySelectorAll('[data-chart]')).map(
             (box) => { const svg = box.querySelector('svg');
                        const r = svg ? svg.getBoundingClientRect() : {width: 0, height: 0};
                        return [box.dataset.chart, [r.width, r.height]]; }))"""
    )
    body = page.evaluate("[document.body.dataset.chartsRendered, document.body.dataset.errors]")
    page.close()
    assert body == [str(len(sizes)), "0"], body
    return {name: (width, height) for name, (width, height) in sizes.items()}, errors


def test_report_draws_every_chart_at_a_visible_size(browser: object, report: Path) -> None:
    sizes, errors = render(browser, report)
    assert errors == []
    assert set(sizes) == set(CHART_NAMES)
    for name, (width, height) in sizes.items():
        assert width >= 300, (name, width)
        assert height >= 100, (name, height)


def test_comparison_report_draws_its_chart(browser: object, tmp_path: Path) -> None:
    for lang in ("sv", "en"):
        page = write_comparison_report(tmp_path / lang, COMPARISON, sources=["a", "b"], lang=lang)
        sizes, errors = render(browser, page)
        assert errors == []
        (width, height) = sizes["scenario_comparison"]
        assert width >= 300
        assert height >= 100
        text = page.read_text(encoding="utf-8")
        assert f'<html lang="{lang}">' in text
        assert "data-metric='p90_response_hours'" in text


def test_report_is_self_contained(report: Path) -> None:
    page = report.read_text(encoding="utf-8")
    assert re.search(r"""(src|href)\s*=\s*["']?\s*(https?:)?//""", page, re.IGNORECASE) is None
    assert re.search(r"<link\b", page, re.IGNORECASE) is None
    assert re.search(r"@import", page) is None
    # Four scripts: the Vega bundle (embedded once), the chart specs, their number and date
    # formats, the embedding code.
    assert len(re.findall(r"<script\b", page, re.IGNORECASE)) == 4


def test_report_has_provenance_headline_and_sections(report: Path) -> None:
    page = report.read_text(encoding="utf-8")
    lang = _lang_of(report)
    assert f'<html lang="{lang}">' in page
    assert "<h1>Baseline &lt;Exempelstad&gt;</h1>" in page
    assert "Two weeks &amp; three persons" in page
    assert f"<code>{SCENARIO.content_hash}</code>" in page
    assert "<td>7</td>" in page  # the seed
    assert "<td>9.9</td>" in page  # the version
    # Every value differing from the defaults, the one set on the command line marked.
    for key, _, _ in changed_values(SCENARIO):
        assert f"<code>{key}</code>" in page
    assert "<code>clinics.staff_per_clinic.nurse</code> <small>(--set)</small>" in page
    for name, column in SUMMARY_COLUMNS.items():
        assert f"<code class='name'>{name}</code>" in page
        assert html.escape(column.meaning.of(lang)) in page
        assert html.escape(column.label.of(lang)) in page
    # The scenario changes notices and clinics: those sections, no campaign section.
    assert "data-focus='notices'" in page
    assert "data-focus='service'" in page
    assert "data-focus='campaign'" not in page
    assert "<code>outreach.digital_notice_share</code>" in page
    for name in CHART_NAMES:
        assert html.escape(chart_title(name, lang)) in page


def test_report_numbers_follow_the_language(report: Path) -> None:
    page = report.read_text(encoding="utf-8")
    if _lang_of(report) == "sv":
        assert "Vad som kördes" in page
        assert "90,0\u00a0%" in page  # outreach.digital_notice_share set to 0.9
        assert "5 januari 2026" in page
    else:
        assert "What was run" in page
        assert "90.0%" in page
        assert "5 January 2026" in page


def test_report_writes_a_png_per_chart(report: Path) -> None:
    for name in CHART_NAMES:
        image = report.parent / f"{name}.png"
        assert image.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", name


@dataclass(frozen=True)
class FakeResult:
    events: pl.DataFrame
    population: pl.DataFrame
    scenario: Scenario


def test_write_result_report_takes_a_simulation_result(tmp_path: Path) -> None:
    scenario = Scenario(
        name="tiny", description="A tiny run", start_date=date(2026, 1, 5), duration_days=14
    )
    path = write_result_report(
        FakeResult(build_log(), PEOPLE, scenario), tmp_path / "out", png=False
    )
    assert path == tmp_path / "out" / REPORT_FILE_NAME
    page = path.read_text(encoding="utf-8")
    assert "<h1>tiny</h1>" in page
    assert "5 January 2026 to 18 January 2026 (14 days)" in page
    assert "Every value is the default." not in page  # start date and length differ
    assert not list(path.parent.glob("*.png"))

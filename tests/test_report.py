"""The run report: self-contained, offline, every chart rendered in headless Chromium."""

from __future__ import annotations

import html
import re
import subprocess
import sys
from dataclasses import dataclass
from datetime import date
from html.parser import HTMLParser
from pathlib import Path

import polars as pl
import pytest

sys.path.insert(0, str(Path(__file__).parent / "metrics"))
from metric_builders import context, day_of_work, minutes, population

from etj_sim.charts import CHART_TITLES
from etj_sim.metrics import SUMMARY_COLUMNS
from etj_sim.report import REPORT_FILE_NAME, write_report, write_result_report
from etj_sim.scenario import Scenario

CHROMIUM = Path("/usr/bin/chromium")
CONTEXT = context(days=14)
PEOPLE = population([date(1980, 1, 1), date(2019, 1, 1), date(1940, 1, 1)], sms=[True, False, True])
COMPARISON = pl.DataFrame(
    {
        "scenario": ["baseline", "nudge"],
        "metric": ["read_share_7d", "read_share_7d"],
        "mean": [0.6, 0.7],
        "ci_low": [0.55, 0.66],
        "ci_high": [0.65, 0.74],
    }
)


def build_log() -> pl.DataFrame:
    log = day_of_work()
    log.paper(minutes(1), 2)
    return log.frame()


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_report(
        tmp_path_factory.mktemp("report"),
        scenario_name="Baseline <Exempelstad>",
        description="Two weeks & three persons",
        events=build_log(),
        population=PEOPLE,
        context=CONTEXT,
        comparison=COMPARISON,
    )


class _ChartContainers(HTMLParser):
    """Counts <svg> elements inside each chart container (div with data-chart)."""

    def __init__(self) -> None:
        super().__init__()
        self.svgs: dict[str, int] = {}
        self.body: dict[str, str | None] = {}
        self._current: str | None = None
        self._depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag == "body":
            self.body = attributes
        if self._current is not None:
            if tag == "div":
                self._depth += 1
            if tag == "svg":
                self.svgs[self._current] += 1
        elif tag == "div" and (chart := attributes.get("data-chart")):
            self._current = chart
            self.svgs[chart] = 0
            self._depth = 1

    def handle_endtag(self, tag: str) -> None:
        if self._current is not None and tag == "div":
            self._depth -= 1
            if self._depth == 0:
                self._current = None


def render(page: Path, profile: Path) -> tuple[str, str]:
    """The DOM of ``page`` after scripts ran, and Chromium's log, from headless Chromium."""
    if not CHROMIUM.exists():
        pytest.fail(
            f"{CHROMIUM} is missing: install Chromium (apt-get install chromium) "
            "to check that the report renders"
        )
    command = [
        str(CHROMIUM),
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={profile}",
        "--enable-logging=stderr",
        "--v=0",
        "--virtual-time-budget=20000",
        "--dump-dom",
        page.as_uri(),
    ]
    completed = subprocess.run(command, capture_output=True, text=True, timeout=180, check=False)
    assert completed.returncode == 0, completed.stderr[-2000:]
    return completed.stdout, completed.stderr


def test_report_renders_every_chart_in_chromium(report: Path, tmp_path: Path) -> None:
    dom, log = render(report, tmp_path / "profile")
    parser = _ChartContainers()
    parser.feed(dom)
    assert set(parser.svgs) == set(CHART_TITLES)
    assert all(count >= 1 for count in parser.svgs.values()), parser.svgs
    assert parser.body.get("data-charts-rendered") == str(len(CHART_TITLES))
    assert parser.body.get("data-errors") == "0"
    console_errors = [
        line
        for line in log.splitlines()
        if ":CONSOLE" in line and ("Uncaught" in line or "Error" in line)
    ]
    assert console_errors == []


def test_report_is_self_contained(report: Path) -> None:
    page = report.read_text(encoding="utf-8")
    assert re.search(r"""(src|href)\s*=\s*["']?\s*(https?:)?//""", page, re.IGNORECASE) is None
    assert re.search(r"<link\b", page, re.IGNORECASE) is None
    assert re.search(r"@import", page) is None
    # Three scripts: the Vega bundle (embedded once), the chart specs, the embedding code.
    assert len(re.findall(r"<script\b", page, re.IGNORECASE)) == 3


def test_report_has_title_description_and_headline_table(report: Path) -> None:
    page = report.read_text(encoding="utf-8")
    assert "<h1>Baseline &lt;Exempelstad&gt;</h1>" in page
    assert "Two weeks &amp; three persons" in page
    for name, column in SUMMARY_COLUMNS.items():
        assert f"<code>{name}</code>" in page
        assert html.escape(column.meaning.en) in page
    for title in CHART_TITLES.values():
        assert title in page


def test_report_writes_a_png_per_chart(report: Path) -> None:
    for name in CHART_TITLES:
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
    assert "2026-01-05 to 2026-01-18" in page
    assert not list(path.parent.glob("*.png"))

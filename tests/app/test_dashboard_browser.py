"""The dashboard in a real browser: ``etj-sim app`` served, Debian's Chromium driving the page.

Pipeline position: the app, last in the pipeline; through the page the whole pipeline runs
(scenario -> simulation -> metrics -> charts -> report). Each test opens a fresh page (its own
Solara session) on the module's server (``app_server`` in conftest.py).
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import pytest
from playwright.sync_api import ConsoleMessage, Page, Request, expect

from etj_sim.cli import main
from etj_sim.scenario import Scenario

from .conftest import TEST_REPLICATIONS, AppServer

pytestmark = pytest.mark.slow

FIRST_RUN_MS = 90_000
RUN_MS = 60_000
# The paired replications after a lever move: 2 x TEST_REPLICATIONS town runs behind the page's
# own. On a shared host at half speed, with the other xdist worker busy, they took over 60 s
# (CI of 2026-12-07 stopped at "2 of 3"); the test's own limit (300 s) still bounds the wait.
REPLICATIONS_MS = 180_000

OPT_IN_VALUE = ".etj-metric-alert_opt_in_share .etj-value"


def open_dashboard(page: Page, server: AppServer) -> None:
    page.goto(server.url)
    expect(page.locator(OPT_IN_VALUE)).to_be_visible(timeout=FIRST_RUN_MS)


def test_page_loads_with_no_console_errors_and_nothing_from_outside(
    page: Page, app_server: AppServer
) -> None:
    problems: list[str] = []
    outside: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error":
            problems.append(message.text)

    def on_request(request: Request) -> None:
        if not request.url.startswith((app_server.url, "data:", "blob:")):
            outside.append(request.url)

    page.on("console", on_console)
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.on("requestfailed", lambda request: problems.append(f"failed: {request.url}"))
    page.on("request", on_request)
    open_dashboard(page, app_server)
    expect(page.get_by_text("etj_sim: what if?")).to_be_visible()
    # Every chart drawn (as SVG, by the server).
    for name in ("read_curve", "message_funnel", "backlog", "utilisation_heatmap"):
        expect(page.locator(f".etj-chart-{name} svg")).to_be_visible()
    page.wait_for_timeout(1_000)  # late requests and errors of the first render
    assert problems == []
    assert outside == []


def test_moving_a_lever_reruns_and_the_headline_changes(page: Page, app_server: AppServer) -> None:
    open_dashboard(page, app_server)
    before = page.locator(OPT_IN_VALUE).inner_text()
    runs_before = app_server.runs_logged()
    # All accounts with alerts at the start: the keyboard moves the thumb to the end.
    thumb = page.locator(".etj-lever-alert_opt_in_share [role=slider]")
    thumb.focus()
    thumb.press("End")
    expect(page.locator(OPT_IN_VALUE)).not_to_have_text(before, timeout=RUN_MS)
    after = page.locator(OPT_IN_VALUE).inner_text()
    assert float(re.sub(r"[^0-9.]", "", after)) > float(re.sub(r"[^0-9.]", "", before))
    assert app_server.runs_logged() == runs_before + 1
    # The replications with common random numbers then give the change with its interval.
    note = page.locator(".etj-change-note")
    expect(note).to_contain_text(
        f"{TEST_REPLICATIONS} of {TEST_REPLICATIONS}", timeout=REPLICATIONS_MS
    )
    change = page.locator(".etj-metric-alert_opt_in_share .etj-change")
    expect(change).to_contain_text("pp")
    expect(change).to_contain_text(" to ")


def test_an_invalid_upload_shows_its_errors_and_runs_nothing(
    page: Page, app_server: AppServer
) -> None:
    open_dashboard(page, app_server)
    runs_before = app_server.runs_logged()
    page.locator(".etj-scenario input[type=file]").set_input_files(
        files=[
            {
                "name": "bad.toml",
                "mimeType": "application/toml",
                "buffer": b"[clinics]\nstaf_per_clinic = 3\n[alerts]\nopt_in_share = 1.5\n",
            }
        ]
    )
    problems = page.locator(".etj-upload-problems")
    expect(problems).to_contain_text("bad.toml was not run", timeout=RUN_MS)
    expect(problems).to_contain_text("clinics.staf_per_clinic")
    expect(problems).to_contain_text("did you mean")
    expect(problems).to_contain_text("alerts.opt_in_share")
    # Nothing of an earlier run stays on show for a scenario that did not run.
    expect(page.locator(".etj-card")).to_have_count(0)
    page.wait_for_timeout(2_000)
    assert app_server.runs_logged() == runs_before


def test_a_valid_upload_runs(page: Page, app_server: AppServer) -> None:
    open_dashboard(page, app_server)
    page.locator(".etj-scenario input[type=file]").set_input_files(
        files=[
            {
                "name": "mine.toml",
                "mimeType": "application/toml",
                "buffer": b'name = "uploaded-town"\n[alerts]\nopt_in_share = 0.8\n',
            }
        ]
    )
    expect(page.locator(".etj-ran")).to_contain_text("uploaded-town", timeout=RUN_MS)


def test_downloads_arrive_and_the_scenario_validates(
    page: Page, app_server: AppServer, tmp_path: Path
) -> None:
    open_dashboard(page, app_server)
    with page.expect_download(timeout=RUN_MS) as arrived:
        page.get_by_text("Scenario (TOML)").click()
    scenario_file = tmp_path / arrived.value.suggested_filename
    arrived.value.save_as(scenario_file)
    assert scenario_file.suffix == ".toml"
    assert main(["validate", str(scenario_file)]) == 0
    assert Scenario.load(scenario_file).population.size == 20_000  # the town preset
    with page.expect_download(timeout=RUN_MS) as arrived:
        page.get_by_text("Report (HTML)").click()
    report = tmp_path / arrived.value.suggested_filename
    arrived.value.save_as(report)
    text = report.read_text("utf-8")
    assert text.startswith("<!DOCTYPE html>")
    assert '<html lang="en">' in text
    assert "chart-specs" in text
    with page.expect_download(timeout=RUN_MS) as arrived:
        page.get_by_text("Tables (Excel)").click()
    tables = tmp_path / arrived.value.suggested_filename
    arrived.value.save_as(tables)
    with zipfile.ZipFile(tables) as workbook:
        assert 'name="summary"' in workbook.read("xl/workbook.xml").decode("utf-8")


def test_the_language_switch_changes_the_labels(page: Page, app_server: AppServer) -> None:
    open_dashboard(page, app_server)
    expect(page.get_by_text("Levers", exact=True)).to_be_visible()
    expect(page.locator(".etj-chart-read_curve svg")).to_contain_text("Days since delivery")
    value_in_english = page.locator(OPT_IN_VALUE).inner_text()
    page.locator(".etj-language").get_by_text("sv", exact=True).click()
    expect(page.get_by_text("Reglage", exact=True)).to_be_visible()
    expect(page.get_by_text("etj_sim: tänk om?")).to_be_visible()
    expect(page.get_by_text("Levers", exact=True)).to_have_count(0)
    # Numbers are written the Swedish way (decimal comma, space before %), by Babel.
    in_swedish = value_in_english.replace(".", ",").replace("%", "\u00a0%")
    expect(page.locator(OPT_IN_VALUE)).to_have_text(in_swedish)
    # The charts are drawn again in Swedish.
    expect(page.locator(".etj-chart-read_curve svg")).to_contain_text("Dagar sedan leverans")


def test_the_notice_policy_lever_reruns_and_goes_into_the_download(
    page: Page, app_server: AppServer, tmp_path: Path
) -> None:
    open_dashboard(page, app_server)
    letters = page.locator(".etj-metric-paper_letters .etj-value")
    before = letters.inner_text()
    lever = page.locator(".etj-lever-notice_policy")
    lever.get_by_text("Paper only", exact=True).click()
    expect(letters).not_to_have_text(before, timeout=RUN_MS)
    after = letters.inner_text()
    assert int(re.sub(r"[^0-9]", "", after)) > int(re.sub(r"[^0-9]", "", before))
    # Paper if unread: the hours slider appears with Karolinska's 48 hours.
    lever.get_by_text("Paper if unread", exact=True).click()
    hours = page.locator(".etj-lever-fallback_after_hours [role=slider]")
    expect(hours).to_have_attribute("aria-valuenow", "48", timeout=RUN_MS)
    expect(page.locator(".etj-ran")).to_contain_text("dashboard", timeout=RUN_MS)
    with page.expect_download(timeout=RUN_MS) as arrived:
        page.get_by_text("Scenario (TOML)").click()
    scenario_file = tmp_path / arrived.value.suggested_filename
    arrived.value.save_as(scenario_file)
    assert main(["validate", str(scenario_file)]) == 0
    notices = Scenario.load(scenario_file).notices
    assert (notices.policy, notices.fallback_after_hours) == ("digital", 48.0)

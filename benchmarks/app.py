"""Benchmark of the dashboard: a lever moved in a real browser until the page is redrawn.

Pipeline position: measures the app (``etj-sim app``) end to end, through the whole pipeline
(scenario -> simulation -> metrics -> charts -> page). Target (issue 17): after a lever change,
a 20,000-person 60-day town (the ``town`` preset) is re-run and redrawn in at most 1.5 s on this
machine; background replications never block the page.

It first times ``run_once`` (simulate, measure, draw) in its own process, without a server.
Then it serves ``etj-sim app`` on a free port, opens it in Debian's Chromium through Playwright, and
moves the nurses-per-clinic lever back and forth with the keyboard. Each change is timed from
the key press until the page shows the new run (its status line names the new scenario hash);
the status line also gives the server's own seconds (simulate, measure, draw). Every change
starts the paired replications again, so the worker process is busy with them during every
change after the first. Then, while replications run, the language switch is timed until the
labels change: the page answers while replications are under way.

Run: ``.venv/bin/python -m benchmarks.app [--changes N] [--replications N]``; prints one figure
a line and a JSON object on the last line. The server is started with the same interpreter
(``-P``: the installed etj_sim), so for the compiled build run
``.venv-compiled/bin/python benchmarks/installed.py app`` (as ``python -m benchmarks`` does),
and the figures say ``"build": "compiled"``.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

from playwright.sync_api import Page, expect, sync_playwright

import benchmarks

CHROMIUM_ARGUMENTS = [
    "--no-sandbox",
    "--headless=new",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
STATUS = ".etj-ran"
# True once the status line of a finished run is back, naming another run than ``before``.
NEW_STATUS_SCRIPT = """([selector, before]) => {
    const status = document.querySelector(selector);
    return status !== null && status.innerText !== before;
}"""
NURSES = ".etj-lever-staff_nurse [role=slider]"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def wait_until_serving(url: str, process: subprocess.Popen[bytes], timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit("etj-sim app stopped at start")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.3)
    raise SystemExit(f"etj-sim app did not answer in {timeout} s")


def server_seconds(status: str) -> float:
    """The seconds the status line gives for simulate + measure + draw."""
    match = re.search(r"drawn in ([\d.]+) s", status)
    if match is None:
        raise SystemExit(f"no run time in the status line {status!r}")
    return float(match.group(1))


def time_lever_changes(page: Page, changes: int) -> tuple[list[float], list[float]]:
    """Seconds from key press to the redrawn page, and the server's seconds, per change."""
    browser_seconds: list[float] = []
    run_seconds: list[float] = []
    thumb = page.locator(NURSES)
    for index in range(changes):
        before = page.locator(STATUS).inner_text()
        thumb.focus()
        started = time.perf_counter()
        thumb.press("ArrowRight" if index % 2 == 0 else "ArrowLeft")
        # Checked at every animation frame in the page: ``expect`` polls with a backoff (100,
        # 250, 500, 1000 ms), which would round each change up to its next poll.
        page.wait_for_function(
            NEW_STATUS_SCRIPT, arg=[STATUS, before], polling="raf", timeout=60_000
        )
        browser_seconds.append(time.perf_counter() - started)
        run_seconds.append(server_seconds(page.locator(STATUS).inner_text()))
        # Let the replications of this change get going, as a planner reading the cards would.
        page.wait_for_timeout(1_000)
    return browser_seconds, run_seconds


def time_language_switches(page: Page, switches: int) -> list[float]:
    """Seconds from a click on the language switch to the changed labels."""
    seconds: list[float] = []
    for index in range(switches):
        language, heading = ("sv", "Reglage") if index % 2 == 0 else ("en", "Levers")
        started = time.perf_counter()
        page.locator(".etj-language").get_by_text(language, exact=True).click()
        expect(page.get_by_text(heading, exact=True)).to_be_visible(timeout=30_000)
        seconds.append(time.perf_counter() - started)
    return seconds


def time_runs_in_process(changes: int) -> list[float]:
    """Seconds of ``run_once`` (simulate, measure, draw) for the town, nurses moved each time."""
    from etj_sim.app.planning import Levers, apply_levers, run_once, shipped_catalogue, sized

    town = sized(shipped_catalogue()["baseline"], "town")
    own = Levers.of(town)
    run_once(town, 1)  # imports and the chart renderer's start
    seconds = []
    for index in range(changes):
        variant = apply_levers(town, own.with_staff("nurse", own.staff[0] + 1 + index % 2))
        started = time.perf_counter()
        run_once(variant, 1)
        seconds.append(time.perf_counter() - started)
    return seconds


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--changes", type=int, default=9, help="lever changes timed")
    parser.add_argument("--replications", type=int, default=10, help="the page's replications")
    arguments = parser.parse_args(argv)
    chromium = shutil.which("chromium")
    if chromium is None:
        raise SystemExit("Chromium is not installed: run `make browser`")

    in_process = time_runs_in_process(5)
    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    with tempfile.TemporaryDirectory() as folder:
        log = Path(folder) / "server.log"
        with log.open("wb") as output:
            process = subprocess.Popen(
                [
                    # -P: the installed etj_sim (the compiled one in .venv-compiled), never
                    # a checkout in the working folder.
                    *(sys.executable, "-P", "-m", "etj_sim.cli", "app", "--port", str(port)),
                    *("--lang", "en", "--replications", str(arguments.replications)),
                ],
                stdout=output,
                stderr=subprocess.STDOUT,
                env={**os.environ, "PYTHONUNBUFFERED": "1"},
            )
        try:
            wait_until_serving(url, process)
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(
                    executable_path=chromium, args=CHROMIUM_ARGUMENTS
                )
                page = browser.new_page(viewport={"width": 1400, "height": 1000})
                started = time.perf_counter()
                page.goto(url)
                expect(page.locator(STATUS)).to_be_visible(timeout=120_000)
                first_page = time.perf_counter() - started
                browser_seconds, run_seconds = time_lever_changes(page, arguments.changes)
                # One more change: its replications start, and the switches are timed at once.
                time_lever_changes(page, 1)
                switches = time_language_switches(page, 6)
                note = page.locator(".etj-change-note").inner_text()
                browser.close()
        finally:
            process.terminate()
            process.wait(timeout=30)

    load_at_end = os.getloadavg()[0]
    # Replications still under way when the last switch was answered: the page did not wait.
    replications_running = re.search(r"(\d+) (?:of|av) (\d+)", note)
    import etj_sim.events

    figures = {
        "build": benchmarks.build(),
        "first_page_seconds": first_page,
        "lever_change_median_seconds": statistics.median(browser_seconds),
        "lever_change_max_seconds": max(browser_seconds),
        "server_run_median_seconds": statistics.median(run_seconds),
        "in_process_run_median_seconds": statistics.median(in_process),
        "language_switch_median_seconds": statistics.median(switches),
        "language_switch_max_seconds": max(switches),
        "changes": len(browser_seconds),
        "load_average_1min": load_at_end,
        "replications": arguments.replications,
        "replications_done_after_switches": (
            int(replications_running.group(1)) if replications_running else None
        ),
    }
    print(f"build: {figures['build']} ({etj_sim.events.__file__})")
    print(
        f"run_once in this process (town, nurses moved): median {statistics.median(in_process):.2f}"
        f" s over {len(in_process)} runs, no server, no replications"
    )
    print(f"first page (first run included): {first_page:.2f} s")
    print(f"machine load (1-minute average) at the end: {load_at_end:.2f}, {os.cpu_count()} cores")
    print(
        f"lever change to redrawn page: median {figures['lever_change_median_seconds']:.2f} s, "
        f"max {figures['lever_change_max_seconds']:.2f} s over {len(browser_seconds)} changes"
    )
    server_median = figures["server_run_median_seconds"]
    print(f"  of which simulate, measure, draw on the server: median {server_median:.2f} s")
    print(
        "language switch while replications run (progress after the last switch): median "
        f"{figures['language_switch_median_seconds']:.3f} s, max "
        f"{figures['language_switch_max_seconds']:.3f} s ({note.strip()})"
    )
    print(json.dumps(figures))


if __name__ == "__main__":
    main()

"""Settings shared by the whole suite: Hypothesis without deadlines, Debian's Chromium.

Hypothesis: no per-example deadline. The suite runs on shared, loaded machines (two cores, CI and
other work at once), where a deadline fails a correct test by timing alone; speed is measured in
``benchmarks/``, never asserted in tests. The per-test time limit (pytest-timeout) still stops
anything that hangs.

Unreachable Dask schedulers (``refused_port``, ``silent_listener``): ports on loopback for the
fault tests of both Dask paths, the experiment runner's and the sharded run's.

Browser tests (the report, the dashboard): pytest-playwright's fixtures (``browser``, ``page``)
launch Chromium from the system's package manager through its executable path, since
Playwright's browser download cannot work here. One Playwright instance per test process: a test
that started its own ``sync_playwright()`` beside the plugin's would fail ("Sync API inside the
asyncio loop"), so every browser test takes the plugin's ``browser`` or ``page``.
"""

from __future__ import annotations

import shutil
import socket
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, settings

settings.register_profile("etj_sim", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("etj_sim")

CHROMIUM_ARGUMENTS = [
    "--no-sandbox",
    "--headless=new",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    chromium = shutil.which("chromium")
    if chromium is None:
        pytest.fail("Chromium is not installed: run `make browser` (Debian's chromium package)")
    return {**browser_type_launch_args, "executable_path": chromium, "args": CHROMIUM_ARGUMENTS}


@pytest.fixture
def refused_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])  # closed again: nothing listens there


@pytest.fixture
def silent_listener() -> Iterator[int]:
    """A port that accepts connections and never says a word."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)
        yield int(listener.getsockname()[1])

"""Fixtures of the dashboard's browser tests: ``etj-sim app`` on a free port.

Pipeline position: the app layer's tests. pytest-playwright's own fixtures (``browser``,
``page``) drive Chromium from the system's package manager (tests/conftest.py); the server is a
real ``etj-sim app`` process, started and stopped around the tests of a module.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

# Fewer replications than a planner's default keep the suite's load down on a shared machine.
TEST_REPLICATIONS = 3


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@dataclass
class AppServer:
    """A running ``etj-sim app``: its address and what it has logged so far."""

    url: str
    log: Path
    process: subprocess.Popen[bytes]

    def runs_logged(self) -> int:
        """How many runs the page has started (one ``run:`` line each)."""
        return sum(
            " etj_sim.app: run: " in line for line in self.log.read_text("utf-8").splitlines()
        )


def _wait_until_serving(server: AppServer, timeout_seconds: float = 90.0) -> None:
    deadline = time.monotonic() + timeout_seconds
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            pytest.fail(f"etj-sim app stopped at start:\n{server.log.read_text('utf-8')}")
        try:
            with urllib.request.urlopen(server.url, timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.3)
    pytest.fail(f"etj-sim app did not answer in {timeout_seconds} s")


@pytest.fixture(scope="module")
def app_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AppServer]:
    port = free_port()
    log = tmp_path_factory.mktemp("app") / "server.log"
    command = [
        sys.executable,
        "-m",
        "etj_sim.cli",
        "app",
        "--port",
        str(port),
        "--replications",
        str(TEST_REPLICATIONS),
        "--lang",
        "en",
    ]
    with log.open("wb") as output:
        process = subprocess.Popen(
            command,
            stdout=output,
            stderr=subprocess.STDOUT,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
    server = AppServer(f"http://127.0.0.1:{port}/", log, process)
    try:
        _wait_until_serving(server)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

"""The compiled build (setup.py, mypyc): really compiled, and the same event log as pure Python.

Pipeline position: packaging, checked end to end (scenario -> simulate -> event log). ``make
test`` runs the whole suite twice: in ``.venv`` (the editable, pure-Python package) and in
``.venv-compiled`` (the compiled build) with ``ETJ_SIM_EXPECT_COMPILED=1``. These checks only
apply to the second run; in the first they are skipped, as there is nothing compiled to check.
"""

from __future__ import annotations

import hashlib
import importlib
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.skipif(
    os.environ.get("ETJ_SIM_EXPECT_COMPILED") != "1",
    reason="the compiled build is checked in its own run (make test-compiled)",
)

# A small run through every compiled part: arrivals, staff, outreach, reads, a campaign, proxies.
_LOG_DIGEST = """
import hashlib, sys
from etj_sim.scenario import Scenario
from etj_sim.simulation import simulate
scenario = Scenario.load(sys.argv[1]).with_overrides(
    {"population.size": 4000, "duration_days": 30, "clinics.count": 2}
)
events = simulate(scenario, 7).events
sys.stdout.write(hashlib.sha256(events.write_ipc(None).getvalue()).hexdigest())
"""


def _compiled(module: str) -> bool:
    return importlib.import_module(module).__file__.endswith((".so", ".pyd"))  # type: ignore[union-attr]


def test_the_hot_path_modules_are_compiled() -> None:
    for module in (
        "etj_sim.events",
        "etj_sim.domain.inbox",
        "etj_sim.domain.portal",
        "etj_sim.domain.listeners",
        "etj_sim.simulation.engine",
        "etj_sim.simulation.citizen_behaviour",
        "etj_sim.simulation.agenda",
    ):
        assert _compiled(module), f"{module} is not compiled"
    assert not _compiled("etj_sim.domain.identity")  # left pure on purpose (setup.py)


def _log_digest(scenario: str, environment: dict[str, str]) -> str:
    return subprocess.run(
        [sys.executable, "-c", _LOG_DIGEST, scenario],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT / "tests",
        env=environment,
    ).stdout


def test_compiled_and_pure_python_give_the_same_event_log() -> None:
    scenario = str(ROOT / "scenarios" / "teen-transition.toml")
    compiled = _log_digest(scenario, dict(os.environ))
    # The repository's own etj_sim/ first on the path: the pure-Python source of the same code.
    pure = _log_digest(scenario, {**os.environ, "PYTHONPATH": str(ROOT)})
    assert len(compiled) == len(pure) == len(hashlib.sha256().hexdigest())
    assert compiled == pure

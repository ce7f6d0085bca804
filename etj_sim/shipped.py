"""Finding a scenario: the shipped ones (the checkout's ``scenarios/`` or the installed copy), a
scenario given by name or path, and ``--set KEY=VALUE`` overrides.

Pipeline position: the first stage's way in (``scenarios/*.toml -> Scenario``): the command line
(``etj_sim.cli``), the staffing advisor's command and the dashboard (``etj_sim.app``) all use
these, so none of them imports another.
"""

from __future__ import annotations

import difflib
import os
import sys
import tomllib
from pathlib import Path

from etj_sim.scenario import Scenario, ScenarioError, ScenarioProblem

__all__ = ["SHIPPED_SCENARIOS_DIR", "find_scenario", "parse_override", "shipped_scenarios"]


def _shipped_scenarios_dir() -> Path:
    # An editable install runs from the checkout; a built one (e.g. the compiled build) has the
    # copy that pyproject.toml's data-files put under the environment's prefix.
    root = Path(__file__).resolve().parent.parent
    # A checkout has the project file beside the package; site-packages has none (a "scenarios"
    # folder there could belong to another distribution).
    if (root / "pyproject.toml").is_file() and (root / "scenarios").is_dir():
        return root / "scenarios"
    return Path(sys.prefix) / "share" / "etj_sim" / "scenarios"


SHIPPED_SCENARIOS_DIR = _shipped_scenarios_dir()
"""The shipped scenarios: ``scenarios/`` of the checkout (editable install), else the installed
copy in ``<prefix>/share/etj_sim/scenarios``."""


def shipped_scenarios(folder: Path = SHIPPED_SCENARIOS_DIR) -> list[Path]:
    """The scenario files in ``folder`` (not its subfolders, which hold experiments), by name."""
    return sorted(folder.glob("*.toml"))


def find_scenario(reference: str, folder: Path = SHIPPED_SCENARIOS_DIR) -> Scenario:
    """Load a scenario given as a path, or as the name of a shipped one (``baseline``).

    Raises ``ScenarioError`` when it is neither, with the closest shipped name as a hint.
    """
    path = Path(reference)
    if path.exists() or path.suffix.lower() in (".toml", ".json") or os.sep in reference:
        return Scenario.load(path)
    shipped = folder / f"{reference}.toml"
    if shipped.exists():
        return Scenario.load(shipped)
    names = [file.stem for file in shipped_scenarios(folder)]
    matches = difflib.get_close_matches(reference, names, n=1)
    hint = f"did you mean '{matches[0]}'? " if matches else ""
    message = (
        f"no such file, and no shipped scenario of that name; {hint}"
        f"the shipped scenarios are: {', '.join(names) or '(none)'}"
    )
    raise ScenarioError(reference, [ScenarioProblem("", message)])


def parse_override(text: str) -> tuple[str, object]:
    """``KEY=VALUE``; VALUE is read as TOML (``0.6``, ``true``, ``[1, 2]``), else as text."""
    key, separator, raw = text.partition("=")
    if not separator or not key.strip():
        raise ScenarioError(
            "--set", [ScenarioProblem(text, "give KEY=VALUE, e.g. alerts.opt_in_share=0.6")]
        )
    try:
        value: object = tomllib.loads(f"value = {raw.strip()}")["value"]
    except tomllib.TOMLDecodeError:
        value = raw.strip()
    return key.strip(), value

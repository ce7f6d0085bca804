"""The Solara packages stay on one release line, the line that solara-assets exists for.

Pipeline position: the app's environment (``etj_sim.app``). The page loads its scripts and styles
from solara-assets, offline; a Solara server of another release asks for asset versions that
this solara-assets does not hold (and then for the network). The newest solara-assets is 1.58.2,
so pyproject.toml bounds solara, solara-server and solara-ui below 1.59; this checks both the
installed versions and the bounds.
"""

from __future__ import annotations

import tomllib
from importlib.metadata import version
from pathlib import Path

from packaging.requirements import Requirement

PACKAGES = ("solara", "solara-server", "solara-ui", "solara-assets")
PYPROJECT = Path(__file__).resolve().parents[2] / "pyproject.toml"


def release_line(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in text.split(".")[:2])


def test_installed_solara_packages_share_the_assets_release_line() -> None:
    lines = {name: release_line(version(name)) for name in PACKAGES}
    assert set(lines.values()) == {lines["solara-assets"]}, lines


def test_pyproject_bounds_every_solara_package_to_that_line() -> None:
    dependencies = tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))["project"]["dependencies"]
    requirements = {Requirement(text).name: Requirement(text) for text in dependencies}
    installed = version("solara-assets")
    for name in PACKAGES:
        specifier = requirements[name].specifier
        assert specifier.contains(installed), (name, str(specifier))
        # The upper bound: the next minor release is excluded.
        major, minor = release_line(installed)
        assert not specifier.contains(f"{major}.{minor + 1}.0"), (name, str(specifier))


def test_ipyvuetify_is_the_vuetify_2_line_solara_1_58_is_written_for() -> None:
    assert release_line(version("ipyvuetify"))[0] == 1
    assert release_line(version("ipyvue"))[0] == 1
    dependencies = tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))["project"]["dependencies"]
    requirements = {Requirement(text).name: Requirement(text) for text in dependencies}
    for name in ("ipyvuetify", "ipyvue"):
        assert not requirements[name].specifier.contains("3.0.0"), name

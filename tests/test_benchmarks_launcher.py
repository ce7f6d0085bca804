"""The benchmarks measure the build they say: ``benchmarks/installed.py`` and the shadowing warning.

Pipeline position: outside the pipeline, around ``benchmarks/``. ``python -m benchmarks.NAME``
from the checkout imports the checkout's pure-Python source even in the compiled build's
environment; the package then says so on stderr, and ``benchmarks/installed.py NAME`` runs the
benchmark against the installed package instead. These tests run in both suites: in ``.venv``
the installed package is the editable checkout (nothing is shadowed), in ``.venv-compiled`` it is
the compiled build (``python -m`` shadows it, the launcher does not).
"""

from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[1]
WARNING = "benchmarks: measuring the checkout's pure-Python source"


def _benchmarks_package() -> ModuleType:
    """The checkout's ``benchmarks`` package, loaded from its file: in the compiled suite the
    checkout is not on sys.path (pytest is started by path so that etj_sim stays compiled)."""
    spec = importlib.util.spec_from_file_location(
        "benchmarks_under_test",
        ROOT / "benchmarks" / "__init__.py",
        submodule_search_locations=[str(ROOT / "benchmarks")],
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _this_build() -> str:
    import etj_sim.events

    return "compiled" if etj_sim.events.__file__.endswith((".so", ".pyd")) else "pure"


def _run(*arguments: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *arguments],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_a_compiled_build_shadowed_by_the_source_is_found_and_named(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    package = _benchmarks_package()
    installed = tmp_path / "site-packages"
    (installed / "etj_sim").mkdir(parents=True)
    monkeypatch.setattr(package, "build", lambda: "pure")
    monkeypatch.setattr(
        package.sysconfig, "get_paths", lambda: {"platlib": str(installed), "purelib": ""}
    )
    assert package.shadowed_compiled_build() is None  # a pure package installed: nothing hidden
    (installed / "etj_sim" / "events.cpython-311-x86_64-linux-gnu.so").write_bytes(b"")
    assert package.shadowed_compiled_build() == installed / "etj_sim"

    monkeypatch.setattr(
        sys, "orig_argv", ["python", "-m", "benchmarks.shards", "--days", "60", "--shards", "2"]
    )
    package.warn_if_shadowed()
    err = capsys.readouterr().err
    assert WARNING in err
    assert str(installed / "etj_sim") in err
    assert err.rstrip().endswith(
        f"{sys.executable} benchmarks/installed.py shards --days 60 --shards 2"
    )

    monkeypatch.setattr(package, "build", lambda: "compiled")
    package.warn_if_shadowed()
    assert capsys.readouterr().err == ""  # the compiled build was imported: nothing to say


def test_python_m_warns_exactly_when_it_shadows_the_installed_build() -> None:
    completed = _run("-m", "benchmarks.simulate", "--help")
    assert completed.returncode == 0, completed.stderr
    # In .venv-compiled the checkout's source shadows the compiled package; in .venv the
    # installed package is the checkout (editable), so there is nothing to warn about.
    assert (WARNING in completed.stderr) == (_this_build() == "compiled")


def test_the_launcher_measures_the_installed_build_without_a_warning() -> None:
    completed = _run(
        str(ROOT / "benchmarks" / "installed.py"), "simulate", "--size", "1500", "--days", "2"
    )
    assert completed.returncode == 0, completed.stderr
    assert WARNING not in completed.stderr
    found = re.search(r"^build\s+(\w+) \((.+)\)$", completed.stdout, re.MULTILINE)
    assert found is not None, completed.stdout
    assert found.group(1) == _this_build()
    import etj_sim

    assert Path(found.group(2)) == Path(etj_sim.__file__).parent


def test_the_launcher_refuses_an_unknown_benchmark_naming_the_choices() -> None:
    completed = _run(str(ROOT / "benchmarks" / "installed.py"), "simulat")
    assert completed.returncode == 2
    assert "expected a benchmark's name first" in completed.stderr
    assert "'simulat'" in completed.stderr
    assert "simulate" in completed.stderr
    assert completed.stdout == ""

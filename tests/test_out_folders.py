"""Every ``--out`` of the command line is asked of the file system before any work.

Permission bits say yes where a folder still cannot be made (root on ``/proc``, an ACL or a
server that refuses, a disk with no room for a new folder), so
:func:`etj_sim.run_folder.write_problem` makes a hidden folder and removes it. Here the file
system's refusal is stood in for by a ``mkdtemp`` that fails as such a disk does; without the
probe, ``run`` and ``benefit`` simulated first and then failed (``benefit`` with a traceback).
"""

from __future__ import annotations

import errno
import tempfile
from pathlib import Path

import pytest

from etj_sim.cli import main
from etj_sim.run_folder import write_problem

SMALL = ("--set", "population.size=2000", "--set", "duration_days=5", "--set", "clinics.count=1")


def files_in(folder: Path) -> set[Path]:
    return set(folder.rglob("*"))


def refuse_new_folders(monkeypatch: pytest.MonkeyPatch) -> None:
    def full_disk(*args: object, **kwargs: object) -> str:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(tempfile, "mkdtemp", full_disk)


def test_a_writable_folder_has_no_problem_and_keeps_no_probe(tmp_path: Path) -> None:
    assert write_problem(tmp_path) is None
    assert write_problem(tmp_path / "not" / "yet") is None
    assert files_in(tmp_path) == set()


def test_a_file_in_the_way_is_named(tmp_path: Path) -> None:
    (tmp_path / "plain").write_text("a file", encoding="utf-8")
    problem = write_problem(tmp_path / "plain" / "out")
    assert problem == f"{tmp_path / 'plain'} is a file, so no folder can be made there"


def test_a_refusing_file_system_is_named_with_its_reason(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    refuse_new_folders(monkeypatch)
    problem = write_problem(tmp_path / "out" / "deeper")
    assert problem == f"cannot write in {tmp_path} (No space left on device)"


@pytest.fixture(scope="module")
def saved_runs(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("runs")
    folders = (root / "baseline", root / "digital")
    for name, folder in zip(("baseline", "digital-notices"), folders, strict=True):
        assert main(["run", name, *SMALL, "--seed", "3", "--out", str(folder)]) == 0
    return folders


COMMANDS = {
    "run": lambda runs, out: ["run", "baseline", *SMALL, "--out", out],
    "batch": lambda runs, out: [
        "batch",
        str(Path(__file__).parents[1] / "scenarios" / "experiments" / "national.toml"),
        "--out",
        out,
    ],
    "benefit": lambda runs, out: [
        "benefit",
        "digital-notices",
        "--reference",
        "baseline",
        *SMALL,
        "--replications",
        "2",
        "--workers",
        "1",
        "--out",
        out,
    ],
    "staffing": lambda runs, out: [
        "staffing",
        "baseline",
        *SMALL,
        "--role",
        "nurse",
        "--target",
        "backlog_end<=3",
        "--workers",
        "1",
        "--out",
        out,
    ],
    "report": lambda runs, out: ["report", str(runs[0]), "--out", out],
    "compare": lambda runs, out: ["compare", str(runs[0]), str(runs[1]), "--out", out],
    "export": lambda runs, out: ["export", str(runs[0]), "--format", "csv", "--out", out],
}


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_every_out_is_refused_before_any_work(
    command: str,
    tmp_path: Path,
    saved_runs: tuple[Path, Path],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    capsys.readouterr()
    out = tmp_path / "disk" / ("events.csv" if command == "export" else "out")
    out.parent.mkdir()
    before = files_in(tmp_path) | files_in(saved_runs[0].parent)
    refuse_new_folders(monkeypatch)
    assert main(COMMANDS[command](saved_runs, str(out))) == 2
    captured = capsys.readouterr()
    assert "No space left on device" in captured.err
    assert str(out.parent) in captured.err
    assert "Traceback" not in captured.err
    assert captured.out == ""  # no summary, no table, no "wrote": nothing was done
    assert files_in(tmp_path) | files_in(saved_runs[0].parent) == before

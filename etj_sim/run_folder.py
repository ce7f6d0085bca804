"""A run's output folder: checked before the simulation, built beside, in place whole or not at all.

Pipeline position: after the simulation, for ``etj-sim run --out``. ``simulate -> event log,
summary, population, report -> a staging folder beside the target -> renamed over the target``.

- :func:`check_run_folder` runs before any work: the target must be a folder (or not exist yet),
  under a folder this process can write (:func:`write_problem`, the check every ``--out`` of the
  command line shares, asks the file system by making a folder), and not hold another run
  unless ``force``; a folder that holds the same run (same scenario hash and seed: the same
  files) is replaced without ``force``.
  A folder that holds anything else is never replaced.
- :func:`staged_run_folder` yields a new hidden sibling folder; when the block ends without an
  error, the sibling takes the target's name in one step (on Linux the two folders are exchanged
  atomically with ``renameat2``; elsewhere the old folder is moved aside first), so a reader sees
  the old run or the new one, never a mixture. On an error or an interrupt the sibling (and any
  parent folder made for it) is removed and the target is as it was.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import json
import os
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Final

__all__ = [
    "RUN_FILE",
    "RunFolderError",
    "check_run_folder",
    "staged_run_folder",
    "write_problem",
]

RUN_FILE: Final = "run.json"
"""The file that makes a folder a run folder: scenario, scenario hash, seed, version."""

_PARTIAL_MARK: Final = ".partial-"
_OLD_MARK: Final = ".old-"


class RunFolderError(ValueError):
    """The output folder cannot take this run; the message says why and what to do."""


def _nearest_existing(path: Path) -> Path:
    for candidate in (path, *path.parents):
        if candidate.exists() or candidate.is_symlink():
            return candidate
    return Path(path.anchor or ".")


_PROBE_MARK: Final = ".etj-sim-probe-"


def write_problem(folder: Path) -> str | None:
    """Why nothing can be written in ``folder`` (made if missing), or None when it can be.

    The one check every ``--out`` runs before any work (run, batch, staffing, benefit, report,
    compare, export). Permission bits are not enough: ``os.access`` says yes for root on
    ``/proc`` and on a folder whose ACL or server refuses, and a disk with no room for a new
    folder (``ENOSPC``) refuses only when asked. So the nearest folder that exists is asked: a
    hidden folder is made in it and removed at once. (A disk with room for a folder but not for
    the files is still found only while writing; the writers leave the target as it was then.)
    The answer names the folder that refused, for the caller to put after its own target.
    """
    existing = _nearest_existing(folder)
    if existing.is_symlink() and not existing.exists():
        return f"{existing} is a symbolic link to a missing folder ({os.readlink(existing)})"
    if not existing.is_dir():
        return f"{existing} is a file, so no folder can be made there"
    # os.access also reports a read-only file system (EROFS), for root too.
    if not os.access(existing, os.W_OK | os.X_OK):
        return f"cannot write in {existing} (no permission, or a read-only file system)"
    try:
        probe = tempfile.mkdtemp(prefix=_PROBE_MARK, dir=existing)
        os.rmdir(probe)
    except OSError as error:
        return f"cannot write in {existing} ({error.strerror or error})"
    return None


def _check_writable_under(folder: Path, target: Path) -> None:
    problem = write_problem(folder)
    if problem is not None:
        raise RunFolderError(f"{target}: {problem}")


def _held_run(folder: Path) -> dict[str, object] | None:
    """The run.json of ``folder``, or None when it has none; unreadable means an empty dict."""
    path = folder / RUN_FILE
    if not path.is_file():
        return None
    try:
        held = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return held if isinstance(held, dict) else {}


def check_run_folder(target: Path, scenario_hash: str, seed: int, *, force: bool) -> None:
    """Raise :class:`RunFolderError` unless a run can be written to ``target`` (nothing written)."""
    if target.is_symlink() and not target.exists():
        raise RunFolderError(
            f"{target}: a symbolic link to a missing folder ({os.readlink(target)}); "
            "give a folder, or make the one it points to"
        )
    if target.exists() and not target.is_dir():
        raise RunFolderError(f"{target}: --out must be a folder, this is a file")
    _check_writable_under(target.parent, target)
    if not target.exists():
        return
    entries = [entry.name for entry in target.iterdir()]
    if not entries:
        return
    held = _held_run(target)
    if held is None:
        raise RunFolderError(
            f"{target}: the folder is not empty and holds no run ({RUN_FILE}); its files are "
            "left alone: give an empty or new folder"
        )
    if held.get("scenario_hash") == scenario_hash and held.get("seed") == seed:
        return  # the same run again: the same files
    if not force:
        what = (
            f"the run of scenario '{held.get('scenario', '?')}' "
            f"(hash {str(held.get('scenario_hash', '?'))[:12]}, seed {held.get('seed', '?')})"
            if held
            else f"a run with an unreadable {RUN_FILE}"
        )
        raise RunFolderError(
            f"{target}: holds {what}; pass --force to replace it, or give another folder"
        )


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _remove_stale_siblings(target: Path) -> None:
    """Staging folders of runs killed before they finished (their process is gone)."""
    for mark in (_PARTIAL_MARK, _OLD_MARK):
        for sibling in target.parent.glob(f".{target.name}{mark}*"):
            pid_text = sibling.name.removeprefix(f".{target.name}{mark}").split("-", 1)[0]
            if pid_text.isdigit() and not _process_alive(int(pid_text)):
                shutil.rmtree(sibling, ignore_errors=True)


def _make_parents(folder: Path) -> list[Path]:
    """Make ``folder`` and its missing parents; the ones made, deepest first."""
    missing = [path for path in (folder, *folder.parents) if not path.exists()]
    folder.mkdir(parents=True, exist_ok=True)
    return missing


_AT_FDCWD: Final = -100
_RENAME_EXCHANGE: Final = 2


def _exchange(first: Path, second: Path) -> bool:
    """Swap two paths in one step (Linux renameat2); False where the system cannot."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    result = renameat2(
        _AT_FDCWD, os.fsencode(first), _AT_FDCWD, os.fsencode(second), _RENAME_EXCHANGE
    )
    if result == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.EINVAL, errno.ENOSYS, errno.ENOTSUP):
        return False
    raise OSError(code, os.strerror(code), str(second))


def _put_in_place(staging: Path, target: Path, token: str) -> None:
    if not target.exists():
        os.rename(staging, target)
        return
    if target.is_dir() and not any(target.iterdir()):
        # rename() replaces an empty folder in one step.
        os.rename(staging, target)
        return
    if _exchange(staging, target):
        shutil.rmtree(staging)  # now the old run
        return
    aside = target.parent / f".{target.name}{_OLD_MARK}{os.getpid()}-{token}"
    os.rename(target, aside)
    os.rename(staging, target)
    shutil.rmtree(aside, ignore_errors=True)


@contextmanager
def staged_run_folder(target: Path) -> Iterator[Path]:
    """A new folder beside ``target`` to write the run into; it becomes ``target`` at the end."""
    token = uuid.uuid4().hex[:8]
    made = _make_parents(target.parent)
    _remove_stale_siblings(target)
    staging = target.parent / f".{target.name}{_PARTIAL_MARK}{os.getpid()}-{token}"
    try:
        os.mkdir(staging)
        yield staging
        _put_in_place(staging, target, token)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        for folder in made:
            with contextlib.suppress(OSError):
                folder.rmdir()
        raise

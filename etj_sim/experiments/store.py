"""The results folder of an experiment: manifest, one Parquet file per run, failures; resuming.

Pipeline position: beside the runner. ``run -> summary (and event log) -> this folder``; a later
``run_experiment`` with the same folder reads the finished runs back instead of repeating them.

Layout::

    OUT/manifest.json              the experiment: its file's values, design points, runs, version
    OUT/runs/<run_id>.parquet      one run's summary row (the completion mark of the run)
    OUT/events/<run_id>.parquet    its event log (with ``save_events``), written before the summary
    OUT/failures.json              runs of the latest call that raised: error, message, traceback

Every file is written to a temporary file in the same folder, flushed to disk (fsync) and renamed
over its final name (``os.replace``, atomic on POSIX and Windows), so a final name never holds a
half-written file; temporary files left by a crash are removed when the folder is opened again and
are never read. One writer per folder at a time (the process that called ``run_experiment``).

A folder belongs to one experiment: the manifest's ``identity_hash`` must match (see
:attr:`Experiment.identity_hash`), else the folder is refused before anything in it changes.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import tempfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass
from importlib import metadata
from pathlib import Path
from typing import Any, Final

import polars as pl

from etj_sim.experiments.experiment import Experiment, Run

__all__ = [
    "MANIFEST_NAME",
    "ExperimentFolderError",
    "ResultFolder",
    "RunFailure",
    "failures_frame",
    "package_version",
    "runs_by_id",
    "write_atomically",
    "write_parquet_atomically",
]

MANIFEST_NAME: Final = "manifest.json"
MANIFEST_FORMAT: Final = 1
_TEMPORARY_MARK: Final = ".tmp-"


class ExperimentFolderError(ValueError):
    """The results folder cannot be used for this experiment (it belongs to another one)."""


@dataclass(frozen=True)
class RunFailure:
    """A run that raised: which one, and what it raised."""

    run_id: str
    design_point: int
    replication: int
    seed: int
    error_type: str
    message: str
    traceback: str


def package_version() -> str:
    """The installed etj_sim version, for the manifest ("unknown" when run from a bare checkout)."""
    try:
        return metadata.version("etj_sim")
    except metadata.PackageNotFoundError:
        return "unknown"


def current_umask() -> int:
    """The process's umask (read without changing it where Linux allows)."""
    try:
        for line in Path("/proc/self/status").read_text(encoding="ascii").splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


_OS_ERROR_CODE: Final = re.compile(r"\(os error (\d+)\)")


def _as_os_error(write: Callable[[Path], None], temporary: Path, target: Path) -> None:
    """``write(temporary)``; a library's error that wraps a system error becomes that OSError.

    polars reports a full disk as ``ComputeError: ... No space left on device (os error 28)``;
    callers handle ``OSError`` (disk full, quota, read-only) with one clear message.
    """
    try:
        write(temporary)
    except OSError:
        raise
    except Exception as error:
        match = _OS_ERROR_CODE.search(str(error))
        if match is None:
            raise
        code = int(match.group(1))
        raise OSError(code, os.strerror(code), str(target)) from error


def write_atomically(target: Path, write: Callable[[Path], None]) -> None:
    """Write via ``write(temporary_path)`` in the target's folder, fsync, rename over target."""
    descriptor, name = tempfile.mkstemp(
        prefix=f".{target.name}{_TEMPORARY_MARK}", dir=target.parent
    )
    os.close(descriptor)
    temporary = Path(name)
    try:
        # mkstemp makes the file 0600; a result file gets the mode any new file would get.
        os.chmod(temporary, 0o666 & ~current_umask())
        _as_os_error(write, temporary, target)
        with temporary.open("rb+") as handle:
            os.fsync(handle.fileno())
        os.replace(temporary, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            temporary.unlink()
        raise
    _sync_folder(target.parent)


def _sync_folder(folder: Path) -> None:
    # The rename is durable only once the folder's entry is on disk; not possible on Windows.
    if os.name != "posix":
        return
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _write_json(target: Path, value: object) -> None:
    text = json.dumps(value, indent=2, sort_keys=False, ensure_ascii=False, default=str)

    def write(path: Path) -> None:
        path.write_text(text + "\n", encoding="utf-8")

    write_atomically(target, write)


def write_parquet_atomically(target: Path, frame: pl.DataFrame) -> None:
    """Write ``frame`` to ``target`` as Parquet: temporary file, fsync, rename."""
    write_atomically(target, lambda path: frame.write_parquet(path))


class ResultFolder:
    """An experiment's results folder, checked against the experiment when opened."""

    def __init__(self, root: Path, experiment: Experiment) -> None:
        self.root = root
        self.runs_folder = root / "runs"
        self.events_folder = root / "events"
        self._check_belongs(experiment)
        self.runs_folder.mkdir(parents=True, exist_ok=True)
        self.events_folder.mkdir(parents=True, exist_ok=True)
        self._remove_temporary_files()
        self._write_manifest(experiment)

    def _check_belongs(self, experiment: Experiment) -> None:
        """Refuse a folder of another experiment, or a non-empty folder that is not one."""
        manifest_path = self.root / MANIFEST_NAME
        if self.root.exists() and not self.root.is_dir():
            raise ExperimentFolderError(f"{self.root}: is a file, not a results folder")
        if not manifest_path.exists():
            if self.root.exists() and any(self.root.iterdir()):
                raise ExperimentFolderError(
                    f"{self.root}: the folder is not empty and has no {MANIFEST_NAME}; "
                    "give an empty or new folder for the results"
                )
            return
        try:
            manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
            found = manifest["identity_hash"]
        except (OSError, ValueError, KeyError, TypeError) as error:
            raise ExperimentFolderError(
                f"{manifest_path}: unreadable manifest ({error}); not resuming into this folder"
            ) from None
        if found != experiment.identity_hash:
            name = manifest.get("experiment", {}).get("name", "?")
            raise ExperimentFolderError(
                f"{self.root}: holds the results of a different experiment ('{name}', "
                f"manifest hash {str(found)[:12]}, this experiment's hash "
                f"{experiment.identity_hash[:12]}): its design points or master seed differ. "
                "Give another folder, or remove this one to start again."
            )

    def _remove_temporary_files(self) -> None:
        for folder in (self.root, self.runs_folder, self.events_folder):
            for path in folder.glob(f".*{_TEMPORARY_MARK}*"):
                with contextlib.suppress(FileNotFoundError):
                    path.unlink()

    def _write_manifest(self, experiment: Experiment) -> None:
        manifest = {
            "format": MANIFEST_FORMAT,
            "identity_hash": experiment.identity_hash,
            "package_version": package_version(),
            "experiment": experiment.model_dump(mode="json"),
            "design_points": [
                {
                    "design_point": point.index,
                    "label": point.label,
                    "values": dict(point.values),
                    "shard": point.shard,
                    "scenario_hash": point.scenario.content_hash,
                }
                for point in experiment.design_points()
            ],
            "runs": [
                {
                    "run_id": run.run_id,
                    "design_point": run.design_point,
                    "replication": run.replication,
                    "seed": run.seed,
                }
                for run in experiment.runs()
            ],
        }
        _write_json(self.root / MANIFEST_NAME, manifest)

    def summary_path(self, run_id: str) -> Path:
        return self.runs_folder / f"{run_id}.parquet"

    def events_path(self, run_id: str) -> Path:
        return self.events_folder / f"{run_id}.parquet"

    def finished(self, run_id: str, *, with_events: bool) -> bool:
        """Whether the run's result is on disk (and its event log, when events are wanted)."""
        if not self.summary_path(run_id).is_file():
            return False
        return not with_events or self.events_path(run_id).is_file()

    def read_summary(self, run_id: str) -> pl.DataFrame:
        return pl.read_parquet(self.summary_path(run_id))

    def write_run(self, run_id: str, summary: pl.DataFrame, events: pl.DataFrame | None) -> None:
        """The event log first, the summary last: the summary file marks the run as finished."""
        if events is not None:
            write_parquet_atomically(self.events_path(run_id), events)
        write_parquet_atomically(self.summary_path(run_id), summary)

    def write_failures(self, failures: Sequence[RunFailure]) -> None:
        _write_json(self.root / "failures.json", [asdict(failure) for failure in failures])


def failures_frame(failures: Sequence[RunFailure]) -> pl.DataFrame:
    """The failures as a frame (one row each; empty with the same columns when none)."""
    schema: Mapping[str, Any] = {
        "run_id": pl.String,
        "design_point": pl.Int64,
        "replication": pl.Int64,
        "seed": pl.Int64,
        "error_type": pl.String,
        "message": pl.String,
        "traceback": pl.String,
    }
    return pl.DataFrame([asdict(failure) for failure in failures], schema=dict(schema))


def runs_by_id(runs: Sequence[Run]) -> dict[str, Run]:
    """The first run of each id (two design points with equal scenarios share their runs)."""
    unique: dict[str, Run] = {}
    for run in runs:
        unique.setdefault(run.run_id, run)
    return unique

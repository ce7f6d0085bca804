"""The results folder of an experiment: manifest, one Parquet file per run, failures; resuming.

Pipeline position: beside the runner. ``run -> summary (and event log) -> this folder``; a later
``run_experiment`` with the same folder reads the finished runs back instead of repeating them.

Layout::

    OUT/manifest.json              the experiment: its file's values, design points, runs, version
    OUT/runs/<run_id>.parquet      one run's summary row (the completion mark of the run)
    OUT/events/<run_id>.parquet    its event log (with ``save_events``), written before the summary
    OUT/failures.json              runs of the latest call that raised: error, message, traceback
    OUT/.lock                      the writer's lock: pid, host and start of the batch writing

Every file is written to a temporary file in the same folder, flushed to disk (fsync) and renamed
over its final name (``os.replace``, atomic on POSIX and Windows), so a final name never holds a
half-written file; temporary files left by a crash are removed when the folder is opened again and
are never read. One writer per folder at a time: a second batch on the folder is refused with a
message naming the holder (:class:`ResultFolderLock`).

A resume trusts no file by its name: each run's files carry the run key and scenario hash in their
Parquet metadata, and a file that cannot be read, belongs to another run or (for the event log) has
another length than recorded is reported and its run is carried out again
(:meth:`ResultFolder.verified_summary`).

A folder belongs to one experiment and one etj_sim version: the manifest's ``identity_hash`` (see
:attr:`Experiment.identity_hash`), format and ``package_version`` must match, else the folder is
refused before anything in it changes (two versions' runs would be mixed in one table).
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import socket
import tempfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any, Final

import polars as pl

from etj_sim.experiments.experiment import Experiment, Run
from etj_sim.run_folder import write_problem

__all__ = [
    "MANIFEST_NAME",
    "ExperimentFolderError",
    "ResultFolder",
    "ResultFolderLock",
    "RunFailure",
    "failures_frame",
    "package_version",
    "runs_by_id",
    "write_atomically",
    "write_parquet_atomically",
]

MANIFEST_NAME: Final = "manifest.json"
MANIFEST_FORMAT: Final = 2
"""2: result files carry their run key and scenario hash (format 1 folders are refused)."""
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


def write_parquet_atomically(
    target: Path, frame: pl.DataFrame, *, metadata: Mapping[str, str] | None = None
) -> None:
    """Write ``frame`` to ``target`` as Parquet (with key-value ``metadata``): temporary, rename."""
    values = dict(metadata or {})
    write_atomically(target, lambda path: frame.write_parquet(path, metadata=values or None))


_LOCK_NAME: Final = ".lock"
_RUN_KEY: Final = "etj_sim.run_id"
_SCENARIO_KEY: Final = "etj_sim.scenario_hash"
_ROWS_KEY: Final = "etj_sim.event_rows"


class ResultFolderLock:
    """One writer per results folder: an advisory lock on ``OUT/.lock`` holding pid and host.

    The lock (``fcntl.flock``) is released by the system when its holder ends, however it ends,
    so a batch killed with SIGKILL leaves no stale lock; the file's text names the holder for the
    message a second writer gets. Where ``fcntl`` does not exist (Windows) the file is created
    exclusively instead and removed on release.
    """

    def __init__(self, root: Path) -> None:
        self.path = root / _LOCK_NAME
        self._descriptor: int | None = None
        self._exclusive = False

    def acquire(self) -> None:
        holder = f"pid {os.getpid()} on host {socket.gethostname()} since {_now()}"
        try:
            import fcntl
        except ImportError:  # pragma: no cover - Windows
            try:
                descriptor = os.open(self.path, os.O_CREAT | os.O_EXCL | os.O_RDWR, 0o666)
            except FileExistsError:
                raise self._held() from None
            self._exclusive = True
        else:
            descriptor = os.open(self.path, os.O_CREAT | os.O_RDWR, 0o666)
            try:
                fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                os.close(descriptor)
                raise self._held() from None
            os.ftruncate(descriptor, 0)
        os.write(descriptor, (holder + "\n").encode("utf-8"))
        self._descriptor = descriptor

    def _held(self) -> ExperimentFolderError:
        try:
            holder = self.path.read_text(encoding="utf-8").strip() or "another process"
        except OSError:
            holder = "another process"
        return ExperimentFolderError(
            f"{self.path.parent}: another batch is writing to this folder ({holder}; lock file "
            f"{self.path}); wait for it to finish or stop it, or give another folder"
        )

    def release(self) -> None:
        if self._descriptor is None:
            return
        os.close(self._descriptor)  # closing releases the flock
        self._descriptor = None
        if self._exclusive:  # pragma: no cover - Windows
            with contextlib.suppress(OSError):
                self.path.unlink()


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class ResultFolder:
    """An experiment's results folder, checked against the experiment when opened.

    Making one only reads (:meth:`check`): a folder of another experiment or version, or one
    that is not a results folder, is refused before anything changes. :meth:`open` (or ``with``)
    takes the writer's lock, removes temporary files of a crashed writer and writes the manifest.
    """

    def __init__(self, root: Path, experiment: Experiment) -> None:
        self.root = root
        self.runs_folder = root / "runs"
        self.events_folder = root / "events"
        self._experiment = experiment
        self._lock = ResultFolderLock(root)
        self._check_belongs(experiment)

    def open(self) -> ResultFolder:
        """Take the lock and prepare the folder (raises :class:`ExperimentFolderError` if held)."""
        self.root.mkdir(parents=True, exist_ok=True)
        self._lock.acquire()
        try:
            # Checked again under the lock: another writer may have started it meanwhile.
            self._check_belongs(self._experiment)
            self.runs_folder.mkdir(parents=True, exist_ok=True)
            self.events_folder.mkdir(parents=True, exist_ok=True)
            self._remove_temporary_files()
            self._write_manifest(self._experiment)
        except BaseException:
            self._lock.release()
            raise
        return self

    def close(self) -> None:
        self._lock.release()

    def __enter__(self) -> ResultFolder:
        return self.open()

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _check_belongs(self, experiment: Experiment) -> None:
        """Refuse a folder of another experiment or version, or a non-empty non-results folder."""
        manifest_path = self.root / MANIFEST_NAME
        if self.root.is_symlink() and not self.root.exists():
            raise ExperimentFolderError(f"{self.root}: a symbolic link to a missing folder")
        if self.root.exists() and not self.root.is_dir():
            raise ExperimentFolderError(f"{self.root}: is a file, not a results folder")
        if not self.root.exists():
            _check_can_make(self.root)
            return
        problem = write_problem(self.root)
        if problem is not None:
            raise ExperimentFolderError(f"{self.root}: {problem}")
        if not manifest_path.exists():
            # A lock file alone is a writer that died before its manifest: an empty folder.
            if any(path.name != _LOCK_NAME for path in self.root.iterdir()):
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
        written_by = manifest.get("package_version")
        if manifest.get("format") != MANIFEST_FORMAT or written_by != package_version():
            # The model may differ between versions: one table must not mix two models' runs.
            raise ExperimentFolderError(
                f"{self.root}: written by etj_sim {written_by} (manifest format "
                f"{manifest.get('format')}), this is etj_sim {package_version()} (format "
                f"{MANIFEST_FORMAT}); its runs would be mixed with this version's in one table. "
                "Give another folder, or remove this one to start again."
            )
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

    def verified_summary(self, run: Run, *, with_events: bool) -> tuple[pl.DataFrame | None, str]:
        """The run's summary if its files are whole and its own, else None and why not.

        The reason is empty for a run never finished (no summary file). A file that cannot be
        read (truncated, not Parquet), or that carries another run's key or scenario hash (a file
        copied or renamed from elsewhere), or an event log missing, unreadable or of another
        length than the summary recorded, makes the run unfinished, with the reason.
        """
        summary_path = self.summary_path(run.run_id)
        if not summary_path.is_file():
            return None, ""
        try:
            summary = pl.read_parquet(summary_path)
            recorded = pl.read_parquet_metadata(summary_path)
        except Exception as error:
            return None, f"{summary_path}: unreadable ({_first_line(error)})"
        problem = _key_problem(summary_path, recorded, run)
        if problem:
            return None, problem
        if with_events:
            events_path = self.events_path(run.run_id)
            if not events_path.is_file():
                return None, f"{events_path}: missing (the run's event log)"
            try:
                events_key = pl.read_parquet_metadata(events_path)
                rows = pl.scan_parquet(events_path).select(pl.len()).collect().item()
            except Exception as error:
                return None, f"{events_path}: unreadable ({_first_line(error)})"
            problem = _key_problem(events_path, events_key, run)
            if problem:
                return None, problem
            if str(rows) != recorded.get(_ROWS_KEY):
                return None, (
                    f"{events_path}: {rows} rows, the run recorded {recorded.get(_ROWS_KEY)}"
                )
        return summary, ""

    def write_run(self, run: Run, summary: pl.DataFrame, events: pl.DataFrame | None) -> None:
        """The event log first, the summary last: the summary file marks the run as finished.

        Both carry the run's key and scenario hash in their Parquet metadata (and the summary
        the event log's row count), which is what a resume checks.
        """
        key = {_RUN_KEY: run.run_id, _SCENARIO_KEY: run.scenario.content_hash}
        if events is not None:
            write_parquet_atomically(self.events_path(run.run_id), events, metadata=key)
            key = {**key, _ROWS_KEY: str(events.height)}
        write_parquet_atomically(self.summary_path(run.run_id), summary, metadata=key)

    def write_failures(self, failures: Sequence[RunFailure]) -> None:
        _write_json(self.root / "failures.json", [asdict(failure) for failure in failures])


def _first_line(error: BaseException) -> str:
    return (str(error).strip().splitlines() or [type(error).__name__])[0]


def _key_problem(path: Path, recorded: Mapping[str, str], run: Run) -> str:
    found_run = recorded.get(_RUN_KEY)
    if found_run != run.run_id:
        return f"{path}: holds run {found_run or '(no run key)'}, not run {run.run_id}"
    found_hash = recorded.get(_SCENARIO_KEY)
    if found_hash != run.scenario.content_hash:
        return (
            f"{path}: written for scenario hash {str(found_hash)[:12]}, this run's is "
            f"{run.scenario.content_hash[:12]}"
        )
    return ""


def _check_can_make(root: Path) -> None:
    """A folder can be made at ``root``: its nearest existing parent takes a new folder."""
    problem = write_problem(root.parent)
    if problem is not None:
        raise ExperimentFolderError(f"{root}: {problem}")


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

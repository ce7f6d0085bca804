"""Fault injection into batches: dead workers, signals, damaged result files, two writers, Dask.

Pipeline position: the experiments stage under attack (issue 19). Each test causes one fault a
user or an operator meets (the out-of-memory killer, Ctrl-C, SIGTERM from a scheduler, a
truncated or swapped file, a second batch on the same folder, an unreachable or silent scheduler,
a full disk) and checks what must hold: that run recorded or redone, the rest kept, no orphan
process, no traceback, nothing written before the check that refuses.
"""

from __future__ import annotations

import functools
import json
import os
import shutil
import signal
import subprocess
import sys
import time
import warnings
from pathlib import Path

import polars as pl
import psutil
import pytest
from distributed import LocalCluster
from polars.testing import assert_frame_equal

import etj_sim
from etj_sim.experiments import (
    Experiment,
    ExperimentFolderError,
    GridDesign,
    RunFailureWarning,
    run_experiment,
)
from etj_sim.experiments.runner import (
    LOCAL_DASHBOARD_ADDRESS,
    DaskConnectionError,
    ResultFileWarning,
    simulate_run,
)
from etj_sim.experiments.store import ResultFolder
from etj_sim.scenario import Scenario
from etj_sim.simulation import simulate

from .stand_in import dying_run, stand_in_run

TESTS = Path(__file__).resolve().parents[1]
REPOSITORY = TESTS.parent
PACKAGE_PARENT = Path(etj_sim.__file__).resolve().parent.parent
"""Where the etj_sim under test lives (the checkout, or site-packages in the compiled build):
subprocesses import that one, not another install."""


def _experiment(baseline: Scenario, replications: int = 3) -> Experiment:
    return Experiment(
        name="faults",
        base=baseline,
        overrides={"population.size": 2_000},
        design=GridDesign(factors={"alerts.opt_in_share": [0.4, 0.55, 0.7]}),
        replications=replications,
        master_seed=7,
    )


# -- a worker killed as the out-of-memory killer does --------------------------------------------


def test_a_killed_worker_costs_its_run_one_retry(baseline: Scenario, tmp_path: Path) -> None:
    marks = tmp_path / "marks"
    marks.mkdir()
    experiment = _experiment(baseline)
    killed = functools.partial(dying_run, marks=str(marks), deaths=1)
    result = run_experiment(experiment, workers=2, out=tmp_path / "out", progress=False, run=killed)
    assert result.failures.height == 0
    assert len(list(marks.iterdir())) == 3  # each run at 0.7 died once, then finished
    fresh = run_experiment(experiment, workers=1, progress=False, run=stand_in_run)
    assert_frame_equal(result.runs, fresh.runs)


def test_a_run_whose_worker_always_dies_is_recorded_and_the_rest_go_on(
    baseline: Scenario, tmp_path: Path
) -> None:
    marks = tmp_path / "marks"
    marks.mkdir()
    experiment = _experiment(baseline)
    killed = functools.partial(dying_run, marks=str(marks), deaths=99)
    with pytest.warns(RunFailureWarning, match="3 of 9 runs"):
        result = run_experiment(
            experiment, workers=2, out=tmp_path / "out", progress=False, run=killed, max_attempts=2
        )
    assert result.runs.height == 6
    assert set(result.failures["error_type"]) == {"WorkerDied"}
    assert all("SIGKILL" in message for message in result.failures["message"])
    assert all("tried 2 time(s)" in message for message in result.failures["message"])
    assert len(list(marks.iterdir())) == 3 * 2
    recorded = json.loads((tmp_path / "out" / "failures.json").read_text(encoding="utf-8"))
    assert len(recorded) == 3


UNGUARDED_SCRIPT = """
import etj_sim
from etj_sim.scenario import Scenario
# No `if __name__ == "__main__":` guard: every spawned worker runs this again and dies starting.
scenario = Scenario(name="unguarded", duration_days=3).with_overrides(
    {"population.size": 20_000, "clinics.count": 4}
)
etj_sim.simulate(scenario, 1, shards=2, workers=2)
"""


def test_workers_that_die_as_they_start_end_the_run_with_the_reason(tmp_path: Path) -> None:
    """A script without the __main__ guard: its workers die before taking their shard (large
    enough to wait in the pipe). Each such death counts as an attempt, so the run ends with an
    error that says why, instead of replacing workers for ever."""
    script = tmp_path / "unguarded.py"
    script.write_text(UNGUARDED_SCRIPT, encoding="utf-8")
    done = subprocess.run(
        [sys.executable, str(script)],
        capture_output=True,
        text=True,
        timeout=240,
        env={**os.environ, "PYTHONPATH": str(PACKAGE_PARENT)},
        cwd=tmp_path,
    )
    assert done.returncode == 1
    error = done.stderr[done.stderr.rindex("RuntimeError: shard-") :]
    assert "exit code 1" in error
    assert "tried 3 times" in error
    assert 'if __name__ == "__main__":' in error


# -- signals to the batch: a real `etj-sim batch` in a subprocess --------------------------------

DRIVER = """
import argparse, functools, sys
from experiments.stand_in import sleeping_run
from etj_sim.experiments.command import add_batch_parser, main_batch
if __name__ == "__main__":  # spawned workers import this file too
    parser = argparse.ArgumentParser(prog="etj-sim")
    add_batch_parser(parser.add_subparsers(dest="command"))
    arguments = parser.parse_args(["batch", *sys.argv[1:]])
    run = functools.partial(sleeping_run, seconds=3.0)
    sys.exit(main_batch(arguments, sys.stdout, sys.stderr, run=run))
"""

EXPERIMENT_FILE = """\
name = "signals"
base = "{base}"
replications = 4
[overrides]
"population.size" = 2000
[design.factors]
"alerts.opt_in_share" = [0.4, 0.7]
"""


@pytest.fixture
def batch_command(tmp_path: Path) -> list[str]:
    experiment = tmp_path / "signals.toml"
    base = REPOSITORY / "scenarios" / "baseline.toml"
    experiment.write_text(EXPERIMENT_FILE.format(base=base.as_posix()), encoding="utf-8")
    driver = tmp_path / "driver.py"
    driver.write_text(DRIVER, encoding="utf-8")
    return [sys.executable, str(driver), str(experiment), "--workers", "2"]


def _start(command: list[str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        command,
        cwd=TESTS,
        env={**os.environ, "PYTHONPATH": f"{PACKAGE_PARENT}{os.pathsep}{TESTS}"},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )


def _wait_for_runs(out: Path, count: int, batch: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 120
    while len(list((out / "runs").glob("*.parquet"))) < count:
        assert batch.poll() is None, batch.communicate()
        assert time.monotonic() < deadline, "the batch finished no run in 120 s"
        time.sleep(0.2)


def _workers_of(batch: subprocess.Popen[str]) -> list[psutil.Process]:
    return psutil.Process(batch.pid).children(recursive=True)


def _all_gone(processes: list[psutil.Process], seconds: float = 15.0) -> bool:
    _, alive = psutil.wait_procs(processes, timeout=seconds)
    return not alive


@pytest.mark.slow
@pytest.mark.parametrize(
    ("how", "status", "said"),
    [(signal.SIGTERM, 143, "stopped (SIGTERM)"), (signal.SIGINT, 130, "stopped (Ctrl-C)")],
)
def test_a_signalled_batch_stops_cleanly_and_resumes(
    batch_command: list[str], tmp_path: Path, how: signal.Signals, status: int, said: str
) -> None:
    out = tmp_path / "out"
    batch = _start([*batch_command, "--out", str(out)])
    _wait_for_runs(out, 1, batch)
    workers = _workers_of(batch)
    assert workers, "the batch has no worker processes"
    if how == signal.SIGINT:
        os.killpg(batch.pid, signal.SIGINT)  # Ctrl-C reaches the whole process group
    else:
        batch.send_signal(how)
    _, err = batch.communicate(timeout=60)
    assert batch.returncode == status, err
    assert said in err
    assert "to resume" in err
    assert "Traceback" not in err
    assert _all_gone(workers), "worker processes outlived the batch"
    kept = len(list((out / "runs").glob("*.parquet")))
    assert 1 <= kept < 8
    resumed = _start([*batch_command, "--out", str(out)])
    _, err = resumed.communicate(timeout=240)
    assert resumed.returncode == 0, err
    assert len(list((out / "runs").glob("*.parquet"))) == 8


@pytest.mark.slow
def test_a_batch_killed_with_sigkill_leaves_no_worker_behind(
    batch_command: list[str], tmp_path: Path
) -> None:
    out = tmp_path / "out"
    batch = _start([*batch_command, "--out", str(out)])
    _wait_for_runs(out, 1, batch)
    workers = _workers_of(batch)
    batch.send_signal(signal.SIGKILL)
    batch.communicate(timeout=60)
    assert _all_gone(workers), "worker processes outlived a batch killed with SIGKILL"


# -- damaged result files on resume ---------------------------------------------------------------


@pytest.fixture
def finished(baseline: Scenario, tmp_path: Path) -> tuple[Experiment, Path]:
    experiment = _experiment(baseline)
    out = tmp_path / "out"
    run_experiment(
        experiment, workers=1, out=out, progress=False, run=stand_in_run, save_events=True
    )
    return experiment, out


def _resume(experiment: Experiment, out: Path) -> tuple[int, list[str]]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ResultFileWarning)
        result = run_experiment(
            experiment, workers=1, out=out, progress=False, run=stand_in_run, save_events=True
        )
    fresh = run_experiment(experiment, workers=1, progress=False, run=stand_in_run)
    assert_frame_equal(result.runs, fresh.runs)
    messages = [str(w.message) for w in caught if issubclass(w.category, ResultFileWarning)]
    return result.executed, messages


def _truncate(path: Path) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


@pytest.mark.parametrize("folder", ["runs", "events"])
def test_a_truncated_result_file_is_redone_and_named(
    finished: tuple[Experiment, Path], folder: str
) -> None:
    experiment, out = finished
    victim = experiment.runs()[4].run_id
    _truncate(out / folder / f"{victim}.parquet")
    executed, messages = _resume(experiment, out)
    assert executed == 1
    assert len(messages) == 1
    assert f"{folder}/{victim}.parquet: unreadable" in messages[0]
    assert "running run" in messages[0]


def test_a_swapped_result_file_is_redone_and_named(finished: tuple[Experiment, Path]) -> None:
    experiment, out = finished
    first, second = (run.run_id for run in experiment.runs()[:2])
    shutil.copyfile(out / "runs" / f"{first}.parquet", out / "runs" / f"{second}.parquet")
    executed, messages = _resume(experiment, out)
    assert executed == 1
    assert f"holds run {first}, not run {second}" in messages[0]


def test_an_event_log_of_another_run_is_redone(finished: tuple[Experiment, Path]) -> None:
    experiment, out = finished
    first, second = (run.run_id for run in experiment.runs()[:2])
    shutil.copyfile(out / "events" / f"{first}.parquet", out / "events" / f"{second}.parquet")
    executed, messages = _resume(experiment, out)
    assert executed == 1
    assert f"events/{second}.parquet: holds run {first}" in messages[0]


def test_a_folder_from_another_version_is_refused(finished: tuple[Experiment, Path]) -> None:
    experiment, out = finished
    manifest_path = out / "manifest.json"
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    manifest["package_version"] = "0.0.1"
    manifest_path.write_text(json.dumps(manifest), encoding="utf-8")
    before = {path: path.stat().st_mtime_ns for path in out.rglob("*")}
    with pytest.raises(ExperimentFolderError, match=r"written by etj_sim 0\.0\.1"):
        run_experiment(experiment, workers=1, out=out, progress=False, run=stand_in_run)
    assert {path: path.stat().st_mtime_ns for path in out.rglob("*")} == before


# -- two writers ----------------------------------------------------------------------------------


def test_a_second_writer_is_refused_naming_the_holder(baseline: Scenario, tmp_path: Path) -> None:
    experiment = _experiment(baseline)
    out = tmp_path / "out"
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time\n"
            "from etj_sim.experiments.store import ResultFolderLock\n"
            "from pathlib import Path\n"
            "lock = ResultFolderLock(Path(sys.argv[1])); lock.acquire()\n"
            "print('held', flush=True); time.sleep(120)\n",
            str(out),
        ],
        env={**os.environ, "PYTHONPATH": str(PACKAGE_PARENT)},
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        out.mkdir()
        assert holder.stdout is not None
        assert holder.stdout.readline().strip() == "held"
        with pytest.raises(ExperimentFolderError, match=rf"pid {holder.pid} on host"):
            run_experiment(experiment, workers=1, out=out, progress=False, run=stand_in_run)
        assert not (out / "manifest.json").exists()
    finally:
        holder.kill()
        holder.wait()
    # The holder is gone, and with it the lock: the folder is usable at once.
    result = run_experiment(experiment, workers=1, out=out, progress=False, run=stand_in_run)
    assert result.runs.height == 9


# -- Dask addresses (loopback only) ---------------------------------------------------------------


@pytest.mark.parametrize(
    "address", ["tcp//127.0.0.1:8786", "127.0.0.1", "tcp://127.0.0.1:99999", "udp://127.0.0.1:1"]
)
def test_a_malformed_dask_address_is_refused_at_once(
    baseline: Scenario, tmp_path: Path, address: str
) -> None:
    started = time.monotonic()
    with pytest.raises(ValueError, match=r"address|port"):
        run_experiment(_experiment(baseline), backend="dask", address=address, out=tmp_path / "out")
    assert time.monotonic() - started < 2
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("kind", ["refused", "silent"])
def test_an_unreachable_dask_scheduler_fails_within_the_timeout(
    baseline: Scenario,
    tmp_path: Path,
    kind: str,
    request: pytest.FixtureRequest,
) -> None:
    port = request.getfixturevalue("refused_port" if kind == "refused" else "silent_listener")
    started = time.monotonic()
    with pytest.raises(DaskConnectionError, match=rf"127\.0\.0\.1:{port} within 2 s"):
        run_experiment(
            _experiment(baseline),
            backend="dask",
            address=f"tcp://127.0.0.1:{port}",
            out=tmp_path / "out",
            progress=False,
            run=stand_in_run,
            dask_timeout=2.0,
        )
    assert time.monotonic() - started < 10
    assert not (tmp_path / "out").exists()  # nothing written before the scheduler answers


# -- event logs cross process boundaries ---------------------------------------------------------


def _small(baseline: Scenario) -> Experiment:
    return Experiment(
        name="events",
        base=baseline,
        overrides={"population.size": 2_000, "duration_days": 14, "clinics.count": 1},
        replications=2,
        master_seed=3,
    )


def _saved_logs_equal_in_process_ones(experiment: Experiment, out: Path) -> None:
    for run in experiment.runs():
        saved = pl.read_parquet(out / "events" / f"{run.run_id}.parquet")
        expected = simulate(run.scenario, seed=run.seed).events
        assert_frame_equal(saved, expected)


@pytest.mark.slow
def test_save_events_with_two_local_workers(baseline: Scenario, tmp_path: Path) -> None:
    experiment = _small(baseline)
    result = run_experiment(
        experiment, workers=2, out=tmp_path / "out", save_events=True, progress=False
    )
    assert result.failures.height == 0, result.failures["message"].to_list()
    _saved_logs_equal_in_process_ones(experiment, tmp_path / "out")


@pytest.mark.slow
def test_save_events_on_dask(baseline: Scenario, tmp_path: Path) -> None:
    experiment = _small(baseline)
    with LocalCluster(  # type: ignore[no-untyped-call]
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=LOCAL_DASHBOARD_ADDRESS
    ) as cluster:
        result = run_experiment(
            experiment,
            backend="dask",
            address=cluster.scheduler_address,
            out=tmp_path / "out",
            save_events=True,
            progress=False,
            run=simulate_run,
        )
    assert result.failures.height == 0, result.failures["message"].to_list()
    _saved_logs_equal_in_process_ones(experiment, tmp_path / "out")


# -- a full disk ----------------------------------------------------------------------------------


def _mount_namespace_reason() -> str | None:
    if shutil.which("unshare") is None or sys.platform != "linux":
        return "needs Linux and unshare(1) for a private tmpfs"
    probe = subprocess.run(
        ["unshare", "-m", "sh", "-c", "mount -t tmpfs -o size=64k tmpfs /mnt"],
        capture_output=True,
        check=False,
    )
    if probe.returncode != 0:
        return f"unshare -m with a tmpfs mount is not allowed here: {probe.stderr.decode()[:200]}"
    return None


@pytest.mark.slow
def test_a_full_disk_in_a_batch_says_so(batch_command: list[str], tmp_path: Path) -> None:
    reason = _mount_namespace_reason()
    if reason:
        pytest.skip(reason)
    disk = tmp_path / "disk"
    disk.mkdir()
    command = " ".join(f"'{part}'" for part in [*batch_command, "--out", f"{disk}/out"])
    done = subprocess.run(
        ["unshare", "-m", "sh", "-c", f"mount -t tmpfs -o size=24k tmpfs {disk} && {command}"],
        cwd=TESTS,
        env={**os.environ, "PYTHONPATH": f"{PACKAGE_PARENT}{os.pathsep}{TESTS}"},
        capture_output=True,
        text=True,
        check=False,
        timeout=240,
    )
    assert done.returncode == 1, done.stderr
    assert "No space left on device" in done.stderr
    assert "run the same command again to resume" in done.stderr
    assert "thrift" not in done.stderr
    assert "Traceback" not in done.stderr


def test_result_folder_only_reads_when_made(baseline: Scenario, tmp_path: Path) -> None:
    ResultFolder(tmp_path / "new", _experiment(baseline))
    assert not (tmp_path / "new").exists()

"""Benchmark of the experiment backends: parallel efficiency and Dask overhead (issue 7).

Pipeline position: outside the pipeline; it times ``run_experiment`` (experiments stage) on
replications of a scenario through the real ``etj_sim.simulation.simulate``.

Figures (targets from issue 7):

- parallel efficiency with 2 workers = T_sequential / (2 x T_parallel), target >= 0.9, where
  T_sequential is ``workers=1`` (in this process) and T_parallel the local process pool with 2
  workers, process start-up included;
- Dask overhead = T_dask / T_parallel - 1, target <= 10%, where T_dask is a ``LocalCluster`` of 2
  single-threaded worker processes on the same work, cluster start-up and shutdown included;
  also shown against a cluster that is already running (``address=``), the deployed case.

The three configurations alternate for ``--repeat`` rounds and the best time of each is kept,
so that a change in background load does not favour whichever ran last.

Run: ``python -m benchmarks.experiments [--replications 20] [--scenario scenarios/baseline.toml]``
(``--set KEY=VALUE`` shrinks the scenario for a quick look). The machine should be otherwise
idle: the figures compare wall-clock times on 2 cores.
"""

from __future__ import annotations

import os

# One polars thread per process, set before polars loads: T_sequential is then the time on one
# core, which is what an efficiency per core compares against (the workers inherit it).
os.environ.setdefault("POLARS_MAX_THREADS", "1")

import argparse
import json
import time
from collections.abc import Callable
from pathlib import Path

from distributed import LocalCluster
from polars.testing import assert_frame_equal

from etj_sim.experiments import Experiment, ExperimentResult, run_experiment
from etj_sim.experiments.runner import LOCAL_DASHBOARD_ADDRESS
from etj_sim.scenario import Scenario

ROOT = Path(__file__).resolve().parent.parent


def _timed(action: Callable[[], ExperimentResult]) -> tuple[float, ExperimentResult]:
    started = time.perf_counter()
    result = action()
    return time.perf_counter() - started, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--scenario", type=Path, default=ROOT / "scenarios" / "baseline.toml")
    parser.add_argument("--replications", type=int, default=20)
    parser.add_argument("--master-seed", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=3, help="rounds of timings (best kept)")
    parser.add_argument(
        "--set", action="append", default=[], metavar="KEY=VALUE", help="override (JSON value)"
    )
    arguments = parser.parse_args()
    overrides = {
        key: json.loads(value) for key, value in (text.split("=", 1) for text in arguments.set)
    }
    experiment = Experiment(
        name="benchmark",
        base=Scenario.load(arguments.scenario),
        overrides=overrides,
        replications=arguments.replications,
        master_seed=arguments.master_seed,
    )
    scenario = experiment.design_points()[0].scenario
    print(
        f"{scenario.name}: {scenario.population.size:,} people, {scenario.duration_days} days, "
        f"{arguments.replications} replications"
    )
    # The three alternate, round after round, and the best time of each is kept: on a shared
    # machine the background load changes, and the minimum is the run it disturbed least.
    timings: dict[str, list[float]] = {"sequential": [], "pool": [], "dask": [], "running": []}
    # A cluster that is already up, as on a real deployment: the call only connects to it.
    cluster = LocalCluster(  # type: ignore[no-untyped-call]
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        dashboard_address=LOCAL_DASHBOARD_ADDRESS,
    )
    address = cluster.scheduler_address
    configurations: dict[str, Callable[[], ExperimentResult]] = {
        "sequential": lambda: run_experiment(experiment, workers=1, progress=False),
        "pool": lambda: run_experiment(experiment, workers=2, progress=False),
        "dask": lambda: run_experiment(experiment, backend="dask", workers=2, progress=False),
        "running": lambda: run_experiment(
            experiment, backend="dask", address=address, progress=False
        ),
    }
    names = {
        "sequential": "sequential (1 process)",
        "pool": "local pool (2 processes)",
        "dask": "Dask LocalCluster (2 workers)",
        "running": "Dask, cluster already up",
    }
    results: list[ExperimentResult] = []
    with cluster:
        for round_number in range(1, arguments.repeat + 1):
            for key, action in configurations.items():
                seconds, result = _timed(action)
                timings[key].append(seconds)
                results.append(result)
                print(f"round {round_number}: {names[key]:<30} {seconds:8.2f} s")
    best = {key: min(values) for key, values in timings.items()}
    print("best: " + ", ".join(f"{names[key]} {seconds:.2f} s" for key, seconds in best.items()))
    efficiency = best["sequential"] / (2 * best["pool"])
    overhead = best["dask"] / best["pool"] - 1
    overhead_running = best["running"] / best["pool"] - 1
    sequential_seconds = best["sequential"]
    print(f"parallel efficiency (2 workers): {efficiency:.3f}  (target >= 0.9)")
    print(
        f"Dask overhead over local pool:   {overhead:+.1%}  (target <= +10%; cluster made per call)"
    )
    print(f"  with the cluster already up:   {overhead_running:+.1%}")
    print(f"seconds per run (sequential):    {sequential_seconds / arguments.replications:.2f}")
    print(f"load average (1, 5, 15 min):     {os.getloadavg()}")
    # The backends must agree exactly, or the timings compared different work.
    for result in results[1:]:
        assert_frame_equal(results[0].runs, result.runs)
    print("identical tables from every backend: yes")


if __name__ == "__main__":
    main()

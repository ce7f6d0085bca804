"""Benchmark of sharded runs: speed-up and memory per shard, the scaling table, national on Dask.

Pipeline position: outside the pipeline; it times ``simulate(scenario, seed, shards=k)``
(``etj_sim.simulation.shards``: split, shards on worker processes or Dask, merge) against the
single run of the same scenario and seed, in the same process one after the other.

Modes (the last line of each is one JSON object):

- ``sharded`` (default): one scenario unsharded, then with ``--shards`` on ``--workers``; prints
  the wall times, the parallel efficiency (unsharded wall / (workers x sharded wall)), each
  shard's peak RSS and the parent's. Targets (issue 20): a Region Stockholm year, compiled, 2
  shards on 2 cores in at most 60 s with an efficiency of at least 0.9; at most 2 GB peak per
  process.
- ``--scaling 50000,240000,...``: for each size a ``benchmarks.simulate`` run in its own process
  (its peak RSS is its own) at about 10,000 people per clinic: domain events per second of the
  SimPy run, the ratio to bare SimPy in that process, and peak RSS per person.
- ``--national SCALE``: ``simulate_national`` of the baseline at ``SCALE`` of Sweden's 2024
  population on a Dask ``LocalCluster`` of ``--workers`` workers, and a table that extrapolates
  16 and 64 workers from the measured shard costs and the fixed costs (on paper: shards dealt
  largest first to the least-loaded worker; the fixed costs of population, split, cluster start
  and merge stay as measured).

Run: ``.venv/bin/python -m benchmarks.shards [--scenario region-stockholm] [--size N]
[--clinics N] [--days D] [--shards 2] [--workers 2] [--scaling SIZES] [--national SCALE]``; in
the compiled build ``.venv-compiled/bin/python benchmarks/installed.py shards [...]`` (the shard
workers are spawned from this process and import the same build).
"""

from __future__ import annotations

import argparse
import heapq
import json
import math
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from benchmarks import build, installed_command
from benchmarks.memory import peak_rss_megabytes
from benchmarks.simulate import load_scenario
from etj_sim.scenario import Scenario
from etj_sim.simulation import simulate
from etj_sim.simulation.shards import simulate_national

ROOT = Path(__file__).resolve().parent.parent
PEOPLE_PER_CLINIC = 10_000


def _scenario(arguments: argparse.Namespace) -> Scenario:
    scenario = load_scenario(arguments.scenario)
    overrides: dict[str, object] = {}
    if arguments.size is not None:
        overrides["population.size"] = arguments.size
        overrides["clinics.count"] = arguments.clinics or max(
            1, round(arguments.size / PEOPLE_PER_CLINIC)
        )
    elif arguments.clinics is not None:
        overrides["clinics.count"] = arguments.clinics
    if arguments.days is not None:
        overrides["duration_days"] = arguments.days
        overrides["campaigns"] = [
            c.model_dump() for c in scenario.campaigns if c.day < arguments.days
        ]
    return scenario.with_overrides(overrides) if overrides else scenario


def sharded(arguments: argparse.Namespace) -> dict[str, Any]:
    scenario = _scenario(arguments)
    print(
        f"scenario {scenario.name}: {scenario.population.size:,} people, "
        f"{scenario.duration_days} days, {scenario.clinics.count} clinics, seed {arguments.seed}; "
        f"{build()} build"
    )
    whole_wall = math.nan
    whole_events = 0
    whole_timings: dict[str, float] = {}
    if not arguments.no_reference:
        started = time.perf_counter()
        whole = simulate(scenario, arguments.seed)
        whole_wall = time.perf_counter() - started
        whole_events = whole.events.height
        whole_timings = dict(whole.timings)
        del whole
        single_peak = peak_rss_megabytes()
        print(
            f"unsharded      {whole_wall:8.1f} s, {whole_events:,} events, "
            f"peak {single_peak:,.0f} MB"
        )
    started = time.perf_counter()
    result = simulate(scenario, arguments.seed, shards=arguments.shards, workers=arguments.workers)
    wall = time.perf_counter() - started
    assert result.shard_runs is not None
    shard_rows = result.shard_runs.to_dicts()
    efficiency = whole_wall / (arguments.workers * wall)
    print(
        f"{arguments.shards} shards     {wall:8.1f} s on {arguments.workers} workers, "
        f"{result.events.height:,} events; efficiency {efficiency:.3f}; stages "
        + ", ".join(f"{stage} {seconds:.1f} s" for stage, seconds in result.timings.items())
    )
    for row in shard_rows:
        print(
            f"  shard {row['shard']}: {row['clinics']} clinics, {row['people']:,} people, "
            f"{row['events']:,} events, {row['run_seconds']:.1f} s, "
            f"peak {row['peak_rss_megabytes']:,.0f} MB"
        )
    parent_peak = peak_rss_megabytes()
    print(f"this process's peak RSS {parent_peak:,.0f} MB (holds the whole population and log)")
    return {
        "mode": "sharded",
        "build": build(),
        "scenario": scenario.name,
        "persons": scenario.population.size,
        "days": scenario.duration_days,
        "clinics": scenario.clinics.count,
        "shards": arguments.shards,
        "workers": arguments.workers,
        "unsharded_wall_seconds": whole_wall,
        "unsharded_timings": whole_timings,
        "unsharded_events": whole_events,
        "sharded_wall_seconds": wall,
        "sharded_timings": dict(result.timings),
        "sharded_events": result.events.height,
        "parallel_efficiency": efficiency,
        "shard_runs": shard_rows,
        "parent_peak_rss_megabytes": parent_peak,
    }


def scaling(arguments: argparse.Namespace) -> dict[str, Any]:
    rows = []
    for size in (int(text) for text in arguments.scaling.split(",")):
        # As ``make bench``'s compiled steps: the child runs the build this interpreter has
        # installed (in the compiled build's environment the compiled etj_sim, not the source).
        command = [
            *installed_command(sys.executable, "benchmarks.simulate"),
            "--scenario",
            arguments.scenario,
            "--size",
            str(size),
            "--clinics",
            str(max(1, round(size / PEOPLE_PER_CLINIC))),
            "--seed",
            str(arguments.seed),
            "--json",
        ]
        if arguments.days is not None:
            command += ["--days", str(arguments.days)]
        done = subprocess.run(
            command, cwd=ROOT, capture_output=True, text=True, check=True, env=dict(os.environ)
        )
        figures = json.loads(done.stdout.strip().splitlines()[-1])
        row = {
            "persons": size,
            "days": figures["days"],
            "events": figures["events"],
            "model_events_per_second": figures["model_events_per_second"],
            "ratio_to_bare_simpy": figures["ratio_to_bare_simpy"],
            "peak_rss_megabytes": figures["peak_rss_megabytes"],
            "peak_bytes_per_person": figures["peak_rss_megabytes"] * 2**20 / size,
            "wall_seconds": figures["wall_seconds"],
            "build": figures["build"],
        }
        rows.append(row)
        print(
            f"{size:>10,} people, {row['days']} days: {row['model_events_per_second']:>9,.0f} "
            f"events/s (x{row['ratio_to_bare_simpy']:.3f} bare SimPy), peak "
            f"{row['peak_rss_megabytes']:,.0f} MB = {row['peak_bytes_per_person']:,.0f} B/person"
        )
    return {"mode": "scaling", "scenario": arguments.scenario, "rows": rows}


def _makespan(costs: list[float], workers: int) -> float:
    """Shards dealt largest first to the least-loaded worker: the last worker's finish."""
    loads = [0.0] * workers
    heapq.heapify(loads)
    for cost in sorted(costs, reverse=True):
        heapq.heappush(loads, heapq.heappop(loads) + cost)
    return max(loads)


def national(arguments: argparse.Namespace) -> dict[str, Any]:
    base = load_scenario("baseline")
    if arguments.days is not None:
        base = base.with_overrides({"duration_days": arguments.days})
    started = time.perf_counter()
    result = simulate_national(
        base, arguments.seed, scale=arguments.national, backend="dask", workers=arguments.workers
    )
    wall = time.perf_counter() - started
    assert result.shard_runs is not None
    costs = result.shard_runs.get_column("run_seconds").to_list()
    timings = dict(result.timings)
    # The shards' stage is what workers share; the rest (population, split, merge, and what the
    # shards' stage spent beyond its busiest worker: cluster start, shipping) is paid once.
    measured_makespan = _makespan(costs, arguments.workers)
    fixed = wall - measured_makespan
    table = {workers: fixed + _makespan(costs, workers) for workers in (arguments.workers, 16, 64)}
    print(
        f"national at scale {arguments.national}: {result.population.height:,} people, "
        f"{base.duration_days} days, {len(costs)} shards, {result.events.height:,} events; "
        f"{build()} build"
    )
    print(
        f"Dask LocalCluster, {arguments.workers} workers: {wall:.1f} s wall ("
        + ", ".join(f"{stage} {seconds:.1f} s" for stage, seconds in timings.items())
        + f"); shard costs sum {sum(costs):.1f} s, largest {max(costs):.1f} s"
    )
    for workers, seconds in table.items():
        label = "measured" if workers == arguments.workers else "extrapolated"
        print(f"  {workers:>3} workers: {seconds:8.1f} s ({label})")
    return {
        "mode": "national",
        "build": build(),
        "scale": arguments.national,
        "persons": result.population.height,
        "days": base.duration_days,
        "shards": len(costs),
        "events": result.events.height,
        "wall_seconds": wall,
        "timings": timings,
        "shard_seconds": costs,
        "fixed_seconds": fixed,
        "workers_seconds": {str(workers): seconds for workers, seconds in table.items()},
        "peak_rss_megabytes": peak_rss_megabytes(),
        "shard_peak_rss_megabytes": result.shard_runs.get_column("peak_rss_megabytes").max(),
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--scenario", default="region-stockholm", help="path or shipped name")
    parser.add_argument("--size", type=int, help="override population.size (and the clinics)")
    parser.add_argument("--clinics", type=int, help="override clinics.count")
    parser.add_argument("--days", type=int, help="override duration_days")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--shards", type=int, default=2)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--scaling", help="comma-separated population sizes")
    parser.add_argument("--national", type=float, help="scale of Sweden's population")
    parser.add_argument(
        "--no-reference", action="store_true", help="skip the unsharded run (sharded mode)"
    )
    arguments = parser.parse_args(argv)
    if arguments.scaling:
        figures = scaling(arguments)
    elif arguments.national is not None:
        figures = national(arguments)
    else:
        figures = sharded(arguments)
    print(json.dumps(figures))


if __name__ == "__main__":
    main()

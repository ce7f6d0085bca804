"""Benchmark of ``simulate``: the model's domain events per second against bare SimPy.

Pipeline position: measures the simulation stage (``Scenario -> simulate -> event log``),
population synthesis included in the wall time and reported apart.
Targets (issue 4): ``baseline`` (50,000 people, 90 days) in at most 5 s; ``region-stockholm``
(2.4 million people, 365 days) in at most 5 minutes and 4 GB peak RSS on one core; the model's
events per second at least 0.15 x bare SimPy timeouts per second, measured in the same process
(the medians of three short samples before and after the run, averaged).

Run: ``.venv/bin/python -m benchmarks.simulate [--scenario PATH_OR_NAME] [--size N] [--days D]
[--clinics N] [--seed N] [--progress] [--profile] [--json]`` (``--profile`` prints a pyinstrument
profile of the run; ``--json`` prints the figures as one JSON object on the last line, read by
``python -m benchmarks``). To scale a region down keep about 10,000 people per clinic
(``--size 240000 --clinics 24``), as in the shipped scenarios.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

import simpy

import benchmarks
import etj_sim
from benchmarks.memory import peak_rss_megabytes
from etj_sim.scenario import Scenario
from etj_sim.simulation import simulate

SCENARIO_FOLDER = Path(__file__).resolve().parent.parent / "scenarios"


def bare_simpy_timeouts_per_second(count: int = 1_000_000) -> float:
    """Timeouts per second of one SimPy process that only yields timeouts (one sample)."""
    env = simpy.Environment()

    def tick() -> simpy.events.ProcessGenerator:
        for _ in range(count):
            yield env.timeout(1.0)

    env.process(tick())
    started = time.perf_counter()
    env.run()
    return count / (time.perf_counter() - started)


def bare_simpy_reference(samples: int = 3, count: int = 300_000) -> float:
    """The median of ``samples`` short bare-SimPy samples (timeouts per second).

    On a shared machine one sample can be off by a third within a minute (2026-12-07: 0.56 to
    0.91 million timeouts/s in consecutive one-second samples), so the ratio's reference is a
    median, taken before and after the model's run (:func:`main`).
    """
    return statistics.median(bare_simpy_timeouts_per_second(count) for _ in range(samples))


def load_scenario(name_or_path: str) -> Scenario:
    """A scenario file by path, or a shipped scenario by name (``baseline``)."""
    path = Path(name_or_path)
    if not path.exists():
        path = SCENARIO_FOLDER / f"{name_or_path}.toml"
    return Scenario.load(path)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--scenario", default="baseline", help="path or shipped name")
    parser.add_argument("--size", type=int, help="override population.size")
    parser.add_argument("--days", type=int, help="override duration_days")
    parser.add_argument("--clinics", type=int, help="override clinics.count")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--progress", action="store_true", help="show the progress bar")
    parser.add_argument("--profile", action="store_true", help="print a pyinstrument profile")
    parser.add_argument("--json", action="store_true", help="end with the figures as JSON")
    arguments = parser.parse_args(argv)

    scenario = load_scenario(arguments.scenario)
    overrides: dict[str, object] = {}
    if arguments.size is not None:
        overrides["population.size"] = arguments.size
    if arguments.clinics is not None:
        overrides["clinics.count"] = arguments.clinics
    if arguments.days is not None:
        overrides["duration_days"] = arguments.days
        overrides["campaigns"] = [
            c.model_dump() for c in scenario.campaigns if c.day < arguments.days
        ]
    if overrides:
        scenario = scenario.with_overrides(overrides)

    bare_before = bare_simpy_reference()
    profiler = None
    if arguments.profile:
        from pyinstrument import Profiler

        profiler = Profiler()
        profiler.start()
    started = time.perf_counter()
    cpu_started = time.process_time()
    result = simulate(scenario, arguments.seed, progress=arguments.progress)
    wall = time.perf_counter() - started
    cpu = time.process_time() - cpu_started
    if profiler is not None:
        profiler.stop()
        print(profiler.output_text(unicode=True, color=False))

    bare_after = bare_simpy_reference()
    # The reference is the mean of the medians before and after the run, so that a machine
    # that slows down (or speeds up) during a long run moves the ratio less.
    bare = (bare_before + bare_after) / 2.0
    build = benchmarks.build()
    events = result.events.height
    run_seconds = result.timings["run"]
    model_rate = events / run_seconds
    print(
        f"scenario            {scenario.name} ({scenario.population.size:,} people, "
        f"{scenario.duration_days} days, {scenario.clinics.count} clinics, seed {arguments.seed})"
    )
    print(f"build               {build} ({Path(etj_sim.__file__).parent})")
    print(
        f"bare SimPy          {bare:,.0f} timeouts/s (medians of 3 samples: {bare_before:,.0f} "
        f"before the run, {bare_after:,.0f} after)"
    )
    print(
        f"model               {model_rate:,.0f} domain events/s ({events:,} events in the "
        f"SimPy run of {run_seconds:.2f} s)"
    )
    print(f"ratio               {model_rate / bare:.3f} (target >= 0.15)")
    stages = ", ".join(f"{stage} {seconds:.2f} s" for stage, seconds in result.timings.items())
    print(f"wall time           {wall:.2f} s ({stages})")
    # On a shared machine the CPU time says what the run costs; the wall time what it took.
    print(f"CPU time            {cpu:.2f} s")
    print(f"peak RSS            {peak_rss_megabytes():,.0f} MB")
    if arguments.json:
        figures = {
            "scenario": scenario.name,
            "build": build,
            "persons": scenario.population.size,
            "days": scenario.duration_days,
            "clinics": scenario.clinics.count,
            "events": events,
            "wall_seconds": wall,
            "cpu_seconds": cpu,
            "timings": dict(result.timings),
            "model_events_per_second": model_rate,
            "bare_simpy_timeouts_per_second": bare,
            "bare_simpy_before": bare_before,
            "bare_simpy_after": bare_after,
            "ratio_to_bare_simpy": model_rate / bare,
            "peak_rss_megabytes": peak_rss_megabytes(),
        }
        print(json.dumps(figures))


if __name__ == "__main__":
    main()

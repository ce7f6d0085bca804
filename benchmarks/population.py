"""Benchmark of ``synthesize_population``: persons per second and peak memory.

Pipeline position: measures the population stage (``Scenario -> synthesize_population``).
Targets (issue 3): 2.4 million people in at most 10 s and 1.5 GB peak RSS; 10.6 million in one
process without running out of memory.

Run: ``.venv/bin/python -m benchmarks.population [--size N] [--profile NAME] [--seed N]``.
"""

from __future__ import annotations

import argparse
import os
import time

from benchmarks.memory import peak_rss_megabytes
from etj_sim.population import synthesize_population
from etj_sim.scenario import PopulationSection, Scenario


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--size", type=int, default=2_400_000, help="people (default 2,400,000)")
    parser.add_argument("--profile", default="stockholm_county", help="age profile")
    parser.add_argument("--seed", type=int, default=1)
    arguments = parser.parse_args(argv)
    scenario = Scenario(
        population=PopulationSection(size=arguments.size, profile=arguments.profile)
    )
    baseline_megabytes = peak_rss_megabytes()
    started = time.perf_counter()
    cpu_started = time.process_time()
    population = synthesize_population(scenario, arguments.seed)
    elapsed_seconds = time.perf_counter() - started
    cpu_seconds = time.process_time() - cpu_started
    print(f"people:            {len(population):,}")
    print(f"guardianships:     {population.guardianships.height:,}")
    print(f"seconds:           {elapsed_seconds:.2f}")
    # CPU seconds (all threads) tell a slow machine from a slow program when others share it.
    print(f"CPU seconds:       {cpu_seconds:.2f} (load average {os.getloadavg()[0]:.1f})")
    print(f"persons/second:    {len(population) / elapsed_seconds:,.0f}")
    print(f"people frame MB:   {population.people.estimated_size('mb'):,.0f}")
    peak_megabytes = peak_rss_megabytes()
    print(f"peak RSS MB:       {peak_megabytes:,.0f} (before synthesis {baseline_megabytes:,.0f})")


if __name__ == "__main__":
    main()

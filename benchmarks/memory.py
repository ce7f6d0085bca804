"""Peak memory of a benchmark process, shared by every benchmark script.

Pipeline position: outside the pipeline; the benchmarks of each stage (population, domain,
simulation, metrics) report the peak resident set size this helper reads.
"""

from __future__ import annotations

from etj_sim.simulation.shards import process_peak_rss_megabytes


def peak_rss_megabytes() -> float:
    """Peak resident set size of this process's own memory (``VmHWM`` on Linux: a benchmark
    started by another process does not inherit its high-water mark, as ``ru_maxrss`` does)."""
    return process_peak_rss_megabytes()

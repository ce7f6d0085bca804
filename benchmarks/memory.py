"""Peak memory of a benchmark process, shared by every benchmark script.

Pipeline position: outside the pipeline; the benchmarks of each stage (population, domain,
simulation, metrics) report the peak resident set size this helper reads.
"""

from __future__ import annotations

import resource
import sys


def peak_rss_megabytes() -> float:
    """Peak resident set size of this process (ru_maxrss is KiB on Linux, bytes on macOS)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 2**20 if sys.platform == "darwin" else peak / 2**10

"""Settings shared by the whole suite.

Hypothesis: no per-example deadline. The suite runs on shared, loaded machines (two cores, CI and
other work at once), where a deadline fails a correct test by timing alone; speed is measured in
``benchmarks/``, never asserted in tests. The per-test time limit (pytest-timeout) still stops
anything that hangs.
"""

from __future__ import annotations

from hypothesis import HealthCheck, settings

settings.register_profile("etj_sim", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("etj_sim")

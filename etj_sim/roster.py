"""The staff roster's schema: one contract between the simulation that writes it and the metrics.

Pipeline position: beside the event log (``simulation -> staff roster -> metrics``). The
simulation gives each run's roster (``SimulationResult.staff``) in this schema and the metrics'
breakdowns by role read it; both import it from here, so neither reaches into the other.
"""

from __future__ import annotations

from typing import Final

import polars as pl

__all__ = ["STAFF_ROSTER_SCHEMA"]

STAFF_ROSTER_SCHEMA: Final = pl.Schema({"staff": pl.Int32, "clinic": pl.Int32, "role": pl.String})
"""The staff roster: one row a staff member with the clinic (event-log id) and role."""

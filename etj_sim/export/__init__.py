"""Process-mining export: a run's event log as OCEL 2.0 JSON, XES or CSV.

Pipeline position: after the simulation, beside the metrics (``event log -> files for process
mining tools``). The parts:

- :mod:`~etj_sim.export.ocel`: OCEL 2.0 JSON (objects, qualified event-object relations);
- :mod:`~etj_sim.export.xes`: XES, one trace per case;
- :func:`write_csv`: the event log as one flat CSV (polars' own writer);
- :mod:`~etj_sim.export.command`: ``etj-sim export RUN_DIR --format ocel|xes|csv --out FILE``.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from etj_sim.export.ocel import ocel_document, write_ocel_json
from etj_sim.export.xes import write_xes
from etj_sim.metrics.context import check_event_log

__all__ = ["ocel_document", "write_csv", "write_ocel_json", "write_xes"]


def write_csv(path: str | Path, events: pl.DataFrame) -> None:
    """The event log as CSV: one row per event, the log's columns, times in ISO 8601."""
    check_event_log(events)
    events.write_csv(path, datetime_format="%Y-%m-%dT%H:%M:%S%.3f")

"""XES export: the event log as one trace per case, for case-centric process-mining tools.

Pipeline position: after the simulation, beside the metrics. ``event log -> XES`` (IEEE 1849,
https://xes-standard.org): one ``<trace>`` per case (``concept:name`` the case id, with its kind
and clinic), holding the log rows that name the case, in time order, each an ``<event>`` with
``concept:name`` (the event), ``time:timestamp``, ``lifecycle:transition`` ``complete``,
``org:resource`` (the staff member, else the acting citizen) and ``org:role`` (the actor role),
and the channel and kind where given. Rows that name no case (logins, alerts, shifts) belong to
no trace: the OCEL export keeps them all.

Written with the standard library's XML escaping (pm4py writes XES too, but it is AGPL and must
not become a runtime dependency).
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Final, TextIO
from xml.sax.saxutils import quoteattr

import polars as pl

from etj_sim.metrics.context import check_event_log

__all__ = ["write_xes"]

_HEADER: Final = """<?xml version="1.0" encoding="UTF-8"?>
<log xes.version="1849-2016" xes.features="nested-attributes" xmlns="http://www.xes-standard.org/">
  <extension name="Concept" prefix="concept" uri="http://www.xes-standard.org/concept.xesext"/>
  <extension name="Time" prefix="time" uri="http://www.xes-standard.org/time.xesext"/>
  <extension name="Lifecycle" prefix="lifecycle" uri="http://www.xes-standard.org/lifecycle.xesext"/>
  <extension name="Organizational" prefix="org" uri="http://www.xes-standard.org/org.xesext"/>
  <global scope="trace"><string key="concept:name" value="__INVALID__"/></global>
  <global scope="event">
    <string key="concept:name" value="__INVALID__"/>
    <date key="time:timestamp" value="1970-01-01T00:00:00.000"/>
  </global>
  <classifier name="Activity" keys="concept:name"/>
"""


def _string(key: str, value: object) -> str:
    return f"<string key={quoteattr(key)} value={quoteattr(str(value))}/>"


def _timestamp(value: datetime) -> str:
    return value.isoformat(timespec="milliseconds")


def _write_trace(handle: TextIO, case: int, rows: pl.DataFrame) -> None:
    first = rows.row(0, named=True)
    handle.write("  <trace>\n")
    handle.write(f"    {_string('concept:name', f'case:{case}')}\n")
    if first["kind"] is not None:
        handle.write(f"    {_string('kind', first['kind'])}\n")
    if first["clinic"] is not None:
        handle.write(f'    <int key="clinic" value="{int(first["clinic"])}"/>\n')
    for row in rows.iter_rows(named=True):
        handle.write("    <event>\n")
        handle.write(f"      {_string('concept:name', row['event'])}\n")
        handle.write(f'      <date key="time:timestamp" value="{_timestamp(row["time"])}"/>\n')
        handle.write(f"      {_string('lifecycle:transition', 'complete')}\n")
        resource = None
        if row["staff"] is not None:
            resource = "staff member:" + str(row["staff"])
        elif row["actor"] is not None:
            resource = "citizen:" + str(row["actor"])
        if resource is not None:
            handle.write(f"      {_string('org:resource', resource)}\n")
        if row["actor_role"] is not None:
            handle.write(f"      {_string('org:role', row['actor_role'])}\n")
        for column in ("channel", "kind"):
            if row[column] is not None:
                handle.write(f"      {_string(column, row[column])}\n")
        if row["duration_minutes"] is not None:
            handle.write(
                f'      <float key="duration_minutes" value="{float(row["duration_minutes"])}"/>\n'
            )
        handle.write("    </event>\n")
    handle.write("  </trace>\n")


def write_xes(path: str | Path, events: pl.DataFrame) -> int:
    """Write the cases of ``events`` as XES to ``path``; returns the number of traces."""
    check_event_log(events)
    with_case = (
        events.filter(pl.col("case").is_not_null())
        .with_row_index("order")
        .sort("case", "time", "order")
        .with_columns(pl.col("event", "actor_role", "channel", "kind").cast(pl.String))
    )
    traces = 0
    with Path(path).open("w", encoding="utf-8") as handle:
        handle.write(_HEADER)
        for (case,), rows in with_case.group_by("case", maintain_order=True):
            _write_trace(handle, int(str(case)), rows)
            traces += 1
        handle.write("</log>\n")
    return traces

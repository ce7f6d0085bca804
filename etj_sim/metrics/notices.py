"""Appointment notices and visits (F7, F8): letters, digital notices, read before the visit,
no-shows, costs and staff minutes.

Pipeline position: ``event log -> notice tables (this module) -> summary / report / benefit``.
Read off the rows the domain writes for appointments (``message_sent`` and ``paper_sent`` with an
``appointment``, ``notice_held``, ``appointment_rebooked``, ``appointment_cancelled``,
``visit_attended``, ``visit_missed``); the prices and staff minutes come from the scenario's
``notices`` section through :class:`etj_sim.metrics.context.NoticeCosts`.

Definitions:

- a notice is sent for an appointment once it has a digital notice, a held notice or a letter;
- letters are every ``paper_sent`` row in the run, fallback letters those with reason
  ``fallback``; digital notices the ``message_sent`` rows of kind ``appointment_notice``;
- *read before the visit*: of the appointments with a digital notice whose visit was recorded
  (attended or missed) in the run, the share whose notice was first read before the visit time;
- *no-show share*: missed visits over recorded visits (attended plus missed);
- *cost*: letters times ``cost_per_letter_sek`` plus digital notices times
  ``cost_per_digital_notice_sek``; *staff minutes*: letters times ``staff_minutes_per_letter``
  plus the minutes of the rebooking and cancelling calls (``duration_minutes`` of those rows
  made by staff).
"""

from __future__ import annotations

import polars as pl

from etj_sim.metrics.context import MetricContext, check_event_log

__all__ = ["notice_outcomes"]

NOTICE_OUTCOME_SCHEMA = pl.Schema(
    {
        "notices_sent": pl.Int64,
        "digital_notices": pl.Int64,
        "paper_letters": pl.Int64,
        "paper_fallback_letters": pl.Int64,
        "paper_complement_letters": pl.Int64,
        "notices_held": pl.Int64,
        "notices_dropped": pl.Int64,
        "rebooked_digitally": pl.Int64,
        "cancelled_digitally": pl.Int64,
        "rebooking_calls": pl.Int64,
        "visits_attended": pl.Int64,
        "visits_missed": pl.Int64,
        "notice_read_before_visit_share": pl.Float64,
        "no_show_share": pl.Float64,
        "notice_cost_sek": pl.Float64,
        "staff_minutes_notices": pl.Float64,
    }
)


def notice_outcomes(events: pl.DataFrame, context: MetricContext) -> pl.DataFrame:
    """One row: the notices, letters, changes and visits of the run, with cost and staff time.

    Columns: :data:`NOTICE_OUTCOME_SCHEMA` (definitions in the module docstring).
    """
    check_event_log(events)
    costs = context.notice_costs
    rows = events.lazy().filter(pl.col("time") < pl.lit(context.end))
    notice_rows = rows.filter(
        pl.col("appointment").is_not_null()
        & (
            ((pl.col("event") == "message_sent") & (pl.col("kind") == "appointment_notice"))
            | pl.col("event").is_in(["paper_sent", "notice_held"])
        )
    )
    event = pl.col("event")
    staff_call = pl.col("actor_role") == "staff"
    counts = rows.select(
        ((event == "message_sent") & (pl.col("kind") == "appointment_notice"))
        .sum()
        .alias("digital_notices"),
        (event == "paper_sent").sum().alias("paper_letters"),
        ((event == "paper_sent") & (pl.col("reason") == "fallback"))
        .sum()
        .alias("paper_fallback_letters"),
        ((event == "paper_sent") & (pl.col("reason") == "complement"))
        .sum()
        .alias("paper_complement_letters"),
        (event == "notice_held").sum().alias("notices_held"),
        (event == "notice_dropped").sum().alias("notices_dropped"),
        ((event == "appointment_rebooked") & ~staff_call).sum().alias("rebooked_digitally"),
        ((event == "appointment_cancelled") & ~staff_call).sum().alias("cancelled_digitally"),
        (event.is_in(["appointment_rebooked", "appointment_cancelled"]) & staff_call)
        .sum()
        .alias("rebooking_calls"),
        pl.col("duration_minutes")
        .filter(event.is_in(["appointment_rebooked", "appointment_cancelled"]) & staff_call)
        .sum()
        .cast(pl.Float64)
        .alias("call_minutes"),
        (event == "visit_attended").sum().alias("visits_attended"),
        (event == "visit_missed").sum().alias("visits_missed"),
    ).collect()
    sent = notice_rows.select(pl.col("appointment").n_unique()).collect().item()
    visits = rows.filter(event.is_in(["visit_attended", "visit_missed"])).select(
        "appointment", pl.col("appointment_time").alias("visit_time")
    )
    digital = rows.filter(
        (event == "message_sent")
        & (pl.col("kind") == "appointment_notice")
        & pl.col("appointment").is_not_null()
    ).select("appointment", "message")
    first_read = (
        rows.filter(event == "message_read")
        .group_by("message")
        .agg(pl.col("time").min().alias("read_time"))
    )
    read_before = (
        digital.join(visits, on="appointment", how="inner")
        .join(first_read, on="message", how="left")
        .select(
            pl.len().alias("noticed"),
            (pl.col("read_time") < pl.col("visit_time")).fill_null(False).sum().alias("read"),
        )
        .collect()
    )
    attended = int(counts["visits_attended"][0])
    missed = int(counts["visits_missed"][0])
    letters = int(counts["paper_letters"][0])
    digital_count = int(counts["digital_notices"][0])
    noticed = int(read_before["noticed"][0])
    row: dict[str, object] = {
        name: int(counts[name][0])
        for name in NOTICE_OUTCOME_SCHEMA.names()
        if name in counts.columns
    }
    row.update(
        notices_sent=int(sent),
        notice_read_before_visit_share=int(read_before["read"][0]) / noticed if noticed else None,
        no_show_share=missed / (attended + missed) if attended + missed else None,
        notice_cost_sek=letters * costs.cost_per_letter_sek
        + digital_count * costs.cost_per_digital_notice_sek,
        staff_minutes_notices=letters * costs.staff_minutes_per_letter
        + float(counts["call_minutes"][0] or 0.0),
    )
    return pl.DataFrame([row], schema=NOTICE_OUTCOME_SCHEMA)

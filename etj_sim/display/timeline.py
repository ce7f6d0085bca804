"""A person's or a case's timeline from any event log: every event about them, in order.

Pipeline position: ``event log -> display (this module) -> notebooks``. It reads the event log
frame (:meth:`etj_sim.events.EventLog.to_frame`, or ``SimulationResult.events``) and nothing
else, so it works the same on the tour's hand-built service and on a simulated year ("follow
one family through the year"). :func:`timeline_frame` is the polars selection (for analysis);
:func:`timeline` shows it as an HTML table with names (when an EServices is given), actors in
their roles, channels and plain event names in Swedish or English.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Final

import polars as pl

from etj_sim.display._html import Display, cell, table
from etj_sim.display.views import Names, _when, with_role
from etj_sim.i18n import DEFAULT_LANGUAGE, Language, check_language, phrase, term

if TYPE_CHECKING:
    from etj_sim.domain import EServices

__all__ = ["TIMELINE_COLUMNS", "household_of", "timeline", "timeline_frame"]

TIMELINE_COLUMNS: Final = (
    "time",
    "event",
    "person",
    "actor",
    "actor_role",
    "channel",
    "clinic",
    "staff",
    "case",
    "message",
    "kind",
    "reason",
    "recipient",
)
"""The event log columns a timeline keeps (those of them the frame has)."""


def household_of(population: pl.DataFrame, person: int) -> list[int]:
    """Everyone in ``person``'s household in a people frame (a family to follow through a run)."""
    if "household" not in population.columns:
        raise ValueError("household_of: the people frame has no column household")
    households = population.filter(pl.col("person") == person)["household"]
    if households.is_empty():
        raise ValueError(f"household_of: no person {person} in the people frame")
    members = population.filter(pl.col("household") == households[0])["person"]
    return [int(member) for member in members.sort()]


def timeline_frame(
    events: pl.DataFrame,
    *,
    persons: int | Iterable[int] | None = None,
    case: int | None = None,
) -> pl.DataFrame:
    """The rows about ``persons`` (as the account, the actor or the alert's recipient) or
    about ``case``, in time order (rows at the same moment keep the log's order).

    Exactly one of ``persons`` and ``case`` is given; a ValueError says which is wrong.
    """
    if (persons is None) == (case is None):
        raise ValueError("timeline: give persons= (one id or several) or case=, not both")
    missing = [name for name in ("time", "event", "person", "actor") if name not in events.columns]
    if missing:
        raise ValueError(f"timeline: the event log frame has no column {', '.join(missing)}")
    if case is not None:
        if "case" not in events.columns:
            raise ValueError("timeline: the event log frame has no column case")
        chosen = events.filter(pl.col("case") == case)
    else:
        assert persons is not None
        ids = [persons] if isinstance(persons, int) else list(persons)
        about = pl.col("person").is_in(ids)
        # An actor who is not staff is a person (a guardian by proxy, the citizen themself).
        if "actor_role" in events.columns:
            about = about | (
                pl.col("actor").is_in(ids) & (pl.col("actor_role").cast(pl.String) != "staff")
            )
        if "recipient" in events.columns:
            about = about | pl.col("recipient").is_in(ids)
        chosen = events.filter(about)
    keep = [name for name in TIMELINE_COLUMNS if name in chosen.columns]
    return chosen.select(keep).with_row_index("_order").sort("time", "_order").drop("_order")


def timeline(
    events: pl.DataFrame,
    *,
    persons: int | Iterable[int] | None = None,
    case: int | None = None,
    services: EServices | None = None,
    population: pl.DataFrame | None = None,
    staff: pl.DataFrame | None = None,
    lang: Language = DEFAULT_LANGUAGE,
    limit: int | None = None,
) -> Display:
    """The timeline of :func:`timeline_frame` as an HTML table: when, what happened, who acted
    in which role, the channel, the clinic, and about whom. ``services`` (a hand-built
    service) or ``population`` (a simulated run's people frame) turns ids into names, and
    ``staff`` (a run's roster, :data:`etj_sim.roster.STAFF_ROSTER_SCHEMA`) gives staff roles;
    ``limit`` keeps the first rows (a simulated year is long)."""
    lang = check_language(lang)
    if limit is not None and limit < 1:
        raise ValueError(f"timeline: limit must be at least 1, got {limit}")
    if persons is not None and not isinstance(persons, int):
        persons = list(persons)  # read twice below: a generator would be spent
    rows_frame = timeline_frame(events, persons=persons, case=case)
    people = None
    if population is not None:
        mentioned = set(rows_frame["person"].drop_nulls().to_list())
        mentioned |= set(rows_frame["actor"].drop_nulls().to_list())
        if "recipient" in rows_frame.columns:
            mentioned |= set(rows_frame["recipient"].drop_nulls().to_list())
        if persons is not None:
            mentioned |= {persons} if isinstance(persons, int) else set(persons)
        named = population.filter(pl.col("person").is_in(list(mentioned))).select(
            "person", pl.concat_str("first_name", "last_name", separator=" ").alias("name")
        )
        people = dict(named.iter_rows())
    roles = None
    if staff is not None:
        roles = {
            int(member): str(role) for member, role in staff.select("staff", "role").iter_rows()
        }
    names = Names(services, lang, people, roles)
    if case is not None:
        heading = phrase("display.timeline_case", lang, case=case)
    else:
        assert persons is not None
        ids = [persons] if isinstance(persons, int) else list(persons)
        shown_names = ", ".join(names.person(p) for p in ids[:6]) + (" …" if len(ids) > 6 else "")
        heading = phrase("display.timeline_person", lang, name=shown_names)
    if rows_frame.is_empty():
        empty = phrase("display.timeline_empty", lang)
        return Display(f"<h4>{cell(heading)}</h4><p>{cell(empty)}</p>", f"{heading}\n{empty}")
    shown = rows_frame if limit is None else rows_frame.head(limit)
    headers = [
        phrase("display.when", lang),
        phrase("display.event", lang),
        phrase("display.about", lang),
        phrase("display.actor", lang),
        phrase("display.channel", lang),
        phrase("display.clinic", lang),
    ]
    rows: list[list[str]] = []
    lines = [heading]
    for row in shown.iter_rows(named=True):
        values = _row_words(row, names, lang)
        rows.append([cell(value) for value in values])
        lines.append(" | ".join(values))
    more = rows_frame.height - shown.height
    note = f"<p><small>+ {more}</small></p>" if more else ""
    html = f"<h4 style='margin:0.4em 0 0.2em 0'>{cell(heading)}</h4>" + table(headers, rows) + note
    return Display(f"<div class='etj-sim-display'>{html}</div>", "\n".join(lines))


def _row_words(row: dict[str, object], names: Names, lang: Language) -> list[str]:
    event = str(row["event"])
    what = term("event", event, lang)
    kind = row.get("kind")
    if kind is not None:
        what += f" · {term('kind', str(kind), lang)}"
    reason = row.get("reason")
    if reason is not None:
        what += f" · {term('reason', str(reason), lang)}"
    case = row.get("case")
    if case is not None and case != -1:
        what += f" · {phrase('display.case_number', lang, case=case)}"
    role = row.get("actor_role")
    actor = row.get("actor")
    staff = row.get("staff")
    if role == "staff" and isinstance(staff, int) and staff >= 0:
        who = names.staff(staff)
    else:
        who = names.actor(actor if isinstance(actor, int) else None, str(role) if role else None)
    who = with_role(who, str(role) if role is not None else None, lang)
    about = names.person(row["person"] if isinstance(row["person"], int) else None)
    recipient = row.get("recipient")
    if isinstance(recipient, int) and recipient >= 0 and recipient != row["person"]:
        about += f" → {names.person(recipient)}"
    channel = row.get("channel")
    clinic = row.get("clinic")
    return [
        _when(row["time"], lang),  # type: ignore[arg-type]
        what,
        about,
        who,
        term("contact", str(channel), lang) if channel is not None else "–",
        names.clinic(clinic if isinstance(clinic, int) else None),
    ]

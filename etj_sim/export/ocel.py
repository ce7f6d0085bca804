"""OCEL 2.0 JSON export: the event log as an object-centric event log for process mining.

Pipeline position: after the simulation, beside the metrics. ``event log (+ population) -> OCEL
2.0 JSON`` (https://www.ocel-standard.org/specification/formats/json/): ``objectTypes`` and
``eventTypes`` with their attribute names and types, ``objects`` (with attributes and
object-to-object relationships) and ``events`` (time, attributes, event-to-object relationships,
each with a qualifier). Tools such as pm4py (``pm4py.read_ocel2_json``), OCPA or Celonis read it.

Objects, one per id seen in the log:

- ``citizen`` (``person``, ``actor`` and ``recipient`` columns): number kind, birth date, sex
  and listed clinic from the population frame when given; ``listed at`` its clinic;
- ``case`` (opened by a citizen, or by staff with "Skicka ärende"): its kind; ``about`` the
  citizen, ``handled at`` the clinic;
- ``message``, and ``notice`` for appointment notices (F7): kind; ``in inbox of`` the citizen,
  ``in case`` its case;
- ``clinic``; ``staff member``: ``works at`` the clinic.

Qualifiers of an event's objects: ``actor`` (who acted: the citizen, the guardian acting by
proxy, or the staff member), ``proxy-for`` (the child whose account a guardian used, R10),
``guardian`` and ``child`` (a guardianship starting or ending in the register, D9),
``recipient`` (whose inbox or post got a message or notice), ``alert recipient`` (whose mobile or
e-mail got the alert, D3), ``holder`` (whose account otherwise). An event relates to an object
once: a citizen acting on their own account is its ``actor``, an alert to the holder's own
contact its ``alert recipient``, ``clinic``, ``case``,
``message`` / ``notice``, ``staff member`` (a staff member who did not act, e.g. the sender).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any, Final

import polars as pl

from etj_sim.metrics.context import check_event_log

__all__ = ["EVENT_ATTRIBUTES", "OBJECT_TYPES", "object_id", "ocel_document", "write_ocel_json"]

OBJECT_TYPES: Final = ("citizen", "case", "message", "notice", "clinic", "staff member")

EVENT_ATTRIBUTES: Final = {
    "channel": "string",
    "kind": "string",
    "campaign": "integer",
    "form": "integer",
    "reason": "string",
    "actor_role": "string",
    "alert_sms": "boolean",
    "alert_email": "boolean",
    "duration_minutes": "float",
}
"""Event attributes (log columns that are not object ids) and their OCEL types."""

_CITIZEN_ATTRIBUTES: Final = {
    "number_kind": "string",
    "birth_date": "string",
    "sex": "string",
    "listed_clinic": "integer",
}
_OBJECT_ATTRIBUTES: Final[dict[str, dict[str, str]]] = {
    "citizen": _CITIZEN_ATTRIBUTES,
    "case": {"kind": "string"},
    "message": {"kind": "string"},
    "notice": {"kind": "string"},
    "clinic": {},
    "staff member": {},
}
_NOTICE_KIND: Final = "appointment_notice"
_CASE_OPENINGS: Final = frozenset({"case_started", "staff_case_opened"})
"""A case opened by a citizen (F1) or by staff with "Skicka ärende" (R19, R20)."""
_GUARDIANSHIP_EVENTS: Final = frozenset({"guardianship_started", "guardianship_ended"})
_MESSAGE_EVENTS: Final = frozenset({"message_sent", "paper_sent", "message_undeliverable"})


def object_id(object_type: str, number: int) -> str:
    """The OCEL id of an object: ``citizen:12``, ``staff member:3``."""
    return f"{object_type}:{number}"


def _time(value: datetime) -> str:
    # The log's times are naive Swedish wall-clock times; OCEL wants ISO 8601.
    return value.isoformat(timespec="milliseconds")


def _message_types(events: pl.DataFrame) -> dict[int, tuple[str, str]]:
    """Message id -> (object type, kind) from the rows that deliver it."""
    sent = (
        events.filter(pl.col("event").is_in(["message_sent"]) & pl.col("message").is_not_null())
        .select("message", pl.col("kind").cast(pl.String))
        .unique("message", keep="first")
    )
    return {
        int(message): ("notice" if kind == _NOTICE_KIND else "message", str(kind))
        for message, kind in sent.iter_rows()
    }


def _event_objects(
    row: dict[str, Any], message_types: dict[int, tuple[str, str]]
) -> Iterator[tuple[str, str]]:
    """(object id, qualifier) of one log row; one relationship per object."""
    seen: set[str] = set()
    name = str(row["event"])
    role = row["actor_role"]

    def relation(identifier: str, qualifier: str) -> Iterator[tuple[str, str]]:
        if identifier not in seen:
            seen.add(identifier)
            yield identifier, qualifier

    if row["actor"] is not None:
        qualifier = "guardian" if name in _GUARDIANSHIP_EVENTS else "actor"
        yield from relation(object_id("citizen", row["actor"]), qualifier)
    if row["staff"] is not None:
        qualifier = "actor" if role == "staff" and row["actor"] is None else "staff member"
        yield from relation(object_id("staff member", row["staff"]), qualifier)
    if row["recipient"] is not None:
        # Before the holder: an alert to the holder's own contact is qualified as the alert's.
        yield from relation(object_id("citizen", row["recipient"]), "alert recipient")
    if row["person"] is not None:
        if role == "guardian_proxy":
            qualifier = "proxy-for"
        elif name in _GUARDIANSHIP_EVENTS:
            qualifier = "child"
        elif name in _MESSAGE_EVENTS:
            qualifier = "recipient"
        else:
            qualifier = "holder"
        yield from relation(object_id("citizen", row["person"]), qualifier)
    if row["clinic"] is not None:
        yield from relation(object_id("clinic", row["clinic"]), "clinic")
    if row["case"] is not None:
        yield from relation(object_id("case", row["case"]), "case")
    if row["message"] is not None:
        kind = message_types.get(row["message"], ("message", ""))[0]
        yield from relation(object_id(kind, row["message"]), kind)


def ocel_document(events: pl.DataFrame, population: pl.DataFrame | None = None) -> dict[str, Any]:
    """The OCEL 2.0 JSON document (a dict) of an event log, with citizens' attributes if given."""
    check_event_log(events)
    epoch = _time(events.get_column("time").min()) if events.height else "1970-01-01T00:00:00"  # type: ignore[arg-type]
    message_types = _message_types(events)
    output_events: list[dict[str, Any]] = []
    objects: dict[str, dict[str, Any]] = {}
    case_links: dict[int, dict[str, int]] = {}
    message_links: dict[int, dict[str, int]] = {}
    case_kinds: dict[int, str] = {}
    staff_clinics: dict[int, int] = {}
    event_types: set[str] = set()
    for index, row in enumerate(events.iter_rows(named=True)):
        name = str(row["event"])
        event_types.add(name)
        relationships = [
            {"objectId": identifier, "qualifier": qualifier}
            for identifier, qualifier in _event_objects(row, message_types)
        ]
        for relationship in relationships:
            kind, _, number = relationship["objectId"].partition(":")
            objects.setdefault(relationship["objectId"], {"type": kind, "number": int(number)})
        attributes = [
            {"name": column, "value": value}
            for column in EVENT_ATTRIBUTES
            if (value := row[column]) is not None
        ]
        output_events.append(
            {
                "id": f"event:{index}",
                "type": name,
                "time": _time(row["time"]),
                "attributes": attributes,
                "relationships": relationships,
            }
        )
        if row["case"] is not None:
            links = case_links.setdefault(row["case"], {})
            if name in _CASE_OPENINGS:
                case_kinds[row["case"]] = str(row["kind"])
                if row["person"] is not None:
                    links["about"] = row["person"]
                if row["clinic"] is not None:
                    links["handled at"] = row["clinic"]
        if row["message"] is not None and name == "message_sent":
            links = message_links.setdefault(row["message"], {})
            if row["person"] is not None:
                links["in inbox of"] = row["person"]
            if row["case"] is not None:
                links["in case"] = row["case"]
        if row["staff"] is not None and row["clinic"] is not None:
            staff_clinics.setdefault(row["staff"], row["clinic"])
    citizens = _citizen_attributes(population)
    output_objects = []
    for identifier, item in objects.items():
        kind, number = item["type"], item["number"]
        object_attributes: list[dict[str, Any]] = []
        object_links: list[dict[str, str]] = []
        if kind == "citizen":
            values = citizens.get(number, {})
            object_attributes = [
                {"name": key, "value": value, "time": epoch}
                for key, value in values.items()
                if value is not None
            ]
            if values.get("listed_clinic") is not None:
                object_links.append(
                    {
                        "objectId": object_id("clinic", values["listed_clinic"]),
                        "qualifier": "listed at",
                    }
                )
        elif kind == "case":
            if number in case_kinds:
                object_attributes = [{"name": "kind", "value": case_kinds[number], "time": epoch}]
            for qualifier, target in case_links.get(number, {}).items():
                target_type = "citizen" if qualifier == "about" else "clinic"
                object_links.append(
                    {"objectId": object_id(target_type, target), "qualifier": qualifier}
                )
        elif kind in ("message", "notice"):
            object_attributes = (
                [{"name": "kind", "value": message_types[number][1], "time": epoch}]
                if number in message_types
                else []
            )
            for qualifier, target in message_links.get(number, {}).items():
                target_type = "citizen" if qualifier == "in inbox of" else "case"
                object_links.append(
                    {"objectId": object_id(target_type, target), "qualifier": qualifier}
                )
        elif kind == "staff member" and number in staff_clinics:
            object_links.append(
                {"objectId": object_id("clinic", staff_clinics[number]), "qualifier": "works at"}
            )
        # Only relationships to objects that exist: a listed clinic may never appear in the log.
        object_links = [relation for relation in object_links if relation["objectId"] in objects]
        output_objects.append(
            {
                "id": identifier,
                "type": kind,
                "attributes": object_attributes,
                "relationships": object_links,
            }
        )
    present = {item["type"] for item in objects.values()}
    return {
        "objectTypes": [
            {
                "name": kind,
                "attributes": [
                    {"name": name, "type": value}
                    for name, value in _OBJECT_ATTRIBUTES[kind].items()
                ],
            }
            for kind in OBJECT_TYPES
            if kind in present
        ],
        "eventTypes": [
            {
                "name": name,
                "attributes": [
                    {"name": key, "type": value} for key, value in EVENT_ATTRIBUTES.items()
                ],
            }
            for name in sorted(event_types)
        ],
        "objects": output_objects,
        "events": output_events,
    }


def _citizen_attributes(population: pl.DataFrame | None) -> dict[int, dict[str, Any]]:
    if population is None:
        return {}
    frame = population.select(
        "person",
        pl.col("number_kind").cast(pl.String),
        pl.col("birth_date").cast(pl.String),
        pl.col("sex").cast(pl.String),
        pl.col("clinic").alias("listed_clinic"),
    )
    return {
        int(row["person"]): {key: row[key] for key in _CITIZEN_ATTRIBUTES}
        for row in frame.iter_rows(named=True)
    }


def write_ocel_json(
    path: str | Path, events: pl.DataFrame, population: pl.DataFrame | None = None
) -> None:
    """Write :func:`ocel_document` of ``events`` to ``path`` (UTF-8 JSON)."""
    document = ocel_document(events, population)
    Path(path).write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")

"""The scenario reference: every key of a scenario file with type, default, range, unit, source.

Pipeline position: documentation of the first stage (``scenarios/*.toml -> Scenario``). The
reference ``docs/scenarios.md`` is generated from the schema itself (the pydantic models of
:mod:`etj_sim.scenario`) and from the citations written beside each default in
``etj_sim/scenario/sections.py`` (comments and field docstrings), so it cannot drift from the
code: ``tests/test_scenario_reference.py`` fails when the file is stale. Regenerate it with::

    python -m etj_sim.scenario_reference > docs/scenarios.md
"""

from __future__ import annotations

import ast
import inspect
import io
import re
import sys
import tokenize
import types
import typing
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from typing import Any, Final, Literal, get_args, get_origin

import annotated_types
from pydantic import BaseModel
from pydantic.fields import FieldInfo

from etj_sim.scenario import Scenario, sections
from etj_sim.scenario import model as scenario_model

__all__ = ["ReferenceRow", "reference_markdown", "reference_rows"]

_UNITS_BY_KEY: Final = {
    "population.size": "persons",
    "population.logins_per_month_by_age": "logins per person per month",
    "population.engagement_dispersion": "log-normal sigma",
    "clinics.count": "clinics",
    "clinics.staff_per_clinic": "staff per clinic",
    "clinics.open_weekdays": "weekday (0 = Monday)",
    "clinics.shift_start_hour": "hour of day",
    "clinics.shift_end_hour": "hour of day",
    "demand.age_multiplier": "multiplier",
    "demand.scale": "multiplier",
    "demand.weekday_weights": "relative weight (Monday first)",
    "demand.hour_weights": "relative weight (hour 0 first)",
    "behaviour.alert_read_delay_sigma": "log-normal sigma",
    "duration_days": "days",
    "start_date": "date",
    "campaigns.day": "days after start_date",
    "campaigns.min_age": "years",
    "campaigns.max_age": "years",
}


@dataclass(frozen=True)
class ReferenceRow:
    """One key of the reference."""

    key: str
    type: str
    default: str
    range: str
    unit: str
    source: str


# -- reading the citations beside the defaults ---------------------------------------------------


def _comments_by_line(source: str) -> dict[int, str]:
    comments: dict[int, str] = {}
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type == tokenize.COMMENT:
            comments[token.start[0]] = token.string.lstrip("#").strip()
    return comments


@cache
def _citations(module: types.ModuleType) -> dict[tuple[str, str], list[str]]:
    """(class, field) -> the comments on the field's lines and the line(s) before, and its
    attribute docstring, in order."""
    source = inspect.getsource(module)
    comments = _comments_by_line(source)
    lines = source.splitlines()
    found: dict[tuple[str, str], list[str]] = {}
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.ClassDef):
            continue
        body = node.body
        for index, statement in enumerate(body):
            if not isinstance(statement, ast.AnnAssign) or not isinstance(
                statement.target, ast.Name
            ):
                continue
            texts: list[str] = []
            # Comment lines right above the field belong to it.
            above = statement.lineno - 1
            block: list[str] = []
            while above >= 1 and lines[above - 1].strip().startswith("#"):
                block.insert(0, comments.get(above, ""))
                above -= 1
            if block:
                texts.append(" ".join(block))
            end = statement.end_lineno or statement.lineno
            texts.extend(_span_comments(lines, comments, statement.lineno, end))
            following = body[index + 1] if index + 1 < len(body) else None
            if (
                isinstance(following, ast.Expr)
                and isinstance(following.value, ast.Constant)
                and isinstance(following.value.value, str)
            ):
                texts.append(" ".join(following.value.value.split()))
            found[(node.name, statement.target.id)] = [
                text for text in texts if text and not _NOT_A_SOURCE.search(text)
            ]
    return found


def _span_comments(
    lines: list[str], comments: dict[int, str], first: int, last: int
) -> Iterator[str]:
    """The comments from line ``first`` to ``last``; a block of comment-only lines is one text."""
    block: list[str] = []
    for number in range(first, last + 1):
        if number not in comments:
            continue
        if lines[number - 1].strip().startswith("#"):
            block.append(comments[number])
            continue
        if block:
            yield " ".join(block)
            block = []
        yield comments[number]
    if block:
        yield " ".join(block)


# Tool directives are no citation.
_NOT_A_SOURCE: Final = re.compile(r"noqa|fmt:|type: ignore|ruff|[Pp]ydantic copies")


def _source_of(model: type[BaseModel], field: str) -> str:
    for module in (sections, scenario_model):
        texts = _citations(module).get((model.__name__, field))
        if texts:
            distinct = list(dict.fromkeys(texts))
            return " / ".join(distinct)
    return ""


# -- types, ranges, defaults ---------------------------------------------------------------------


def _constraints(metadata: list[Any]) -> str:
    low = high = ""
    for item in metadata:
        if isinstance(item, FieldInfo):
            return _constraints(list(item.metadata))
        if isinstance(item, annotated_types.Ge):
            low = f">= {item.ge:g}"
        elif isinstance(item, annotated_types.Gt):
            low = f"> {item.gt:g}"
        elif isinstance(item, annotated_types.Le):
            high = f"<= {item.le:g}"
        elif isinstance(item, annotated_types.Lt):
            high = f"< {item.lt:g}"
        elif isinstance(item, annotated_types.MinLen):
            low = f"at least {item.min_length} character(s)"
    if low.startswith(">= 0") and high == "<= 1":
        return "0 to 1"
    return ", ".join(part for part in (low, high) if part)


def _unwrap(annotation: Any) -> tuple[Any, str]:
    """(the bare type, its range) of an ``Annotated`` type."""
    if get_origin(annotation) is typing.Annotated:
        bare, *metadata = get_args(annotation)
        return bare, _constraints(metadata)
    return annotation, ""


def _type_name(annotation: Any) -> str:
    bare, _ = _unwrap(annotation)
    origin = get_origin(bare)
    if origin is Literal:
        return "one of " + ", ".join(f'"{value}"' for value in get_args(bare))
    if origin is dict:
        _, value = get_args(bare)
        return f"table of {_type_name(value)}"
    if origin is list:
        (item,) = get_args(bare)
        return f"list of {_type_name(item)}"
    if isinstance(bare, type) and issubclass(bare, BaseModel):
        return "table"
    names = {int: "integer", float: "number", str: "text", bool: "true/false"}
    if isinstance(bare, type) and bare in names:
        return names[bare]
    return getattr(bare, "__name__", str(bare))


def _range_of(field: FieldInfo) -> str:
    own = _constraints(list(field.metadata))
    if own:
        return own
    bare, inner = _unwrap(field.annotation)
    if inner:
        return inner
    origin = get_origin(bare)
    if origin in (dict, list):
        value = get_args(bare)[-1]
        return _unwrap(value)[1]
    return ""


def _unit(key: str, annotation: Any) -> str:
    if key in _UNITS_BY_KEY:
        return _UNITS_BY_KEY[key]
    name = key.rsplit(".", 1)[-1]
    if "share" in name:
        return "share (0-1)"
    rate = re.fullmatch(r".+_per_(\w+)_year", name)
    if rate:
        # granted_per_person_year: events per person and year of the run.
        whom = {"protected": "protected person"}.get(rate.group(1), rate.group(1))
        return f"per {whom} per year"
    for suffix, unit in (
        ("_minutes", "minutes"),
        ("_hours_median", "hours"),
        ("_hours", "hours"),
        ("_days", "days"),
        ("per_person_per_year", "per person per year"),
    ):
        if name.endswith(suffix) or suffix.strip("_") in name:
            return unit
    return ""


def _format_default(value: Any) -> str:
    if isinstance(value, BaseModel):
        value = value.model_dump(mode="json")
    if isinstance(value, dict):
        return "; ".join(f"{key}: {_format_default(item)}" for key, item in value.items())
    if isinstance(value, list):
        return "[" + ", ".join(_format_default(item) for item in value) + "]"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return f'"{value}"' if value else '""'
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def _fields(model: type[BaseModel], prefix: str) -> Iterator[ReferenceRow]:
    for name, field in model.model_fields.items():
        key = f"{prefix}{name}"
        annotation = field.annotation
        bare, _ = _unwrap(annotation)
        origin = get_origin(bare)
        if isinstance(bare, type) and issubclass(bare, BaseModel):
            yield from _fields(bare, f"{key}.")
            continue
        item = get_args(bare)[-1] if origin in (dict, list) and get_args(bare) else None
        item_bare, _ = _unwrap(item) if item is not None else (None, "")
        if isinstance(item_bare, type) and issubclass(item_bare, BaseModel):
            # A list or table of sections (campaigns, handling times): their keys, one level down.
            yield ReferenceRow(
                key=key,
                type=_type_name(annotation),
                default=_format_default(field.get_default(call_default_factory=True))
                if not field.is_required()
                else "(required)",
                range="",
                unit="",
                source=_source_of(model, name),
            )
            marker = "[]" if origin is list else ".KIND"
            yield from _fields(item_bare, f"{key}{marker}.")
            continue
        default = (
            "(required)"
            if field.is_required()
            else _format_default(field.get_default(call_default_factory=True))
        )
        yield ReferenceRow(
            key=key,
            type=_type_name(annotation),
            default=default,
            range=_range_of(field),
            unit=_unit(key.replace("[]", "").replace(".KIND", ""), annotation),
            source=_source_of(model, name),
        )


def reference_rows() -> list[ReferenceRow]:
    """Every key of a scenario file, in the order of the schema."""
    return list(_fields(Scenario, ""))


def _cell(text: str) -> str:
    return re.sub(r"\s+", " ", text).replace("|", "\\|").strip() or " "


def reference_markdown() -> str:
    """``docs/scenarios.md``: the reference as Markdown, one table per section."""
    rows = reference_rows()
    lines = [
        "# Scenario reference",
        "",
        "<!-- Generated by `python -m etj_sim.scenario_reference > docs/scenarios.md` from the",
        "     schema (etj_sim/scenario/sections.py); tests/test_scenario_reference.py fails when",
        "     this file is stale. Do not edit by hand. -->",
        "",
        "Every key a scenario file may hold, with its type, default, allowed range, unit and the",
        "source of the default (the citation written beside it in the code; *assumption* where no",
        "published figure exists). A file lists only what differs from the defaults; `etj-sim show",
        "SCENARIO` prints a scenario with every value, and `etj-sim schema` the JSON Schema for",
        "editors. Tables with fixed keys (age bands, roles, case kinds) must list every key.",
        "`campaigns[]` is an array of tables (`[[campaigns]]`), one per mass mailing;",
        "`clinics.handling_time.KIND` has one table per case kind and `reply`.",
        "",
    ]
    sections_seen: list[str] = []
    grouped: dict[str, list[ReferenceRow]] = {}
    for row in rows:
        section = row.key.split(".")[0].replace("[]", "") if "." in row.key else "(top level)"
        if section not in grouped:
            sections_seen.append(section)
        grouped.setdefault(section, []).append(row)
    for section in sections_seen:
        lines += [f"## {section}", ""]
        lines.append("| key | type | default | range | unit | source |")
        lines.append("|---|---|---|---|---|---|")
        for row in grouped[section]:
            lines.append(
                f"| `{row.key}` | {_cell(row.type)} | {_cell(row.default)} | {_cell(row.range)}"
                f" | {_cell(row.unit)} | {_cell(row.source)} |"
            )
        lines.append("")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.stdout.write(reference_markdown())

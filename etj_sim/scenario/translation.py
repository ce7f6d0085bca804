"""Translation of parser and validation errors into problems at dotted paths.

Pipeline position: part of the first stage (``scenarios/*.toml -> Scenario``). tomllib's syntax
errors and pydantic's validation errors become :class:`~etj_sim.scenario.problems.ScenarioProblem`
objects with the dotted path of the field (``clinics.staff_per_clinic``, ``campaigns[0].day``) and
a message in the planner's terms; an unknown key gets a "did you mean" hint, from the same section
or, when the key belongs in another one, from there. :func:`validation_problems` is the one
translation of a pydantic error: the scenario uses it with :class:`~etj_sim.scenario.Scenario` as
the root model, the experiment spec with its own model. Nothing here imports the root models: they
are passed in, so this module sits below :mod:`~etj_sim.scenario.model` in the import graph.
"""

from __future__ import annotations

import difflib
import re
import tomllib
import types
from collections.abc import Callable, Sequence
from datetime import date
from typing import Annotated, Final, Literal, Union, get_args, get_origin

from pydantic import BaseModel, ValidationError

from etj_sim.scenario.problems import ScenarioError, ScenarioProblem, _Inconsistencies

__all__ = ["dotted_path", "model_at", "unknown_key_message", "validation_problems"]


_TOML_POSITION: Final = re.compile(r"\s*\(at line (\d+), column (\d+)\)$")


def _syntax_problem(error: tomllib.TOMLDecodeError) -> ScenarioProblem:
    """tomllib's message ends in "(at line 3, column 9)"; move that into the problem's fields."""
    text = str(error)
    line: int | None = None
    column: int | None = None
    match = _TOML_POSITION.search(text)
    if match:
        text = text[: match.start()]
        line, column = int(match.group(1)), int(match.group(2))
    text = re.sub(r"\s*\(at end of document\)$", " at the end of the file", text)
    return ScenarioProblem("", f"TOML syntax error: {text}", line, column)


def dotted_path(loc: Sequence[int | str]) -> str:
    """``("campaigns", 0, "day")`` -> ``"campaigns[0].day"``."""
    path = ""
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path += f".{part}" if path else part
    return path


def _unwrap(annotation: object) -> object:
    while get_origin(annotation) is Annotated:
        annotation = get_args(annotation)[0]
    return annotation


def _is_union(annotation: object) -> bool:
    return get_origin(annotation) in (Union, types.UnionType)


def _branch_tag(member: object) -> set[str]:
    """The names pydantic puts in an error's location for one branch of a union."""
    member = _unwrap(member)
    tags = {getattr(member, "__name__", repr(member))}
    if isinstance(member, type) and issubclass(member, BaseModel):
        # A discriminated union's branch is named by its tag: a Literal field's value.
        for field in member.model_fields.values():
            annotation = _unwrap(field.annotation)
            if get_origin(annotation) is Literal:
                tags.update(str(value) for value in get_args(annotation))
    return tags


def _walk(root: type[BaseModel], loc: Sequence[int | str]) -> tuple[list[int | str], object]:
    """``loc`` without pydantic's union branch names, and the annotation it ends at."""
    cleaned: list[int | str] = []
    node: object = root
    for part in loc:
        node = _unwrap(node)
        if _is_union(node):
            members = [member for member in get_args(node) if member is not type(None)]
            chosen = next((m for m in members if str(part) in _branch_tag(m)), None)
            if chosen is not None:
                node = chosen
                continue
            node = members[0] if len(members) == 1 else None
            node = _unwrap(node)
        cleaned.append(part)
        if isinstance(node, type) and issubclass(node, BaseModel):
            field = node.model_fields.get(str(part))
            node = field.annotation if field is not None else None
        elif get_origin(node) in (list, dict):
            node = get_args(node)[-1]
        else:
            node = None
    node = _unwrap(node)
    if _is_union(node):
        members = [member for member in get_args(node) if member is not type(None)]
        node = _unwrap(members[0]) if len(members) == 1 else node
    return cleaned, node


def model_at(root: type[BaseModel], loc: Sequence[int | str]) -> type[BaseModel] | None:
    """The model that the key at ``loc`` (under ``root``) belongs to, following lists and tables."""
    _, node = _walk(root, loc)
    if isinstance(node, type) and issubclass(node, BaseModel):
        return node
    return None


def _section_fields(model: type[BaseModel], prefix: str) -> list[str]:
    """Dotted paths of all keys under ``model``, nested sections included."""
    paths: list[str] = []
    for name, field in model.model_fields.items():
        path = f"{prefix}.{name}" if prefix else name
        paths.append(path)
        inner = _unwrap(field.annotation)
        if isinstance(inner, type) and issubclass(inner, BaseModel):
            paths.extend(_section_fields(inner, path))
    return paths


def unknown_key_message(
    root: type[BaseModel],
    parent: str,
    key: str,
    allowed: Sequence[str],
    *,
    full_path: bool = False,
) -> str:
    """An "unknown key" message with the closest allowed key here or, failing that, elsewhere.

    ``root`` is the model whose sections are searched for the key ("it belongs in ...");
    ``full_path`` spells the hint as a whole dotted key (overrides are dotted keys).
    """
    # A key often lands in the wrong section ("opt_in_nudge_share" under [alerts]); the same
    # name in another section is a better hint than a look-alike here.
    elsewhere = {
        path.rsplit(".", 1)[-1]: path
        for path in reversed(_section_fields(root, ""))
        if (path.rsplit(".", 1)[0] if "." in path else "") != parent
    }
    if key in elsewhere:
        return _belongs_elsewhere(elsewhere[key])
    matches = difflib.get_close_matches(key, list(allowed), n=1, cutoff=0.6)
    if matches:
        prefix = f"{parent}." if full_path and parent else ""
        return f"unknown key; did you mean '{prefix}{matches[0]}'?"
    matches = difflib.get_close_matches(key, list(elsewhere), n=1, cutoff=0.8)
    if matches:
        return _belongs_elsewhere(elsewhere[matches[0]])
    level = f"[{parent}]" if parent else "the top level"
    return f"unknown key; the keys of {level} are {', '.join(allowed)}"


def _belongs_elsewhere(path: str) -> str:
    section, _, _ = path.rpartition(".")
    where = f"the [{section}] section" if section else "the top level"
    return f"unknown key here; did you mean '{path}' (it belongs in {where})?"


_PYDANTIC_MESSAGES: Final = {
    "missing": "required key is missing",
    "date_type": "should be a date, written without quotes or time: start_date = 2026-01-05",
    "date_from_datetime_inexact": "should be a date without a time: start_date = 2026-01-05",
    "model_type": "should be a table: a [section] or { key = value, ... }",
    "model_attributes_type": "should be a table: a [section] or { key = value, ... }",
    "dict_type": "should be a table: [name] or { key = value, ... }",
    "list_type": "should be a list: [value, value, ...]",
    "finite_number": "should be a finite number, not inf or nan",
}

UnknownKey = Callable[[str, str, Sequence[str]], str]
"""``(parent, key, allowed keys) -> message`` for a key the model does not have."""


def validation_problems(
    error: ValidationError,
    root: type[BaseModel],
    *,
    unknown_key: UnknownKey | None = None,
    union_tags: dict[str, str] | None = None,
) -> list[ScenarioProblem]:
    """Translate pydantic's errors under ``root`` into problems at dotted paths.

    Validators' own messages are kept (a section's findings each at its field); a
    :class:`ScenarioError` raised inside a validator contributes its problems as they are;
    union branch names are dropped from the paths. ``unknown_key`` words the message for an
    unknown key (default: :func:`unknown_key_message` with hints from ``root``);
    ``union_tags`` maps a discriminated union's field to the noun of its tag ("design" ->
    "design kind") for an unknown tag.
    """
    problems: list[ScenarioProblem] = []
    walked = [(detail, _walk(root, detail["loc"])[0]) for detail in error.errors()]
    # A table that fails every branch of a union (str | Model) is reported by the model's
    # branch; the "not a string" branch is noise.
    through_branches = [
        tuple(loc)
        for detail, loc in walked
        if len(loc) < len(detail["loc"]) and detail["type"] != "string_type"
    ]
    for detail, loc in walked:
        kind = detail["type"]
        if kind == "string_type" and len(loc) < len(detail["loc"]):
            here = tuple(loc)
            if any(other[: len(here)] == here for other in through_branches):
                continue
        cause = detail.get("ctx", {}).get("error")
        if isinstance(cause, ScenarioError):
            problems.extend(cause.problems)
        elif isinstance(cause, _Inconsistencies):
            for field, message in cause.findings:
                if loc and loc[-1] == field:
                    # A field validator: the path already ends in the field.
                    problems.append(ScenarioProblem(dotted_path(loc), message))
                elif loc:
                    # A section's (model) validator: the path is the section's, the message
                    # starts with the field it is about.
                    problems.append(ScenarioProblem(dotted_path(loc), f"{field}: {message}"))
                else:
                    problems.append(ScenarioProblem(field, message))
        elif kind == "extra_forbidden":
            # The raw location still names the union branch the key was looked up in.
            parent = model_at(root, detail["loc"][:-1])
            allowed = list(parent.model_fields) if parent is not None else []
            parent_path, key = dotted_path(loc[:-1]), str(loc[-1])
            message = (
                unknown_key(parent_path, key, allowed)
                if unknown_key is not None
                else unknown_key_message(root, parent_path, key, allowed)
            )
            problems.append(ScenarioProblem(dotted_path(loc), message))
        elif kind == "union_tag_invalid":
            tags = str(detail.get("ctx", {}).get("expected_tags", ""))
            noun = (union_tags or {}).get(dotted_path(loc), "kind")
            message = f"unknown {noun}; the kinds are {tags}".replace("'", "")
            problems.append(ScenarioProblem(dotted_path(loc), message))
        else:
            message = _PYDANTIC_MESSAGES.get(kind, detail["msg"])
            message = message.removeprefix("Value error, ").replace("Input should", "should", 1)
            given = detail.get("input")
            if kind != "missing" and not isinstance(given, dict | list):
                shown = given.isoformat() if isinstance(given, date) else repr(given)
                message += f" (got {shown})"
            problems.append(ScenarioProblem(dotted_path(loc), message))
    return problems

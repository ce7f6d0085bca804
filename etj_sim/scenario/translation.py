"""Translation of parser and validation errors into scenario problems at dotted paths.

Pipeline position: part of the first stage (``scenarios/*.toml -> Scenario``). tomllib's syntax
errors and pydantic's validation errors become :class:`~etj_sim.scenario.problems.ScenarioProblem`
objects with the dotted path of the field (``clinics.staff_per_clinic``, ``campaigns[0].day``) and
a message in the planner's terms; an unknown key gets a "did you mean" hint, from the same section
or, when the key belongs in another one, from there. The experiment spec reuses these helpers for
its own files.
"""

from __future__ import annotations

import difflib
import re
import tomllib
from collections.abc import Mapping, Sequence
from datetime import date
from typing import TYPE_CHECKING, Annotated, Any, Final, get_args, get_origin

from pydantic import BaseModel, ValidationError

from etj_sim.scenario.checks import _check_campaign_days
from etj_sim.scenario.problems import ScenarioProblem, _Findings, _Inconsistencies

if TYPE_CHECKING:
    from etj_sim.scenario.model import Scenario

__all__: list[str] = []


def _scenario_model() -> type[Scenario]:
    """The root model that dotted paths start from."""
    # Imported on use, not at the top: model.py imports this module to report its errors.
    from etj_sim.scenario.model import Scenario

    return Scenario


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


def _dotted(loc: Sequence[int | str]) -> str:
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


def _model_at(loc: Sequence[int | str]) -> type[BaseModel] | None:
    """The section model that the key at ``loc`` belongs to, following lists and tables."""
    node: object = _scenario_model()
    for part in loc:
        node = _unwrap(node)
        if isinstance(node, type) and issubclass(node, BaseModel):
            field = node.model_fields.get(str(part))
            if field is None:
                return None
            node = field.annotation
        elif get_origin(node) in (list, dict):
            node = get_args(node)[-1]
        else:
            return None
    node = _unwrap(node)
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


def _unknown_key_message(
    parent: str, key: str, allowed: Sequence[str], *, full_path: bool = False
) -> str:
    """An "unknown key" message with the closest allowed key here or, failing that, elsewhere.

    ``full_path`` spells the hint as a whole dotted key (overrides are dotted keys).
    """
    # A key often lands in the wrong section ("opt_in_nudge_share" under [alerts]); the same
    # name in another section is a better hint than a look-alike here.
    elsewhere = {
        path.rsplit(".", 1)[-1]: path
        for path in reversed(_section_fields(_scenario_model(), ""))
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
}


def _problems_of(error: ValidationError, data: Mapping[str, Any]) -> list[ScenarioProblem]:
    """Translate pydantic's errors into problems at dotted paths, keeping validators' messages."""
    problems: list[ScenarioProblem] = []
    top_level_checked = False
    for detail in error.errors():
        loc = detail["loc"]
        kind = detail["type"]
        cause = detail.get("ctx", {}).get("error")
        if isinstance(cause, _Inconsistencies):
            top_level_checked = top_level_checked or not loc
            for field, message in cause.findings:
                if loc and loc[-1] == field:
                    # A field validator: the path already ends in the field.
                    problems.append(ScenarioProblem(_dotted(loc), message))
                elif loc:
                    # A section's (model) validator: the path is the section's, the message
                    # starts with the field it is about.
                    problems.append(ScenarioProblem(_dotted(loc), f"{field}: {message}"))
                else:
                    problems.append(ScenarioProblem(field, message))
        elif kind == "extra_forbidden":
            model = _model_at(loc[:-1])
            allowed = list(model.model_fields) if model is not None else []
            problems.append(
                ScenarioProblem(
                    _dotted(loc), _unknown_key_message(_dotted(loc[:-1]), str(loc[-1]), allowed)
                )
            )
        else:
            message = _PYDANTIC_MESSAGES.get(kind, detail["msg"])
            message = message.removeprefix("Value error, ").replace("Input should", "should", 1)
            given = detail.get("input")
            if kind != "missing" and not isinstance(given, dict | list):
                shown = given.isoformat() if isinstance(given, date) else repr(given)
                message += f" (got {shown})"
            problems.append(ScenarioProblem(_dotted(loc), message))
    if not top_level_checked:
        # The scenario-wide check runs only when every section is valid; run it on the raw
        # values too, so that one report lists every problem.
        problems.extend(_raw_campaign_day_problems(data))
    return problems


def _raw_campaign_day_problems(data: Mapping[str, Any]) -> list[ScenarioProblem]:
    duration_days = data.get(
        "duration_days", _scenario_model().model_fields["duration_days"].default
    )
    campaigns = data.get("campaigns", [])
    if type(duration_days) is not int or duration_days <= 0 or not isinstance(campaigns, list):
        return []
    findings = _Findings()
    _check_campaign_days(
        duration_days,
        [
            (index, str(campaign.get("name", "")), campaign["day"])
            for index, campaign in enumerate(campaigns)
            if isinstance(campaign, dict) and type(campaign.get("day")) is int
        ],
        findings,
    )
    return [ScenarioProblem(field, message) for field, message in findings.items]

"""Scenario files: reading TOML and JSON, dotted-key overrides, the content hash, TOML writing.

Pipeline position: part of the first stage (``scenarios/*.toml -> Scenario``). These are the
helpers behind :meth:`Scenario.load`, :meth:`Scenario.loads`, :meth:`Scenario.with_overrides`,
:attr:`Scenario.content_hash` and :meth:`Scenario.to_toml`; each one that can fail raises a
:class:`~etj_sim.scenario.problems.ScenarioError` naming the source, or returns the problem for
the caller to report with the others.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
import tomllib
from collections.abc import Mapping
from datetime import date
from pathlib import Path
from typing import Any, Final

from pydantic import BaseModel

from etj_sim.scenario.problems import ScenarioError, ScenarioProblem
from etj_sim.scenario.translation import _syntax_problem, model_at, unknown_key_message

__all__ = [
    "hash_values",
    "parse_json_object",
    "parse_toml_table",
    "read_scenario_text",
    "write_toml",
]


# -- reading ------------------------------------------------------------------------------------


def read_scenario_text(path: str | Path) -> str:
    """The text of a scenario file; a file that cannot be read is a :class:`ScenarioError`."""
    file = Path(path)
    source = str(path)
    try:
        # "utf-8-sig": a byte-order mark (Notepad writes one) is read as no character at all.
        return file.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise ScenarioError(source, [ScenarioProblem("", "file not found")]) from None
    except IsADirectoryError:
        raise ScenarioError(
            source, [ScenarioProblem("", "is a folder, not a scenario file")]
        ) from None
    except UnicodeDecodeError as error:
        raise ScenarioError(
            source, [ScenarioProblem("", f"not UTF-8 text (bad byte at offset {error.start})")]
        ) from None
    except OSError as error:
        raise ScenarioError(
            source, [ScenarioProblem("", f"cannot read: {error.strerror}")]
        ) from None


def parse_toml_table(text: str, *, source: str) -> dict[str, Any]:
    """The values of TOML text; a syntax error is a :class:`ScenarioError` with its position."""
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ScenarioError(source, [_syntax_problem(error)]) from None


def parse_json_object(text: str, *, source: str) -> dict[str, Any]:
    """The values of JSON text holding one object (the ``scenario.json`` of a run)."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise ScenarioError(
            source,
            [ScenarioProblem("", f"JSON syntax error: {error.msg}", error.lineno, error.colno)],
        ) from None
    if not isinstance(data, dict):
        raise ScenarioError(source, [ScenarioProblem("", "expected a JSON object")])
    return data


# -- overrides ----------------------------------------------------------------------------------


def _apply_override(
    root: type[BaseModel], data: dict[str, Any], key: str, value: object
) -> ScenarioProblem | None:
    """Set ``value`` at dotted ``key`` inside a dump of a ``root`` model, or say why it is wrong."""
    parts = [part for part in re.split(r"[.\[\]]+", key) if part]
    if not parts:
        return ScenarioProblem(key, "empty key")
    node: Any = data
    for depth, part in enumerate(parts):
        here = ".".join(parts[:depth])
        last = depth == len(parts) - 1
        if isinstance(node, dict):
            if part not in node:
                loc = [int(p) if p.isdigit() else p for p in parts[:depth]]
                model = model_at(root, loc)
                allowed = list(model.model_fields) if model is not None else list(node)
                message = unknown_key_message(root, here, part, allowed, full_path=True)
                return ScenarioProblem(key, message)
            if last:
                node[part] = value
            else:
                node = node[part]
        elif isinstance(node, list):
            if not node:
                return ScenarioProblem(key, f"'{here}' is an empty list; replace it as a whole")
            if not part.isdigit() or int(part) >= len(node):
                return ScenarioProblem(
                    key,
                    f"'{here}' has {len(node)} entries; give an index from 0 to {len(node) - 1}",
                )
            if last:
                node[int(part)] = value
            else:
                node = node[int(part)]
        else:
            return ScenarioProblem(key, f"'{here}' is a single value, it has no key '{part}'")
    return None


# -- identity -----------------------------------------------------------------------------------


def hash_values(values: Mapping[str, Any]) -> str:
    """SHA-256 (hex) of the canonical JSON of ``values`` (a model dump in JSON mode)."""
    canonical = json.dumps(
        values,
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
        allow_nan=False,
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


# -- TOML writing (tomllib only reads) ----------------------------------------------------------


def write_toml(values: Mapping[str, object]) -> str:
    """TOML text of ``values`` (a model dump), every value written out."""
    lines: list[str] = []
    _emit_table(lines, (), values)
    return "\n".join(lines).strip() + "\n"


_BARE_KEY: Final = re.compile(r"^[A-Za-z0-9_-]+$")


def _toml_key(key: str) -> str:
    return key if _BARE_KEY.match(key) else json.dumps(key, ensure_ascii=False)


def _toml_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return repr(value)
    if isinstance(value, str):
        # JSON string escapes are valid TOML basic-string escapes; DEL must be escaped too.
        return json.dumps(value, ensure_ascii=False).replace("\x7f", "\\u007f")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(item) for item in value) + "]"
    if isinstance(value, dict):
        items = ", ".join(f"{_toml_key(k)} = {_toml_value(v)}" for k, v in value.items())
        return "{ " + items + " }" if items else "{}"
    raise TypeError(f"cannot write {type(value).__name__} as TOML")


def _is_table_list(value: object) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(v, dict) for v in value)


def _emit_table(lines: list[str], path: tuple[str, ...], table: Mapping[str, object]) -> None:
    header = ".".join(_toml_key(part) for part in path)
    plain = {k: v for k, v in table.items() if not isinstance(v, dict) and not _is_table_list(v)}
    if path and (plain or not table):
        lines.extend(["", f"[{header}]"])
    lines.extend(f"{_toml_key(key)} = {_toml_value(value)}" for key, value in plain.items())
    for key, value in table.items():
        if isinstance(value, dict):
            _emit_table(lines, (*path, key), value)
        elif _is_table_list(value):
            assert isinstance(value, list)
            for item in value:
                lines.extend(["", f"[[{'.'.join(_toml_key(p) for p in (*path, key))}]]"])
                lines.extend(f"{_toml_key(k)} = {_toml_value(v)}" for k, v in item.items())

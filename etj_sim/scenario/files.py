"""Scenario files: reading TOML and JSON, dotted-key overrides, the content hash.

Pipeline position: part of the first stage (``scenarios/*.toml -> Scenario``). These are the
helpers behind :meth:`Scenario.load`, :meth:`Scenario.loads`, :meth:`Scenario.with_overrides`,
:attr:`Scenario.content_hash` (writing TOML is :mod:`etj_sim.scenario.toml_writer`); each
one that can fail raises a :class:`~etj_sim.scenario.problems.ScenarioError` naming the source,
or returns the problem for the caller to report with the others.
"""

from __future__ import annotations

import hashlib
import json
import re
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from etj_sim.scenario.problems import ScenarioError, ScenarioProblem
from etj_sim.scenario.translation import _model_at, _syntax_problem, _unknown_key_message

__all__ = [
    "hash_values",
    "parse_json_object",
    "parse_toml_table",
    "read_scenario_text",
]


# -- reading ------------------------------------------------------------------------------------


def read_scenario_text(path: str | Path) -> str:
    """The text of a scenario file; a file that cannot be read is a :class:`ScenarioError`."""
    file = Path(path)
    source = str(path)
    try:
        return file.read_text(encoding="utf-8")
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


def _apply_override(data: dict[str, Any], key: str, value: object) -> ScenarioProblem | None:
    """Set ``value`` at dotted ``key`` inside a model dump, or say why the key is wrong."""
    parts = [part for part in re.split(r"[.\[\]]+", key) if part]
    if not parts:
        return ScenarioProblem(key, "empty key")
    node: Any = data
    for depth, part in enumerate(parts):
        here = ".".join(parts[:depth])
        last = depth == len(parts) - 1
        if isinstance(node, dict):
            if part not in node:
                model = _model_at([int(p) if p.isdigit() else p for p in parts[:depth]])
                allowed = list(model.model_fields) if model is not None else list(node)
                message = _unknown_key_message(here, part, allowed, full_path=True)
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

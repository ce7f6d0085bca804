"""What is wrong with a scenario, and how it is reported: one problem per dotted path.

Pipeline position: part of the first stage (``scenarios/*.toml -> Scenario``). Section validators
collect their findings here (:class:`_Findings`), :mod:`etj_sim.scenario.translation` turns every
parser and validation error into a :class:`ScenarioProblem`, and the scenario raises them together
as one :class:`ScenarioError` that names the source in every line.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

__all__ = ["ScenarioError", "ScenarioProblem"]


@dataclass(frozen=True, slots=True)
class ScenarioProblem:
    """One thing wrong with a scenario, at a dotted ``path`` such as ``clinics.staff_per_clinic``.

    ``line`` and ``column`` (1-based) are known for syntax errors only; ``path`` is empty for
    problems with the file as a whole.
    """

    path: str
    message: str
    line: int | None = None
    column: int | None = None

    def render(self, source: str) -> str:
        """``FILE: path: message``, or ``FILE:LINE:COL: message`` where the position is known."""
        where = source
        if self.line is not None:
            where += f":{self.line}" + (f":{self.column}" if self.column is not None else "")
        return f"{where}: {self.path}: {self.message}" if self.path else f"{where}: {self.message}"


class ScenarioError(ValueError):
    """Every problem found in one scenario source; its text has one problem per line."""

    def __init__(self, source: str, problems: Sequence[ScenarioProblem]) -> None:
        # Both in args, so the error survives pickling (experiments run in other processes).
        super().__init__(source, list(problems))
        self.source = source
        self.problems = list(problems)

    def __str__(self) -> str:
        return "\n".join(problem.render(self.source) for problem in self.problems)


class _Inconsistencies(ValueError):
    """Every inconsistency a section validator found, as (field, message) pairs.

    A section validator collects all of them before raising, so a file with three mistakes in one
    section reports three problems. Pydantic keeps this exception object in the error's context,
    which is how :class:`ScenarioError` recovers the pairs.
    """

    def __init__(self, findings: Sequence[tuple[str, str]]) -> None:
        super().__init__("; ".join(f"{field}: {message}" for field, message in findings))
        self.findings = list(findings)


class _Findings:
    """Collects inconsistencies while a validator runs, then raises them all at once."""

    def __init__(self) -> None:
        self.items: list[tuple[str, str]] = []

    def add(self, field: str, message: str) -> None:
        self.items.append((field, message))

    def raise_if_any(self) -> None:
        if self.items:
            raise _Inconsistencies(self.items)

"""The checks that the scenario's section validators share.

Pipeline position: part of the first stage (``scenarios/*.toml -> Scenario``). Tables with fixed
keys (age bands, staff roles, case kinds) must list every key, 0 where none, so that a key left
out never silently means zero; share tables that must sum to 1 (``alerts.channel_split``,
``population.family_types``) may leave out keys with no share. Every check adds to a
:class:`~etj_sim.scenario.problems._Findings` instead of raising, so one file reports all of its
mistakes at once.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping, Sequence

from etj_sim.scenario.problems import _Findings
from etj_sim.scenario.vocabulary import AGE_BANDS

__all__: list[str] = []


def _did_you_mean(word: str, candidates: Iterable[str]) -> str:
    """``"; did you mean 'x'?"`` for the closest candidate, or an empty string if none is close."""
    matches = difflib.get_close_matches(word, list(candidates), n=1, cutoff=0.6)
    return f"; did you mean '{matches[0]}'?" if matches else ""


def _check_keys(
    values: Mapping[str, object],
    field: str,
    allowed: Sequence[str],
    noun: str,
    findings: _Findings,
    *,
    require_all: bool,
) -> None:
    """Unknown keys (with a hint) and, if ``require_all``, missing keys of a fixed-key table."""
    for key in values:
        if key not in allowed:
            findings.add(
                field,
                f"unknown {noun} '{key}'{_did_you_mean(key, allowed)} (the {noun}s are "
                f"{', '.join(allowed)})",
            )
    missing = [key for key in allowed if key not in values]
    if require_all and missing:
        findings.add(
            field,
            f"missing {noun}(s) {', '.join(missing)}; give every one of {', '.join(allowed)}",
        )


def _check_bands(values: Mapping[str, object], field: str, findings: _Findings) -> None:
    _check_keys(values, field, AGE_BANDS, "age band", findings, require_all=True)


def _check_sum_to_one(values: Mapping[str, float], field: str, findings: _Findings) -> None:
    total = sum(values.values())
    if abs(total - 1.0) > 1e-6:
        findings.add(field, f"the shares must sum to 1, they sum to {total:.6g}")


def _fill_missing_with_zero(value: object, keys: Sequence[str]) -> object:
    """A share table may leave out keys it gives no weight; readers may still index every key."""
    if isinstance(value, Mapping):
        return {**dict.fromkeys(keys, 0.0), **value}
    return value


def _check_campaign_days(
    duration_days: int, campaigns: Sequence[tuple[int, str, int]], findings: _Findings
) -> None:
    for index, name, day in campaigns:
        if day >= duration_days:
            findings.add(
                f"campaigns[{index}].day",
                f"{f'campaign {name!r}' if name else 'the campaign'} is on day {day}, "
                f"outside the run of {duration_days} days "
                f"(duration_days; days count from 0, so the last day is {duration_days - 1})",
            )


def _raise_if_bad_share_table(
    values: Mapping[str, float], field: str, allowed: Sequence[str], noun: str
) -> None:
    """Raise on a share table with an unknown key or shares that do not sum to 1."""
    findings = _Findings()
    _check_keys(values, field, allowed, noun, findings, require_all=False)
    _check_sum_to_one(values, field, findings)
    findings.raise_if_any()

"""Tables for people: headline figures, comparisons and statistics, formatted for a notebook.

Pipeline position: beside the report (``metrics / experiments -> tables -> notebooks``). Each
function returns a great_tables table (what polars' ``DataFrame.style`` gives) whose cells are
already written in the language's way by :mod:`etj_sim.i18n` (percent, digit grouping,
sensible decimals, units), with labels instead of column names: no dtype rows, no ``shape:``
line, no ``0.85044``. A notebook shows one by leaving it last in a cell.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import polars as pl
from great_tables import GT

from etj_sim.comparison import Comparison
from etj_sim.i18n import (
    DEFAULT_LANGUAGE,
    Language,
    format_difference,
    format_integer,
    format_quantity,
    phrase,
    unit_label,
)
from etj_sim.metrics import SUMMARY_COLUMNS

__all__ = ["comparison_table", "formatted_table", "headline_table", "statistics_table"]


def _unit_of(metric: str) -> str:
    column = SUMMARY_COLUMNS.get(metric)
    return column.unit if column is not None else ""


def _label(metric: str, lang: Language) -> str:
    column = SUMMARY_COLUMNS.get(metric)
    if column is None:
        return metric
    unit = column.unit
    return column.label.of(lang) + ("" if unit == "share" else f" ({unit_label(unit, lang)})")


def _interval(low: object, high: object, unit: str, lang: Language, *, difference: bool) -> str:
    if low is None or high is None or low != low or high != high:
        return "–"
    write = format_difference if difference else format_quantity
    return phrase(
        "table.interval_range",
        lang,
        low=write(float(str(low)), unit, lang),
        high=write(float(str(high)), unit, lang),
    )


def _gt(frame: pl.DataFrame, title: str | None) -> GT:
    table = frame.style
    return table.tab_header(title=title) if title else table


def headline_table(
    summary: pl.DataFrame,
    lang: Language = DEFAULT_LANGUAGE,
    *,
    metrics: Sequence[str] | None = None,
    reference: pl.DataFrame | None = None,
    reference_label: str | None = None,
    title: str | None = None,
) -> GT:
    """The headline of one run: label, value, unit, meaning; with ``reference`` also its change.

    ``reference`` is another run's summary (e.g. the baseline's): the table gains its value and
    the difference (shares in percentage points).
    """
    row = summary.row(0, named=True)
    names = [name for name in (metrics or SUMMARY_COLUMNS) if name in row]
    other = reference.row(0, named=True) if reference is not None else None
    data: dict[str, list[str]] = {
        phrase("table.measure", lang): [SUMMARY_COLUMNS[name].label.of(lang) for name in names],
        phrase("table.value", lang): [
            format_quantity(row[name], _unit_of(name), lang) for name in names
        ],
    }
    if other is not None:
        data[reference_label or phrase("table.reference", lang)] = [
            format_quantity(other.get(name), _unit_of(name), lang) for name in names
        ]
        data[phrase("table.difference", lang)] = [
            format_difference(
                None if row[name] is None or other.get(name) is None else row[name] - other[name],
                _unit_of(name),
                lang,
            )
            for name in names
        ]
    data[phrase("table.unit", lang)] = [unit_label(_unit_of(name), lang) for name in names]
    data[phrase("table.meaning", lang)] = [SUMMARY_COLUMNS[name].meaning.of(lang) for name in names]
    return _gt(pl.DataFrame(data), title)


def comparison_table(
    comparison: Comparison,
    lang: Language = DEFAULT_LANGUAGE,
    *,
    differences: bool = False,
    metrics: Sequence[str] | None = None,
    title: str | None = None,
) -> GT:
    """A row per metric, a column per scenario: mean (95% interval), or with ``differences``
    each scenario's paired difference from the reference (the reference's column says so)."""
    names = [name for name in (metrics or comparison.metrics) if name in comparison.metrics]
    statistics = comparison.statistics
    labels = list(dict.fromkeys(statistics["design_label"].to_list()))
    data: dict[str, list[str]] = {phrase("table.measure", lang): [_label(n, lang) for n in names]}
    for label in labels:
        cells = []
        for name in names:
            unit = _unit_of(name)
            if differences:
                found = comparison.differences.filter(
                    (pl.col("design_label") == label) & (pl.col("metric") == name)
                )
                if not found.height:
                    cells.append(phrase("table.reference", lang))
                    continue
                item = found.row(0, named=True)
                interval = _interval(item["ci_low"], item["ci_high"], unit, lang, difference=True)
                cells.append(f"{format_difference(item['difference'], unit, lang)} ({interval})")
            else:
                item = statistics.filter(
                    (pl.col("design_label") == label) & (pl.col("metric") == name)
                ).row(0, named=True)
                interval = _interval(item["ci_low"], item["ci_high"], unit, lang, difference=False)
                cells.append(f"{format_quantity(item['mean'], unit, lang)} ({interval})")
        data[label] = cells
    return _gt(pl.DataFrame(data), title)


def statistics_table(
    statistics: pl.DataFrame,
    lang: Language = DEFAULT_LANGUAGE,
    *,
    differences: bool = False,
    title: str | None = None,
) -> GT:
    """``summarise`` or ``paired_differences`` output, one row per design point and metric.

    Columns: scenario (when there is more than one), measure, n, mean, standard deviation,
    95% interval and half-width, each in the metric's unit.
    """
    rows: dict[str, list[str]] = {}
    several = "design_label" in statistics.columns and statistics["design_label"].n_unique() > 1
    write = format_difference if differences else format_quantity
    for item in statistics.iter_rows(named=True):
        unit = _unit_of(item["metric"])
        values = {
            phrase("table.scenario", lang): str(item.get("design_label", "")),
            phrase("table.measure", lang): _label(item["metric"], lang),
            phrase("table.runs", lang): format_integer(item["n"], lang),
            (phrase("table.difference", lang) if differences else phrase("table.mean", lang)): (
                write(item["mean"], unit, lang)
            ),
            "±": format_quantity(item.get("half_width"), unit, lang).lstrip("+"),
            phrase("table.interval", lang): _interval(
                item["ci_low"], item["ci_high"], unit, lang, difference=differences
            ),
        }
        if not several:
            values.pop(phrase("table.scenario", lang))
        for key, value in values.items():
            rows.setdefault(key, []).append(value)
    return _gt(pl.DataFrame(rows), title)


def formatted_table(
    frame: pl.DataFrame,
    lang: Language = DEFAULT_LANGUAGE,
    *,
    units: Mapping[str, str] | None = None,
    labels: Mapping[str, str] | None = None,
    differences: Sequence[str] = (),
    title: str | None = None,
) -> GT:
    """Any small frame with its columns written by unit (``units``: column -> unit, headline
    columns found by themselves) and renamed by ``labels`` (headline columns labelled); the
    columns named in ``differences`` are written as signed differences (shares in points)."""
    chosen = dict(units or {})
    formatted: dict[str, list[str]] = {}
    for name in frame.columns:
        unit = chosen.get(name) or _unit_of(name)
        header = (labels or {}).get(name) or (
            _label(name, lang) if name in SUMMARY_COLUMNS else name
        )
        values: list[Any] = frame[name].to_list()
        if name in differences:
            formatted[header] = [format_difference(value, unit, lang) for value in values]
        elif not unit and frame.schema[name].is_integer():
            formatted[header] = [format_integer(value, lang) for value in values]
        elif unit or frame.schema[name].is_numeric():
            formatted[header] = [format_quantity(value, unit, lang) for value in values]
        else:
            formatted[header] = ["–" if value is None else str(value) for value in values]
    return _gt(pl.DataFrame(formatted), title)

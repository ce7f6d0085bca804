"""Exports: the headline and the metric tables as CSV and an Excel workbook, for spreadsheets.

Pipeline position: beside the report (``metrics -> exports``). Every saved run folder holds
``summary.csv`` (one row per headline metric: name, label, value, unit, meaning, in the run's
language) and ``summary.xlsx`` (the same on its first sheet, then one sheet per metric table:
read rates, alert choices by age band, response times and staff time per clinic, notice channels,
mass-mailing reach, active accounts by age band, the message funnel). A batch folder holds
``statistics.csv`` and ``statistics.xlsx`` (means and intervals, paired differences, the runs);
an ``etj-sim benefit --out`` folder ``benefit.csv`` and ``benefit.xlsx`` (the frame of
:func:`etj_sim.experiments.benefit_table`, one row per saving).
The files are written by polars' own writers (``write_csv``; ``write_excel`` with xlsxwriter).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Final

import polars as pl
import xlsxwriter

from etj_sim.i18n import DEFAULT_LANGUAGE, Language, unit_label
from etj_sim.metrics import (
    SUMMARY_COLUMNS,
    RunFrames,
    active_account_share_by_age_band,
    alert_opt_in_by_age_band,
    mass_mailing_reach,
    message_funnel,
    notice_channels,
    read_rates,
    response_times,
    staff_time,
)

__all__ = [
    "BENEFIT_CSV",
    "BENEFIT_XLSX",
    "STATISTICS_CSV",
    "STATISTICS_XLSX",
    "SUMMARY_CSV",
    "SUMMARY_XLSX",
    "metric_tables",
    "summary_long",
    "write_benefit_exports",
    "write_statistics_exports",
    "write_summary_exports",
]

SUMMARY_CSV: Final = "summary.csv"
SUMMARY_XLSX: Final = "summary.xlsx"
STATISTICS_CSV: Final = "statistics.csv"
STATISTICS_XLSX: Final = "statistics.xlsx"
BENEFIT_CSV: Final = "benefit.csv"
BENEFIT_XLSX: Final = "benefit.xlsx"


def summary_long(summary: pl.DataFrame, lang: Language = DEFAULT_LANGUAGE) -> pl.DataFrame:
    """The one-row summary as one row per headline metric, with its label, unit and meaning."""
    row = summary.row(0, named=True)
    names = [name for name in SUMMARY_COLUMNS if name in row]
    return pl.DataFrame(
        {
            "metric": names,
            "label": [SUMMARY_COLUMNS[name].label.of(lang) for name in names],
            "value": pl.Series([row[name] for name in names], dtype=pl.Float64),
            "unit": [unit_label(SUMMARY_COLUMNS[name].unit, lang) for name in names],
            "meaning": [SUMMARY_COLUMNS[name].meaning.of(lang) for name in names],
        }
    )


def metric_tables(frames: RunFrames) -> dict[str, pl.DataFrame]:
    """The detailed metric tables of a run, by sheet name (at most 31 characters, Excel's limit)."""
    context = frames.context
    return {
        "read_rates_by_alert_status": read_rates(
            frames.reads, context, within_days=7, by=["alert_status"]
        ),
        "alerts_by_age_band": alert_opt_in_by_age_band(frames.final_states),
        "accounts_by_age_band": active_account_share_by_age_band(frames.final_states),
        "response_times_by_clinic": response_times(frames.responses, context, by=("clinic",)),
        "staff_time_by_clinic": staff_time(frames.events, context, frames.roster, by=("clinic",)),
        "notice_channels": notice_channels(frames.events, context),
        "mass_mailing_reach": mass_mailing_reach(frames.events, frames.reads, context),
        "message_funnel": message_funnel(frames.reads, context),
    }


def _plain(frame: pl.DataFrame) -> pl.DataFrame:
    """Enums and categoricals as text: spreadsheets know no such types."""
    return frame.with_columns(
        pl.col(name).cast(pl.String)
        for name, dtype in frame.schema.items()
        if isinstance(dtype, pl.Enum | pl.Categorical)
    )


def _write_workbook(path: Path, sheets: Mapping[str, pl.DataFrame]) -> None:
    with xlsxwriter.Workbook(str(path)) as workbook:
        for name, frame in sheets.items():
            _plain(frame).write_excel(workbook, worksheet=name[:31], autofit=True)


def write_summary_exports(
    folder: Path | str,
    summary: pl.DataFrame,
    frames: RunFrames | None = None,
    *,
    lang: Language = DEFAULT_LANGUAGE,
) -> list[Path]:
    """Write ``summary.csv`` and ``summary.xlsx`` into ``folder``; return their paths.

    With ``frames`` (``etj_sim.metrics.prepare``) the workbook also holds the metric tables.
    """
    directory = Path(folder)
    directory.mkdir(parents=True, exist_ok=True)
    long = summary_long(summary, lang)
    csv_path, xlsx_path = directory / SUMMARY_CSV, directory / SUMMARY_XLSX
    long.write_csv(csv_path)
    sheets: dict[str, pl.DataFrame] = {"summary": long}
    if frames is not None:
        sheets.update(metric_tables(frames))
    _write_workbook(xlsx_path, sheets)
    return [csv_path, xlsx_path]


def write_statistics_exports(
    folder: Path | str,
    statistics: pl.DataFrame,
    *,
    differences: pl.DataFrame | None = None,
    runs: pl.DataFrame | None = None,
    lang: Language = DEFAULT_LANGUAGE,
) -> list[Path]:
    """Write ``statistics.csv`` and ``statistics.xlsx`` (statistics, differences, runs sheets)."""
    directory = Path(folder)
    directory.mkdir(parents=True, exist_ok=True)
    labelled = statistics.with_columns(
        pl.col("metric")
        .replace_strict(
            {name: column.label.of(lang) for name, column in SUMMARY_COLUMNS.items()},
            default=pl.col("metric"),
            return_dtype=pl.String,
        )
        .alias("label")
    )
    csv_path, xlsx_path = directory / STATISTICS_CSV, directory / STATISTICS_XLSX
    labelled.write_csv(csv_path)
    sheets = {"statistics": labelled}
    if differences is not None:
        sheets["differences"] = differences
    if runs is not None:
        sheets["runs"] = runs
    _write_workbook(xlsx_path, sheets)
    return [csv_path, xlsx_path]


def write_benefit_exports(folder: Path | str, benefit: pl.DataFrame) -> list[Path]:
    """Write ``benefit.csv`` and ``benefit.xlsx`` (one ``benefit`` sheet); return their paths.

    ``benefit`` is the frame of :func:`etj_sim.experiments.benefit_table` (its labels already
    in the table's language), written as it is.
    """
    directory = Path(folder)
    directory.mkdir(parents=True, exist_ok=True)
    csv_path, xlsx_path = directory / BENEFIT_CSV, directory / BENEFIT_XLSX
    benefit.write_csv(csv_path)
    _write_workbook(xlsx_path, {"benefit": benefit})
    return [csv_path, xlsx_path]

"""The run report: one self-contained HTML page plus a PNG file per chart.

Pipeline position: ``event log + population -> metrics -> charts -> report`` (last stage). The page
holds the scenario's name and description, the headline table (``SUMMARY_COLUMNS`` with their
descriptions and units) and every chart. It works offline: Vega, Vega-Lite and vega-embed are
embedded once, inline, from vl-convert's bundle, and the page loads nothing from the network.
The page records its own outcome for automated checks: ``data-charts-rendered`` (charts embedded)
and ``data-errors`` (script errors, failed embeds and ``console.error`` calls) on ``<body>``.
"""

from __future__ import annotations

import functools
import html
import json
import re
from pathlib import Path
from typing import Any, Final, Protocol

import altair as alt
import polars as pl
import vl_convert

from etj_sim.charts import CHART_TITLES, charts_of
from etj_sim.metrics import SUMMARY_COLUMNS, MetricContext, prepare, summary_of

__all__ = ["REPORT_FILE_NAME", "SimulationResultLike", "write_report", "write_result_report"]

REPORT_FILE_NAME: Final = "report.html"

_STYLE: Final = """
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 2rem auto;
       max-width: 60rem; color: #1a1a1a; line-height: 1.4; padding: 0 1rem; }
h1 { margin-bottom: 0.2rem; }
.description { color: #444; }
table { border-collapse: collapse; width: 100%; margin: 1rem 0 2rem; font-size: 0.95rem; }
th, td { border-bottom: 1px solid #ddd; padding: 0.3rem 0.5rem; text-align: left;
         vertical-align: top; }
td.value { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.chart { margin: 1.5rem 0 2.5rem; }
.chart-container { min-height: 3rem; }
"""

# The bundle's entry point: make the three libraries globals for the embed script below.
_BUNDLE_SNIPPET: Final = (
    "window.vegaEmbed = vegaEmbed; window.vegaLite = vegaLite; window.vega = vega;"
)

# Runs after the bundle: embeds each spec and records the outcome on <body> for the tests.
_EMBED_SCRIPT: Final = """
(function () {
  var errors = 0;
  var body = document.body;
  function noteError() { errors += 1; body.setAttribute("data-errors", String(errors)); }
  var originalError = console.error;
  console.error = function () { noteError(); originalError.apply(console, arguments); };
  window.addEventListener("error", noteError);
  body.setAttribute("data-errors", "0");
  var specs = JSON.parse(document.getElementById("chart-specs").textContent);
  var names = Object.keys(specs);
  var rendered = 0;
  Promise.all(names.map(function (name) {
    return vegaEmbed("#chart-" + name, specs[name], {actions: false, renderer: "svg"})
      .then(function () { rendered += 1; })
      .catch(function (error) { noteError(); originalError.call(console, error); });
  })).then(function () { body.setAttribute("data-charts-rendered", String(rendered)); });
})();
"""


class _ScenarioLike(Protocol):
    @property
    def name(self) -> str: ...
    @property
    def description(self) -> str: ...


class SimulationResultLike(Protocol):
    """What :func:`write_result_report` reads from a simulation result."""

    @property
    def events(self) -> pl.DataFrame: ...
    @property
    def population(self) -> pl.DataFrame: ...
    @property
    def scenario(self) -> Any: ...


def _format_value(value: object, unit: str) -> str:
    if value is None:
        return "–"
    if unit == "share" and isinstance(value, float):
        return f"{value:.1%}"
    if isinstance(value, float):
        return f"{value:,.1f}"
    if isinstance(value, int):
        return f"{value:,}"
    return html.escape(str(value))


def _headline_rows(headline: pl.DataFrame) -> str:
    rows = []
    for name, column in SUMMARY_COLUMNS.items():
        value = headline[name][0]
        rows.append(
            f"<tr><th scope='row'><code>{name}</code></th>"
            f"<td class='value'>{_format_value(value, column.unit)}</td>"
            f"<td>{html.escape(column.unit)}</td><td>{html.escape(column.meaning.en)}</td></tr>"
        )
    return "\n".join(rows)


def _script_safe(text: str) -> str:
    """JavaScript that cannot end its <script> element early.

    Only ``</script`` ends it; it could only occur in a string or regular expression, where
    ``<\\/script`` means the same.
    """
    return re.sub(r"</(script)", r"<\\/\1", text, flags=re.IGNORECASE)


def _json_safe(text: str) -> str:
    """JSON that cannot end its <script> element early (``<\\/`` is JSON for ``</``)."""
    return text.replace("</", "<\\/")


@functools.cache
def _javascript_bundle(vega_lite_version: str) -> str:
    """Vega, Vega-Lite and vega-embed as one script; bundling takes seconds, so once a process."""
    return _script_safe(vl_convert.javascript_bundle(_BUNDLE_SNIPPET, vl_version=vega_lite_version))


def _vega_lite_version() -> str:
    major, minor = alt.SCHEMA_VERSION.lstrip("v").split(".")[:2]
    return f"{major}.{minor}"


def write_report(
    out_dir: Path | str,
    *,
    scenario_name: str,
    description: str,
    events: pl.DataFrame,
    population: pl.DataFrame,
    context: MetricContext,
    roster: pl.DataFrame | None = None,
    comparison: pl.DataFrame | None = None,
    png: bool = True,
) -> Path:
    """Write ``report.html`` (and ``<chart>.png`` files unless ``png`` is False) into ``out_dir``.

    Returns the path of the HTML file. ``comparison`` (scenario, metric, mean, ci_low, ci_high)
    adds the scenario comparison chart.
    """
    directory = Path(out_dir)
    directory.mkdir(parents=True, exist_ok=True)
    frames = prepare(events, population, context, roster)
    headline = summary_of(frames)
    charts = charts_of(frames, comparison)
    specs = {name: chart.to_dict() for name, chart in charts.items()}
    version = _vega_lite_version()
    if png:
        for name, spec in specs.items():
            (directory / f"{name}.png").write_bytes(
                vl_convert.vegalite_to_png(spec, vl_version=version, scale=2)
            )
    sections = "\n".join(
        f"<section class='chart'><h2>{html.escape(CHART_TITLES[name])}</h2>"
        f"<div id='chart-{name}' class='chart-container' data-chart='{name}'></div></section>"
        for name in specs
    )
    title = html.escape(scenario_name)
    period = f"{context.start:%Y-%m-%d} to {context.last_day:%Y-%m-%d}"
    page = f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}: e-service simulation report</title>
<style>{_STYLE}</style>
<script>{_javascript_bundle(version)}</script>
</head>
<body>
<h1>{title}</h1>
<p class="description">{html.escape(description) or "(no description)"}</p>
<p>Simulated period: {period} ({(context.end - context.start).days} days).</p>
<h2>Headline figures</h2>
<table>
<thead><tr><th>Measure</th><th>Value</th><th>Unit</th><th>Meaning</th></tr></thead>
<tbody>
{_headline_rows(headline)}
</tbody>
</table>
{sections}
<script type="application/json" id="chart-specs">{_json_safe(json.dumps(specs))}</script>
<script>{_EMBED_SCRIPT}</script>
</body>
</html>
"""
    path = directory / REPORT_FILE_NAME
    path.write_text(page, encoding="utf-8")
    return path


def write_result_report(
    result: SimulationResultLike,
    out_dir: Path | str,
    *,
    comparison: pl.DataFrame | None = None,
    png: bool = True,
) -> Path:
    """:func:`write_report` for a result with ``.events``, ``.population`` and ``.scenario``.

    The context comes from ``MetricContext.from_scenario``; a ``staff`` (or ``roster``) frame
    attribute (staff, clinic, role), if the result has one, gives the staff roles.
    """
    scenario = result.scenario
    # SimulationResult keeps the roster as ``staff``; accept ``roster`` from other result types.
    roster = getattr(result, "staff", None)
    if not isinstance(roster, pl.DataFrame):
        roster = getattr(result, "roster", None)
    return write_report(
        out_dir,
        scenario_name=scenario.name,
        description=scenario.description,
        events=result.events,
        population=result.population,
        context=MetricContext.from_scenario(scenario),
        roster=roster if isinstance(roster, pl.DataFrame) else None,
        comparison=comparison,
        png=png,
    )

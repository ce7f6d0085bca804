"""The run report and the comparison report: self-contained HTML pages, in Swedish or English.

Pipeline position: ``event log + population -> metrics -> charts -> report`` (last stage). A run
report says what was run (scenario, every value that differs from the defaults, seed, content
hash, package version, date), gives the headline figures with label, unit and one plain sentence
each, a section for what the scenario is about (campaign reach, digital notices, service level,
guardians' alerts after 13, alert opt-in; chosen from the values the scenario changes), the set
values next to what the run measured where they differ and why, the workload per clinic, the
staff side (forms submitted, cases staff sent answered by the citizen, proxy refused after a
register change), and every chart. A comparison report (:func:`write_comparison_report`) sets
scenarios against a reference: means with intervals and differences, paired by seed where the
seeds match.

Words and numbers come from :mod:`etj_sim.i18n` in the page's language (``lang``: ``sv`` or
``en``), which the page declares (``<html lang="sv">``); the charts get the same number format.
The pages work offline: Vega, Vega-Lite and vega-embed are embedded once, inline, from
vl-convert's bundle, and nothing is loaded from the network. A page records its own outcome for
automated checks: ``data-charts-rendered`` (charts embedded) and ``data-errors`` (script errors,
failed embeds and ``console.error`` calls) on ``<body>``.
"""

from __future__ import annotations

import functools
import html
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Final, Protocol

import altair as alt
import polars as pl
import vl_convert

from etj_sim.charts import MAX_WORKLOAD_CLINICS, chart_title, charts_of, scenario_comparison_chart
from etj_sim.comparison import Comparison
from etj_sim.i18n import (
    DEFAULT_LANGUAGE,
    Language,
    format_date,
    format_datetime,
    format_difference,
    format_integer,
    format_number,
    format_percent,
    format_quantity,
    phrase,
    term,
    unit_label,
    vega_format_locale,
    vega_time_format_locale,
)
from etj_sim.metrics import (
    SUMMARY_COLUMNS,
    MetricContext,
    RunFrames,
    alert_opt_in_daily,
    form_completion,
    guardian_contacts_in_child_settings,
    mass_mailing_reach,
    notice_channels,
    post13_guardian_alerts,
    prepare,
    register_change_refusals,
    response_times,
    staff_case_answers,
    staff_roster,
    staff_time,
    summary_of,
)

__all__ = [
    "COMPARISON_REPORT_FILE_NAME",
    "REPORT_FILE_NAME",
    "RunInfo",
    "SimulationResultLike",
    "changed_values",
    "write_comparison_report",
    "write_report",
    "write_result_report",
]

REPORT_FILE_NAME: Final = "report.html"
COMPARISON_REPORT_FILE_NAME: Final = "comparison.html"

_STYLE: Final = """
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 2rem auto;
       max-width: 62rem; color: #1a1a1a; line-height: 1.45; padding: 0 1rem; }
h1 { margin-bottom: 0.2rem; }
h2 { margin-top: 2.2rem; border-bottom: 2px solid #0072B2; padding-bottom: 0.2rem; }
.description { color: #444; }
.note { color: #555; font-size: 0.92rem; }
table { border-collapse: collapse; width: 100%; margin: 0.8rem 0 1.6rem; font-size: 0.95rem; }
th, td { border-bottom: 1px solid #ddd; padding: 0.3rem 0.5rem; text-align: left;
         vertical-align: top; }
thead th { border-bottom: 2px solid #999; }
td.value { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
code.name { color: #666; font-size: 0.8rem; display: block; }
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
  var options = JSON.parse(document.getElementById("chart-options").textContent);
  options.actions = false;
  options.renderer = "svg";
  var names = Object.keys(specs);
  var rendered = 0;
  Promise.all(names.map(function (name) {
    return vegaEmbed("#chart-" + name, specs[name], options)
      .then(function () { rendered += 1; })
      .catch(function (error) { noteError(); originalError.call(console, error); });
  })).then(function () { body.setAttribute("data-charts-rendered", String(rendered)); });
})();
"""


class SimulationResultLike(Protocol):
    """What :func:`write_result_report` reads from a simulation result."""

    @property
    def events(self) -> pl.DataFrame: ...
    @property
    def population(self) -> pl.DataFrame: ...
    @property
    def scenario(self) -> Any: ...


@dataclass(frozen=True)
class RunInfo:
    """Where a run came from: what the report's "What was run" section shows besides the scenario.

    ``overrides`` are the dotted keys set on top of the scenario file (``--set``), shown as such.
    """

    seed: int | None = None
    version: str | None = None
    made: datetime | None = None
    overrides: Mapping[str, object] = field(default_factory=dict)


# -- shared pieces ------------------------------------------------------------------------------


def _e(text: object) -> str:
    return html.escape(str(text))


def _table(headers: Sequence[str], rows: Iterable[Sequence[str]], numeric: Sequence[int]) -> str:
    """An HTML table; ``rows`` hold HTML already escaped; columns in ``numeric`` align right."""
    head = "".join(f"<th scope='col'>{_e(header)}</th>" for header in headers)
    body = "\n".join(
        "<tr>"
        + "".join(
            f"<td class='value'>{cell}</td>" if index in numeric else f"<td>{cell}</td>"
            for index, cell in enumerate(row)
        )
        + "</tr>"
        for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>\n{body}\n</tbody></table>"


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


def _chart_sections(specs: Mapping[str, object], lang: Language) -> str:
    return "\n".join(
        f"<section class='chart'><h3>{_e(chart_title(name, lang))}</h3>"
        f"<div id='chart-{name}' class='chart-container' data-chart='{name}'></div></section>"
        for name in specs
    )


def _write_pngs(directory: Path, specs: Mapping[str, Any], lang: Language) -> None:
    version = _vega_lite_version()
    for name, spec in specs.items():
        (directory / f"{name}.png").write_bytes(
            vl_convert.vegalite_to_png(
                spec,
                vl_version=version,
                scale=2,
                format_locale=vega_format_locale(lang),
                time_format_locale=vega_time_format_locale(lang),
            )
        )


def _page(title: str, body: str, specs: Mapping[str, object], lang: Language) -> str:
    options = {
        "formatLocale": vega_format_locale(lang),
        "timeFormatLocale": vega_time_format_locale(lang),
    }
    return f"""<!DOCTYPE html>
<html lang="{lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{_e(title)}</title>
<style>{_STYLE}</style>
<script>{_javascript_bundle(_vega_lite_version())}</script>
</head>
<body>
{body}
<script type="application/json" id="chart-specs">{_json_safe(json.dumps(specs))}</script>
<script type="application/json" id="chart-options">{_json_safe(json.dumps(options))}</script>
<script>{_EMBED_SCRIPT}</script>
</body>
</html>
"""


# -- what was run -------------------------------------------------------------------------------


def _flatten(values: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for key, value in values.items():
        path = f"{prefix}{key}"
        if isinstance(value, Mapping):
            flat.update(_flatten(value, f"{path}."))
        else:
            flat[path] = value
    return flat


def changed_values(scenario: Any) -> list[tuple[str, object, object]]:
    """``(dotted key, default, value)`` for every scenario value that differs from the default.

    Name and description are left out (they always differ); a list (the campaigns, the weights)
    counts as one value.
    """
    defaults = _flatten(type(scenario)().model_dump(mode="json"))
    values = _flatten(scenario.model_dump(mode="json"))
    return [
        (key, defaults.get(key), value)
        for key, value in values.items()
        if key not in ("name", "description") and defaults.get(key) != value
    ]


def _plain(value: object, lang: Language) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return format_integer(value, lang)
    if isinstance(value, float):
        return format_number(value, lang, decimals=_decimals_of(value))
    if isinstance(value, list):
        if value and all(isinstance(item, Mapping) for item in value):
            return "; ".join(", ".join(f"{k} = {v}" for k, v in item.items()) for item in value)
        return "[" + ", ".join(_plain(item, lang) for item in value) + "]"
    if value is None:
        return "–"
    return str(value)


def _decimals_of(value: float) -> int:
    text = repr(value)
    return min(len(text.split(".")[1]), 6) if "." in text and "e" not in text else 2


def _moment(moment: datetime, lang: Language) -> str:
    """A date and time to the second, with its zone when it has one (reports are made in UTC)."""
    text = format_datetime(moment.replace(microsecond=0, tzinfo=None), lang)
    return f"{text} UTC" if moment.utcoffset() == timedelta(0) else text


def _what_was_run(
    scenario: Any, context: MetricContext, population: int, info: RunInfo, lang: Language
) -> str:
    unknown = phrase("report.unknown", lang)
    period = phrase(
        "report.period_value",
        lang,
        start=format_date(context.start.date(), lang),
        end=format_date(context.last_day, lang),
        days=format_integer((context.end - context.start).days, lang),
    )
    made = info.made or datetime.now(UTC)
    rows = [
        (phrase("report.scenario", lang), _e(scenario.name) if scenario is not None else unknown),
        (phrase("report.period", lang), _e(period)),
        (phrase("report.people", lang), format_integer(population, lang)),
        (phrase("report.seed", lang), _e(info.seed) if info.seed is not None else _e(unknown)),
        (
            phrase("report.content_hash", lang),
            f"<code>{_e(scenario.content_hash)}</code>" if scenario is not None else _e(unknown),
        ),
        (phrase("report.version", lang), _e(info.version or unknown)),
        (phrase("report.made", lang), _e(_moment(made, lang))),
    ]
    facts = "\n".join(f"<tr><th scope='row'>{_e(k)}</th><td>{v}</td></tr>" for k, v in rows)
    parts = [f"<h2>{_e(phrase('report.what_was_run', lang))}</h2>", f"<table>{facts}</table>"]
    if scenario is not None:
        parts.append(f"<h3>{_e(phrase('report.overrides', lang))}</h3>")
        changed = changed_values(scenario)
        if not changed:
            parts.append(f"<p>{_e(phrase('report.no_overrides', lang))}</p>")
        else:
            set_keys = set(info.overrides)
            parts.append(
                _table(
                    [
                        phrase("table.key", lang),
                        phrase("table.default", lang),
                        phrase("table.set", lang),
                    ],
                    (
                        (
                            f"<code>{_e(key)}</code>"
                            + (" <small>(--set)</small>" if key in set_keys else ""),
                            _e(_plain(default, lang)),
                            _e(_plain(value, lang)),
                        )
                        for key, default, value in changed
                    ),
                    numeric=(),
                )
            )
    return "\n".join(parts)


# -- headline -----------------------------------------------------------------------------------


def _headline(headline: pl.DataFrame, lang: Language) -> str:
    rows = []
    for name, column in SUMMARY_COLUMNS.items():
        value = headline[name][0]
        rows.append(
            (
                f"{_e(column.label.of(lang))}<code class='name'>{_e(name)}</code>",
                _e(format_quantity(value, column.unit, lang)),
                _e(unit_label(column.unit, lang)),
                _e(column.meaning.of(lang)),
            )
        )
    return f"<h2>{_e(phrase('report.headline', lang))}</h2>" + _table(
        [
            phrase("table.measure", lang),
            phrase("table.value", lang),
            phrase("table.unit", lang),
            phrase("table.meaning", lang),
        ],
        rows,
        numeric=(1,),
    )


# -- what the scenario shows ---------------------------------------------------------------------


_FOCUS_TRIGGERS: Final = {
    "campaign": ("campaigns",),
    "notices": ("outreach.", "notices."),
    "service": ("clinics.", "demand."),
    "teen": ("alerts.guardian_contacts_share", "behaviour.settings_edit_after_13_share"),
    "alerts": ("alerts.opt_in_share", "alerts.channel_split", "behaviour.opt_in_nudge_share"),
}


def _focus_topics(scenario: Any) -> list[str]:
    """The topics the scenario is about: those whose values it changes (all but campaigns else)."""
    changed = [key for key, _, _ in changed_values(scenario)]
    topics = [
        topic
        for topic, prefixes in _FOCUS_TRIGGERS.items()
        if any(key == p or key.startswith(p) for key in changed for p in prefixes)
    ]
    if scenario.campaigns and "campaign" not in topics:
        topics.insert(0, "campaign")
    if scenario.duration_days >= 365 and "teen" not in topics:
        topics.append("teen")
    return topics or ["service", "notices", "alerts"]


_FOCUS_TITLES: Final = {
    "campaign": ("Reach of the mass mailing", "Utskickets räckvidd"),
    "notices": ("Appointment notices: digital or paper", "Kallelser: digitalt eller på papper"),
    "service": ("Service level of the clinics", "Mottagningarnas servicenivå"),
    "teen": ("Guardians' alerts after the 13th birthday", "Vårdnadshavares aviseringar efter 13"),
    "alerts": ("Alerts switched on", "Påslagna aviseringar"),
}


def _text(en: str, sv: str, lang: Language) -> str:
    return sv if lang == "sv" else en


def _campaign_section(frames: RunFrames, scenario: Any, lang: Language) -> str:
    reach = mass_mailing_reach(frames.events, frames.reads, frames.context)
    campaigns = list(scenario.campaigns)
    rows = []
    for index, row in enumerate(reach.iter_rows(named=True)):
        name = campaigns[index].name if index < len(campaigns) else str(row["campaign_start"])
        rows.append(
            (
                _e(name),
                _e(format_date(row["campaign_start"].date(), lang, style="medium")),
                format_integer(row["addressed"], lang),
                format_integer(row["delivered"], lang),
                _e(format_percent(row["delivered_share"], lang)),
                _e(format_percent(row["reach"], lang)),
            )
        )
    if not rows:
        none = _text(
            "No mailing went out in the run.", "Inget utskick gick ut under perioden.", lang
        )
        return f"<p>{_e(none)}</p>"
    total = reach.select(pl.col("addressed", "delivered", "read_within").sum()).row(0)
    addressed, delivered, read = (int(value) for value in total)
    read_share = format_percent(read / addressed if addressed else None, lang)
    sentence = _text(
        f"Of {format_integer(addressed, lang)} people addressed, {format_integer(delivered, lang)}"
        f" had an active 1177 account and got the message in their inbox; "
        f"{format_integer(read, lang)} ({read_share}) read it within 7 days."
        " The others can be reached only by letter.",
        f"Av {format_integer(addressed, lang)} mottagare hade {format_integer(delivered, lang)}"
        f" ett aktivt 1177-konto och fick meddelandet i inkorgen; "
        f"{format_integer(read, lang)} ({read_share}) läste det inom 7 dagar."
        " De övriga nås bara med brev.",
        lang,
    )
    table = _table(
        [
            phrase("table.campaign", lang),
            phrase("table.day", lang),
            phrase("table.addressed", lang),
            phrase("table.delivered", lang),
            phrase("table.share", lang),
            phrase("table.read_7d", lang),
        ],
        rows,
        numeric=(2, 3, 4, 5),
    )
    return f"<p>{_e(sentence)}</p>{table}"


_NOTICE_HEADLINE: Final = (
    "notices_sent",
    "notice_read_before_visit_share",
    "paper_letters",
    "paper_fallback_letters",
    "no_show_share",
    "notice_cost_sek",
    "staff_minutes_notices",
)
"""The headline columns of appointment notices and their visits (issue 15)."""


def _benefit_table(benefit: pl.DataFrame, lang: Language) -> str:
    """The benefit table (``etj_sim.experiments.benefit_table``): each saving with its interval."""
    from etj_sim.experiments.benefit import BENEFITS

    def label(row: Mapping[str, Any]) -> str:
        known = BENEFITS.get(row["benefit"])
        return known.label.of(lang) if known is not None else str(row["label"])

    rows = [
        (
            _e(label(row)),
            _e(format_quantity(row["reference_mean"], row["unit"], lang)),
            _e(format_quantity(row["scenario_mean"], row["unit"], lang)),
            _e(format_quantity(row["mean"], row["unit"], lang)),
            _e(_interval(row["ci_low"], row["ci_high"], row["unit"], lang)),
            format_integer(row["replications"], lang),
        )
        for row in benefit.iter_rows(named=True)
    ]
    intro = _text(
        "Saved against the reference (reference minus this scenario, per pair of runs with the"
        " same seed; a negative saving is a cost):",
        "Sparat jämfört med referensen (referensen minus detta scenario, per par av körningar med"
        " samma slumpfrö; en negativ besparing är en kostnad):",
        lang,
    )
    table = _table(
        [
            phrase("table.measure", lang),
            phrase("table.reference", lang),
            phrase("table.scenario", lang),
            phrase("table.mean", lang),
            phrase("table.interval", lang),
            phrase("table.pairs", lang),
        ],
        rows,
        numeric=(1, 2, 3, 4, 5),
    )
    return f"<section data-benefit='notices'><p>{_e(intro)}</p>{table}</section>"


def _notices_section(
    frames: RunFrames,
    headline: pl.DataFrame,
    scenario: Any,
    lang: Language,
    benefit: pl.DataFrame | None = None,
) -> str:
    visits = _headline_rows(headline, _NOTICE_HEADLINE, lang)
    tail = visits + (_benefit_table(benefit, lang) if benefit is not None else "")
    return _notice_channels_section(frames, scenario, lang) + tail


def _notice_channels_section(frames: RunFrames, scenario: Any, lang: Language) -> str:
    channels = notice_channels(frames.events, frames.context)
    rows = [
        (
            _e(term("channel", str(row["channel"]), lang)),
            format_integer(row["notices"], lang),
            _e(format_percent(row["share"], lang)),
        )
        for row in channels.iter_rows(named=True)
    ]
    digital = int(channels.filter(pl.col("channel") == "digital")["notices"][0])
    paper = int(channels.filter(pl.col("channel") == "paper")["notices"][0])
    set_share = float(scenario.outreach.digital_notice_share)
    default_share = float(type(scenario)().outreach.digital_notice_share)
    sentence = _text(
        f"{format_integer(paper, lang)} notices went as paper letters and"
        f" {format_integer(digital, lang)} to the inbox.",
        f"{format_integer(paper, lang)} kallelser gick som pappersbrev och"
        f" {format_integer(digital, lang)} till inkorgen.",
        lang,
    )
    if set_share != default_share and set_share > 0:
        # Digital notices scale with the set share (each notice's draw is kept, common random
        # numbers); at the default share there would be digital * default / set of them.
        saved = round(digital - digital * default_share / set_share)
        sentence += " " + _text(
            f"At the default share ({format_percent(default_share, lang, decimals=0)}) about"
            f" {format_integer(abs(saved), lang)} {'more' if saved > 0 else 'fewer'} letters"
            " would have gone on paper (an estimate from this run; run the reference to measure"
            " it).",
            f"Med standardandelen ({format_percent(default_share, lang, decimals=0)}) hade ungefär"
            f" {format_integer(abs(saved), lang)} {'fler' if saved > 0 else 'färre'} brev gått på"
            " papper (en uppskattning från denna körning; kör referensen för att mäta det).",
            lang,
        )
    table = _table(
        [phrase("table.channel", lang), phrase("table.notices", lang), phrase("table.share", lang)],
        rows,
        numeric=(1, 2),
    )
    return f"<p>{_e(sentence)}</p>{table}"


def _headline_rows(headline: pl.DataFrame, names: Sequence[str], lang: Language) -> str:
    rows = [
        (
            _e(SUMMARY_COLUMNS[name].label.of(lang)),
            _e(format_quantity(headline[name][0], SUMMARY_COLUMNS[name].unit, lang)),
            _e(unit_label(SUMMARY_COLUMNS[name].unit, lang)),
            _e(SUMMARY_COLUMNS[name].meaning.of(lang)),
        )
        for name in names
    ]
    return _table(
        [
            phrase("table.measure", lang),
            phrase("table.value", lang),
            phrase("table.unit", lang),
            phrase("table.meaning", lang),
        ],
        rows,
        numeric=(1,),
    )


def _service_section(headline: pl.DataFrame, scenario: Any, lang: Language) -> str:
    staff = scenario.clinics.staff_per_clinic
    staffing = ", ".join(
        f"{term('role', role, lang)} {format_integer(count, lang)}" for role, count in staff.items()
    )
    share = format_percent(scenario.clinics.eservice_share_of_shift, lang, decimals=0)
    clinics = format_integer(scenario.clinics.count, lang)
    sentence = _text(
        f"{clinics} clinics; staff per clinic: {staffing}; {share} of a shift is e-service duty.",
        f"{clinics} mottagningar; personal per mottagning: {staffing}; {share} av ett pass är"
        " tid för e-tjänster.",
        lang,
    )
    names = (
        "answered_within_48h_share",
        "median_response_hours",
        "p90_response_hours",
        "mean_open_cases_last_week",
        "staff_utilisation",
        "staff_minutes_per_case",
    )
    return f"<p>{_e(sentence)}</p>{_headline_rows(headline, names, lang)}"


def _teen_section(frames: RunFrames, headline: pl.DataFrame, lang: Language) -> str:
    alerts = post13_guardian_alerts(frames.events, frames.population)
    contacts = guardian_contacts_in_child_settings(frames.population, frames.context)
    teens = contacts.filter(pl.col("age_band") == "13-17")
    share = teens["share"][0] if teens.height else None
    young = alerts.height
    total = int(alerts["alerts"].sum()) if alerts.height else 0
    sentence = _text(
        f"At the start, {format_percent(share, lang)} of young people aged 13-17 had a guardian's"
        f" phone or e-mail in their alert settings. During the run {format_integer(total, lang)}"
        f" alerts about {format_integer(young, lang)} young people aged 13 or more went to someone"
        " else's contact: nothing is cleared at 13, the young person has to change the settings.",
        f"Vid start hade {format_percent(share, lang)} av ungdomarna 13-17 år en vårdnadshavares"
        f" telefon eller e-post i sina aviseringsinställningar. Under perioden gick"
        f" {format_integer(total, lang)} aviseringar om {format_integer(young, lang)} ungdomar"
        " som fyllt 13 till någon annans kontaktuppgift: inget rensas vid 13, den unga måste själv"
        " ändra inställningarna.",
        lang,
    )
    return f"<p>{_e(sentence)}</p>" + _headline_rows(headline, ("post13_guardian_alerts",), lang)


def _alerts_section(frames: RunFrames, headline: pl.DataFrame, lang: Language) -> str:
    daily = alert_opt_in_daily(frames.population, frames.changes, frames.context)
    first, last = daily["date"].min(), daily["date"].max()

    def opted_in(day: object) -> float | None:
        rows = daily.filter(pl.col("date") == day)
        accounts = int(rows["accounts"].sum())
        with_alerts = int(rows.filter(pl.col("alert_status") != "none")["accounts"].sum())
        return with_alerts / accounts if accounts else None

    start, end = opted_in(first), opted_in(last)
    sentence = _text(
        f"Alerts were on for {format_percent(start, lang)} of active accounts after the first day"
        f" and for {format_percent(end, lang)} at the end.",
        f"Aviseringar var påslagna för {format_percent(start, lang)} av de aktiva kontona efter"
        f" första dagen och för {format_percent(end, lang)} vid slutet.",
        lang,
    )
    names = ("alert_opt_in_share", "alert_sms_share", "alert_email_share", "read_share_7d")
    return f"<p>{_e(sentence)}</p>{_headline_rows(headline, names, lang)}"


def _focus(
    frames: RunFrames,
    headline: pl.DataFrame,
    scenario: Any,
    lang: Language,
    benefit: pl.DataFrame | None = None,
) -> str:
    parts = [f"<h2>{_e(phrase('report.focus', lang))}</h2>"]
    topics = _focus_topics(scenario)
    if benefit is not None and "notices" not in topics:
        topics.append("notices")
    for topic in topics:
        en, sv = _FOCUS_TITLES[topic]
        parts.append(f"<section data-focus='{topic}'><h3>{_e(_text(en, sv, lang))}</h3>")
        if topic == "campaign":
            parts.append(_campaign_section(frames, scenario, lang))
        elif topic == "notices":
            parts.append(_notices_section(frames, headline, scenario, lang, benefit))
        elif topic == "service":
            parts.append(_service_section(headline, scenario, lang))
        elif topic == "teen":
            parts.append(_teen_section(frames, headline, lang))
        else:
            parts.append(_alerts_section(frames, headline, lang))
        parts.append("</section>")
    return "\n".join(parts)


# -- set versus measured -------------------------------------------------------------------------


def _set_versus_measured(headline: pl.DataFrame, scenario: Any, lang: Language) -> str:
    rows = [
        (
            "<code>alerts.opt_in_share</code>",
            _e(format_percent(scenario.alerts.opt_in_share, lang)),
            _e(format_percent(headline["alert_opt_in_share"][0], lang)),
            _e(
                _text(
                    "The setting applies to active accounts only, and an account gets an alert"
                    " only if it holds the contact of the chosen channel (a mobile number for SMS,"
                    " an address for e-mail); a nudge at login adds to it during the run.",
                    "Inställningen gäller bara aktiva konton, och ett konto får en avisering bara"
                    " om det har kontaktuppgiften för den valda kanalen (mobilnummer för sms,"
                    " adress för e-post); en påminnelse vid inloggning ökar den under perioden.",
                    lang,
                )
            ),
        ),
        (
            "<code>outreach.digital_notice_share</code>",
            _e(format_percent(scenario.outreach.digital_notice_share, lang)),
            _e(format_percent(headline["digital_notice_share"][0], lang)),
            _e(
                _text(
                    "A notice can go digitally only to a person with an active 1177 account; to"
                    " anyone else it goes on paper, so the measured share is about the setting"
                    " times the share of active accounts.",
                    "En kallelse kan gå digitalt bara till den som har ett aktivt 1177-konto;"
                    " till alla andra går den på papper, så den uppmätta andelen är ungefär"
                    " inställningen gånger andelen aktiva konton.",
                    lang,
                )
            ),
        ),
    ]
    return f"<h2>{_e(phrase('report.effective', lang))}</h2>" + _table(
        [
            phrase("table.key", lang),
            phrase("table.set", lang),
            phrase("table.effective", lang),
            phrase("table.why", lang),
        ],
        rows,
        numeric=(1, 2),
    )


# -- workload per clinic -------------------------------------------------------------------------


def _workload(frames: RunFrames, lang: Language) -> str:
    context = frames.context
    time = staff_time(frames.events, context, frames.roster, by=("clinic",))
    staff = (
        staff_roster(frames.events, frames.roster)
        .group_by("clinic")
        .agg(pl.len().cast(pl.Int64).alias("staff"))
    )
    cases = response_times(frames.responses, context, by=("clinic",)).select(
        "clinic", "cases_started", "cases_answered", "share_within"
    )
    table = (
        time.join(staff, on="clinic", how="full", coalesce=True)
        .join(cases, on="clinic", how="full", coalesce=True)
        .filter(pl.col("clinic").is_not_null())
        .sort("clinic")
    )
    shown = (
        table.sort("utilisation", descending=True, nulls_last=True)
        .head(MAX_WORKLOAD_CLINICS)
        .sort("clinic")
    )
    rows = [
        (
            _e(row["clinic"]),
            format_integer(row["staff"], lang),
            format_integer(row["cases_started"], lang),
            format_integer(row["cases_answered"], lang),
            _e(format_percent(row["share_within"], lang)),
            _e(format_number((row["busy_minutes"] or 0) / 60, lang)),
            _e(format_number((row["on_duty_minutes"] or 0) / 60, lang)),
            _e(format_percent(row["utilisation"], lang)),
        )
        for row in shown.iter_rows(named=True)
    ]
    note = ""
    if table.height > shown.height:
        note = (
            "<p class='note'>"
            + _e(
                _text(
                    f"The {shown.height} busiest of {table.height} clinics.",
                    f"De {shown.height} mest belastade av {table.height} mottagningar.",
                    lang,
                )
            )
            + "</p>"
        )
    return (
        f"<h2>{_e(phrase('report.workload', lang))}</h2>"
        + note
        + _table(
            [
                phrase("table.clinic", lang),
                phrase("table.staff", lang),
                SUMMARY_COLUMNS["cases_started"].label.of(lang),
                phrase("table.cases_handled", lang),
                SUMMARY_COLUMNS["answered_within_48h_share"].label.of(lang),
                phrase("table.handling_hours", lang),
                phrase("table.on_duty_hours", lang),
                phrase("table.utilisation", lang),
            ],
            rows,
            numeric=(1, 2, 3, 4, 5, 6, 7),
        )
    )


# -- the staff side -------------------------------------------------------------------------------

_FORM_DAYS: Final = 14
"""The window of the form completion share (F3), in days after delivery."""

_CASE_DAYS: Final = (2, 7)
"""The windows of the staff-initiated cases answered by the citizen (R19, R20), in days."""

_STANDARD_FORM: Final = 0
"""The id of the standard health declaration: ``etj_sim.domain.catalogue.Catalogue`` adds it
first (``Catalogue().standard_form``)."""


def _form_name(form: object, lang: Language) -> str:
    if form == _STANDARD_FORM:
        return phrase("table.standard_form", lang, form=form)
    return phrase("table.form_id", lang, form=form)


def _count(events: pl.DataFrame, event: str) -> int:
    return events.filter(pl.col("event") == event).height


def _staff_forms(frames: RunFrames, lang: Language) -> str:
    forms = form_completion(frames.events, frames.context, within_days=_FORM_DAYS)
    if not forms.height:
        none = _text(
            "No form was sent in this run.", "Inget formulär skickades under perioden.", lang
        )
        return f"<p>{_e(none)}</p>"
    sent, counted, within = (
        int(value)
        for value in forms.select(
            pl.col("forms_sent", "forms_counted", "submitted_within").sum()
        ).row(0)
    )
    share = format_percent(within / counted if counted else None, lang)
    days = format_integer(_FORM_DAYS, lang)
    sentence = _text(
        f"Forms sent by staff: {format_integer(sent, lang)}. Of those delivered at least {days}"
        f" days before the end ({format_integer(counted, lang)}), {format_integer(within, lang)}"
        f" ({share}) were submitted within {days} days.",
        f"Formulär som personalen skickat: {format_integer(sent, lang)}. Av dem som levererades"
        f" minst {days} dagar före slutet ({format_integer(counted, lang)}) skickades"
        f" {format_integer(within, lang)} ({share}) in inom {days} dagar.",
        lang,
    )
    note = _text(
        "A form not submitted in time means the visit starts without the patient's answers, so"
        " staff ask for them by phone or at the visit; the median hours say how long before a"
        " visit a form needs to go out.",
        "Ett formulär som inte skickas in i tid betyder att besöket börjar utan patientens svar,"
        " så personalen får fråga per telefon eller vid besöket; medianen i timmar säger hur långt"
        " före ett besök formuläret behöver skickas.",
        lang,
    )
    rows = [
        (
            _e(_form_name(row["form"], lang)),
            format_integer(row["forms_sent"], lang),
            format_integer(row["forms_counted"], lang),
            format_integer(row["submitted_within"], lang),
            _e(format_percent(row["completion_share"], lang)),
            _e(format_quantity(row["median_hours_to_submit"], "hours", lang)),
        )
        for row in forms.iter_rows(named=True)
    ]
    table = _table(
        [
            phrase("table.form", lang),
            phrase("table.forms_sent", lang),
            phrase("table.delivered_before_end", lang, days=days),
            phrase("table.submitted_within", lang, days=days),
            phrase("table.completion_share", lang),
            phrase("table.median_hours_to_submit", lang),
        ],
        rows,
        numeric=(1, 2, 3, 4, 5),
    )
    return f"<p>{_e(sentence)}</p><p class='note'>{_e(note)}</p>{table}"


def _staff_cases(frames: RunFrames, lang: Language) -> str:
    opened = _count(frames.events, "staff_case_opened")
    if not opened:
        none = _text(
            "Staff sent no case with Skicka ärende in this run.",
            "Personalen skickade inget ärende med Skicka ärende under perioden.",
            lang,
        )
        return f"<p>{_e(none)}</p>"
    answers = staff_case_answers(frames.events, frames.context, within_days=_CASE_DAYS)
    shares = [format_percent(share, lang) for share in answers["answered_share"]]
    first, last = (format_integer(days, lang) for days in (_CASE_DAYS[0], _CASE_DAYS[-1]))
    sentence = _text(
        f"Cases staff sent with Skicka ärende: {format_integer(opened, lang)}. The citizen"
        f" answered {shares[0]} of them within {first} days and {shares[-1]} within {last} days,"
        " by a reply or a submitted form in the case.",
        f"Ärenden som personalen skickat med Skicka ärende: {format_integer(opened, lang)}."
        f" Invånaren svarade på {shares[0]} av dem inom {first} dagar och på {shares[-1]} inom"
        f" {last} dagar, med ett svar eller ett inskickat formulär i ärendet.",
        lang,
    )
    note = _text(
        "An unanswered case stays open with the staff member who sent it, waiting for the"
        " citizen; each share counts only the cases opened at least that many days before the"
        " end of the run.",
        "Ett obesvarat ärende ligger kvar hos den som skickade det och väntar på invånaren;"
        " varje andel räknar bara ärenden som öppnades minst så många dagar före periodens slut.",
        lang,
    )
    rows = [
        (
            _e(phrase("table.within_days", lang, days=format_integer(row["within_days"], lang))),
            format_integer(row["cases_opened"], lang),
            format_integer(row["answered"], lang),
            _e(format_percent(row["answered_share"], lang)),
        )
        for row in answers.iter_rows(named=True)
    ]
    table = _table(
        [
            phrase("table.within", lang),
            phrase("table.cases_opened_before_end", lang),
            phrase("table.answered_by_citizen", lang),
            phrase("table.share", lang),
        ],
        rows,
        numeric=(1, 2, 3),
    )
    return f"<p>{_e(sentence)}</p><p class='note'>{_e(note)}</p>{table}"


def _register_refusals(frames: RunFrames, lang: Language) -> str:
    refusals = register_change_refusals(frames.events)
    total = int(refusals["refusals"].sum())
    counts = ", ".join(
        f"{term('event', event, lang)} ({format_integer(_count(frames.events, event), lang)})"
        for event in ("protection_granted", "guardianship_ended")
    )
    changes = _text(
        f"Changes in the register during the run: {counts}.",
        f"Ändringar i folkbokföringen under perioden: {counts}.",
        lang,
    )
    if not total:
        none = _text(
            "No proxy attempt was refused because of a change in the register in this run.",
            "Inget ombudskap nekades på grund av en ändring i folkbokföringen under perioden.",
            lang,
        )
        return f"<p>{_e(none)} {_e(changes)}</p>"
    sentence = _text(
        "Proxy refusals caused by a change in the register during the run:"
        f" {format_integer(total, lang)}.",
        "Nekade ombudskap orsakade av en ändring i folkbokföringen under perioden:"
        f" {format_integer(total, lang)}.",
        lang,
    )
    note = _text(
        "From the moment Skatteverket's change reaches the e-services the guardian can no longer"
        " act for the child (ombud), and a guardian refused online is likely to call the clinic"
        " instead.",
        "Från det ögonblick Skatteverkets ändring når e-tjänsterna kan vårdnadshavaren inte längre"
        " vara ombud för barnet, och en vårdnadshavare som nekas på nätet ringer troligen"
        " mottagningen i stället.",
        lang,
    )
    rows = [
        (
            _e(term("register_cause", str(row["cause"]), lang)),
            format_integer(row["refusals"], lang),
            format_integer(row["families"], lang),
        )
        for row in refusals.iter_rows(named=True)
    ]
    table = _table(
        [
            phrase("table.cause", lang),
            phrase("table.refusals", lang),
            phrase("table.children", lang),
        ],
        rows,
        numeric=(1, 2),
    )
    return f"<p>{_e(sentence)} {_e(changes)}</p><p class='note'>{_e(note)}</p>{table}"


def _staff_side(frames: RunFrames, lang: Language) -> str:
    """Forms (F3), cases staff sent (R19, R20) and proxy refused after a register change (R10,
    R12, D9): in every run, since the default outreach sends forms and questions."""
    parts = [f"<h2>{_e(phrase('report.staff_side', lang))}</h2>"]
    for name, heading, body in (
        ("forms", "report.staff_forms", _staff_forms),
        ("cases", "report.staff_cases", _staff_cases),
        ("register", "report.register_refusals", _register_refusals),
    ):
        parts.append(
            f"<section data-staff='{name}'><h3>{_e(phrase(heading, lang))}</h3>"
            f"{body(frames, lang)}</section>"
        )
    return "\n".join(parts)


# -- the run report -------------------------------------------------------------------------------


def write_report(
    out_dir: Path | str,
    *,
    scenario_name: str,
    description: str,
    events: pl.DataFrame,
    population: pl.DataFrame,
    context: MetricContext,
    roster: pl.DataFrame | None = None,
    comparison: Comparison | pl.DataFrame | None = None,
    png: bool = True,
    lang: Language = DEFAULT_LANGUAGE,
    scenario: Any = None,
    info: RunInfo | None = None,
    benefit: pl.DataFrame | None = None,
) -> Path:
    """Write ``report.html`` (and ``<chart>.png`` files unless ``png`` is False) into ``out_dir``.

    Returns the path of the HTML file. ``scenario`` (the run's :class:`~etj_sim.Scenario`) adds
    the values that differ from the defaults, the section on what the scenario shows and the set
    values next to the measured ones; ``info`` the seed, version and overrides. ``comparison``
    (a :class:`~etj_sim.comparison.Comparison`, or a frame of
    :data:`~etj_sim.charts.COMPARISON_COLUMNS`) adds the comparison chart. ``benefit`` (the
    frame of :func:`etj_sim.experiments.benefit_table`) adds the benefit table to the section on
    appointment notices.
    """
    directory = Path(out_dir)
    directory.mkdir(parents=True, exist_ok=True)
    run_info = info or RunInfo()
    frames = prepare(events, population, context, roster)
    headline = summary_of(frames)
    comparison_frame = (
        comparison.chart_frame() if isinstance(comparison, Comparison) else comparison
    )
    charts = charts_of(frames, comparison_frame, lang=lang)
    specs = {name: chart.to_dict() for name, chart in charts.items()}
    if png:
        _write_pngs(directory, specs, lang)
    parts = [
        f"<h1>{_e(scenario_name)}</h1>",
        f"<p class='description'>{_e(description or phrase('report.no_description', lang))}</p>",
        _what_was_run(scenario, context, population.height, run_info, lang),
        _headline(headline, lang),
    ]
    if scenario is not None:
        parts.append(_focus(frames, headline, scenario, lang, benefit))
        parts.append(_set_versus_measured(headline, scenario, lang))
    parts.append(_workload(frames, lang))
    parts.append(_staff_side(frames, lang))
    parts.append(f"<h2>{_e(phrase('report.charts', lang))}</h2>")
    parts.append(_chart_sections(specs, lang))
    page = _page(phrase("report.title", lang, name=scenario_name), "\n".join(parts), specs, lang)
    path = directory / REPORT_FILE_NAME
    path.write_text(page, encoding="utf-8")
    return path


def write_result_report(
    result: SimulationResultLike,
    out_dir: Path | str,
    *,
    comparison: Comparison | pl.DataFrame | None = None,
    png: bool = True,
    lang: Language = DEFAULT_LANGUAGE,
    info: RunInfo | None = None,
    overrides: Mapping[str, object] | None = None,
    benefit: pl.DataFrame | None = None,
) -> Path:
    """:func:`write_report` for a result with ``.events``, ``.population`` and ``.scenario``.

    The context comes from ``MetricContext.from_scenario``; a ``staff`` (or ``roster``) frame
    attribute (staff, clinic, role), if the result has one, gives the staff roles; a ``seed``
    attribute the seed (unless ``info`` gives one). ``overrides`` are the values set on top of
    the scenario file (``--set``), marked as such in the report.
    """
    scenario = result.scenario
    # SimulationResult keeps the roster as ``staff``; accept ``roster`` from other result types.
    roster = getattr(result, "staff", None)
    if not isinstance(roster, pl.DataFrame):
        roster = getattr(result, "roster", None)
    seed = getattr(result, "seed", None)
    run_info = info or RunInfo(overrides=dict(overrides or {}))
    if run_info.seed is None and isinstance(seed, int):
        run_info = RunInfo(seed, run_info.version, run_info.made, run_info.overrides)
    if run_info.version is None:
        from etj_sim import __version__

        run_info = RunInfo(run_info.seed, __version__, run_info.made, run_info.overrides)
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
        lang=lang,
        scenario=scenario,
        info=run_info,
        benefit=benefit,
    )


# -- the comparison report ------------------------------------------------------------------------


def _interval(low: object, high: object, unit: str, lang: Language) -> str:
    if low is None or high is None:
        return "–"
    return phrase(
        "table.interval_range",
        lang,
        low=format_quantity(float(str(low)), unit, lang),
        high=format_quantity(float(str(high)), unit, lang),
    )


def _difference_interval(low: object, high: object, unit: str, lang: Language) -> str:
    if low is None or high is None:
        return phrase("compare.unpaired", lang)
    return phrase(
        "table.interval_range",
        lang,
        low=format_difference(float(str(low)), unit, lang),
        high=format_difference(float(str(high)), unit, lang),
    )


def comparison_tables(comparison: Comparison, lang: Language) -> str:
    """One table per headline metric: each scenario's mean and its difference from the reference."""
    parts = []
    statistics = comparison.statistics
    differences = comparison.differences
    for metric in comparison.metrics:
        column = SUMMARY_COLUMNS.get(metric)
        unit = column.unit if column is not None else ""
        label = column.label.of(lang) if column is not None else metric
        rows = []
        for row in statistics.filter(pl.col("metric") == metric).iter_rows(named=True):
            difference = differences.filter(
                (pl.col("metric") == metric) & (pl.col("design_point") == row["design_point"])
            )
            is_reference = row["design_point"] == comparison.reference
            if is_reference or not difference.height:
                change, change_interval, pairs = phrase("table.reference", lang), "", "–"
            else:
                found = difference.row(0, named=True)
                change = format_difference(found["difference"], unit, lang)
                change_interval = _difference_interval(
                    found["ci_low"], found["ci_high"], unit, lang
                )
                pairs = format_integer(found["pairs"], lang)
            rows.append(
                (
                    _e(row["design_label"]),
                    format_integer(row["n"], lang),
                    _e(format_quantity(row["mean"], unit, lang)),
                    _e(_interval(row["ci_low"], row["ci_high"], unit, lang)),
                    _e(change),
                    _e(change_interval),
                    _e(pairs),
                )
            )
        meaning = column.meaning.of(lang) if column is not None else ""
        parts.append(
            f"<section data-metric='{_e(metric)}'><h3>{_e(label)}"
            f" <small>({_e(unit_label(unit, lang))})</small></h3><p class='note'>{_e(meaning)}</p>"
            + _table(
                [
                    phrase("table.scenario", lang),
                    phrase("table.runs", lang),
                    phrase("table.mean", lang),
                    phrase("table.interval", lang),
                    phrase("table.difference", lang),
                    phrase("table.interval", lang),
                    phrase("table.pairs", lang),
                ],
                rows,
                numeric=(1, 2, 4, 6),
            )
            + "</section>"
        )
    return "\n".join(parts)


def write_comparison_report(
    out_dir: Path | str,
    comparison: Comparison,
    *,
    title: str | None = None,
    sources: Sequence[str] = (),
    png: bool = False,
    lang: Language = DEFAULT_LANGUAGE,
) -> Path:
    """Write ``comparison.html`` (and ``scenario_comparison.png`` with ``png``) into ``out_dir``.

    ``sources`` (the folders compared) are listed under the title.
    """
    directory = Path(out_dir)
    directory.mkdir(parents=True, exist_ok=True)
    chart = scenario_comparison_chart(comparison.chart_frame(), lang)
    specs = {"scenario_comparison": chart.to_dict()}
    if png:
        _write_pngs(directory, specs, lang)
    heading = title or phrase("compare.title", lang)
    note = phrase("compare.reference_note", lang, reference=comparison.reference_label)
    listed = "".join(f"<li><code>{_e(source)}</code></li>" for source in sources)
    body = "\n".join(
        [
            f"<h1>{_e(heading)}</h1>",
            f"<p>{_e(note)}</p>",
            f"<h2>{_e(phrase('compare.runs_compared', lang))}</h2><ul>{listed}</ul>"
            if listed
            else "",
            f"<p class='note'>{_e(phrase('report.made', lang))}: "
            f"{_e(_moment(datetime.now(UTC), lang))}</p>",
            _chart_sections(specs, lang),
            comparison_tables(comparison, lang),
        ]
    )
    path = directory / COMPARISON_REPORT_FILE_NAME
    path.write_text(_page(heading, body, specs, lang), encoding="utf-8")
    return path

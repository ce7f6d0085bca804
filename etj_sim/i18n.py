"""Languages: the words and number formats of every output, in Swedish and English.

Pipeline position: beside the last stage (``metrics -> charts / report / CLI tables / app``). Each
output that a person reads takes a ``lang`` (:data:`Language`, ``"sv"`` or ``"en"``) and finds its
words here: :func:`phrase` looks up chart titles, axis titles, table headers, report headings and
CLI table words in one catalogue (:data:`PHRASES`), each phrase given in both languages, and
:func:`term` names the values inside the tables (alert statuses, funnel stages, staff roles,
notice channels). The headline metrics carry their own labels and meanings beside their unit in
:data:`etj_sim.metrics.HEADLINE_COLUMNS` (one declaration per column), as :class:`Text`.

Numbers, percentages and dates are written through Babel with the locale of the language
(``sv_SE``: ``12 345,7`` and ``47,5 %``; ``en_GB``: ``12,345.7`` and ``47.5%``), never by hand;
:func:`vega_format_locale` and :func:`vega_time_format_locale` hand the same conventions to the
charts (d3-format and d3-time-format locales built from Babel's data).

This module has no dependency inside the package, so any stage may import it.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Mapping
from datetime import date, datetime
from functools import cache
from typing import Final, Literal, NamedTuple, get_args

from babel import Locale
from babel.dates import format_date as _babel_date
from babel.dates import format_datetime as _babel_datetime
from babel.numbers import format_decimal as _babel_decimal

__all__ = [
    "DEFAULT_LANGUAGE",
    "LANGUAGES",
    "LOCALES",
    "PHRASES",
    "TERMS",
    "UNITS",
    "Language",
    "Text",
    "check_language",
    "format_date",
    "format_datetime",
    "format_difference",
    "format_integer",
    "format_number",
    "format_percent",
    "format_quantity",
    "month_names",
    "phrase",
    "term",
    "unit_label",
    "vega_format_locale",
    "vega_time_format_locale",
    "weekday_names",
]

Language = Literal["sv", "en"]
"""A language of the outputs: Swedish (``sv``) or English (``en``)."""

LANGUAGES: Final[tuple[Language, ...]] = get_args(Language)
DEFAULT_LANGUAGE: Final[Language] = "en"

LOCALES: Final[dict[Language, str]] = {"sv": "sv_SE", "en": "en_GB"}
"""The Babel locale of each language (British English: day-month dates, 24-hour clock)."""


class Text(NamedTuple):
    """One phrase in both languages."""

    en: str
    sv: str

    def of(self, lang: Language) -> str:
        """The phrase in ``lang``."""
        return self.sv if lang == "sv" else self.en


def check_language(value: str, *, where: str = "lang") -> Language:
    """``value`` as a :data:`Language`; anything else is a ValueError naming ``where``."""
    for language in LANGUAGES:
        if value == language:
            return language
    raise ValueError(f"{where}: unknown language {value!r}; choose one of {', '.join(LANGUAGES)}")


@cache
def _locale(lang: Language) -> Locale:
    return Locale.parse(LOCALES[lang])


# -- numbers and dates --------------------------------------------------------------------------


def _missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


MISSING: Final = "–"
"""What a table shows where a metric has nothing to measure (None or NaN)."""


def format_integer(value: float | None, lang: Language) -> str:
    """A whole number with the language's digit grouping (``12 345`` / ``12,345``)."""
    if _missing(value):
        return MISSING
    assert value is not None
    return str(_babel_decimal(round(value), format="#,##0", locale=LOCALES[lang]))


def format_number(value: float | None, lang: Language, *, decimals: int = 1) -> str:
    """A number with ``decimals`` decimals and the language's separators (``3,5`` / ``3.5``)."""
    if _missing(value):
        return MISSING
    assert value is not None
    pattern = "#,##0" + ("." + "0" * decimals if decimals > 0 else "")
    return str(_babel_decimal(value, format=pattern, locale=LOCALES[lang]))


def format_percent(value: float | None, lang: Language, *, decimals: int = 1) -> str:
    """A share (0-1) as a percentage in the locale's own pattern (``47,5 %`` / ``47.5%``)."""
    if _missing(value):
        return MISSING
    assert value is not None
    locale = _locale(lang)
    # The locale's own percent pattern (sv puts a no-break space before %), with fixed decimals.
    pattern = copy.copy(locale.percent_formats[None])
    pattern.frac_prec = (decimals, decimals)
    return str(pattern.apply(value, locale))


def format_difference(
    value: float | None, unit: str, lang: Language, *, decimals: int | None = None
) -> str:
    """A difference with its sign: percentage points for shares, the unit's own format else."""
    if _missing(value):
        return MISSING
    assert value is not None
    sign = "+" if value > 0 else ""
    if unit == "share":
        points = format_number(value * 100, lang, decimals=1 if decimals is None else decimals)
        return f"{sign}{points} {phrase('unit.percentage_points', lang)}"
    return sign + format_quantity(value, unit, lang, decimals=decimals)


_COUNT_UNITS: Final = frozenset(
    {
        "persons",
        "messages",
        "cases",
        "alerts",
        "refusals",
        "notices",
        "letters",
        "SEK",
        "staff_minutes",
    }
)


def format_quantity(
    value: float | None, unit: str, lang: Language, *, decimals: int | None = None
) -> str:
    """A value written as its unit wants: shares as percent, counts whole, the rest decimal.

    ``decimals`` overrides the unit's usual number of decimals (1; 0 for counts).
    """
    if _missing(value):
        return MISSING
    assert value is not None
    if unit == "share":
        return format_percent(value, lang, decimals=1 if decimals is None else decimals)
    if unit in _COUNT_UNITS and decimals is None:
        return format_integer(value, lang)
    return format_number(value, lang, decimals=1 if decimals is None else decimals)


def format_date(value: date, lang: Language, *, style: str = "long") -> str:
    """A date as the language writes it (``5 januari 2026`` / ``5 January 2026``).

    ``style`` is a Babel date style: ``short``, ``medium``, ``long`` or ``full``.
    """
    return str(_babel_date(value, format=style, locale=LOCALES[lang]))


def format_datetime(value: datetime, lang: Language, *, style: str = "medium") -> str:
    """A date and time as the language writes them."""
    return str(_babel_datetime(value, format=style, locale=LOCALES[lang]))


def weekday_names(lang: Language, *, width: str = "abbreviated") -> tuple[str, ...]:
    """Monday to Sunday in ``lang`` (Babel: ``abbreviated`` or ``wide``)."""
    days = _locale(lang).days["format"][width]
    return tuple(str(days[index]) for index in range(7))


def month_names(lang: Language, *, width: str = "wide") -> tuple[str, ...]:
    """January to December in ``lang`` (Babel: ``abbreviated`` or ``wide``)."""
    months = _locale(lang).months["format"][width]
    return tuple(str(months[index]) for index in range(1, 13))


def vega_format_locale(lang: Language) -> dict[str, object]:
    """A d3-format locale (the charts' numbers) from Babel's symbols for ``lang``."""
    locale = _locale(lang)
    symbols = locale.number_symbols["latn"]
    percent_pattern = locale.percent_formats[None].pattern
    # "#,##0 %" (sv) puts a no-break space before the sign; "#,##0%" (en) none.
    percent = "\u00a0%" if "\u00a0%" in percent_pattern else "%"
    return {
        "decimal": str(symbols["decimal"]),
        "thousands": str(symbols["group"]),
        "grouping": [3],
        "currency": ["", "\u00a0kr"] if lang == "sv" else ["£", ""],
        "percent": percent,
        "minus": str(symbols["minusSign"]),
    }


def vega_time_format_locale(lang: Language) -> dict[str, object]:
    """A d3-time-format locale (the charts' dates) from Babel's calendar data for ``lang``."""
    locale = _locale(lang)
    days = locale.days["format"]
    months = locale.months["format"]
    # d3 lists days from Sunday; Babel numbers Monday 0 ... Sunday 6.
    sunday_first = [6, 0, 1, 2, 3, 4, 5]
    periods = locale.day_periods["format"]["abbreviated"]
    return {
        "dateTime": "%A %e %B %Y %X" if lang == "sv" else "%a %e %b %Y %X",
        "date": "%Y-%m-%d" if lang == "sv" else "%d/%m/%Y",
        "time": "%H:%M:%S",
        "periods": [str(periods["am"]), str(periods["pm"])],
        "days": [str(days["wide"][index]) for index in sunday_first],
        "shortDays": [str(days["abbreviated"][index]) for index in sunday_first],
        "months": [str(months["wide"][index]) for index in range(1, 13)],
        "shortMonths": [str(months["abbreviated"][index]) for index in range(1, 13)],
    }


# -- words --------------------------------------------------------------------------------------

UNITS: Final[Mapping[str, Text]] = {
    "share": Text("%", "%"),
    "persons": Text("persons", "personer"),
    "messages": Text("messages", "meddelanden"),
    "cases": Text("cases", "ärenden"),
    "alerts": Text("alerts", "aviseringar"),
    "hours": Text("hours", "timmar"),
    "minutes": Text("minutes", "minuter"),
    "days": Text("days", "dagar"),
    "per_1000_children": Text("per 1,000 children", "per 1 000 barn"),
    "refusals": Text("refusals", "avslag"),
    "letters": Text("letters", "brev"),
    "notices": Text("notices", "kallelser"),
    "SEK": Text("SEK", "kr"),
    "staff_minutes": Text("staff minutes", "personalminuter"),
    "visits": Text("visits", "besök"),
}
"""The name of each unit of the headline and metric tables."""


def unit_label(unit: str, lang: Language) -> str:
    """The name of ``unit`` in ``lang`` (the unit itself when it has no entry)."""
    text = UNITS.get(unit)
    return text.of(lang) if text is not None else unit


TERMS: Final[Mapping[str, Text]] = {
    # alert statuses (etj_sim.metrics.ALERT_STATUSES)
    "alert_status.none": Text("no alerts", "inga aviseringar"),
    "alert_status.sms": Text("SMS", "sms"),
    "alert_status.email": Text("e-mail", "e-post"),
    "alert_status.both": Text("SMS and e-mail", "sms och e-post"),
    # message funnel stages (etj_sim.metrics.FUNNEL_STAGES)
    "funnel.sent": Text("delivered to the inbox", "levererade till inkorgen"),
    "funnel.alerted": Text("alert sent", "avisering skickad"),
    "funnel.read_1d": Text("alerted, read within 1 day", "aviserade, lästa inom 1 dag"),
    "funnel.read_7d": Text("alerted, read within 7 days", "aviserade, lästa inom 7 dagar"),
    # notice channels
    "channel.digital": Text("digital (inbox)", "digitalt (inkorgen)"),
    "channel.paper": Text("paper letter", "pappersbrev"),
    # staff roles (etj_sim.scenario.STAFF_ROLES)
    "role.nurse": Text("nurse", "sjuksköterska"),
    "role.physician": Text("physician", "läkare"),
    "role.administrator": Text("administrator", "administratör"),
    "role.all": Text("all staff", "all personal"),
    # chart measures
    "measure.open_cases": Text("open cases (started, not yet answered)", "öppna ärenden"),
    "measure.waiting": Text("waiting for staff", "väntar på personal"),
    "measure.difference": Text("difference from the reference", "skillnad mot referensen"),
    # the service's own words in the notebook displays (etj_sim.display): who acted, how
    "actor_role.citizen": Text("citizen", "invånare"),
    "actor_role.guardian_proxy": Text("guardian by proxy (ombud)", "vårdnadshavare som ombud"),
    "actor_role.staff": Text("staff", "personal"),
    "actor_role.system": Text("the service", "tjänsten"),
    "contact.web": Text("1177.se", "1177.se"),
    "contact.app": Text("the 1177 app", "1177-appen"),
    "contact.sms": Text("SMS", "sms"),
    "contact.email": Text("e-mail", "e-post"),
    "contact.paper": Text("paper letter", "pappersbrev"),
    "kind.prescription_renewal": Text("prescription renewal", "förnya recept"),
    "kind.health_declaration": Text("health declaration", "hälsodeklaration"),
    "kind.contact_form": Text("contact form", "kontaktformulär"),
    "kind.local_eservice": Text("the clinic's own e-service", "mottagningens egen e-tjänst"),
    "kind.reply": Text("answer in a case", "svar i ärende"),
    "kind.question": Text("message or question", "meddelande eller fråga"),
    "kind.pre_visit_information": Text("information before a visit", "information inför besök"),
    "kind.form": Text("form", "formulär"),
    "kind.appointment_notice": Text("appointment notice", "kallelse"),
    "kind.mass_mailing": Text("mass mailing", "massutskick"),
    "case_state.awaiting_staff": Text("waiting for staff", "väntar på personal"),
    "case_state.awaiting_citizen": Text("waiting for the citizen", "väntar på invånaren"),
    "case_state.closed": Text("closed", "avslutat"),
    "reason.protected_child": Text(
        "the child has protected personal data", "barnet har skyddade personuppgifter"
    ),
    "reason.protected_guardian": Text(
        "the guardian has protected personal data", "vårdnadshavaren har skyddade personuppgifter"
    ),
    "reason.child_13_or_older": Text("the child is 13 or older", "barnet har fyllt 13"),
    "reason.not_guardian": Text("not a guardian of the child", "inte vårdnadshavare för barnet"),
    "reason.no_active_account": Text("no active account", "inget aktivt konto"),
    "reason.no_eid": Text("does not hold that e-ID", "saknar den e-legitimationen"),
    "reason.needs_own_eid": Text(
        "needs an own e-ID from 13", "behöver egen e-legitimation från 13 år"
    ),
    "reason.under_13": Text("under 13 without an own e-ID", "under 13 utan egen e-legitimation"),
    "reason.no_personnummer": Text(
        "no personnummer registered yet", "inget personnummer registrerat än"
    ),
    "event.account_activated": Text("account activated (consent)", "kontot aktiverat (samtycke)"),
    "event.login": Text("logged in", "loggade in"),
    "event.login_refused": Text("login refused", "inloggning nekad"),
    "event.settings_changed": Text("settings changed", "inställningar ändrade"),
    "event.settings_review_prompted": Text(
        "asked to review the settings", "ombedd att se över inställningarna"
    ),
    "event.turned_13": Text("turned 13", "fyllde 13"),
    "event.case_started": Text("case started", "ärende startat"),
    "event.proxy_refused": Text("proxy refused", "ombudskap nekat"),
    "event.message_sent": Text("message in the inbox", "meddelande i inkorgen"),
    "event.message_undeliverable": Text(
        "message undeliverable", "meddelandet kunde inte levereras"
    ),
    "event.paper_sent": Text("letter sent by post", "brev skickat med post"),
    "event.alert_sent": Text("alert sent (avisering)", "avisering skickad"),
    "event.message_read": Text("message read", "meddelande läst"),
    "event.case_assigned": Text("case assigned", "ärende tilldelat"),
    "event.case_answered": Text("case answered", "ärende besvarat"),
    "event.case_closed": Text("case closed", "ärende avslutat"),
    "event.citizen_replied": Text("citizen replied", "invånaren svarade"),
    "event.form_submitted": Text("form submitted", "formulär inskickat"),
    "event.attachment_sent": Text("attachment sent", "bilaga skickad"),
    "event.shift_started": Text("shift started", "arbetspass började"),
    "event.shift_ended": Text("shift ended", "arbetspass slutade"),
    "event.mass_mailing_started": Text("mass mailing started", "massutskick startat"),
    "event.staff_case_opened": Text(
        "case sent by staff (Skicka ärende)", "ärende skickat av personal"
    ),
    "event.consent_recorded": Text("own consent recorded", "eget samtycke registrerat"),
    "event.protection_granted": Text(
        "protected personal data granted", "skyddade personuppgifter beviljade"
    ),
    "event.protection_lifted": Text(
        "protected personal data lifted", "skyddade personuppgifter upphävda"
    ),
    "event.guardianship_started": Text("guardianship started", "vårdnad började"),
    "event.guardianship_ended": Text("guardianship ended", "vårdnad upphörde"),
    # causes of proxy refusals after a register change (etj_sim.metrics.register_change_refusals)
    "register_cause.protection_granted_child": Text(
        "protected personal data granted to the child",
        "barnet fick skyddade personuppgifter",
    ),
    "register_cause.protection_granted_guardian": Text(
        "protected personal data granted to the guardian",
        "vårdnadshavaren fick skyddade personuppgifter",
    ),
    "register_cause.guardianship_ended": Text("the guardianship ended", "vårdnaden upphörde"),
}
"""Names of the values inside the tables and charts, keyed ``kind.value``."""


def term(kind: str, value: str, lang: Language) -> str:
    """The name of ``value`` of ``kind`` (e.g. ``term("alert_status", "sms", "sv")``).

    A value with no entry is returned as it is, so a new status shows up rather than failing.
    """
    text = TERMS.get(f"{kind}.{value}")
    return text.of(lang) if text is not None else value


PHRASES: Final[Mapping[str, Text]] = {
    # units written in sentences
    "unit.percentage_points": Text("pp", "procentenheter"),
    # chart titles
    "chart.read_curve": Text(
        "Messages read, by days since delivery and alert status",
        "Lästa meddelanden efter dagar sedan leverans och aviseringsval",
    ),
    "chart.opt_in_by_age_band": Text(
        "Alert choice of active accounts by age band, end of run",
        "Aviseringsval för aktiva konton per åldersgrupp, vid periodens slut",
    ),
    "chart.utilisation_heatmap": Text(
        "Staff utilisation by weekday and hour", "Personalens beläggning per veckodag och timme"
    ),
    "chart.backlog": Text(
        "Open cases at the end of each day", "Öppna ärenden vid slutet av varje dag"
    ),
    "chart.response_time": Text(
        "Time from case start to first staff answer",
        "Tid från nytt ärende till första svar från personalen",
    ),
    "chart.message_funnel": Text(
        "What happens to messages: one cohort, each stage within the one before",
        "Vad som händer med meddelandena: en kohort, varje steg inom steget före",
    ),
    "chart.staff_workload": Text(
        "Staff workload per clinic: handling and on-duty hours",
        "Personalens arbetsbelastning per mottagning: handläggning och tid i tjänst",
    ),
    "chart.scenario_comparison": Text(
        "Difference from the reference scenario, with 95% confidence interval",
        "Skillnad mot referensscenariot, med 95 % konfidensintervall",
    ),
    # axis and legend titles
    "axis.days_since_delivery": Text("Days since delivery", "Dagar sedan leverans"),
    "axis.share_read": Text("Share read (%)", "Andel lästa (%)"),
    "axis.alert_status_at_delivery": Text("Alert choice at delivery", "Aviseringsval vid leverans"),
    "axis.alert_status": Text("Alert choice", "Aviseringsval"),
    "axis.age_band": Text("Age band (years)", "Åldersgrupp (år)"),
    "axis.share_of_active_accounts": Text(
        "Share of active accounts (%)", "Andel av aktiva konton (%)"
    ),
    "axis.hour_of_day": Text("Hour of day (start)", "Timme (start)"),
    "axis.weekday": Text("Weekday", "Veckodag"),
    "axis.utilisation": Text("Utilisation (%)", "Beläggning (%)"),
    "axis.date": Text("Date", "Datum"),
    "axis.cases": Text("Cases", "Ärenden"),
    "axis.open_cases": Text(
        "Open cases: started, not yet answered (cases)",
        "Öppna ärenden: startade, ännu inte besvarade (ärenden)",
    ),
    "axis.accounts": Text("Accounts", "Konton"),
    "axis.measure": Text("Measure", "Mått"),
    "axis.response_hours": Text(
        "Hours from case start to first answer (hours)", "Timmar till första svar (timmar)"
    ),
    "axis.answered_cases": Text("Answered cases (cases)", "Besvarade ärenden (ärenden)"),
    "axis.stage": Text("Stage", "Steg"),
    "axis.funnel_messages": Text(
        "Messages delivered at least 7 days before the end (messages)",
        "Meddelanden levererade minst 7 dagar före slutet (meddelanden)",
    ),
    "axis.share_of_sent": Text("Share of delivered", "Andel av levererade"),
    "axis.clinic": Text("Clinic", "Mottagning"),
    "axis.hours": Text("Hours (hours)", "Timmar (timmar)"),
    "axis.metric": Text("Measure", "Mått"),
    "axis.scenario": Text("Scenario", "Scenario"),
    "axis.difference": Text(
        "Difference from the reference (unit of the measure)",
        "Skillnad mot referensen (måttets enhet)",
    ),
    "axis.messages": Text("Messages", "Meddelanden"),
    "axis.share": Text("Share", "Andel"),
    "axis.from_hours": Text("From (hours)", "Från (timmar)"),
    "axis.to_hours": Text("To (hours)", "Till (timmar)"),
    "axis.busy_minutes": Text("Busy minutes", "Minuter i arbete"),
    "axis.on_duty_minutes": Text("On-duty minutes", "Minuter i tjänst"),
    "axis.handling_hours": Text("Handling (hours)", "Handläggning (timmar)"),
    "axis.idle_hours": Text("On duty, not handling (hours)", "I tjänst, utan ärende (timmar)"),
    "axis.service_level": Text("Service level: {hours} h", "Servicenivå: {hours} h"),
    "axis.mean": Text("Mean", "Medelvärde"),
    "axis.ci_low": Text("95% CI, low", "95 % KI, lägre"),
    "axis.ci_high": Text("95% CI, high", "95 % KI, övre"),
    "axis.pairs": Text("Paired runs", "Parade körningar"),
    # table headers
    "table.measure": Text("Measure", "Mått"),
    "table.value": Text("Value", "Värde"),
    "table.unit": Text("Unit", "Enhet"),
    "table.meaning": Text("Meaning", "Betydelse"),
    "table.key": Text("Key", "Nyckel"),
    "table.default": Text("Default", "Standardvärde"),
    "table.set": Text("Set", "Inställt"),
    "table.effective": Text("Measured", "Uppmätt"),
    "table.why": Text("Why they differ", "Varför de skiljer sig"),
    "table.clinic": Text("Clinic", "Mottagning"),
    "table.staff": Text("Staff", "Personal"),
    "table.cases_handled": Text("Cases handled", "Handlagda ärenden"),
    "table.handling_hours": Text("Handling hours", "Handläggningstimmar"),
    "table.on_duty_hours": Text("On-duty hours", "Timmar i tjänst"),
    "table.utilisation": Text("Utilisation", "Beläggning"),
    "table.scenario": Text("Scenario", "Scenario"),
    "table.reference": Text("Reference", "Referens"),
    "table.mean": Text("Mean", "Medelvärde"),
    "table.interval": Text("95% confidence interval", "95 % konfidensintervall"),
    "table.difference": Text("Difference from the reference", "Skillnad mot referensen"),
    "table.runs": Text("Runs", "Körningar"),
    "table.pairs": Text("Paired runs", "Parade körningar"),
    "table.interval_range": Text("{low} to {high}", "{low} till {high}"),
    "table.campaign": Text("Campaign", "Utskick"),
    "table.day": Text("Day", "Dag"),
    "table.addressed": Text("Addressed", "Mottagare"),
    "table.delivered": Text("Delivered", "Levererade"),
    "table.read_7d": Text("Read within 7 days", "Lästa inom 7 dagar"),
    "table.channel": Text("Channel", "Kanal"),
    "table.notices": Text("Notices", "Kallelser"),
    "table.share": Text("Share", "Andel"),
    "table.form": Text("Form", "Formulär"),
    "table.form_id": Text("form {form}", "formulär {form}"),
    "table.standard_form": Text(
        "health declaration (standard form, id {form})",
        "hälsodeklaration (standardformulär, id {form})",
    ),
    "table.forms_sent": Text("Sent", "Skickade"),
    "table.delivered_before_end": Text(
        "Delivered at least {days} days before the end",
        "Levererade minst {days} dagar före slutet",
    ),
    "table.submitted_within": Text("Submitted within {days} days", "Inskickade inom {days} dagar"),
    "table.completion_share": Text("Completion share", "Andel inskickade"),
    "table.median_hours_to_submit": Text("Median hours to submit", "Median, timmar till inskickat"),
    "table.within": Text("Within", "Inom"),
    "table.within_days": Text("{days} days", "{days} dagar"),
    "table.cases_opened_before_end": Text(
        "Cases opened at least that long before the end",
        "Ärenden öppnade minst så länge före slutet",
    ),
    "table.answered_by_citizen": Text("Answered by the citizen", "Besvarade av invånaren"),
    "table.cause": Text("Cause", "Orsak"),
    "table.refusals": Text("Refusals", "Avslag"),
    "table.children": Text("Children", "Barn"),
    # report
    "report.title": Text("{name}: e-service simulation report", "{name}: simuleringsrapport"),
    "report.no_description": Text("(no description)", "(ingen beskrivning)"),
    "report.what_was_run": Text("What was run", "Vad som kördes"),
    "report.scenario": Text("Scenario", "Scenario"),
    "report.period": Text("Simulated period", "Simulerad period"),
    "report.period_value": Text(
        "{start} to {end} ({days} days)", "{start} till {end} ({days} dagar)"
    ),
    "report.people": Text("People", "Personer"),
    "report.seed": Text("Seed", "Slumpfrö"),
    "report.content_hash": Text("Scenario content hash", "Scenariots innehållshash"),
    "report.version": Text("etj_sim version", "etj_sim-version"),
    "report.made": Text("Report made", "Rapporten skapad"),
    "report.overrides": Text(
        "Values that differ from the defaults", "Värden som skiljer sig från standardvärdena"
    ),
    "report.no_overrides": Text("Every value is the default.", "Alla värden är standardvärden."),
    "report.headline": Text("Headline figures", "Nyckeltal"),
    "report.focus": Text("What this scenario shows", "Vad scenariot visar"),
    "report.effective": Text("Set versus measured", "Inställt mot uppmätt"),
    "report.workload": Text("Workload per clinic", "Arbetsbelastning per mottagning"),
    "report.staff_side": Text(
        "The staff side: forms, cases and register changes",
        "Personalens sida: formulär, ärenden och ändringar i registret",
    ),
    "report.staff_forms": Text("Forms to fill in", "Formulär att fylla i"),
    "report.staff_cases": Text(
        "Cases sent by staff (Skicka ärende)", "Ärenden som personalen skickat (Skicka ärende)"
    ),
    "report.register_refusals": Text(
        "Proxy refused after a change in the register",
        "Ombudskap nekat efter en ändring i folkbokföringen",
    ),
    "report.charts": Text("Charts", "Diagram"),
    "report.language": Text("Language", "Språk"),
    "report.unknown": Text("not recorded", "inte registrerat"),
    # comparison report
    "compare.title": Text("Scenario comparison", "Jämförelse av scenarier"),
    "compare.reference_note": Text(
        "Reference: {reference}. Differences are paired run by run where the seeds match"
        " (common random numbers); intervals are 95% t intervals.",
        "Referens: {reference}. Skillnaderna är parade körning för körning där slumpfröna"
        " stämmer (gemensamma slumptal); intervallen är 95 % t-intervall.",
    ),
    "compare.unpaired": Text(
        "no runs with matching seeds: difference of means, no interval",
        "inga körningar med samma slumpfrö: skillnad i medelvärden, utan intervall",
    ),
    "compare.runs_compared": Text("Runs compared", "Jämförda körningar"),
    # CLI
    "cli.metric": Text("measure", "mått"),
    "cli.value": Text("value", "värde"),
    "cli.unit": Text("unit", "enhet"),
    "cli.point": Text("design point", "designpunkt"),
    "cli.mean_interval": Text("mean (95% CI)", "medel (95 % KI)"),
    "cli.wrote": Text("wrote {folder}/ ({files})", "skrev {folder}/ ({files})"),
    "cli.reference": Text("reference", "referens"),
    "cli.scenario": Text("scenario", "scenario"),
    "cli.saving": Text("saving (mean)", "besparing (medel)"),
    "cli.interval": Text("95% CI", "95 % KI"),
    "cli.benefit_header": Text(
        "{scenario} against the reference {reference}: {pairs} paired replications of {people}"
        " people, {days} days, master seed {seed}",
        "{scenario} jämfört med referensen {reference}: {pairs} parade replikationer med {people}"
        " personer, {days} dagar, huvudslumpfrö {seed}",
    ),
    "cli.benefit_intro": Text(
        "Saved against the reference (reference minus scenario, mean of {pairs} pairs of runs"
        " with the same seed; a negative saving is a cost):",
        "Sparat jämfört med referensen (referensen minus scenariot, medel av {pairs} par av"
        " körningar med samma slumpfrö; en negativ besparing är en kostnad):",
    ),
    # notebook displays of what a person sees (etj_sim.display)
    "display.inbox": Text("Inbox of {name}", "Inkorg för {name}"),
    "display.inbox_by_proxy": Text(
        "Inbox of {name}, opened by {actor} as guardian (ombud)",
        "Inkorg för {name}, öppnad av {actor} som ombud",
    ),
    "display.inbox_empty": Text("The inbox is empty.", "Inkorgen är tom."),
    "display.unread_count": Text("{count} unread", "olästa: {count}"),
    "display.message": Text("Message {message}", "Meddelande {message}"),
    "display.subject": Text("Subject", "Ämne"),
    "display.from_clinic": Text("From", "Från"),
    "display.sent": Text("Sent", "Skickat"),
    "display.status": Text("Status", "Status"),
    "display.read": Text("read", "läst"),
    "display.unread": Text("unread", "oläst"),
    "display.read_by": Text("read {at} by {name}, {role}", "läst {at} av {name}, {role}"),
    "display.attachments": Text("Attachments", "Bilagor"),
    "display.no_attachments": Text("none", "inga"),
    "display.form": Text("Form", "Formulär"),
    "display.form_submitted": Text("submitted", "inskickat"),
    "display.form_waiting": Text("to fill in", "att fylla i"),
    "display.case": Text(
        "Case {case} (ärende): {eservice} at {clinic}", "Ärende {case}: {eservice} hos {clinic}"
    ),
    "display.case_number": Text("case {case} (ärende)", "ärende {case}"),
    "display.case_person": Text("For", "Gäller"),
    "display.case_started": Text("Started", "Startat"),
    "display.case_assigned": Text("Assigned to", "Tilldelat"),
    "display.case_unassigned": Text("nobody yet", "ingen än"),
    "display.case_state": Text("State", "Läge"),
    "display.case_opened_by_staff": Text(
        "sent by staff (Skicka ärende)", "skickat av personal (Skicka ärende)"
    ),
    "display.when": Text("When", "När"),
    "display.who": Text("Who", "Vem"),
    "display.text": Text("Text", "Text"),
    "display.form_answers": Text("Form answers", "Svar i formuläret"),
    "display.settings_heading": Text(
        "{name}: one citizen, three views", "{name}: en invånare, tre vyer"
    ),
    "display.settings_citizen": Text(
        "The citizen's settings (1177, R4)", "Invånarens inställningar (1177, R4)"
    ),
    "display.settings_staff": Text(
        "Staff tool, Skicka ärende (R20)", "Personalverktyget, Skicka ärende (R20)"
    ),
    "display.settings_record": Text("Health record system (R6)", "Journalsystemet (R6)"),
    "display.mobile": Text("Mobile", "Mobilnummer"),
    "display.email": Text("E-mail", "E-post"),
    "display.sms_alerts": Text("SMS alert (avisering)", "Avisering via sms"),
    "display.email_alerts": Text("E-mail alert (avisering)", "Avisering via e-post"),
    "display.shared": Text("shared with healthcare", "delas med vården"),
    "display.not_shared": Text("not shared with healthcare", "delas inte med vården"),
    "display.whose_contact": Text("belongs to {name}", "tillhör {name}"),
    "display.yes": Text("yes", "ja"),
    "display.no": Text("no", "nej"),
    "display.none": Text("none", "inget"),
    "display.account_active": Text("Account active", "Aktivt konto"),
    "display.shared_mobile": Text("Shared mobile", "Delat mobilnummer"),
    "display.shared_email": Text("Shared e-mail", "Delad e-postadress"),
    "display.personal_number": Text("Personal number", "Personnummer"),
    "display.name": Text("Name", "Namn"),
    "display.address": Text("Address", "Adress"),
    "display.record_no_alerts": Text(
        "The record has no alert fields.", "Journalen har inga aviseringsfält."
    ),
    "display.alerts_heading": Text("Alerts (aviseringar) for {name}", "Aviseringar för {name}"),
    "display.alerts_none": Text("No alert was sent.", "Ingen avisering skickades."),
    "display.alert_to": Text(
        "{channel} to {name} ({destination}), {at}", "{channel} till {name} ({destination}), {at}"
    ),
    "display.alert_subject": Text("Subject: {subject}", "Ämne: {subject}"),
    "display.read_status": Text(
        "Read status of message {message} to {name}",
        "Lässtatus för meddelande {message} till {name}",
    ),
    "display.read_status_unread": Text("Not read yet.", "Inte läst än."),
    "display.refusal": Text("Refused", "Nekad"),
    "display.rule": Text("Rule", "Regel"),
    "display.reason": Text("Reason", "Orsak"),
    "display.details": Text("What the service says", "Vad tjänsten säger"),
    "display.timeline_person": Text("Timeline of {name}", "Tidslinje för {name}"),
    "display.timeline_case": Text("Timeline of case {case}", "Tidslinje för ärende {case}"),
    "display.timeline_empty": Text("No event in the log.", "Ingen händelse i loggen."),
    "display.event": Text("Event", "Händelse"),
    "display.actor": Text("Actor", "Aktör"),
    "display.channel": Text("Channel", "Kanal"),
    "display.clinic": Text("Clinic", "Mottagning"),
    "display.about": Text("About", "Gäller"),
    "display.person": Text("person {id}", "person {id}"),
    "display.staff_member": Text("staff member {id}", "medarbetare {id}"),
    "display.clinic_id": Text("clinic {id}", "mottagning {id}"),
    "refusal.LoginRefused": Text("The login was refused.", "Inloggningen nekades."),
    "refusal.ProxyRefused": Text(
        "The guardian cannot act for this child (ombud) now.",
        "Vårdnadshavaren kan inte vara ombud för barnet nu.",
    ),
    "refusal.AccountNotActive": Text(
        "The person has not activated the e-services.", "Personen har inte aktiverat e-tjänsterna."
    ),
    "refusal.NotAccountHolder": Text(
        "Only the account holder acts in an account.", "Bara kontoinnehavaren agerar i kontot."
    ),
    "refusal.SettingsNotEditable": Text(
        "These details cannot be changed here.", "Uppgifterna kan inte ändras här."
    ),
    "refusal.AccessDenied": Text(
        "Staff act only on their own clinic's cases.",
        "Personal hanterar bara den egna mottagningens ärenden.",
    ),
    "refusal.AttachmentRefused": Text(
        "The service does not accept this attachment.", "Tjänsten tar inte emot bilagan."
    ),
    "refusal.FormAnswersInvalid": Text(
        "The answers do not fit the form.", "Svaren passar inte formuläret."
    ),
    "refusal.InvalidPersonalNumber": Text(
        "That personal number cannot exist.", "Personnumret kan inte finnas."
    ),
    "refusal.ClinicNotActivated": Text(
        "The clinic is not activated in the staff tool.",
        "Mottagningen är inte ansluten i personalverktyget.",
    ),
    "refusal.InvalidOperation": Text(
        "The service does not allow this.", "Tjänsten tillåter inte det här."
    ),
    "refusal.DomainError": Text("The service refused.", "Tjänsten nekade."),
}
"""Every phrase of the outputs, keyed ``area.name``; a ``{name}`` is filled by :func:`phrase`."""


def phrase(key: str, lang: Language, **values: object) -> str:
    """The phrase ``key`` in ``lang``, with ``{name}`` placeholders filled from ``values``.

    An unknown key is a KeyError naming it: a missing translation must fail a test, not
    appear as a blank in a report.
    """
    try:
        text = PHRASES[key]
    except KeyError:
        raise KeyError(f"no phrase {key!r} in etj_sim.i18n.PHRASES") from None
    words = text.of(lang)
    return words.format(**values) if values else words

"""The words of the planner's dashboard in Swedish and English.

Pipeline position: beside the app (the last stage). The page's own words (lever names, buttons,
progress) live here as :class:`etj_sim.i18n.Text`, in the same two languages as every other output;
numbers, units, staff roles and chart words come from :mod:`etj_sim.i18n` itself, so the page
writes ``47,5 %`` in Swedish and ``47.5%`` in English through Babel like the report does.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from etj_sim.i18n import Language, Text

__all__ = ["APP_PHRASES", "app_phrase"]

APP_PHRASES: Final[Mapping[str, Text]] = {
    "title": Text("etj_sim: what if?", "etj_sim: tänk om?"),
    "intro": Text(
        "Pick a scenario, move a lever: the area is simulated again and the figures redrawn."
        " Replications with the same random numbers then tell the change from chance.",
        "Välj ett scenario och flytta ett reglage: området simuleras igen och siffrorna ritas om."
        " Upprepningar med samma slumptal skiljer sedan förändringen från slumpen.",
    ),
    "scenario": Text("Scenario", "Scenario"),
    "shipped": Text("Shipped scenario", "Medföljande scenario"),
    "upload": Text(
        "Or drop a scenario file (.toml, at most {limit}) here",
        "Eller släpp en scenariofil (.toml, högst {limit}) här",
    ),
    "uploaded": Text("Uploaded: {name}", "Uppladdad: {name}"),
    "upload_problems": Text(
        "{name} was not run: {count} problem(s) to fix",
        "{name} kördes inte: {count} problem att rätta",
    ),
    "use_shipped": Text(
        "Back to the shipped scenarios", "Tillbaka till de medföljande scenarierna"
    ),
    "size": Text("Size", "Storlek"),
    "size.town": Text("Town (20,000 people, 60 days)", "Ort (20 000 personer, 60 dagar)"),
    "size.municipality": Text(
        "Municipality (50,000 people, 90 days)", "Kommun (50 000 personer, 90 dagar)"
    ),
    "size.region_sample": Text(
        "Region sample (200,000 people, Stockholm ages, 90 days)",
        "Regionurval (200 000 personer, Stockholms åldrar, 90 dagar)",
    ),
    "size.scenario": Text("As in the scenario file", "Som i scenariofilen"),
    "size_now": Text(
        "{people} people, {clinics} clinics, {days} days",
        "{people} personer, {clinics} mottagningar, {days} dagar",
    ),
    "levers": Text("Levers", "Reglage"),
    "baseline": Text("baseline {value}", "utgångsläge {value}"),
    "reset": Text("Back to the baseline", "Tillbaka till utgångsläget"),
    "lever.alert_opt_in_share": Text(
        "Accounts with alerts at the start (% of active accounts)",
        "Konton med avisering vid start (% av aktiva konton)",
    ),
    "lever.opt_in_nudge_share": Text(
        "Alert nudge: turn alerts on when asked at login (% per login)",
        "Knuff: slår på avisering när de tillfrågas vid inloggning (% per inloggning)",
    ),
    "lever.staff": Text(
        "{role}s per clinic on e-service duty (staff)",
        "{role} per mottagning i e-tjänsten (personer)",
    ),
    "lever.digital_notice_share": Text(
        "Appointment notices sent digitally (% of notices)",
        "Kallelser som skickas digitalt (% av kallelserna)",
    ),
    "lever.campaign": Text("Mass mailing (campaign)", "Massutskick (kampanj)"),
    "lever.campaign_day": Text("Campaign day (day of the run)", "Utskicksdag (dag i perioden)"),
    "lever.campaign_age_group": Text("Age group addressed (years)", "Åldersgrupp (år)"),
    "age.all": Text("everyone", "alla"),
    "lever.notice_policy": Text("Notice policy (kallelser)", "Policy för kallelser"),
    "notice_policy.digital": Text("Digital only", "Endast digitalt"),
    "notice_policy.fallback": Text("Paper if unread", "Papper om oläst"),
    "notice_policy.complement": Text("Paper also for groups", "Papper även för grupper"),
    "notice_policy.paper_only": Text("Paper only", "Endast papper"),
    "notice_policy.custom": Text("The scenario's own", "Scenariots egen"),
    "notice_policy.help": Text(
        "Digital notices with a letter if unread after the hours below (Karolinska: 48), or"
        " beside the digital one for people without an account or alerts, aged 13-17 or with a"
        " samordningsnummer (Region Jönköping).",
        "Digitala kallelser med brev om de är olästa efter timmarna nedan (Karolinska: 48),"
        " eller brev vid sidan av den digitala till personer utan konto eller avisering, 13-17"
        " år eller med samordningsnummer (Region Jönköping).",
    ),
    "lever.fallback_after_hours": Text(
        "Letter when a digital notice is still unread after (hours)",
        "Brev när en digital kallelse fortfarande är oläst efter (timmar)",
    ),
    "run": Text("Run again", "Kör igen"),
    "stage.waiting": Text("Waiting for the run before to finish", "Väntar på körningen innan"),
    "stage.simulating": Text("Simulating the area", "Simulerar området"),
    "stage.measuring": Text("Measuring", "Mäter"),
    "stage.drawing": Text("Drawing the charts", "Ritar diagrammen"),
    "ran_in": Text(
        "{name} ({hash}): simulated, measured and drawn in {seconds} s (seed {seed})",
        "{name} ({hash}): simulerat, mätt och ritat på {seconds} s (slumpfrö {seed})",
    ),
    "headline": Text("Headline figures", "Nyckeltal"),
    "change": Text("Change against the reference", "Förändring mot referensen"),
    "change_note": Text(
        "Reference: the scenario at this size with its own values. {done} of {total} paired"
        " replications done (common random numbers); 95% intervals.",
        "Referens: scenariot i denna storlek med sina egna värden. {done} av {total} parade"
        " upprepningar klara (gemensamma slumptal); 95 % intervall.",
    ),
    "change_none": Text(
        "No lever differs from the reference: move one to see the change.",
        "Inget reglage skiljer sig från referensen: flytta ett för att se förändringen.",
    ),
    "change_value": Text("{change} ({low} to {high})", "{change} ({low} till {high})"),
    "change_single": Text("{change} (interval after 2 pairs)", "{change} (intervall efter 2 par)"),
    "cancel": Text("Stop the replications", "Stoppa upprepningarna"),
    "cancelled": Text("Replications stopped.", "Upprepningarna stoppade."),
    "failed_runs": Text("Runs that failed: {failures}", "Körningar som misslyckades: {failures}"),
    "charts": Text("Charts", "Diagram"),
    "downloads": Text("Downloads", "Nedladdningar"),
    "download.report": Text("Report (HTML)", "Rapport (HTML)"),
    "download.tables": Text("Tables (Excel)", "Tabeller (Excel)"),
    "download.scenario": Text("Scenario (TOML)", "Scenario (TOML)"),
    "run_error": Text("The run failed: {error}", "Körningen misslyckades: {error}"),
}
"""The dashboard's own words by key; :func:`app_phrase` fills their ``{name}`` placeholders."""


def app_phrase(key: str, lang: Language, **values: object) -> str:
    """The page's phrase ``key`` in ``lang``; an unknown key is a KeyError naming it."""
    try:
        text = APP_PHRASES[key]
    except KeyError:
        raise KeyError(f"no phrase {key!r} in etj_sim.app.phrases.APP_PHRASES") from None
    words = text.of(lang)
    return words.format(**values) if values else words

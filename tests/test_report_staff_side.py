"""The report's staff side (issue 13): forms submitted, cases staff sent answered by the citizen,
proxy refused after a register change.

Pipeline position: tests of ``event log -> etj_sim.metrics.staff_side -> etj_sim.report`` (HTML
only, no browser: the layout tests of the report are in tests/test_report.py). The figures are
checked against the metric functions on a small simulated run, and against numbers worked out
by hand on a hand-made log.
"""

from __future__ import annotations

import html
import re
import sys
from datetime import date
from pathlib import Path

import polars as pl
import pytest

sys.path.insert(0, str(Path(__file__).parent / "metrics"))
from metric_builders import context, day_of_work, minutes, population

from etj_sim.domain.catalogue import Catalogue
from etj_sim.events import ActorRole, Channel, Event, Kind, Reason
from etj_sim.i18n import (
    Language,
    format_integer,
    format_percent,
    format_quantity,
    phrase,
    term,
)
from etj_sim.metrics import (
    MetricContext,
    form_completion,
    register_change_refusals,
    staff_case_answers,
)
from etj_sim.report import write_report, write_result_report
from etj_sim.scenario import Scenario
from etj_sim.simulation import SimulationResult, simulate

LANGS: tuple[Language, ...] = ("sv", "en")
NBSP = "\u00a0"
SMALL = Scenario(name="staff side", duration_days=30).with_overrides(
    {"population.size": 3_000, "clinics.count": 1}
)
CONTEXT = context(days=30)
PEOPLE = population([date(1980, 1, 1)] * 20 + [date(2018, 1, 1), date(1985, 1, 1)] * 3)


def _staff_side(page: str) -> str:
    """The staff side of a report page: from its heading to the next section heading."""
    start = page.index("<h2>", page.index("data-staff='forms'") - 300)
    return page[start : page.index("<h2>", start + 4)]


def _subsection(section: str, name: str) -> str:
    return section.split(f"data-staff='{name}'", 1)[1].split("</section>", 1)[0]


def _rows(part: str) -> list[list[str]]:
    """The body rows of the table in ``part``, each cell as plain text."""
    body = part.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return [
        [
            html.unescape(re.sub(r"<[^>]+>", "", cell))
            for cell in re.findall(r"<td[^>]*>(.*?)</td>", row)
        ]
        for row in re.findall(r"<tr>(.*?)</tr>", body)
    ]


def _texts(part: str) -> list[str]:
    return [html.unescape(text).strip() for text in re.findall(r">([^<]+)<", part) if text.strip()]


# -- a small simulated run ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def result() -> SimulationResult:
    return simulate(SMALL, 1)


@pytest.fixture(scope="module")
def pages(result: SimulationResult, tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    return {
        lang: write_result_report(
            result, tmp_path_factory.mktemp(f"staff-{lang}"), png=False, lang=lang
        ).read_text(encoding="utf-8")
        for lang in LANGS
    }


@pytest.mark.parametrize("lang", LANGS)
def test_the_section_shows_the_metrics_of_the_run(
    result: SimulationResult, pages: dict[str, str], lang: Language
) -> None:
    section = _staff_side(pages[lang])
    assert section.startswith(f"<h2>{html.escape(phrase('report.staff_side', lang))}</h2>")
    run_context = MetricContext.from_scenario(SMALL)
    forms = form_completion(result.events, run_context)
    assert forms.height
    assert forms["forms_sent"].sum() > 0
    assert _rows(_subsection(section, "forms")) == [
        [
            phrase("table.standard_form", lang, form=row["form"]),
            format_integer(row["forms_sent"], lang),
            format_integer(row["forms_counted"], lang),
            format_integer(row["submitted_within"], lang),
            format_percent(row["completion_share"], lang),
            format_quantity(row["median_hours_to_submit"], "hours", lang),
        ]
        for row in forms.iter_rows(named=True)
    ]
    answers = staff_case_answers(result.events, run_context)
    assert answers["cases_opened"].min() > 0
    cases = _subsection(section, "cases")
    assert _rows(cases) == [
        [
            phrase("table.within_days", lang, days=format_integer(row["within_days"], lang)),
            format_integer(row["cases_opened"], lang),
            format_integer(row["answered"], lang),
            format_percent(row["answered_share"], lang),
        ]
        for row in answers.iter_rows(named=True)
    ]
    opened = result.events.filter(pl.col("event") == "staff_case_opened").height
    assert format_integer(opened, lang) in html.unescape(cases)
    refusals = register_change_refusals(result.events)
    register = html.unescape(_subsection(section, "register"))
    if refusals["refusals"].sum() == 0:
        assert "<table>" not in register
    ended = result.events.filter(pl.col("event") == "guardianship_ended").height
    assert format_integer(ended, lang) in register


# -- a hand-made log: the figures worked out by hand -------------------------------------------


def _hand_made_log() -> pl.DataFrame:
    """Three forms, four cases staff sent, three proxy refusals, in a run of 30 days."""
    builder = day_of_work()
    log = builder.log
    form, staff, clinic = Catalogue().standard_form, 1, 0
    # Forms: sent on days 1, 2 and 25; the first submitted after 6 hours, the third after 2
    # (delivered 5 days before the end, so outside the 14-day share), the second never.
    for message, day in ((10, 1), (11, 2), (12, 25)):
        log.record(
            minutes(day, 9), Event.MESSAGE_SENT, person=2, clinic=clinic, staff=staff,
            message=message, kind=Kind.FORM, form=form,
        )  # fmt: skip
    for message, day, hours in ((10, 1, 6), (12, 25, 2)):
        log.form_submitted(
            minutes(day, 9 + hours), 2, 2, ActorRole.CITIZEN, clinic, -1, message, Channel.WEB, form
        )
    # Cases: answered after 1 day, after 5 days, never; the fourth opened a day before the end.
    for case, day in ((5, 3), (6, 5), (7, 6), (8, 29)):
        log.staff_case_opened(minutes(day, 10), 3, clinic, staff, case, Kind.QUESTION)
    for case, day in ((5, 4), (6, 10)):
        log.citizen_replied(
            minutes(day, 10), 3, 3, ActorRole.CITIZEN, clinic, case, Channel.APP, Kind.REPLY
        )
    # Register: child 20 protected on day 2 and refused on day 3; guardian 21 of child 22 left
    # the custody on day 4 and was refused on day 5; child 24 was protected from the start.
    log.protection_granted(minutes(2, 6), 20)
    builder.proxy_refused(minutes(3, 12), 20, 21, Reason.PROTECTED_CHILD)
    log.guardianship_ended(minutes(4, 6), 22, 21)
    builder.proxy_refused(minutes(5, 12), 22, 21, Reason.NOT_GUARDIAN)
    builder.proxy_refused(minutes(6, 12), 24, 25, Reason.PROTECTED_CHILD)
    return builder.frame()


def _write(events: pl.DataFrame, folder: Path, lang: Language) -> str:
    return write_report(
        folder / lang,
        scenario_name="staff side",
        description="",
        events=events,
        population=PEOPLE,
        context=CONTEXT,
        png=False,
        lang=lang,
    ).read_text(encoding="utf-8")


def test_the_figures_of_a_hand_made_log(tmp_path: Path) -> None:
    events = _hand_made_log()
    expected = {
        "sv": (["50,0" + NBSP + "%", "4,0"], ["33,3" + NBSP + "%", "66,7" + NBSP + "%"]),
        "en": (["50.0%", "4.0"], ["33.3%", "66.7%"]),
    }
    for lang in LANGS:
        section = _staff_side(_write(events, tmp_path, lang))
        (form_share, median), (within_2, within_7) = expected[lang]
        # 3 sent, 2 delivered at least 14 days before the end, 1 of them submitted in time;
        # the median of the two submitted (6 and 2 hours) is 4 hours.
        assert _rows(_subsection(section, "forms")) == [
            [phrase("table.standard_form", lang, form=0), "3", "2", "1", form_share, median]
        ]
        # Cases 5, 6, 7 opened at least 7 days before the end; 5 answered in 1 day, 6 in 5.
        cases = _subsection(section, "cases")
        assert _rows(cases) == [
            [phrase("table.within_days", lang, days="2"), "3", "1", within_2],
            [phrase("table.within_days", lang, days="7"), "3", "2", within_7],
        ]
        assert ": 4." in html.unescape(cases)  # four cases sent in all
        # Child 24's refusal comes from the register as it was at the start: not counted.
        register = _subsection(section, "register")
        assert _rows(register) == [
            [term("register_cause", "protection_granted_child", lang), "1", "1"],
            [term("register_cause", "protection_granted_guardian", lang), "0", "0"],
            [term("register_cause", "guardianship_ended", lang), "1", "1"],
        ]
        assert ": 2." in html.unescape(register)
    assert register_change_refusals(events)["refusals"].sum() == 2


def test_every_phrase_of_the_section_is_translated(tmp_path: Path) -> None:
    events = _hand_made_log()
    swedish, english = (_texts(_staff_side(_write(events, tmp_path, lang))) for lang in LANGS)
    assert len(swedish) == len(english)
    worded = [text for text in english if re.search(r"[A-Za-z]{4,}", text)]
    assert len(worded) > 20
    assert [text for text in worded if text in swedish] == []


def test_a_run_with_no_staff_side_says_so(tmp_path: Path) -> None:
    for lang, words in (
        ("sv", ("Inget formulär", "Personalen skickade inget ärende", "Inget ombudskap nekades")),
        ("en", ("No form was sent", "Staff sent no case", "No proxy attempt was refused")),
    ):
        section = _staff_side(_write(day_of_work().frame(), tmp_path, lang))
        for name, word in zip(("forms", "cases", "register"), words, strict=True):
            part = _subsection(section, name)
            assert word in part
            assert "<table>" not in part


def test_the_standard_form_is_the_first_of_the_catalogue() -> None:
    assert Catalogue().standard_form == 0

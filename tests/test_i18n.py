"""Languages: phrase lookup in both languages and Babel's number and date formats."""

from __future__ import annotations

import re
from datetime import date

import pytest

from etj_sim import i18n
from etj_sim.i18n import (
    LANGUAGES,
    PHRASES,
    check_language,
    format_date,
    format_difference,
    format_integer,
    format_number,
    format_percent,
    format_quantity,
    phrase,
    term,
    vega_format_locale,
    vega_time_format_locale,
    weekday_names,
)

NBSP = "\u00a0"


def test_every_phrase_is_given_in_both_languages_with_the_same_placeholders() -> None:
    for key, text in PHRASES.items():
        assert text.en.strip(), key
        assert text.sv.strip(), key
        assert set(re.findall(r"{(\w+)}", text.en)) == set(re.findall(r"{(\w+)}", text.sv)), key


def test_phrase_fills_placeholders_and_unknown_keys_fail() -> None:
    assert phrase("report.title", "sv", name="baslinje") == "baslinje: simuleringsrapport"
    assert phrase("report.title", "en", name="baseline").startswith("baseline:")
    with pytest.raises(KeyError, match=r"report\.nothing"):
        phrase("report.nothing", "en")


def test_check_language() -> None:
    assert [check_language(value) for value in ("sv", "en")] == list(LANGUAGES)
    with pytest.raises(ValueError, match=r"--lang: unknown language 'de'; choose one of sv, en"):
        check_language("de", where="--lang")


def test_numbers_the_swedish_and_the_english_way() -> None:
    assert format_integer(12345, "sv") == f"12{NBSP}345"
    assert format_integer(12345, "en") == "12,345"
    assert format_number(12345.678, "sv", decimals=1) == f"12{NBSP}345,7"
    assert format_number(12345.678, "en", decimals=2) == "12,345.68"
    assert format_percent(0.4753, "sv") == f"47,5{NBSP}%"
    assert format_percent(0.4753, "en") == "47.5%"
    assert format_percent(None, "en") == i18n.MISSING
    assert format_number(float("nan"), "sv") == i18n.MISSING


def test_quantities_by_unit_and_differences() -> None:
    assert format_quantity(0.85, "share", "en") == "85.0%"
    assert format_quantity(1234, "cases", "sv") == f"1{NBSP}234"
    assert format_quantity(3.14159, "hours", "sv") == "3,1"
    assert format_difference(0.012, "share", "en") == "+1.2 pp"
    assert format_difference(-0.012, "share", "sv") == "-1,2 procentenheter"
    assert format_difference(-2.5, "hours", "en") == "-2.5"


def test_dates_and_weekdays() -> None:
    assert format_date(date(2026, 1, 5), "sv") == "5 januari 2026"
    assert format_date(date(2026, 1, 5), "en") == "5 January 2026"
    assert weekday_names("sv", width="wide")[0] == "måndag"
    assert weekday_names("en")[6] == "Sun"


def test_chart_locales_follow_babel() -> None:
    swedish = vega_format_locale("sv")
    assert (swedish["decimal"], swedish["thousands"]) == (",", NBSP)
    assert vega_format_locale("en")["decimal"] == "."
    time_locale = vega_time_format_locale("sv")
    assert time_locale["days"][0] == "söndag"
    assert time_locale["months"][0] == "januari"


def test_terms_fall_back_to_the_value() -> None:
    assert term("alert_status", "email", "sv") == "e-post"
    assert term("alert_status", "carrier_pigeon", "sv") == "carrier_pigeon"


def test_every_fixed_value_has_a_name_in_both_languages() -> None:
    from etj_sim.metrics import ALERT_STATUSES, FUNNEL_STAGES
    from etj_sim.scenario import STAFF_ROLES

    for kind, values in (
        ("alert_status", ALERT_STATUSES),
        ("funnel", FUNNEL_STAGES),
        ("role", STAFF_ROLES),
        ("channel", ("digital", "paper")),
    ):
        for value in values:
            assert f"{kind}.{value}" in i18n.TERMS, (kind, value)

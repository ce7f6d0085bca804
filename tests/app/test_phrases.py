"""The page's words (``etj_sim.app.phrases``): both languages, the same placeholders."""

from __future__ import annotations

import string

import pytest

from etj_sim.app.phrases import APP_PHRASES, app_phrase


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


@pytest.mark.parametrize("key", sorted(APP_PHRASES))
def test_phrase_has_both_languages_with_the_same_placeholders(key: str) -> None:
    text = APP_PHRASES[key]
    assert text.en.strip()
    assert text.sv.strip()
    assert text.en != text.sv or key in {"scenario", "download.scenario"}
    assert placeholders(text.en) == placeholders(text.sv)


def test_phrase_fills_its_placeholders_and_names_an_unknown_key() -> None:
    assert app_phrase("uploaded", "sv", name="a.toml") == "Uppladdad: a.toml"
    with pytest.raises(KeyError, match="no_such_phrase"):
        app_phrase("no_such_phrase", "en")

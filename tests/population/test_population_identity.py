"""Personal numbers of generated people: valid, unique, consistent with birth date, sex and kind."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from etj_sim.domain.identity import PersonalNumber, PersonalNumberKind, Sex
from etj_sim.population import Population, synthesize_population
from etj_sim.population.personal_numbers import (
    birth_dates_for_ages,
    calendar_parts,
    draw_serials,
)
from etj_sim.population.text import digit_matrix, fixed_width_strings
from etj_sim.scenario import PopulationSection, Scenario


def assert_personal_numbers_valid(population: Population, reference: date) -> None:
    people = population.people
    assert people["personal_number"].n_unique() == people.height
    assert people["personal_number_int"].n_unique() == people.height
    for row in people.select(
        "personal_number", "personal_number_int", "birth_date", "sex", "number_kind"
    ).iter_rows():
        text, as_int, birth_date, sex, kind = row
        number = PersonalNumber.parse(text, today=reference)
        assert number.canonical == text
        assert number.as_int == as_int
        assert number.birth_date == birth_date
        assert number.sex == Sex(sex)
        assert number.kind == PersonalNumberKind(kind)


def test_every_personal_number_parses_and_matches_its_columns(
    population_20k: Population, scenario_20k: Scenario
) -> None:
    assert_personal_numbers_valid(population_20k, scenario_20k.start_date)


def test_samordningsnummer_has_day_plus_60(population_20k: Population) -> None:
    coordination = population_20k.people.filter(pl.col("number_kind") == "samordningsnummer")
    assert coordination.height > 0
    written_day = coordination["personal_number"].str.slice(6, 2).cast(pl.Int32)
    assert (written_day == coordination["birth_date"].dt.day().cast(pl.Int32) + 60).all()


def test_ten_digit_form_of_the_oldest_uses_plus(population_100k: Population) -> None:
    people = population_100k.people
    start = date(2026, 1, 5)
    hundred = people.filter(pl.col("birth_date") <= date(start.year - 100, 12, 31))
    assert hundred.height > 0  # the 100+ tail of "Oldest ages" is drawn
    for text in hundred["personal_number"]:
        assert "+" in PersonalNumber.parse(text).ten_digit(start)


@settings(max_examples=15, deadline=None)
@given(
    seed=st.integers(min_value=0, max_value=2**32),
    size=st.integers(min_value=1, max_value=3_000),
    profile=st.sampled_from(["sweden", "stockholm_county"]),
)
def test_numbers_valid_and_unique_for_any_seed_and_size(seed: int, size: int, profile: str) -> None:
    scenario = Scenario(
        population=PopulationSection(size=size, profile=profile, samordningsnummer_share=0.2)
    )
    population = synthesize_population(scenario, seed)
    assert population.people.height == size
    assert_personal_numbers_valid(population, scenario.start_date)


@pytest.mark.parametrize("reference", [date(2026, 1, 5), date(2024, 2, 29), date(2026, 12, 31)])
def test_birth_dates_give_exactly_the_drawn_ages(reference: date) -> None:
    ages = np.repeat(np.arange(105, dtype=np.int16), 200)
    days = birth_dates_for_ages(ages, reference, np.random.default_rng(3))
    births = days.astype("datetime64[D]").astype(object)
    exact = [
        reference.year - born.year - ((reference.month, reference.day) < (born.month, born.day))
        for born in births
    ]
    assert exact == ages.tolist()


def test_serials_are_distinct_per_date_sex_and_kind_and_odd_for_men() -> None:
    rng = np.random.default_rng(5)
    size = 60_000
    days = rng.integers(0, 50, size=size).astype(np.int32)  # crowded: ~300 per group
    male = rng.random(size) < 0.5
    coordination = rng.random(size) < 0.5
    serials = draw_serials(days, male, coordination, rng)
    assert ((serials % 2 == 1) == male).all()
    assert ((serials >= 0) & (serials <= 999)).all()
    keys = ((days.astype(np.int64) * 2 + male) * 2 + coordination) * 1000 + serials
    assert np.unique(keys).size == size


def test_serials_refuse_more_than_500_on_one_day() -> None:
    size = 501
    with pytest.raises(ValueError, match=r"population\.size: more than 500 people"):
        draw_serials(
            np.zeros(size, dtype=np.int32),
            np.ones(size, dtype=bool),
            np.zeros(size, dtype=bool),
            np.random.default_rng(0),
        )


def test_calendar_parts_agree_with_datetime() -> None:
    days = np.arange(-80_000, 40_000, 7, dtype=np.int32)  # 1750 .. 2079, leap days included
    year, month, day = calendar_parts(days)
    epoch = date(1970, 1, 1)
    expected = [epoch + timedelta(days=int(offset)) for offset in days]
    assert [date(int(y), int(m), int(d)) for y, m, d in zip(year, month, day, strict=True)] == (
        expected
    )


def test_digit_matrix_pads_with_zeros() -> None:
    values = np.array([0, 7, 1234, 98_765_432_109], dtype=np.int64)
    text = fixed_width_strings([digit_matrix(values, 11), "|"], "text")
    assert text.to_list() == ["00000000000|", "00000000007|", "00000001234|", "98765432109|"]

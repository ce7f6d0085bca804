"""Tests of etj_sim.domain.identity: personnummer and samordningsnummer rules and forms."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import numpy as np
import pytest
from hypothesis import assume, example, given
from hypothesis import strategies as st
from hypothesis.extra import numpy as numpy_strategies

from etj_sim.domain.errors import DomainError, InvalidPersonalNumber
from etj_sim.domain.identity import (
    PersonalNumber,
    PersonalNumberKind,
    Sex,
    luhn_check_digit,
    luhn_check_digits,
)

TODAY = date(2026, 11, 25)

birth_dates = st.dates(min_value=date(1800, 1, 1), max_value=date(2199, 12, 31))
serials = st.integers(min_value=0, max_value=999)
personal_numbers = st.builds(
    PersonalNumber.from_parts, birth_dates, serials, coordination=st.booleans()
)


@st.composite
def numbers_with_today(draw: st.DrawFn) -> tuple[PersonalNumber, date]:
    """A number and a 'today' on or after the birth, less than 200 calendar years later.

    Under 200 years the 10-digit form is unambiguous (two centuries: '-' and '+').
    """
    number = draw(personal_numbers)
    days_lived = draw(st.integers(min_value=0, max_value=200 * 366))
    today = number.birth_date + timedelta(days=days_lived)
    assume(today.year - number.birth_date.year < 200)
    return number, today


def reference_luhn_is_valid(ten_digits: str) -> bool:
    """Textbook Luhn validity over the whole 10-digit number, right to left (independent)."""
    total = 0
    for position_from_right, character in enumerate(reversed(ten_digits)):
        digit = int(character)
        if position_from_right % 2 == 1:
            digit *= 2
            if digit > 9:
                digit -= 9
        total += digit
    return total % 10 == 0


def written_forms(number: PersonalNumber, today: date) -> list[str]:
    """Every accepted way to write ``number`` on ``today``, built from the rules, not the code."""
    birth = number.birth_date
    day = birth.day + (60 if number.kind is PersonalNumberKind.SAMORDNINGSNUMMER else 0)
    date_part = f"{birth.month:02d}{day:02d}"
    tail = f"{number.serial:03d}{number.check_digit}"
    forms = [f"{birth.year:04d}{date_part}-{tail}", f"{birth.year:04d}{date_part}{tail}"]
    short = f"{birth.year % 100:02d}{date_part}"
    if today.year - birth.year >= 100:
        forms.append(f"{short}+{tail}")
    else:
        forms += [f"{short}-{tail}", f"{short}{tail}"]
    return forms


def assert_rejected(text: str, *, today: date = TODAY, mentions: str = "") -> str:
    with pytest.raises(InvalidPersonalNumber) as caught:
        PersonalNumber.parse(text, today=today)
    assert isinstance(caught.value, ValueError)
    assert isinstance(caught.value, DomainError)
    message = str(caught.value)
    assert repr(text) in message
    assert mentions in message
    return message


# --- Luhn check digit ---------------------------------------------------------------------------


def test_luhn_check_digit_of_skatteverket_example_811218_9876() -> None:
    assert luhn_check_digit("811218987") == 6


@given(st.text(alphabet="0123456789", min_size=9, max_size=9))
def test_luhn_check_digit_makes_the_ten_digits_pass_textbook_luhn(nine_digits: str) -> None:
    check_digit = luhn_check_digit(nine_digits)
    assert 0 <= check_digit <= 9
    assert reference_luhn_is_valid(nine_digits + str(check_digit))
    wrong = (check_digit + 1) % 10
    assert not reference_luhn_is_valid(nine_digits + str(wrong))


@pytest.mark.parametrize("nine_digits", ["", "12345678", "1234567890", "12345678a", "١٢٣٤٥٦٧٨٩"])
def test_luhn_check_digit_rejects_anything_but_nine_ascii_digits(nine_digits: str) -> None:
    with pytest.raises(ValueError, match="nine digits"):
        luhn_check_digit(nine_digits)


@given(
    numpy_strategies.arrays(
        np.int64,
        st.integers(min_value=0, max_value=200),
        elements=st.integers(min_value=0, max_value=999_999_999),
    )
)
@example(np.array([0, 999_999_999, 811_218_987, 701_063_239], dtype=np.int64))
def test_vectorised_luhn_check_digits_equal_the_scalar_function(numbers: np.ndarray) -> None:
    check_digits = luhn_check_digits(numbers)
    assert check_digits.dtype == np.int8
    assert check_digits.shape == numbers.shape
    expected = [luhn_check_digit(f"{int(number):09d}") for number in numbers]
    assert check_digits.tolist() == expected


def test_vectorised_luhn_check_digits_keep_two_dimensional_shape_and_accept_int32() -> None:
    numbers = np.array([[811_218_987, 701_063_239], [1, 2]], dtype=np.int32)
    check_digits = luhn_check_digits(numbers)
    assert check_digits.shape == (2, 2)
    expected = [[luhn_check_digit(f"{int(n):09d}") for n in row] for row in numbers]
    assert check_digits.tolist() == expected


@pytest.mark.parametrize("bad_value", [-1, 1_000_000_000])
def test_vectorised_luhn_check_digits_reject_values_outside_nine_digits(bad_value: int) -> None:
    numbers = np.array([811_218_987, bad_value], dtype=np.int64)
    with pytest.raises(ValueError, match=rf"value {bad_value} at index \(1,\)"):
        luhn_check_digits(numbers)


def test_vectorised_luhn_check_digits_reject_float_arrays() -> None:
    with pytest.raises(ValueError, match="integer array"):
        luhn_check_digits(np.array([811_218_987.0]))


# --- Round trips through every written form -----------------------------------------------------


@given(numbers_with_today())
def test_every_written_form_parses_to_the_same_canonical_number(
    case: tuple[PersonalNumber, date],
) -> None:
    number, today = case
    for text in written_forms(number, today):
        parsed = PersonalNumber.parse(text, today=today)
        assert parsed == number, text
        assert parsed.canonical == number.canonical
        assert hash(parsed) == hash(number)


@given(numbers_with_today())
def test_ten_digit_form_round_trips_with_plus_from_the_year_of_turning_100(
    case: tuple[PersonalNumber, date],
) -> None:
    number, today = case
    text = number.ten_digit(today)
    assert text[6] == ("+" if today.year - number.birth_date.year >= 100 else "-")
    assert PersonalNumber.parse(text, today=today) == number


@given(personal_numbers)
def test_canonical_as_int_and_str_agree(number: PersonalNumber) -> None:
    canonical = number.canonical
    assert len(canonical) == 13
    assert canonical[8] == "-"
    assert str(number) == canonical
    assert number.as_int == int(canonical.replace("-", ""))
    assert PersonalNumber.parse(f"{number.as_int:012d}") == number
    assert eval(repr(number)) == number


@given(personal_numbers)
def test_check_digit_is_luhn_over_the_ten_digit_part_in_the_twelve_digit_form(
    number: PersonalNumber,
) -> None:
    ten_digits = number.canonical.replace("-", "")[2:]
    assert reference_luhn_is_valid(ten_digits)


# --- Rejections ---------------------------------------------------------------------------------


@given(numbers_with_today(), st.integers(min_value=1, max_value=9))
def test_corrupted_check_digit_is_rejected_naming_the_expected_digit(
    case: tuple[PersonalNumber, date], shift: int
) -> None:
    number, today = case
    for text in written_forms(number, today):
        wrong = (number.check_digit + shift) % 10
        corrupted = text[:-1] + str(wrong)
        message = assert_rejected(corrupted, today=today, mentions="bad check digit")
        assert f"expected {number.check_digit}" in message


@pytest.mark.parametrize(
    ("text", "mentions"),
    [
        ("851322-1234", "month 13 does not exist"),
        ("850022-1234", "month 00 does not exist"),
        ("850732-1234", "day 32 is neither a calendar day"),
        ("850700-1234", "day 00 is neither"),
        ("850760-1234", "day 60 is neither"),
        ("850792-1234", "day 92 is neither"),
        ("850431-1234", "impossible date 1985-04-31"),
        ("19850431-1234", "impossible date 1985-04-31"),
        ("850291-1234", "co-ordination day 91 is not valid: 1985-02-31"),
        ("19000229-1234", "impossible date 1900-02-29"),
        ("00000101-1234", "impossible date 0000-01-01"),
    ],
)
def test_impossible_dates_are_rejected_before_the_check_digit(text: str, mentions: str) -> None:
    assert_rejected(text, mentions=mentions)


@given(numbers_with_today(), st.sampled_from([2, 3, 4, 5]), st.integers(min_value=1, max_value=9))
def test_corrupted_date_digits_are_rejected(
    case: tuple[PersonalNumber, date], date_digit: int, shift: int
) -> None:
    """Any single change of a month or day digit breaks either the date or the Luhn digit."""
    number, today = case
    text = number.ten_digit(today)
    corrupted_digit = (int(text[date_digit]) + shift) % 10
    corrupted = text[:date_digit] + str(corrupted_digit) + text[date_digit + 1 :]
    assert_rejected(corrupted, today=today)


@pytest.mark.parametrize(
    ("text", "mentions"),
    [
        ("811218/9876", "separator '/' at position 7"),
        ("811218 9876", "separator ' ' at position 7"),
        ("811218_9876", "separator '_' at position 7"),
        ("19811218/9876", "separator '/' at position 9"),
        ("81121-89876", "separator '-' at position 6 is misplaced"),
        ("8112189876-", "separator '-' at position 11 is misplaced"),
        ("198112-189876", "separator '-' at position 7 is misplaced"),
        ("811218--876", "separator '-' at position 8 is misplaced"),
        ("19811218+9876", "'+' belongs to the 10-digit form only"),
    ],
)
def test_wrong_separators_are_rejected(text: str, mentions: str) -> None:
    assert_rejected(text, mentions=mentions)


@pytest.mark.parametrize(
    ("text", "mentions"),
    [
        ("", "0 characters"),
        ("81121898", "8 characters"),
        ("811218987", "9 characters"),
        ("81121898766", "11 digits"),
        ("1981121898766", "13 digits"),
        ("1981121-8-9876", "14 characters"),
        ("19811218-98765", "14 characters"),
        ("811218-987", "10 characters"),
        ("19811218-98", "11 characters"),
        (" 811218-9876 ", "non-digit ' ' at position 1"),
    ],
)
def test_wrong_lengths_are_rejected_naming_the_length(text: str, mentions: str) -> None:
    assert_rejected(text, mentions=mentions)


@pytest.mark.parametrize(
    ("text", "mentions"),
    [
        ("81121B-9876", "non-digit 'B' at position 6"),
        ("811218-98x6", "non-digit 'x' at position 10"),
        ("ABCDEF-GHIJ", "non-digit 'A' at position 1"),
        ("19811218-987O", "non-digit 'O' at position 13"),
        ("٨١١٢١٨-٩٨٧٦", "non-digit '٨' at position 1"),
        ("８１１２１８-９８７６", "non-digit"),
    ],
)
def test_letters_and_non_ascii_digits_are_rejected(text: str, mentions: str) -> None:
    assert_rejected(text, mentions=mentions)


def test_parse_refuses_non_text_with_type_error() -> None:
    with pytest.raises(TypeError, match="from str, got int"):
        PersonalNumber.parse(198112189876)  # type: ignore[arg-type]


def test_twelve_digit_birth_after_given_today_is_rejected_as_born_in_the_future() -> None:
    tomorrow = TODAY + timedelta(days=1)
    text = PersonalNumber.from_parts(tomorrow, 123).canonical
    assert_rejected(text, today=TODAY, mentions="born in the future")
    assert PersonalNumber.parse(text, today=tomorrow).birth_date == tomorrow


# --- Samordningsnummer (co-ordination numbers) --------------------------------------------------


def test_known_coordination_number_701063_2391() -> None:
    number = PersonalNumber.parse("701063-2391", today=TODAY)
    assert number.kind is PersonalNumberKind.SAMORDNINGSNUMMER
    assert number.birth_date == date(1970, 10, 3)
    assert number.sex is Sex.MALE
    assert number.canonical == "19701063-2391"
    assert number == PersonalNumber.from_parts(date(1970, 10, 3), 239, coordination=True)


@given(numbers_with_today())
def test_coordination_day_is_birth_day_plus_60_with_the_same_luhn_rule(
    case: tuple[PersonalNumber, date],
) -> None:
    number, today = case
    coordination = PersonalNumber.from_parts(number.birth_date, number.serial, coordination=True)
    text = coordination.ten_digit(today)
    assert int(text[4:6]) == number.birth_date.day + 60
    assert int(text[-1]) == luhn_check_digit(text[:6] + text[7:10])
    parsed = PersonalNumber.parse(text, today=today)
    assert parsed.kind is PersonalNumberKind.SAMORDNINGSNUMMER
    assert parsed.birth_date == number.birth_date
    assert parsed != PersonalNumber.from_parts(number.birth_date, number.serial)


def test_coordination_number_on_a_leap_day_follows_the_calendar() -> None:
    nine_digits = "000289123"
    text = f"{nine_digits[:6]}-{nine_digits[6:]}{luhn_check_digit(nine_digits)}"
    number = PersonalNumber.parse(text, today=TODAY)
    assert number.birth_date == date(2000, 2, 29)
    assert number.kind is PersonalNumberKind.SAMORDNINGSNUMMER
    assert_rejected("19" + text, mentions="co-ordination day 89 is not valid")
    assert_rejected(text, today=date(2000, 2, 28), mentions="1900-02-29")


# --- Sex from the 9th digit ---------------------------------------------------------------------


@given(personal_numbers)
def test_sex_is_male_for_odd_ninth_digit_and_female_for_even(number: PersonalNumber) -> None:
    ninth_digit = int(number.canonical[11])
    assert number.sex is (Sex.MALE if ninth_digit % 2 == 1 else Sex.FEMALE)


# --- Leap days ----------------------------------------------------------------------------------


def leap_day_text(year: int, serial: int = 123) -> str:
    nine_digits = f"{year % 100:02d}0229{serial:03d}"
    return f"{year:04d}0229-{serial:03d}{luhn_check_digit(nine_digits)}"


def test_leap_day_2000_02_29_is_valid_and_1900_02_29_is_not() -> None:
    assert PersonalNumber.parse(leap_day_text(2000)).birth_date == date(2000, 2, 29)
    assert PersonalNumber.parse(leap_day_text(2024)).birth_date == date(2024, 2, 29)
    assert_rejected(leap_day_text(1900), mentions="impossible date 1900-02-29")
    assert_rejected(leap_day_text(2023), mentions="impossible date 2023-02-29")


def test_ten_digit_leap_day_century_decides_validity() -> None:
    ten_digit_minus = leap_day_text(2000)[2:]
    assert PersonalNumber.parse(ten_digit_minus, today=TODAY).birth_date == date(2000, 2, 29)
    ten_digit_plus = ten_digit_minus.replace("-", "+")
    message = assert_rejected(ten_digit_plus, today=TODAY, mentions="1900-02-29")
    assert "century placed from today 2026-11-25, 100 or older" in message
    assert PersonalNumber.parse(ten_digit_plus, today=date(2100, 3, 1)).birth_date == date(
        2000, 2, 29
    )


def test_age_of_a_leap_day_birth_completes_on_1_march_in_common_years() -> None:
    number = PersonalNumber.from_parts(date(2012, 2, 29), 123)
    assert number.age_on(date(2025, 2, 28)) == 12
    assert number.age_on(date(2025, 3, 1)) == 13
    assert number.age_on(date(2028, 2, 29)) == 16


# --- The '+' form for 100 and older -------------------------------------------------------------


def test_plus_separator_from_the_start_of_the_year_the_person_turns_100() -> None:
    number = PersonalNumber.from_parts(date(1926, 12, 31), 123)
    assert number.ten_digit(date(2025, 12, 31))[6] == "-"
    assert number.ten_digit(date(2026, 1, 1))[6] == "+"
    assert number.age_on(date(2026, 1, 1)) == 99
    plus_form = number.ten_digit(TODAY)
    assert PersonalNumber.parse(plus_form, today=TODAY) == number


def test_plus_form_places_the_birth_a_century_earlier_than_the_minus_form() -> None:
    nine_digits = "200501123"
    check_digit = luhn_check_digit(nine_digits)
    minus = PersonalNumber.parse(f"200501-123{check_digit}", today=TODAY)
    plus = PersonalNumber.parse(f"200501+123{check_digit}", today=TODAY)
    assert minus.birth_date == date(2020, 5, 1)
    assert plus.birth_date == date(1920, 5, 1)
    assert plus.age_on(TODAY) == 106


def test_ten_digit_form_does_not_exist_before_birth() -> None:
    number = PersonalNumber.from_parts(TODAY, 123)
    assert number.ten_digit(TODAY)[6] == "-"
    with pytest.raises(InvalidPersonalNumber, match="after today"):
        number.ten_digit(TODAY - timedelta(days=1))


# --- Century placement respects `today` ---------------------------------------------------------


def ten_digit_text(two_digit_year: int, month: int, day: int, separator: str = "-") -> str:
    nine_digits = f"{two_digit_year:02d}{month:02d}{day:02d}123"
    return f"{nine_digits[:6]}{separator}123{luhn_check_digit(nine_digits)}"


def test_century_of_ten_digit_form_follows_the_given_today() -> None:
    text = ten_digit_text(5, 6, 1)
    assert PersonalNumber.parse(text, today=date(2026, 1, 1)).birth_date == date(2005, 6, 1)
    assert PersonalNumber.parse(text, today=date(2004, 6, 1)).birth_date == date(1905, 6, 1)
    assert PersonalNumber.parse(text, today=date(2105, 6, 1)).birth_date == date(2105, 6, 1)


def test_parse_accepts_a_datetime_as_today() -> None:
    text = ten_digit_text(26, 11, 26)
    moment = datetime(2026, 11, 26, 8, 30)
    assert PersonalNumber.parse(text, today=moment).birth_date == date(2026, 11, 26)
    twelve_digit = PersonalNumber.from_parts(date(2026, 11, 27), 123).canonical
    assert_rejected(twelve_digit, today=moment, mentions="born in the future")


def test_ten_digit_birthday_later_this_year_is_placed_a_century_back() -> None:
    text = ten_digit_text(26, 11, 26)
    assert PersonalNumber.parse(text, today=date(2026, 11, 26)).birth_date == date(2026, 11, 26)
    # Not born in the future: the most recent century before it (strictly '+', tolerated).
    assert PersonalNumber.parse(text, today=date(2026, 11, 25)).birth_date == date(1926, 11, 26)


def test_ten_digit_form_without_separator_reads_as_minus() -> None:
    text = ten_digit_text(20, 5, 1).replace("-", "")
    assert PersonalNumber.parse(text, today=TODAY).birth_date == date(2020, 5, 1)


def test_parse_defaults_today_to_the_wall_clock_date() -> None:
    wall_clock_today = date.today()
    text = ten_digit_text(wall_clock_today.year % 100, wall_clock_today.month, 1)
    assert PersonalNumber.parse(text).birth_date.year == wall_clock_today.year


@given(numbers_with_today())
def test_parsed_ten_digit_form_is_never_born_after_today(
    case: tuple[PersonalNumber, date],
) -> None:
    number, today = case
    parsed = PersonalNumber.parse(number.ten_digit(today), today=today)
    assert parsed.birth_date <= today
    assert 0 <= parsed.age_on(today) < 200


# --- Construction and ages ----------------------------------------------------------------------


@pytest.mark.parametrize("serial", [-1, 1000, True, 12.0])
def test_from_parts_rejects_serial_outside_three_digits(serial: object) -> None:
    with pytest.raises(InvalidPersonalNumber, match=r"serial must be an integer 0\.\.999"):
        PersonalNumber.from_parts(date(1985, 7, 22), serial)  # type: ignore[arg-type]


def test_from_parts_rejects_datetime_birth_date() -> None:
    with pytest.raises(InvalidPersonalNumber, match="got datetime"):
        PersonalNumber.from_parts(datetime(1985, 7, 22), 123)


@given(personal_numbers, st.integers(min_value=0, max_value=150))
def test_age_turns_on_each_birthday(number: PersonalNumber, years: int) -> None:
    birth = number.birth_date
    assume(not (birth.month == 2 and birth.day == 29))
    assume(birth.year + years <= 9999)
    birthday = birth.replace(year=birth.year + years)
    assert number.age_on(birthday) == years
    if years > 0:
        assert number.age_on(birthday - timedelta(days=1)) == years - 1


def test_age_before_birth_is_an_error() -> None:
    number = PersonalNumber.from_parts(date(2013, 5, 10), 124)
    assert number.age_on(date(2026, 5, 9)) == 12
    assert number.age_on(date(2026, 5, 10)) == 13
    with pytest.raises(ValueError, match="before the birth date"):
        number.age_on(date(2013, 5, 9))

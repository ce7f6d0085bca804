"""Shared metric helpers: age in whole years, age bands, alert status, joins by id."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest

from etj_sim.metrics.context import (
    age_band_expression,
    age_years_expression,
    alert_status_expression,
    attach_by_id,
)
from etj_sim.scenario import AGE_BANDS, age_band_of


def test_age_counts_from_the_birthday_itself() -> None:
    frame = pl.DataFrame(
        {
            "birth_date": [date(2013, 1, 15)] * 3 + [date(2012, 2, 29)] * 2,
            "on": [
                date(2026, 1, 14),
                date(2026, 1, 15),
                date(2026, 12, 31),
                date(2026, 2, 28),
                date(2026, 3, 1),
            ],
        }
    )
    ages = frame.select(age_years_expression(pl.col("birth_date"), pl.col("on"))).to_series()
    # Born on 29 February: the birthday is taken on 1 March in a common year.
    assert ages.to_list() == [12, 13, 13, 13, 14]


def test_age_band_matches_the_scenario_bands() -> None:
    ages = pl.Series("age", [None, -1, *range(0, 131), 200], dtype=pl.Int32)
    bands = pl.DataFrame(ages).select(age_band_expression(pl.col("age"))).to_series()
    assert bands[0] is None
    assert bands[1] == AGE_BANDS[0]
    assert bands[2:133].to_list() == [age_band_of(age) for age in range(0, 131)]
    assert bands[133] == "80+"


def test_alert_status_treats_null_as_no_alert() -> None:
    frame = pl.DataFrame(
        {"sms": [True, True, False, False, None], "email": [True, False, True, False, None]}
    )
    statuses = frame.select(alert_status_expression(pl.col("sms"), pl.col("email"))).to_series()
    assert statuses.to_list() == ["both", "sms", "email", "none", "none"]


LEFT = pl.DataFrame({"message": [3, None, 0, 3, 7], "order": [0, 1, 2, 3, 4]})


@pytest.mark.parametrize(
    "right_ids",
    [[0, 3, 9], [0, 3, 9_000_000_000], [-1, 0, 3]],
    ids=["dense", "sparse", "negative"],
)
def test_attach_by_id_equals_a_left_join(right_ids: list[int]) -> None:
    left = LEFT.with_columns(pl.col("message").cast(pl.Int64))
    right = pl.DataFrame({"message": right_ids, "read": ["a", "b", "c"]})
    attached = attach_by_id(left, right, "message")
    assert attached.equals(left.join(right, on="message", how="left", maintain_order="left"))
    assert attached["order"].to_list() == [0, 1, 2, 3, 4]

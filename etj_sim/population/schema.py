"""The population frames' declared schemas: the contract between synthesis and its readers.

Pipeline position: ``Scenario -> synthesize_population -> (these frames) -> domain register and
simulation``. One row of ``PEOPLE_SCHEMA`` is one person; ``person`` equals the row index, so the
domain and the event log can use it as the person id. ``GUARDIANSHIP_SCHEMA`` has one row per
(guardian, child) pair for children under 18.
"""

from __future__ import annotations

from typing import Final

import polars as pl

__all__ = ["GUARDIANSHIP_SCHEMA", "PEOPLE_SCHEMA"]

_PEOPLE_COLUMNS: dict[str, pl.DataType] = {
    "person": pl.Int32(),  # 0..N-1, equals the row index
    "personal_number": pl.String(),  # canonical "YYYYMMDD-NNNC" (PersonalNumber.canonical)
    "personal_number_int": pl.Int64(),  # the same 12 digits as an integer (lookup key)
    "number_kind": pl.Enum(["personnummer", "samordningsnummer"]),
    "birth_date": pl.Date(),
    "sex": pl.Enum(["female", "male"]),
    "first_name": pl.String(),
    "last_name": pl.String(),
    "street_address": pl.String(),
    "postcode": pl.String(),
    "municipality": pl.String(),
    "household": pl.Int32(),
    "protected": pl.Boolean(),  # skyddade personuppgifter (R12, R16)
    "bankid": pl.Boolean(),  # e-IDs held (R1, R15, D5)
    "freja_plus": pl.Boolean(),
    "mobile": pl.String(),  # null: none registered
    "email": pl.String(),
    "logins_per_month": pl.Float32(),  # digital engagement: mean logins per 30 days
    "clinic": pl.Int32(),  # the clinic the person is listed at, 0..clinics.count-1
    # Account state at the start of the run (R2, R4, R13, D3, D7):
    "account_active": pl.Boolean(),
    "alert_sms": pl.Boolean(),
    "alert_email": pl.Boolean(),
    "settings_mobile_owner": pl.Int32(),  # whose mobile is in the settings (self or a guardian)
    "settings_email_owner": pl.Int32(),  # whose e-mail is in the settings (self or a guardian)
}
PEOPLE_SCHEMA: Final = pl.Schema(_PEOPLE_COLUMNS)

GUARDIANSHIP_SCHEMA: Final = pl.Schema({"guardian": pl.Int32(), "child": pl.Int32()})

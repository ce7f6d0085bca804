"""Alert opt-ins (R4, R8, R13, R14, D4): who gets an SMS or e-mail when a message arrives.

Pipeline position: ``event log + population -> account states -> opt-in shares``. The population
frame holds each account's state at the start of the run (``account_active``, ``alert_sms``,
``alert_email``); ``account_activated`` and ``settings_changed`` rows (the latter carrying the new
alert choice) move it forward. Every function here reads the same replay, :func:`account_changes`.

Definitions: a person's **account status** is ``inactive`` or the alert choice of the active
account (``none``, ``sms``, ``email``, ``both``). Opt-in shares are shares of *active* accounts;
``sms`` share counts SMS-only and both, ``email`` share e-mail-only and both. The daily series gives
the state at the end of each day of the run; "at the end of the run" is its last day.
"""

from __future__ import annotations

import polars as pl

from etj_sim.metrics.context import (
    ACCOUNT_STATUS_DTYPE,
    ACCOUNT_STATUSES,
    ALERT_STATUSES,
    MetricContext,
    age_band_expression,
    age_years_expression,
    alert_status_expression,
    check_event_log,
    check_population,
    with_birth_dates,
)

__all__ = [
    "account_changes",
    "alert_opt_in_by_age_band",
    "alert_opt_in_daily",
    "final_account_states",
    "guardian_contacts_in_child_settings",
    "opt_in_changes",
    "post13_guardian_alerts",
]


def _account_status(active: pl.Expr, alert_sms: pl.Expr, alert_email: pl.Expr) -> pl.Expr:
    return (
        pl.when(active.fill_null(False))
        .then(alert_status_expression(alert_sms, alert_email).cast(pl.String))
        .otherwise(pl.lit("inactive"))
        .cast(ACCOUNT_STATUS_DTYPE)
    )


def _initial_states(population: pl.DataFrame, *extra: str) -> pl.LazyFrame:
    return population.lazy().select(
        "person",
        *extra,
        pl.col("account_active").fill_null(False).alias("initial_active"),
        pl.col("alert_sms").fill_null(False).alias("initial_sms"),
        pl.col("alert_email").fill_null(False).alias("initial_email"),
    )


def account_changes(
    events: pl.DataFrame, population: pl.DataFrame, context: MetricContext
) -> pl.DataFrame:
    """Every account change within the run: activation (R2, R9) or new alert choice (R4).

    Columns: ``person``, ``time``, ``event``, ``from_status`` and ``to_status`` (one of
    ``ACCOUNT_STATUSES``). A settings change leaves the account active; an activation keeps the
    alert choice the account had. Rows after ``context.end`` are ignored.
    """
    check_event_log(events)
    check_population(population)
    changes = (
        events.lazy()
        .filter(
            pl.col("event").is_in(["account_activated", "settings_changed"])
            & (pl.col("time") < pl.lit(context.end))
            & pl.col("person").is_not_null()
        )
        .select("person", "time", "event", "alert_sms", "alert_email")
        .with_row_index("order")
        .join(_initial_states(population), on="person", how="left")
        .sort("person", "time", "order")
        .with_columns(
            pl.when(pl.col("event") == "account_activated")
            .then(True)
            .when(pl.col("event") == "settings_changed")
            .then(True)
            .alias("active"),
            pl.when(pl.col("event") == "settings_changed").then(pl.col("alert_sms")).alias("sms"),
            pl.when(pl.col("event") == "settings_changed")
            .then(pl.col("alert_email"))
            .alias("email"),
        )
        .with_columns(
            pl.col("sms").forward_fill().over("person").fill_null(pl.col("initial_sms")),
            pl.col("email").forward_fill().over("person").fill_null(pl.col("initial_email")),
        )
        .with_columns(_account_status(pl.col("active"), pl.col("sms"), pl.col("email")).alias("to"))
        .with_columns(
            pl.col("to")
            .shift(1)
            .over("person")
            .fill_null(
                _account_status(
                    pl.col("initial_active"), pl.col("initial_sms"), pl.col("initial_email")
                )
            )
            .alias("from_status"),
        )
        .select("person", "time", "event", "from_status", pl.col("to").alias("to_status"))
        .collect()
    )
    unknown = changes.filter(pl.col("from_status").is_null())
    if len(unknown):
        raise ValueError(
            "event log: account rows name person(s) not in the population, e.g. "
            f"{unknown['person'].unique().sort().to_list()[:5]}"
        )
    return changes


def final_account_states(
    population: pl.DataFrame, changes: pl.DataFrame, context: MetricContext
) -> pl.DataFrame:
    """Each person's account status at the start and at the end of the run, and age band at the end.

    ``changes`` is :func:`account_changes`. Columns: ``person``, ``age_band`` (age on the run's last
    day), ``status_start``, ``status_end``.
    """
    last = changes.lazy().group_by("person").agg(pl.col("to_status").last().alias("last"))
    return (
        _initial_states(population, "birth_date")
        .select(
            "person",
            age_band_expression(
                age_years_expression(pl.col("birth_date"), pl.lit(context.last_day))
            ).alias("age_band"),
            _account_status(
                pl.col("initial_active"), pl.col("initial_sms"), pl.col("initial_email")
            ).alias("status_start"),
        )
        .join(last, on="person", how="left")
        .with_columns(pl.col("last").fill_null(pl.col("status_start")).alias("status_end"))
        .drop("last")
        .sort("person")
        .collect()
    )


def _alert_shares(accounts: pl.Expr, active_accounts: pl.Expr) -> pl.Expr:
    return (accounts / active_accounts.replace(0, None)).alias("share")


def alert_opt_in_daily(
    population: pl.DataFrame, changes: pl.DataFrame, context: MetricContext
) -> pl.DataFrame:
    """Active accounts by alert status at the end of each day of the run (R4, R8).

    Columns: ``date``, ``alert_status`` (``none``, ``sms``, ``email``, ``both``), ``accounts``,
    ``share`` of that day's active accounts. Four rows a day, every day of the run.
    """
    start_counts = (
        _initial_states(population)
        .select(
            _account_status(
                pl.col("initial_active"), pl.col("initial_sms"), pl.col("initial_email")
            ).alias("status")
        )
        .group_by("status")
        .agg(pl.len().cast(pl.Int64).alias("initial"))
    )
    deltas = (
        changes.lazy()
        .filter(pl.col("from_status") != pl.col("to_status"))
        .select(pl.col("time").dt.date().alias("date"), "from_status", "to_status")
    )
    daily_deltas = pl.concat(
        [
            deltas.select("date", pl.col("to_status").alias("status"), pl.lit(1).alias("delta")),
            deltas.select("date", pl.col("from_status").alias("status"), pl.lit(-1).alias("delta")),
        ]
    )
    grid = pl.LazyFrame(context.days).join(
        pl.LazyFrame({"status": pl.Series(ACCOUNT_STATUSES, dtype=ACCOUNT_STATUS_DTYPE)}),
        how="cross",
    )
    counts = (
        grid.join(
            daily_deltas.group_by("date", "status").agg(pl.col("delta").sum().cast(pl.Int64)),
            on=["date", "status"],
            how="left",
        )
        .join(start_counts, on="status", how="left")
        .sort("status", "date")
        .with_columns(
            (
                pl.col("initial").fill_null(0)
                + pl.col("delta").fill_null(0).cum_sum().over("status")
            ).alias("accounts")
        )
        .filter(pl.col("status") != "inactive")
        .with_columns(pl.col("accounts").sum().over("date").alias("active_accounts"))
        .select(
            "date",
            pl.col("status")
            .cast(pl.String)
            .cast(pl.Enum(list(ALERT_STATUSES)))
            .alias("alert_status"),
            "accounts",
            _alert_shares(pl.col("accounts"), pl.col("active_accounts")),
        )
        .sort("date", "alert_status")
    )
    return counts.collect()


def alert_opt_in_by_age_band(final_states: pl.DataFrame) -> pl.DataFrame:
    """Active accounts by age band and alert status at the end of the run (R4, P3).

    ``final_states`` is :func:`final_account_states`. Columns: ``age_band``, ``alert_status``,
    ``accounts``, ``share`` of the band's active accounts. Every band with every status.
    """
    counts = (
        final_states.filter(pl.col("status_end") != "inactive")
        .group_by("age_band", "status_end")
        .agg(pl.len().cast(pl.Int64).alias("accounts"))
        .select(
            "age_band",
            pl.col("status_end").cast(pl.String).alias("alert_status"),
            "accounts",
        )
    )
    bands = final_states.schema["age_band"]
    assert isinstance(bands, pl.Enum)
    grid = pl.DataFrame({"age_band": pl.Series(bands.categories.to_list(), dtype=bands)}).join(
        pl.DataFrame({"alert_status": list(ALERT_STATUSES)}), how="cross"
    )
    return (
        grid.join(counts, on=["age_band", "alert_status"], how="left")
        .with_columns(pl.col("accounts").fill_null(0))
        .with_columns(
            pl.col("alert_status").cast(pl.Enum(list(ALERT_STATUSES))),
            _alert_shares(pl.col("accounts"), pl.col("accounts").sum().over("age_band")),
        )
        .sort("age_band", "alert_status")
    )


def opt_in_changes(changes: pl.DataFrame) -> pl.DataFrame:
    """Settings changes during the run (R4, R14) by the alert status before and after.

    Columns: ``from_status``, ``to_status``, ``changes``. Rows that kept the status are counted too
    (a change of contact only); activations are not settings changes and are left out.
    """
    return (
        changes.filter(pl.col("event") == "settings_changed")
        .group_by("from_status", "to_status")
        .agg(pl.len().cast(pl.Int64).alias("changes"))
        .sort("from_status", "to_status")
    )


def guardian_contacts_in_child_settings(
    population: pl.DataFrame, context: MetricContext
) -> pl.DataFrame:
    """Children under 18 whose settings hold a guardian's mobile or e-mail at the start (R13, D3).

    The log records alert choices, not contact owners, so this is the state at the start of the run;
    later guardian alerts show in :func:`post13_guardian_alerts`. Columns: ``age_band`` (0-12,
    13-17), ``children``, ``with_guardian_mobile``, ``with_guardian_email``,
    ``with_guardian_contact`` (either) and ``share`` (either, of the band's children).
    """
    check_population(population)
    guardian_mobile = pl.col("settings_mobile_owner").is_not_null() & (
        pl.col("settings_mobile_owner") != pl.col("person")
    )
    guardian_email = pl.col("settings_email_owner").is_not_null() & (
        pl.col("settings_email_owner") != pl.col("person")
    )
    age = age_years_expression(pl.col("birth_date"), pl.lit(context.first_day))
    children = (
        population.lazy()
        .filter(age < 18)
        .group_by(age_band_expression(age).alias("age_band"))
        .agg(
            pl.len().cast(pl.Int64).alias("children"),
            guardian_mobile.sum().cast(pl.Int64).alias("with_guardian_mobile"),
            guardian_email.sum().cast(pl.Int64).alias("with_guardian_email"),
            (guardian_mobile | guardian_email).sum().cast(pl.Int64).alias("with_guardian_contact"),
        )
        .collect()
    )
    bands = pl.DataFrame(
        {"age_band": pl.Series(["0-12", "13-17"], dtype=children["age_band"].dtype)}
    )
    return (
        bands.join(children, on="age_band", how="left")
        .with_columns(pl.exclude("age_band").fill_null(0))
        .with_columns(
            (pl.col("with_guardian_contact") / pl.col("children").replace(0, None)).alias("share")
        )
    )


def post13_guardian_alerts(events: pl.DataFrame, population: pl.DataFrame) -> pl.DataFrame:
    """Alerts that reached someone else than a young person aged 13 or more, per young person (D4).

    R14 clears nothing on the 13th birthday, so guardians' contacts in the settings keep getting
    alerts (``alert_sent`` with ``recipient`` another person) until the young person edits them.
    Alerts whose recipient is unknown (null) are not counted. Columns: ``person``, ``alerts``,
    ``guardians`` (distinct recipients), ``first_alert``, ``last_alert``; one row per person.
    """
    check_event_log(events)
    check_population(population, ("person", "birth_date"))
    return (
        events.lazy()
        .filter(
            (pl.col("event") == "alert_sent")
            & pl.col("recipient").is_not_null()
            & (pl.col("recipient") != pl.col("person"))
        )
        .select("person", "recipient", "time")
        .pipe(with_birth_dates, population)
        .filter(age_years_expression(pl.col("birth_date"), pl.col("time").dt.date()) >= 13)
        .group_by("person")
        .agg(
            pl.len().cast(pl.Int64).alias("alerts"),
            pl.col("recipient").n_unique().cast(pl.Int64).alias("guardians"),
            pl.col("time").min().alias("first_alert"),
            pl.col("time").max().alias("last_alert"),
        )
        .sort("person")
        .collect()
    )

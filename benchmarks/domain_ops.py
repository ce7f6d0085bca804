"""Benchmark of the in-memory 1177 domain at region scale (run by hand).

Pipeline position: ``synthetic population frame -> EServices.from_population -> domain
operations``, timed. Builds a synthetic people frame of about 1,000,000 persons with numpy
(no dependency on ``etj_sim.population``), loads it, then prints operations per second for
login, send-with-alert (``send_message`` then ``advance_to`` dispatching the alert), read and
start_case, with an event log attached as in a simulation, plus the load time, peak RSS, the
event log's bytes per row and the time to drain it into a frame.

    .venv/bin/python -m benchmarks.domain_ops [--persons N] [--operations N]
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

import numpy as np
import polars as pl

from benchmarks.memory import peak_rss_megabytes
from etj_sim.domain import EID, EServices, Session
from etj_sim.domain.identity import luhn_check_digits
from etj_sim.events import Channel, EventLog, Kind
from etj_sim.population.schema import GUARDIANSHIP_SCHEMA, PEOPLE_SCHEMA

EPOCH = datetime(2025, 1, 1)


@dataclass(frozen=True)
class SyntheticPopulation:
    people: pl.DataFrame
    guardianships: pl.DataFrame


def synthesize(persons: int, seed: int = 1) -> SyntheticPopulation:
    """A people frame with the population schema, vectorised (ages 0-99, 1-2 guardians)."""
    rng = np.random.default_rng(seed)
    epoch_day = np.datetime64("2025-01-01", "D")
    birth = np.sort(epoch_day - rng.integers(0, 100 * 365, persons).astype("timedelta64[D]"))
    # Serial = rank among persons born the same day: unique personal numbers.
    first_of_day = np.r_[0, np.flatnonzero(np.diff(birth.astype(np.int64))) + 1]
    counts = np.diff(np.r_[first_of_day, persons])
    serial = np.arange(persons) - np.repeat(first_of_day, counts)
    years = birth.astype("datetime64[Y]").astype(np.int64) + 1970
    months = birth.astype("datetime64[M]").astype(np.int64) % 12 + 1
    days = (birth - birth.astype("datetime64[M]")).astype(np.int64) + 1
    nine = (years % 100) * 10_000_000 + months * 100_000 + days * 1000 + serial
    check = luhn_check_digits(nine).astype(np.int64)
    number = ((years * 10_000 + months * 100 + days) * 1000 + serial) * 10 + check
    age_days = (epoch_day - birth).astype(np.int64)
    child = age_days < 18 * 365
    under_13 = age_days < 13 * 365
    adults = np.flatnonzero(~child)
    has_mobile = ~child | ~under_13 & (rng.random(persons) < 0.8)
    active = np.where(under_13, rng.random(persons) < 0.5, rng.random(persons) < 0.8)
    # Children: one or two guardians drawn among adults.
    children = np.flatnonzero(child)
    first = adults[rng.integers(0, adults.size, children.size)]
    second_index = rng.integers(0, adults.size - 1, children.size)
    second = adults[second_index + (adults[second_index] >= first)]
    two = rng.random(children.size) < 0.7
    guardian = np.r_[first, second[two]]
    ward = np.r_[children, children[two]]
    mobile_owner = np.where(has_mobile, np.arange(persons), -1)
    mobile_owner[children[under_13[children]]] = first[under_13[children]]
    mobile_owner = np.where(active, mobile_owner, -1)
    sms = active & (mobile_owner >= 0) & (rng.random(persons) < 0.6)
    person_ids = np.arange(persons, dtype=np.int32)
    pool_first = pl.Series(["Anna", "Erik", "Maria", "Lars", "Karin", "Johan", "Eva", "Nils"])
    pool_last = pl.Series(["Andersson", "Johansson", "Karlsson", "Nilsson", "Eriksson"])
    pn_text = pl.Series(number).cast(pl.String)
    people = pl.DataFrame(
        {
            "person": person_ids,
            "personal_number": pn_text.str.slice(0, 8) + "-" + pn_text.str.slice(8, 4),
            "personal_number_int": number,
            "number_kind": pl.Series(["personnummer"] * 1).extend_constant(
                "personnummer", persons - 1
            ),
            "birth_date": birth,
            "sex": np.where(serial % 2 == 1, "male", "female"),
            "first_name": pool_first.gather(rng.integers(0, pool_first.len(), persons)),
            "last_name": pool_last.gather(rng.integers(0, pool_last.len(), persons)),
            "street_address": pl.Series(["Storgatan 1"]).extend_constant(
                "Storgatan 1", persons - 1
            ),
            "postcode": pl.Series(["111 11"]).extend_constant("111 11", persons - 1),
            "municipality": pl.Series(["Stockholm"]).extend_constant("Stockholm", persons - 1),
            "household": person_ids,
            "protected": rng.random(persons) < 0.002,
            "bankid": ~under_13 & (rng.random(persons) < 0.9),
            "freja_plus": rng.random(persons) < 0.05,
            "mobile": pl.Series(np.where(has_mobile, person_ids, -1)).cast(pl.String),
            "email": pl.Series(person_ids).cast(pl.String) + "@example.se",
            "logins_per_month": np.full(persons, 1.0, dtype=np.float32),
            "clinic": (person_ids % 20).astype(np.int32),
            "account_active": active,
            "alert_sms": sms,
            "alert_email": np.zeros(persons, dtype=bool),
            "settings_mobile_owner": mobile_owner.astype(np.int32),
            "settings_email_owner": np.full(persons, -1, dtype=np.int32),
        }
    ).with_columns(
        pl.when(pl.col("mobile") == "-1")
        .then(None)
        .otherwise("07" + pl.col("mobile").str.zfill(8))
        .alias("mobile"),
        pl.col("settings_mobile_owner").replace(-1, None),
        pl.col("settings_email_owner").replace(-1, None),
    )
    people = people.cast(PEOPLE_SCHEMA).select(PEOPLE_SCHEMA.names())
    guardianships = pl.DataFrame(
        {"guardian": guardian.astype(np.int32), "child": ward.astype(np.int32)},
        schema=GUARDIANSHIP_SCHEMA,
    )
    return SyntheticPopulation(people, guardianships)


def rate(label: str, operations: int, run: Callable[[], None]) -> float:
    start = time.perf_counter()
    run()
    seconds = time.perf_counter() - start
    per_second = operations / seconds
    print(f"{label:<36} {operations:>9,} ops in {seconds:6.2f} s = {per_second:>10,.0f} ops/s")
    return per_second


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--persons", type=int, default=1_000_000)
    parser.add_argument("--operations", type=int, default=200_000)
    arguments = parser.parse_args()
    operations: int = arguments.operations

    start = time.perf_counter()
    population = synthesize(arguments.persons)
    print(f"synthetic frame: {arguments.persons:,} persons in {time.perf_counter() - start:.2f} s")
    log = EventLog(EPOCH)
    start = time.perf_counter()
    services = EServices.from_population(population, EPOCH, event_log=log)
    print(f"{'from_population load':<36} {time.perf_counter() - start:.2f} s")

    people = population.people
    rng = np.random.default_rng(2)
    can_login = (
        people.select(pl.col("bankid") & (pl.col("birth_date") <= pl.date(2012, 1, 1)))
        .to_series()
        .to_numpy()
    )
    login_persons = rng.choice(np.flatnonzero(can_login), operations).tolist()
    alerted = np.flatnonzero(people["alert_sms"].to_numpy() & can_login)
    targets = rng.choice(alerted, operations).tolist()
    tool = services.staff_tool
    clinic = tool.activate_clinic("Vårdcentralen")
    nurse = tool.add_staff(clinic, "nurse")
    portal = services.portal

    sessions: list[Session] = []

    def login() -> None:
        append = sessions.append
        for person in login_persons:
            append(portal.login(person, EID.BANKID, Channel.APP))

    messages: list[int | None] = []

    def send_with_alert() -> None:
        advance = services.advance_to
        send = tool.send_message
        append = messages.append
        minutes = services.clock.minutes
        for index, person in enumerate(targets):
            advance(minutes + index * 0.01)
            append(send(nurse, person, Kind.QUESTION))
        advance(minutes + operations * 0.01 + 2.0)

    def read() -> None:
        session_of = {session.person: session for session in sessions}
        pairs = [(message, person) for message, person in zip(messages, targets, strict=True)]
        readers = [
            (portal.login(person, EID.BANKID) if person not in session_of else session_of[person])
            for _, person in pairs
        ]
        start = time.perf_counter()
        for (message, _), session in zip(pairs, readers, strict=True):
            assert message is not None
            session.read(message)
        seconds = time.perf_counter() - start
        print(
            f"{'read':<36} {operations:>9,} ops in {seconds:6.2f} s = "
            f"{operations / seconds:>10,.0f} ops/s"
        )

    def start_case() -> None:
        for session in sessions:
            session.start_case(clinic, Kind.CONTACT_FORM)

    rate("login (app, BankID)", operations, login)
    rate("send_message + advance_to (alert)", operations, send_with_alert)
    print(f"  alerts sent: {len(services.alerts):,}, pending: {services.alerts.pending}")
    read()
    rate("start_case", operations, start_case)
    peak_megabytes = peak_rss_megabytes()
    print(f"event log rows: {len(log):,}")
    print(f"peak RSS: {peak_megabytes:,.0f} MB")
    # Old logs (before the packed buffer) have no buffered_bytes: only then is it skipped.
    buffered_bytes = getattr(log, "buffered_bytes", None)
    if buffered_bytes is not None and len(log):
        print(f"event log buffer: {buffered_bytes / len(log):.1f} bytes per row")
        rows = len(log)
        start = time.perf_counter()
        frame = log.drain_to_frame()
        seconds = time.perf_counter() - start
        print(
            f"drain_to_frame: {rows:,} rows in {seconds:.2f} s "
            f"({frame.estimated_size() / rows:.1f} bytes per row in the frame)"
        )


if __name__ == "__main__":
    main()

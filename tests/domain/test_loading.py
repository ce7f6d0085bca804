"""Bulk loading (``EServices.from_population``), clock, ages and person lookup.

Pipeline position: tests of ``etj_sim.domain`` at the population -> domain boundary, with a
hand-built frame of the population schema (``etj_sim.population.schema``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import polars as pl
import pytest
from domain_world import MINUTES_PER_DAY, World, number
from hypothesis import given, settings
from hypothesis import strategies as st

from etj_sim.domain import (
    EID,
    EServices,
    InvalidOperation,
    InvalidPersonalNumber,
    ProxyRefused,
    UnknownPerson,
)
from etj_sim.events import EventLog, Kind
from etj_sim.population.schema import GUARDIANSHIP_SCHEMA, PEOPLE_SCHEMA

EPOCH = datetime(2025, 1, 1)


@dataclass(frozen=True)
class Population:
    people: pl.DataFrame
    guardianships: pl.DataFrame


def people_frame(rows: list[dict[str, object]]) -> pl.DataFrame:
    defaults: dict[str, object] = {
        "household": 0,
        "street_address": "Gatan 1",
        "postcode": "111 11",
        "municipality": "Stockholm",
        "protected": False,
        "bankid": True,
        "freja_plus": False,
        "mobile": None,
        "email": None,
        "logins_per_month": 1.0,
        "clinic": 0,
        "account_active": False,
        "alert_sms": False,
        "alert_email": False,
        "settings_mobile_owner": None,
        "settings_email_owner": None,
    }
    full = []
    for person, row in enumerate(rows):
        born = row.pop("born")
        assert isinstance(born, date)
        pn = number(born, 100 + person)
        full.append(
            defaults
            | {
                "person": person,
                "personal_number": pn.canonical,
                "personal_number_int": pn.as_int,
                "number_kind": str(pn.kind),
                "birth_date": born,
                "sex": str(pn.sex),
                "first_name": f"Förnamn{person}",
                "last_name": "Efternamn",
            }
            | row
        )
    return pl.DataFrame(full, schema=PEOPLE_SCHEMA)


def small_population() -> Population:
    people = people_frame(
        [
            {
                "born": date(1980, 5, 5),
                "mobile": "0701000000",
                "email": "p0@example.se",
                "account_active": True,
                "alert_sms": True,
                "settings_mobile_owner": 0,
            },
            {
                "born": date(2016, 2, 29),
                "bankid": False,
                "account_active": True,
                "alert_sms": True,
                "settings_mobile_owner": 0,
            },
            {"born": date(2011, 3, 1), "account_active": True, "settings_mobile_owner": 0},
            {"born": date(1990, 1, 1), "protected": True, "freja_plus": True},
        ]
    )
    guardianships = pl.DataFrame({"guardian": [0, 0], "child": [1, 2]}, schema=GUARDIANSHIP_SCHEMA)
    return Population(people, guardianships)


def test_from_population_loads_register_accounts_and_settings() -> None:
    log = EventLog(EPOCH)
    services = EServices.from_population(small_population(), EPOCH, event_log=log)
    register = services.register
    assert len(register) == len(services) == 4
    assert register.guardians_of(1) == (0,)
    assert register.children_of(0) == (1, 2)
    assert register.is_protected(3)
    assert register.has_eid(3, EID.FREJA_PLUS)
    assert not register.has_eid(1, EID.BANKID)
    assert register.name(0) == "Förnamn0 Efternamn"
    assert register.age(0) == 44
    assert register.age(2) == 13
    assert register.person_id(register.personal_number(2).canonical) == 2
    tool = services.staff_tool
    assert tool.alert_choices(0).sms_alerts
    assert not tool.alert_choices(3).account_active
    clinic = tool.activate_clinic("VC")
    nurse = tool.add_staff(clinic, "nurse")
    message = tool.send_message(nurse, 1, Kind.QUESTION)
    services.advance_to(2.0)
    assert services.alerts.sent().select("person", "recipient", "destination").rows() == [
        (1, 0, "0701000000")
    ]
    # The 13-year-old's settings hold a guardian's contact: guardian-era settings (R14).
    assert services.portal.login(2, EID.BANKID).settings_review_prompted
    assert not services.portal.login(0, EID.BANKID).settings_review_prompted
    session = services.portal.login(0, EID.BANKID).act_for(1)
    assert session.unread() == [message]


def test_r14_a_minor_without_an_own_eid_starts_with_guardian_era_settings() -> None:
    # Only a guardian can have activated the account of a minor without an own e-ID (R1, R15,
    # R9, D7): even empty settings are guardian-era, so the first own login prompts (R14).
    people = people_frame(
        [
            {"born": date(1980, 1, 1), "mobile": "0701000000"},
            {"born": date(2010, 6, 1), "bankid": False, "account_active": True},
            {"born": date(2010, 6, 1), "account_active": True},
            {"born": date(2010, 6, 1), "bankid": False},
        ]
    )
    guardianships = pl.DataFrame(
        {"guardian": [0, 0, 0], "child": [1, 2, 3]}, schema=GUARDIANSHIP_SCHEMA
    )
    services = EServices.from_population(Population(people, guardianships), EPOCH)
    assert list(services.accounts.review_pending) == [0, 1, 0, 0]


def test_from_population_turns_29_february_children_13_on_1_march() -> None:
    people = people_frame([{"born": date(1980, 1, 1)}, {"born": date(2012, 2, 29)}])
    guardianships = pl.DataFrame({"guardian": [0], "child": [1]}, schema=GUARDIANSHIP_SCHEMA)
    log = EventLog(datetime(2025, 2, 27))
    services = EServices.from_population(
        Population(people, guardianships), datetime(2025, 2, 27), event_log=log
    )
    services.advance_to(2 * MINUTES_PER_DAY - 1)  # 28 February, 23:59
    assert services.register.age(1) == 12
    services.advance_to(2 * MINUTES_PER_DAY)  # 1 March 2025 (a common year)
    assert services.register.age(1) == 13
    turned = log.to_frame().filter(event="turned_13")
    assert turned.select("person", "time").rows() == [(1, datetime(2025, 3, 1))]


def test_from_population_rejects_inconsistent_frames() -> None:
    population = small_population()
    broken = population.people.with_columns(
        pl.when(pl.col("person") == 3)
        .then(True)
        .otherwise(pl.col("alert_email"))
        .alias("alert_email")
    )
    with pytest.raises(InvalidOperation, match=r"R4: people\.alert_email is set in row 3"):
        EServices.from_population(Population(broken, population.guardianships), EPOCH)
    wrong_ids = population.people.with_columns(pl.col("person").reverse())
    with pytest.raises(InvalidOperation, match=r"people\.person must equal"):
        EServices.from_population(Population(wrong_ids, population.guardianships), EPOCH)
    bad_guardian = pl.DataFrame({"guardian": [9], "child": [1]}, schema=GUARDIANSHIP_SCHEMA)
    with pytest.raises(InvalidOperation, match=r"guardianships.guardian in row 0 is 9"):
        EServices.from_population(Population(population.people, bad_guardian), EPOCH)
    with pytest.raises(InvalidOperation, match="lacks the column 'alert_sms'"):
        EServices.from_population(
            Population(population.people.drop("alert_sms"), population.guardianships), EPOCH
        )


def test_register_load_refuses_duplicates_and_keeps_state() -> None:
    services = EServices(EPOCH)
    population = small_population()
    services.register.load(population.people, population.guardianships)
    before = services.snapshot()
    with pytest.raises(InvalidOperation, match=r"people\.person must equal 4"):
        services.register.load(population.people, population.guardianships)
    assert services.snapshot() == before


def test_persons_are_named_by_id_number_or_text(world: World) -> None:
    register = world.services.register
    pn = register.personal_number(world.parent)
    assert register.person_id(pn) == register.person_id(str(pn)) == world.parent
    assert register.person_id(pn.ten_digit(date(2025, 6, 1))) == world.parent
    with pytest.raises(UnknownPerson):
        register.person_id(99)
    with pytest.raises(UnknownPerson):
        register.person_id(number(date(2001, 1, 1), 10).canonical)
    with pytest.raises(InvalidPersonalNumber):
        register.person_id("19850304-1230")


def test_clock_never_moves_backwards(world: World) -> None:
    services = world.services
    services.advance_to(100.0)
    assert services.clock.now == datetime(2025, 6, 1, 9, 40)
    assert services.clock.today == date(2025, 6, 1)
    with pytest.raises(InvalidOperation, match="backwards"):
        services.advance_to(50.0)
    with pytest.raises(InvalidOperation, match="backwards"):
        services.clock.set(datetime(2025, 6, 1, 8, 0))
    services.clock.set(datetime(2025, 6, 2))
    assert services.clock.minutes == 16 * 60


def test_shifts_are_logged(world: World) -> None:
    tool = world.services.staff_tool
    tool.start_shift(world.nurse)
    with pytest.raises(InvalidOperation):
        tool.start_shift(world.nurse)
    tool.end_shift(world.nurse)
    shifts = world.events().filter(pl.col("event").is_in(["shift_started", "shift_ended"]))
    assert shifts.select("event", "staff", "clinic").rows() == [
        ("shift_started", world.nurse, world.clinic),
        ("shift_ended", world.nurse, world.clinic),
    ]


def test_proxy_sessions_cannot_nest(world: World) -> None:
    anna = world.services.portal.login(world.parent, EID.BANKID)
    proxy = anna.activate_for(world.child)
    with pytest.raises(InvalidOperation, match="R10"):
        proxy.activate_for(world.almost_13)
    with pytest.raises(ProxyRefused):
        anna.act_for(world.teen)


@settings(max_examples=60)
@given(
    st.lists(
        st.tuples(st.booleans(), st.integers(0, 5), st.integers(0, 5), st.booleans()),
        max_size=40,
    )
)
def test_custody_changes_keep_the_guardianship_index_as_a_fresh_load_would(
    changes: list[tuple[bool, int, int, bool]],
) -> None:
    """R9, R10, D9: guardianships started and ended one by one (custody changes during a run,
    held beside the index instead of rebuilding it) answer every lookup as a register loaded
    afresh with the resulting pairs would, in registration order."""
    people = people_frame([{"born": date(1980 + 5 * person, 1, 1)} for person in range(6)])
    register = EServices(EPOCH).register
    initial = [(0, 3), (1, 3), (0, 4), (2, 5)]
    register.load(
        people,
        pl.DataFrame(
            {"guardian": [g for g, _ in initial], "child": [c for _, c in initial]},
            schema=GUARDIANSHIP_SCHEMA,
        ),
    )
    pairs = list(initial)  # the model: current pairs in registration order
    for start, guardian, child, look in changes:
        if guardian == child:
            continue
        if start and (guardian, child) not in pairs:
            register.add_guardianship(guardian, child)
            pairs.append((guardian, child))
        elif not start and (guardian, child) in pairs:
            register.remove_guardianship(guardian, child)
            pairs.remove((guardian, child))
        if look:  # lookups between changes build the index at different moments
            register.guardians_of(child)
        for person in range(6):
            assert register.guardians_of(person) == tuple(g for g, c in pairs if c == person)
            assert register.children_of(person) == tuple(c for g, c in pairs if g == person)
            for other in range(6):
                assert register.is_guardian_of(other, person) == ((other, person) in pairs)
    fresh = EServices(EPOCH).register
    fresh.load(
        people,
        pl.DataFrame(
            {"guardian": [g for g, _ in pairs], "child": [c for _, c in pairs]},
            schema=GUARDIANSHIP_SCHEMA,
        ),
    )
    assert register.snapshot() == fresh.snapshot()

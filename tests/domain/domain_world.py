"""A small hand-built world for the domain tests: a few families, a clinic and its staff.

Pipeline position: tests of ``etj_sim.domain`` (the in-memory 1177), through its public facade.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

import polars as pl

from etj_sim.domain import EID, EServices, PersonalNumber
from etj_sim.events import EventLog

EPOCH = datetime(2025, 6, 1, 8, 0)
MINUTES_PER_DAY = 1440.0


@dataclass(frozen=True)
class World:
    """Ids of the persons, clinic and staff of the test world."""

    services: EServices
    log: EventLog
    parent: int  # BankID, own mobile and e-mail
    other_parent: int  # Freja+ only, own mobile
    child: int  # 6 years old
    almost_13: int  # turns 13 on 2025-06-03
    teen: int  # 15, own BankID
    teen_without_eid: int  # 14, no e-ID
    protected_parent: int
    child_of_protected: int
    parent_of_protected: int
    protected_child: int
    coordinated: int  # samordningsnummer, Freja+ only (D5)
    adult_without_eid: int
    clinic: int
    nurse: int
    other_clinic: int
    other_nurse: int

    def events(self) -> pl.DataFrame:
        # A frame of a deep copy, so the world's log and the frame never share a buffer.
        return copy.deepcopy(self.log).to_frame()

    def events_named(self, name: str) -> pl.DataFrame:
        return self.events().filter(pl.col("event") == name)


def number(born: date, serial: int, *, coordination: bool = False) -> PersonalNumber:
    return PersonalNumber.from_parts(born, serial, coordination=coordination)


def build_world(alert_delay_minutes: float = 1.0, now: Callable[[], float] | None = None) -> World:
    """The world; with ``now`` its domain follows that clock (as in the simulation)."""
    log = EventLog(EPOCH)
    services = EServices(EPOCH, event_log=log, alert_delay_minutes=alert_delay_minutes, now=now)
    add = services.register.add_person
    parent = add(
        number(date(1985, 3, 4), 123),
        first_name="Anna",
        last_name="Berg",
        street_address="Storgatan 1",
        postcode="411 01",
        municipality="Göteborg",
        mobile="0701111111",
        email="anna@example.se",
    )
    other_parent = add(
        number(date(1983, 7, 9), 135),
        first_name="Bo",
        last_name="Berg",
        eids=(EID.FREJA_PLUS,),
        mobile="0702222222",
    )
    child = add(number(date(2019, 2, 10), 242), first_name="Cia", last_name="Berg", eids=())
    almost_13 = add(number(date(2012, 6, 3), 253), first_name="Dan", last_name="Berg", eids=())
    teen = add(
        number(date(2010, 1, 15), 262),
        first_name="Eva",
        last_name="Berg",
        mobile="0703333333",
    )
    teen_without_eid = add(
        number(date(2011, 5, 5), 271), first_name="Fia", last_name="Berg", eids=()
    )
    protected_parent = add(
        number(date(1980, 1, 1), 282), first_name="Gun", last_name="Ek", protected=True
    )
    child_of_protected = add(number(date(2017, 4, 4), 292), first_name="Hugo", last_name="Ek")
    parent_of_protected = add(
        number(date(1979, 9, 9), 313), first_name="Ivar", last_name="Lund", mobile="0704444444"
    )
    protected_child = add(
        number(date(2016, 8, 8), 322), first_name="Jon", last_name="Lund", protected=True
    )
    coordinated = add(
        number(date(1990, 10, 3), 335, coordination=True),
        first_name="Kim",
        last_name="Nord",
        eids=(EID.FREJA_PLUS,),
    )
    adult_without_eid = add(
        number(date(1950, 12, 24), 346), first_name="Lars", last_name="Sten", eids=()
    )
    for guardian, child_id in (
        (parent, child),
        (other_parent, child),
        (parent, almost_13),
        (other_parent, almost_13),
        (parent, teen),
        (parent, teen_without_eid),
        (protected_parent, child_of_protected),
        (parent_of_protected, protected_child),
    ):
        services.register.add_guardianship(guardian, child_id)
    tool = services.staff_tool
    clinic = tool.activate_clinic("Vårdcentralen Centrum")
    nurse = tool.add_staff(clinic, "nurse", "Sjuksköterska Ulla")
    other_clinic = tool.activate_clinic("Barnmottagningen")
    other_nurse = tool.add_staff(other_clinic, "nurse")
    return World(
        services,
        log,
        parent,
        other_parent,
        child,
        almost_13,
        teen,
        teen_without_eid,
        protected_parent,
        child_of_protected,
        parent_of_protected,
        protected_child,
        coordinated,
        adult_without_eid,
        clinic,
        nurse,
        other_clinic,
        other_nurse,
    )

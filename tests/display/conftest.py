"""A small hand-built service for the display tests: a family, a protected family, two clinics.

Pipeline position: tests of ``etj_sim.display`` (domain views -> displays), through the public
facade of the domain.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from html.parser import HTMLParser
from typing import Any

import html5lib
import pytest

from etj_sim.domain import EID, Attachment, EServices, PersonalNumber
from etj_sim.domain.portal import ProxySession, Session
from etj_sim.events import EventLog

EPOCH = datetime(2026, 3, 2, 8, 0)


@dataclass
class Family:
    """Ids and sessions of the test service: Anna (guardian) and Lisa (5), Maria (protected)."""

    services: EServices
    anna: int
    lisa: int
    maria: int
    clinic: int
    nurse: int
    other_clinic: int
    other_nurse: int
    anna_session: Session
    lisa_proxy: ProxySession
    lisa_case: int
    answer: int


def _person(services: EServices, born: date, serial: int, first: str, **details: Any) -> int:
    return services.register.add_person(
        PersonalNumber.from_parts(born, serial),
        first_name=first,
        last_name="Andersson" if first in ("Anna", "Lisa") else "Berg",
        municipality="Exempelstad",
        **details,
    )


@pytest.fixture
def family() -> Family:
    services = EServices(EPOCH, event_log=EventLog(EPOCH))
    anna = _person(
        services,
        date(1985, 4, 3),
        262,
        "Anna",
        mobile="070-222 22 22",
        street_address="Storgatan 1",
        postcode="123 45",
    )
    lisa = _person(services, date(2020, 11, 8), 140, "Lisa", eids=())
    maria = _person(services, date(1990, 1, 15), 222, "Maria", protected=True)
    services.register.add_guardianship(anna, lisa)
    tool = services.staff_tool
    clinic = tool.activate_clinic("Vårdcentralen Exempelstad")
    nurse = tool.add_staff(clinic, "nurse", "Sara Nilsson")
    other_clinic = tool.activate_clinic("Barnmottagningen Norr")
    other_nurse = tool.add_staff(other_clinic, "physician", "Per Holm")
    anna_session = services.portal.login(anna, EID.BANKID)
    lisa_proxy = anna_session.activate_for(lisa)
    lisa_proxy.update_settings(mobile="070-222 22 22", sms_alerts=True)
    lisa_case = lisa_proxy.start_case(
        clinic,
        "prescription_renewal",
        text="Astmamedicin, förnyelse.",
        attachments=[Attachment("inhalator.jpg", "image/jpeg", 240_000)],
    )
    answer = tool.answer_case(nurse, lisa_case, text="Receptet är förnyat.", handling_minutes=4.0)
    services.advance_to(2.0)
    return Family(
        services,
        anna,
        lisa,
        maria,
        clinic,
        nurse,
        other_clinic,
        other_nurse,
        anna_session,
        lisa_proxy,
        lisa_case,
        answer,
    )


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def checked_html(fragment: str) -> str:
    """``fragment`` parsed strictly (html5lib raises on any parse error); returns its text."""
    parser = html5lib.HTMLParser(strict=True)
    parser.parse(
        f"<!DOCTYPE html><html><head><title>t</title></head><body>{fragment}</body></html>"
    )
    text = _Text()
    text.feed(fragment)
    return " ".join(" ".join(text.parts).split())

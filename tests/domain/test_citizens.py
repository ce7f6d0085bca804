"""Citizen rules R1-R8 (login, activation, own account, settings, alerts) on the public facade.

Pipeline position: tests of ``etj_sim.domain`` (portal, accounts, alert gateway, records).
"""

from __future__ import annotations

import dataclasses
from datetime import date

import pytest
from domain_world import World, number

from etj_sim.domain import (
    EID,
    AccountNotActive,
    AlertGateway,
    InvalidOperation,
    LoginRefused,
    NotAccountHolder,
    SettingsNotEditable,
)
from etj_sim.events import Channel, Kind, Reason


def test_r1_login_needs_the_chosen_eid(world: World) -> None:
    portal = world.services.portal
    session = portal.login(world.parent, EID.BANKID, Channel.APP)
    assert session.person == session.actor == world.parent
    with pytest.raises(LoginRefused, match="R1") as refused:
        portal.login(world.parent, EID.FREJA_PLUS)
    assert refused.value.reason is Reason.NO_EID
    with pytest.raises(LoginRefused, match="R1"):
        portal.login(world.adult_without_eid, EID.BANKID)
    logins = world.events_named("login")
    assert logins["channel"].to_list() == ["app"]
    refusals = world.events_named("login_refused")
    assert refusals["reason"].to_list() == ["no_eid", "no_eid"]
    assert refusals["person"].to_list() == [world.parent, world.adult_without_eid]


def test_r1_login_only_on_web_or_app(world: World) -> None:
    with pytest.raises(InvalidOperation, match="R1"):
        world.services.portal.login(world.parent, EID.BANKID, Channel.SMS)


def test_r2_first_login_activates_and_is_consent(world: World) -> None:
    services = world.services
    tool = services.staff_tool
    with pytest.raises(AccountNotActive, match="R2"):
        tool.send_message(world.nurse, world.parent, Kind.QUESTION, text="Hej")
    assert not tool.alert_choices(world.parent).account_active
    services.portal.login(world.parent, EID.BANKID)
    services.portal.login(world.parent, EID.BANKID)
    assert tool.alert_choices(world.parent).account_active
    activations = world.events_named("account_activated")
    assert activations.height == 1
    assert activations.row(0, named=True)["actor_role"] == "citizen"
    assert activations.row(0, named=True)["actor"] == world.parent
    assert tool.send_message(world.nurse, world.parent, Kind.QUESTION, text="Hej") is not None


def test_r3_session_acts_only_on_its_own_account(world: World) -> None:
    services = world.services
    portal = services.portal
    anna = portal.login(world.parent, EID.BANKID)
    eva = portal.login(world.teen, EID.BANKID)
    message = services.staff_tool.send_message(world.nurse, world.teen, Kind.QUESTION)
    assert message is not None
    case = eva.start_case(world.clinic, Kind.CONTACT_FORM, text="Ont i halsen")
    before = services.snapshot()
    with pytest.raises(NotAccountHolder, match="R3"):
        anna.read(message)
    with pytest.raises(NotAccountHolder, match="R3"):
        anna.reply(case, text="Jag svarar åt henne")
    assert services.snapshot() == before
    assert anna.unread() == []
    assert eva.unread() == [message]


def test_r4_settings_hold_contacts_and_alert_choices(world: World) -> None:
    session = world.services.portal.login(world.parent, EID.BANKID)
    session.update_settings(mobile="0701111111", sms_alerts=True, email="anna.b@example.com")
    session.update_settings(email_alerts=True)
    settings = session.settings()
    assert (settings.mobile, settings.email) == ("0701111111", "anna.b@example.com")
    assert settings.sms_alerts
    assert settings.email_alerts
    assert settings.mobile_owner == world.parent  # the registered mobile: owner known (D3)
    assert settings.email_owner is None  # typed by hand
    changes = world.events_named("settings_changed")
    assert changes.select("alert_sms", "alert_email").rows() == [(True, False), (True, True)]


def test_r4_alerts_need_the_matching_contact(world: World) -> None:
    services = world.services
    session = services.portal.login(world.parent, EID.BANKID)
    before = services.snapshot()
    with pytest.raises(InvalidOperation, match="R4: SMS alerts need a mobile"):
        session.update_settings(sms_alerts=True)
    with pytest.raises(InvalidOperation, match="R4"):
        session.update_settings(email="not an address", email_alerts=True)
    assert services.snapshot() == before
    session.update_settings(mobile="0701111111", sms_alerts=True)
    before = services.snapshot()
    with pytest.raises(InvalidOperation, match="R4"):
        session.update_settings(mobile=None)  # would leave SMS alerts without a number
    assert services.snapshot() == before
    session.update_settings(mobile=None, sms_alerts=False)
    assert session.settings().mobile is None
    assert world.events_named("settings_changed").height == 2


def test_r5_staff_cannot_edit_settings(world: World) -> None:
    services = world.services
    session = services.portal.login(world.parent, EID.BANKID)
    session.update_settings(mobile="0701111111", sms_alerts=True)
    before = services.snapshot()
    with pytest.raises(SettingsNotEditable, match="R5"):
        services.staff_tool.update_settings(world.parent, sms_alerts=False)
    assert services.snapshot() == before
    assert session.settings().sms_alerts


def test_r6_record_system_shows_no_alert_choice(world: World) -> None:
    services = world.services
    session = services.portal.login(world.parent, EID.BANKID)
    session.update_settings(mobile="0701111111", sms_alerts=True)
    view = services.records.view(world.parent)
    fields = {field.name for field in dataclasses.fields(view)}
    assert fields == {"person", "personal_number", "name", "address"}
    assert not any("alert" in name or "sms" in name or "email" in name for name in fields)
    assert view.name == "Anna Berg"
    assert view.address == "Storgatan 1, 411 01 Göteborg"
    assert view.personal_number == number(date(1985, 3, 4), 123).canonical


def test_r7_name_and_address_come_from_the_register(world: World) -> None:
    services = world.services
    session = services.portal.login(world.parent, EID.BANKID)
    before = services.snapshot()
    with pytest.raises(SettingsNotEditable, match="R7"):
        session.update_personal_details(street_address="Lillgatan 2")
    assert services.snapshot() == before
    assert services.register.address(world.parent) == "Storgatan 1, 411 01 Göteborg"
    assert services.register.name(world.parent) == "Anna Berg"


def test_r8_alert_text_is_exact_and_holds_no_case_information(world: World) -> None:
    services = world.services
    session = services.portal.login(world.parent, EID.BANKID)
    session.update_settings(
        mobile="0701111111", email="anna@example.se", sms_alerts=True, email_alerts=True
    )
    services.staff_tool.send_message(
        world.nurse, world.parent, Kind.QUESTION, text="Dina provsvar: blodsocker 5,2"
    )
    services.advance_to(5.0)
    sent = services.alerts.sent()
    assert sorted(sent["channel"].to_list()) == ["email", "sms"]
    sms = sent.filter(channel="sms").row(0, named=True)
    assert sms["text"] == (
        "Du har ett meddelande i e-tjänsterna på 1177. Meddelandet finns i inkorgen när du "
        "loggat in på 1177. Obs! Du kan inte svara på detta sms."
    )
    assert sms["destination"] == "0701111111"
    email = sent.filter(channel="email").row(0, named=True)
    assert email["destination"] == "anna@example.se"
    for text in (*sent["text"].to_list(), AlertGateway.EMAIL_SUBJECT):
        assert "blodsocker" not in text
        assert "http" not in text
        assert "www." not in text
    assert world.events_named("alert_sent").height == 2

"""Staff rules R17-R20, service functions F1-F8 and decisions D1, D3, D5, D6.

Pipeline position: tests of ``etj_sim.domain`` (staff tool, inboxes, alert gateway).
"""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta

import pytest
from domain_world import EPOCH, World

from etj_sim.domain import (
    EID,
    AccountNotActive,
    Attachment,
    ClinicNotActivated,
    InvalidOperation,
    LoginRefused,
    TemplateKind,
    UnknownPerson,
)
from etj_sim.events import ActorRole, Kind, Reason


def test_r17_only_activated_clinics_handle_eservices(world: World) -> None:
    services = world.services
    eva = services.portal.login(world.teen, EID.BANKID)
    with pytest.raises(ClinicNotActivated, match="R17"):
        eva.start_case(7, Kind.CONTACT_FORM)
    case = eva.start_case(world.clinic, Kind.CONTACT_FORM)
    before = services.snapshot()
    with pytest.raises(InvalidOperation, match="R17"):
        services.staff_tool.assign_case(world.other_nurse, case)  # another clinic's case
    assert services.snapshot() == before
    assert services.staff_tool.clinic_cases(world.nurse) == [case]
    assert services.staff_tool.clinic_cases(world.other_nurse) == []


def test_r18_clinics_create_local_eservices(world: World) -> None:
    services = world.services
    tool = services.staff_tool
    tool.create_local_eservice(world.clinic, "Boka vaccination")
    assert tool.eservices(world.clinic) == (
        "prescription_renewal",
        "health_declaration",
        "contact_form",
        "Boka vaccination",
    )
    assert "Boka vaccination" not in tool.eservices(world.other_clinic)
    eva = services.portal.login(world.teen, EID.BANKID)
    case = eva.start_case(world.clinic, Kind.LOCAL_ESERVICE, eservice="Boka vaccination")
    assert tool.case_view(world.nurse, case).eservice == "Boka vaccination"
    with pytest.raises(InvalidOperation, match="R18"):
        eva.start_case(world.other_clinic, Kind.LOCAL_ESERVICE, eservice="Boka vaccination")
    with pytest.raises(InvalidOperation, match="R18"):
        tool.create_local_eservice(world.clinic, "contact_form")


def test_r19_staff_start_communication(world: World) -> None:
    services = world.services
    eva = services.portal.login(world.teen, EID.BANKID)
    message = services.staff_tool.send_message(
        world.nurse, world.teen, Kind.QUESTION, text="Hur mår du?"
    )
    assert eva.unread() == [message]
    (view,) = eva.inbox()
    assert (view.kind, view.text, view.clinic) == (Kind.QUESTION, "Hur mår du?", world.clinic)
    sent = world.events_named("message_sent").row(0, named=True)
    assert (sent["person"], sent["staff"], sent["kind"]) == (world.teen, world.nurse, "question")
    with pytest.raises(InvalidOperation, match="R19"):
        services.staff_tool.send_message(world.nurse, world.teen, Kind.CONTACT_FORM)


def test_r20_send_case_shows_the_alert_choice(world: World) -> None:
    services = world.services
    eva = services.portal.login(world.teen, EID.BANKID)
    eva.update_settings(mobile="0703333333", sms_alerts=True)
    tool = services.staff_tool
    template = tool.create_template(world.nurse, TemplateKind.QUESTION, "Provsvar", "Frågor")
    draft = tool.send_case(world.nurse, template)
    with pytest.raises(InvalidOperation, match="R20"):
        draft.send()
    pn = services.register.personal_number(world.teen)
    choices = draft.enter_personal_number(pn.canonical)
    assert (choices.person, choices.sms_alerts, choices.email_alerts) == (world.teen, True, False)
    opened = draft.send(text="Dina provsvar finns")
    assert eva.inbox()[0].template == "Provsvar"
    assert eva.unread() == [opened.message]
    assert tool.case_view(world.nurse, opened.case).opened_by_staff


def test_f1_standard_eservices_start_cases(world: World) -> None:
    services = world.services
    eva = services.portal.login(world.teen, EID.BANKID)
    kinds = ("prescription_renewal", "health_declaration", "contact_form")
    assert services.staff_tool.eservices(world.clinic) == kinds
    cases = [eva.start_case(world.clinic, kind) for kind in kinds]
    assert [
        services.staff_tool.case_view(world.nurse, case).kind.name.lower() for case in cases
    ] == list(kinds)
    assert world.events_named("case_started")["kind"].to_list() == list(kinds)
    with pytest.raises(InvalidOperation, match="F1"):
        eva.start_case(world.clinic, Kind.QUESTION)


def test_f2_information_before_a_visit(world: World) -> None:
    services = world.services
    eva = services.portal.login(world.teen, EID.BANKID)
    message = services.staff_tool.send_message(
        world.nurse, world.teen, "pre_visit_information", text="Kom fastande"
    )
    assert eva.inbox()[0].kind is Kind.PRE_VISIT_INFORMATION
    assert eva.unread() == [message]


def test_f3_forms_are_filled_in_once(world: World) -> None:
    services = world.services
    eva = services.portal.login(world.teen, EID.BANKID)
    tool = services.staff_tool
    form = tool.send_message(world.nurse, world.teen, Kind.FORM, template="Hälsodeklaration")
    question = tool.send_message(world.nurse, world.teen, Kind.QUESTION)
    assert form is not None
    assert question is not None
    eva.submit_form(form, {"allergies": "nej", "smoker": "nej"})
    with pytest.raises(InvalidOperation, match="F3"):
        eva.submit_form(form, {"allergies": "ja", "smoker": "nej"})
    with pytest.raises(InvalidOperation, match="F3"):
        eva.submit_form(question, {})
    submitted = world.events_named("form_submitted")
    assert submitted.select("person", "message").rows() == [(world.teen, form)]


def test_f4_dialogue_between_citizen_and_staff(world: World) -> None:
    services = world.services
    tool = services.staff_tool
    eva = services.portal.login(world.teen, EID.BANKID)
    case = eva.start_case(world.clinic, Kind.CONTACT_FORM, text="Utslag på armen")
    assert tool.next_case(world.nurse) == case
    tool.assign_case(world.nurse, case)
    assert tool.next_case(world.nurse) is None
    assert tool.my_cases(world.nurse) == [case]
    services.advance_to(30.0)
    first = tool.answer_case(world.nurse, case, text="Hur länge?", handling_minutes=4.5)
    eva.reply(case, text="Två dagar")
    second = tool.answer_case(world.nurse, case, text="Kom in i morgon", handling_minutes=3.0)
    tool.close_case(world.nurse, case)
    view = tool.case_view(world.nurse, case)
    assert [entry.text for entry in view.entries] == [
        "Utslag på armen",
        "Hur länge?",
        "Två dagar",
        "Kom in i morgon",
    ]
    assert view.closed
    assert tool.my_cases(world.nurse) == []
    assert tool.clinic_cases(0) == []
    assert eva.unread() == [first, second]
    answered = world.events_named("case_answered")
    assert answered["duration_minutes"].to_list() == [4.5, 3.0]
    with pytest.raises(InvalidOperation, match="closed"):
        eva.reply(case, text="En sak till")


def test_f4_interleaved_dialogues_keep_their_own_entries(world: World) -> None:
    """Entries are stored columnar with shared texts; each case still shows only its own."""
    services = world.services
    tool = services.staff_tool
    eva = services.portal.login(world.teen, EID.BANKID)
    first = eva.start_case(world.clinic, Kind.CONTACT_FORM, text="Samma fråga")
    second = eva.start_case(world.clinic, Kind.CONTACT_FORM)  # no text: no entry
    services.advance_to(10.0)
    tool.answer_case(world.nurse, second, text="Samma fråga", handling_minutes=1.0)
    eva.reply(first, text="Tillägg")
    tool.answer_case(world.nurse, first, text="Svar", handling_minutes=2.0)
    first_entries = tool.case_view(world.nurse, first).entries
    second_entries = tool.case_view(world.nurse, second).entries
    assert [(e.text, e.author_role, e.author) for e in first_entries] == [
        ("Samma fråga", ActorRole.CITIZEN, world.teen),
        ("Tillägg", ActorRole.CITIZEN, world.teen),
        ("Svar", ActorRole.STAFF, world.nurse),
    ]
    assert [(e.text, e.author_role, e.author) for e in second_entries] == [
        ("Samma fråga", ActorRole.STAFF, world.nurse)
    ]
    assert [e.at for e in first_entries] == [
        services.clock.moment(0.0),
        services.clock.moment(10.0),
        services.clock.moment(10.0),
    ]


def test_f5_attachments_both_ways(world: World) -> None:
    services = world.services
    eva = services.portal.login(world.teen, EID.BANKID)
    photo = Attachment("utslag.jpg", "image/jpeg", 120_000)
    case = eva.start_case(world.clinic, Kind.CONTACT_FORM, attachments=[photo])
    leaflet = Attachment("egenvard.pdf", "application/pdf", 50_000)
    services.staff_tool.answer_case(world.nurse, case, text="Läs detta", attachments=[leaflet])
    entries = services.staff_tool.case_view(world.nurse, case).entries
    assert [entry.attachments for entry in entries] == [(photo,), (leaflet,)]
    sent = world.events_named("attachment_sent")
    assert sent["actor_role"].to_list() == ["citizen", "staff"]
    with pytest.raises(InvalidOperation, match="F5"):
        eva.reply(case, attachments=["not an attachment"])  # type: ignore[list-item]


def test_f6_mass_mailing_reports_each_recipient(world: World) -> None:
    services = world.services
    portal = services.portal
    portal.login(world.parent, EID.BANKID)
    portal.login(world.teen, EID.BANKID)
    recipients = [world.parent, world.teen, world.adult_without_eid, world.teen]
    result = services.staff_tool.mass_mailing(world.nurse, "Influensavaccin", recipients)
    assert set(result.delivered) == {world.parent, world.teen}
    assert result.undeliverable == (world.adult_without_eid,)
    assert result.outcome(world.adult_without_eid) == "no_active_account"
    assert result.outcome(world.teen) == "delivered"
    assert world.events_named("mass_mailing_started").height == 1
    assert world.events_named("message_sent").height == 2  # the duplicate got one message
    undeliverable = world.events_named("message_undeliverable").row(0, named=True)
    assert (undeliverable["person"], undeliverable["reason"]) == (
        world.adult_without_eid,
        "no_active_account",
    )
    before = services.snapshot()
    with pytest.raises(UnknownPerson):
        services.staff_tool.mass_mailing(world.nurse, "Vaccin", [world.parent, 10_000])
    assert services.snapshot() == before


def test_f7_appointment_notices_fall_back_to_paper(world: World) -> None:
    services = world.services
    tool = services.staff_tool
    services.portal.login(world.teen, EID.BANKID)
    digital = tool.send_message(world.nurse, world.teen, Kind.APPOINTMENT_NOTICE)
    paper = tool.send_message(world.nurse, world.adult_without_eid, Kind.APPOINTMENT_NOTICE)
    assert digital is not None
    assert paper is None
    paper_rows = world.events_named("paper_sent")
    assert paper_rows.select("person", "channel", "reason").rows() == [
        (world.adult_without_eid, "paper", "no_active_account")
    ]
    with pytest.raises(AccountNotActive):
        tool.send_message(world.nurse, world.adult_without_eid, Kind.QUESTION)


def test_f8_read_status_says_who_read_and_when(world: World) -> None:
    services = world.services
    tool = services.staff_tool
    anna = services.portal.login(world.parent, EID.BANKID)
    proxy = anna.activate_for(world.child)
    eva = services.portal.login(world.teen, EID.BANKID)
    to_child = tool.send_message(world.nurse, world.child, Kind.QUESTION)
    to_teen = tool.send_message(world.nurse, world.teen, Kind.QUESTION)
    assert to_child is not None
    assert to_teen is not None
    assert not tool.read_status(world.nurse, to_teen).read
    services.advance_to(90.0)
    eva.read(to_teen)
    proxy.read(to_child)
    services.advance_to(200.0)
    eva.read(to_teen)  # a second read changes and logs nothing
    status = tool.read_status(world.nurse, to_teen)
    assert (status.reader, status.read_at, status.read_by_guardian) == (
        world.teen,
        EPOCH + timedelta(minutes=90),
        False,
    )
    by_guardian = tool.read_status(world.nurse, to_child)
    assert (by_guardian.person, by_guardian.reader) == (world.child, world.parent)
    assert by_guardian.read_by_guardian
    reads = world.events_named("message_read")
    assert reads.select("person", "actor", "actor_role").rows() == [
        (world.teen, world.teen, "citizen"),
        (world.child, world.parent, "guardian_proxy"),
    ]


def test_f8_unread_list_stays_right_around_a_message_never_opened(world: World) -> None:
    """The unread list (oldest first) behind an old message left unread, read in any order,
    asked for between reads: the list the inbox keeps for logins (inbox.py's unread chain)."""
    services = world.services
    tool = services.staff_tool
    eva = services.portal.login(world.teen, EID.BANKID)
    sent = []
    for _ in range(12):
        message = tool.send_message(world.nurse, world.teen, Kind.QUESTION)
        assert message is not None
        sent.append(message)
    never_opened = sent[0]
    for message in (sent[5], sent[11], sent[1], sent[6]):
        eva.read(message)
        assert eva.unread() == [m for m in sent if not tool.read_status(world.nurse, m).read]
    assert eva.unread() == [never_opened, *sent[2:5], *sent[7:11]]
    for message in sent[2:5]:
        eva.read(message)
    later = tool.send_message(world.nurse, world.teen, Kind.QUESTION)
    assert eva.unread() == [never_opened, *sent[7:11], later]
    for message in [*sent[7:11], later]:
        eva.read(message)
    assert eva.unread() == [never_opened]
    eva.read(never_opened)
    assert eva.unread() == []
    newest = tool.send_message(world.nurse, world.teen, Kind.QUESTION)
    assert eva.unread() == [newest]
    assert [view.message for view in eva.inbox()] == [newest, later, *reversed(sent)]


def test_d1_staff_tool_shows_alert_choice_record_system_does_not(world: World) -> None:
    services = world.services
    eva = services.portal.login(world.teen, EID.BANKID)
    eva.update_settings(mobile="0703333333", sms_alerts=True)
    assert services.staff_tool.alert_choices(world.teen).sms_alerts
    record = services.records.view(world.teen)
    assert not any("alert" in field.name for field in dataclasses.fields(record))


def test_d3_two_guardians_one_by_sms_one_by_email(world: World) -> None:
    services = world.services
    anna = services.portal.login(world.parent, EID.BANKID)
    proxy = anna.activate_for(world.child)
    proxy.update_settings(
        mobile="0702222222",  # the other parent's registered mobile
        email="anna@example.se",  # this parent's registered e-mail
        sms_alerts=True,
        email_alerts=True,
    )
    settings = proxy.settings()
    assert (settings.mobile_owner, settings.email_owner) == (world.other_parent, world.parent)
    services.staff_tool.send_message(world.nurse, world.child, Kind.QUESTION)
    services.advance_to(2.0)
    alerts = services.alerts.sent().sort("channel")
    assert alerts.select("channel", "recipient", "destination").rows() == [
        ("email", world.parent, "anna@example.se"),
        ("sms", world.other_parent, "0702222222"),
    ]


def test_d5_coordination_number_without_bankid(world: World) -> None:
    services = world.services
    with pytest.raises(LoginRefused, match="R1"):
        services.portal.login(world.coordinated, EID.BANKID)
    number = services.register.personal_number(world.coordinated)
    assert number.kind == "samordningsnummer"
    session = services.portal.login(number.canonical, EID.FREJA_PLUS)
    assert session.person == world.coordinated


def test_d6_alert_one_minute_later_to_channels_approved_then(world: World) -> None:
    services = world.services
    tool = services.staff_tool
    eva = services.portal.login(world.teen, EID.BANKID)
    eva.update_settings(mobile="0703333333", sms_alerts=True)
    services.advance_to(10.0)
    first = tool.send_message(world.nurse, world.teen, Kind.QUESTION)
    services.advance_to(10.5)
    assert len(services.alerts) == 0
    assert services.alerts.pending == 1
    second = tool.send_message(world.nurse, world.teen, Kind.QUESTION)
    eva.update_settings(sms_alerts=False)  # within the minute: the second alert is not sent
    services.advance_to(10.9)
    eva.update_settings(email="eva@example.se", email_alerts=True)
    services.advance_to(60.0)
    sent = services.alerts.sent()
    assert sent.select("message", "channel", "time").rows() == [
        (first, "email", datetime(2025, 6, 1, 8, 11)),
        (second, "email", datetime(2025, 6, 1, 8, 11, 30)),
    ]
    assert services.alerts.pending == 0
    alert_rows = world.events_named("alert_sent")
    assert alert_rows["time"].to_list() == sent["time"].to_list()
    assert alert_rows["recipient"].to_list() == [None, None]  # typed by hand: owner unknown
    assert world.events_named("message_sent")["alert_sms"].to_list() == [True, True]


def test_d6_alert_delay_is_a_parameter(world: World) -> None:
    from domain_world import build_world

    slow = build_world(alert_delay_minutes=5.0)
    services = slow.services
    eva = services.portal.login(slow.teen, EID.BANKID)
    eva.update_settings(mobile="0703333333", sms_alerts=True)
    services.staff_tool.send_message(slow.nurse, slow.teen, Kind.QUESTION)
    services.advance_to(4.9)
    assert len(services.alerts) == 0
    services.advance_to(5.0)
    assert len(services.alerts) == 1
    assert world.services.alerts.pending == 0
    with pytest.raises(InvalidOperation, match="D6"):
        build_world(alert_delay_minutes=-1.0)


def test_reason_codes_are_the_event_vocabulary(world: World) -> None:
    with pytest.raises(LoginRefused) as refused:
        world.services.portal.login(world.adult_without_eid, EID.FREJA_PLUS)
    assert refused.value.reason is Reason.NO_EID

"""The staff half of the service and the register over time (issue 13), rule by rule.

Templates and "Skicka ärende" (R18, R19, R20), forms with questions (F3), attachments both ways
(F5), per-clinic access (R17), contacts shared with healthcare (R4, R5, R6), R9 as the source
says (D8), consent at 13 (R2, D7), and protection and custody changes (R12, D9). Every refusal
leaves the domain exactly as it was.
"""

from __future__ import annotations

from datetime import date

import pytest
from domain_world import World, number

from etj_sim.domain import (
    EID,
    AccessDenied,
    AccountNotActive,
    Attachment,
    AttachmentRefused,
    CaseState,
    FormAnswersInvalid,
    InvalidOperation,
    ProxyRefused,
    Question,
    QuestionType,
    SettingsNotEditable,
    TemplateKind,
)
from etj_sim.domain.catalogue import MAX_ATTACHMENT_BYTES
from etj_sim.events import Kind, Reason

PDF = Attachment("remiss.pdf", "application/pdf", 120_000)
PHOTO = Attachment("utslag.jpg", "image/jpeg", 900_000)


def _questions() -> tuple[Question, ...]:
    return (
        Question("weight", "Vikt (kg)?", QuestionType.NUMBER),
        Question("pain", "Har du ont?", QuestionType.CHOICE, choices=("ja", "nej")),
        Question("since", "Sedan när?", QuestionType.DATE, required=False),
        Question("notes", "Övrigt", QuestionType.TEXT, required=False),
    )


# -- templates (R18) and "Skicka ärende" (R19, R20) ----------------------------------------


def test_r18_templates_are_standard_or_the_clinic_own(world: World) -> None:
    tool = world.services.staff_tool
    standard = {t.subject for t in tool.templates(world.nurse) if t.clinic is None}
    assert "Fråga från mottagningen" in standard
    own = tool.create_template(world.nurse, TemplateKind.QUESTION, "Provsvar", "Hej!")
    assert own in {t.template for t in tool.templates(world.nurse)}
    assert own not in {t.template for t in tool.templates(world.other_nurse)}
    before = world.services.snapshot()
    with pytest.raises(AccessDenied, match="R18"):
        tool.send_case(world.other_nurse, own)
    assert world.services.snapshot() == before


def test_r19_skicka_arende_opens_a_case_the_citizen_can_answer(world: World) -> None:
    services = world.services
    tool = services.staff_tool
    eva = services.portal.login(world.teen, EID.BANKID)
    draft = tool.send_case(world.nurse, tool.standard_template(TemplateKind.QUESTION))
    draft.enter_personal_number(world.teen)
    opened = draft.send(text="Hur mår du efter behandlingen?")
    assert tool.my_cases(world.nurse) == [opened.case]
    assert opened.case in tool.clinic_cases(world.nurse)
    view = tool.case_view(world.nurse, opened.case)
    assert (view.state, view.opened_by_staff, view.assigned_staff) == (
        CaseState.AWAITING_CITIZEN,
        True,
        world.nurse,
    )
    assert view.entries[0].message == opened.message
    assert eva.unread() == [opened.message]
    eva.reply(opened.case, text="Bra, tack")
    assert tool.case_view(world.nurse, opened.case).state is CaseState.AWAITING_STAFF
    tool.answer_case(world.nurse, opened.case, text="Skönt att höra", close=True)
    assert tool.case_view(world.nurse, opened.case).closed
    events = world.events()
    assert events.filter(event="staff_case_opened").select("person", "staff").rows() == [
        (world.teen, world.nurse)
    ]
    assert "case_started" not in events["event"].to_list()  # citizens' cases only (F1)


def test_r20_the_send_step_shows_alert_choices_and_only_shared_contacts(world: World) -> None:
    services = world.services
    eva = services.portal.login(world.teen, EID.BANKID)
    eva.update_settings(mobile="0703333333", sms_alerts=True)
    tool = services.staff_tool
    draft = tool.send_case(world.nurse, tool.standard_template(TemplateKind.QUESTION))
    shown = draft.enter_personal_number(services.register.personal_number(world.teen))
    assert (shown.sms_alerts, shown.email_alerts) == (True, False)
    assert shown.shared_mobile is None  # entered for alerts, not shared (R4)
    eva.update_settings(share_mobile=True)
    shown = tool.alert_choices(world.teen)
    assert shown.shared_mobile == "0703333333"
    assert shown.shared_email is None


def test_r20_a_case_to_an_inactive_account_is_refused_and_changes_nothing(world: World) -> None:
    tool = world.services.staff_tool
    draft = tool.send_case(world.nurse, tool.standard_template(TemplateKind.QUESTION))
    draft.enter_personal_number(world.adult_without_eid)
    before = world.services.snapshot()
    with pytest.raises(AccountNotActive, match="R2"):
        draft.send()
    assert world.services.snapshot() == before


def test_r11_staff_see_whether_the_child_or_a_guardian_answered(world: World) -> None:
    services = world.services
    tool = services.staff_tool
    anna = services.portal.login(world.parent, EID.BANKID)
    proxy = anna.activate_for(world.child)
    draft = tool.send_case(world.nurse, tool.standard_template(TemplateKind.QUESTION))
    draft.enter_personal_number(world.child)
    opened = draft.send()
    proxy.reply(opened.case, text="Hon mår bra")
    answer = tool.case_view(world.nurse, opened.case).entries[-1]
    assert (answer.author, answer.author_role.name) == (world.parent, "GUARDIAN_PROXY")


# -- forms (F3) ----------------------------------------------------------------------------


def test_f3_a_clinic_authors_a_form_and_staff_see_the_answers_in_the_case(world: World) -> None:
    services = world.services
    tool = services.staff_tool
    form = tool.create_form(world.nurse, "Inför operation", _questions())
    template = tool.create_template(world.nurse, TemplateKind.FORM, "Inför operation", form=form)
    eva = services.portal.login(world.teen, EID.BANKID)
    draft = tool.send_case(world.nurse, template)
    draft.enter_personal_number(world.teen)
    opened = draft.send()
    assert eva.inbox()[0].form == form
    answers = {"weight": 61.5, "pain": "nej", "since": date(2025, 5, 1)}
    eva.submit_form(opened.message, answers)
    assert tool.form_answers(world.nurse, opened.message) == answers
    view = tool.case_view(world.nurse, opened.case)
    assert view.entries[-1].form_answers == answers
    assert view.state is CaseState.AWAITING_STAFF
    # F8: a submitted form counts as read.
    assert tool.read_status(world.nurse, opened.message).read
    submitted = world.events_named("form_submitted")
    assert submitted.select("message", "form").rows() == [(opened.message, form)]
    assert world.events_named("message_read")["message"].to_list() == [opened.message]


@pytest.mark.parametrize(
    ("answers", "question"),
    [
        ({"pain": "nej"}, "weight"),  # a required answer missing
        ({"weight": "sextio", "pain": "nej"}, "weight"),  # wrong type
        ({"weight": True, "pain": "nej"}, "weight"),  # a bool is not a number
        ({"weight": float("nan"), "pain": "nej"}, "weight"),
        ({"weight": 60, "pain": "kanske"}, "pain"),  # not one of the choices
        ({"weight": 60, "pain": "ja", "since": "igår"}, "since"),  # not a date
        ({"weight": 60, "pain": "ja", "shoe_size": 41}, "shoe_size"),  # no such question
    ],
)
def test_f3_invalid_answers_name_the_question_and_store_nothing(
    world: World, answers: dict[str, object], question: str
) -> None:
    services = world.services
    tool = services.staff_tool
    form = tool.create_form(world.nurse, "Inför operation", _questions())
    eva = services.portal.login(world.teen, EID.BANKID)
    message = tool.send_message(world.nurse, world.teen, Kind.FORM, form=form)
    assert message is not None
    before = services.snapshot()
    with pytest.raises(FormAnswersInvalid, match=question) as refused:
        eva.submit_form(message, answers)
    assert refused.value.question == question
    assert services.snapshot() == before
    assert tool.form_answers(world.nurse, message) is None


def test_f3_bad_forms_and_other_clinics_forms_are_refused(world: World) -> None:
    tool = world.services.staff_tool
    with pytest.raises(InvalidOperation, match="two or more"):
        tool.create_form(
            world.nurse, "X", [Question("a", "A?", QuestionType.CHOICE, choices=("j",))]
        )
    with pytest.raises(InvalidOperation, match="twice"):
        tool.create_form(world.nurse, "X", [Question("a", "A?"), Question("a", "B?")])
    with pytest.raises(InvalidOperation, match="at least one"):
        tool.create_form(world.nurse, "X", [])
    form = tool.create_form(world.nurse, "Egen", _questions())
    with pytest.raises(AccessDenied, match="R17"):
        tool.send_message(world.other_nurse, world.teen, Kind.FORM, form=form)


# -- attachments both ways (F5) --------------------------------------------------------------


def test_f5_staff_attachments_reach_only_the_addressee(world: World) -> None:
    services = world.services
    tool = services.staff_tool
    eva = services.portal.login(world.teen, EID.BANKID)
    anna = services.portal.login(world.parent, EID.BANKID)
    message = tool.send_message(
        world.nurse, world.teen, Kind.PRE_VISIT_INFORMATION, attachments=[PDF]
    )
    case = eva.start_case(world.clinic, "contact_form", attachments=[PHOTO])
    answer = tool.answer_case(world.nurse, case, text="Se bilaga", attachments=[PDF])
    mailing = tool.mass_mailing(world.nurse, "Vaccination", [world.teen], attachments=[PDF])
    views = {view.message: view for view in eva.inbox()}
    assert views[message].attachments == (PDF,)
    assert views[answer].attachments == (PDF,)
    assert views[mailing.delivered[world.teen]].attachments == (PDF,)
    assert all(not view.attachments for view in anna.inbox())
    entries = tool.case_view(world.nurse, case).entries
    assert [entry.attachments for entry in entries] == [(PHOTO,), (PDF,)]
    rows = world.events_named("attachment_sent")
    assert rows["actor_role"].to_list().count("staff") == 3
    assert rows["actor_role"].to_list().count("citizen") == 1


@pytest.mark.parametrize(
    ("attachment", "match"),
    [
        (Attachment("virus.exe", "application/x-msdownload", 10), "type"),
        (Attachment("stor.pdf", "application/pdf", MAX_ATTACHMENT_BYTES + 1), "bytes"),
        (Attachment("", "application/pdf", 10), "file name"),
    ],
)
def test_f5_attachments_outside_the_limits_are_refused(
    world: World, attachment: Attachment, match: str
) -> None:
    services = world.services
    eva = services.portal.login(world.teen, EID.BANKID)
    before = services.snapshot()
    with pytest.raises(AttachmentRefused, match=match):
        eva.start_case(world.clinic, "contact_form", attachments=[attachment])
    with pytest.raises(AttachmentRefused, match=match):
        services.staff_tool.send_message(
            world.nurse, world.teen, Kind.QUESTION, attachments=[attachment]
        )
    assert services.snapshot() == before


# -- per-clinic access (R17) -----------------------------------------------------------------


def test_r17_staff_see_and_act_only_on_their_own_clinic(world: World) -> None:
    services = world.services
    tool = services.staff_tool
    eva = services.portal.login(world.teen, EID.BANKID)
    case = eva.start_case(world.clinic, "contact_form", text="Hej")
    message = tool.send_message(world.nurse, world.teen, Kind.QUESTION)
    assert message is not None
    assert tool.clinic_cases(world.other_nurse) == []
    assert tool.next_case(world.other_nurse) is None
    before = services.snapshot()
    for attempt in (
        lambda: tool.case_view(world.other_nurse, case),
        lambda: tool.read_status(world.other_nurse, message),
        lambda: tool.form_answers(world.other_nurse, message),
        lambda: tool.assign_case(world.other_nurse, case),
        lambda: tool.answer_case(world.other_nurse, case, text="Fel mottagning"),
        lambda: tool.close_case(world.other_nurse, case),
    ):
        with pytest.raises(AccessDenied, match="R17"):
            attempt()
    assert services.snapshot() == before


def test_r17_a_case_a_colleague_holds_is_theirs_to_answer(world: World) -> None:
    services = world.services
    tool = services.staff_tool
    colleague = tool.add_staff(world.clinic, "doctor", "Läkare Per")
    eva = services.portal.login(world.teen, EID.BANKID)
    case = eva.start_case(world.clinic, "contact_form", text="Hej")
    tool.assign_case(colleague, case)
    assert tool.my_cases(colleague) == [case]
    assert tool.my_cases(world.nurse) == []
    with pytest.raises(AccessDenied, match="Mina ärenden"):
        tool.answer_case(world.nurse, case, text="Svar")
    tool.assign_case(world.nurse, case)  # taking it over is allowed within the clinic
    tool.answer_case(world.nurse, case, text="Svar", close=True)


# -- sharing with healthcare (R4, R5, R6) ----------------------------------------------------


def test_r4_sharing_needs_the_contact_and_ends_with_it(world: World) -> None:
    services = world.services
    eva = services.portal.login(world.teen, EID.BANKID)
    before = services.snapshot()
    with pytest.raises(InvalidOperation, match="R4"):
        eva.update_settings(share_email=True)  # no e-mail in the settings
    assert services.snapshot() == before
    eva.update_settings(mobile="0703333333", share_mobile=True)
    assert eva.settings().share_mobile
    eva.update_settings(mobile=None)
    assert not eva.settings().share_mobile
    assert services.staff_tool.alert_choices(world.teen).shared_mobile is None


def test_r5_r6_staff_cannot_share_for_the_citizen_and_the_record_shows_no_alerts(
    world: World,
) -> None:
    services = world.services
    eva = services.portal.login(world.teen, EID.BANKID)
    eva.update_settings(mobile="0703333333", sms_alerts=True, share_mobile=True)
    with pytest.raises(SettingsNotEditable, match="R5"):
        services.staff_tool.update_settings(world.teen, share_mobile=False)
    record = services.records.view(world.teen)
    assert not any("alert" in name or "share" in name for name in record.__slots__)


# -- R9 as the source says (D8) ---------------------------------------------------------------


def test_r9_an_unborn_child_cannot_be_activated_by_proxy(world: World) -> None:
    services = world.services
    unborn = services.register.add_person(
        number(date(2025, 9, 1), 612), first_name="Ny", last_name="Berg", eids=()
    )
    services.register.add_guardianship(world.parent, unborn)
    anna = services.portal.login(world.parent, EID.BANKID)
    before = services.snapshot()
    with pytest.raises(ProxyRefused, match="R9") as refused:
        anna.activate_for(unborn)
    assert refused.value.reason is Reason.NO_PERSONNUMMER
    assert services.snapshot() == before
    assert world.events_named("proxy_refused")["reason"].to_list() == ["no_personnummer"]


def test_r9_d8_a_child_with_only_a_samordningsnummer_cannot_be_activated_by_proxy(
    world: World,
) -> None:
    services = world.services
    child = services.register.add_person(
        number(date(2020, 3, 3), 622, coordination=True), first_name="Sam", last_name="Berg"
    )
    services.register.add_guardianship(world.parent, child)
    anna = services.portal.login(world.parent, EID.BANKID)
    with pytest.raises(ProxyRefused, match="samordningsnummer"):
        anna.activate_for(child)


def test_r9_text_and_object_name_the_same_unborn_child(world: World) -> None:
    services = world.services
    pn = number(date(2025, 9, 1), 612)
    unborn = services.register.add_person(pn, first_name="Ny", last_name="Berg", eids=())
    assert services.register.person_id(pn) == unborn
    assert services.register.person_id(pn.canonical) == unborn
    assert services.register.person_id(pn.canonical.replace("-", "")) == unborn


# -- consent at 13 (R2, D7) -------------------------------------------------------------------


def test_r2_the_young_person_own_first_login_records_their_consent(world: World) -> None:
    services = world.services
    # Turns 13 on 2025-06-03 and already holds the BankID they will use.
    dan = services.register.add_person(
        number(date(2012, 6, 3), 633), first_name="Dan", last_name="Ek"
    )
    services.register.add_guardianship(world.parent, dan)
    anna = services.portal.login(world.parent, EID.BANKID)
    anna.activate_for(dan)  # D7: the guardian's consent
    services.portal.login(dan, EID.BANKID)  # at 12: an own login, still no consent of his own
    assert world.events_named("consent_recorded").height == 0
    services.advance_to(3 * 1440.0)  # 2025-06-04: he is 13
    services.portal.login(dan, EID.BANKID)
    services.portal.login(dan, EID.BANKID)
    consent = world.events_named("consent_recorded")
    assert consent.select("person", "actor", "actor_role").rows() == [(dan, dan, "citizen")]
    # An account the holder activated needs no second consent.
    services.portal.login(world.teen, EID.BANKID)
    services.portal.login(world.teen, EID.BANKID)
    assert world.events_named("consent_recorded").height == 1


# -- the register over time (R12, R10, D9) -----------------------------------------------------


def test_r12_protection_granted_ends_proxy_at_once_and_lifted_restores_it(world: World) -> None:
    services = world.services
    anna = services.portal.login(world.parent, EID.BANKID)
    proxy = anna.activate_for(world.child)
    services.set_protection(world.child, True)
    with pytest.raises(ProxyRefused, match="R12"):
        proxy.unread()  # an open proxy session is refused from that moment
    with pytest.raises(ProxyRefused, match="R12"):
        anna.act_for(world.child)
    services.set_protection(world.child, False)
    anna.act_for(world.child).unread()
    events = world.events()["event"].to_list()
    assert events.count("protection_granted") == events.count("protection_lifted") == 1
    with pytest.raises(InvalidOperation, match="not protected"):
        services.set_protection(world.child, False)


def test_d9_an_ended_custody_ends_proxy_and_the_guardian_contacts(world: World) -> None:
    services = world.services
    bo = services.portal.login(world.other_parent, EID.FREJA_PLUS)
    proxy = bo.activate_for(world.child)
    proxy.update_settings(mobile="0702222222", sms_alerts=True, email="farmor@example.se")
    changed: list[int] = []
    services.listeners.register_changed.append(changed.append)
    services.end_guardianship(world.other_parent, world.child)
    assert changed == [world.child]
    with pytest.raises(ProxyRefused, match="R3, R10"):
        proxy.unread()
    anna = services.portal.login(world.parent, EID.BANKID)
    settings = anna.act_for(world.child).settings()
    # Bo's registered mobile and its alerts left; the typed address (owner unknown) stays.
    assert (settings.mobile, settings.sms_alerts, settings.email) == (
        None,
        False,
        "farmor@example.se",
    )
    ended = world.events_named("guardianship_ended").row(0, named=True)
    assert (ended["person"], ended["actor"]) == (world.child, world.other_parent)
    system_edit = world.events_named("settings_changed").filter(actor_role="system")
    assert system_edit.height == 1
    with pytest.raises(InvalidOperation, match="not a guardian"):
        services.end_guardianship(world.other_parent, world.child)


def test_r10_a_new_guardianship_allows_proxy(world: World) -> None:
    services = world.services
    ivar = services.portal.login(world.parent_of_protected, EID.BANKID)
    services.start_guardianship(world.parent_of_protected, world.child)
    ivar.activate_for(world.child)
    started = world.events_named("guardianship_started").row(0, named=True)
    assert (started["person"], started["actor"]) == (world.child, world.parent_of_protected)

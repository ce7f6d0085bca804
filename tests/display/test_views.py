"""Displays of what a person sees: valid HTML, names not ids, nothing the viewer may not see.

Pipeline position: tests of ``etj_sim.display.views`` (domain -> displays -> notebooks).
"""

from __future__ import annotations

import pytest
from conftest import Family, checked_html

from etj_sim import display
from etj_sim.domain import EID, Attachment, TemplateKind
from etj_sim.domain.errors import (
    AccessDenied,
    AttachmentRefused,
    DomainError,
    ProxyRefused,
    UnknownPerson,
)


def test_inbox_unread_then_read_by_proxy(family: Family) -> None:
    before = checked_html(display.inbox(family.services, family.lisa_proxy)._repr_html_())
    assert "Inbox of Lisa Andersson, opened by Anna Andersson as guardian (ombud)" in before
    assert "1 unread" in before
    assert "unread" in before
    assert "Vårdcentralen Exempelstad" in before
    family.lisa_proxy.read(family.answer)
    shown = display.inbox(family.services, family.lisa_proxy)
    after = checked_html(shown._repr_html_())
    assert "0 unread" in after
    assert "by Anna Andersson, guardian by proxy (ombud)" in after
    assert "by Anna Andersson" in repr(shown)


def test_inbox_of_the_holder_in_swedish(family: Family) -> None:
    family.services.staff_tool.send_message(
        family.nurse,
        family.anna,
        "pre_visit_information",
        text="Välkommen tisdag.",
        attachments=[Attachment("vagbeskrivning.pdf", "application/pdf", 52_000)],
    )
    text = checked_html(
        display.inbox(family.services, family.anna_session, lang="sv")._repr_html_()
    )
    assert "Inkorg för Anna Andersson" in text
    assert "vagbeskrivning.pdf" in text
    assert "information inför besök" in text
    assert "oläst" in text
    assert "ombud" not in text


def test_empty_inbox(family: Family) -> None:
    maria = family.services.portal.login(family.maria, EID.BANKID)
    text = checked_html(display.inbox(family.services, maria)._repr_html_())
    assert "The inbox is empty." in text


def test_case_dialogue_in_order_with_roles_and_attachments(family: Family) -> None:
    family.lisa_proxy.reply(family.lisa_case, text="Tack!")
    shown = display.case(family.services, family.nurse, family.lisa_case)
    text = checked_html(shown._repr_html_())
    assert "prescription renewal at Vårdcentralen Exempelstad" in text
    assert "Anna Andersson · guardian by proxy (ombud)" in text
    assert "Sara Nilsson (nurse)" in text
    assert "inhalator.jpg" in text
    assert text.index("Astmamedicin") < text.index("Receptet är förnyat") < text.index("Tack!")
    assert "waiting for staff" in text


def test_case_of_another_clinic_is_never_shown(family: Family) -> None:
    with pytest.raises(AccessDenied):
        display.case(family.services, family.other_nurse, family.lisa_case)


def test_case_with_form_answers(family: Family) -> None:
    tool = family.services.staff_tool
    draft = tool.send_case(family.nurse, tool.standard_template(TemplateKind.FORM))
    draft.enter_personal_number(family.anna)
    opened = draft.send(text="Fyll i före besöket.")
    family.anna_session.submit_form(
        opened.message, {"medicines": "Inga", "allergies": "ja", "smoker": "nej"}
    )
    text = checked_html(display.case(family.services, family.nurse, opened.case)._repr_html_())
    assert "sent by staff (Skicka ärende)" in text
    assert "Form answers" in text
    assert "allergies: ja" in text
    assert "smoker: nej" in text


def test_settings_three_views_and_the_record_shows_no_alerts(family: Family) -> None:
    family.lisa_proxy.update_settings(share_mobile=True)
    shown = display.settings(family.services, family.lisa)
    text = checked_html(shown._repr_html_())
    assert "belongs to Anna Andersson" in text
    assert "shared with healthcare" in text
    assert "Staff tool, Skicka ärende (R20)" in text
    assert "Shared mobile 070-222 22 22" in text
    start = shown.html.rindex("<table", 0, shown.html.index("Health record system (R6)"))
    record_text = checked_html(shown.html[start : shown.html.index("</table>", start) + 8])
    assert "Lisa Andersson" in record_text
    assert "20201108-1409" in record_text
    for alert_word in ("alert", "avisering", "070-222", "Mobile", "SMS"):
        assert alert_word not in record_text


def test_staff_view_hides_contacts_not_shared(family: Family) -> None:
    text = checked_html(display.settings(family.services, family.lisa)._repr_html_())
    staff_part = text.split("Staff tool, Skicka ärende (R20)")[1].split("Health record")[0]
    assert "Shared mobile none" in staff_part
    assert "070-222" not in staff_part


def test_alerts_show_the_exact_sms_text(family: Family) -> None:
    shown = display.alerts(family.services, family.lisa)
    text = checked_html(shown._repr_html_())
    assert family.services.alerts.SMS_TEXT in text
    assert "SMS to Anna Andersson (070-222 22 22)" in text
    assert checked_html(display.alerts(family.services, family.anna)._repr_html_()).endswith(
        "No alert was sent."
    )


def test_alerts_by_email_carry_the_subject(family: Family) -> None:
    family.anna_session.update_settings(email="anna@example.se", email_alerts=True)
    family.services.staff_tool.send_message(family.nurse, family.anna, "question", text="Hej")
    family.services.advance_to(10.0)
    text = checked_html(display.alerts(family.services, family.anna, lang="sv")._repr_html_())
    assert family.services.alerts.EMAIL_SUBJECT in text
    assert family.services.alerts.EMAIL_TEXT in text
    assert "e-post till Anna Andersson (anna@example.se)" in text


def test_read_status_unread_and_by_proxy(family: Family) -> None:
    tool = family.services.staff_tool
    unread = display.read_status(family.services, tool.read_status(family.nurse, family.answer))
    assert "Not read yet." in checked_html(unread._repr_html_())
    family.lisa_proxy.read(family.answer)
    status = tool.read_status(family.nurse, family.answer)
    text = checked_html(display.read_status(family.services, status, lang="sv")._repr_html_())
    assert "till Lisa Andersson" in text
    assert "av Anna Andersson, vårdnadshavare som ombud" in text


def test_refusal_shows_rule_and_plain_sentence(family: Family) -> None:
    maria = family.services.portal.login(family.maria, EID.BANKID)
    shown = display.refused(lambda: maria.act_for(family.lisa))
    text = checked_html(shown._repr_html_())
    assert "Rule R3, R10" in text
    assert "The guardian cannot act for this child (ombud) now." in text
    assert "not a guardian of the child" in text
    assert repr(shown).startswith("Refused (R3, R10):")


def test_refusal_in_swedish_with_the_reason(family: Family) -> None:
    try:
        family.services.portal.login(family.lisa, EID.BANKID)
    except DomainError as error:
        text = checked_html(display.refusal(error, lang="sv")._repr_html_())
    assert "Regel R15, D2" in text
    assert "Inloggningen nekades." in text
    assert "under 13 utan egen e-legitimation" in text


def test_refused_requires_a_refusal(family: Family) -> None:
    with pytest.raises(AssertionError, match="expected to be refused"):
        display.refused(lambda: family.lisa_proxy.inbox())


def test_protected_guardian_refusal_names_r12(family: Family) -> None:
    family.services.register.add_guardianship(family.maria, family.lisa)
    family.services.set_protection(family.lisa, True)
    with pytest.raises(ProxyRefused) as refused:
        family.anna_session.act_for(family.lisa)
    assert "Rule R12" in checked_html(display.refusal(refused.value)._repr_html_())


def test_views_display_on_their_own_without_raw_reprs(family: Family) -> None:
    tool = family.services.staff_tool
    views = [
        family.lisa_proxy.inbox()[0],
        family.lisa_proxy.settings(),
        tool.alert_choices(family.lisa),
        family.services.records.view(family.lisa),
        tool.read_status(family.nurse, family.answer),
        tool.case_view(family.nurse, family.lisa_case),
    ]
    for view in views:
        html = view._repr_html_()  # type: ignore[attr-defined]
        checked_html(html)
        for raw in ("<ActorRole", "<Kind", "<CaseState", "ActorRole.", "Kind."):
            assert raw not in html
            assert raw not in repr(view)
    record_html = family.services.records.view(family.lisa)._repr_html_()
    assert "alert" not in record_html.lower()
    assert "reader_role=guardian_proxy" not in repr(views[4])
    family.lisa_proxy.read(family.answer)
    assert "reader_role=guardian_proxy" in repr(tool.read_status(family.nurse, family.answer))


def test_unknown_language_is_refused(family: Family) -> None:
    with pytest.raises(ValueError, match="unknown language 'de'"):
        display.inbox(family.services, family.lisa_proxy, lang="de")  # type: ignore[arg-type]


def test_refusal_names_people_when_the_service_is_given(family: Family) -> None:
    maria = family.services.portal.login(family.maria, EID.BANKID)
    shown = display.refused(lambda: maria.act_for(family.lisa), services=family.services)
    text = checked_html(shown.html)
    assert "(guardian Maria Berg, child Lisa Andersson)" in text
    assert "Maria Berg is not a guardian" in text


def test_settings_in_swedish_and_an_unknown_person(family: Family) -> None:
    text = checked_html(display.settings(family.services, family.lisa, lang="sv").html)
    assert "Invånarens inställningar (1177, R4)" in text
    assert "tillhör Anna Andersson" in text
    assert "Journalsystemet (R6)" in text
    with pytest.raises(UnknownPerson):
        display.settings(family.services, 999)


def test_refusal_without_a_rule_in_its_message_names_the_rule_of_its_kind() -> None:
    text = checked_html(display.refusal(AttachmentRefused("the file is too large")).html)
    assert "Rule F5" in text
    assert "the file is too large" in text
    bare = checked_html(display.refusal(DomainError("something else")).html)
    assert "Rule –" in bare

"""Children, proxy and protected identity: R9-R16 and decisions D2, D4, D7.

Pipeline position: tests of ``etj_sim.domain`` (portal proxy checks, settings, birthdays).
"""

from __future__ import annotations

from datetime import date, datetime

import pytest
from domain_world import EPOCH, MINUTES_PER_DAY, World, number

from etj_sim.domain import EID, AccountNotActive, LoginRefused, ProxyRefused
from etj_sim.events import Kind, Reason

# The world's almost_13 turns 13 on 2025-06-03; the epoch is 2025-06-01 08:00.
MIDNIGHT_OF_13TH_BIRTHDAY = (datetime(2025, 6, 3) - EPOCH).total_seconds() / 60.0


def test_r9_guardian_activates_a_newly_registered_child(world: World) -> None:
    services = world.services
    newborn = services.register.add_person(
        number(date(2025, 6, 1), 482), first_name="Nils", last_name="Berg", eids=()
    )
    services.register.add_guardianship(world.parent, newborn)
    anna = services.portal.login(world.parent, EID.BANKID)
    proxy = anna.activate_for(newborn)
    assert (proxy.person, proxy.actor) == (newborn, world.parent)
    activation = world.events_named("account_activated").filter(person=newborn)
    assert activation.select("actor", "actor_role").rows() == [(world.parent, "guardian_proxy")]
    anna.activate_for(newborn)  # already active: nothing new
    assert world.events_named("account_activated").filter(person=newborn).height == 1


def test_r10_guardian_acts_for_child_under_13(world: World) -> None:
    services = world.services
    anna = services.portal.login(world.parent, EID.BANKID)
    proxy = anna.activate_for(world.child)
    case = proxy.start_case(world.clinic, Kind.PRESCRIPTION_RENEWAL, text="Astmamedicin")
    view = services.staff_tool.case_view(world.nurse, case)
    assert (view.person, view.started_by) == (world.child, world.parent)
    message = services.staff_tool.answer_case(world.nurse, case, text="Förnyat")
    proxy.reply(case, text="Tack")
    assert proxy.unread() == [message]
    started = world.events_named("case_started").row(0, named=True)
    assert (started["person"], started["actor"], started["actor_role"]) == (
        world.child,
        world.parent,
        "guardian_proxy",
    )


def test_r10_only_a_guardian_may_act_as_proxy(world: World) -> None:
    services = world.services
    bo = services.portal.login(world.other_parent, EID.FREJA_PLUS)
    stranger = services.portal.login(world.parent_of_protected, EID.BANKID)
    bo.activate_for(world.child)
    before = services.snapshot()
    with pytest.raises(ProxyRefused, match="R10") as refused:
        stranger.act_for(world.child)
    assert refused.value.reason is Reason.NOT_GUARDIAN
    assert services.snapshot() == before
    assert world.events_named("proxy_refused")["reason"].to_list() == ["not_guardian"]


def test_r10_children_under_13_without_an_own_eid_have_no_own_login(world: World) -> None:
    services = world.services
    child = services.register.add_person(
        number(date(2015, 1, 1), 512), first_name="Ola", last_name="Berg", eids=()
    )
    with pytest.raises(LoginRefused, match="under 13") as refused:
        services.portal.login(child, EID.BANKID)
    assert refused.value.reason is Reason.UNDER_13
    assert world.events_named("login_refused")["reason"].to_list() == ["under_13"]
    assert not services.staff_tool.alert_choices(child).account_active


def test_r11_a_child_under_13_with_an_own_eid_acts_themself_and_staff_see_it(
    world: World,
) -> None:
    services = world.services
    child = services.register.add_person(
        number(date(2015, 1, 1), 512), first_name="Ola", last_name="Berg"
    )
    services.register.add_guardianship(world.parent, child)
    own = services.portal.login(child, EID.BANKID)  # R1: the child holds a BankID
    assert not own.settings_review_prompted  # R14 comes at 13, not before
    by_child = own.start_case(world.clinic, "contact_form", text="Ont i halsen")
    anna = services.portal.login(world.parent, EID.BANKID)
    by_guardian = anna.act_for(child).start_case(world.clinic, "contact_form")  # R10 stays
    tool = services.staff_tool
    assert not tool.case_view(world.nurse, by_child).started_by_guardian_proxy
    assert tool.case_view(world.nurse, by_child).started_by == child
    assert tool.case_view(world.nurse, by_guardian).started_by_guardian_proxy
    assert world.events_named("consent_recorded").height == 0  # consent at 13 only


def test_r11_staff_see_who_started_a_case(world: World) -> None:
    services = world.services
    anna = services.portal.login(world.parent, EID.BANKID)
    by_guardian = anna.activate_for(world.child).start_case(world.clinic, "contact_form")
    eva = services.portal.login(world.teen, EID.BANKID)
    by_teen = eva.start_case(world.clinic, "contact_form")
    assert services.staff_tool.case_view(world.nurse, by_guardian).started_by_guardian_proxy
    own = services.staff_tool.case_view(world.nurse, by_teen)
    assert not own.started_by_guardian_proxy
    assert own.started_by == own.person == world.teen


def test_r12_protected_child_blocks_proxy(world: World) -> None:
    services = world.services
    ivar = services.portal.login(world.parent_of_protected, EID.BANKID)
    before = services.snapshot()
    with pytest.raises(ProxyRefused, match="R12") as refused:
        ivar.activate_for(world.protected_child)
    assert refused.value.reason is Reason.PROTECTED_CHILD
    assert services.snapshot() == before
    refusal = world.events_named("proxy_refused").row(0, named=True)
    assert (refusal["person"], refusal["actor"], refusal["reason"]) == (
        world.protected_child,
        world.parent_of_protected,
        "protected_child",
    )


def test_r12_protected_guardian_cannot_act_as_proxy(world: World) -> None:
    services = world.services
    gun = services.portal.login(world.protected_parent, EID.BANKID)
    with pytest.raises(ProxyRefused, match="R12") as refused:
        gun.act_for(world.child_of_protected)
    assert refused.value.reason is Reason.PROTECTED_GUARDIAN
    assert world.events_named("proxy_refused")["reason"].to_list() == ["protected_guardian"]


def test_r13_guardian_contacts_go_in_each_childs_settings(world: World) -> None:
    services = world.services
    anna = services.portal.login(world.parent, EID.BANKID)
    child = anna.activate_for(world.child)
    sibling = anna.activate_for(world.almost_13)
    child.update_settings(mobile="0701111111", sms_alerts=True)
    assert sibling.settings().mobile is None  # each child has its own settings
    assert anna.settings().mobile is None  # and the guardian's own account is untouched
    tool = services.staff_tool
    to_child = tool.send_message(world.nurse, world.child, Kind.QUESTION)
    tool.send_message(world.nurse, world.almost_13, Kind.QUESTION)
    services.advance_to(2.0)
    sent = services.alerts.sent()
    assert sent.select("person", "recipient", "message").rows() == [
        (world.child, world.parent, to_child)
    ]


def test_r14_turning_13_prompts_review_and_clears_nothing(world: World) -> None:
    services = world.services
    register = services.register
    # Turns 13 on 2025-06-02 and has a BankID of their own.
    young = register.add_person(number(date(2012, 6, 2), 622), first_name="Per", last_name="Berg")
    register.add_guardianship(world.parent, young)
    anna = services.portal.login(world.parent, EID.BANKID)
    anna.activate_for(young).update_settings(mobile="0701111111", sms_alerts=True)
    anna.activate_for(world.almost_13)
    services.advance_to(3 * MINUTES_PER_DAY)
    turned = world.events_named("turned_13")
    assert turned.select("person", "time").rows() == [
        (young, datetime(2025, 6, 2)),
        (world.almost_13, datetime(2025, 6, 3)),
    ]
    first = services.portal.login(young, EID.BANKID)
    assert first.settings_review_prompted
    settings = first.settings()
    assert (settings.mobile, settings.mobile_owner, settings.sms_alerts) == (
        "0701111111",
        world.parent,
        True,
    )
    assert not services.portal.login(young, EID.BANKID).settings_review_prompted
    prompts = world.events_named("settings_review_prompted")
    assert prompts["person"].to_list() == [young]


def test_r15_from_13_only_own_eid(world: World) -> None:
    services = world.services
    with pytest.raises(LoginRefused, match="R15") as refused:
        services.portal.login(world.teen_without_eid, EID.BANKID)
    assert refused.value.reason is Reason.NEEDS_OWN_EID
    eva = services.portal.login(world.teen, EID.BANKID)
    assert eva.person == world.teen
    assert world.events_named("login_refused")["reason"].to_list() == ["needs_own_eid"]


def test_r16_protected_persons_use_the_services_like_anyone(world: World) -> None:
    services = world.services
    gun = services.portal.login(world.protected_parent, EID.BANKID)
    gun.update_settings(email="gun@example.se", email_alerts=True)
    case = gun.start_case(world.clinic, Kind.HEALTH_DECLARATION, text="Deklaration")
    answer = services.staff_tool.answer_case(world.nurse, case, text="Mottaget")
    services.advance_to(2.0)
    gun.read(answer)
    assert services.staff_tool.read_status(world.nurse, answer).reader == world.protected_parent
    assert services.alerts.sent()["person"].to_list() == [world.protected_parent]
    assert services.staff_tool.alert_choices(world.protected_parent).email_alerts


def test_d2_proxy_ends_on_the_13th_birthday(world: World) -> None:
    services = world.services
    anna = services.portal.login(world.parent, EID.BANKID)
    proxy = anna.activate_for(world.almost_13)
    message = services.staff_tool.send_message(world.nurse, world.almost_13, Kind.QUESTION)
    assert message is not None
    services.advance_to(MIDNIGHT_OF_13TH_BIRTHDAY - 1.0)
    assert proxy.unread() == [message]  # the day before: still 12
    services.advance_to(MIDNIGHT_OF_13TH_BIRTHDAY)
    before = services.snapshot()
    with pytest.raises(ProxyRefused, match="D2") as refused:
        proxy.read(message)  # the same session, re-checked on every call
    assert refused.value.reason is Reason.CHILD_13_OR_OLDER
    with pytest.raises(ProxyRefused, match="D2"):
        anna.act_for(world.almost_13)
    assert services.snapshot() == before
    assert world.events_named("proxy_refused")["reason"].to_list() == ["child_13_or_older"] * 2
    assert not services.staff_tool.read_status(world.nurse, message).read


def test_d4_guardian_alerts_continue_after_13_until_settings_change(world: World) -> None:
    services = world.services
    anna = services.portal.login(world.parent, EID.BANKID)
    anna.activate_for(world.almost_13).update_settings(mobile="0701111111", sms_alerts=True)
    services.advance_to(MIDNIGHT_OF_13TH_BIRTHDAY + 60.0)
    tool = services.staff_tool
    tool.send_message(world.nurse, world.almost_13, Kind.QUESTION)
    services.advance_to(MIDNIGHT_OF_13TH_BIRTHDAY + 120.0)
    alerts = services.alerts.sent()
    assert alerts.select("person", "recipient").rows() == [(world.almost_13, world.parent)]
    assert services.register.age(world.almost_13) == 13


def test_d7_guardian_activation_counts_as_activated(world: World) -> None:
    services = world.services
    tool = services.staff_tool
    with pytest.raises(AccountNotActive):
        tool.send_message(world.nurse, world.child, Kind.PRE_VISIT_INFORMATION)
    bo = services.portal.login(world.other_parent, EID.FREJA_PLUS)
    with pytest.raises(AccountNotActive, match="R2"):
        bo.act_for(world.child)  # acting needs an activated account: activate_for first
    bo.activate_for(world.child)
    assert tool.alert_choices(world.child).account_active
    assert tool.send_message(world.nurse, world.child, Kind.PRE_VISIT_INFORMATION) is not None
    activation = world.events_named("account_activated").filter(person=world.child)
    assert activation.select("actor", "actor_role").rows() == [
        (world.other_parent, "guardian_proxy")
    ]

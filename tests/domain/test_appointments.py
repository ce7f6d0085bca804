"""Appointments and their notices (F7, F8): booking, held notices, paper reasons, "no letters",
rebooking and cancelling, attendance.

Pipeline position: tests of ``etj_sim.domain`` (``appointments``, the staff tool's and the
portal's appointment methods).
"""

from __future__ import annotations

from datetime import timedelta

import polars as pl
import pytest
from domain_world import EPOCH, World

from etj_sim.domain import EID, AccountNotActive, InvalidOperation, NotAccountHolder
from etj_sim.domain.appointments import AppointmentStatus

DAY = 1440.0


def _active(world: World, person: int) -> None:
    world.services.portal.login(person, EID.BANKID)


def test_f7_an_appointment_lies_after_now_and_a_digital_notice_names_it(world: World) -> None:
    services, tool = world.services, world.services.staff_tool
    services.advance_to(DAY)
    with pytest.raises(InvalidOperation, match="F7"):
        tool.book_appointment(world.nurse, world.parent, DAY)
    _active(world, world.parent)
    appointment = tool.book_appointment(world.nurse, world.parent, 15 * DAY)
    message = tool.send_appointment_notice(world.nurse, appointment)
    assert message is not None
    view = tool.appointment(appointment)
    assert view.notice_message == message
    assert view.status is AppointmentStatus.BOOKED
    assert view.time == EPOCH + timedelta(days=15)
    sent = world.events_named("message_sent").row(0, named=True)
    assert sent["kind"] == "appointment_notice"
    assert sent["appointment"] == appointment
    assert sent["appointment_time"] == EPOCH + timedelta(days=15)
    with pytest.raises(InvalidOperation, match="already has a digital notice"):
        tool.send_appointment_notice(world.nurse, appointment)


def test_f7_staff_handle_only_their_own_clinics_appointments(world: World) -> None:
    tool = world.services.staff_tool
    appointment = tool.book_appointment(world.nurse, world.parent, 10 * DAY)
    before = world.services.snapshot()
    with pytest.raises(InvalidOperation, match="R17"):
        tool.send_appointment_paper(world.other_nurse, appointment, "policy")
    with pytest.raises(InvalidOperation, match="R17"):
        tool.cancel_by_phone(world.other_nurse, appointment, 5.0)
    assert world.services.snapshot() == before


def test_f7_a_notice_without_an_account_waits_for_one_and_is_delivered_at_activation(
    world: World,
) -> None:
    services, tool = world.services, world.services.staff_tool
    appointment = tool.book_appointment(world.nurse, world.parent, 20 * DAY)
    assert tool.send_appointment_notice(world.nurse, appointment, hold_days=90.0) is None
    assert tool.appointment(appointment).notice_held
    held = world.events_named("notice_held").row(0, named=True)
    assert (held["appointment"], held["reason"]) == (appointment, "no_active_account")
    services.advance_to(3 * DAY)
    _active(world, world.parent)  # R2: first login activates and delivers the held notice
    view = tool.appointment(appointment)
    assert not view.notice_held
    assert view.notice_message is not None
    assert services.portal.login(world.parent, EID.BANKID).unread() == [view.notice_message]
    assert world.events_named("message_sent")["appointment"].to_list() == [appointment]


def test_f7_a_held_notice_is_dropped_when_the_hold_ends_or_the_visit_comes(world: World) -> None:
    services, tool = world.services, world.services.staff_tool
    short = tool.book_appointment(world.nurse, world.parent, 30 * DAY)
    tool.send_appointment_notice(world.nurse, short, hold_days=5.0)
    soon = tool.book_appointment(world.nurse, world.parent, 2 * DAY)
    tool.send_appointment_notice(world.nurse, soon, hold_days=90.0)
    services.advance_to(4 * DAY)
    assert not tool.end_notice_hold(world.nurse, short)  # still within its 5 days
    tool.record_attendance(world.nurse, soon, attended=True)  # the visit came first
    services.advance_to(6 * DAY)
    assert tool.end_notice_hold(world.nurse, short)
    _active(world, world.parent)  # too late: nothing is delivered
    dropped = world.events_named("notice_dropped")
    assert dropped.select("appointment", "reason").rows() == [
        (soon, "visit_passed"),
        (short, "hold_expired"),
    ]
    assert world.events_named("message_sent").height == 0


def test_f7_a_notice_may_not_wait_without_a_hold(world: World) -> None:
    tool = world.services.staff_tool
    appointment = tool.book_appointment(world.nurse, world.adult_without_eid, 10 * DAY)
    with pytest.raises(AccountNotActive, match="R2"):
        tool.send_appointment_notice(world.nurse, appointment, hold_days=0.0)
    assert tool.send_appointment_paper(world.nurse, appointment, "no_active_account")
    paper = world.events_named("paper_sent").row(0, named=True)
    assert (paper["reason"], paper["appointment"], paper["channel"]) == (
        "no_active_account",
        appointment,
        "paper",
    )


def test_f7_paper_goes_with_its_reason(world: World) -> None:
    tool = world.services.staff_tool
    _active(world, world.parent)
    appointment = tool.book_appointment(world.nurse, world.parent, 10 * DAY)
    tool.send_appointment_notice(world.nurse, appointment)
    for reason in ("complement", "fallback", "policy"):
        assert tool.send_appointment_paper(world.nurse, appointment, reason)
    assert world.events_named("paper_sent")["reason"].to_list() == [
        "complement",
        "fallback",
        "policy",
    ]
    assert tool.appointment(appointment).paper_letters == 3
    with pytest.raises(InvalidOperation, match="not a reason"):
        tool.send_appointment_paper(world.nurse, appointment, "whim")
    with pytest.raises(InvalidOperation, match="active account"):
        tool.send_appointment_paper(world.nurse, appointment, "no_active_account")


def test_f7_no_letters_is_honoured_for_repeats_and_overridden_for_the_only_notice(
    world: World,
) -> None:
    services, tool = world.services, world.services.staff_tool
    session = services.portal.login(world.parent, EID.BANKID)
    session.choose_no_letters()
    assert services.no_letters(world.parent)
    appointment = tool.book_appointment(world.nurse, world.parent, 10 * DAY)
    tool.send_appointment_notice(world.nurse, appointment)
    before = services.snapshot()
    assert not tool.send_appointment_paper(world.nurse, appointment, "fallback")
    assert not tool.send_appointment_paper(world.nurse, appointment, "complement")
    assert services.snapshot() == before
    assert world.events_named("paper_sent").height == 0
    # A notice that cannot go digitally is posted all the same: it is the only notice.
    assert tool.send_appointment_paper(world.nurse, appointment, "policy")
    assert world.events_named("paper_sent")["reason"].to_list() == ["policy"]
    session.choose_no_letters(False)
    assert tool.send_appointment_paper(world.nurse, appointment, "fallback")


def test_f7_rebook_and_cancel_from_an_opened_digital_notice(world: World) -> None:
    services, tool = world.services, world.services.staff_tool
    session = services.portal.login(world.parent, EID.BANKID)
    first = tool.book_appointment(world.nurse, world.parent, 10 * DAY)
    second = tool.book_appointment(world.nurse, world.parent, 12 * DAY)
    notice = tool.send_appointment_notice(world.nurse, first)
    other = tool.send_appointment_notice(world.nurse, second)
    assert notice is not None
    assert other is not None
    with pytest.raises(InvalidOperation, match="open the notice"):
        session.rebook_appointment(notice, 17 * DAY)
    session.read(notice)
    assert session.appointment(notice).appointment == first
    session.rebook_appointment(notice, 17 * DAY)
    assert tool.appointment(first).status is AppointmentStatus.REBOOKED
    assert tool.appointment(first).time_minutes == 17 * DAY
    session.read(other)
    session.cancel_appointment(other)
    assert tool.appointment(second).status is AppointmentStatus.CANCELLED
    with pytest.raises(InvalidOperation, match="cancelled"):
        session.rebook_appointment(other, 20 * DAY)
    changes = world.events().filter(
        pl.col("event").is_in(["appointment_rebooked", "appointment_cancelled"])
    )
    assert changes.select("event", "appointment", "actor", "actor_role", "message").rows() == [
        ("appointment_rebooked", first, world.parent, "citizen", notice),
        ("appointment_cancelled", second, world.parent, "citizen", other),
    ]
    assert changes["appointment_time"].to_list() == [
        EPOCH + timedelta(days=17),
        EPOCH + timedelta(days=12),
    ]
    teen = services.portal.login(world.teen, EID.BANKID)
    with pytest.raises(NotAccountHolder, match="R3"):
        teen.cancel_appointment(notice)


def test_f7_a_guardian_rebooks_a_childs_notice_by_proxy(world: World) -> None:
    services, tool = world.services, world.services.staff_tool
    guardian = services.portal.login(world.parent, EID.BANKID)
    proxy = guardian.activate_for(world.child)
    appointment = tool.book_appointment(world.nurse, world.child, 8 * DAY)
    notice = tool.send_appointment_notice(world.nurse, appointment)
    assert notice is not None
    proxy.read(notice)
    proxy.rebook_appointment(notice, 9 * DAY)
    row = world.events_named("appointment_rebooked").row(0, named=True)
    assert (row["person"], row["actor"], row["actor_role"]) == (
        world.child,
        world.parent,
        "guardian_proxy",
    )


def test_f7_a_call_to_the_clinic_rebooks_or_cancels_with_its_staff_minutes(world: World) -> None:
    services, tool = world.services, world.services.staff_tool
    appointment = tool.book_appointment(world.nurse, world.adult_without_eid, 10 * DAY)
    tool.send_appointment_paper(world.nurse, appointment, "no_active_account")
    services.advance_to(3 * DAY)
    with pytest.raises(InvalidOperation, match="after now"):
        tool.rebook_by_phone(world.nurse, appointment, 2 * DAY, 4.0)
    tool.rebook_by_phone(world.nurse, appointment, 14 * DAY, 4.0)
    tool.cancel_by_phone(world.nurse, appointment, 3.5)
    rows = world.events().filter(
        pl.col("event").is_in(["appointment_rebooked", "appointment_cancelled"])
    )
    assert rows.select("channel", "actor_role", "staff", "duration_minutes").rows() == [
        ("phone", "staff", world.nurse, 4.0),
        ("phone", "staff", world.nurse, 3.5),
    ]


def test_f7_changes_only_before_the_visit_and_attendance_once_after_it(world: World) -> None:
    services, tool = world.services, world.services.staff_tool
    appointment = tool.book_appointment(world.nurse, world.parent, 5 * DAY)
    with pytest.raises(InvalidOperation, match="after now"):
        tool.record_attendance(world.nurse, appointment, attended=True)
    services.advance_to(5 * DAY)
    with pytest.raises(InvalidOperation, match="passed"):
        tool.cancel_by_phone(world.nurse, appointment, 3.0)
    tool.record_attendance(world.nurse, appointment, attended=False)
    assert tool.appointment(appointment).status is AppointmentStatus.MISSED
    with pytest.raises(InvalidOperation, match="missed"):
        tool.record_attendance(world.nurse, appointment, attended=True)
    cancelled = tool.book_appointment(world.nurse, world.parent, 7 * DAY)
    tool.cancel_by_phone(world.nurse, cancelled, 3.0)
    services.advance_to(8 * DAY)
    with pytest.raises(InvalidOperation, match="cancelled"):
        tool.record_attendance(world.nurse, cancelled, attended=True)
    visit = world.events_named("visit_missed").row(0, named=True)
    assert (visit["appointment"], visit["appointment_time"]) == (
        appointment,
        EPOCH + timedelta(days=5),
    )

"""The domain's one door: a clock the caller hands in, listeners the domain calls, typed queries.

A caller with a clock of its own (the simulation) never moves the domain's time by hand: every
operation catches the domain up first, so alerts fall due at their own times (D6) and birthdays
are logged (R14, D2); deliveries and cases waiting are announced by the domain itself.
"""

from __future__ import annotations

from datetime import timedelta

from domain_world import EPOCH, World, build_world

from etj_sim.domain import EID, CaseState, EServices, Session
from etj_sim.events import EventLog, Kind


def _world_with_clock(minutes: list[float]) -> World:
    """A world whose domain follows ``minutes[0]`` (the test moves it like SimPy would)."""
    world = build_world(now=lambda: minutes[0])
    world.services.portal.login(world.parent, EID.BANKID)  # activates the account (R2)
    return world


def _login(world: World) -> Session:
    return world.services.portal.login(world.parent, EID.BANKID)


def test_every_operation_catches_the_domain_up_with_the_caller_clock_d6() -> None:
    minutes = [0.0]
    w = _world_with_clock(minutes)
    services, nurse = w.services, w.nurse
    _login(w).update_settings(mobile="0701111111", sms_alerts=True)
    message = services.staff_tool.send_message(nurse, w.parent, Kind.QUESTION)
    minutes[0] = 30.0
    # No advance_to: the next operation dispatches the alert due at minute 1 first (D6).
    services.staff_tool.send_message(nurse, w.parent, Kind.QUESTION)
    events = w.events()
    alert = events.filter(events["event"] == "alert_sent")
    assert alert["message"].to_list() == [message]
    assert alert["time"].to_list() == [EPOCH + timedelta(minutes=1)]
    sent = events.filter(events["event"] == "message_sent")["time"].to_list()
    assert sent == [EPOCH, EPOCH + timedelta(minutes=30)]
    kinds = events["event"].to_list()
    assert kinds.index("alert_sent") < len(kinds) - 1  # before the second message_sent


def test_the_clock_moves_freely_before_an_alert_falls_due_and_stops_at_it_d6() -> None:
    minutes = [0.0]
    w = _world_with_clock(minutes)
    services, nurse = w.services, w.nurse
    _login(w).update_settings(mobile="0701111111", sms_alerts=True)
    for moment in (100.0, 200.0):  # a quiet stretch: nothing pending
        minutes[0] = moment
        services.sync()
    first = services.staff_tool.send_message(nurse, w.parent, Kind.QUESTION)
    minutes[0] = 200.5  # before the alert's minute (201): the time moves, nothing goes out
    services.sync()
    assert services.clock.minutes == 200.5
    assert services.alerts.pending == 1
    minutes[0] = 260.0
    second = services.staff_tool.send_message(nurse, w.parent, Kind.QUESTION)
    minutes[0] = 261.5
    services.sync()
    alerts = w.events().filter(w.events()["event"] == "alert_sent")
    assert alerts["message"].to_list() == [first, second]
    assert alerts["time"].to_list() == [
        EPOCH + timedelta(minutes=201),
        EPOCH + timedelta(minutes=261),
    ]


def test_sync_brings_the_log_up_to_the_caller_clock() -> None:
    minutes = [0.0]
    w = _world_with_clock(minutes)
    _login(w).update_settings(mobile="0701111111", sms_alerts=True)
    w.services.staff_tool.send_message(w.nurse, w.parent, Kind.QUESTION)
    minutes[0] = 5.0
    assert w.services.alerts.pending == 1
    w.services.sync()
    assert w.services.alerts.pending == 0
    assert w.services.clock.minutes == 5.0


def test_delivery_listeners_hear_of_every_message_in_order() -> None:
    w = build_world()
    _login(w)
    w.services.portal.login(w.teen, EID.BANKID)
    heard: list[tuple[int, int, int, float]] = []
    w.services.listeners.message_delivered.append(lambda *args: heard.append(args))
    first = w.services.staff_tool.send_message(w.nurse, w.parent, Kind.APPOINTMENT_NOTICE)
    assert first is not None
    result = w.services.staff_tool.mass_mailing(w.nurse, "flu", [w.parent, w.child, w.teen])
    assert result.undeliverable == (w.child,)
    assert heard[0] == (w.parent, first, int(Kind.APPOINTMENT_NOTICE), 0.0)
    assert [(p, m) for p, m, _k, _t in heard[1:]] == list(result.delivered.items())
    assert {k for _p, _m, k, _t in heard[1:]} == {int(Kind.MASS_MAILING)}


def test_case_listeners_say_whose_turn_it_is_f4() -> None:
    w = build_world()
    staff_turns: list[tuple[int, int, int]] = []
    citizen_turns: list[tuple[int, int]] = []
    w.services.listeners.case_awaiting_staff.append(lambda *args: staff_turns.append(args))
    w.services.listeners.case_awaiting_citizen.append(lambda *args: citizen_turns.append(args))
    session = _login(w)
    case = session.start_case(w.clinic, "contact_form", text="Hej")
    assert staff_turns == [(case, w.clinic, -1)]  # in the clinic's queue
    w.services.staff_tool.answer_case(w.nurse, case, text="Berätta mer")
    assert citizen_turns == [(case, w.parent)]
    assert w.services.staff_tool.case_view(w.nurse, case).state is CaseState.AWAITING_CITIZEN
    session.reply(case, text="Mer")
    assert staff_turns[-1] == (case, w.clinic, w.nurse)  # back to the staff member who has it
    assert w.services.staff_tool.case_view(w.nurse, case).state is CaseState.AWAITING_STAFF
    w.services.staff_tool.answer_case(w.nurse, case, text="Klart", close=True)
    assert len(citizen_turns) == 1  # a closing answer waits for nobody
    assert w.services.staff_tool.case_view(w.nurse, case).state is CaseState.CLOSED


def test_queries_read_the_account_state() -> None:
    w = build_world()
    services = w.services
    assert not services.account_active(w.parent)
    session = _login(w)
    assert services.account_active(w.parent)
    assert not services.alerts_approved(w.parent)
    assert not services.holds_contact(w.parent)
    session.update_settings(email="anna@example.se")
    assert services.holds_contact(w.parent)
    assert not services.alerts_approved(w.parent)
    session.update_settings(email_alerts=True)
    assert services.alerts_approved(w.parent)
    assert services.registered_contacts(w.parent) == ("0701111111", "anna@example.se")
    assert services.registered_contacts(w.child) == (None, None)


def test_a_domain_without_a_caller_clock_moves_only_by_hand() -> None:
    services = EServices(EPOCH, event_log=EventLog(EPOCH))
    assert not services.clock.follows_source
    services.sync()  # nothing to follow: no change
    assert services.clock.minutes == 0.0
    services.advance_to(90.0)
    assert services.clock.now == EPOCH + timedelta(minutes=90)

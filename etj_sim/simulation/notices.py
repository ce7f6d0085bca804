"""Appointment notices that lead somewhere (F7, F8): visits, paper by policy, changes, attendance.

Pipeline position: ``scenario (notices, outreach) + population -> outreach (a notice is due) ->
NoticeOffice (this module) -> domain staff tool and portal -> event log``.

Each notice the outreach sends is for an **appointment**: its visit kind is drawn with
``notices.visit_kind_shares``, its lead time is uniform between half and one and a half times
``notices.lead_time_days`` of that kind, and the visit falls within the clinic's shift hours on
the next open weekday. The staff member books it (``book_appointment``) and sends the notice as
the policy says:

- ``policy = "paper_only"``, or a notice the clinic's routine cannot send digitally (the
  outreach's ``digital_notice_share`` draw): paper, reason ``policy``;
- an active account: the digital notice; a group of ``paper_complement_groups`` (no_account,
  no_alerts, age_13_17, samordningsnummer) also gets paper, reason ``complement``;
- no active account: ``without_account = "paper"`` posts it (reason ``no_active_account``);
  ``"hold"`` holds it up to ``hold_days`` for an account (a complement letter for the
  ``no_account`` group);
- ``fallback_after_hours > 0``: that many hours after sending, staff look at the read status (the
  staff tool's ``read_status``, F8); an unread or still-held notice is then posted (``fallback``).

The "no letters" setting is drawn once per active account (``no_letters_share``) and loaded as
the initial state; the domain honours it for fallback and complement letters only.

**Changes**: with ``rebook_share`` (``cancel_share``) the person needs to move (cancel) the
visit. Reached by a digital notice, they use its button when they open it (the portal's
``rebook_appointment`` / ``cancel_appointment``, as the person or a guardian by proxy); reached
only by paper, they call the clinic ``call_after_days`` after the letter arrives
(``postal_delay_days`` after posting), which costs ``staff_minutes_per_call``. A rebooked visit
moves ``rebook_later_days`` later. A person never reached cannot change anything.

**Attendance**, at the visit: a person who needed a change but could not make it misses the
visit; otherwise the visit is missed with ``miss_share_reached`` when the notice reached the
person before the visit (opened digitally, or a letter delivered) and ``miss_share_not_reached``
otherwise (calibrated, docs/validation.md). Visits after the end of the run are not recorded.

Draws: one row of five uniforms per notice from the stream ``("notices",)``, in the order of the
sends, taken whether used or not (common random numbers: the same notice gets the same visit,
change need and attendance draw under any policy).
"""

from __future__ import annotations

import math
from array import array
from typing import TYPE_CHECKING, Final

import numpy as np
import polars as pl

from etj_sim.domain import DomainError
from etj_sim.events import Reason
from etj_sim.scenario import Scenario
from etj_sim.simulation.agenda import Agenda
from etj_sim.simulation.citizens import MINUTES_PER_DAY
from etj_sim.simulation.random_streams import random_stream, row_draws

if TYPE_CHECKING:
    from etj_sim.domain import EServices, Session

__all__ = ["NoticeOffice"]

_NO_CHANGE: Final = 0
_REBOOK: Final = 1
_CANCEL: Final = 2
_NOT_REACHED: Final = math.inf
_SAME_MINUTE: Final = 1e-6


def _delay_to(minute: float, now: float) -> float:
    """The delay from ``now`` whose call fires at ``minute`` or just after, never before (the
    domain refuses to record a visit before its time)."""
    delay = minute - now
    while now + delay < minute:
        delay = math.nextafter(delay, math.inf)
    return delay


def _uniform(generator: np.random.Generator, size: int) -> np.ndarray:
    return generator.random(size)


class NoticeOffice:
    """The clinics' notices and visits in one run (state per appointment in ``array`` columns)."""

    __slots__ = (
        "_draws",
        "agenda",
        "call_minutes",
        "call_planned",
        "change",
        "change_share",
        "changed",
        "complement_13_17",
        "complement_no_account",
        "complement_no_alerts",
        "complement_samordningsnummer",
        "days_to_open",
        "env",
        "fallback_minutes",
        "hold",
        "hold_days",
        "kind_cumulative",
        "kinds",
        "lead_minutes",
        "minute_13",
        "minute_18",
        "miss_draw",
        "miss_not_reached",
        "miss_reached",
        "paper_only",
        "postal_minutes",
        "reached",
        "rebook_later_minutes",
        "rebook_share",
        "samordningsnummer",
        "services",
        "shift_minutes",
        "shift_start_minutes",
        "staff",
        "staff_minutes_per_call",
        "staff_tool",
        "start_weekday",
    )

    def __init__(
        self,
        agenda: Agenda,
        services: EServices,
        scenario: Scenario,
        seed: int,
        people: pl.DataFrame,
    ) -> None:
        notices = scenario.notices
        clinics = scenario.clinics
        self.agenda = agenda
        self.env = agenda.env
        self.services = services
        self.staff_tool = services.staff_tool
        self.kinds = list(notices.visit_kind_shares)
        self.kind_cumulative = np.cumsum(list(notices.visit_kind_shares.values())).tolist()
        self.lead_minutes = [notices.lead_time_days[kind] * MINUTES_PER_DAY for kind in self.kinds]
        self.paper_only = notices.policy == "paper_only"
        self.fallback_minutes = notices.fallback_after_hours * 60.0
        groups = set(notices.paper_complement_groups)
        self.complement_no_account = "no_account" in groups
        self.complement_no_alerts = "no_alerts" in groups
        self.complement_13_17 = "age_13_17" in groups
        self.complement_samordningsnummer = "samordningsnummer" in groups
        self.hold = notices.without_account == "hold" and notices.hold_days > 0.0
        self.hold_days = notices.hold_days
        self.postal_minutes = notices.postal_delay_days * MINUTES_PER_DAY
        self.call_minutes = notices.call_after_days * MINUTES_PER_DAY
        self.rebook_share = notices.rebook_share
        self.change_share = notices.rebook_share + notices.cancel_share
        self.rebook_later_minutes = notices.rebook_later_days * MINUTES_PER_DAY
        self.miss_reached = notices.miss_share_reached
        self.miss_not_reached = notices.miss_share_not_reached
        self.staff_minutes_per_call = notices.staff_minutes_per_call
        self.start_weekday = scenario.start_date.weekday()
        open_weekdays = frozenset(clinics.open_weekdays)
        # Days from each weekday to the next open one (0 when it is open itself).
        self.days_to_open = [
            next(step for step in range(7) if (weekday + step) % 7 in open_weekdays)
            for weekday in range(7)
        ]
        self.shift_start_minutes = clinics.shift_start_hour * 60.0
        self.shift_minutes = (clinics.shift_end_hour - clinics.shift_start_hour) * 60.0
        epoch = pl.lit(scenario.start_date).cast(pl.Date)
        birthdays = people.select(
            ((pl.col("birth_date").dt.offset_by("13y") - epoch).dt.total_days() * MINUTES_PER_DAY)
            .cast(pl.Float64)
            .alias("from"),
            ((pl.col("birth_date").dt.offset_by("18y") - epoch).dt.total_days() * MINUTES_PER_DAY)
            .cast(pl.Float64)
            .alias("to"),
            (pl.col("number_kind") == "samordningsnummer").alias("samordningsnummer"),
        )
        self.minute_13 = array("d", birthdays["from"].to_list())
        self.minute_18 = array("d", birthdays["to"].to_list())
        self.samordningsnummer = array("b", birthdays["samordningsnummer"].cast(pl.Int8).to_list())
        self._draws = row_draws(
            random_stream(seed, "notices"), _uniform, _uniform, _uniform, _uniform, _uniform
        )
        self._load_no_letters(seed, people, notices.no_letters_share)
        # Per appointment (the domain's ids are 0, 1, ... in booking order).
        self.change = array("b")
        self.changed = array("b")
        self.miss_draw = array("d")
        self.reached = array("d")
        self.call_planned = array("b")
        self.staff = array("i")  # who booked it (and sends its letters, takes its calls)

    def _load_no_letters(self, seed: int, people: pl.DataFrame, share: float) -> None:
        """Initial state: the active accounts that chose "no letters" (one draw per person)."""
        draws = random_stream(seed, "no_letters").random(people.height)
        chosen = np.flatnonzero(people["account_active"].to_numpy() & (draws < share))
        self.services.appointments.load_no_letters(chosen.tolist())

    # -- sending -------------------------------------------------------------------------------

    def _visit_minute(self, now: float, kind_draw: float, lead_draw: float, hour: float) -> float:
        kind = 0
        cumulative = self.kind_cumulative
        last = len(cumulative) - 1
        while kind < last and kind_draw >= cumulative[kind]:
            kind += 1
        target = now + self.lead_minutes[kind] * (0.5 + lead_draw)
        day = max(int(target // MINUTES_PER_DAY), int(now // MINUTES_PER_DAY) + 1)
        day += self.days_to_open[(self.start_weekday + day) % 7]
        return day * MINUTES_PER_DAY + self.shift_start_minutes + hour * self.shift_minutes

    def send(self, staff: int, person: int, digital_routine: bool) -> None:
        """Book the visit and send its notice as the policy says (see the module docstring)."""
        kind_draw, lead_draw, hour_draw, change_draw, miss_draw = next(self._draws)
        now = self.env.now
        visit = self._visit_minute(now, kind_draw, lead_draw, hour_draw)
        tool = self.staff_tool
        appointment = tool.book_appointment(staff, person, visit)
        self.change.append(
            _REBOOK
            if change_draw < self.rebook_share
            else _CANCEL
            if change_draw < self.change_share
            else _NO_CHANGE
        )
        self.changed.append(0)
        self.miss_draw.append(miss_draw)
        self.reached.append(_NOT_REACHED)
        self.call_planned.append(0)
        self.staff.append(staff)
        agenda = self.agenda
        agenda.call_after(_delay_to(visit, now), self._visit_due, appointment)
        if self.paper_only or not digital_routine:
            self._post(staff, appointment, Reason.POLICY)
            return
        services = self.services
        active = services.account_active(person)
        if not active and not self.hold:
            self._post(staff, appointment, Reason.NO_ACTIVE_ACCOUNT)
            return
        tool.send_appointment_notice(
            staff, appointment, hold_days=0.0 if active else self.hold_days
        )
        if not active and self.hold_days * MINUTES_PER_DAY < visit - now:
            agenda.call_after(self.hold_days * MINUTES_PER_DAY, self._hold_due, appointment)
        if self._complement(person, active, now):
            self._post(staff, appointment, Reason.COMPLEMENT)
        if self.fallback_minutes > 0.0 and self.fallback_minutes < visit - now:
            agenda.call_after(self.fallback_minutes, self._fallback_due, appointment)

    def _complement(self, person: int, active: bool, now: float) -> bool:
        if not active:
            return self.complement_no_account
        return (
            (self.complement_no_alerts and not self.services.alerts_approved(person))
            or (self.complement_13_17 and self.minute_13[person] <= now < self.minute_18[person])
            or (self.complement_samordningsnummer and self.samordningsnummer[person] != 0)
        )

    def _post(self, staff: int, appointment: int, reason: Reason) -> None:
        if not self.staff_tool.send_appointment_paper(staff, appointment, reason):
            return  # "no letters": nothing posted
        delivered = self.env.now + self.postal_minutes
        if delivered < self.reached[appointment]:
            self.reached[appointment] = delivered
        if self.change[appointment] != _NO_CHANGE and not self.call_planned[appointment]:
            self.call_planned[appointment] = 1
            self.agenda.call_after(
                self.postal_minutes + self.call_minutes, self._call_due, appointment
            )

    def _staff_of(self, appointment: int) -> int:
        return self.staff[appointment]

    def _fallback_due(self, appointment: int, _minute: float) -> None:
        """F8: staff look at the read status; an unread (or held) notice goes by post."""
        services = self.services
        if not services.appointment_open(appointment) or not self.env.now < (
            services.appointment_minutes(appointment)
        ):
            return
        message = services.notice_message(appointment)
        if (
            message is not None
            and self.staff_tool.read_status(self._staff_of(appointment), message).read
        ):
            return
        self._post(self._staff_of(appointment), appointment, Reason.FALLBACK)

    def _hold_due(self, appointment: int, _minute: float) -> None:
        self.staff_tool.end_notice_hold(self._staff_of(appointment), appointment)

    # -- changes -------------------------------------------------------------------------------

    def notice_opened(self, session: Session, message: int) -> None:
        """The person (or a guardian by proxy) opened a digital notice (F8): reached now; a
        needed change is made with the notice's own button."""
        try:
            appointment = self.services.appointments.of_message(message)
        except DomainError:
            return
        now = self.env.now
        if now < self.reached[appointment]:
            self.reached[appointment] = now
        change = self.change[appointment]
        if change == _NO_CHANGE or self.changed[appointment]:
            return
        services = self.services
        visit = services.appointment_minutes(appointment)
        if not services.appointment_open(appointment) or not now < visit:
            return
        self.changed[appointment] = 1
        if change == _REBOOK:
            new_minute = visit + self.rebook_later_minutes
            session.rebook_appointment(message, new_minute)
            self.agenda.call_after(_delay_to(new_minute, now), self._visit_due, appointment)
        else:
            session.cancel_appointment(message)

    def _call_due(self, appointment: int, _minute: float) -> None:
        """Reached by a letter, the person calls the clinic to make the change."""
        if self.changed[appointment]:
            return
        tool = self.staff_tool
        services = self.services
        visit = services.appointment_minutes(appointment)
        now = self.env.now
        if not services.appointment_open(appointment) or not now < visit:
            return
        self.changed[appointment] = 1
        staff = self._staff_of(appointment)
        if self.change[appointment] == _REBOOK:
            new_minute = visit + self.rebook_later_minutes
            tool.rebook_by_phone(staff, appointment, new_minute, self.staff_minutes_per_call)
            self.agenda.call_after(_delay_to(new_minute, now), self._visit_due, appointment)
        else:
            tool.cancel_by_phone(staff, appointment, self.staff_minutes_per_call)

    # -- visits --------------------------------------------------------------------------------

    def _visit_due(self, appointment: int, minute: float) -> None:
        services = self.services
        # A rebooked visit left a call at its old time behind; a cancelled one needs none.
        if not services.appointment_open(appointment) or (
            abs(services.appointment_minutes(appointment) - minute) > _SAME_MINUTE
        ):
            return
        if self.change[appointment] != _NO_CHANGE and not self.changed[appointment]:
            attended = False  # needed a change the person could not make
        else:
            reached = self.reached[appointment] <= minute
            miss = self.miss_reached if reached else self.miss_not_reached
            attended = self.miss_draw[appointment] >= miss
        self.staff_tool.record_attendance(
            self._staff_of(appointment), appointment, attended=attended
        )

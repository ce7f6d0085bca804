"""Staff on e-service duty: shifts, the clinic's case queue, answers and dialogue rounds.

Pipeline position: ``scenario -> population -> domain -> simulation (this module acts as the
staff in the staff tool, R17) -> event log``. Each staff member (a long-lived actor) works the
shifts as a chain of SimPy callbacks (``_StaffMember``), cheaper per handled case than a resumed
generator; everything goes through ``EServices.staff_tool``.

E-service duty (P4). Each open weekday a staff member spends ``clinics.eservice_share_of_shift``
of the shift (``shift_start_hour`` to ``shift_end_hour``) on e-service duty, as one contiguous
block; the rest of the shift is in-person care, outside the model. The blocks of a clinic's staff
are staggered evenly across the shift (the first starts with the shift, the last ends with it) so
the clinic's queue is watched through the day. ``shift_started`` and ``shift_ended`` bracket the
duty block, so the logged on-duty time is e-service time and utilisation is busy / on-duty.

Handling a case: take the oldest case from the clinic's queue (``next_case``, FIFO), draw a
log-normal handling time (``clinics.handling_time`` by case kind; "reply" from the second round of
a dialogue, F4), and hold it. A case is only taken when its handling time fits in what is left of
the duty block; otherwise the staff member stops taking work until the block ends and the case
waits for a colleague or the next shift. So busy time never exceeds on-duty time and no answer
is logged after ``shift_ended``. With ``clinics.allow_overrun`` (validation only) a case is taken
whenever the staff member is on duty, its handling may run past the block's end, ``shift_ended``
follows the answer and the next block starts when the staff member is free. With
``HandlingTime.distribution = "exponential"`` the handling time is exponential with the mean
``mean_minutes``: together these make the M/M/c queue of tests/validation.

After the answer (``answer_case`` with ``handling_minutes``) the case needs another round with
``clinics.dialogue_continue_share``; otherwise it is closed.

Dialogue rounds (F4). In another round the case stays assigned to the staff member who answered
("Mina ärenden"): the citizen replies after a log-normal delay (median
``behaviour.reply_delay_hours_median``) and the reply waits for that staff member, who takes
returned cases of their own before new ones from the clinic's queue (at their next duty block if
they are off duty). A citizen who cannot come back (e.g. turned 13 without an own e-ID) leaves
the case to be closed by the clinic. The citizen always answers a follow-up: one parameter,
``clinics.dialogue_continue_share``, decides whether there is another round. All staff roles
handle all case kinds.
"""

from __future__ import annotations

import math
from collections import deque
from typing import TYPE_CHECKING, Final

from etj_sim.events import Kind
from etj_sim.scenario import CASE_KINDS, Scenario
from etj_sim.simulation.citizens import MINUTES_PER_DAY
from etj_sim.simulation.ledger import CaseLedger
from etj_sim.simulation.random_streams import SMALL_BLOCK_SIZE, DrawBuffer, random_stream

if TYPE_CHECKING:
    import simpy

    from etj_sim.domain import EServices
    from etj_sim.simulation.citizen_behaviour import CitizenBehaviour

__all__ = ["StaffWork", "duty_offsets_minutes"]

_REPLY_KIND: Final = len(CASE_KINDS)
"""Index of the "reply" handling time, after the case kinds (whose index is their Kind code)."""


def duty_offsets_minutes(
    staff_count: int, shift_minutes: float, duty_minutes: float
) -> list[float]:
    """Start of each staff member's duty block after the shift start, spread evenly."""
    if staff_count <= 1:
        return [0.0] * staff_count
    spare = shift_minutes - duty_minutes
    return [spare * index / (staff_count - 1) for index in range(staff_count)]


def _log_normal_parameters(mean: float, sd: float) -> tuple[float, float]:
    """(mu, sigma) of the log-normal with this mean and standard deviation."""
    sigma_squared = math.log1p((sd / mean) ** 2)
    return math.log(mean) - sigma_squared / 2.0, math.sqrt(sigma_squared)


class StaffWork:
    """The staff side of the model: shifts and case handling for every clinic."""

    def __init__(
        self,
        env: simpy.Environment,
        services: EServices,
        scenario: Scenario,
        seed: int,
        *,
        clinic_ids: list[int],
        staff_by_clinic: list[list[int]],
        cases: CaseLedger,
    ) -> None:
        self.env = env
        self.services = services
        self.staff_tool = services.staff_tool
        self.clinic_ids = clinic_ids
        self.staff_by_clinic = staff_by_clinic
        self.cases = cases
        self.behaviour: CitizenBehaviour | None = None
        clinics = scenario.clinics
        self.days = scenario.duration_days
        self.start_weekday = scenario.start_date.weekday()
        self.open_weekdays = frozenset(clinics.open_weekdays)
        self.shift_start_minutes = clinics.shift_start_hour * 60.0
        self.shift_minutes = (clinics.shift_end_hour - clinics.shift_start_hour) * 60.0
        self.duty_minutes = self.shift_minutes * clinics.eservice_share_of_shift
        self.continue_share = clinics.dialogue_continue_share
        parameters = [clinics.handling_time[name] for name in (*CASE_KINDS, "reply")]
        self.handling = [_log_normal_parameters(p.mean_minutes, p.sd_minutes) for p in parameters]
        # Exponential handling uses the same standard-normal stream: exp(1) = -log(1 - Phi(z)),
        # so no new stream is needed and the lognormal default draws exactly as before.
        self.exponential_mean_minutes: list[float | None] = [
            p.mean_minutes if p.distribution == "exponential" else None for p in parameters
        ]
        self.allow_overrun = clinics.allow_overrun
        # Idle staff on duty, per clinic in the order they fell idle, and their wake-up events.
        self.idle: list[deque[int]] = [deque() for _ in clinic_ids]
        self.waiting: dict[int, simpy.Event] = {}
        # Cases a citizen replied to, waiting for the staff member they are assigned to (F4).
        self.returned: dict[int, deque[int]] = {
            staff: deque() for members in staff_by_clinic for staff in members
        }
        # Per clinic, so a clinic's handling times do not depend on the others' workload.
        self._handling_draws = [
            DrawBuffer.standard_normal(
                random_stream(seed, "handling_time", index), SMALL_BLOCK_SIZE
            )
            for index in range(len(clinic_ids))
        ]
        self._continue_draws = [
            DrawBuffer.uniform(random_stream(seed, "dialogue_continue", index), SMALL_BLOCK_SIZE)
            for index in range(len(clinic_ids))
        ]

    def start(self) -> None:
        """Schedule the first duty block of every staff member with e-service duty."""
        if self.duty_minutes <= 0.0:
            return
        assert self.behaviour is not None, "StaffWork.behaviour must be set before the run"
        for clinic, staff_members in enumerate(self.staff_by_clinic):
            offsets = duty_offsets_minutes(
                len(staff_members), self.shift_minutes, self.duty_minutes
            )
            for staff, offset in zip(staff_members, offsets, strict=True):
                _StaffMember(self, self.behaviour, staff, clinic, offset).start_next_block(-1)

    def wake_staff(self, clinic: int) -> None:
        """A case entered the clinic's queue: wake one idle staff member on duty, if any."""
        idle = self.idle[clinic]
        if idle:
            self.waiting.pop(idle.popleft()).succeed()

    def case_returned(self, case: int) -> None:
        """F4: the citizen replied; the case waits for the staff member who has it."""
        staff = self.cases.staff[case]
        self.returned[staff].append(case)
        wake = self.waiting.pop(staff, None)
        if wake is not None:
            self.idle[self.cases.clinic[case]].remove(staff)
            wake.succeed()

    def close_unanswered(self, case: int) -> None:
        """Close a case whose citizen cannot come back for the next round."""
        self.services.advance_to(self.env.now)
        self.staff_tool.close_case(self.cases.staff[case], case)


class _StaffMember:
    """One staff member's e-service duty, as a chain of SimPy callbacks (no process).

    Each step schedules the next: the block's start, a case's handling timeout, a wake-up
    while idle, the block's end. A callback costs less than resuming a generator, and the
    member's state between steps is a few attributes.
    """

    __slots__ = (
        "advance_to",
        "allow_overrun",
        "answer_case",
        "assign_case",
        "case",
        "case_kind",
        "case_person",
        "case_round",
        "case_staff",
        "clinic",
        "clinic_id",
        "close_case",
        "continue_share",
        "day",
        "duty_end",
        "duty_minutes",
        "env",
        "exponential_means",
        "finish_case",
        "handling",
        "handling_minutes",
        "idle",
        "message_delivered",
        "next_case",
        "next_continue_draw",
        "next_handling_draw",
        "offset_minutes",
        "returned",
        "schedule_reply",
        "staff",
        "staff_tool",
        "take_work",
        "waiting",
        "work",
    )

    def __init__(
        self,
        work: StaffWork,
        behaviour: CitizenBehaviour,
        staff: int,
        clinic: int,
        offset_minutes: float,
    ) -> None:
        self.work = work
        self.env = work.env
        self.staff = staff
        self.clinic = clinic
        self.offset_minutes = offset_minutes
        self.day = -1
        self.duty_end = 0.0
        self.case = -1
        self.handling_minutes = 0.0
        staff_tool = work.staff_tool
        self.staff_tool = staff_tool
        self.clinic_id = work.clinic_ids[clinic]
        # Bound once: the steps run once per handled case.
        self.advance_to = work.services.advance_to
        self.next_case = staff_tool.next_case
        self.assign_case = staff_tool.assign_case
        self.answer_case = staff_tool.answer_case
        self.close_case = staff_tool.close_case
        self.message_delivered = behaviour.message_delivered
        self.schedule_reply = behaviour.schedule_reply
        self.next_handling_draw = work._handling_draws[clinic].next
        self.next_continue_draw = work._continue_draws[clinic].next
        cases = work.cases
        self.case_round = cases.round
        self.case_kind = cases.kind
        self.case_person = cases.person
        self.case_staff = cases.staff
        self.exponential_means = work.exponential_mean_minutes
        self.handling = work.handling
        self.allow_overrun = work.allow_overrun
        self.duty_minutes = work.duty_minutes
        self.continue_share = work.continue_share
        self.idle = work.idle[clinic]
        self.waiting = work.waiting
        self.returned = work.returned[staff]
        self.take_work = self._take_work
        self.finish_case = self._finish_case

    def start_next_block(self, after_day: int) -> None:
        """Schedule the duty block of the next open weekday after ``after_day``, if any."""
        work = self.work
        env = self.env
        for day in range(after_day + 1, work.days):
            if (work.start_weekday + day) % 7 not in work.open_weekdays:
                continue
            self.day = day
            duty_start = day * MINUTES_PER_DAY + work.shift_start_minutes + self.offset_minutes
            self.duty_end = duty_start + self.duty_minutes
            # Only with allow_overrun can the previous block's last case end after this start.
            env.timeout(max(duty_start - env.now, 0.0)).callbacks.append(self._begin_block)
            return

    def _begin_block(self, _event: simpy.Event) -> None:
        env = self.env
        self.advance_to(env.now)
        self.staff_tool.start_shift(self.staff)
        # One callback per block ends an idle wait at the block's end (cheaper than a
        # condition of "woken or timed out" per idle spell).
        env.timeout(self.duty_end - env.now).callbacks.append(self._duty_over)
        self._take_work(None)

    def _duty_over(self, _event: simpy.Event) -> None:
        """The duty block ended: an idle staff member stops waiting for cases."""
        wake = self.waiting.pop(self.staff, None)
        if wake is not None:
            self.idle.remove(self.staff)
            wake.succeed()

    def _take_work(self, _event: simpy.Event | None) -> None:
        """Take the oldest case (returned ones first) and start handling it, or wait (P4)."""
        env = self.env
        now = env.now
        duty_end = self.duty_end
        returned = self.returned
        case = returned[0] if returned else self.next_case(self.clinic_id)
        if case is None:
            if now >= duty_end:
                self._end_block()
                return
            wake = env.event()
            wake.callbacks.append(self.take_work)
            self.idle.append(self.staff)
            self.waiting[self.staff] = wake
            return
        kind = _REPLY_KIND if self.case_round[case] > 0 else self.case_kind[case]
        exponential_mean = self.exponential_means[kind]
        if exponential_mean is None:
            mu, sigma = self.handling[kind]
            handling_minutes = math.exp(mu + sigma * self.next_handling_draw())
        else:
            # Upper tail of the normal as a uniform: -log of it is a standard exponential.
            tail = 0.5 * math.erfc(self.next_handling_draw() / math.sqrt(2.0))
            handling_minutes = -exponential_mean * math.log(max(tail, 1e-300))
        if self.allow_overrun:
            if now >= duty_end:
                self._end_block()
                return
        else:
            if handling_minutes > self.duty_minutes:
                handling_minutes = self.duty_minutes
            if now + handling_minutes > duty_end:
                self._end_block()
                return
        self.advance_to(now)
        if returned:
            returned.popleft()
        else:
            self.assign_case(self.staff, case)
        # One case at a time: the case in hand is kept here, not bound into the callback.
        self.case = case
        self.handling_minutes = handling_minutes
        env.timeout(handling_minutes).callbacks.append(self.finish_case)

    def _finish_case(self, _event: simpy.Event) -> None:
        """Answer the case (F4: another round, or close it), then take the next one."""
        now = self.env.now
        staff = self.staff
        case = self.case
        handling_minutes = self.handling_minutes
        self.advance_to(now)
        message = self.answer_case(staff, case, handling_minutes=handling_minutes)
        self.case_staff[case] = staff
        self.message_delivered(self.case_person[case], message, Kind.REPLY, now)
        if self.next_continue_draw() < self.continue_share:
            self.schedule_reply(case, now)
        else:
            self.close_case(staff, case)
        self._take_work(None)

    def _end_block(self) -> None:
        """Stop taking work; the block ends at its end (or now, after an overrun)."""
        env = self.env
        if env.now < self.duty_end:
            env.timeout(self.duty_end - env.now).callbacks.append(self._end_shift)
        else:
            self._end_shift(None)

    def _end_shift(self, _event: simpy.Event | None) -> None:
        self.advance_to(self.env.now)
        self.staff_tool.end_shift(self.staff)
        self.start_next_block(self.day)

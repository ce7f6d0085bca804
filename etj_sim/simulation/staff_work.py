"""Staff on e-service duty: shifts, the clinic's case queue, answers and dialogue rounds.

Pipeline position: ``scenario -> population -> domain -> simulation (this module acts as the
staff in the staff tool, R17) -> event log``. One SimPy process per staff member (a long-lived
actor) works the shifts; everything goes through ``EServices.staff_tool``.

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

The answer (``answer_case`` with ``handling_minutes``) asks for another round with
``clinics.dialogue_continue_share``; otherwise it closes the case. The domain tells this module
of every case that waits for staff (``EServices.listeners.case_awaiting_staff``): a new case in
the clinic's queue wakes an idle colleague, a citizen's reply goes to the staff member who has
the case. This module never calls the citizens' side: the two meet only in the domain.

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
from collections.abc import Generator
from functools import partial
from typing import TYPE_CHECKING, Any, Final

from etj_sim.domain import Attachment
from etj_sim.events import NONE
from etj_sim.scenario import CASE_KINDS, Scenario
from etj_sim.simulation.citizens import MINUTES_PER_DAY
from etj_sim.simulation.ledger import CaseLedger
from etj_sim.simulation.random_streams import (
    SMALL_BLOCK_SIZE,
    random_stream,
    standard_normal_draws,
    uniform_draws,
)

if TYPE_CHECKING:
    import simpy

    from etj_sim.domain import EServices

__all__ = ["StaffWork", "duty_offsets_minutes"]

_REPLY_KIND: Final = len(CASE_KINDS)
"""Index of the "reply" handling time, after the case kinds (whose index is their Kind code)."""
_ANSWER_ATTACHMENTS: Final = (
    Attachment(name="information.pdf", content_type="application/pdf", size_bytes=180_000),
)
"""The file a staff answer carries when it carries one (F5)."""


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

    __slots__ = (
        "_attachment_draws",
        "_continue_draws",
        "_handling_draws",
        "allow_overrun",
        "answer_attachment_share",
        "cases",
        "clinic_ids",
        "continue_share",
        "days",
        "duty_minutes",
        "env",
        "exponential_mean_minutes",
        "handling",
        "idle",
        "open_weekdays",
        "returned",
        "services",
        "shift_minutes",
        "shift_start_minutes",
        "staff_by_clinic",
        "staff_tool",
        "start_weekday",
        "waiting",
    )

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
        if clinic_ids != list(range(len(clinic_ids))):
            # The clinic's index in the run is its domain id (clinics are activated in order).
            raise ValueError(f"clinic ids must be 0..n-1 in order, got {clinic_ids}")
        services.listeners.case_awaiting_staff.append(self.case_awaiting_staff)
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
            standard_normal_draws(random_stream(seed, "handling_time", index), SMALL_BLOCK_SIZE)
            for index in range(len(clinic_ids))
        ]
        self._continue_draws = [
            uniform_draws(random_stream(seed, "dialogue_continue", index), SMALL_BLOCK_SIZE)
            for index in range(len(clinic_ids))
        ]
        self.answer_attachment_share = clinics.answer_attachment_share
        self._attachment_draws = [
            uniform_draws(random_stream(seed, "answer_attachment", index), SMALL_BLOCK_SIZE)
            for index in range(len(clinic_ids))
        ]

    def start(self) -> None:
        """Start one shift process per staff member with e-service duty."""
        if self.duty_minutes <= 0.0:
            return
        for clinic, staff_members in enumerate(self.staff_by_clinic):
            offsets = duty_offsets_minutes(
                len(staff_members), self.shift_minutes, self.duty_minutes
            )
            for staff, offset in zip(staff_members, offsets, strict=True):
                self.env.process(self.work_shifts(staff, clinic, offset))

    def case_awaiting_staff(self, case: int, clinic: int, staff: int) -> None:
        """A case waits for staff: a new one in the clinic's queue wakes one idle staff member
        on duty, if any; a citizen's reply (F4) waits for the staff member who has the case."""
        if staff == NONE:
            idle = self.idle[clinic]
            if idle:
                self.waiting.pop(idle.popleft()).succeed()
            return
        self.returned[staff].append(case)
        wake = self.waiting.pop(staff, None)
        if wake is not None:
            self.idle[clinic].remove(staff)
            wake.succeed()

    def close_unanswered(self, case: int) -> None:
        """Close a case whose citizen cannot come back for the next round."""
        self.staff_tool.close_case(self.cases.staff[case], case)

    def _duty_over(self, staff: int, clinic: int, _event: simpy.Event) -> None:
        """The duty block ended: an idle staff member stops waiting for cases."""
        wake = self.waiting.pop(staff, None)
        if wake is not None:
            self.idle[clinic].remove(staff)
            wake.succeed()

    def work_shifts(
        self, staff: int, clinic: int, offset_minutes: float
    ) -> Generator[Any, Any, None]:
        """The staff member's e-service duty block on each open weekday of the run."""
        env = self.env
        for day in range(self.days):
            if (self.start_weekday + day) % 7 not in self.open_weekdays:
                continue
            duty_start = day * MINUTES_PER_DAY + self.shift_start_minutes + offset_minutes
            duty_end = duty_start + self.duty_minutes
            # Only with allow_overrun can the previous block's last case end after this start.
            yield env.timeout(max(duty_start - env.now, 0.0))
            self.staff_tool.start_shift(staff)
            # One callback per block ends an idle wait at the block's end (cheaper than a
            # condition of "woken or timed out" per idle spell).
            env.timeout(duty_end - env.now).callbacks.append(
                partial(self._duty_over, staff, clinic)
            )
            yield from self.handle_cases(staff, clinic, duty_end)
            if env.now < duty_end:
                yield env.timeout(duty_end - env.now)
            self.staff_tool.end_shift(staff)

    def handle_cases(self, staff: int, clinic: int, duty_end: float) -> Generator[Any, Any, None]:
        """Take the oldest case, handle it, answer; repeat until the duty block is used up."""
        env = self.env
        staff_tool = self.staff_tool
        cases = self.cases
        handling_draws = self._handling_draws[clinic]
        continue_draws = self._continue_draws[clinic]
        attachment_draws = self._attachment_draws[clinic]
        attachment_share = self.answer_attachment_share
        returned = self.returned[staff]
        while True:
            now = env.now
            case = returned[0] if returned else staff_tool.next_case(staff)
            if case is None:
                if now >= duty_end:
                    return
                wake = env.event()
                self.idle[clinic].append(staff)
                self.waiting[staff] = wake
                yield wake
                continue
            kind = _REPLY_KIND if cases.round[case] > 0 else cases.kind[case]
            exponential_mean = self.exponential_mean_minutes[kind]
            if exponential_mean is None:
                mu, sigma = self.handling[kind]
                handling_minutes = math.exp(mu + sigma * next(handling_draws))
            else:
                # Upper tail of the normal as a uniform: -log of it is a standard exponential.
                tail = 0.5 * math.erfc(next(handling_draws) / math.sqrt(2.0))
                handling_minutes = -exponential_mean * math.log(max(tail, 1e-300))
            if self.allow_overrun:
                if now >= duty_end:
                    return
            else:
                handling_minutes = min(handling_minutes, self.duty_minutes)
                if now + handling_minutes > duty_end:
                    return
            if returned:
                returned.popleft()
            else:
                staff_tool.assign_case(staff, case)
            yield env.timeout(handling_minutes)
            cases.staff[case] = staff
            # F4: another round, or the answer closes the case; the domain tells the citizen's
            # side of the reply message and of a case waiting for them.
            another_round = next(continue_draws) < self.continue_share
            # F5: some answers carry a file (a referral, instructions), drawn per answer.
            with_file = next(attachment_draws) < attachment_share
            staff_tool.answer_case(
                staff,
                case,
                handling_minutes=handling_minutes,
                close=not another_round,
                attachments=_ANSWER_ATTACHMENTS if with_file else (),
            )

"""Staff outreach: appointment notices (F7), pre-visit information (F2), forms (F3), questions
(R19) and mass mailings (F6).

Pipeline position: ``scenario (outreach, campaigns) + population -> (daily send plans) ->
send_notices / send_mass_mailing processes -> domain staff tool -> event log``.

Notices: each clinic sends ``outreach.appointment_notices_per_person_per_year`` per listed person
and ``questions_per_person_per_year`` questions (R19, R20: "Skicka ärende" with the standard
question template opens a case assigned to the sender that the citizen can answer), on open
weekdays only (the yearly rate is spread over them), at uniform times within shift hours, each
by a staff member of the clinic drawn at random. Each notice is for an appointment:
:class:`etj_sim.simulation.notices.NoticeOffice` books the visit and sends the notice as the
scenario's notice policy says; a draw under ``outreach.digital_notice_share`` means the clinic's
digital routine covers the notice (else the policy posts it). Every message delivered here
reaches the readers through the domain's
delivery listeners.

A notice is followed, in the same sitting, by pre-visit information with
``pre_visit_information_share`` and by a form with ``form_share``, to active accounts only (the
staff tool shows whether the account is active, R20); questions also go to active accounts only.

Each day's sends of all clinics are drawn in one vectorised block from the stream
``("outreach", day)``. The digital draw is taken per notice from that block, so with common random
numbers a higher ``digital_notice_share`` turns exactly the notices under the new share digital.

Mass mailings (F6): on a campaign's day, one hour after the shift start, one call of
``staff_tool.mass_mailing`` to everyone whose age that day lies in the campaign's range (selected
vectorised from birth dates), sent by the first staff member of the first clinic (the region's
communications function); recipients without an active account are the domain's
``message_undeliverable`` outcome.
"""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from etj_sim.domain import TemplateKind
from etj_sim.events import KIND_FORM, KIND_PRE_VISIT_INFORMATION
from etj_sim.scenario import Scenario
from etj_sim.simulation.citizens import MINUTES_PER_DAY, Citizens
from etj_sim.simulation.notices import NoticeOffice
from etj_sim.simulation.random_streams import random_stream

if TYPE_CHECKING:
    import simpy

    from etj_sim.domain import EServices
    from etj_sim.simulation.ledger import CaseLedger, MessageLedger

__all__ = ["DaySends", "OutreachPlanner"]

_NOTICE = 0
_QUESTION = 1


SendRow = tuple[float, int, int, float, float, float, float]
"""One planned send: minute, person, what (0 notice, 1 question), and its draws for the staff
member, digital or paper, pre-visit information and form."""


@dataclass(frozen=True, eq=False)
class DaySends:
    """One day's staff-initiated sends of all clinics, sorted by clinic and time."""

    bounds: list[int]
    """Clinic ``c``'s sends are ``rows[bounds[c]:bounds[c + 1]]``."""
    rows: list[SendRow]


class OutreachPlanner:
    """Draws each day's notices and questions for all clinics at once, and sends them."""

    __slots__ = (
        "_cached",
        "cases",
        "citizens",
        "clinic_count",
        "clinic_ids",
        "clinic_persons",
        "clinic_starts",
        "digital_share",
        "form_share",
        "messages",
        "notices",
        "notices_per_day",
        "open_weekdays",
        "pre_visit_share",
        "question_template",
        "questions_per_day",
        "scenario",
        "seed",
        "services",
        "shift_minutes",
        "shift_start_minutes",
        "staff_by_clinic",
        "staff_tool",
        "start_weekday",
    )

    def __init__(
        self,
        scenario: Scenario,
        citizens: Citizens,
        seed: int,
        *,
        services: EServices,
        clinic_ids: list[int],
        staff_by_clinic: list[list[int]],
        cases: CaseLedger,
        messages: MessageLedger,
        notices: NoticeOffice,
    ) -> None:
        self.cases = cases
        self.messages = messages
        outreach = scenario.outreach
        self.notices = notices
        clinics = scenario.clinics
        self.scenario = scenario
        self.citizens = citizens
        self.seed = seed
        self.services = services
        self.staff_tool = services.staff_tool
        self.clinic_ids = clinic_ids
        self.staff_by_clinic = staff_by_clinic
        self.clinic_count = clinics.count
        self.start_weekday = scenario.start_date.weekday()
        self.open_weekdays = frozenset(clinics.open_weekdays)
        self.shift_start_minutes = clinics.shift_start_hour * 60.0
        self.shift_minutes = (clinics.shift_end_hour - clinics.shift_start_hour) * 60.0
        listed = np.bincount(citizens.clinic, minlength=self.clinic_count).astype(np.float64)
        self.clinic_persons = np.argsort(citizens.clinic, kind="stable")
        self.clinic_starts = np.concatenate([[0], np.cumsum(listed.astype(np.int64))])
        # Yearly rates spread over the open weekdays of a year.
        open_days_per_year = 365.0 * len(self.open_weekdays) / 7.0
        self.notices_per_day = (
            listed * outreach.appointment_notices_per_person_per_year / open_days_per_year
        )
        self.questions_per_day = (
            listed * outreach.questions_per_person_per_year / open_days_per_year
        )
        self.digital_share = outreach.digital_notice_share
        self.pre_visit_share = outreach.pre_visit_information_share
        self.form_share = outreach.form_share
        self.question_template = services.staff_tool.standard_template(TemplateKind.QUESTION)
        self._cached: tuple[int, DaySends] | None = None

    def sends(self, day: int) -> DaySends:
        """The sends of ``day`` (drawn once, shared by the clinics' processes)."""
        if self._cached is not None and self._cached[0] == day:
            return self._cached[1]
        plan = self._draw(day)
        self._cached = (day, plan)
        return plan

    def _draw(self, day: int) -> DaySends:
        generator = random_stream(self.seed, "outreach", day)
        notice_counts = generator.poisson(self.notices_per_day)
        question_counts = generator.poisson(self.questions_per_day)
        counts = notice_counts + question_counts
        total = int(counts.sum())
        clinics = np.repeat(np.arange(self.clinic_count), counts)
        what = (
            np.concatenate(
                [
                    np.repeat([_NOTICE, _QUESTION], [notice, question])
                    for notice, question in zip(
                        notice_counts.tolist(), question_counts.tolist(), strict=True
                    )
                ]
            )
            if total
            else np.empty(0, dtype=np.int64)
        )
        sizes = (self.clinic_starts[clinics + 1] - self.clinic_starts[clinics]).astype(np.float64)
        offsets = np.minimum(
            (generator.random(total) * sizes).astype(np.int64),
            np.maximum(sizes - 1, 0).astype(np.int64),
        )
        persons = self.clinic_persons[self.clinic_starts[clinics] + offsets]
        minutes = (
            day * MINUTES_PER_DAY
            + self.shift_start_minutes
            + generator.random(total) * self.shift_minutes
        )
        draws = generator.random((4, total))
        order = np.lexsort((minutes, clinics))
        rows = list(
            zip(
                minutes[order].tolist(),
                persons[order].tolist(),
                what[order].tolist(),
                *(column[order].tolist() for column in draws),
                strict=True,
            )
        )
        return DaySends(bounds=np.concatenate([[0], np.cumsum(counts)]).tolist(), rows=rows)

    def send_notices(self, env: simpy.Environment, clinic: int) -> Generator[Any, Any, None]:
        """The clinic's outreach: notices with their follow-ups, and questions (F2, F3, F7, R19)."""
        staff_members = self.staff_by_clinic[clinic]
        if not staff_members:
            return
        # Called through their objects, not as bound methods kept in locals: compiled (mypyc),
        # a call through a typed object is a direct C call, a kept bound method a generic one.
        services = self.services
        staff_tool = self.staff_tool
        notices = self.notices
        staff_count = len(staff_members)
        digital_share = self.digital_share
        pre_visit_share = self.pre_visit_share
        form_share = self.form_share
        for day in range(self.scenario.duration_days):
            if (self.start_weekday + day) % 7 in self.open_weekdays:
                plan = self.sends(day)
                rows = plan.rows[plan.bounds[clinic] : plan.bounds[clinic + 1]]
                for minute, person, what, staff_draw, digital, pre_visit, form in rows:
                    yield env.timeout(minute - env.now)
                    staff = staff_members[int(staff_draw * staff_count)]
                    active = services.account_active(person)
                    if what == _QUESTION:
                        if active:
                            self.ask_question(staff, clinic, person)
                        continue
                    notices.send(staff, person, digital < digital_share)
                    if not active:
                        continue
                    if pre_visit < pre_visit_share:
                        staff_tool.send_message(staff, person, KIND_PRE_VISIT_INFORMATION)
                    if form < form_share:
                        staff_tool.send_message(staff, person, KIND_FORM)
            yield env.timeout((day + 1) * MINUTES_PER_DAY - env.now)

    def ask_question(self, staff: int, clinic: int, person: int) -> None:
        """R19, R20: "Skicka ärende" with the standard question template: a case assigned to
        the sender opens, waiting for the citizen (F4)."""
        draft = self.staff_tool.send_case(staff, self.question_template)
        draft.enter_personal_number(person)  # R20: the staff member sees the alert choices
        opened = draft.send()
        self.cases.open(opened.case, person, clinic, 0)
        self.cases.staff[opened.case] = staff
        self.messages.question_case[opened.message] = opened.case

    def send_mass_mailing(self, env: simpy.Environment) -> Generator[Any, Any, None]:
        """F6: each campaign on its day, to everyone in its age range."""
        sender_clinic = next((c for c, staff in enumerate(self.staff_by_clinic) if staff), None)
        if sender_clinic is None:
            return
        sender = self.staff_by_clinic[sender_clinic][0]
        for campaign in sorted(self.scenario.campaigns, key=lambda c: (c.day, c.name)):
            minute = campaign.day * MINUTES_PER_DAY + self.shift_start_minutes + 60.0
            yield env.timeout(max(minute - env.now, 0.0))
            ages = self.citizens.ages_on_day(campaign.day, self.scenario.start_date)
            recipients = np.flatnonzero((ages >= campaign.min_age) & (ages <= campaign.max_age))
            self.staff_tool.mass_mailing(sender, campaign.template, recipients.tolist())

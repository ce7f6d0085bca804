"""Citizen demand: when, who and what kind of case arrives at each clinic (F1, F4, F5).

Pipeline position: ``scenario (demand) + population -> (daily arrival plans) -> start_cases
processes -> domain``. Each clinic's arrivals are a Poisson stream whose rate is the sum over its
listed persons of ``demand.cases_per_person_per_year`` (all kinds) times the person's
``demand.age_multiplier`` (by age band on the start date) times ``demand.scale``, shaped by
``weekday_weights`` (normalised to mean 1 over the week) and ``hour_weights`` (normalised to sum 1
over the day).
Everyone listed has needs, with or without an active account: the citizen side decides whether
the need reaches the e-services (activation at first need) or goes elsewhere.

Each day's arrivals of all clinics are drawn in one vectorised block from the stream
``("demand", day)``: counts per clinic, persons by weight within the clinic, kinds, times,
attachments. Then one SimPy process per clinic (``start_cases``) walks its slice in time order.
Demand does not depend on staffing or alerts, so scenarios that differ there see the same cases.
"""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from etj_sim.population.accounts import age_band_indices
from etj_sim.scenario import AGE_BANDS, CASE_KINDS, Scenario
from etj_sim.simulation.citizens import MINUTES_PER_DAY, Citizens
from etj_sim.simulation.random_streams import random_stream

if TYPE_CHECKING:
    import simpy

    from etj_sim.simulation.citizen_behaviour import CitizenBehaviour

__all__ = ["ClinicRoll", "DayArrivals", "DemandPlanner"]


@dataclass(frozen=True, eq=False)
class ClinicRoll:
    """Persons sorted by clinic, with cumulative weights for drawing within one clinic."""

    persons: np.ndarray
    """Person ids, grouped by clinic (stable: register order within a clinic)."""
    starts: np.ndarray
    """``starts[c]:starts[c + 1]`` is clinic ``c``'s slice of ``persons``."""
    cumulative: np.ndarray
    """Cumulative weight before each position (length ``persons.size + 1``)."""

    @classmethod
    def build(cls, clinic: np.ndarray, clinic_count: int, weights: np.ndarray) -> ClinicRoll:
        if clinic.size and (clinic.min() < 0 or clinic.max() >= clinic_count):
            raise ValueError(
                f"population: clinic ids must lie in 0..{clinic_count - 1} (clinics.count)"
            )
        persons = np.argsort(clinic, kind="stable").astype(np.int64)
        starts = np.searchsorted(clinic[persons], np.arange(clinic_count + 1), side="left")
        cumulative = np.concatenate([[0.0], np.cumsum(weights[persons], dtype=np.float64)])
        return cls(persons=persons, starts=starts, cumulative=cumulative)

    def clinic_weights(self) -> np.ndarray:
        """Total weight per clinic."""
        weights: np.ndarray = self.cumulative[self.starts[1:]] - self.cumulative[self.starts[:-1]]
        return weights

    def draw(self, clinics: np.ndarray, uniforms: np.ndarray) -> np.ndarray:
        """One person per entry of ``clinics``, by weight within that clinic."""
        low = self.cumulative[self.starts[clinics]]
        high = self.cumulative[self.starts[clinics + 1]]
        positions = (
            np.searchsorted(self.cumulative, low + uniforms * (high - low), side="right") - 1
        )
        positions = np.clip(positions, self.starts[clinics], self.starts[clinics + 1] - 1)
        result: np.ndarray = self.persons[positions]
        return result


@dataclass(frozen=True, eq=False)
class DayArrivals:
    """One day's arrivals of all clinics, sorted by clinic and time."""

    bounds: list[int]
    """Clinic ``c``'s arrivals are ``rows[bounds[c]:bounds[c + 1]]``."""
    rows: list[tuple[float, int, int, bool]]
    """(minute, person, case kind, with an attachment) per arrival."""


class DemandPlanner:
    """Draws each day's arrivals for all clinics at once."""

    __slots__ = (
        "_cached",
        "attachment_share",
        "clinic_count",
        "daily_base",
        "hour_cumulative",
        "kind_cumulative",
        "roll",
        "seed",
        "start_weekday",
        "weekday_factor",
    )

    def __init__(self, scenario: Scenario, citizens: Citizens, seed: int) -> None:
        demand = scenario.demand
        self.seed = seed
        self.clinic_count = scenario.clinics.count
        self.start_weekday = scenario.start_date.weekday()
        multipliers = np.array([demand.age_multiplier[band] for band in AGE_BANDS])
        weights = multipliers[age_band_indices(citizens.start_age)]
        self.roll = ClinicRoll.build(citizens.clinic, self.clinic_count, weights)
        kind_rates = np.array([demand.cases_per_person_per_year.get(k, 0.0) for k in CASE_KINDS])
        total_rate = float(kind_rates.sum())
        self.kind_cumulative = np.cumsum(kind_rates / total_rate) if total_rate > 0 else None
        weekday = np.array(demand.weekday_weights, dtype=np.float64)
        self.weekday_factor = weekday / weekday.mean()
        hours = np.array(demand.hour_weights, dtype=np.float64)
        self.hour_cumulative = np.cumsum(hours / hours.sum())
        # demand.scale multiplies every kind alike, so it scales the rate, not the kind mix.
        self.daily_base = self.roll.clinic_weights() * (total_rate * demand.scale) / 365.0
        self.attachment_share = demand.attachment_share
        self._cached: tuple[int, DayArrivals] | None = None

    def arrivals(self, day: int) -> DayArrivals:
        """The arrivals of ``day`` (drawn once, shared by the clinics' processes)."""
        if self._cached is not None and self._cached[0] == day:
            return self._cached[1]
        plan = self._draw(day)
        self._cached = (day, plan)
        return plan

    def _draw(self, day: int) -> DayArrivals:
        generator = random_stream(self.seed, "demand", day)
        factor = self.weekday_factor[(self.start_weekday + day) % 7]
        counts = generator.poisson(self.daily_base * factor)
        total = int(counts.sum())
        if total == 0 or self.kind_cumulative is None:
            return DayArrivals([0] * (self.clinic_count + 1), [])
        clinics = np.repeat(np.arange(self.clinic_count), counts)
        persons = self.roll.draw(clinics, generator.random(total))
        kinds = np.searchsorted(self.kind_cumulative, generator.random(total), side="right")
        kinds = np.minimum(kinds, len(CASE_KINDS) - 1)
        hours = np.minimum(np.searchsorted(self.hour_cumulative, generator.random(total)), 23)
        minutes = day * MINUTES_PER_DAY + (hours + generator.random(total)) * 60.0
        attachments = generator.random(total) < self.attachment_share
        order = np.lexsort((minutes, clinics))
        bounds = np.concatenate([[0], np.cumsum(counts)])
        rows = list(
            zip(
                minutes[order].tolist(),
                persons[order].tolist(),
                kinds[order].tolist(),
                attachments[order].tolist(),
                strict=True,
            )
        )
        return DayArrivals(bounds=bounds.tolist(), rows=rows)

    def start_cases(
        self, env: simpy.Environment, clinic: int, days: int, behaviour: CitizenBehaviour
    ) -> Generator[Any, Any, None]:
        """The clinic's arrival stream: each arrival, the person starts a case (F1)."""
        for day in range(days):
            plan = self.arrivals(day)
            for minute, person, kind, with_attachment in plan.rows[
                plan.bounds[clinic] : plan.bounds[clinic + 1]
            ]:
                yield env.timeout(minute - env.now)
                behaviour.start_case(person, clinic, kind, with_attachment)
            yield env.timeout((day + 1) * MINUTES_PER_DAY - env.now)

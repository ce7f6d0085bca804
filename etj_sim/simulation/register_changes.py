"""The population register over time: protection granted and lifted, custody ended (R12, D9).

Pipeline position: ``scenario (population.*_per_*_year) + population -> (daily draws) ->
notify process -> EServices.set_protection / end_guardianship -> event log``. Skatteverket's
notifications reach the e-services as they happen: once a day, at 06:00, before the clinics
open, the register's changes of that day arrive, each through the domain, which refuses proxy
from that moment (R12, R10) and, for an ended custody, removes the former guardian's contacts
from the child's settings (D9). The domain's ``register_changed`` listeners tell the citizens'
side (whose guardian now acts for a child).

Rates per year of the run: ``population.protection_granted_per_person_year`` of the persons
without protection, ``protection_lifted_per_protected_year`` of the protected, and
``custody_ended_per_child_year`` of the children under 18 with two guardians (the second listed
guardian leaves the custody). Each day's counts are Poisson draws and the persons uniform draws
from the stream ``("register_changes", day)``, so a scenario that changes other parameters sees
the same register changes (common random numbers).
"""

from __future__ import annotations

from collections.abc import Generator
from typing import TYPE_CHECKING, Any, Final

import numpy as np

from etj_sim.population import Population
from etj_sim.scenario import Scenario
from etj_sim.simulation.citizens import MINUTES_PER_DAY
from etj_sim.simulation.random_streams import random_stream

if TYPE_CHECKING:
    import simpy

    from etj_sim.domain import EServices

__all__ = ["RegisterChanges"]

NOTIFICATION_HOUR: Final = 6.0
"""The hour of the day the register's changes reach the e-services. # assumption"""


class RegisterChanges:
    """Draws and carries out each day's changes of protection and custody."""

    __slots__ = (
        "_ended",
        "_persons",
        "_protected",
        "custody_per_day",
        "days",
        "grant_per_day",
        "leaving_guardians",
        "lift_per_day",
        "seed",
        "services",
        "two_guardian_children",
    )

    def __init__(
        self, scenario: Scenario, population: Population, seed: int, services: EServices
    ) -> None:
        section = scenario.population
        self.services = services
        self.seed = seed
        self.days = scenario.duration_days
        self.grant_per_day = section.protection_granted_per_person_year / 365.0
        self.lift_per_day = section.protection_lifted_per_protected_year / 365.0
        self.custody_per_day = section.custody_ended_per_child_year / 365.0
        people = population.people
        self._persons = people.height
        # The draws pick ranks among the persons without protection and the open custodies;
        # what is kept is the small side of each (the protected, the ended custodies), sorted,
        # so a day costs what changes that day and not a scan of the whole register.
        self._protected = np.flatnonzero(people["protected"].to_numpy())
        self._ended = np.empty(0, dtype=np.int64)
        guardianships = population.guardianships
        children = guardianships["child"].to_numpy()
        guardians = guardianships["guardian"].to_numpy()
        # Two-guardian children, with their second listed guardian (the one who leaves).
        order = np.argsort(children, kind="stable")
        children, guardians = children[order], guardians[order]
        second = np.flatnonzero(np.r_[False, children[1:] == children[:-1]])
        self.two_guardian_children = children[second].astype(np.int64)
        self.leaving_guardians = guardians[second].astype(np.int64)

    @property
    def active(self) -> bool:
        """Whether any change can happen at these rates."""
        return self.grant_per_day > 0.0 or self.lift_per_day > 0.0 or self.custody_per_day > 0.0

    def notify(self, env: simpy.Environment) -> Generator[Any, Any, None]:
        """Each day at :data:`NOTIFICATION_HOUR`, the register's changes of that day."""
        if not self.active:
            return
        for day in range(self.days):
            yield env.timeout(day * MINUTES_PER_DAY + NOTIFICATION_HOUR * 60.0 - env.now)
            self._changes_of(day)

    def _changes_of(self, day: int) -> None:
        generator = random_stream(self.seed, "register_changes", day)
        protected = self._protected
        ended_before = self._ended
        unprotected = self._persons - protected.size
        still_open = self.two_guardian_children.size - ended_before.size
        grants = generator.poisson(self.grant_per_day * unprotected)
        lifts = generator.poisson(self.lift_per_day * protected.size)
        custody = generator.poisson(self.custody_per_day * still_open)
        granted = ids_outside(protected, _ranks(generator, unprotected, grants))
        lifted = protected[_ranks(generator, protected.size, lifts)]
        ended = ids_outside(ended_before, _ranks(generator, still_open, custody))
        self._protected = np.union1d(np.setdiff1d(protected, lifted), granted)
        self._ended = np.union1d(ended_before, ended)
        services = self.services
        for person in granted.tolist():
            services.set_protection(person, True)
        for person in lifted.tolist():
            services.set_protection(person, False)
        for index in ended.tolist():
            services.end_guardianship(
                int(self.leaving_guardians[index]), int(self.two_guardian_children[index])
            )


def _ranks(generator: np.random.Generator, size: int, count: int) -> np.ndarray:
    """``count`` distinct ranks below ``size`` (all of them if fewer), in ascending order."""
    if count <= 0 or size == 0:
        return np.empty(0, dtype=np.int64)
    chosen = generator.choice(size, size=min(count, size), replace=False)
    result: np.ndarray = np.sort(chosen)
    return result


def ids_outside(excluded: np.ndarray, ranks: np.ndarray) -> np.ndarray:
    """The ids at ``ranks`` among 0, 1, 2, ... without the sorted ``excluded`` ones.

    The id of rank r is r plus the excluded ids below it; ``excluded[j] - j`` counts the ids
    kept below ``excluded[j]``, so that number is where r falls among those counts.
    """
    kept_below = excluded - np.arange(excluded.size)
    result: np.ndarray = ranks + np.searchsorted(kept_below, ranks, side="right")
    return result

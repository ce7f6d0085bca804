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
        self.protected = people["protected"].to_numpy().copy()
        guardianships = population.guardianships
        children = guardianships["child"].to_numpy()
        guardians = guardianships["guardian"].to_numpy()
        # Two-guardian children, with their second listed guardian (the one who leaves).
        order = np.argsort(children, kind="stable")
        children, guardians = children[order], guardians[order]
        second = np.flatnonzero(np.r_[False, children[1:] == children[:-1]])
        self.two_guardian_children = children[second].astype(np.int64)
        self.leaving_guardians = guardians[second].astype(np.int64)
        self.custody_open = np.ones(self.two_guardian_children.size, dtype=bool)

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
        protected = self.protected
        unprotected_ids = np.flatnonzero(~protected)
        protected_ids = np.flatnonzero(protected)
        open_custody = np.flatnonzero(self.custody_open)
        grants = generator.poisson(self.grant_per_day * unprotected_ids.size)
        lifts = generator.poisson(self.lift_per_day * protected_ids.size)
        custody = generator.poisson(self.custody_per_day * open_custody.size)
        granted = _pick(generator, unprotected_ids, grants)
        lifted = _pick(generator, protected_ids, lifts)
        ended = _pick(generator, open_custody, custody)
        services = self.services
        for person in granted.tolist():
            protected[person] = True
            services.set_protection(person, True)
        for person in lifted.tolist():
            protected[person] = False
            services.set_protection(person, False)
        for index in ended.tolist():
            self.custody_open[index] = False
            services.end_guardianship(
                int(self.leaving_guardians[index]), int(self.two_guardian_children[index])
            )


def _pick(generator: np.random.Generator, candidates: np.ndarray, count: int) -> np.ndarray:
    """``count`` distinct candidates (all of them if fewer), in ascending order."""
    if count <= 0 or candidates.size == 0:
        return candidates[:0]
    chosen = generator.choice(candidates.size, size=min(count, candidates.size), replace=False)
    result: np.ndarray = candidates[np.sort(chosen)]
    return result

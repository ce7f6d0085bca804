"""The health record system's (journalsystem's) view of a citizen (R6, D1).

Pipeline position: ``register -> record system (this module) -> notebooks``. Staff see name,
personal number and address here, and nothing about alerts: R6 says staff cannot see in the
record system whether the citizen has approved alerts; the staff tool shows it instead (R20,
D1). :class:`etj_sim.domain.views.RecordView` has no alert field, so none can leak.
"""

from __future__ import annotations

from etj_sim.domain.register import PersonRef, PopulationRegister
from etj_sim.domain.views import RecordView

__all__ = ["RecordSystem"]


class RecordSystem:
    """Journalsystemet: register data only (R6)."""

    __slots__ = ("_register",)

    def __init__(self, register: PopulationRegister) -> None:
        self._register = register

    def view(self, who: PersonRef) -> RecordView:
        """Name, personal number and address; R6: no alert choices."""
        register = self._register
        person = register.person_id(who)
        return RecordView(
            person=person,
            personal_number=register.personal_number(person).canonical,
            name=register.name(person),
            address=register.address(person),
        )

"""The fixed keys of scenario tables: age bands, case kinds, staff roles, alert channels.

Pipeline position: part of the first stage (``scenarios/*.toml -> Scenario``). The sections in
:mod:`etj_sim.scenario.sections` key their tables by these names, and later stages (population,
simulation, metrics, charts) index those tables and label their output with the same names.
"""

from __future__ import annotations

from typing import Final

__all__ = [
    "AGE_BANDS",
    "ALERT_CHANNELS",
    "CASE_KINDS",
    "FAMILY_TYPES",
    "STAFF_ROLES",
    "age_band_of",
]

AGE_BANDS: Final = ("0-12", "13-17", "18-29", "30-49", "50-64", "65-79", "80+")
"""Age bands used by every by-age parameter and metric. 0-12 is the proxy age (R10, D2)."""

_AGE_BAND_LOWER: Final = (0, 13, 18, 30, 50, 65, 80)

CASE_KINDS: Final = ("prescription_renewal", "health_declaration", "contact_form", "local_eservice")
"""Citizen-initiated case kinds (F1, R18); names match ``etj_sim.events.Kind``."""

STAFF_ROLES: Final = ("nurse", "physician", "administrator")

ALERT_CHANNELS: Final = ("sms", "email", "both")
FAMILY_TYPES: Final = ("two_guardians", "single_guardian")


def age_band_of(age: int) -> str:
    """The label of the age band that ``age`` (whole years) falls in."""
    label = AGE_BANDS[0]
    for lower, band in zip(_AGE_BAND_LOWER, AGE_BANDS, strict=True):
        if age >= lower:
            label = band
    return label

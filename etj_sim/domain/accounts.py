"""Accounts and settings: activation, contacts and alert choices (R2, R4, R5, R13, R14, D3, D7).

Pipeline position: ``population frames (initial state) -> domain accounts (this module) ->
portal (edits) / alert gateway (reads at dispatch) / staff tool (reads the choice, R20)``.

Columnar: per person one activation flag, one alert bitmask, one mobile slot and one e-mail
slot (D3), one bitmask of what is shared with healthcare (R4), the R14 "guardian-era settings"
flag and whether the holder's own consent is recorded (R2): about 13 bytes a person. A contact slot
holds ``-1`` (empty), a person id ``>= 0`` (that person's own registered mobile or e-mail, so
an alert can tell holder from guardian, D3, D4), or ``-2 - k`` for the ``k``-th contact typed
in by hand (kept in a separate table, no owner).

R5: only :meth:`Accounts.update_settings` changes settings, and only the portal's sessions call
it (the holder, or a guardian by proxy for a child under 13, R10, R13). The staff tool has no
path here (``StaffTool.update_settings`` refuses, R5).
"""

from __future__ import annotations

import re
from array import array
from collections.abc import Callable
from typing import Any, Final

import numpy as np
import numpy.typing as npt

from etj_sim.domain.clock import Clock
from etj_sim.domain.columns import filled, from_numpy
from etj_sim.domain.errors import AccountNotActive, InvalidOperation
from etj_sim.domain.register import PopulationRegister
from etj_sim.domain.views import UNSET, SettingsView, Unset
from etj_sim.events import NONE, ROLE_GUARDIAN_PROXY, ROLE_SYSTEM, ActorRole, EventLog

__all__ = ["ALERT_EMAIL", "ALERT_SMS", "NO_CONTACT", "SHARE_EMAIL", "SHARE_MOBILE", "Accounts"]

ALERT_SMS: Final = 1
ALERT_EMAIL: Final = 2
SHARE_MOBILE: Final = 1
"""R4: the mobile number in the settings is shared with healthcare."""
SHARE_EMAIL: Final = 2
NO_CONTACT: Final = -1
_TYPED: Final = -(2**31)
_MOBILE_PATTERN: Final = re.compile(r"\+?[0-9][0-9 \-]{6,18}[0-9]")
_EMAIL_PATTERN: Final = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


class Accounts:
    """Activation and settings of every person's e-service account, one column each."""

    __slots__ = (
        "_clock",
        "_log",
        "_register",
        "_typed_contacts",
        "_typed_index",
        "activation_listeners",
        "active",
        "alerts",
        "email",
        "mobile",
        "own_consent",
        "review_pending",
        "sharing",
    )

    def __init__(self, register: PopulationRegister, clock: Clock, log: EventLog | None) -> None:
        self._register = register
        self._clock = clock
        self._log = log
        self.active = array("b")
        self.alerts = array("b")  # ALERT_SMS | ALERT_EMAIL
        self.mobile = array("i")  # contact slot, see module docstring
        self.email = array("i")
        self.review_pending = array("b")  # R14: settings made while a guardian acted
        self.sharing = array("b")  # R4: SHARE_MOBILE | SHARE_EMAIL
        self.own_consent = array("b")  # R2: the holder's own consent is recorded
        self._typed_contacts: list[str] = []
        self._typed_index: dict[str, int] = {}
        self.activation_listeners: list[Callable[[int], None]] = []
        """Called with the person after each activation (F7: a held notice is delivered)."""
        self.grow()

    def grow(self) -> None:
        """Extend the columns to the register's size (new persons: no account, no settings)."""
        missing = len(self._register) - len(self.active)
        if missing > 0:
            self.active.extend(filled("b", missing, 0))
            self.alerts.extend(filled("b", missing, 0))
            self.mobile.extend(filled("i", missing, NO_CONTACT))
            self.email.extend(filled("i", missing, NO_CONTACT))
            self.review_pending.extend(filled("b", missing, 0))
            self.sharing.extend(filled("b", missing, 0))
            self.own_consent.extend(filled("b", missing, 0))

    def load(
        self,
        first_person: int,
        active: npt.NDArray[np.bool_],
        sms: npt.NDArray[np.bool_],
        email: npt.NDArray[np.bool_],
        mobile_owner: npt.NDArray[np.int32],
        email_owner: npt.NDArray[np.int32],
        review_pending: npt.NDArray[np.bool_],
    ) -> None:
        """Set the initial state of persons ``first_person ..`` in bulk (no per-person loop).

        Owners are person ids or -1 (null). Checks R2/R4: alerts need an active account and the
        matching contact; a contact owner must be registered. Errors name the first bad row.
        """
        count = active.size
        size = len(self._register)
        for name, owners in (
            ("settings_mobile_owner", mobile_owner),
            ("settings_email_owner", email_owner),
        ):
            bad = np.flatnonzero((owners < NO_CONTACT) | (owners >= size))
            if bad.size:
                raise InvalidOperation(
                    f"people.{name} in row {bad[0]} is {owners[bad[0]]}, not a person id"
                )
        for name, flags, owners in (
            ("alert_sms", sms, mobile_owner),
            ("alert_email", email, email_owner),
        ):
            bad = np.flatnonzero(flags & ((owners == NO_CONTACT) | ~active))
            if bad.size:
                raise InvalidOperation(
                    f"R4: people.{name} is set in row {bad[0]} without an active account and "
                    "a matching contact in the settings"
                )
        end = first_person + count
        self.active[first_person:end] = from_numpy("b", active)
        self.alerts[first_person:end] = from_numpy(
            "b", sms.astype(np.int8) * ALERT_SMS + email.astype(np.int8) * ALERT_EMAIL
        )
        self.mobile[first_person:end] = from_numpy("i", mobile_owner)
        self.email[first_person:end] = from_numpy("i", email_owner)
        self.review_pending[first_person:end] = from_numpy("b", review_pending)
        # R2, D7: an active account whose settings are not guardian-era was activated (and
        # consented to) by its holder; a guardian-era one by a guardian, in proxy mode.
        self.own_consent[first_person:end] = from_numpy("b", active & ~review_pending)

    # -- activation (R2, D7) ----------------------------------------------------------------

    def is_active(self, person: int) -> bool:
        """Whether the person's inbox and services are activated (R2)."""
        return self.active[person] == 1

    def require_active(self, person: int) -> None:
        """R2: the e-services work only after activation (first login, or a guardian's, D7)."""
        if not self.active[person]:
            raise AccountNotActive(
                f"R2: person {person} has not activated the e-services (no first login)"
            )

    def activate(self, person: int, actor: int, role: ActorRole, channel: int) -> None:
        """R2, D7: activate and record consent (given by ``actor``: the holder or a guardian).

        An account activated by a guardian in proxy mode holds guardian-era settings (R14).
        """
        self.active[person] = 1
        if role is ROLE_GUARDIAN_PROXY:
            self.review_pending[person] = 1
        else:
            self.own_consent[person] = 1
        if self._log is not None:
            self._log.account_activated(self._clock.minutes, person, actor, role, channel)
        for listener in self.activation_listeners:
            listener(person)

    def record_own_consent(self, person: int, channel: int) -> None:
        """R2, D7: the holder's first own login to an account a guardian activated is the
        holder's own consent to digital communication (consent_recorded)."""
        self.own_consent[person] = 1
        if self._log is not None:
            self._log.consent_recorded(self._clock.minutes, person, channel)

    # -- settings (R4, R13, D3) --------------------------------------------------------------

    def contact_text(self, slot: int, email: bool) -> str | None:
        """The mobile number or e-mail address a contact slot holds."""
        if slot == NO_CONTACT:
            return None
        if slot >= 0:
            return self._register.email(slot) if email else self._register.mobile(slot)
        return self._typed_contacts[-2 - slot]

    def settings_view(self, person: int) -> SettingsView:
        """The settings as the holder (or guardian by proxy) sees them."""
        mobile, email = self.mobile[person], self.email[person]
        alerts = self.alerts[person]
        return SettingsView(
            person=person,
            mobile=self.contact_text(mobile, email=False),
            email=self.contact_text(email, email=True),
            sms_alerts=bool(alerts & ALERT_SMS),
            email_alerts=bool(alerts & ALERT_EMAIL),
            mobile_owner=mobile if mobile >= 0 else None,
            email_owner=email if email >= 0 else None,
            share_mobile=bool(self.sharing[person] & SHARE_MOBILE),
            share_email=bool(self.sharing[person] & SHARE_EMAIL),
        )

    def shared_contacts(self, person: int) -> tuple[str | None, str | None]:
        """R4: the mobile and e-mail the holder shares with healthcare (None where not shared)."""
        sharing = self.sharing[person]
        mobile = self.contact_text(self.mobile[person], email=False) if sharing & 1 else None
        email = self.contact_text(self.email[person], email=True) if sharing & 2 else None
        return mobile, email

    def update_settings(
        self,
        person: int,
        actor: int,
        role: ActorRole,
        channel: int,
        owner_candidates: tuple[int, ...],
        mobile: str | Unset | None = UNSET,
        email: str | Unset | None = UNSET,
        sms_alerts: bool | Unset = UNSET,
        email_alerts: bool | Unset = UNSET,
        share_mobile: bool | Unset = UNSET,
        share_email: bool | Unset = UNSET,
    ) -> None:
        """Change the settings of ``person`` (R4, D3, R13); the caller has checked R3/R5/R10.

        R4's two purposes: alerts (``sms_alerts``, ``email_alerts``) and sharing the contact with
        healthcare (``share_mobile``, ``share_email``); each needs the matching contact, and
        clearing a contact ends both.

        A typed contact equal to the registered mobile/e-mail of one of ``owner_candidates``
        (the holder, the acting guardian, the child's guardians) is stored as that person's
        contact, so alerts know whom they reach (D4). Alerts need the matching contact (R4):
        the resulting settings are checked before anything changes.
        """
        mobile_slot = self.mobile[person]
        email_slot = self.email[person]
        alerts = self.alerts[person]
        if not isinstance(mobile, Unset):
            mobile_slot = self._resolve(mobile, False, owner_candidates)
        if not isinstance(email, Unset):
            email_slot = self._resolve(email, True, owner_candidates)
        if not isinstance(sms_alerts, Unset):
            alerts = alerts | ALERT_SMS if _flag(sms_alerts, "sms_alerts") else alerts & ~ALERT_SMS
        if not isinstance(email_alerts, Unset):
            wanted = _flag(email_alerts, "email_alerts")
            alerts = alerts | ALERT_EMAIL if wanted else alerts & ~ALERT_EMAIL
        if alerts & ALERT_SMS and mobile_slot == NO_CONTACT:
            raise InvalidOperation("R4: SMS alerts need a mobile number in the settings")
        if alerts & ALERT_EMAIL and email_slot == NO_CONTACT:
            raise InvalidOperation("R4: e-mail alerts need an e-mail address in the settings")
        sharing = self.sharing[person]
        for share, bit, slot, what in (
            (share_mobile, SHARE_MOBILE, mobile_slot, "a mobile number"),
            (share_email, SHARE_EMAIL, email_slot, "an e-mail address"),
        ):
            if isinstance(share, Unset):
                if slot == NO_CONTACT:
                    sharing &= ~bit  # a cleared contact is no longer shared
                continue
            if _flag(share, "share_mobile" if bit == SHARE_MOBILE else "share_email"):
                if slot == NO_CONTACT:
                    raise InvalidOperation(f"R4: sharing with healthcare needs {what}")
                sharing |= bit
            else:
                sharing &= ~bit
        # All checks passed: mutate.
        if mobile_slot == _TYPED and isinstance(mobile, str):
            mobile_slot = self._typed_slot(mobile)
        if email_slot == _TYPED and isinstance(email, str):
            email_slot = self._typed_slot(email)
        self.mobile[person] = mobile_slot
        self.email[person] = email_slot
        self.alerts[person] = alerts
        self.sharing[person] = sharing
        # R14: settings a guardian makes are guardian-era; the holder's own edit ends that era.
        self.review_pending[person] = 1 if role is ROLE_GUARDIAN_PROXY else 0
        if self._log is not None:
            self._log.settings_changed(
                self._clock.minutes,
                person,
                actor,
                role,
                channel,
                alerts & ALERT_SMS,
                (alerts & ALERT_EMAIL) >> 1,
            )

    def clear_contacts_of(self, person: int, owner: int) -> bool:
        """D9: remove ``owner``'s registered contacts from ``person``'s settings (an ended
        guardianship), with the alerts and sharing that used them; typed contacts stay (whose
        they are is unknown). Logs settings_changed by the system; returns whether any changed.
        """
        alerts = self.alerts[person]
        sharing = self.sharing[person]
        changed = False
        if self.mobile[person] == owner:
            self.mobile[person] = NO_CONTACT
            alerts &= ~ALERT_SMS
            sharing &= ~SHARE_MOBILE
            changed = True
        if self.email[person] == owner:
            self.email[person] = NO_CONTACT
            alerts &= ~ALERT_EMAIL
            sharing &= ~SHARE_EMAIL
            changed = True
        if not changed:
            return False
        self.alerts[person] = alerts
        self.sharing[person] = sharing
        if self._log is not None:
            self._log.settings_changed(
                self._clock.minutes,
                person,
                NONE,
                ROLE_SYSTEM,
                NONE,
                alerts & ALERT_SMS,
                (alerts & ALERT_EMAIL) >> 1,
            )
        return True

    def _typed_slot(self, text: str) -> int:
        index = self._typed_index.get(text)
        if index is None:
            index = self._typed_index[text] = len(self._typed_contacts)
            self._typed_contacts.append(text)
        return -2 - index

    def _resolve(self, text: str | None, email: bool, owners: tuple[int, ...]) -> int:
        if text is None:
            return NO_CONTACT
        if not isinstance(text, str):
            raise InvalidOperation(f"R4: a contact must be text or None, got {text!r}")
        pattern = _EMAIL_PATTERN if email else _MOBILE_PATTERN
        if not pattern.fullmatch(text):
            what = "e-mail address" if email else "mobile number"
            raise InvalidOperation(f"R4: {text!r} is not a valid {what}")
        for owner in owners:
            registered = self._register.email(owner) if email else self._register.mobile(owner)
            if registered == text:
                return owner
        # A placeholder: the typed contact gets its table slot once all checks have passed.
        return _TYPED

    def snapshot(self) -> tuple[Any, ...]:
        """An immutable copy of the account state (tests compare before and after)."""
        return (
            bytes(self.active),
            bytes(self.alerts),
            bytes(self.mobile),
            bytes(self.email),
            bytes(self.review_pending),
            bytes(self.sharing),
            bytes(self.own_consent),
            tuple(self._typed_contacts),
        )


def _flag(value: object, name: str) -> bool:
    if not isinstance(value, bool):
        raise InvalidOperation(f"R4: {name} must be True or False, got {value!r}")
    return value

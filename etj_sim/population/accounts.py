"""e-IDs, protection and the initial account state of a synthetic population.

Pipeline position: ``synthesize_population`` -> (this module) -> the ``protected``, ``bankid``,
``freja_plus``, ``account_active``, ``alert_*`` and ``settings_*_owner`` columns, which
``EServices.from_population`` loads as the state at the start of the run.

Every function takes per-person numpy arrays in final row order plus the guardian rows of each
child (-1: none) and returns arrays; nothing here loops over people.
"""

from __future__ import annotations

from typing import Final

import numpy as np
import numpy.typing as npt

from etj_sim.scenario import AGE_BANDS, AlertsSection, PopulationSection

__all__ = [
    "FAMILY_PROTECTION_SHARE",
    "PROXY_AGE",
    "AccountState",
    "age_band_indices",
    "draw_account_state",
    "draw_protection",
]

PROXY_AGE: Final = 13  # proxy ends and own e-ID starts on the 13th birthday (R10, R15, D2)
FAMILY_PROTECTION_SHARE: Final = 0.9
"""Assumption: the chance that a child of a protected guardian is protected too (protection
usually covers the family a threat is aimed at)."""
# Read from the band labels ("13-17", "80+") so ``AGE_BANDS`` stays the one definition.
_AGE_BAND_LOWER_YEARS: Final = np.array([int(band.split("-")[0].rstrip("+")) for band in AGE_BANDS])

BoolArray = npt.NDArray[np.bool_]
Int32Array = npt.NDArray[np.int32]


def age_band_indices(ages: npt.NDArray[np.int16]) -> npt.NDArray[np.int64]:
    """Index into ``AGE_BANDS`` of each age (vectorised ``age_band_of``)."""
    return np.searchsorted(_AGE_BAND_LOWER_YEARS, ages, side="right").astype(np.int64) - 1


def _by_band(values: dict[str, float]) -> npt.NDArray[np.float64]:
    return np.array([values[band] for band in AGE_BANDS], dtype=np.float64)


def _any_guardian(
    flag: BoolArray, first_guardian: Int32Array, second_guardian: Int32Array
) -> BoolArray:
    """For each person: does one of their guardians have ``flag``? (False without guardians.)"""
    padded = np.r_[flag, False]  # row -1 reads the padding: "no guardian"
    result: BoolArray = padded[first_guardian] | padded[second_guardian]
    return result


def draw_protection(
    share: float,
    first_guardian: Int32Array,
    second_guardian: Int32Array,
    rng: np.random.Generator,
) -> BoolArray:
    """Protected personal data (R12, R16) for ``share`` of people, correlated within families.

    Everyone is protected at a base rate; a child of a protected guardian is then protected
    with ``FAMILY_PROTECTION_SHARE``. The base rate is solved so the expected overall share is
    ``share``.
    """
    size = first_guardian.size
    one_guardian = int(((first_guardian >= 0) & (second_guardian < 0)).sum())
    two_guardians = int((second_guardian >= 0).sum())

    def expected_share(base: float) -> float:
        via_family = one_guardian * base + two_guardians * (1 - (1 - base) ** 2)
        return base + (1 - base) * FAMILY_PROTECTION_SHARE * via_family / max(size, 1)

    low, high = 0.0, share
    for _ in range(60):  # bisection on one scalar: expected_share rises with the base rate
        middle = (low + high) / 2
        low, high = (middle, high) if expected_share(middle) < share else (low, middle)
    protected = rng.random(size) < (low + high) / 2
    inherits = _any_guardian(protected, first_guardian, second_guardian)
    return protected | (inherits & (rng.random(size) < FAMILY_PROTECTION_SHARE))


class AccountState:
    """The drawn e-IDs, contacts and account columns (numpy arrays in row order)."""

    __slots__ = (
        "account_active",
        "alert_email",
        "alert_sms",
        "bankid",
        "freja_plus",
        "has_email",
        "has_mobile",
        "settings_email_owner",
        "settings_mobile_owner",
    )

    def __init__(
        self,
        *,
        bankid: BoolArray,
        freja_plus: BoolArray,
        has_mobile: BoolArray,
        has_email: BoolArray,
        account_active: BoolArray,
        alert_sms: BoolArray,
        alert_email: BoolArray,
        settings_mobile_owner: Int32Array,
        settings_email_owner: Int32Array,
    ) -> None:
        self.bankid = bankid
        self.freja_plus = freja_plus
        self.has_mobile = has_mobile
        self.has_email = has_email
        self.account_active = account_active
        self.alert_sms = alert_sms
        self.alert_email = alert_email
        self.settings_mobile_owner = settings_mobile_owner
        self.settings_email_owner = settings_email_owner


def _conditional_shares(
    target: npt.NDArray[np.float64], eligible: BoolArray, band: npt.NDArray[np.int64]
) -> npt.NDArray[np.float64]:
    """Per band, the share to draw among eligible people so the band reaches ``target``."""
    people = np.bincount(band, minlength=len(AGE_BANDS))
    eligible_people = np.bincount(band, weights=eligible, minlength=len(AGE_BANDS))
    eligible_share = np.divide(
        eligible_people, people, out=np.ones(len(AGE_BANDS)), where=people > 0
    )
    return np.minimum(
        1.0, np.divide(target, eligible_share, out=np.zeros_like(target), where=eligible_share > 0)
    )


def draw_account_state(
    *,
    ages: npt.NDArray[np.int16],
    coordination: BoolArray,
    protected: BoolArray,
    first_guardian: Int32Array,
    second_guardian: Int32Array,
    population: PopulationSection,
    alerts: AlertsSection,
    streams: dict[str, np.random.Generator],
) -> AccountState:
    """e-IDs, contacts, activation, alert choices and settings owners (see the module doc)."""
    size = ages.size
    band = age_band_indices(ages)
    own_eid_age = ages >= PROXY_AGE

    eid_rng = streams["eids"]
    # D5: a samordningsnummer holder has no BankID; Freja+ is possible. Freja allows users from
    # 8 with a guardian's consent (frejaeid.com FAQ), but under 13 nobody logs in with an own
    # e-ID here (R15, D2), so Freja+ is drawn from 13 (assumption).
    bankid_share = _by_band(population.bankid_share_by_age)[band]
    # BankID publishes one coverage figure for 18-67 (99.4%, bankid.com 2023), which cuts
    # across the 65-79 band: ages 65-67 take the working-age share of the 50-64 band.
    working_age_share = population.bankid_share_by_age["50-64"]
    bankid_share = np.where((ages >= 65) & (ages <= 67), working_age_share, bankid_share)
    # A 12-year-old may already hold the BankID they will log in with from 13 (youths get an
    # e-ID from about 8, docs/sources.md "1177 usage"); the domain refuses an own login until the
    # 13th birthday (R15, D2). Without this nobody turning 13 in a run of up to a year could log
    # in, and the R14 settings review would never be seen.
    bankid_share = np.where(ages == 12, population.bankid_share_by_age["13-17"], bankid_share)
    bankid = (eid_rng.random(size) < bankid_share) & ~coordination
    freja_plus = (eid_rng.random(size) < population.freja_plus_share) & own_eid_age

    contact_rng = streams["contacts"]
    has_mobile = contact_rng.random(size) < _by_band(population.mobile_share_by_age)[band]
    has_email = contact_rng.random(size) < _by_band(population.email_share_by_age)[band]

    # Who can have an active account at the start: from 13 someone who could log in with an
    # own e-ID (R1, R15, D2); at any age under 18 a child a guardian could activate in proxy
    # mode (R9, D7): a guardian with an e-ID, and nobody in the pair protected (R12). A minor
    # from 13 keeps an account a guardian activated before the 13th birthday (nothing is
    # cleared, R14), without being able to log in until they get an own e-ID (R15). The proxy
    # rule itself is enforced once, per call, in ``etj_sim.domain.portal.Portal.check_proxy``;
    # this is its vectorised reading for the start state, and must change with it.
    has_eid = bankid | freja_plus
    proxy_possible = (
        _any_guardian(has_eid, first_guardian, second_guardian)
        & ~protected
        & ~_any_guardian(protected, first_guardian, second_guardian)
    )
    eligible = (own_eid_age & has_eid) | proxy_possible  # only minors have guardians
    target = _by_band(population.active_account_share_by_age)
    account_rng = streams["accounts"]
    account_active = eligible & (
        account_rng.random(size) < _conditional_shares(target, eligible, band)[band]
    )

    # Settings (R4, R13, D3): the account holder's own contacts where they log in with an own
    # e-ID; in an account a guardian activated in proxy mode, guardians' contacts in
    # ``guardian_contacts_share`` of them, one guardian in the SMS slot and (where there are
    # two) preferably the other in the e-mail slot. That is every active account under 13, and
    # from 13 an account without an own e-ID: only a guardian can have activated it (R9, D7),
    # nobody has logged in since, and nothing is cleared at 13 (R14, D4), so it still holds the
    # guardian-era settings (``EServices.from_population`` then marks their review pending).
    settings_rng = streams["settings"]
    rows = np.arange(size, dtype=np.int32)
    none = np.int32(-1)
    own = account_active & own_eid_age & has_eid
    mobile_owner = np.where(own & has_mobile, rows, none)
    email_owner = np.where(own & has_email, rows, none)
    child_settings = (
        account_active & ~own & (settings_rng.random(size) < alerts.guardian_contacts_share)
    )
    swap = (settings_rng.random(size) < 0.5) & (second_guardian >= 0)
    guardian_a = np.where(swap, second_guardian, first_guardian)
    guardian_b = np.where(swap, first_guardian, second_guardian)
    padded_mobile = np.r_[has_mobile, False]
    padded_email = np.r_[has_email, False]
    guardian_mobile = np.where(
        padded_mobile[guardian_a], guardian_a, np.where(padded_mobile[guardian_b], guardian_b, none)
    )
    guardian_email = np.where(
        padded_email[guardian_b], guardian_b, np.where(padded_email[guardian_a], guardian_a, none)
    )
    mobile_owner = np.where(child_settings, guardian_mobile, mobile_owner).astype(np.int32)
    email_owner = np.where(child_settings, guardian_email, email_owner).astype(np.int32)

    # Alert choices (R4, R8): opted-in active accounts, by channel, only where that contact is set.
    alert_rng = streams["alerts"]
    opted_in = account_active & (alert_rng.random(size) < alerts.opt_in_share)
    split = alerts.channel_split
    channel_shares = np.array(
        [split.get("sms", 0.0), split.get("email", 0.0), split.get("both", 0.0)]
    )
    channel = np.searchsorted(
        np.cumsum(channel_shares), alert_rng.random(size) * channel_shares.sum(), side="right"
    )
    channel = np.minimum(channel, 2)
    alert_sms = opted_in & (channel != 1) & (mobile_owner >= 0)
    alert_email = opted_in & (channel != 0) & (email_owner >= 0)
    return AccountState(
        bankid=bankid,
        freja_plus=freja_plus,
        has_mobile=has_mobile,
        has_email=has_email,
        account_active=account_active,
        alert_sms=alert_sms,
        alert_email=alert_email,
        settings_mobile_owner=mobile_owner,
        settings_email_owner=email_owner,
    )

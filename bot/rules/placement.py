"""A placement's lifecycle, declared as data, and the one rule for "may it start?".

paperwork → ready (guardian consent or self-signature, plus the student's AGREE)
ready → paused (consent revoked) → ready (consent given again)
paperwork → declined (a guardian said NO) ; any open state → cancelled (coordinator)
ready → completed (estimated hours approved, or the due date passed)
"""

from __future__ import annotations

from datetime import date

from bot.machine import machine
from bot.statuses import PlacementStatus as P

PLACEMENT = machine(
    "placement",
    P.PAPERWORK,
    [
        (P.PAPERWORK, "paperwork_complete", P.READY),
        (P.PAPERWORK, "consent_declined", P.DECLINED),
        (P.PAPERWORK, "cancel", P.CANCELLED),
        (P.READY, "consent_revoked", P.PAUSED),
        (P.READY, "complete", P.COMPLETED),
        (P.READY, "cancel", P.CANCELLED),
        (P.PAUSED, "consent_given", P.READY),
        (P.PAUSED, "consent_declined", P.DECLINED),
        (P.PAUSED, "cancel", P.CANCELLED),
    ],
    finals=[P.COMPLETED, P.DECLINED, P.CANCELLED],
    reset_to_initial=False,
)

OPEN_STATUSES = (P.PAPERWORK, P.READY, P.PAUSED)


def age_on(birth_date: date | None, day: date) -> int | None:
    """Whole years of age on `day` (who is a minor is always derived, never stored)."""
    if birth_date is None:
        return None
    years = day.year - birth_date.year
    if (day.month, day.day) < (birth_date.month, birth_date.day):
        years -= 1
    return years


def is_minor(birth_date: date | None, day: date) -> bool:
    """Unknown birth dates count as minors: the safe side."""
    age = age_on(birth_date, day)
    return age is None or age < 18


def may_clock_in(status: P, starts_on: date, due_on: date, today: date) -> str | None:
    """None when the student may clock in today, else the catalog reason why not."""
    if status == P.PAPERWORK:
        return "paperwork"
    if status == P.PAUSED:
        return "paused"
    if status != P.READY:
        return "closed"
    if today < starts_on:
        return "not_started"
    if today > due_on:
        return "ended"
    return None

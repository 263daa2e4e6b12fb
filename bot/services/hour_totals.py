"""A placement's hour totals: the one sum the student's STATUS, the clock-out receipt,
the supervisor's timesheets and the reports all use."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, ScalarSelect, func, select
from sqlalchemy.orm import Session

from bot.i18n import N_
from bot.rules import hours as hours_rules
from bot.statuses import EntryStatus
from db.models import TimeEntry

TOTALS = N_("So far: {approved} h approved, {pending} h pending, of {est} h.")


@dataclass(frozen=True)
class HoursTotals:
    """Hours of one placement by review status (an open time entry is not counted)."""

    approved: Decimal
    pending: Decimal
    rejected: Decimal

    @property
    def counted(self) -> Decimal:
        """Approved plus pending: what the student has done so far."""
        return self.approved + self.pending


def hours_totals(session: Session, placement_id: int) -> HoursTotals:
    """Approved, pending and rejected hours of a placement."""
    rows = session.execute(
        select(TimeEntry.status, func.sum(TimeEntry.hours))
        .where(TimeEntry.placement_id == placement_id)
        .group_by(TimeEntry.status)
    ).all()
    sums = hours_rules.totals((status, Decimal(total or 0)) for status, total in rows)
    return HoursTotals(
        sums[EntryStatus.APPROVED], sums[EntryStatus.PENDING], sums[EntryStatus.REJECTED]
    )


def counted_hours(placement_id: ColumnElement[int]) -> ScalarSelect[Any]:
    """`hours_totals(...).counted` as a scalar subquery, to read within another statement."""
    return (
        select(func.coalesce(func.sum(TimeEntry.hours), 0))
        .where(
            TimeEntry.placement_id == placement_id,
            TimeEntry.status.in_((EntryStatus.APPROVED, EntryStatus.PENDING)),
        )
        .scalar_subquery()
    )


def totals_line(_: Callable[..., str], totals: HoursTotals, est_hours: Decimal, lang: str) -> str:
    """So far: 2 h approved, 1.5 h pending, of 6 h."""
    return _(
        TOTALS,
        approved=hours_rules.fmt(totals.approved, lang),
        pending=hours_rules.fmt(totals.pending, lang),
        est=hours_rules.fmt(est_hours, lang),
    )

"""Timesheets a supervisor approves: pending hours of their own students, one at a time or all.

Pending entries are hours logged by hand (LOG), clocked time flagged off-site or without a
location, remote clocked time and auto-closed entries (TimeEntry.status "pending"). On SMS an
entry is named by its own id (`A 12`, `R 12 reason`): stable across messages and days,
so an old digest never points at the wrong entry. A rejection goes back to the student
with the reason; every decision is in the audit trail.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.context import Context
from bot.display import day, shorten
from bot.i18n import N_
from bot.messages import Outbound
from bot.rules import hours as hours_rules
from bot.statuses import EntryStatus, Verdict
from db import trail
from db.models import Opportunity, Person, Placement, TimeEntry

REJECTED_NOTICE = N_(
    "Your {hours} h on {date} for {title} were not approved: {reason}. "
    "Questions? Ask your supervisor."
)
ALREADY = N_("#{number} was already handled, so nothing changed.")
ENTRY_LINE = N_("Hours #{number} {student}, {hours} h on {date}: {what}")
FLAG_LABELS = {
    "auto": N_("(not clocked out)"),
    "flagged": N_("(away from the site)"),
    "remote": N_("(remote)"),
}


@dataclass(frozen=True)
class Who:
    """A placement as the supervisor sees it: whose it is and what it is."""

    student_id: int
    student: str  # first name only
    student_language: str
    title: str
    supervisor_id: int | None


def about(session: Session, placement_id: int) -> Who | None:
    """The student, title and supervisor of a placement."""
    row = session.execute(
        select(Placement, Opportunity, Person)
        .join(Opportunity, Opportunity.id == Placement.opportunity_id)
        .join(Person, Person.id == Placement.student_id)
        .where(Placement.id == placement_id)
    ).first()
    if row is None:
        return None
    placement, opp, student = row
    return Who(student.id, student.given_name, student.language, opp.title, opp.supervisor_id)


def pending_entries(
    session: Session, supervisor_id: int, up_to_id: int | None = None
) -> list[TimeEntry]:
    """Pending entries of this supervisor's students, oldest first."""
    stmt = (
        select(TimeEntry)
        .join(Placement, Placement.id == TimeEntry.placement_id)
        .join(Opportunity, Opportunity.id == Placement.opportunity_id)
        .where(Opportunity.supervisor_id == supervisor_id, TimeEntry.status == EntryStatus.PENDING)
        .order_by(TimeEntry.id)
    )
    if up_to_id is not None:
        stmt = stmt.where(TimeEntry.id <= up_to_id)
    return list(session.scalars(stmt))


@dataclass(frozen=True)
class EntryView:
    """One entry as its supervisor sees it."""

    id: int
    status: EntryStatus
    hours: Decimal
    student: str


def view(session: Session, supervisor_id: int, entry_id: int) -> EntryView | None:
    """The entry if it belongs to one of this supervisor's students, else None."""
    entry = session.get(TimeEntry, entry_id)
    who = about(session, entry.placement_id) if entry else None
    if entry is None or who is None or who.supervisor_id != supervisor_id:
        return None
    return EntryView(entry.id, entry.status, Decimal(entry.hours or 0), who.student)


def _owned(ctx: Context, supervisor_id: int, entry_id: int) -> tuple[TimeEntry | None, Who | None]:
    entry = ctx.session.get(TimeEntry, entry_id)
    who = about(ctx.session, entry.placement_id) if entry else None
    if entry is None or who is None or who.supervisor_id != supervisor_id:
        return None, None
    return entry, who


def _decide(
    ctx: Context, entry: TimeEntry, supervisor_id: int, status: EntryStatus, note: str
) -> None:
    entry.status = status
    entry.reviewed_by = supervisor_id
    entry.reviewed_at = ctx.now
    entry.review_note = note or None
    trail.record(
        ctx.session,
        at=ctx.now,
        actor=f"person:{supervisor_id}",
        action=f"hours:{status}",
        entity="time_entry",
        entity_id=entry.id,
        details={"placement": entry.placement_id, "hours": str(entry.hours or 0)},
    )


def approve(ctx: Context, supervisor_id: int, entry_id: int, note: str = "") -> str:
    """Approve one entry: "approved", "already" (decided before) or "not_yours"."""
    entry, _who = _owned(ctx, supervisor_id, entry_id)
    if entry is None:
        return "not_yours"
    if entry.status != EntryStatus.PENDING:
        return "already"
    _decide(ctx, entry, supervisor_id, EntryStatus.APPROVED, note)
    return "approved"


def reject(
    ctx: Context, supervisor_id: int, entry_id: int, reason: str
) -> tuple[str, list[Outbound]]:
    """Reject one entry with a reason and tell the student; (outcome, messages)."""
    entry, who = _owned(ctx, supervisor_id, entry_id)
    if entry is None or who is None:
        return "not_yours", []
    if entry.status != EntryStatus.PENDING:
        return "already", []
    reason = " ".join(reason.split())[:300]
    _decide(ctx, entry, supervisor_id, EntryStatus.REJECTED, reason)
    _ = ctx.tr(who.student_language)
    text = _(
        REJECTED_NOTICE,
        hours=hours_rules.fmt(Decimal(entry.hours or 0), who.student_language),
        date=day(entry_day(ctx, entry), who.student_language),
        title=shorten(who.title),
        reason=reason,
    )
    return "rejected", [Outbound(text, to=who.student_id, urgent=False, category="hours")]


def totals(entries: list[TimeEntry]) -> Decimal:
    return sum((Decimal(e.hours or 0) for e in entries), Decimal(0))


def entry_day(ctx: Context, entry: TimeEntry) -> date:
    """The district day the work was done (clock-in time, else when it was logged)."""
    return (entry.started_at or entry.created_at).astimezone(ctx.settings.tz).date()


def describe(ctx: Context, _: Callable[..., str], lang: str, entry: TimeEntry, who: Who) -> str:
    """One line: `Hours #12 Leah, 1.5 h on Dec 1: researched competitors (remote)`."""
    what = shorten(entry.description or (who.title), 40)
    flag = (
        "auto"
        if entry.auto_closed
        else "flagged"
        if entry.flagged
        else "remote"
        if entry.in_verdict == Verdict.REMOTE
        else ""
    )
    line = _(
        ENTRY_LINE,
        number=entry.id,
        student=who.student,
        hours=hours_rules.fmt(Decimal(entry.hours or 0), lang),
        date=day(entry_day(ctx, entry), lang),
        what=what,
    )
    return f"{line} {_(FLAG_LABELS[flag])}" if flag else line

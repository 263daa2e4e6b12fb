"""Deliverables a supervisor reviews: accept, or ask for changes with a comment.

On SMS a submission is named by its id (`OK 4`, `CHANGES 4 add a chart`; Spanish
`CAMBIOS 4 ...`). The student hears back either way; every decision is audited.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.context import Context
from bot.display import shorten
from bot.i18n import N_
from bot.messages import Outbound
from bot.services.timesheets import Who, about
from bot.statuses import DeliverableStatus
from db import trail
from db.models import Deliverable, Opportunity, Placement

ACCEPTED_NOTICE = N_("Great news: your work for {title} was accepted by your supervisor!")
CHANGES_NOTICE = N_(
    "Your supervisor asked for changes to your work for {title}: {comment}. "
    "Fix it and SUBMIT it again."
)
WORK_LINE = N_("Work #{number} from {student}: {what}")
A_FILE = N_("a file")

# what a supervisor types on SMS (first word, accents and case folded by keywords.fold)
ACCEPT_WORDS = frozenset({"OK", "ACCEPT", "ACEPTAR", "ACEPTO", "BIEN"})
CHANGES_WORDS = frozenset({"CHANGES", "CHANGE", "CAMBIOS", "CAMBIAR", "CAMBIO"})


def pending_work(session: Session, supervisor_id: int) -> list[Deliverable]:
    """Submitted, unreviewed work of this supervisor's students, oldest first."""
    return list(
        session.scalars(
            select(Deliverable)
            .join(Placement, Placement.id == Deliverable.placement_id)
            .join(Opportunity, Opportunity.id == Placement.opportunity_id)
            .where(
                Opportunity.supervisor_id == supervisor_id,
                Deliverable.status == DeliverableStatus.SUBMITTED,
            )
            .order_by(Deliverable.id)
        )
    )


@dataclass(frozen=True)
class WorkView:
    """One submission as its supervisor sees it."""

    id: int
    status: DeliverableStatus
    student: str


def view(session: Session, supervisor_id: int, work_id: int) -> WorkView | None:
    """The submission if it belongs to one of this supervisor's students, else None."""
    work = session.get(Deliverable, work_id)
    who = about(session, work.placement_id) if work else None
    if work is None or who is None or who.supervisor_id != supervisor_id:
        return None
    return WorkView(work.id, work.status, who.student)


def _owned(ctx: Context, supervisor_id: int, work_id: int) -> tuple[Deliverable | None, Who | None]:
    work = ctx.session.get(Deliverable, work_id)
    who = about(ctx.session, work.placement_id) if work else None
    if work is None or who is None or who.supervisor_id != supervisor_id:
        return None, None
    return work, who


def _decide(
    ctx: Context, work: Deliverable, supervisor_id: int, status: DeliverableStatus, note: str
) -> None:
    work.status = status
    work.reviewed_at = ctx.now
    work.review_comment = note or None
    trail.record(
        ctx.session,
        at=ctx.now,
        actor=f"person:{supervisor_id}",
        action=f"deliverable:{status}",
        entity="deliverable",
        entity_id=work.id,
        details={"placement": work.placement_id},
    )


def accept(ctx: Context, supervisor_id: int, work_id: int) -> tuple[str, list[Outbound]]:
    """Accept a submission and tell the student; ("accepted"|"already"|"not_yours", msgs)."""
    work, who = _owned(ctx, supervisor_id, work_id)
    if work is None or who is None:
        return "not_yours", []
    if work.status != DeliverableStatus.SUBMITTED:
        return "already", []
    _decide(ctx, work, supervisor_id, DeliverableStatus.ACCEPTED, "")
    text = ctx.tr(who.student_language)(ACCEPTED_NOTICE, title=shorten(who.title))
    return "accepted", [Outbound(text, to=who.student_id, urgent=False, category="work")]


def request_changes(
    ctx: Context, supervisor_id: int, work_id: int, comment: str
) -> tuple[str, list[Outbound]]:
    """Send a submission back with a comment; ("changes_requested"|"already"|..., msgs)."""
    work, who = _owned(ctx, supervisor_id, work_id)
    if work is None or who is None:
        return "not_yours", []
    if work.status != DeliverableStatus.SUBMITTED:
        return "already", []
    comment = " ".join(comment.split())[:500]
    _decide(ctx, work, supervisor_id, DeliverableStatus.CHANGES_REQUESTED, comment)
    text = ctx.tr(who.student_language)(CHANGES_NOTICE, title=shorten(who.title), comment=comment)
    return "changes_requested", [Outbound(text, to=who.student_id, urgent=False, category="work")]


def describe(_: Callable[..., str], work: Deliverable, who: Who) -> str:
    """One line: `Work #4 from Leah: https://docs.example/audit`."""
    if work.url:
        what = work.url
    elif work.text:
        what = shorten(work.text, 60)
    else:
        what = _(A_FILE)
    if work.file_ref and work.text:
        what = f"{what} ({_(A_FILE)})"
    return _(WORK_LINE, number=work.id, student=who.student, what=what)

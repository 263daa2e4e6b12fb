"""Tell a student's coordinator something needs them (by message, and on the dashboard)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from bot.context import Context
from bot.messages import Outbound
from db import trail
from db.models import Person, Staff, Student


def coordinator_of(ctx: Context, student_id: int) -> Person | None:
    """The student's assigned coordinator, else any active staff member at their school."""
    student = ctx.session.get(Student, student_id)
    if student is None:
        return None
    if student.coordinator_id:
        found = ctx.session.get(Person, student.coordinator_id)
        if found is not None and found.active:
            return found
    return ctx.session.scalar(
        select(Person)
        .join(Staff, Staff.person_id == Person.id)
        .where(Staff.org_id == student.school_id, Person.active.is_(True))
        .order_by(Person.id)
        .limit(1)
    )


def alert_coordinator(
    ctx: Context, student_id: int, kind: str, msgid: str, **params: Any
) -> list[Outbound]:
    """Record an alert in the audit trail and return the message for the coordinator."""
    trail.record(
        ctx.session,
        at=ctx.now,
        actor=ctx.actor,
        action=f"alert:{kind}",
        entity="student",
        entity_id=student_id,
        details={"kind": kind},
    )
    coordinator = coordinator_of(ctx, student_id)
    if coordinator is None:
        return []
    text = ctx.tr(coordinator.language)(msgid, **params)
    return [Outbound(text, to=coordinator.id, urgent=False, category="coordinator")]

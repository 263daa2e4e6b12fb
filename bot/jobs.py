"""Scheduled work as data.

- `schedule(ctx, kind, …)` writes a Reminder row with a due time; when it comes due the
  worker turns it into a Trigger and routes it through the engine to the flow that
  declares `kind` in its `triggers` (scheduled work enters like a message).
- `@sweep(name)` registers a function `(ctx) -> None` that every worker pass runs once
  (e.g. "placements whose due date passed → ask for ratings"). Sweeps must be idempotent:
  they look at rows, not at when they last ran.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select, update

from bot.context import Context
from bot.statuses import ReminderStatus
from db.models import Reminder

Sweep = Callable[[Context], None]
SWEEPS: dict[str, Sweep] = {}


def sweep(name: str) -> Callable[[Sweep], Sweep]:
    """Register a periodic, idempotent scan run on every worker pass."""

    def register(fn: Sweep) -> Sweep:
        SWEEPS[name] = fn
        return fn

    return register


def schedule(
    ctx: Context,
    kind: str,
    *,
    subject_id: int,
    due_at: datetime,
    person_id: int | None = None,
    payload: dict[str, Any] | None = None,
) -> Reminder:
    """Add a reminder row in the caller's transaction."""
    row = Reminder(
        kind=kind,
        subject_id=subject_id,
        person_id=person_id,
        due_at=due_at,
        status=ReminderStatus.PENDING,
        attempts=0,
        payload=payload or {},
        created_at=ctx.now,
    )
    ctx.session.add(row)
    return row


def schedule_all(
    ctx: Context,
    due: list[tuple[str, datetime]],
    *,
    subject_id: int,
    person_id: int | None = None,
    payload: dict[str, Any] | None = None,
) -> None:
    """`schedule` for several (kind, due_at) about one subject, in one Core INSERT now."""
    common = dict(
        subject_id=subject_id,
        person_id=person_id,
        status=ReminderStatus.PENDING,
        attempts=0,
        payload=payload or {},
        created_at=ctx.now,
    )
    rows = [{**common, "kind": kind, "due_at": at} for kind, at in due]
    ctx.session.connection().execute(_INSERT, rows)  # one multi-row INSERT (insertmanyvalues)


_INSERT = insert(Reminder)


def cancel(ctx: Context, kind: str, subject_id: int) -> int:
    """Cancel pending reminders of `kind` about `subject_id`; returns how many."""
    result = ctx.session.execute(
        update(Reminder)
        .where(
            Reminder.kind == kind,
            Reminder.subject_id == subject_id,
            Reminder.status == ReminderStatus.PENDING,
        )
        .values(status=ReminderStatus.CANCELLED, done_at=ctx.now)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def pending(ctx: Context, kind: str, subject_id: int) -> list[Reminder]:
    return list(
        ctx.session.scalars(
            select(Reminder).where(
                Reminder.kind == kind,
                Reminder.subject_id == subject_id,
                Reminder.status == ReminderStatus.PENDING,
            )
        )
    )

"""Hours a student logs by hand (LOG 1.5 researched competitors): pending until their
supervisor approves them."""

from __future__ import annotations

from bot.context import Context
from bot.i18n import N_
from bot.rules import hours as hours_rules
from bot.statuses import EntryKind, EntryStatus
from db import trail
from db.models import TimeEntry

LOG_WHILE_IN = N_(
    "You're clocked in since {time}: that time counts when you reply OUT, so there is "
    "nothing to LOG for it."
)
ASK_LOG = N_("How many hours and what did you do? e.g. 1.5 researched competitors")
LOG_ERRORS = {
    "no_hours": N_("Start with the hours, then what you did. e.g. LOG 1.5 researched competitors"),
    "range": N_("Hours must be between 0.25 and 12. e.g. LOG 1.5 researched competitors"),
    "no_description": N_("Add what you did after the hours. e.g. LOG 1.5 researched competitors"),
}
LOGGED = N_("Logged {hours} h for {title}, waiting for your supervisor's OK.")


def log_hours(
    ctx: Context, placement_id: int, student_id: int, line: hours_rules.LogLine
) -> TimeEntry:
    """Record hours done remotely: pending until the supervisor approves them."""
    entry = TimeEntry(
        placement_id=placement_id,
        student_id=student_id,
        kind=EntryKind.MANUAL,
        status=EntryStatus.PENDING,
        hours=line.hours,
        description=line.description,
        flagged=False,
        auto_closed=False,
        created_at=ctx.now,
    )
    ctx.session.add(entry)
    ctx.session.flush()
    trail.record(
        ctx.session,
        at=ctx.now,
        actor=ctx.actor,
        action="hours:logged",
        entity="time_entry",
        entity_id=entry.id,
        details={"placement": placement_id, "hours": str(line.hours)},
    )
    return entry

"""A coordinator reviews hours flagged for review: approve, reject or adjust, with a note.

The student and the entry's supervisor are told at once; the decision is audited.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from bot.context import Context
from bot.display import day, shorten
from bot.errors import WBLError
from bot.i18n import N_
from bot.messages import Outbound
from bot.rules import hours as hours_rules
from bot.services.timesheets import Who, about, entry_day
from bot.statuses import EntryStatus
from db import trail
from db.models import Person, TimeEntry

DECISIONS = ("approve", "reject", "adjust")
TO_STUDENT = {
    "approve": N_("Your coordinator approved your {hours} h on {date} for {title}. {note}"),
    "reject": N_("Your coordinator did not approve your {hours} h on {date} for {title}: {note}"),
    "adjust": N_("Your coordinator counted {hours} h (not {was} h) on {date} for {title}: {note}"),
}
TO_SUPERVISOR = N_(
    "FYI: the coordinator reviewed {student}'s hours #{number} ({hours} h on {date}): {outcome}."
)
OUTCOMES = {"approve": N_("approved"), "reject": N_("not approved"), "adjust": N_("adjusted")}
NEED_NOTE = N_("Write a note saying why (the student will read it).")
BAD_HOURS = N_("Give the hours to count, between 0.25 and 24.")
NOT_PENDING = N_("That entry was already reviewed.")


def review(
    ctx: Context, entry_id: int, decision: str, note: str, hours: str = ""
) -> list[Outbound]:
    """Decide one pending entry; the notices to the student and the supervisor."""
    note = " ".join(note.split())[:300]
    if decision not in DECISIONS:
        raise WBLError(NEED_NOTE)
    if decision != "approve" and not note:
        raise WBLError(NEED_NOTE)
    entry = ctx.session.get(TimeEntry, entry_id)
    who = about(ctx.session, entry.placement_id) if entry else None
    if entry is None or who is None:
        raise LookupError(entry_id)
    if entry.status != EntryStatus.PENDING:
        raise WBLError(NOT_PENDING)
    was = Decimal(entry.hours or 0)
    if decision == "adjust":
        entry.hours = _hours(hours)
    entry.status = EntryStatus.REJECTED if decision == "reject" else EntryStatus.APPROVED
    entry.reviewed_at = ctx.now
    entry.review_note = note or None
    trail.record(
        ctx.session,
        at=ctx.now,
        actor=ctx.actor,
        action=f"hours:coordinator_{decision}",
        entity="time_entry",
        entity_id=entry.id,
        details={"placement": entry.placement_id, "was": str(was), "hours": str(entry.hours)},
    )
    return _notices(ctx, entry, who, decision, note, was)


def _hours(raw: str) -> Decimal:
    try:
        value = Decimal(raw.strip().replace(",", "."))
    except (InvalidOperation, AttributeError):
        raise WBLError(BAD_HOURS) from None
    if not value.is_finite() or not Decimal("0.25") <= value <= 24:
        raise WBLError(BAD_HOURS)
    return value.quantize(Decimal("0.01"))


def _notices(
    ctx: Context, entry: TimeEntry, who: Who, decision: str, note: str, was: Decimal
) -> list[Outbound]:
    hours = hours_rules.fmt(Decimal(entry.hours or 0))
    when = entry_day(ctx, entry)
    _ = ctx.tr(who.student_language)
    text = _(
        TO_STUDENT[decision],
        hours=hours,
        was=hours_rules.fmt(was),
        date=day(when, who.student_language),
        title=shorten(who.title),
        note=note,
    ).strip()
    out = [Outbound(text, to=who.student_id, urgent=True, category="hours")]
    supervisor = ctx.session.get(Person, who.supervisor_id) if who.supervisor_id else None
    if supervisor is not None and supervisor.active:
        s_ = ctx.tr(supervisor.language)
        out.append(
            Outbound(
                s_(
                    TO_SUPERVISOR,
                    student=who.student,
                    number=entry.id,
                    hours=hours,
                    date=day(when, supervisor.language),
                    outcome=s_(OUTCOMES[decision]),
                ),
                to=supervisor.id,
                urgent=True,
                category="hours",
            )
        )
    return out

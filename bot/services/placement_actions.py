"""What a coordinator does with a placement: complete, extend or close one short of its
hours ("Done, verified, rated"), or cancel one with a reason. Audited; the student told."""

from __future__ import annotations

from datetime import date

from bot.context import Context
from bot.display import day, shorten
from bot.errors import WBLError
from bot.i18n import N_
from bot.messages import Outbound
from bot.rules.placement import OPEN_STATUSES
from bot.services import lifecycle
from bot.statuses import PlacementStatus
from db import trail
from db.models import Opportunity, Person, Placement

SHORT_ALERT = N_(
    "{student}'s placement {title} reached its due date with {done} of {est} h verified. "
    "Complete, extend or close it: {link}"
)
COMPLETED = N_("Your coordinator marked {title} complete. Well done!")
EXTENDED = N_("Your coordinator extended {title} until {date}. Keep going!")
CLOSED = N_("Your coordinator closed {title}: {reason}")
CANCELLED = N_("Your placement {title} was cancelled: {reason}")
NEED_REASON = N_("Give a reason (the student will read it).")
NOT_OPEN = N_("This placement is not open any more.")
BAD_DATE = N_("Give a new due date after today (YYYY-MM-DD).")
ACTIONS = ("complete", "extend", "close", "cancel")


def act(
    ctx: Context, placement_id: int, action: str, reason: str, until: str = ""
) -> list[Outbound]:
    """Run one coordinator action on a placement; the message to the student."""
    placement = ctx.session.get(Placement, placement_id)
    if placement is None or action not in ACTIONS:
        raise LookupError(placement_id)
    reason = " ".join(reason.split())[:300]
    if placement.status not in OPEN_STATUSES:
        raise WBLError(NOT_OPEN)
    if action in ("close", "cancel") and not reason:
        raise WBLError(NEED_REASON)
    if action == "complete":
        lifecycle.move(ctx, placement, PlacementStatus.COMPLETED, reason or "coordinator")
        msgid, params = COMPLETED, dict[str, object]()
    elif action == "extend":
        new_due = _new_due(ctx, until)
        trail.record(
            ctx.session,
            at=ctx.now,
            actor=ctx.actor,
            action="placement:extended",
            entity="placement",
            entity_id=placement.id,
            details={"from": placement.due_on.isoformat(), "to": new_due.isoformat()},
        )
        placement.due_on = new_due
        msgid, params = EXTENDED, {"until": new_due}
    else:
        why = f"{action}: {reason}"
        lifecycle.move(ctx, placement, PlacementStatus.CANCELLED, why)
        placement.end_reason = why
        msgid, params = (CLOSED if action == "close" else CANCELLED), {"reason": reason}
    placement.short_of_hours_at = None
    return [_tell_student(ctx, placement, msgid, **params)]


def _new_due(ctx: Context, raw: str) -> date:
    try:
        found = date.fromisoformat(raw.strip())
    except ValueError:
        raise WBLError(BAD_DATE) from None
    if found <= ctx.today:
        raise WBLError(BAD_DATE)
    return found


def _tell_student(ctx: Context, placement: Placement, msgid: str, **params: object) -> Outbound:
    student = ctx.session.get(Person, placement.student_id)
    opp = ctx.session.get(Opportunity, placement.opportunity_id)
    lang = student.language if student else "en"
    until = params.pop("until", None)
    extra = {"date": day(until, lang)} if isinstance(until, date) else {}
    text = ctx.tr(lang)(msgid, title=shorten(opp.title if opp else ""), **params, **extra)
    return Outbound(text, to=placement.student_id, urgent=True, category="placement")

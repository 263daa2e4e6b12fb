"""The shift rota: what a student sees (`listing`, `shift`), TAKE and DROP under the
shift's row lock, the reminder and missed-shift jobs, and a missed shift's notice."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from bot import jobs
from bot.context import Context
from bot.errors import WBLError
from bot.kinds.enterprise import rules
from bot.kinds.enterprise import texts as T
from bot.kinds.enterprise.effects import DropShift, MarkMissed, TakeShift
from bot.kinds.enterprise.service.common import first_name, supervisor, when
from bot.messages import Outbound
from bot.statuses import ShiftTakeStatus as Take
from db import trail
from db.models import Opportunity, Shift, ShiftTake

REMIND = "enterprise.remind"
MISSED = "enterprise.missed"
CANCELLED = "enterprise.cancelled"
HELD = (Take.TAKEN, Take.WORKED)  # statuses that hold a seat


@dataclass(frozen=True)
class ShiftView:
    id: int
    opportunity_id: int
    title: str
    starts_at: datetime
    ends_at: datetime
    seats_left: int
    mine: str | None  # the student's take status (None: not theirs)


def _held_count() -> object:
    return (
        select(func.count(ShiftTake.id))
        .where(ShiftTake.shift_id == Shift.id, ShiftTake.status.in_(HELD))
        .correlate(Shift)
        .scalar_subquery()
    )


def _views(ctx: Context, student_id: int, where: list[object]) -> list[ShiftView]:
    mine = (
        select(ShiftTake.status)
        .where(ShiftTake.shift_id == Shift.id, ShiftTake.student_id == student_id)
        .correlate(Shift)
        .scalar_subquery()
    )
    rows = ctx.session.execute(
        select(
            Shift.id, Shift.opportunity_id, Opportunity.title, Shift.starts_at, Shift.ends_at,
            Shift.seats - _held_count(), mine,  # type: ignore[operator]
        )
        .join(Opportunity, Opportunity.id == Shift.opportunity_id)
        .where(*where)  # type: ignore[arg-type]
        .order_by(Shift.starts_at, Shift.id)
    ).all()  # fmt: skip
    return [ShiftView(*row) for row in rows]


def listing(
    ctx: Context, student_id: int, opportunity_ids: list[int]
) -> tuple[list[ShiftView], list[ShiftView]]:
    """(the student's own upcoming shifts, the open ones with seats left) at these enterprises."""
    views = _views(
        ctx,
        student_id,
        [Shift.opportunity_id.in_(opportunity_ids), Shift.ends_at > ctx.now, Shift.seats > 0],
    )
    mine = [v for v in views if v.mine in HELD]
    free = [v for v in views if v.mine not in HELD and v.seats_left > 0 and v.starts_at > ctx.now]
    return mine, free


def shift(ctx: Context, student_id: int, shift_id: int) -> ShiftView | None:
    found = _views(ctx, student_id, [Shift.id == shift_id])
    return found[0] if found else None


def clash(ctx: Context, student_id: int, view: ShiftView) -> ShiftView | None:
    """One of the student's held shifts that overlaps `view`, if any."""
    held = _views(
        ctx,
        student_id,
        [
            Shift.id != view.id,
            Shift.starts_at < view.ends_at,
            Shift.ends_at > view.starts_at,
            Shift.id.in_(
                select(ShiftTake.shift_id).where(
                    ShiftTake.student_id == student_id, ShiftTake.status.in_(HELD)
                )
            ),
        ],
    )
    return held[0] if held else None


def on_shift(ctx: Context, student_id: int) -> int | None:
    """The enterprise (opportunity id) whose held shift is open now (15 min before to end)."""
    return ctx.session.scalar(
        select(Shift.opportunity_id)
        .join(ShiftTake, ShiftTake.shift_id == Shift.id)
        .where(
            ShiftTake.student_id == student_id,
            ShiftTake.status.in_(HELD),
            Shift.starts_at <= ctx.now + rules.OPENS_BEFORE,
            Shift.ends_at >= ctx.now,
        )
        .order_by(Shift.starts_at)
        .limit(1)
    )


# --- writes -------------------------------------------------------------------------------
def take(ctx: Context, e: TakeShift) -> list[Outbound]:
    """Give the student a seat: under the shift's row lock, so N racers fill N seats."""
    locked = ctx.session.execute(
        select(Shift).where(Shift.id == e.shift_id).with_for_update()
    ).scalar_one_or_none()
    view = shift(ctx, e.student_id, e.shift_id)
    if locked is None or view is None:
        raise WBLError(T.NOT_IN_LIST, n="?")
    at = when(ctx, view.starts_at, e.language)
    if view.mine in HELD:
        raise WBLError(T.ALREADY_YOURS, when=at)
    if view.starts_at <= ctx.now:
        raise WBLError(T.STARTED, when=at)
    if view.seats_left <= 0:
        raise WBLError(T.FULL, when=at)
    other = clash(ctx, e.student_id, view)
    if other is not None:
        raise WBLError(T.OVERLAPS, when=at, other=when(ctx, other.starts_at, e.language))
    row = ctx.session.scalar(
        select(ShiftTake).where(
            ShiftTake.shift_id == e.shift_id, ShiftTake.student_id == e.student_id
        )
    )
    if row is None:
        row = ShiftTake(shift_id=e.shift_id, student_id=e.student_id, taken_at=ctx.now)
        ctx.session.add(row)
    row.placement_id, row.status, row.time_entry_id = e.placement_id, Take.TAKEN, None
    row.taken_at = row.updated_at = ctx.now
    ctx.session.flush()
    _schedule(ctx, row.id, e.student_id, view.starts_at)
    _audit(ctx, "shift:take", row)
    return []


def _schedule(ctx: Context, take_id: int, student_id: int, starts_at: datetime) -> None:
    p = ctx.settings.policy
    remind = rules.reminder_at(starts_at, ctx.settings.tz, p.quiet_start_hour, p.quiet_end_hour)
    if remind > ctx.now:
        jobs.schedule(ctx, REMIND, subject_id=take_id, due_at=remind, person_id=student_id)
    missed = starts_at + rules.MISSED_AFTER
    jobs.schedule(ctx, MISSED, subject_id=take_id, due_at=missed, person_id=student_id)


def drop(ctx: Context, e: DropShift) -> list[Outbound]:
    """Give the seat back; inside 12 h of the start, tell the supervisor."""
    row = ctx.session.scalar(
        select(ShiftTake).where(
            ShiftTake.shift_id == e.shift_id,
            ShiftTake.student_id == e.student_id,
            ShiftTake.status == Take.TAKEN,
        )
    )
    slot = ctx.session.get(Shift, e.shift_id)
    if row is None or slot is None or slot.starts_at <= ctx.now:
        raise WBLError(T.NOT_YOURS, when="")
    row.status, row.updated_at = Take.DROPPED, ctx.now
    jobs.cancel(ctx, REMIND, row.id)
    jobs.cancel(ctx, MISSED, row.id)
    _audit(ctx, "shift:drop", row)
    if slot.starts_at - ctx.now > rules.DROP_NOTICE:
        return []
    return _tell_supervisor(ctx, slot, e.student_id, T.SUP_DROPPED)


def mark_missed(ctx: Context, e: MarkMissed) -> list[Outbound]:
    """No IN by 15 minutes after the start: the take is missed, the supervisor told."""
    row = ctx.session.get(ShiftTake, e.take_id)
    if row is None or row.status != Take.TAKEN:
        return []
    slot = ctx.session.get(Shift, row.shift_id)
    assert slot is not None
    row.status, row.updated_at = Take.MISSED, ctx.now
    _audit(ctx, "shift:missed", row)
    return _tell_supervisor(ctx, slot, row.student_id, T.SUP_MISSED)


def _tell_supervisor(ctx: Context, slot: Shift, student_id: int, msgid: str) -> list[Outbound]:
    boss = supervisor(ctx, slot.opportunity_id)
    opp = ctx.session.get(Opportunity, slot.opportunity_id)
    if boss is None or opp is None:
        return []
    lang = boss.language
    text = ctx.tr(lang)(
        msgid,
        student=first_name(ctx, student_id),
        title=opp.title[:40],
        when=when(ctx, slot.starts_at, lang),
    )
    return [Outbound(text, to=boss.id, urgent=True, category="supervisor")]


def _audit(ctx: Context, action: str, row: ShiftTake) -> None:
    trail.record(
        ctx.session, at=ctx.now, actor=ctx.actor, action=action, entity="shift_take",
        entity_id=row.id, details={"shift": row.shift_id, "status": row.status},
    )  # fmt: skip


def take_row(ctx: Context, take_id: int) -> tuple[ShiftTake, Shift, str] | None:
    """A take, its shift and the enterprise's title (for the reminder and missed jobs)."""
    row = ctx.session.get(ShiftTake, take_id)
    slot = ctx.session.get(Shift, row.shift_id) if row else None
    opp = ctx.session.get(Opportunity, slot.opportunity_id) if slot else None
    if row is None or slot is None or opp is None:
        return None
    return row, slot, opp.title

"""The weekly pulse: each intern of this kind is asked how it is going (1-5) on the
weekday their placement started, from 16:00 local; a 1 or 2, or two weeks without an
answer, tells their coordinator."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot import jobs
from bot.context import Context
from bot.i18n import N_
from bot.kinds.virtual import KIND, rules
from bot.kinds.virtual import effects as fx
from bot.messages import Outbound
from bot.outbox import enqueue
from bot.services.alerts import alert_coordinator
from bot.statuses import PlacementStatus
from db.models import Opportunity, Person, Placement, PulseAnswer

PULSE = f"{KIND.code}.pulse"
ASK_HOUR = 16
LOW = N_("{student} answered the weekly pulse with {score} of 5 ({title}). A check-in may help.")
SILENT = N_("{student} has not answered the weekly pulse for two weeks ({title}).")


def _ready(session: Session) -> list[tuple[Placement, str]]:
    return [
        (p, title)
        for p, title in session.execute(
            select(Placement, Opportunity.title)
            .join(Opportunity, Opportunity.id == Placement.opportunity_id)
            .where(Opportunity.kind == KIND.code, Placement.status == PlacementStatus.READY)
            .order_by(Placement.id)
        ).all()
    ]


def ask_due(ctx: Context) -> None:
    """Ask each intern whose pulse day it is and who was not asked this week (idempotent)."""
    local = ctx.now.astimezone(ctx.settings.tz)
    if local.hour < ASK_HOUR:
        return
    week = rules.iso_week(local.date())
    for placement, title in _ready(ctx.session):
        if placement.starts_on > local.date() or placement.starts_on.weekday() != local.weekday():
            continue
        if ctx.session.scalar(
            select(PulseAnswer.id).where(
                PulseAnswer.placement_id == placement.id, PulseAnswer.week == week
            )
        ):
            continue
        _silence(ctx, placement, title)
        row = PulseAnswer(
            placement_id=placement.id, student_id=placement.student_id, week=week,
            asked_at=ctx.now,
        )  # fmt: skip
        ctx.session.add(row)
        ctx.session.flush()
        jobs.schedule(ctx, PULSE, subject_id=row.id, due_at=ctx.now, person_id=placement.student_id)


def _silence(ctx: Context, placement: Placement, title: str) -> None:
    last = list(
        ctx.session.scalars(
            select(PulseAnswer.score)
            .where(PulseAnswer.placement_id == placement.id)
            .order_by(PulseAnswer.asked_at.desc())
            .limit(2)
        )
    )
    if len(last) == 2 and all(score is None for score in last):
        for out in alert_coordinator(
            ctx, placement.student_id, "pulse_silent", SILENT,
            student=_name(ctx, placement.student_id), title=title,
        ):  # fmt: skip
            enqueue(ctx, out)


def _name(ctx: Context, person_id: int) -> str:
    person = ctx.session.get(Person, person_id)
    return f"{person.given_name} {person.family_name}".strip() if person else ""


def open_answer(session: Session, student_id: int, answer_id: int) -> PulseAnswer | None:
    row = session.get(PulseAnswer, answer_id)
    return row if row is not None and row.student_id == student_id else None


def answer(ctx: Context, e: fx.Pulse) -> list[Outbound]:
    row = open_answer(ctx.session, e.student_id, e.answer_id)
    if row is None:
        return []
    row.score, row.answered_at = e.score, ctx.now
    if e.score > 2:
        return []
    opp = ctx.session.scalar(
        select(Opportunity.title)
        .join(Placement, Placement.opportunity_id == Opportunity.id)
        .where(Placement.id == row.placement_id)
    )
    return alert_coordinator(
        ctx, e.student_id, "pulse_low", LOW,
        student=_name(ctx, e.student_id), score=e.score, title=opp or "",
    )  # fmt: skip


def trend(session: Session, placement_id: int, weeks: int = 6) -> list[int | None]:
    """The last `weeks` answers, oldest first (None: not answered)."""
    rows = list(
        session.scalars(
            select(PulseAnswer.score)
            .where(PulseAnswer.placement_id == placement_id)
            .order_by(PulseAnswer.asked_at.desc())
            .limit(weeks)
        )
    )
    return rows[::-1]

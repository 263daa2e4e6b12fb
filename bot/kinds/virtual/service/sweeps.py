"""The sweeps of mentor sessions (each worker pass, idempotent): sessions the import
made, moved or cancelled are planned and the interns told; interns placed after a session
was made are invited to it."""

from __future__ import annotations

from sqlalchemy import select

from bot.context import Context
from bot.kinds.virtual import effects as fx
from bot.kinds.virtual import rules
from bot.kinds.virtual.service import MOVED, cancel, invite, invited, notice, plan
from bot.messages import Outbound
from bot.outbox import enqueue
from bot.statuses import PlacementStatus, SessionStatus
from db.models import MentorSession, Opportunity, Placement, SessionInvite


def invite_late_joiners(ctx: Context) -> None:
    """Interns placed after a session was made are invited to it (idempotent)."""
    rows = ctx.session.execute(
        select(MentorSession, Placement)
        .join(Placement, Placement.opportunity_id == MentorSession.opportunity_id)
        .where(
            MentorSession.status == SessionStatus.SCHEDULED,
            MentorSession.starts_at > ctx.now,
            Placement.status == PlacementStatus.READY,
            ~select(SessionInvite.id)
            .where(
                SessionInvite.session_id == MentorSession.id,
                SessionInvite.student_id == Placement.student_id,
            )
            .exists(),
        )
    ).all()
    for row, placement in rows:
        for out in invite(ctx, row, placement):
            enqueue(ctx, out)


def plan_imported(ctx: Context) -> None:
    """Sessions the import made, moved or cancelled: plan them and tell the interns."""
    for row in ctx.session.scalars(
        select(MentorSession).where(
            MentorSession.status.in_((SessionStatus.NEW, SessionStatus.MOVED, SessionStatus.CANCEL))
        )
    ):
        out: list[Outbound] = []
        if row.status == SessionStatus.CANCEL:
            row.status = SessionStatus.SCHEDULED
            out = cancel(ctx, fx.Cancel(row.mentor_id or 0, row.id)) if row.mentor_id else []
            row.status = SessionStatus.CANCELLED
        elif row.status == SessionStatus.MOVED:
            row.status = SessionStatus.SCHEDULED
            plan(ctx, row)
            out = [notice(ctx, row, i.student_id, MOVED) for i in invited(ctx.session, row.id)]
        else:
            row.status = SessionStatus.SCHEDULED
            if not row.join_url and ctx.settings.video_room_base_url:
                row.join_url = rules.room_url(ctx.settings.video_room_base_url)
            opp = ctx.session.get(Opportunity, row.opportunity_id)
            row.mentor_id = opp.supervisor_id if opp else None
            plan(ctx, row)
            for placement in ctx.session.scalars(
                select(Placement).where(
                    Placement.opportunity_id == row.opportunity_id,
                    Placement.status == PlacementStatus.READY,
                )
            ):
                out += invite(ctx, row, placement)
        for message in out:
            enqueue(ctx, message)

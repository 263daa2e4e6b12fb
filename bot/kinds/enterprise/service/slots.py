"""Clocking in against a shift (the enterprise's `Kind.clock_slots`, asked by
bot.services.clocking): IN counts only from 15 minutes before a taken shift until its end;
the time entry is attached to that shift; OUT from a till shift asks for the sales."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import select

from bot.context import Context
from bot.kinds.enterprise import rules
from bot.kinds.enterprise import texts as T
from bot.kinds.enterprise.service.common import when
from bot.statuses import ShiftTakeStatus as Take
from db.models import EnterpriseProfile, Placement, Shift, ShiftTake

if TYPE_CHECKING:
    from bot.services.work import Work


def _takes(ctx: Context, work: Work) -> list[tuple[ShiftTake, Shift]]:
    rows = ctx.session.execute(
        select(ShiftTake, Shift)
        .join(Shift, Shift.id == ShiftTake.shift_id)
        .where(
            ShiftTake.placement_id == work.placement_id,
            ShiftTake.status == Take.TAKEN,
            Shift.ends_at > ctx.now,
        )
        .order_by(Shift.starts_at)
    ).all()
    return [(t, s) for t, s in rows]


def current(ctx: Context, work: Work) -> ShiftTake | None:
    """The taken shift IN counts against now, if any."""
    return next(
        (t for t, s in _takes(ctx, work) if rules.may_open(s.starts_at, s.ends_at, ctx.now)), None
    )


class Slots:
    """The hooks bot.services.clocking calls for a placement of this kind."""

    def refuse_in(self, ctx: Context, work: Work, lang: str) -> str | None:
        """Why IN does not count now (no taken shift open now), else None."""
        takes = _takes(ctx, work)
        if any(rules.may_open(s.starts_at, s.ends_at, ctx.now) for _t, s in takes):
            return None
        _ = ctx.tr(lang)
        if takes:
            return _(T.NEXT_SHIFT, when=when(ctx, takes[0][1].starts_at, lang))
        return _(T.NO_SHIFT_NOW, title=work.title[:40])

    def attach_in(self, ctx: Context, work: Work, entry_id: int) -> None:
        """The new time entry belongs to the current shift."""
        row = current(ctx, work)
        if row is not None:
            row.status, row.time_entry_id, row.updated_at = Take.WORKED, entry_id, ctx.now

    def after_out(self, ctx: Context, work: Work, entry_id: int, lang: str) -> str | None:
        """At OUT from a till shift: ask for the shift's sales."""
        till = ctx.session.scalar(
            select(EnterpriseProfile.till)
            .join(Placement, Placement.opportunity_id == EnterpriseProfile.opportunity_id)
            .join(ShiftTake, ShiftTake.placement_id == Placement.id)
            .where(ShiftTake.time_entry_id == entry_id)
        )
        return ctx.tr(lang)(T.ASK_SALES) if till else None


SLOTS = Slots()

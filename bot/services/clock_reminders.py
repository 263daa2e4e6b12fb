"""The reminders about an open time entry: the nudge to clock out and the auto-close of a
forgotten one (see bot.services.clocking for when they come)."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from bot import display
from bot.context import Context
from bot.messages import Outbound
from bot.rules import hours as hours_rules
from bot.services import alerts, clocking
from bot.services import clock_texts as T
from bot.services.work import get_work
from bot.statuses import EntryStatus
from db.models import TimeEntry


def auto_close(
    ctx: Context, entry_id: int, expected_end: datetime | None
) -> clocking.Clocked | None:
    """Clock out a forgotten entry at its expected end, flagged; None when it is not open."""
    entry = ctx.session.get(TimeEntry, entry_id)
    if entry is None or entry.status != EntryStatus.OPEN or entry.started_at is None:
        return None
    default = timedelta(hours=float(hours_rules.DEFAULT_CLOCKED_H))
    end = min(max(expected_end or entry.started_at + default, entry.started_at), ctx.now)
    entry.ended_at = end
    entry.hours = hours_rules.clocked_hours(entry.started_at, end)
    entry.status, entry.flagged, entry.auto_closed = EntryStatus.PENDING, True, True
    reasons = [r for r in (entry.flag_reason, "auto-closed: no clock-out") if r]
    entry.flag_reason = "; ".join(reasons)[:255]
    clocking.cancel_reminders(ctx, entry.id)
    clocking.audit(ctx, "clock:auto_closed", entry, entry.in_verdict or "")
    return clocking.Clocked(entry.id, "out", "auto", None, end, entry.hours)


def nudge(ctx: Context, entry_id: int, lang: str) -> list[Outbound]:
    """The nudge "Still at …? Reply OUT" while the entry is open; nothing once it is closed."""
    entry = _still_open(ctx, entry_id)
    work = get_work(ctx, entry.placement_id) if entry else None
    if entry is None or work is None:
        return []
    when = display.time_of_day(entry.started_at, ctx.settings.tz, lang)
    text = ctx.tr(lang)(T.NUDGE, title=display.shorten(work.title, 30), time=when)
    button = clocking.clock_out_button(ctx, work.student_id, lang)
    return [Outbound(text, [[button]], to=work.student_id, urgent=False, category="nudge")]


def close_forgotten(
    ctx: Context, entry_id: int, expected_end: datetime | None, lang: str
) -> list[Outbound]:
    """Auto-close a forgotten entry: the student's notice and the coordinator's alert."""
    entry = _still_open(ctx, entry_id)
    work = get_work(ctx, entry.placement_id) if entry else None
    done = auto_close(ctx, entry_id, expected_end) if work else None
    if work is None or done is None:
        return []
    student = work.student_id
    hours = hours_rules.fmt(done.hours or Decimal(0), lang)
    notice = ctx.tr(lang)(T.AUTO_CLOSED, title=display.shorten(work.title, 30), hours=hours)
    alert = alerts.alert_coordinator(
        ctx, student, "clock_auto_closed", T.COORD_AUTO_CLOSED, entry=done.entry_id, student=student
    )
    return [Outbound(notice, to=student, urgent=False, category="nudge"), *alert]


def _still_open(ctx: Context, entry_id: int) -> clocking.ClockedIn | None:
    """The time entry a reminder is about, while it is still open."""
    entry = ctx.session.get(TimeEntry, entry_id)
    if entry is None or entry.status != EntryStatus.OPEN or entry.started_at is None:
        return None
    return clocking.ClockedIn(entry.id, entry.placement_id, entry.started_at)

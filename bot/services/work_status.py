"""STATUS: where a placement stands for the student (hours toward the estimate, missing
paperwork, whether they are clocked in, their work) and the one thing to do next."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from bot import display
from bot.context import Context
from bot.i18n import N_
from bot.rules import hours as hours_rules
from bot.services import paperwork
from bot.services.clocking import ENTRY_KIND
from bot.services.hour_totals import HoursTotals, hours_totals
from bot.services.work import Work, missing_of
from bot.statuses import DeliverableStatus, EntryStatus, PlacementStatus
from db.models import TimeEntry

ST_HOURS = N_("{title}: {approved} h approved, {pending} h pending, of {est} h.")
ST_MISSING = N_("Paperwork missing: {missing}.")
ST_OPEN = N_("Clocked in since {time}.")
ST_WORK = {
    None: N_("Work: not sent yet."),
    "submitted": N_("Work: sent, waiting for review."),
    "accepted": N_("Work: accepted!"),
    "changes_requested": N_("Work: changes requested."),
}
ST_NEXT = N_("Next: {step}")
NEXT = {
    "agreement": N_("reply AGREE."),
    "consent": N_("ask your parent or guardian to answer our text."),
    "self_consent": N_("reply YES with the code we sent you."),
    "paused": N_("talk to your coordinator."),
    "out": N_("reply OUT when you finish."),
    "wait": N_("you can start on {date}."),
    "fix": N_("fix your work and SUBMIT it again."),
    "submit": N_("SUBMIT your work."),
    "review": N_("wait for your supervisor's review."),
    "ended": N_("talk to your coordinator."),
    "site": N_("reply IN when you get to work."),
    "remote": N_("reply IN to start, or LOG hours you worked."),
}


def status(ctx: Context, lang: str, work: Work, submitted: str | None) -> str:
    """STATUS: hours toward the estimate, paperwork, clocked in, work, and the next step."""
    _ = ctx.tr(lang)
    totals = hours_totals(ctx.session, work.placement_id)
    lines = [
        _(
            ST_HOURS,
            title=display.shorten(work.title, 30),
            approved=hours_rules.fmt(totals.approved, lang),
            pending=hours_rules.fmt(totals.pending, lang),
            est=hours_rules.fmt(work.est_hours, lang),
        )
    ]
    missing = missing_of(ctx, work.placement_id) if work.status == PlacementStatus.PAPERWORK else []
    if missing:
        lines.append(_(ST_MISSING, missing=paperwork.labels(_, missing)))
    since = _clocked_in_since(ctx, work.placement_id)
    if since is not None:
        lines.append(_(ST_OPEN, time=display.time_of_day(since, ctx.settings.tz, lang)))
    lines.append(_(ST_WORK.get(submitted, ST_WORK[None])))
    step = next_step(ctx, work, missing, since is not None, totals, submitted)
    lines.append(_(ST_NEXT, step=_(NEXT[step], date=display.day(work.starts_on, lang))))
    return "\n".join(lines)


def next_step(
    ctx: Context,
    work: Work,
    missing: list[str],
    clocked_in: bool,
    totals: HoursTotals,
    submitted: str | None,
) -> str:
    """The one thing the student should do next (a key of NEXT)."""
    if work.status == PlacementStatus.PAPERWORK:
        return missing[0] if missing else "review"
    if work.status == PlacementStatus.PAUSED:
        return "paused"
    if clocked_in:
        return "out"
    if ctx.today < work.starts_on:
        return "wait"
    if submitted == DeliverableStatus.CHANGES_REQUESTED:
        return "fix"
    if totals.counted >= work.est_hours:
        return "submit" if submitted is None else "review"
    if ctx.today > work.due_on:
        return "ended"
    return "remote" if work.remote else "site"


def _clocked_in_since(ctx: Context, placement_id: int) -> datetime | None:
    return ctx.session.scalar(
        select(TimeEntry.started_at)
        .where(
            TimeEntry.placement_id == placement_id,
            TimeEntry.kind == ENTRY_KIND,
            TimeEntry.status == EntryStatus.OPEN,
        )
        .limit(1)
    )

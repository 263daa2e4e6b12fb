"""Hours a student logged by hand (LOG), every placement's hour totals, and what the
student reads about their hours (clock receipts, refusals, STATUS).

`hours_totals(session, placement_id)` is the one sum the student's STATUS, the
supervisor's timesheets and the reports all use. The texts live here so the chat flow
and the SMS check-in page say exactly the same thing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from babel.dates import format_date
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.context import Context
from bot.i18n import N_
from bot.rules import hours as hours_rules
from bot.rules.placement import may_clock_in
from bot.services import paperwork
from db import trail
from db.models import Placement, TimeEntry

if TYPE_CHECKING:
    from bot.services.shifts import Clocked, Work


@dataclass(frozen=True)
class HoursTotals:
    """Hours of one placement by review status (open shifts are not counted)."""

    approved: Decimal
    pending: Decimal
    rejected: Decimal

    @property
    def counted(self) -> Decimal:
        """Approved plus pending: what the student has done so far."""
        return self.approved + self.pending


def hours_totals(session: Session, placement_id: int) -> HoursTotals:
    """Approved, pending and rejected hours of a placement."""
    rows = session.execute(
        select(TimeEntry.status, func.sum(TimeEntry.hours))
        .where(TimeEntry.placement_id == placement_id)
        .group_by(TimeEntry.status)
    ).all()
    sums = hours_rules.totals((status, Decimal(total or 0)) for status, total in rows)
    return HoursTotals(sums["approved"], sums["pending"], sums["rejected"])


def log_hours(
    ctx: Context, placement_id: int, student_id: int, line: hours_rules.LogLine
) -> TimeEntry:
    """Record hours done remotely: pending until the supervisor approves them."""
    entry = TimeEntry(
        placement_id=placement_id,
        student_id=student_id,
        kind="manual",
        status="pending",
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


# --- what the student reads about their hours: receipts, refusals, STATUS -----------------
# (one place for the chat flow and the check-in page, so both say the same thing)
NO_PLACEMENT = N_("You don't have a placement yet. Reply FIND to see opportunities for you.")
WHICH = N_("Which placement?")
ALREADY_IN = N_("You're already clocked in since {time}. Reply OUT when you finish.")
ALREADY_AGREED = N_("Your OK to the training agreement for {title} is already on file.")
AGREED = N_("Thanks! Your OK to the training agreement for {title} is recorded.")
STILL_MISSING = N_("Still missing: {missing}.")
NEED_PAPERWORK = N_("You can't start {title} yet. Still missing: {missing}.")
PAPERWORK_PENDING = N_("You can't start {title} yet: your paperwork isn't complete.")
PAUSED = N_("{title} is on hold because permission was withdrawn. Please talk to your coordinator.")
NOT_STARTED = N_("{title} starts on {date}. You can clock in from then.")
ENDED = N_("{title} ended on {date}. Talk to your coordinator if you need more time.")
CLOSED = N_("{title} is closed. Reply FIND to see other opportunities.")
LINK_IN = N_("To clock in at {title}, open this link at work (once, 15 min): {url}")
LINK_OUT = N_("To clock out of {title}, open this link (once, 15 min): {url}")
ASK_IN_LOCATION = N_("Please share your location with the button below to clock in.")
ASK_OUT_LOCATION = N_("Please share your location with the button below to clock out.")
NEED_LOCATION = N_(
    "I need your location: tap the button below. Or reply SKIP to go on without it "
    "(your supervisor will confirm)."
)
FORWARDED = N_(
    "Sorry, a forwarded location can't be used. Please share your own current location "
    "with the button below."
)
VIA_BOT = N_(
    "Sorry, a location sent through another bot can't be used. Please share your current "
    "location with the button below."
)
IMPLAUSIBLE = N_(
    "That location doesn't look right (nothing was recorded). Please share it again with "
    "the button below."
)
UNEXPECTED_LOCATION = N_("Thanks, but I wasn't expecting a location. Reply IN or OUT first.")
SUBMIT_FIRST = N_("To send this as your work, reply SUBMIT and then send it again.")
ASK_NOTE = N_("What did you work on? Reply with a short note, e.g. drafted 3 posts.")
CLOCK_OUT = N_("Clock out")
IN_OK = N_("Clocked in at {title}, {time}. Location checked. Reply OUT when you finish.")
IN_FAR = N_(
    "Clocked in at {title}, {time}. You seem {distance} from the site: recorded, and your "
    "supervisor will confirm. Reply OUT when you finish."
)
IN_NOLOC = N_(
    "Clocked in at {title}, {time}, without a location check: recorded, and your supervisor "
    "will confirm. Reply OUT when you finish."
)
IN_REMOTE = N_("Clocked in for {title}, {time}. Reply OUT when you finish.")
OUT_DONE = N_("Clocked out of {title}, {time}: {hours} h.")
OUT_COUNTED = N_("Location checked.")
OUT_CONFIRM = N_("Recorded; your supervisor will confirm.")
OUT_REMOTE = N_("Your supervisor will approve them.")
TOTALS = N_("So far: {approved} h approved, {pending} h pending, of {est} h.")
ASK_LOG = N_("How many hours and what did you do? e.g. 1.5 researched competitors")
LOG_ERRORS = {
    "no_hours": N_("Start with the hours, then what you did. e.g. LOG 1.5 researched competitors"),
    "range": N_("Hours must be between 0.25 and 12. e.g. LOG 1.5 researched competitors"),
    "no_description": N_("Add what you did after the hours. e.g. LOG 1.5 researched competitors"),
}
LOGGED = N_("Logged {hours} h for {title}, waiting for your supervisor's OK.")
ASK_SUBMIT = N_("Send your work now: a link, a short text, a photo or a file.")
SUBMITTED = N_("Got it! Your work for {title} was sent to your supervisor for review.")
NUDGE = N_("Still at {title}? You clocked in at {time}. Reply OUT when you finish.")
AUTO_CLOSED = N_(
    "You didn't clock out of {title}, so we closed your shift at {hours} h. Your "
    "coordinator will check it. Next time reply OUT when you finish."
)
COORD_AUTO_CLOSED = N_(
    "Shift {entry} of student {student} was closed automatically (no clock-out). Please review."
)
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


def short(title: str, limit: int = 40) -> str:
    """A title cut to fit an SMS."""
    return title if len(title) <= limit else title[: limit - 3].rstrip() + "..."


def clock(ctx: Context, at: datetime, lang: str) -> str:
    """A time of day in the district's zone: 9:05 AM (en), 9:05 (es)."""
    local = at.astimezone(ctx.settings.tz)
    if lang == "es":
        return f"{local.hour}:{local.minute:02d}"
    return f"{local.hour % 12 or 12}:{local.minute:02d} {'AM' if local.hour < 12 else 'PM'}"


def day(d: date, lang: str) -> str:
    return format_date(d, "d MMM" if lang == "es" else "MMM d", locale=lang)


def distance(meters: float | None) -> str:
    if meters is None:
        return "?"
    return f"{meters / 1000:.1f} km" if meters >= 1000 else f"{round(meters)} m"


def parse_instant(value: object) -> datetime | None:
    try:
        found = datetime.fromisoformat(str(value)) if value else None
    except ValueError:
        return None
    return found if found is not None and found.tzinfo is not None else None


def missing_of(ctx: Context, placement_id: int) -> list[str]:
    placement = ctx.session.get(Placement, placement_id)
    return paperwork.missing(ctx, placement) if placement else []


def start_problem(ctx: Context, work: Work, lang: str) -> str | None:
    """Why the placement may not be worked on today, in the student's words; None if it may."""
    reason = may_clock_in(work.status, work.starts_on, work.due_on, ctx.today)
    if reason is None:
        return None
    _ = ctx.tr(lang)
    title = short(work.title)
    if reason == "paperwork":
        missing = missing_of(ctx, work.placement_id)
        if not missing:
            return _(PAPERWORK_PENDING, title=title)
        return _(NEED_PAPERWORK, title=title, missing=paperwork.labels(_, missing))
    msgid = {"not_started": NOT_STARTED, "ended": ENDED, "paused": PAUSED}.get(reason, CLOSED)
    when = work.starts_on if reason == "not_started" else work.due_on
    return _(msgid, title=title, date=day(when, lang))


def totals_line(_: Callable[..., str], totals: HoursTotals, work: Work) -> str:
    return _(
        TOTALS,
        approved=hours_rules.fmt(totals.approved),
        pending=hours_rules.fmt(totals.pending),
        est=hours_rules.fmt(work.est_hours),
    )


def receipt(ctx: Context, lang: str, work: Work, done: Clocked) -> str:
    """The clock-in or clock-out receipt."""
    _ = ctx.tr(lang)
    title, when = short(work.title, 40), clock(ctx, done.at, lang)
    if done.action == "in":
        msgid = {"verified": IN_OK, "outside": IN_FAR, "remote": IN_REMOTE}.get(
            done.verdict, IN_NOLOC
        )
        return _(msgid, title=title, time=when, distance=distance(done.distance_m))
    entry = ctx.session.get(TimeEntry, done.entry_id)
    approved = entry is not None and entry.status == "approved"
    after = OUT_REMOTE if done.verdict == "remote" else OUT_COUNTED if approved else OUT_CONFIRM
    hours = hours_rules.fmt(done.hours or Decimal(0))
    totals = hours_totals(ctx.session, work.placement_id)
    text = _(OUT_DONE, title=title, time=when, hours=hours)
    return f"{text} {_(after)} {totals_line(_, totals, work)}"


def status(ctx: Context, lang: str, work: Work, submitted: str | None) -> str:
    """STATUS: hours toward the estimate, paperwork, open shift, work, and the next step."""
    _ = ctx.tr(lang)
    totals = hours_totals(ctx.session, work.placement_id)
    lines = [
        _(
            ST_HOURS,
            title=short(work.title, 30),
            approved=hours_rules.fmt(totals.approved),
            pending=hours_rules.fmt(totals.pending),
            est=hours_rules.fmt(work.est_hours),
        )
    ]
    missing = missing_of(ctx, work.placement_id) if work.status == "paperwork" else []
    if missing:
        lines.append(_(ST_MISSING, missing=paperwork.labels(_, missing)))
    since = _open_since(ctx, work.placement_id)
    if since is not None:
        lines.append(_(ST_OPEN, time=clock(ctx, since, lang)))
    lines.append(_(ST_WORK.get(submitted, ST_WORK[None])))
    step = next_step(ctx, work, missing, since is not None, totals, submitted)
    lines.append(_(ST_NEXT, step=_(NEXT[step], date=day(work.starts_on, lang))))
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
    if work.status == "paperwork":
        return missing[0] if missing else "review"
    if work.status == "paused":
        return "paused"
    if clocked_in:
        return "out"
    if ctx.today < work.starts_on:
        return "wait"
    if submitted == "changes_requested":
        return "fix"
    if totals.counted >= work.est_hours:
        return "submit" if submitted is None else "review"
    if ctx.today > work.due_on:
        return "ended"
    return "remote" if work.remote else "site"


def _open_since(ctx: Context, placement_id: int) -> datetime | None:
    return ctx.session.scalar(
        select(TimeEntry.started_at)
        .where(
            TimeEntry.placement_id == placement_id,
            TimeEntry.kind == "shift",
            TimeEntry.status == "open",
        )
        .limit(1)
    )

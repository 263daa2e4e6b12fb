"""Clocking in and out: the one path the chat flow and the SMS check-in page both take.

`clock_in(ctx, work, point, lang)` and `clock_out(ctx, student_id, point, lang)` give the
"already in" / "not in" answer, apply the start rule (rules.placement.may_clock_in),
judge the location against the site (rules.geofence), write the time entry and return
an `Answer`: the receipt or the refusal, as text and as the message to send. Callers
only present it (the chat replies with it, the page shows it and texts it).

Locations are stored only on the clock event itself (point, accuracy, distance, verdict
on the TimeEntry's in_*/out_* columns) and never logged. A time entry verified at both
ends is `approved`; one outside the site, without a location, over 12 h or auto-closed
is `pending` and flagged; a remote one is `pending` (verdict `remote`) until the
supervisor approves. (The word "shift" is kept for a rota slot; an open time entry is
"clocked in".)

Timing (settings): clocked time is expected to last `rules.hours.expected_clocked_hours`
(remaining estimate, 1-4 h). `clock.nudge` comes `shift_nudge_grace_h` after that
expected end and asks for OUT (`nudge`); `clock.autoclose` comes `shift_autoclose_h`
after it and clocks the student out counting hours up to the expected end, not the close
time, flags the entry and alerts the coordinator (`close_forgotten`). Clocking out
cancels both.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Literal

from sqlalchemy import bindparam, select

from bot import display, jobs, payloads
from bot.context import Context
from bot.messages import Button, Outbound
from bot.rules import geofence
from bot.rules import hours as hours_rules
from bot.rules.placement import may_clock_in
from bot.services import alerts, paperwork
from bot.services import clock_texts as T
from bot.services.hour_totals import hours_totals, totals_line
from bot.services.work import Work, get_work, missing_of
from bot.statuses import EntryKind, EntryStatus, Verdict
from db import trail
from db.models import TimeEntry

NUDGE = "clock.nudge"
AUTOCLOSE = "clock.autoclose"
ENTRY_KIND = EntryKind.CLOCK  # TimeEntry.kind of clocked time (MANUAL: hours logged by hand)
Refusal = Literal["already_in", "not_in", "start", "implausible"]


@dataclass(frozen=True)
class Point:
    """One location fix from the chat or the browser."""

    lat: float
    lon: float
    accuracy_m: float | None = None


@dataclass(frozen=True)
class ClockedIn:
    """The student's open time entry."""

    id: int
    placement_id: int
    started_at: datetime


@dataclass(frozen=True)
class Clocked:
    """What a clock event recorded."""

    entry_id: int
    action: str  # in|out
    verdict: str  # verified|outside|unverified|remote|auto
    distance_m: float | None
    at: datetime
    hours: Decimal | None = None


@dataclass(frozen=True)
class Answer:
    """The outcome of a clock request, for any caller to present.

    refusal: None when the event was recorded, else why nothing was.
    """

    text: str
    message: Outbound
    clocked: Clocked | None = None
    refusal: Refusal | None = None
    work: Work | None = None


def _refuse(text: str, refusal: Refusal, work: Work | None = None) -> Answer:
    return Answer(text, Outbound(text), refusal=refusal, work=work)


# --- the questions before a clock event ---------------------------------------------------
def clocked_in(ctx: Context, student_id: int) -> ClockedIn | None:
    """The student's open time entry, if any (at most one: callers hold the person's lock)."""
    row = ctx.session.execute(_OPEN_ENTRY, {"student": student_id}).first()
    if row is None:
        return None
    entry_id, placement_id, started_at = row
    return ClockedIn(entry_id, placement_id, started_at) if started_at is not None else None


_OPEN_ENTRY = (
    select(TimeEntry.id, TimeEntry.placement_id, TimeEntry.started_at)
    .where(
        TimeEntry.student_id == bindparam("student"),
        TimeEntry.kind == ENTRY_KIND,
        TimeEntry.status == EntryStatus.OPEN,
    )
    .order_by(TimeEntry.id.desc())
    .limit(1)
)


def already_in(ctx: Context, student_id: int, lang: str) -> str | None:
    """The answer "You're clocked in since 9:05 AM…" when the student is, else None."""
    entry = clocked_in(ctx, student_id)
    if entry is None:
        return None
    when = display.time_of_day(entry.started_at, ctx.settings.tz, lang)
    return ctx.tr(lang)(T.ALREADY_IN, time=when)


def start_problem(ctx: Context, work: Work, lang: str) -> str | None:
    """Why the placement may not be worked on today, in the student's words; None if it may."""
    reason = may_clock_in(work.status, work.starts_on, work.due_on, ctx.today)
    if reason is None:
        return None
    _ = ctx.tr(lang)
    title = display.shorten(work.title)
    if reason == "paperwork":
        missing = missing_of(ctx, work.placement_id)
        if not missing:
            return _(T.PAPERWORK_PENDING, title=title)
        return _(T.NEED_PAPERWORK, title=title, missing=paperwork.labels(_, missing))
    when = work.starts_on if reason == "not_started" else work.due_on
    msgid = T.START_REFUSALS.get(reason, T.START_REFUSALS["closed"])
    return _(msgid, title=title, date=display.day(when, lang))


def plausible(work: Work, point: Point | None) -> bool:
    """False for a fix that cannot be a real clock point (see rules.geofence)."""
    return point is None or geofence.plausible(work.fence, point.lat, point.lon, point.accuracy_m)


def _judge(work: Work, point: Point | None) -> tuple[Verdict, float | None, str | None]:
    """(verdict, distance, flag reason) for a clock event."""
    if work.remote or work.fence is None:
        return Verdict.REMOTE, None, None
    if point is None:
        return Verdict.UNVERIFIED, None, "no location"
    found = geofence.assess(work.fence, point.lat, point.lon, point.accuracy_m)
    if found.verdict == Verdict.VERIFIED:
        return Verdict.VERIFIED, found.distance_m, None
    reason = "imprecise location" if found.reason == "imprecise" else "outside the site"
    return found.verdict, found.distance_m, reason


# --- clock in and out ---------------------------------------------------------------------
def clock_in(ctx: Context, work: Work, point: Point | None, lang: str) -> Answer:
    """Clock the student in at `work` with `point` (None: no location), or say why not."""
    already = already_in(ctx, work.student_id, lang)
    if already is not None:
        return _refuse(already, "already_in", work)
    problem = start_problem(ctx, work, lang)
    if problem is not None:
        return _refuse(problem, "start", work)
    if not plausible(work, point):
        return _refuse(ctx.tr(lang)(T.IMPLAUSIBLE), "implausible", work)
    return _answer(ctx, lang, work, _open_entry(ctx, work, point))


def clock_out(
    ctx: Context, student_id: int, point: Point | None, lang: str, note: str | None = None
) -> Answer:
    """Clock the student out of their open time entry, or say they are not clocked in."""
    entry = clocked_in(ctx, student_id)
    work = get_work(ctx, entry.placement_id) if entry else None
    if entry is None or work is None:
        return _refuse(ctx.tr(lang)(T.NOT_IN), "not_in")
    if not plausible(work, point):
        return _refuse(ctx.tr(lang)(T.IMPLAUSIBLE), "implausible", work)
    return _answer(ctx, lang, work, _close_entry(ctx, work, entry, point, note))


def _open_entry(ctx: Context, work: Work, point: Point | None) -> Clocked:
    """Write the open time entry and schedule its nudge and auto-close."""
    verdict, distance, reason = _judge(work, point)
    located = point if point is not None and not work.remote else None
    entry = TimeEntry(
        placement_id=work.placement_id,
        student_id=work.student_id,
        kind=ENTRY_KIND,
        status=EntryStatus.OPEN,
        started_at=ctx.now,
        in_lat=located.lat if located else None,
        in_lon=located.lon if located else None,
        in_accuracy_m=located.accuracy_m if located else None,
        in_distance_m=distance,
        in_verdict=verdict,
        flagged=reason is not None,
        flag_reason=f"clock-in: {reason}" if reason else None,
        auto_closed=False,
        created_at=ctx.now,
    )
    ctx.session.add(entry)
    ctx.session.flush()
    _audit(ctx, "clock:in", entry, verdict)
    done = hours_totals(ctx.session, work.placement_id).counted
    expected = hours_rules.expected_clocked_hours(work.est_hours, done)
    end = ctx.now + timedelta(hours=float(expected))
    s = ctx.settings.policy
    for kind, after in ((NUDGE, s.shift_nudge_grace_h), (AUTOCLOSE, s.shift_autoclose_h)):
        jobs.schedule(
            ctx,
            kind,
            subject_id=entry.id,
            due_at=end + timedelta(hours=after),
            person_id=work.student_id,
            payload={"end": end.isoformat()},
        )
    return Clocked(entry.id, "in", verdict, distance, ctx.now)


def _close_entry(
    ctx: Context, work: Work, open_entry: ClockedIn, point: Point | None, note: str | None
) -> Clocked:
    """Close the open time entry with its hours; cancel its nudge and auto-close."""
    entry = ctx.session.get(TimeEntry, open_entry.id)
    # the caller holds the person's lock
    assert entry is not None and entry.status == EntryStatus.OPEN
    verdict, distance, reason = _judge(work, point)
    entry.ended_at = ctx.now
    entry.hours = hours_rules.clocked_hours(open_entry.started_at, ctx.now)
    if not work.remote:
        entry.out_lat, entry.out_lon = (point.lat, point.lon) if point else (None, None)
        entry.out_accuracy_m = point.accuracy_m if point else None
    entry.out_distance_m, entry.out_verdict = distance, verdict
    if note:
        entry.description = note[: hours_rules.MAX_DESCRIPTION]
    reasons = [entry.flag_reason] if entry.flag_reason else []
    if reason:
        reasons.append(f"clock-out: {reason}")
    if hours_rules.over_cap(entry.hours):
        reasons.append("over 12 hours")
    entry.flagged = bool(reasons)
    entry.flag_reason = "; ".join(reasons)[:255] or None
    both_verified = entry.in_verdict == verdict == Verdict.VERIFIED
    approved = both_verified and not entry.flagged
    entry.status = EntryStatus.APPROVED if approved else EntryStatus.PENDING
    _cancel(ctx, entry.id)
    _audit(ctx, "clock:out", entry, verdict)
    return Clocked(entry.id, "out", verdict, distance, ctx.now, entry.hours)


def auto_close(ctx: Context, entry_id: int, expected_end: datetime | None) -> Clocked | None:
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
    _cancel(ctx, entry.id)
    _audit(ctx, "clock:auto_closed", entry, entry.in_verdict or "")
    return Clocked(entry.id, "out", "auto", None, end, entry.hours)


def nudge(ctx: Context, entry_id: int, lang: str) -> list[Outbound]:
    """The nudge "Still at …? Reply OUT" while the entry is open; nothing once it is closed."""
    entry = _still_open(ctx, entry_id)
    work = get_work(ctx, entry.placement_id) if entry else None
    if entry is None or work is None:
        return []
    when = display.time_of_day(entry.started_at, ctx.settings.tz, lang)
    text = ctx.tr(lang)(T.NUDGE, title=display.shorten(work.title, 30), time=when)
    button = clock_out_button(ctx, work.student_id, lang)
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
    hours = hours_rules.fmt(done.hours or Decimal(0))
    notice = ctx.tr(lang)(T.AUTO_CLOSED, title=display.shorten(work.title, 30), hours=hours)
    alert = alerts.alert_coordinator(
        ctx, student, "clock_auto_closed", T.COORD_AUTO_CLOSED, entry=done.entry_id, student=student
    )
    return [Outbound(notice, to=student, urgent=False, category="nudge"), *alert]


def _still_open(ctx: Context, entry_id: int) -> ClockedIn | None:
    """The time entry a reminder is about, while it is still open."""
    entry = ctx.session.get(TimeEntry, entry_id)
    if entry is None or entry.status != EntryStatus.OPEN or entry.started_at is None:
        return None
    return ClockedIn(entry.id, entry.placement_id, entry.started_at)


def _cancel(ctx: Context, entry_id: int) -> None:
    jobs.cancel(ctx, NUDGE, entry_id)
    jobs.cancel(ctx, AUTOCLOSE, entry_id)


def _audit(ctx: Context, action: str, entry: TimeEntry, verdict: str) -> None:
    trail.record(
        ctx.session,
        at=ctx.now,
        actor=ctx.actor,
        action=action,
        entity="time_entry",
        entity_id=entry.id,
        details={"placement": entry.placement_id, "verdict": verdict, "flagged": entry.flagged},
    )


# --- the receipt --------------------------------------------------------------------------
def _answer(ctx: Context, lang: str, work: Work, done: Clocked) -> Answer:
    text = receipt(ctx, lang, work, done)
    buttons = [[clock_out_button(ctx, work.student_id, lang)]] if done.action == "in" else []
    return Answer(text, Outbound(text, buttons=buttons), clocked=done, work=work)


def clock_out_button(ctx: Context, student_id: int, lang: str) -> Button:
    """The "Clock out" button (OUT by SMS)."""
    payload = payloads.sign(ctx.settings.secret_key, student_id, "wo")
    return Button(ctx.tr(lang)(T.CLOCK_OUT), payload, sms="OUT")


def receipt(ctx: Context, lang: str, work: Work, done: Clocked) -> str:
    """The clock-in or clock-out receipt."""
    _ = ctx.tr(lang)
    title = display.shorten(work.title)
    when = display.time_of_day(done.at, ctx.settings.tz, lang)
    if done.action == "in":
        msgid = T.IN_RECEIPTS.get(done.verdict, T.IN_RECEIPTS[Verdict.UNVERIFIED])
        return _(msgid, title=title, time=when, distance=display.distance(done.distance_m))
    entry = ctx.session.get(TimeEntry, done.entry_id)
    approved = entry is not None and entry.status == EntryStatus.APPROVED
    after = (
        T.OUT_REMOTE
        if done.verdict == Verdict.REMOTE
        else T.OUT_COUNTED
        if approved
        else T.OUT_CONFIRM
    )
    hours = hours_rules.fmt(done.hours or Decimal(0))
    totals = totals_line(_, hours_totals(ctx.session, work.placement_id), work.est_hours)
    return f"{_(T.OUT_DONE, title=title, time=when, hours=hours)} {_(after)} {totals}"

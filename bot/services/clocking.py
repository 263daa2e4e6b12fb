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
time, flags the entry and alerts the coordinator (bot.services.clock_reminders). Clocking
out cancels both. The chat flow decides from reads (`decide_in`, `decide_out`: the refusal
or the receipt) and the engine applies the write (`write_in`, `write_out`); the check-in
page calls `clock_in` / `clock_out`, which do both.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Literal

from sqlalchemy import bindparam, insert, select

from bot import display, jobs, kinds, payloads
from bot.context import Context
from bot.errors import WBLError
from bot.messages import Button, Outbound
from bot.rules import geofence
from bot.rules import hours as hours_rules
from bot.rules.placement import may_clock_in
from bot.services import clock_texts as T
from bot.services import paperwork
from bot.services.hour_totals import counted_hours, hours_totals, totals_line
from bot.services.work import OPEN_WORK, Work, get_work, missing_of, work_of
from bot.statuses import EntryKind, EntryStatus, Verdict
from db import trail
from db.models import TimeEntry

_AS_IS = "{text}"  # a refusal already in the student's words
NUDGE = "clock.nudge"
AUTOCLOSE = "clock.autoclose"
ENTRY_KIND = EntryKind.CLOCK  # TimeEntry.kind of clocked time (MANUAL: hours logged by hand)
Refusal = Literal["already_in", "not_in", "start", "slot", "implausible"]


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


_OPEN_SINCE = _OPEN_ENTRY.with_only_columns(TimeEntry.started_at).scalar_subquery()
_BEFORE_IN = select(_OPEN_SINCE, counted_hours(bindparam("placement")))


def already_in(ctx: Context, student_id: int, lang: str) -> str | None:
    """The answer "You're clocked in since 9:05 AM…" when the student is, else None."""
    entry = clocked_in(ctx, student_id)
    return _in_since(ctx, entry.started_at, lang) if entry is not None else None


def before_in(ctx: Context, student_id: int, lang: str) -> tuple[str | None, list[Work]]:
    """(`already_in`'s answer, the student's open work) for IN, in one statement."""
    rows = ctx.session.connection().execute(_OPEN_WORK_SINCE, {"student": student_id}).all()
    if not rows:  # no open work: ask about the open entry alone
        return already_in(ctx, student_id, lang), []
    in_since = rows[0][-1]
    already = _in_since(ctx, in_since, lang) if in_since is not None else None
    return already, [work_of(row[:-1]) for row in rows]


_OPEN_WORK_SINCE = OPEN_WORK.add_columns(_OPEN_SINCE)


def _in_since(ctx: Context, started_at: datetime, lang: str) -> str:
    when = display.time_of_day(started_at, ctx.settings.tz, lang)
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


def slots(work: Work) -> kinds.ClockSlots | None:
    """The kind's slots (a rota) that clocked time belongs to, if its kind has them."""
    if not work.kind:
        return None
    found = kinds.get(work.kind).clock_slots
    return kinds.resolve(found) if found is not None else None  # type: ignore[no-any-return]


def slot_problem(ctx: Context, work: Work, lang: str) -> str | None:
    """Why IN does not count now for a kind with slots (no slot open now); None if it may."""
    found = slots(work)
    return found.refuse_in(ctx, work, lang) if found is not None else None


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


# --- clock in and out: decide (read only), then write --------------------------------------
def decide_in(ctx: Context, work: Work, point: Point | None, lang: str) -> Answer:
    """Read only: why the student may not clock in, or the receipt clocking in will give
    (its `clocked.entry_id` is 0: the entry is not written yet)."""
    entry = clocked_in(ctx, work.student_id)
    return _decide_in(ctx, work, point, lang, entry.started_at if entry else None)


def _decide_in(
    ctx: Context, work: Work, point: Point | None, lang: str, in_since: datetime | None
) -> Answer:
    if in_since is not None:
        return _refuse(_in_since(ctx, in_since, lang), "already_in", work)
    problem = start_problem(ctx, work, lang)
    if problem is not None:
        return _refuse(problem, "start", work)
    problem = slot_problem(ctx, work, lang)
    if problem is not None:
        return _refuse(problem, "slot", work)
    if not plausible(work, point):
        return _refuse(ctx.tr(lang)(T.IMPLAUSIBLE), "implausible", work)
    verdict, distance, _reason = _judge(work, point)
    return _answer(ctx, lang, work, Clocked(0, "in", verdict, distance, ctx.now))


def decide_out(
    ctx: Context, student_id: int, point: Point | None, lang: str, note: str | None = None
) -> Answer:
    """Read only: "not clocked in", or the receipt clocking out will give (approved or
    pending, and the totals with these hours in them)."""
    entry = clocked_in(ctx, student_id)
    work = get_work(ctx, entry.placement_id) if entry else None
    row = ctx.session.get(TimeEntry, entry.id) if entry else None
    if entry is None or work is None or row is None:
        return _refuse(ctx.tr(lang)(T.NOT_IN), "not_in")
    if not plausible(work, point):
        return _refuse(ctx.tr(lang)(T.IMPLAUSIBLE), "implausible", work)
    close = _closing(work, row, entry.started_at, point, ctx.now)
    done = Clocked(entry.id, "out", close.verdict, close.distance, ctx.now, close.hours)
    answer = _answer(ctx, lang, work, done, close)
    found = slots(work)
    follow = found.after_out(ctx, work, entry.id, lang) if found is not None else None
    if follow is None:
        return answer
    text = f"{answer.text}\n{follow}"
    return replace(answer, text=text, message=replace(answer.message, text=text))


def clock_in(ctx: Context, work: Work, point: Point | None, lang: str) -> Answer:
    """Clock the student in at `work` with `point` (None: no location), or say why not
    (the caller holds the student's lock)."""
    params = {"student": work.student_id, "placement": work.placement_id}
    in_since, done = ctx.session.connection().execute(_BEFORE_IN, params).one()
    answer = _decide_in(ctx, work, point, lang, in_since)
    if answer.refusal is not None:
        return answer
    return replace(answer, clocked=_open_entry(ctx, work, point, Decimal(done)))


def clock_out(
    ctx: Context, student_id: int, point: Point | None, lang: str, note: str | None = None
) -> Answer:
    """Clock the student out of their open time entry, or say they are not clocked in."""
    answer = decide_out(ctx, student_id, point, lang, note)
    if answer.refusal is None:
        write_out(ctx, student_id, point, note)
    return answer


def write_in(
    ctx: Context, student_id: int, placement_id: int, point: Point | None, lang: str
) -> None:
    """The write of a clock-in decided by `decide_in` (WBLError if the student is in now,
    or the start rule or the slot now refuses it)."""
    work = get_work(ctx, placement_id)
    if work is None or work.student_id != student_id:
        raise LookupError(f"no placement {placement_id} for this student")
    entry = clocked_in(ctx, student_id)
    if entry is not None:
        raise WBLError(_AS_IS, text=_in_since(ctx, entry.started_at, lang))
    problem = start_problem(ctx, work, lang) or slot_problem(ctx, work, lang)
    if problem is not None:
        raise WBLError(_AS_IS, text=problem)
    _open_entry(ctx, work, point)


def write_out(ctx: Context, student_id: int, point: Point | None, note: str | None) -> None:
    """The write of a clock-out decided by `decide_out` (WBLError if not clocked in now)."""
    entry = clocked_in(ctx, student_id)
    work = get_work(ctx, entry.placement_id) if entry else None
    if entry is None or work is None:
        raise WBLError(T.NOT_IN)
    _close_entry(ctx, work, entry, point, note)


def _open_entry(
    ctx: Context, work: Work, point: Point | None, done: Decimal | None = None
) -> Clocked:
    """Write the open time entry, its audit row and its nudge and auto-close, each with one
    Core INSERT (`done`: the placement's counted hours, when the caller read them)."""
    verdict, distance, reason = _judge(work, point)
    located = point if point is not None and not work.remote else None
    entry = dict(
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
        reminders_sent=0,
        created_at=ctx.now,
    )
    entry_id: int = ctx.session.connection().execute(_INSERT_ENTRY, entry).scalar_one()
    found = slots(work)
    if found is not None:
        found.attach_in(ctx, work, entry_id)
    _audit(ctx, "clock:in", entry_id, work.placement_id, reason is not None, verdict, trail.write)
    if done is None:
        done = hours_totals(ctx.session, work.placement_id).counted
    expected = hours_rules.expected_clocked_hours(work.est_hours, done)
    end = ctx.now + timedelta(hours=float(expected))
    s = ctx.settings.policy
    jobs.schedule_all(
        ctx,
        [
            (NUDGE, end + timedelta(hours=s.shift_nudge_grace_h)),
            (AUTOCLOSE, end + timedelta(hours=s.shift_autoclose_h)),
        ],
        subject_id=entry_id,
        person_id=work.student_id,
        payload={"end": end.isoformat()},
    )
    return Clocked(entry_id, "in", verdict, distance, ctx.now)


_INSERT_ENTRY = insert(TimeEntry).returning(TimeEntry.id)


def _close_entry(
    ctx: Context, work: Work, open_entry: ClockedIn, point: Point | None, note: str | None
) -> Clocked:
    """Close the open time entry with its hours; cancel its nudge and auto-close."""
    entry = ctx.session.get(TimeEntry, open_entry.id)
    # the caller holds the person's lock
    assert entry is not None and entry.status == EntryStatus.OPEN
    close = _closing(work, entry, open_entry.started_at, point, ctx.now)
    entry.ended_at = ctx.now
    entry.hours = close.hours
    if not work.remote:
        entry.out_lat, entry.out_lon = (point.lat, point.lon) if point else (None, None)
        entry.out_accuracy_m = point.accuracy_m if point else None
    entry.out_distance_m, entry.out_verdict = close.distance, close.verdict
    if note:
        entry.description = note[: hours_rules.MAX_DESCRIPTION]
    entry.flagged, entry.flag_reason = close.flag_reason is not None, close.flag_reason
    entry.status = EntryStatus.APPROVED if close.approved else EntryStatus.PENDING
    cancel_reminders(ctx, entry.id)
    audit(ctx, "clock:out", entry, close.verdict)
    return Clocked(entry.id, "out", close.verdict, close.distance, ctx.now, entry.hours)


@dataclass(frozen=True)
class _Closing:
    """What clocking out an open entry now makes of it (computed, not yet written)."""

    hours: Decimal
    verdict: Verdict
    distance: float | None
    flag_reason: str | None
    approved: bool


def _closing(
    work: Work, entry: TimeEntry, started_at: datetime, point: Point | None, now: datetime
) -> _Closing:
    verdict, distance, reason = _judge(work, point)
    hours = hours_rules.clocked_hours(started_at, now)
    reasons = [entry.flag_reason] if entry.flag_reason else []
    if reason:
        reasons.append(f"clock-out: {reason}")
    if hours_rules.over_cap(hours):
        reasons.append("over 12 hours")
    flag_reason = "; ".join(reasons)[:255] or None
    approved = entry.in_verdict == verdict == Verdict.VERIFIED and not reasons
    return _Closing(hours, verdict, distance, flag_reason, approved)


def cancel_reminders(ctx: Context, entry_id: int) -> None:
    jobs.cancel(ctx, NUDGE, entry_id)
    jobs.cancel(ctx, AUTOCLOSE, entry_id)


def audit(ctx: Context, action: str, entry: TimeEntry, verdict: str) -> None:
    _audit(ctx, action, entry.id, entry.placement_id, entry.flagged, verdict, trail.record)


def _audit(
    ctx: Context,
    action: str,
    entry_id: int,
    placement_id: int,
    flagged: bool,
    verdict: str,
    write: Callable[..., None],
) -> None:
    write(
        ctx.session,
        at=ctx.now,
        actor=ctx.actor,
        action=action,
        entity="time_entry",
        entity_id=entry_id,
        details={"placement": placement_id, "verdict": verdict, "flagged": flagged},
    )


# --- the receipt --------------------------------------------------------------------------
def _answer(
    ctx: Context, lang: str, work: Work, done: Clocked, close: _Closing | None = None
) -> Answer:
    text = receipt(ctx, lang, work, done, close)
    buttons = [[clock_out_button(ctx, work.student_id, lang)]] if done.action == "in" else []
    return Answer(text, Outbound(text, buttons=buttons), clocked=done, work=work)


def clock_out_button(ctx: Context, student_id: int, lang: str) -> Button:
    """The "Clock out" button (OUT by SMS)."""
    payload = payloads.sign(ctx.settings.secret_key, student_id, "wo")
    return Button(ctx.tr(lang)(T.CLOCK_OUT), payload, sms="OUT")


def receipt(
    ctx: Context, lang: str, work: Work, done: Clocked, close: _Closing | None = None
) -> str:
    """The clock-in or clock-out receipt (for out: the totals read now, plus `close`)."""
    _ = ctx.tr(lang)
    title = display.shorten(work.title)
    when = display.time_of_day(done.at, ctx.settings.tz, lang)
    if done.action == "in":
        msgid = T.IN_RECEIPTS.get(done.verdict, T.IN_RECEIPTS[Verdict.UNVERIFIED])
        return _(msgid, title=title, time=when, distance=display.distance(done.distance_m))
    approved = close is not None and close.approved
    after = (
        T.OUT_REMOTE
        if done.verdict == Verdict.REMOTE
        else T.OUT_COUNTED
        if approved
        else T.OUT_CONFIRM
    )
    hours = hours_rules.fmt(done.hours or Decimal(0), lang)
    now = hours_totals(ctx.session, work.placement_id)
    hours_now = close.hours if close else Decimal(0)
    now = replace(
        now,
        approved=now.approved + (hours_now if approved else 0),
        pending=now.pending + (0 if approved else hours_now),
    )
    totals = totals_line(_, now, work.est_hours, lang)
    return f"{_(T.OUT_DONE, title=title, time=when, hours=hours)} {_(after)} {totals}"

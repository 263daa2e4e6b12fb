"""Clocking in and out: the student's placements, shifts, check-in links, auto-close.

Locations are stored only on the clock event itself (point, accuracy, distance, verdict
on the TimeEntry's in_*/out_* columns) and never logged.

Statuses handed to the supervisor side: a shift verified at both ends is `approved`;
one outside the site, without a location, over 12 h or auto-closed is `pending` and
flagged; a remote shift is `pending` (verdict `remote`) until the supervisor approves.

Timing (settings.policy): a shift is expected to last `rules.hours.expected_shift_hours`
(remaining estimate, 1-4 h). `shift.nudge` comes `shift_nudge_grace_h` after that
expected end and asks for OUT; `shift.autoclose` comes `shift_autoclose_h` after it,
closes the shift counting hours up to the expected end (not the close time), flags it
and alerts the coordinator. Clocking out cancels both.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import bindparam, select

from bot import jobs, kinds
from bot.context import Context
from bot.errors import WBLError
from bot.i18n import N_
from bot.messages import Outbound
from bot.rules import geofence
from bot.rules import hours as hours_rules
from bot.rules.placement import OPEN_STATUSES
from bot.services import hours_log, paperwork
from db import trail
from db.models import CheckinToken, Opportunity, Placement, Site, TimeEntry

NUDGE = "shift.nudge"
AUTOCLOSE = "shift.autoclose"
TOKEN_TTL = timedelta(minutes=15)
NOT_OPEN = N_("You have no open shift right now. Reply IN when you start work.")


@dataclass(frozen=True)
class Work:
    """A placement as the student's commands see it."""

    placement_id: int
    student_id: int
    status: str
    starts_on: date
    due_on: date
    title: str
    remote: bool
    fence: geofence.Fence | None
    est_hours: Decimal
    agreed: bool


@dataclass(frozen=True)
class Point:
    """One location fix from the chat or the browser."""

    lat: float
    lon: float
    accuracy_m: float | None = None


@dataclass(frozen=True)
class Shift:
    """The student's open shift."""

    id: int
    placement_id: int
    started_at: datetime


@dataclass(frozen=True)
class Clocked:
    """What a clock event recorded."""

    entry_id: int
    action: str  # in|out
    verdict: str  # verified|outside|unverified|remote
    distance_m: float | None
    at: datetime
    hours: Decimal | None = None


_WORK = (
    select(
        Placement.id, Placement.student_id, Placement.status, Placement.starts_on,
        Placement.due_on, Opportunity.title, Opportunity.remote, Site.id, Site.lat, Site.lon,
        Site.radius_m, Opportunity.est_hours, Placement.agreement_ack_at, Opportunity.kind,
    )
    .join(Opportunity, Opportunity.id == Placement.opportunity_id)
    .outerjoin(Site, Site.id == Opportunity.site_id)
)  # fmt: skip
_OPEN_WORK = _WORK.where(
    Placement.student_id == bindparam("student"), Placement.status.in_(OPEN_STATUSES)
).order_by(Placement.id.desc())
_ONE_WORK = _WORK.where(Placement.id == bindparam("placement"))


def _work(row: Any) -> Work:
    (pid, student_id, status, starts, due, title, remote, site_id, lat, lon, radius) = row[:11]
    hours, ack, kind = row[11:]
    remote = kinds.get(kind).proof(bool(remote), site_id is not None) is not kinds.Proof.GEOFENCE
    return Work(
        pid,
        student_id,
        status,
        starts,
        due,
        title,
        remote,
        None if remote else geofence.Fence(lat, lon, radius),
        Decimal(hours),
        ack is not None,
    )


def open_work(ctx: Context, student_id: int) -> list[Work]:
    """The student's open placements (paperwork, ready, paused), newest first."""
    rows = ctx.session.execute(_OPEN_WORK, {"student": student_id}).all()
    return [_work(row) for row in rows]


def get_work(ctx: Context, placement_id: int) -> Work | None:
    row = ctx.session.execute(_ONE_WORK, {"placement": placement_id}).first()
    return _work(row) if row else None


def agree(ctx: Context, placement_id: int, lang: str) -> tuple[list[Outbound], list[str]]:
    """Record the student's OK to the training agreement; (messages, still missing)."""
    placement = ctx.session.get(Placement, placement_id)
    if placement is None:
        return [], []
    if placement.agreement_ack_at is None:
        placement.agreement_ack_at = ctx.now
        trail.record(
            ctx.session,
            at=ctx.now,
            actor=ctx.actor,
            action="placement:agreement_ack",
            entity="placement",
            entity_id=placement.id,
        )
    title = get_work(ctx, placement_id).title  # type: ignore[union-attr]
    messages = paperwork.refresh(ctx, placement, title, lang)
    return messages, paperwork.missing(ctx, placement)


def open_shift(ctx: Context, student_id: int) -> Shift | None:
    """The student's open shift, if any (at most one: callers hold the person's lock)."""
    row = ctx.session.execute(_OPEN_SHIFT, {"student": student_id}).first()
    if row is None:
        return None
    entry_id, placement_id, started_at = row
    return Shift(entry_id, placement_id, started_at) if started_at is not None else None


_OPEN_SHIFT = (
    select(TimeEntry.id, TimeEntry.placement_id, TimeEntry.started_at)
    .where(
        TimeEntry.student_id == bindparam("student"),
        TimeEntry.kind == "shift",
        TimeEntry.status == "open",
    )
    .order_by(TimeEntry.id.desc())
    .limit(1)
)


def _judge(work: Work, point: Point | None) -> tuple[str, float | None, str | None]:
    """(verdict, distance, flag reason) for a clock event."""
    if work.remote or work.fence is None:
        return "remote", None, None
    if point is None:
        return "unverified", None, "no location"
    found = geofence.assess(work.fence, point.lat, point.lon, point.accuracy_m)
    if found.verdict == "verified":
        return "verified", found.distance_m, None
    reason = "imprecise location" if found.reason == "imprecise" else "outside the site"
    return found.verdict, found.distance_m, reason


def clock_in(ctx: Context, work: Work, point: Point | None, *, checked: bool = False) -> Clocked:
    """Open a shift (the caller checked that it may start) and schedule nudge/auto-close.

    checked: the caller has just found no open shift, holding the person's lock.
    """
    if not checked and open_shift(ctx, work.student_id) is not None:
        raise WBLError(N_("You're already clocked in. Reply OUT when you finish."))
    verdict, distance, reason = _judge(work, point)
    entry = TimeEntry(
        placement_id=work.placement_id,
        student_id=work.student_id,
        kind="shift",
        status="open",
        started_at=ctx.now,
        in_lat=point.lat if point and not work.remote else None,
        in_lon=point.lon if point and not work.remote else None,
        in_accuracy_m=point.accuracy_m if point and not work.remote else None,
        in_distance_m=distance,
        in_verdict=verdict,
        flagged=reason is not None,
        flag_reason=f"clock-in: {reason}" if reason else None,
        auto_closed=False,
        created_at=ctx.now,
    )
    ctx.session.add(entry)
    ctx.session.flush()
    _audit(ctx, "shift:in", entry, verdict)
    done = hours_log.hours_totals(ctx.session, work.placement_id).counted
    expected = hours_rules.expected_shift_hours(work.est_hours, done)
    end = ctx.now + timedelta(hours=float(expected))
    s = ctx.settings.policy
    payload = {"end": end.isoformat()}
    for kind, after in ((NUDGE, s.shift_nudge_grace_h), (AUTOCLOSE, s.shift_autoclose_h)):
        jobs.schedule(
            ctx,
            kind,
            subject_id=entry.id,
            due_at=end + timedelta(hours=after),
            person_id=work.student_id,
            payload=payload,
        )
    return Clocked(entry.id, "in", verdict, distance, ctx.now)


def clock_out(
    ctx: Context, work: Work, shift: Shift, point: Point | None, note: str | None = None
) -> Clocked:
    """Close the open shift with its hours; cancel its nudge and auto-close."""
    entry = ctx.session.get(TimeEntry, shift.id)
    if entry is None or entry.status != "open":
        raise WBLError(NOT_OPEN)
    verdict, distance, reason = _judge(work, point)
    entry.ended_at = ctx.now
    entry.hours = hours_rules.shift_hours(shift.started_at, ctx.now)
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
    both_verified = entry.in_verdict == "verified" and verdict == "verified"
    entry.status = "approved" if both_verified and not entry.flagged else "pending"
    _cancel(ctx, entry.id)
    _audit(ctx, "shift:out", entry, verdict)
    return Clocked(entry.id, "out", verdict, distance, ctx.now, entry.hours)


def auto_close(ctx: Context, entry_id: int, expected_end: datetime | None) -> Clocked | None:
    """Close a forgotten shift at its expected end, flagged; None when it is not open."""
    entry = ctx.session.get(TimeEntry, entry_id)
    if entry is None or entry.status != "open" or entry.started_at is None:
        return None
    end = expected_end or entry.started_at + timedelta(hours=float(hours_rules.DEFAULT_SHIFT_H))
    end = min(max(end, entry.started_at), ctx.now)
    entry.ended_at = end
    entry.hours = hours_rules.shift_hours(entry.started_at, end)
    entry.status, entry.flagged, entry.auto_closed = "pending", True, True
    reasons = [r for r in (entry.flag_reason, "auto-closed: no clock-out") if r]
    entry.flag_reason = "; ".join(reasons)[:255]
    _cancel(ctx, entry.id)
    _audit(ctx, "shift:auto_closed", entry, entry.in_verdict or "")
    return Clocked(entry.id, "out", "auto", None, end, entry.hours)


def entry_is_open(ctx: Context, entry_id: int) -> Shift | None:
    entry = ctx.session.get(TimeEntry, entry_id)
    if entry is None or entry.status != "open" or entry.started_at is None:
        return None
    return Shift(entry.id, entry.placement_id, entry.started_at)


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


# --- one-time check-in links for SMS ---------------------------------------------------
def token_hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def issue_link(ctx: Context, work: Work, action: str) -> str:
    """A one-time, 15-minute link to clock `action` (in|out) from the phone's browser."""
    raw = secrets.token_urlsafe(12)
    ctx.session.add(
        CheckinToken(
            token_sha256=token_hash(raw),
            person_id=work.student_id,
            placement_id=work.placement_id,
            action=action,
            expires_at=ctx.now + TOKEN_TTL,
            created_at=ctx.now,
        )
    )
    return f"{ctx.settings.public_base_url.rstrip('/')}/checkin/{raw}"


def find_token(ctx: Context, raw: str) -> tuple[CheckinToken | None, str]:
    """(row, state) where state is ok|unknown|expired|used."""
    if not raw or len(raw) > 64:
        return None, "unknown"
    row = ctx.session.scalar(
        select(CheckinToken).where(CheckinToken.token_sha256 == token_hash(raw))
    )
    if row is None:
        return None, "unknown"
    if row.used_at is not None:
        return row, "used"
    if row.expires_at <= ctx.now:
        return row, "expired"
    return row, "ok"


def use_token(ctx: Context, row: CheckinToken, outcome: str) -> None:
    """Spend a link (single use) and note how it was used."""
    row.used_at = ctx.now
    row.note = outcome[:64]

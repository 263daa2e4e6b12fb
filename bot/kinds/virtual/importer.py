"""`sessions.csv`: session_id, opportunity_id, kind, starts, minutes, join_url.

Upserts by `session_id`. `starts` is ISO with an offset, or local to the mentor's zone
(`supervisors.csv` `timezone`, else `DISTRICT_TZ`) without one; `minutes` 0 cancels a
session. Rows are stored in UTC and left `new` (or `moved`): the next worker pass
(`service.plan_imported`) invites the interns and plans reminders, in their zones.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot import zones
from bot.clock import parse_local
from bot.importers.csvio import read_table
from bot.importers.report import ImportReport
from bot.kinds.virtual import KIND, rules
from bot.statuses import SessionStatus
from db.models import MentorSession, Opportunity, Supervisor

FILE = "sessions.csv"
REQUIRED = ("session_id", "opportunity_id", "kind", "starts")
OPTIONAL = ("minutes", "join_url")


class BadRow(ValueError):
    def __init__(self, column: str, reason: str) -> None:
        super().__init__(reason)
        self.column = column


def import_sessions(
    session: Session,
    folder: Path,
    report: ImportReport,
    now: datetime,
    shift_days: int,
    tz: ZoneInfo,
) -> None:
    table = read_table(folder, FILE, REQUIRED, report, optional=OPTIONAL)
    if table is None:
        return
    opps = {
        ext: (oid, tz)
        for ext, oid, tz in session.execute(
            select(Opportunity.external_id, Opportunity.id, Supervisor.timezone)
            .outerjoin(Supervisor, Supervisor.person_id == Opportunity.supervisor_id)
            .where(Opportunity.kind == KIND.code)
        )
    }
    stored = {
        r.code: r
        for r in session.scalars(select(MentorSession).where(MentorSession.code.is_not(None)))
    }
    for row in table:
        try:
            opp = opps.get(row.get("opportunity_id"))
            if opp is None:
                raise BadRow("opportunity_id", "no opportunity of this kind has that id")
            values = _values(row.get, zones.zone(opp[1], tz), shift_days)
        except BadRow as err:
            report.error(FILE, row.line, err.column, str(err))
            continue
        code = row.get("session_id")[:64]
        if not code:
            report.error(FILE, row.line, "session_id", "blank session_id")
            continue
        _upsert(session, stored, code, opp[0], values, report, now)


def _values(get, tz, shift_days: int) -> dict:  # noqa: ANN001
    kind = get("kind").lower()
    if kind not in rules.SESSION_KINDS:
        raise BadRow("kind", f"{kind[:20]!r} is not one of {', '.join(rules.SESSION_KINDS)}")
    try:
        starts = parse_local(get("starts"), tz)
    except ValueError:
        raise BadRow("starts", "not a date and time such as 2026-12-03T16:00") from None
    minutes_raw = get("minutes") or str(rules.DEFAULT_MINUTES)
    if not minutes_raw.isdigit() or int(minutes_raw) > 480:
        raise BadRow("minutes", "minutes must be a whole number from 0 to 480")
    link = get("join_url")
    if link and not rules.is_link(link):
        raise BadRow("join_url", "join_url must be an https:// link")
    starts = starts.astimezone(zones.zone("UTC", tz)) + timedelta(days=shift_days)
    return {"kind": kind, "starts_at": starts, "minutes": int(minutes_raw), "join_url": link}


def _upsert(session, stored, code, opp_id, values, report, now) -> None:  # noqa: ANN001
    row = stored.get(code)
    cancel = values["minutes"] == 0
    if row is None:
        if cancel:
            report.count("sessions", "unchanged")
            return
        row = MentorSession(
            code=code, opportunity_id=opp_id, status=SessionStatus.NEW, created_at=now, **values
        )
        session.add(row)
        stored[code] = row
        report.count("sessions", "created")
        return
    if cancel:
        changed = row.status != SessionStatus.CANCELLED
        row.status = (
            SessionStatus.CANCEL
            if changed and row.status == SessionStatus.SCHEDULED
            else SessionStatus.CANCELLED
        )
        report.count("sessions", "cancelled" if changed else "unchanged")
        return
    moved = row.starts_at != values["starts_at"] or row.minutes != values["minutes"]
    same = not moved and row.kind == values["kind"] and row.join_url == values["join_url"]
    if same:
        report.count("sessions", "unchanged")
        return
    for key, value in values.items():
        setattr(row, key, value)
    if moved and row.status == SessionStatus.SCHEDULED:
        row.status = SessionStatus.MOVED
    report.count("sessions", "updated")

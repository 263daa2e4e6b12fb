"""The personal calendar feed (`/calendar/<token>.ics`, public by capability: the token is
an HMAC of the person's id) and the coordinators' pages: upcoming sessions per partner,
and per intern attendance, pulse trend and risk."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime, timedelta
from typing import Any

from flask import Blueprint, Response, abort
from icalendar import Calendar, Event
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.dashboard.access import PUBLIC
from bot.dashboard.auth import guard
from bot.kinds.virtual import KIND, rules, service
from bot.kinds.virtual.service import pulse
from bot.settings import Settings
from bot.statuses import EntryStatus, PlacementStatus, SessionStatus
from bot.web import runtime_of_app
from db.models import (
    Employer,
    MentorSession,
    Opportunity,
    Person,
    Placement,
    SessionInvite,
    Student,
    TimeEntry,
)

bp = Blueprint("sessions_feed", __name__)
bp.before_request(guard)
RULES = {"sessions_feed.calendar": PUBLIC}
QUIET_DAYS = 10


def feed(session: Session, settings: Settings, person_id: int, now: datetime) -> bytes:
    """An iCalendar (RFC 5545) document of the person's scheduled sessions, in UTC."""
    cal = Calendar()
    cal.add("prodid", f"-//{settings.program_name}//mentor sessions//EN")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", f"{settings.program_name}: sessions")
    host = settings.public_base_url.split("//")[-1].split("/")[0] or "wbl"
    for row in service.sessions_of(session, person_id):
        event = Event()
        event.add("uid", f"session-{row.id}@{host}")
        event.add("dtstamp", now.astimezone(UTC))
        event.add("dtstart", row.starts_at.astimezone(UTC))
        event.add("dtend", (row.starts_at + timedelta(minutes=row.minutes)).astimezone(UTC))
        event.add("summary", f"{service.title(session, row)} ({row.kind})")
        if row.join_url:
            event.add("url", row.join_url)
            event.add("location", row.join_url)
        cal.add_component(event)
    return cal.to_ical()  # type: ignore[no-any-return]


@bp.get("/calendar/<token>.ics")
def calendar(token: str) -> Any:
    rt = runtime_of_app()
    person_id = rules.feed_person(rt.settings.secret_key, token)
    if person_id is None:
        abort(404)
    with rt.database.transaction() as s:
        if s.get(Person, person_id) is None:
            abort(404)
        body = feed(s, rt.settings, person_id, rt.clock.now())
    return Response(body, mimetype="text/calendar")


# --- coordinators' pages (Kind.dashboard_sections) ---------------------------------------------


def _district() -> Any:
    return runtime_of_app().settings.tz


def sessions_view(session: Session, today: date, staff_id: int | None) -> Mapping[str, Any]:
    """Upcoming sessions per partner, district time, with who is invited and attended."""
    tz = _district()
    start = datetime.combine(today, datetime.min.time(), tzinfo=tz) - timedelta(days=7)
    rows = session.execute(
        select(MentorSession, Opportunity.title, Employer.name)
        .join(Opportunity, Opportunity.id == MentorSession.opportunity_id)
        .join(Employer, Employer.id == Opportunity.employer_id)
        .where(MentorSession.status == SessionStatus.SCHEDULED, MentorSession.starts_at >= start)
        .order_by(Employer.name, MentorSession.starts_at)
    ).all()
    out = []
    for row, title, partner in rows:
        interns = service.invited(session, row.id)
        if staff_id is not None and not _any_mine(
            session, [i.student_id for i in interns], staff_id
        ):
            continue
        attended = sum(1 for i in interns if i.attended)
        marked = row.attendance_done_at is not None
        out.append(
            (
                partner, title, row.kind, row.starts_at.astimezone(tz).strftime("%Y-%m-%d %H:%M"),
                row.minutes, len(interns), attended if marked else "—",
            )
        )  # fmt: skip
    columns = ("Partner", "Opportunity", "Kind", "Starts (district time)", "Minutes", "Invited",
               "Attended")  # fmt: skip
    return {"columns": columns, "rows": out}


def _any_mine(session: Session, student_ids: list[int], staff_id: int) -> bool:
    return bool(
        student_ids
        and session.scalar(
            select(func.count())
            .select_from(Student)
            .where(Student.person_id.in_(student_ids), Student.coordinator_id == staff_id)
        )
    )


def interns_view(session: Session, today: date, staff_id: int | None) -> Mapping[str, Any]:
    """Each intern: sessions attended and missed, pulse trend, last hours, at risk."""
    query = (
        select(Placement, Person, Opportunity.title)
        .join(Person, Person.id == Placement.student_id)
        .join(Opportunity, Opportunity.id == Placement.opportunity_id)
        .join(Student, Student.person_id == Placement.student_id)
        .where(Opportunity.kind == KIND.code, Placement.status == PlacementStatus.READY)
        .order_by(Person.family_name, Person.given_name)
    )
    if staff_id is not None:
        query = query.where(Student.coordinator_id == staff_id)
    out = []
    for placement, person, title in session.execute(query).all():
        marks = list(
            session.scalars(
                select(SessionInvite.attended).where(
                    SessionInvite.placement_id == placement.id,
                    SessionInvite.attended.is_not(None),
                )
            )
        )
        missed = sum(1 for a in marks if not a)
        trend = pulse.trend(session, placement.id)
        last = session.scalar(
            select(func.max(TimeEntry.ended_at)).where(
                TimeEntry.placement_id == placement.id, TimeEntry.status != EntryStatus.REJECTED
            )
        )
        risks = []
        if missed:
            risks.append(f"missed {missed}")
        if any(s is not None and s <= 2 for s in trend[-2:]):
            risks.append("low pulse")
        if last is None or last.date() < today - timedelta(days=QUIET_DAYS):
            risks.append(f"no hours in {QUIET_DAYS} days")
        out.append(
            (
                f"{person.given_name} {person.family_name}".strip(), title,
                sum(1 for a in marks if a), missed,
                " → ".join("–" if s is None else str(s) for s in trend) or "—",
                last.date().isoformat() if last else "—", ", ".join(risks) or "ok",
            )
        )  # fmt: skip
    columns = ("Intern", "Opportunity", "Attended", "Missed", "Pulse (oldest → newest)",
               "Last hours", "At risk")  # fmt: skip
    return {"columns": columns, "rows": out}

"""Verified hours for reporting: the state CTE / Perkins WBL hours report (one row per
placement with verified hours in a date range), hours by ISO week, placements by kind
and status.

Verified hours are approved time entries (DESIGN "Done, verified, rated"); an entry's
day is when the work started (clock in), or when it was logged, in the district's zone.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.statuses import EntryStatus
from db.models import Employer, Opportunity, Org, Person, Placement, Student, TimeEntry

HOURS_COLUMNS = (
    "student_sourced_id",
    "school_sourced_id",
    "grade",
    "opportunity_id",
    "kind",
    "employer",
    "career_cluster",
    "hours_verified",
    "first_date",
    "last_date",
    "status",
)


def _worked_at() -> Any:
    return func.coalesce(
        TimeEntry.started_at, TimeEntry.created_at, type_=TimeEntry.started_at.type
    )


def iso_week(day: date) -> str:
    """`2026-W49`: the ISO year and week of a day."""
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def _bounds(tz: ZoneInfo, start: date | None, end: date | None) -> list[Any]:
    """WHERE clauses for local days `start`..`end` inclusive."""
    found = [TimeEntry.status == EntryStatus.APPROVED, TimeEntry.hours > 0]
    if start is not None:
        found.append(_worked_at() >= datetime.combine(start, time(0), tzinfo=tz))
    if end is not None:
        found.append(_worked_at() < datetime.combine(end + timedelta(days=1), time(0), tzinfo=tz))
    return found


def hours_rows(
    session: Session, tz: ZoneInfo, start: date | None = None, end: date | None = None
) -> Iterator[list[Any]]:
    """The hours report's rows (HOURS_COLUMNS), by student then opportunity."""
    per = (
        select(
            TimeEntry.placement_id.label("pid"),
            func.sum(TimeEntry.hours).label("hours"),
            func.min(_worked_at()).label("first"),
            func.max(_worked_at()).label("last"),
        )
        .where(*_bounds(tz, start, end))
        .group_by(TimeEntry.placement_id)
        .subquery()
    )
    stmt = (
        select(
            Person.sourced_id, Org.sourced_id, Student.grade, Opportunity.external_id,
            Opportunity.kind, Employer.name, Opportunity.career_cluster,
            per.c.hours, per.c.first, per.c.last, Placement.status,
        )
        .select_from(per)
        .join(Placement, Placement.id == per.c.pid)
        .join(Person, Person.id == Placement.student_id)
        .join(Student, Student.person_id == Placement.student_id)
        .join(Org, Org.id == Student.school_id)
        .join(Opportunity, Opportunity.id == Placement.opportunity_id)
        .join(Employer, Employer.id == Opportunity.employer_id)
        .order_by(Person.sourced_id, Opportunity.external_id, Placement.id)
    )  # fmt: skip
    for row in session.connection().execute(stmt):
        *head, hours, first, last, status = row
        yield [*head, Decimal(hours), _day(first, tz), _day(last, tz), str(status)]


def _day(at: Any, tz: ZoneInfo) -> date:
    """A stored instant as the district's date (SQLite hands back naive UTC from aggregates)."""
    if isinstance(at, str):
        at = datetime.fromisoformat(at)
    if at.tzinfo is None:
        at = at.replace(tzinfo=ZoneInfo("UTC"))
    return at.astimezone(tz).date()


@dataclass(frozen=True)
class Week:
    week: str
    hours: Decimal
    students: int


def hours_by_week(session: Session, tz: ZoneInfo, start: date, end: date) -> list[Week]:
    """Verified hours and how many students earned them, per ISO week from `start` to `end`
    (every week in the range, empty ones too)."""
    if session.get_bind().dialect.name == "postgresql":
        found = _weeks_in_sql(session, tz, start, end)
    else:
        found = _weeks_in_python(session, tz, start, end)
    weeks, day = [], start - timedelta(days=start.weekday())
    while day <= end:
        key = iso_week(day)
        hours, people = found.get(key, (Decimal(0), 0))
        weeks.append(Week(key, hours, people))
        day += timedelta(days=7)
    return weeks


def _weeks_in_sql(
    session: Session, tz: ZoneInfo, start: date, end: date
) -> dict[str, tuple[Decimal, int]]:
    """PostgreSQL groups by the ISO week of the district's local time itself."""
    week = func.to_char(func.timezone(tz.key, _worked_at()), 'IYYY-"W"IW')
    stmt = (
        select(week, func.sum(TimeEntry.hours), func.count(func.distinct(TimeEntry.student_id)))
        .where(*_bounds(tz, start, end))
        .group_by(week)
    )
    return {w: (Decimal(h), n) for w, h, n in session.execute(stmt)}


def _weeks_in_python(
    session: Session, tz: ZoneInfo, start: date, end: date
) -> dict[str, tuple[Decimal, int]]:
    """SQLite (a small district): each entry's local week worked out here."""
    hours: dict[str, Decimal] = defaultdict(Decimal)
    people: dict[str, set[int]] = defaultdict(set)
    stmt = select(_worked_at(), TimeEntry.hours, TimeEntry.student_id)
    for at, h, student in session.connection().execute(stmt.where(*_bounds(tz, start, end))):
        week = iso_week(_day(at, tz))
        hours[week] += Decimal(h)
        people[week].add(student)
    return {w: (hours[w], len(people[w])) for w in hours}


def placements_by_kind(session: Session) -> dict[str, dict[str, int]]:
    """kind code -> placement status -> count, for the whole district."""
    found: dict[str, dict[str, int]] = defaultdict(dict)
    stmt = (
        select(Opportunity.kind, Placement.status, func.count())
        .join(Opportunity, Opportunity.id == Placement.opportunity_id)
        .group_by(Opportunity.kind, Placement.status)
    )
    for kind, status, n in session.execute(stmt):
        found[kind][str(status)] = n
    return dict(found)

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

from sqlalchemy import String, case, func, select, type_coerce
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
            per.c.hours, per.c.first, per.c.last,
            type_coerce(Placement.status, String),  # the plain text: no enum per row
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
        yield [*head, Decimal(hours), _day(first, tz), _day(last, tz), status]


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
    """Verified hours and how many students earned them, per ISO week from `start`'s week
    to `end`'s (every week, empty ones too).

    The database buckets each entry by comparing it with the weeks' first instants (local
    Monday midnights, so a DST change is no trouble), on SQLite and PostgreSQL alike."""
    monday = start - timedelta(days=start.weekday())
    days = [monday + timedelta(weeks=i) for i in range((end - monday).days // 7 + 2)]
    edges = [datetime.combine(d, time(0), tzinfo=tz) for d in days]
    worked = _worked_at()
    bucket = case(*((worked < edge, i) for i, edge in enumerate(edges[1:])), else_=-1)
    stmt = (
        select(bucket, func.sum(TimeEntry.hours), func.count(func.distinct(TimeEntry.student_id)))
        .where(*_bounds(tz, monday, days[-1] - timedelta(days=1)))
        .group_by(bucket)
    )
    found = {i: (Decimal(h), n) for i, h, n in session.execute(stmt)}
    return [Week(iso_week(day), *found.get(i, (Decimal(0), 0))) for i, day in enumerate(days[:-1])]


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

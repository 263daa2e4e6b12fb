"""What the equity view shows, gathered from the services in one read transaction.

District aggregates (coverage, hours by week, placements by kind and status,
reachability) are the same for every coordinator; the list of seniors and juniors
with no experience is the viewer's caseload (`coordinator_id`; None for the district).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot import kinds
from bot.i18n import translate
from bot.services import coverage as cov
from bot.services import reach_counts
from bot.services.hours_report import Week, hours_by_week, placements_by_kind
from bot.statuses import PlacementStatus
from db.models import Org, Person, Student

WEEKS = 12
LIST_LIMIT = 100
CLASSES = {"12": "seniors", "11": "juniors"}


@dataclass(frozen=True)
class Section:
    """Coverage by one field, ready to draw."""

    field: str
    groups: list[cov.Group]
    gaps: set[str]


@dataclass(frozen=True)
class Missing:
    """Students of one grade with no experience, in the viewer's scope."""

    grade: str
    name: str  # seniors|juniors
    count: int
    rows: list[Any]


def coverage_sections(session: Session) -> tuple[cov.Group, list[Section]]:
    """The district rate and one section per field, gaps against the district rate."""
    found = cov.all_coverage(session)
    district = cov.overall(found["school"])
    return district, [Section(f, g, cov.gaps(g, district)) for f, g in found.items()]


def missing(
    session: Session, coordinator_id: int | None, arranged: reach_counts.Seats
) -> list[Missing]:
    """Seniors and juniors with no experience (first LIST_LIMIT of each) and their reach."""
    done = cov.experienced()
    lists = []
    for grade, name in CLASSES.items():
        base = (
            select(Person.id)
            .join(Student, Student.person_id == Person.id)
            .outerjoin(done, done.c.student_id == Person.id)
            .where(
                Person.active.is_(True),
                Person.kind == "student",
                Student.grade == grade,
                done.c.student_id.is_(None),
            )
        )
        if coordinator_id is not None:
            base = base.where(Student.coordinator_id == coordinator_id)
        count = session.scalar(select(func.count()).select_from(base.subquery())) or 0
        rows = list(
            session.execute(
                select(
                    Person.id, Person.given_name, Person.family_name, Org.sourced_id,
                    Student.transportation, Person.language,
                )
                .join(Student, Student.person_id == Person.id)
                .join(Org, Org.id == Student.school_id)
                .where(Person.id.in_(base.order_by(Person.id).limit(LIST_LIMIT)))
                .order_by(Person.family_name, Person.given_name, Person.id)
            )
        )  # fmt: skip
        lists.append(Missing(grade, name, count, rows))
    ids = [r.id for m in lists for r in m.rows]
    reach = reach_counts.for_students(session, ids, arranged) if ids else {}
    return [
        Missing(m.grade, m.name, m.count, [(r, reach.get(r.id, 0)) for r in m.rows]) for m in lists
    ]


def weeks(session: Session, today: date, tz: Any) -> list[Week]:
    return hours_by_week(session, tz, today - timedelta(weeks=WEEKS - 1), today)


def kind_table(session: Session) -> tuple[list[str], list[tuple[str, list[int], int]]]:
    """Statuses (columns) and one row per kind: label, counts by status, total."""
    by_kind = placements_by_kind(session)
    statuses = [str(s) for s in PlacementStatus]
    rows = []
    for code in [*kinds.codes(), *sorted(set(by_kind) - set(kinds.codes()))]:
        counts = [by_kind.get(code, {}).get(s, 0) for s in statuses]
        rows.append((kind_label(code), counts, sum(counts)))
    return statuses, rows


def kind_label(code: str) -> str:
    """How the dashboard names a kind (its code when no registered kind has it)."""
    return translate("en", kinds.get(code).label) if code in kinds.codes() else code

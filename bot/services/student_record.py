"""A student's WBL record, fit to attach to a transcript or portfolio: placements,
verified hours by kind, soft-skill ratings, deliverables and the consent on file; and
the same for a whole district (or caseload) as one CSV row per placement.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.statuses import DeliverableStatus, EntryStatus, RatingStatus
from db.models import (
    ConsentRecord,
    Deliverable,
    Employer,
    Opportunity,
    Org,
    Person,
    Placement,
    Rating,
    RatingRequest,
    Student,
    TimeEntry,
)

RECORD_COLUMNS = (
    "student_sourced_id",
    "given_name",
    "family_name",
    "school_sourced_id",
    "grade",
    "opportunity_id",
    "title",
    "kind",
    "employer",
    "status",
    "starts_on",
    "due_on",
    "hours_verified",
    "rating_mean",
    "deliverables_accepted",
    "consent",
)


@dataclass(frozen=True)
class PlacementLine:
    id: int
    opportunity_id: str
    title: str
    kind: str
    employer: str
    status: str
    starts_on: date
    due_on: date
    est_hours: Decimal
    hours: Decimal
    consent: str


@dataclass
class StudentRecord:
    person: Person
    school: str
    school_sourced_id: str
    grade: str | None
    placements: list[PlacementLine] = field(default_factory=list)
    hours_by_kind: dict[str, Decimal] = field(default_factory=dict)
    ratings: dict[str, float] = field(default_factory=dict)
    deliverables: list[Any] = field(default_factory=list)

    @property
    def total_hours(self) -> Decimal:
        return sum(self.hours_by_kind.values(), Decimal(0))


def _hours(session: Session, placement_ids: list[int]) -> dict[int, Decimal]:
    stmt = (
        select(TimeEntry.placement_id, func.sum(TimeEntry.hours))
        .where(TimeEntry.placement_id.in_(placement_ids), TimeEntry.status == EntryStatus.APPROVED)
        .group_by(TimeEntry.placement_id)
    )
    return {pid: Decimal(h or 0) for pid, h in session.execute(stmt)}


def _consents(session: Session, placement_ids: list[int]) -> dict[int, str]:
    """The newest consent act per placement, as `grant 2026-12-01 (sms)`."""
    stmt = (
        select(
            ConsentRecord.placement_id,
            ConsentRecord.action,
            ConsentRecord.recorded_at,
            ConsentRecord.channel,
        )
        .where(ConsentRecord.placement_id.in_(placement_ids))
        .order_by(ConsentRecord.id)
    )
    found: dict[int, str] = {}
    for pid, action, at, channel in session.execute(stmt):
        if str(action) != "request_sent" or pid not in found:
            found[pid] = f"{action} {at.date().isoformat()} ({channel})"
    return found


def _ratings(session: Session, placement_ids: list[int], per_placement: bool) -> dict[Any, float]:
    """Mean score over finished rounds: per skill, or per placement."""
    key = Rating.placement_id if per_placement else Rating.skill
    stmt = (
        select(key, func.avg(Rating.score))
        .join(RatingRequest, RatingRequest.id == Rating.request_id)
        .where(Rating.placement_id.in_(placement_ids), RatingRequest.status == RatingStatus.DONE)
        .group_by(key)
        .order_by(key)
    )
    return {k: round(float(mean), 2) for k, mean in session.execute(stmt)}


def _placements(session: Session, where: Any, limit: int | None = None) -> list[Any]:
    """Placements with their opportunity: by student and start, or by id when `limit`."""
    stmt = (
        select(
            Placement.id, Placement.student_id, Opportunity.external_id, Opportunity.title,
            Opportunity.kind, Employer.name, Placement.status, Placement.starts_on,
            Placement.due_on, Opportunity.est_hours,
        )
        .join(Opportunity, Opportunity.id == Placement.opportunity_id)
        .join(Employer, Employer.id == Opportunity.employer_id)
        .where(where)
        .order_by(
            *((Placement.id,) if limit else (Placement.student_id, Placement.starts_on, Placement.id))
        )
        .limit(limit)
    )  # fmt: skip
    return list(session.execute(stmt))


def student_record(session: Session, student_id: int) -> StudentRecord | None:
    """The record of one student (None when there is no such student)."""
    row = session.execute(
        select(Person, Org.name, Org.sourced_id, Student.grade)
        .join(Student, Student.person_id == Person.id)
        .join(Org, Org.id == Student.school_id)
        .where(Person.id == student_id)
    ).first()
    if row is None:
        return None
    found = StudentRecord(row[0], row[1], row[2], row[3])
    rows = _placements(session, Placement.student_id == student_id)
    ids = [r.id for r in rows]
    hours, consents = _hours(session, ids), _consents(session, ids)
    by_kind: dict[str, Decimal] = defaultdict(Decimal)
    for r in rows:
        line = PlacementLine(
            r.id, r.external_id, r.title, r.kind, r.name, str(r.status), r.starts_on,
            r.due_on, r.est_hours, hours.get(r.id, Decimal(0)), consents.get(r.id, ""),
        )  # fmt: skip
        found.placements.append(line)
        if line.hours:
            by_kind[line.kind] += line.hours
    found.hours_by_kind = dict(by_kind)
    found.ratings = _ratings(session, ids, per_placement=False)
    found.deliverables = list(
        session.execute(
            select(Deliverable.placement_id, Deliverable.status, Deliverable.submitted_at,
                   Deliverable.url, Deliverable.text)
            .where(Deliverable.placement_id.in_(ids))
            .order_by(Deliverable.submitted_at)
        )
    )  # fmt: skip
    return found


def district_rows(
    session: Session, coordinator_id: int | None, chunk: int = 2000
) -> Iterator[list[Any]]:
    """RECORD_COLUMNS rows, one per placement, for a caseload (None: the whole district)."""
    where: Any = Placement.id > 0
    if coordinator_id is not None:
        caseload = select(Student.person_id).where(Student.coordinator_id == coordinator_id)
        where = Placement.student_id.in_(caseload)
    people: dict[int, tuple[Any, ...]] = {}
    last = 0
    while True:
        rows = _placements(session, where & (Placement.id > last), chunk)
        if not rows:
            return
        last = rows[-1].id
        ids = [r.id for r in rows]
        hours, consents = _hours(session, ids), _consents(session, ids)
        means = _ratings(session, ids, per_placement=True)
        accepted = _accepted(session, ids)
        people.update(_people(session, {r.student_id for r in rows} - set(people)))
        for r in rows:
            yield [
                *people[r.student_id], r.external_id, r.title, r.kind, r.name, str(r.status),
                r.starts_on, r.due_on, hours.get(r.id, Decimal(0)), means.get(r.id),
                accepted.get(r.id, 0), consents.get(r.id, ""),
            ]  # fmt: skip


def _accepted(session: Session, ids: list[int]) -> dict[int, int]:
    stmt = (
        select(Deliverable.placement_id, func.count())
        .where(Deliverable.placement_id.in_(ids), Deliverable.status == DeliverableStatus.ACCEPTED)
        .group_by(Deliverable.placement_id)
    )
    return {pid: n for pid, n in session.execute(stmt)}


def _people(session: Session, ids: set[int]) -> dict[int, tuple[Any, ...]]:
    if not ids:
        return {}
    stmt = (
        select(Person.id, Person.sourced_id, Person.given_name, Person.family_name,
               Org.sourced_id, Student.grade)
        .join(Student, Student.person_id == Person.id)
        .join(Org, Org.id == Student.school_id)
        .where(Person.id.in_(list(ids)))
    )  # fmt: skip
    return {pid: tuple(rest) for pid, *rest in session.execute(stmt)}

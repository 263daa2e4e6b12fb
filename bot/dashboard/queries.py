"""Read-only queries behind the dashboard pages (bounded: a page never loads a district)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, aliased

from bot.statuses import ApplicationStatus, ConsentStatus, EntryStatus, OutboxStatus
from db.models import (
    Application,
    AuditEntry,
    ConsentRequest,
    Employer,
    GuardianLink,
    Opportunity,
    OutboxMessage,
    Person,
    Placement,
    Student,
    Supervisor,
    TimeEntry,
)

PAGE = 100


def matches(term: str, *columns: Any) -> Any:
    """Any of `columns` contains the search (`term`: a listing.like pattern)."""
    return or_(*(column.ilike(term, escape="\\") for column in columns))


def overview(session: Session, coordinator_id: int | None) -> dict[str, Any]:
    """Headline counts, for one caseload or the whole district."""

    def scoped(stmt: Any, student_col: Any) -> Any:
        if coordinator_id is None:
            return stmt
        return stmt.join(Student, Student.person_id == student_col).where(
            Student.coordinator_id == coordinator_id
        )

    placements = dict(
        session.execute(
            scoped(select(Placement.status, func.count()), Placement.student_id).group_by(
                Placement.status
            )
        ).all()
    )
    pending = session.scalar(
        scoped(
            select(func.count())
            .select_from(Application)
            .where(Application.status == ApplicationStatus.PENDING),
            Application.student_id,
        )
    )
    flags = session.scalar(
        scoped(
            select(func.count())
            .select_from(TimeEntry)
            .where(TimeEntry.flagged.is_(True), TimeEntry.status == EntryStatus.PENDING),
            TimeEntry.student_id,
        )
    )
    paper = session.scalar(
        scoped(
            select(func.count())
            .select_from(ConsentRequest)
            .join(Placement, Placement.id == ConsentRequest.placement_id)
            .where(ConsentRequest.status == ConsentStatus.PAPER_NEEDED),
            Placement.student_id,
        )
    )
    students = session.scalar(
        scoped(
            select(func.count())
            .select_from(Person)
            .where(Person.kind == "student", Person.active.is_(True)),
            Person.id,
        )
    )
    undelivered = session.scalar(
        select(func.count()).select_from(OutboxMessage).where(OutboxMessage.status.in_(UNDELIVERED))
    )
    return {
        "undelivered": undelivered or 0,
        "placements": placements,
        "pending_applications": pending or 0,
        "flags": flags or 0,
        "paper_consent": paper or 0,
        "students": students or 0,
    }


def applications_query(coordinator_id: int | None, term: str = "") -> Any:
    """Pending applications in scope, oldest first (`term`: a LIKE pattern over the
    student, the opportunity and the employer)."""
    student = aliased(Person)
    stmt = (
        select(
            Application.id,
            Application.opportunity_id,
            Application.created_at,
            student.given_name,
            student.family_name,
            Student.grade,
            Opportunity.title,
            Opportunity.external_id,
            Employer.name,
        )
        .join(student, student.id == Application.student_id)
        .join(Student, Student.person_id == student.id)
        .join(Opportunity, Opportunity.id == Application.opportunity_id)
        .join(Employer, Employer.id == Opportunity.employer_id)
        .where(Application.status == ApplicationStatus.PENDING)
        .order_by(Application.created_at, Application.id)
    )
    if coordinator_id is not None:
        stmt = stmt.where(Student.coordinator_id == coordinator_id)
    if term:
        stmt = stmt.where(
            matches(
                term,
                (student.given_name + " " + student.family_name),
                Opportunity.title,
                Employer.name,
            )
        )
    return stmt


def in_queue_order(session: Session, rows: list[Any]) -> list[Any]:
    """One page of applications by opportunity, each in its queue's order (first-timers first)."""
    positions = _queue_positions(session, rows)
    return sorted(rows, key=lambda r: (r.title, positions.get(r.id, 0)))


def _queue_positions(session: Session, rows: list[Any]) -> dict[int, int]:
    """Application id -> place in its opportunity's queue (first-timers first)."""
    from bot.services.placements import applications_queue

    positions: dict[int, int] = {}
    for opp in {r.opportunity_id for r in rows}:
        for i, app_row in enumerate(applications_queue(session, opp)):
            positions[app_row.id] = i
    return positions


def vetting_subjects(session: Session) -> tuple[list[Any], list[Any]]:
    """Employers and supervisors a coordinator can record checks for."""
    employers = list(
        session.execute(
            select(Employer.id, Employer.name, Employer.kind)
            .where(Employer.active.is_(True))
            .order_by(Employer.name)
            .limit(2 * PAGE)
        )
    )
    supervisors = list(
        session.execute(
            select(Person.id, Person.given_name, Person.family_name, Employer.name)
            .join(Supervisor, Supervisor.person_id == Person.id)
            .join(Employer, Employer.id == Supervisor.employer_id)
            .where(Person.active.is_(True))
            .order_by(Employer.name)
            .limit(2 * PAGE)
        )
    )
    return employers, supervisors


def placements(
    session: Session, coordinator_id: int | None, status: str | None, limit: int | None = PAGE
) -> list[Any]:
    """The newest placements in scope (`limit` None: all of them, for the CSV export)."""
    return list(session.execute(placements_query(coordinator_id, status).limit(limit)))


def placements_query(
    coordinator_id: int | None, status: str | None, term: str = "", short: bool = False
) -> Any:
    """Placements in scope, newest first: by status, a search over student, opportunity and
    employer (`term`, a LIKE pattern), and only those flagged short of hours (`short`)."""
    student = aliased(Person)
    stmt = (
        select(
            Placement.id,
            Placement.status,
            Placement.starts_on,
            Placement.due_on,
            student.given_name,
            student.family_name,
            Opportunity.title,
            Employer.name,
            Placement.short_of_hours_at,
        )
        .join(student, student.id == Placement.student_id)
        .join(Student, Student.person_id == student.id)
        .join(Opportunity, Opportunity.id == Placement.opportunity_id)
        .join(Employer, Employer.id == Opportunity.employer_id)
        .order_by(Placement.id.desc())
    )
    if coordinator_id is not None:
        stmt = stmt.where(Student.coordinator_id == coordinator_id)
    if status:
        stmt = stmt.where(Placement.status == status)
    if short:
        stmt = stmt.where(Placement.short_of_hours_at.is_not(None))
    if term:
        stmt = stmt.where(
            matches(
                term,
                (student.given_name + " " + student.family_name),
                Opportunity.title,
                Employer.name,
            )
        )
    return stmt


def flags_query(coordinator_id: int | None, status: str | None, term: str = "") -> Any:
    """Flagged time entries in scope, newest first (`status`: pending ones only, say)."""
    student = aliased(Person)
    stmt = (
        select(TimeEntry, student.given_name, student.family_name, Opportunity.title)
        .join(student, student.id == TimeEntry.student_id)
        .join(Student, Student.person_id == student.id)
        .join(Placement, Placement.id == TimeEntry.placement_id)
        .join(Opportunity, Opportunity.id == Placement.opportunity_id)
        .where(TimeEntry.flagged.is_(True))
        .order_by(TimeEntry.created_at.desc(), TimeEntry.id.desc())
    )
    if coordinator_id is not None:
        stmt = stmt.where(Student.coordinator_id == coordinator_id)
    if status:
        stmt = stmt.where(TimeEntry.status == status)
    if term:
        stmt = stmt.where(
            matches(term, (student.given_name + " " + student.family_name), Opportunity.title)
        )
    return stmt


UNDELIVERED = (OutboxStatus.FAILED, OutboxStatus.UNDELIVERED)


def undelivered_query(coordinator_id: int | None) -> Any:
    """Messages the dispatcher gave up on or the carrier could not deliver (newest first),
    to the caseload's students and their guardians (everyone's for None)."""
    stmt = (
        select(
            OutboxMessage.id,
            OutboxMessage.created_at,
            OutboxMessage.channel,
            OutboxMessage.category,
            OutboxMessage.status,
            OutboxMessage.attempts,
            OutboxMessage.last_error,
            Person.given_name,
            Person.family_name,
            Person.kind,
        )
        .outerjoin(Person, Person.id == OutboxMessage.person_id)
        .where(OutboxMessage.status.in_(UNDELIVERED))
        .order_by(OutboxMessage.id.desc())
    )
    if coordinator_id is not None:
        caseload = select(Student.person_id).where(Student.coordinator_id == coordinator_id)
        guardians = select(GuardianLink.guardian_id).where(GuardianLink.student_id.in_(caseload))
        stmt = stmt.where(
            or_(OutboxMessage.person_id.in_(caseload), OutboxMessage.person_id.in_(guardians))
        )
    return stmt


def audit_query(term: str) -> Any:
    """The audit trail, newest first; `term` (a LIKE pattern) matches the action or entity."""
    stmt = select(AuditEntry).order_by(AuditEntry.id.desc())
    if term:
        stmt = stmt.where(matches(term, AuditEntry.action, AuditEntry.entity))
    return stmt

"""Helpers for the consent tests: a placement approved the way student-find's approve() does
it (Placement row + start_paperwork in one transaction), and small readers."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select

from bot.clock import FixedClock
from bot.context import Context
from bot.outbox import enqueue
from bot.services.consent import start_paperwork
from bot.settings import Settings
from db.models import (
    Application,
    ConsentRecord,
    ConsentRequest,
    Opportunity,
    OutboxMessage,
    Person,
    Placement,
)
from db.session import Database


def approve(
    database: Database,
    settings: Settings,
    clock: FixedClock,
    student: Person,
    opp: Opportunity,
    **kw: Any,
) -> int:
    """Create the placement for `student` on `opp` and start its paperwork; its id."""
    with database.transaction() as s:
        ctx = Context(s, settings, clock.now(), actor="staff:test")
        app = Application(
            student_id=student.id,
            opportunity_id=opp.id,
            status="approved",
            created_at=clock.now(),
            decided_at=clock.now(),
            decided_by="staff:test",
        )
        s.add(app)
        s.flush()
        placement = Placement(
            application_id=app.id,
            student_id=student.id,
            opportunity_id=opp.id,
            status=kw.get("status", "paperwork"),
            starts_on=kw.get("starts_on", opp.starts_on),
            due_on=kw.get("due_on", opp.due_on),
            agreement_ack_at=kw.get("agreement_ack_at"),
            paper_consent=False,
            created_at=clock.now(),
        )
        s.add(placement)
        s.flush()
        for out in start_paperwork(ctx, placement):
            enqueue(ctx, out)
        return placement.id


def request_of(database: Database, placement_id: int) -> ConsentRequest:
    with database.transaction() as s:
        row = s.scalar(
            select(ConsentRequest)
            .where(ConsentRequest.placement_id == placement_id)
            .order_by(ConsentRequest.id.desc())
        )
        assert row is not None
        s.expunge(row)
        return row


def placement_of(database: Database, placement_id: int) -> Placement:
    with database.transaction() as s:
        row = s.get(Placement, placement_id)
        assert row is not None
        s.expunge(row)
        return row


def records(database: Database, placement_id: int) -> list[ConsentRecord]:
    with database.transaction() as s:
        rows = list(
            s.scalars(
                select(ConsentRecord)
                .where(ConsentRecord.placement_id == placement_id)
                .order_by(ConsentRecord.id)
            )
        )
        for row in rows:
            s.expunge(row)
        return rows


def outbox_to(database: Database, person_id: int) -> list[OutboxMessage]:
    with database.transaction() as s:
        rows = list(
            s.scalars(
                select(OutboxMessage)
                .where(OutboxMessage.person_id == person_id)
                .order_by(OutboxMessage.id)
            )
        )
        for row in rows:
            s.expunge(row)
        return rows


def agree(database: Database, placement_id: int, clock: FixedClock) -> None:
    """The student's AGREE, as student-work records it."""
    with database.transaction() as s:
        placement = s.get(Placement, placement_id)
        assert placement is not None
        placement.agreement_ack_at = clock.now()


ADULT_BIRTH = date(2008, 6, 1)  # 18 on 2026-12-01


def run_due_reminders(database: Database, engine: Any, clock: FixedClock) -> int:
    """Route every due reminder through the engine (what the scheduler does); how many."""
    from bot.messages import Trigger
    from db.models import Reminder

    now = clock.now()
    with database.transaction() as s:
        due = list(
            s.scalars(
                select(Reminder)
                .where(Reminder.status == "pending", Reminder.due_at <= now)
                .order_by(Reminder.due_at, Reminder.id)
            )
        )
        for row in due:
            trigger = Trigger(row.kind, row.subject_id, row.person_id, row.due_at, row.payload)
            engine.handle_trigger(s, trigger, now)
            row.status, row.done_at = "done", now
        return len(due)


def family(make: Any, *, guardians: int = 1, **student_kw: Any) -> tuple[Person, Person, Any]:
    """A student at a school with a coordinator, and an on-site opportunity; guardians linked."""
    school = make.school()
    coordinator = make.staff(school=school, given_name="Ava")
    student = make.student(
        school=school, transportation="transit", guardians=guardians, **student_kw
    )
    return student, coordinator, opportunity(make)


def opportunity(make: Any, **kw: Any) -> Opportunity:
    employer = make.employer(name="Sunrise Bakery")
    site = make.site(employer, name="Sunrise Bakery Main St", address="12 Main St, Fresno")
    sup = make.supervisor(employer, given_name="Gabriel", family_name="Okafor")
    kw.setdefault("title", "Photograph the new holiday menu")
    return make.opportunity(employer, site=site, supervisor=sup, **kw)


def guardians(database: Database, student_id: int) -> list[Person]:
    from db.models import GuardianLink

    with database.transaction() as s:
        rows = list(
            s.scalars(
                select(Person)
                .join(GuardianLink, GuardianLink.guardian_id == Person.id)
                .where(GuardianLink.student_id == student_id)
                .order_by(Person.id)
            )
        )
        for row in rows:
            s.expunge(row)
        return rows

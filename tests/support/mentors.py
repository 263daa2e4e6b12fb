"""A remote internship with a mentor in another zone, for the mentor-session tests:
`remote_mentor(make, database, zone)` -> (mentor, opportunity, interns)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select, update

from bot.context import Context
from bot.scheduler import run_jobs
from db.models import OutboxMessage, Supervisor
from db.session import Database

VIRTUAL = "virtual"


def set_zone(database: Database, person_id: int, zone: str | None) -> None:
    with database.transaction() as s:
        s.execute(update(Supervisor).where(Supervisor.person_id == person_id).values(timezone=zone))


def remote_mentor(
    make: Any, database: Database, zone: str | None, *, names: tuple[str, ...] = ("Leah",),
    lang: str = "en", mentor_lang: str = "en", title: str = "Fintech research sprint",
) -> tuple[Any, Any, list[Any]]:  # fmt: skip
    """A virtual partner's mentor in `zone` and ready interns (`names`) on one opportunity."""
    school = make.school()
    coordinator = make.staff(school=school, given_name="Ava")
    employer = make.employer(kind="virtual_partner", name="Maple Ledger")
    mentor = make.supervisor(
        employer, given_name="Lucia", family_name="Moore", language=mentor_lang
    )
    set_zone(database, mentor.id, zone)
    opp = make.opportunity(employer, supervisor=mentor, remote=True, kind=VIRTUAL, title=title)
    interns = []
    for n, name in enumerate(names):
        student = make.student(
            school=school, given_name=name, family_name=f"Intern{n}", language=lang, guardians=0
        )
        make.placement(student, opp)
        interns.append(student)
    _ = coordinator
    return mentor, opp, interns


def texts_to(database: Database, person_id: int, since: int = 0) -> list[str]:
    with database.transaction() as s:
        return list(
            s.scalars(
                select(OutboxMessage.text)
                .where(OutboxMessage.person_id == person_id, OutboxMessage.id > since)
                .order_by(OutboxMessage.id)
            )
        )


def last_outbox_id(database: Database) -> int:
    with database.transaction() as s:
        return int(s.scalar(select(OutboxMessage.id).order_by(OutboxMessage.id.desc())) or 0)


def run_jobs_at(runtime: Any, at: datetime) -> str:
    """One worker pass (due reminders, sweeps, not the dispatcher) at `at`."""
    return run_jobs(runtime, at)


def ctx_at(runtime: Any, session: Any, at: datetime) -> Context:
    return Context(session, runtime.settings, at)

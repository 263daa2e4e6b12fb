"""The per-person lock: every event about one person takes it before it reads their state.

A message (through the engine's locked sender query), a due reminder and a tapped
check-in link all lock the person's row, so two events about one person never interleave
and each reads what the one before it committed. PostgreSQL: `SELECT … FOR UPDATE`;
SQLite serializes every writer anyway (`BEGIN IMMEDIATE`).
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from db.models import Person


def lock_person(session: Session, person_id: int) -> Person | None:
    """The person, their row locked until the transaction ends (None if there is none)."""
    return session.get(Person, person_id, with_for_update=takes_locks(session))


def takes_locks(session: Session) -> bool:
    """Whether rows are locked here (PostgreSQL): a statement that reads the person's row
    and takes its lock in one go (`.with_for_update(of=Person)`, built once) is used only
    then."""
    return session.get_bind().dialect.name == "postgresql"

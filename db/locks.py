"""The per-person lock: every event about one person takes it before it reads their state.

A message (through the engine's locked sender query), a due reminder and a tapped
check-in link all lock the person's row, so two events about one person never interleave
and each reads what the one before it committed. PostgreSQL: `SELECT … FOR UPDATE`;
SQLite serializes every writer anyway (`BEGIN IMMEDIATE`).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select
from sqlalchemy.orm import Session

from db.models import Person


def lock_person(session: Session, person_id: int) -> Person | None:
    """The person, their row locked until the transaction ends (None if there is none)."""
    postgres = session.get_bind().dialect.name == "postgresql"
    return session.get(Person, person_id, with_for_update=postgres)


def locking_person(session: Session, stmt: Select[Any]) -> Select[Any]:
    """`stmt`, which joins the person's row, taking that row's lock (as `lock_person`) in
    the same statement."""
    postgres = session.get_bind().dialect.name == "postgresql"
    return stmt.with_for_update(of=Person) if postgres else stmt

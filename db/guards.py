"""Append-only tables: the application can insert into them, never update or delete.

The migration also installs database triggers that refuse UPDATE and DELETE, so the rule
holds for anything that talks to the database, not only this code.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session

APPEND_ONLY_TABLES = ("consent_records", "audit_log")


class AppendOnlyViolation(RuntimeError):
    """Raised when code tries to change a record that must never change."""


@event.listens_for(Session, "before_flush")
def _refuse_changes(session: Session, _ctx: Any, _instances: Any) -> None:
    for obj in list(session.dirty) + list(session.deleted):
        table = getattr(obj, "__tablename__", None)
        if table in APPEND_ONLY_TABLES and (obj in session.deleted or session.is_modified(obj)):
            raise AppendOnlyViolation(f"{table} is append-only")

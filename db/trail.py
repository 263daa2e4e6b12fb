"""Write the audit trail: who changed what, with ids only."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import insert
from sqlalchemy.orm import Session

from db.models import AuditEntry


def record(
    session: Session,
    *,
    at: datetime,
    actor: str,
    action: str,
    entity: str,
    entity_id: object,
    details: dict[str, Any] | None = None,
) -> None:
    """Append one audit entry in the caller's transaction."""
    session.add(AuditEntry(**_values(at, actor, action, entity, entity_id, details)))


def write(
    session: Session,
    *,
    at: datetime,
    actor: str,
    action: str,
    entity: str,
    entity_id: object,
    details: dict[str, Any] | None = None,
) -> None:
    """`record`, written now with one Core INSERT instead of at the next flush (for hot
    paths that write nothing else through the unit of work)."""
    session.connection().execute(_INSERT, _values(at, actor, action, entity, entity_id, details))


def _values(
    at: datetime,
    actor: str,
    action: str,
    entity: str,
    entity_id: object,
    details: dict[str, Any] | None,
) -> dict[str, Any]:
    """One audit entry's columns (ids only, as text), for either way of writing it."""
    return dict(
        at=at,
        actor=actor,
        action=action,
        entity=entity,
        entity_id=str(entity_id),
        details=details or {},
    )


_INSERT = insert(AuditEntry)

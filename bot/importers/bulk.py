"""Write many rows at once: batched executemany INSERT / UPDATE / DELETE, no per-row objects."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import and_, bindparam, delete, insert, update
from sqlalchemy.orm import Session

BATCH = 5000


def _batches(rows: Sequence[dict[str, Any]], size: int = BATCH) -> Iterable[list[dict[str, Any]]]:
    for start in range(0, len(rows), size):
        yield list(rows[start : start + size])


def insert_rows(session: Session, model: type[Any], rows: Sequence[dict[str, Any]]) -> int:
    """INSERT every dict (all with the same keys) into the model's table."""
    table = model.__table__
    for batch in _batches(rows):
        session.execute(insert(table), batch)
    return len(rows)


def update_rows(
    session: Session, model: type[Any], rows: Sequence[dict[str, Any]], key: str = "id"
) -> int:
    """UPDATE by `key`: each dict names the row (`key`) and the new values of the same columns."""
    table = model.__table__
    by_columns: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for row in rows:
        by_columns.setdefault(tuple(sorted(row)), []).append(row)
    for columns, group in by_columns.items():
        values: dict[str, Any] = {c: bindparam(f"v_{c}") for c in columns if c != key}
        stmt = update(table).where(table.c[key] == bindparam("k_key")).values(values)
        params = [{"k_key": r[key], **{f"v_{c}": r[c] for c in columns if c != key}} for r in group]
        for batch in _batches(params):
            session.execute(stmt, batch)
    return len(rows)


def delete_rows(session: Session, model: type[Any], rows: Sequence[dict[str, Any]]) -> int:
    """DELETE the rows whose columns equal each dict's values (all dicts with the same keys)."""
    if not rows:
        return 0
    table = model.__table__
    stmt = delete(table).where(and_(*(table.c[c] == bindparam(f"k_{c}") for c in rows[0])))
    for batch in _batches([{f"k_{c}": v for c, v in r.items()} for r in rows]):
        session.execute(stmt, batch)
    return len(rows)

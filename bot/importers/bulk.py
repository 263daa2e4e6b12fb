"""Write many rows at once with no per-row objects: COPY on PostgreSQL, executemany on SQLite.

Inserts skip SQLAlchemy's per-row statement machinery: each column's bind processor is
looked up once and applied to the values, then the driver gets plain tuples (psycopg's
`COPY … FROM STDIN` on PostgreSQL, `executemany` on SQLite). Updates and deletes (few on a
re-import) stay batched executemany through SQLAlchemy Core.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

from sqlalchemy import Connection, Table, and_, bindparam, delete, update
from sqlalchemy.orm import Session

BATCH = 5000


def _batches(rows: Sequence[Any], size: int = BATCH) -> Iterable[list[Any]]:
    for start in range(0, len(rows), size):
        yield list(rows[start : start + size])


def _processors(conn: Connection, table: Table, columns: Sequence[str]) -> list[Any]:
    dialect = conn.dialect
    return [table.c[c].type.dialect_impl(dialect).bind_processor(dialect) for c in columns]


def _remembering(proc: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """`proc` that reuses its last result for the same value (one `now` stamps every row)."""
    last: list[Any] = [object(), None]

    def process(value: Any) -> Any:
        if value is not last[0]:
            last[0], last[1] = value, proc(value)
        return last[1]

    return process


def _converter(procs: list[Any]) -> Callable[[Sequence[Any]], tuple[Any, ...]] | None:
    """A function applying the bind processors to one row (None when there is nothing to do)."""
    active = [(i, _remembering(p)) for i, p in enumerate(procs) if p is not None]
    if not active:
        return None

    def convert(row: Sequence[Any]) -> tuple[Any, ...]:
        out = list(row)
        for i, proc in active:
            out[i] = proc(out[i])
        return tuple(out)

    return convert


def _with_defaults(
    table: Table, columns: Sequence[str], rows: Sequence[Sequence[Any]]
) -> tuple[list[str], Sequence[Sequence[Any]]]:
    """Add the Python-side defaults (`default=`) of the columns not given, as INSERT would."""
    extra: list[tuple[str, Any]] = []
    for col in table.columns:
        default = col.default
        if col.name in columns or default is None:
            continue
        if getattr(default, "is_scalar", False):
            extra.append((col.name, default.arg))  # type: ignore[attr-defined]
        elif getattr(default, "is_callable", False):
            extra.append((col.name, default.arg(None)))  # type: ignore[attr-defined]
    if not extra:
        return list(columns), rows
    tail = tuple(v for _, v in extra)
    return [*columns, *(c for c, _ in extra)], [(*r, *tail) for r in rows]


def insert_values(
    session: Session, model: type[Any], columns: Sequence[str], rows: Sequence[Sequence[Any]]
) -> int:
    """INSERT `rows` (tuples in the order of `columns`) into the model's table."""
    if not rows:
        return 0
    table: Table = model.__table__
    columns, rows = _with_defaults(table, columns, rows)
    conn = session.connection()
    convert = _converter(_processors(conn, table, columns))
    quote = conn.dialect.identifier_preparer.quote
    names = ", ".join(quote(c) for c in columns)
    if conn.dialect.name == "postgresql":
        raw = conn.connection.driver_connection
        with raw.cursor() as cur, cur.copy(f"COPY {quote(table.name)} ({names}) FROM STDIN") as cp:  # type: ignore[union-attr]
            for row in rows:
                cp.write_row(convert(row) if convert else row)
        return len(rows)
    sql = f"INSERT INTO {quote(table.name)} ({names}) VALUES ({', '.join('?' * len(columns))})"
    for batch in _batches(rows):
        conn.exec_driver_sql(sql, [convert(r) for r in batch] if convert else batch)
    return len(rows)


def insert_rows(session: Session, model: type[Any], rows: Sequence[dict[str, Any]]) -> int:
    """INSERT every dict (all with the same keys) into the model's table."""
    if not rows:
        return 0
    columns = list(rows[0])
    return insert_values(session, model, columns, [tuple(r[c] for c in columns) for r in rows])


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


def fetch(session: Session, stmt: Any) -> list[tuple[Any, ...]]:
    """Run a Core SELECT on the session's connection; plain tuples, no ORM loading."""
    return [tuple(r) for r in session.connection().execute(stmt)]

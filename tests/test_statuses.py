"""Typed statuses: the database refuses a status the code does not know (CHECK constraints
from migration 0006), and allows every value of every enum in bot.statuses.

Each row is inserted alone, with foreign keys off for the connection: the CHECK
constraint is what is tested, not the placement a row would belong to. Every insert is
rolled back, so unique constraints never meet.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from decimal import Decimal
from enum import StrEnum

import pytest
from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Connection,
    Date,
    DateTime,
    Float,
    Integer,
    Numeric,
    String,
    Table,
    Text,
    insert,
    select,
)
from sqlalchemy.exc import IntegrityError

from bot.statuses import ALLOWED
from db.base import Base, JSONDoc, Status, UTCDateTime
from db.session import Database

CASES = sorted(ALLOWED.items())
IDS = [f"{table}.{column}" for (table, column), _ in CASES]
NOW = datetime(2026, 12, 1, 17, 0, tzinfo=UTC)


@contextmanager
def unlinked(database: Database) -> Iterator[Connection]:
    """A connection whose foreign keys are off, in a transaction that is rolled back."""
    with database.engine.connect() as conn:
        if database.is_postgres:
            trans = conn.begin()
            conn.exec_driver_sql("SET LOCAL session_replication_role = replica")
        else:
            conn.connection.dbapi_connection.execute("PRAGMA foreign_keys=OFF")  # type: ignore[union-attr]
            trans = conn.begin()
        try:
            yield conn
        finally:
            trans.rollback()
            if not database.is_postgres:
                conn.connection.dbapi_connection.execute("PRAGMA foreign_keys=ON")  # type: ignore[union-attr]


def _filler(column_type: object) -> object:
    """A plausible value for a required column of this type."""
    for kind, value in [
        (UTCDateTime, NOW),
        (DateTime, NOW),
        (Date, date(2026, 12, 1)),
        (Boolean, False),
        (Integer, 1),
        (Numeric, Decimal("1.00")),
        (Float, 1.0),
        ((JSONDoc, JSON), {}),
        ((String, Text), "x"),
    ]:
        if isinstance(column_type, kind):
            return value
    raise AssertionError(f"no filler for {column_type!r}")


def _row(table: Table, column: str, value: str) -> dict[str, object]:
    """Every required column filled, `column` set to `value`."""
    row: dict[str, object] = {}
    for col in table.columns:
        if col.primary_key or col.nullable or col.default is not None:
            continue
        known = ALLOWED.get((table.name, col.name))
        row[col.name] = next(iter(known)).value if known else _filler(col.type)
    row[column] = value
    return row


def _insert(database: Database, table: str, column: str, value: str) -> object:
    """Insert a row with `column` = `value`; what the column reads back."""
    target = Base.metadata.tables[table]
    with unlinked(database) as conn, conn.begin_nested():
        key = conn.execute(insert(target).values(_row(target, column, value))).inserted_primary_key
        return conn.scalar(select(target.c[column]).where(target.c.id == key[0]))


@pytest.mark.parametrize(("place", "values"), CASES, ids=IDS)
def test_an_unknown_status_is_refused_by_the_database(database, place, values):
    table, column = place
    with pytest.raises(IntegrityError) as refused:
        _insert(database, table, column, "bogus")
    assert f"ck_{table}_{column}" in str(refused.value)  # this constraint, not another


@pytest.mark.parametrize(("place", "values"), CASES, ids=IDS)
def test_every_value_of_the_enum_is_allowed(database, place, values: type[StrEnum]):
    table, column = place
    typed = isinstance(Base.metadata.tables[table].c[column].type, Status)
    for member in values:
        stored = _insert(database, table, column, member.value)  # raises if refused
        assert stored == member
        assert stored is member or not typed  # a typed column reads back the enum member


def test_every_status_column_is_typed_and_constrained():
    """A `status` column anywhere in the models is in bot.statuses.ALLOWED, and each
    entry there is a CHECK constraint the models declare (and migration 0006 builds)."""
    for table in Base.metadata.tables.values():
        if "status" in table.columns:
            assert (table.name, "status") in ALLOWED, table.name
    for (table_name, column), _values in ALLOWED.items():
        checks = {
            c.name
            for c in Base.metadata.tables[table_name].constraints
            if isinstance(c, CheckConstraint)
        }
        assert f"ck_{table_name}_{column}" in checks

"""The one module that owns engines and sessions.

SQLite runs in WAL mode with `synchronous=NORMAL`, a busy timeout, foreign keys on and
every transaction started with `BEGIN IMMEDIATE`, so a writer takes the lock up front
instead of failing with "database is locked" when a read upgrades to a write.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from sqlalchemy import Engine, create_engine, event, exc
from sqlalchemy.orm import Session, sessionmaker

import db.guards  # noqa: F401  (registers append-only guards)

IDLE_PING_S = 5.0  # a pooled connection idle this long is pinged before use


def make_engine(url: str, **kwargs: Any) -> Engine:
    """Create an engine for `url` with this project's SQLite or PostgreSQL settings.

    SQL parameters are kept out of error messages and logs: they hold phone numbers,
    names and message texts of minors.
    """
    kwargs.setdefault("hide_parameters", True)
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            url, connect_args={"timeout": 30, "check_same_thread": False}, **kwargs
        )
        _configure_sqlite(engine)
        return engine
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    url, prepare = _without_prepare_threshold(url)
    if prepare:  # behind PgBouncer in transaction mode: `?prepare_threshold=none`
        kwargs.setdefault("connect_args", {})["prepare_threshold"] = prepare[0]
    kwargs.setdefault("pool_size", 10)
    kwargs.setdefault("max_overflow", 20)
    ping_idle = "pool_pre_ping" not in kwargs
    engine = create_engine(url, **kwargs)
    if ping_idle:
        _ping_when_idle(engine)
    return engine


def _without_prepare_threshold(url: str) -> tuple[str, list[int | None]]:
    """`url` less its `prepare_threshold` query parameter (not libpq's: psycopg's), and
    its value: `none` turns server-side prepared statements off, which PgBouncer 1.18 in
    transaction pooling cannot carry from one transaction's server connection to the next."""
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True)
    found = [v for k, v in query if k == "prepare_threshold"]
    if not found:
        return url, []
    rest = urlencode([(k, v) for k, v in query if k != "prepare_threshold"])
    value = found[-1].strip().lower()
    # psycopg: None = never prepare; a number = prepare after that many executions
    threshold = None if value in ("", "none", "off") else int(value)
    return urlunsplit(parts._replace(query=rest)), [threshold]


def _ping_when_idle(engine: Engine) -> None:
    """Check a pooled connection before use only when it sat idle for IDLE_PING_S.

    pool_pre_ping's round trip on every checkout cost ~3% of a message; a connection
    reused within seconds is as alive as it was. A stale one (the server restarted, a
    firewall dropped it) is replaced before use; one that dies while busy fails that
    transaction, and SQLAlchemy then invalidates the whole pool.
    """

    @event.listens_for(engine, "checkin")
    def _checked_in(_dbapi_conn: Any, record: Any) -> None:
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _checkout(dbapi_conn: Any, record: Any, _proxy: Any) -> None:
        since = record.info.get("idle_since")
        if since is None or time.monotonic() - since < IDLE_PING_S:
            return
        try:
            alive = engine.dialect.do_ping(dbapi_conn)
        except Exception as err:  # any failure to ping: the pool reconnects
            raise exc.DisconnectionError() from err
        if not alive:
            raise exc.DisconnectionError()


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # let us emit BEGIN ourselves
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE")


class Database:
    """An engine and its session factory; callers own each transaction."""

    def __init__(self, url: str, **engine_kwargs: Any) -> None:
        self.url = url
        self.engine = make_engine(url, **engine_kwargs)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)
        # SQLite has one writer at a time; threads of one process queue on a fair lock
        # instead of SQLite's busy handler, whose sleeps make a long latency tail.
        self._writer = threading.RLock() if self.engine.dialect.name == "sqlite" else None

    @property
    def is_postgres(self) -> bool:
        return self.engine.dialect.name == "postgresql"

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """One unit of work: commit on success, roll back on any error."""
        with self._writer or nullcontext(), self.sessions() as session, session.begin():
            yield session

    def dispose(self) -> None:
        self.engine.dispose()

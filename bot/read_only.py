"""The guard that proves a flow only reads: while it runs, any INSERT, UPDATE or DELETE
on the session's connection raises FlowWrote, and so does leaving an object added,
changed or deleted in the session.

The engine runs every flow named in registry.PURE under it, always, so a flow that
starts writing again fails its tests (and, in production, the turn is rolled back and
the person gets the engine's apology instead of a half-applied write).
"""

from __future__ import annotations

import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Connection, Engine, event
from sqlalchemy.orm import Session

_WRITES = ("INSERT", "UPDATE", "DELETE", "MERGE")
_KEY = "wbl_read_only"  # in Connection.info while a flow runs on that connection: its name
_guarded: weakref.WeakSet[Engine] = weakref.WeakSet()  # engines whose listener is installed


class FlowWrote(RuntimeError):
    """A flow declared pure wrote to the database (a bug: return an effect instead)."""


def _refuse(conn: Connection, _cursor: Any, statement: str, *_args: Any) -> None:
    who = conn.info.get(_KEY)
    if who is None:
        return
    words = statement.lstrip().split(None, 1)
    if words and words[0].upper() in _WRITES:
        raise FlowWrote(f"flow {who!r} wrote: {words[0].upper()} (return an effect)")


@contextmanager
def read_only(session: Session, who: str) -> Iterator[None]:
    """Run the block as `who`, refusing every write it makes.

    One listener per engine, installed on first use, checks a mark on the connection
    (adding and removing a listener on every turn cost more than the flow's reads).
    """
    if session.dirty or session.new or session.deleted:
        session.flush()  # what the engine changed before the flow is not the flow's
    connection = session.connection()
    if connection.engine not in _guarded:
        event.listen(connection.engine, "before_cursor_execute", _refuse)
        _guarded.add(connection.engine)
    outer = connection.info.get(_KEY)
    connection.info[_KEY] = who
    try:
        yield
    finally:
        if outer is None:
            connection.info.pop(_KEY, None)
        else:
            connection.info[_KEY] = outer
    changed = [o for o in session.dirty if session.is_modified(o)]
    if session.new or session.deleted or changed:
        raise FlowWrote(f"flow {who!r} left changes in the session (return an effect)")

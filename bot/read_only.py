"""The guard that proves a flow only reads: while it runs, any INSERT, UPDATE or DELETE
on the session's connection raises FlowWrote, and so does leaving an object added,
changed or deleted in the session.

The engine runs every flow named in registry.PURE under it, always, so a flow that
starts writing again fails its tests (and, in production, the turn is rolled back and
the person gets the engine's apology instead of a half-applied write).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session

_WRITES = ("INSERT", "UPDATE", "DELETE", "MERGE")


class FlowWrote(RuntimeError):
    """A flow declared pure wrote to the database (a bug: return an effect instead)."""


@contextmanager
def read_only(session: Session, who: str) -> Iterator[None]:
    """Run the block as `who`, refusing every write it makes."""
    session.flush()  # what the engine changed before the flow is not the flow's
    connection = session.connection()

    def refuse(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        words = statement.lstrip().split(None, 1)
        if words and words[0].upper() in _WRITES:
            raise FlowWrote(f"flow {who!r} wrote: {words[0].upper()} (return an effect)")

    event.listen(connection, "before_cursor_execute", refuse)
    try:
        yield
    finally:
        event.remove(connection, "before_cursor_execute", refuse)
    changed = [o for o in session.dirty if session.is_modified(o)]
    if session.new or session.deleted or changed:
        raise FlowWrote(f"flow {who!r} left changes in the session (return an effect)")

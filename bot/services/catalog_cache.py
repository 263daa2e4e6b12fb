"""The open catalogue, cached per process for a few seconds, so FIND stops rebuilding it.

Every FIND ranks the same open catalogue (opportunities with their sites, seats taken and
vetting status): rebuilding it costs six queries and, at 5,000 opportunities, most of a
FIND. Here it is kept per database engine and district day for TTL_S seconds:
- a commit in this process that wrote to a table the catalogue reads drops every entry
  at once (so a coordinator's change, or a test's, shows on the next FIND);
- a write by another process shows within TTL_S.
Staleness is safe by construction: APPLY and approval re-read the one opportunity they
act on (`opportunities.one`, seats re-checked under a row lock), so a listing at most
TTL_S old can only offer a seat that APPLY then reports as just filled.
"""

from __future__ import annotations

import re
import threading
import time
import weakref
from collections.abc import Callable
from datetime import date
from functools import lru_cache
from typing import Any

from sqlalchemy import Engine, event
from sqlalchemy.orm import Session

from bot.rules.eligibility import OpportunityFacts

TTL_S = 30.0
clock = time.monotonic
TABLES = ("opportunities", "employers", "sites", "vetting_checks", "placements")
_WRITES = re.compile(r"^\s*(INSERT|UPDATE|DELETE|TRUNCATE|COPY|MERGE)\b", re.IGNORECASE)
_TABLES = re.compile(r"\b(" + "|".join(TABLES) + r")\b", re.IGNORECASE)
_DIRTY = "wbl_catalog_dirty"

_lock = threading.Lock()
_watching = False
_generation = 0
_entries: weakref.WeakKeyDictionary[Engine, dict[date, tuple[int, float, list[OpportunityFacts]]]]
_entries = weakref.WeakKeyDictionary()


def open_catalog(
    session: Session, today: date, build: Callable[[], list[OpportunityFacts]]
) -> list[OpportunityFacts]:
    """The cached catalogue for `today` on this session's engine, else `build()` it."""
    engine = session.get_bind().engine
    now = clock()
    with _lock:
        _watch_writes()
        generation = _generation
        hit = _entries.get(engine, {}).get(today)
    if hit is not None and hit[0] == generation and hit[1] > now:
        return hit[2]
    value = build()
    with _lock:  # kept only if nothing was committed while it was being built
        if generation == _generation:
            _entries.setdefault(engine, {})[today] = (generation, now + TTL_S, value)
    return value


def clear() -> None:
    """Drop every entry (a write this process committed may have changed the catalogue)."""
    global _generation
    with _lock:
        _generation += 1
        _entries.clear()


def _watch_writes() -> None:
    """From the first use on, note every engine's writes to TABLES (not at import time:
    before anything is cached there is nothing to drop)."""
    global _watching
    if not _watching:
        event.listen(Engine, "after_cursor_execute", _watch)
        event.listen(Engine, "commit", _on_commit)
        event.listen(Engine, "rollback", _on_rollback)
        _watching = True


def _watch(conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
    if not conn.info.get(_DIRTY) and _writes_catalog(statement):
        conn.info[_DIRTY] = True


@lru_cache(maxsize=4096)
def _writes_catalog(statement: str) -> bool:
    """Whether a statement writes to a table the catalogue reads (decided once per text:
    statements come from SQLAlchemy's compiled cache, so the same few texts repeat)."""
    return bool(_WRITES.match(statement) and _TABLES.search(statement))


def _on_commit(conn: Any) -> None:
    if conn.info.pop(_DIRTY, False):
        clear()


def _on_rollback(conn: Any) -> None:
    conn.info.pop(_DIRTY, None)

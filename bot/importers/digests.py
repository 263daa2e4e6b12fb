"""Remember each source row an import applied cleanly, so a re-import can skip it unread.

The digest covers the raw row, the file's header and whatever else decides what the row
writes (the importer version, other files' rows it draws on, settings such as shift_days).
A row whose digest matches was applied before and the database still holds its result;
rows reported with a problem get no digest, so their problems are reported every time.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from hashlib import blake2b

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.importers.bulk import delete_rows, fetch, insert_values
from db.models import ImportRowDigest

# Bump when a change to the importers changes what a row writes: every row is re-applied.
VERSION = "roster-2"
SEP = "\x1f"


def context(*parts: object) -> bytes:
    """The bytes every row's digest starts with: the version and what the rows depend on."""
    return SEP.join([VERSION, *(str(p) for p in parts)]).encode()


def digest(start: bytes, *texts: str) -> str:
    """blake2b-128 (hex) of `start` and the texts."""
    return blake2b(start + "\x1e".join(texts).encode(), digest_size=16).hexdigest()


def load(session: Session, source: str, file: str) -> dict[str, str]:
    """sourcedId -> digest of every row of `file` applied by an earlier import."""
    table = ImportRowDigest.__table__
    stmt = select(table.c.sourced_id, table.c.digest).where(
        table.c.source == source, table.c.file == file
    )
    return dict(fetch(session, stmt))  # type: ignore[arg-type]


def save(
    session: Session,
    source: str,
    file: str,
    stored: Mapping[str, str],
    earned: Mapping[str, str],
    lost: Iterable[str],
) -> None:
    """Write the digests rows `earned` in this import; drop those of rows that `lost` theirs."""
    keys = ("source", "file", "sourced_id", "digest")
    rewrite = [sid for sid, d in earned.items() if stored.get(sid) != d]
    gone = [sid for sid in lost if sid in stored and sid not in earned]
    replaced = [sid for sid in rewrite if sid in stored]
    delete_rows(
        session,
        ImportRowDigest,
        [{"source": source, "file": file, "sourced_id": sid} for sid in (*replaced, *gone)],
    )
    insert_values(session, ImportRowDigest, keys, [(source, file, s, earned[s]) for s in rewrite])

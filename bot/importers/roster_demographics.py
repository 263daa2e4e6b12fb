"""Keep each student's demographics.csv values (sex, race and ethnicity flags, any other
column) for the equity view's coverage by group.

Only the rows read in full are compared (an unchanged row's digest covers its
demographics, so a skipped row has nothing new); a value gone blank is deleted.
"""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session

from bot.importers.bulk import delete_rows, fetch, insert_values
from bot.importers.roster_scan import Demographics
from db.models import Person, StudentDemographic

CHUNK = 500
_TABLE = StudentDemographic.__table__
_UPDATE = (
    update(_TABLE)
    .where(_TABLE.c.person_id == bindparam("p"), _TABLE.c.field == bindparam("f"))
    .values(value=bindparam("v"))
)


def sync_demographics(session: Session, demographics: Demographics, read: Collection[str]) -> None:
    """Store the values of the students among `read` (sourcedIds): insert, update, delete."""
    if demographics.table is None:
        return  # no demographics.csv in this bundle: keep what is stored
    sids = sorted(read)
    for at in range(0, len(sids), CHUNK):
        _sync_chunk(session, demographics, sids[at : at + CHUNK])


def _sync_chunk(session: Session, demographics: Demographics, sids: list[str]) -> None:
    people = dict(
        fetch(
            session,
            select(Person.sourced_id, Person.id).where(
                Person.source == "roster", Person.kind == "student", Person.sourced_id.in_(sids)
            ),
        )
    )
    if not people:
        return
    stored: dict[tuple[int, str], str] = {
        (pid, f): v
        for pid, f, v in fetch(
            session,
            select(
                StudentDemographic.person_id, StudentDemographic.field, StudentDemographic.value
            ).where(StudentDemographic.person_id.in_(list(people.values()))),
        )
    }
    want = {
        (pid, f): v
        for sid, pid in people.items()
        for f, v in demographics.values.get(sid, {}).items()
    }
    insert_values(
        session,
        StudentDemographic,
        ("person_id", "field", "value"),
        [(pid, f, v) for (pid, f), v in want.items() if (pid, f) not in stored],
    )
    changed = [{"p": p, "f": f, "v": v} for (p, f), v in want.items() if stored.get((p, f), v) != v]
    if changed:
        session.connection().execute(_UPDATE, changed)
    gone = [{"person_id": pid, "field": f} for (pid, f) in stored if (pid, f) not in want]
    delete_rows(session, StudentDemographic, gone)

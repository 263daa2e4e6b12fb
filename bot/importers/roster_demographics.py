"""Keep each student's demographics.csv values (sex, race and ethnicity flags, any other
column) for the equity view's coverage by group.

Only the rows read in full are compared (an unchanged row's digest covers its
demographics, so a skipped row has nothing new); a value gone blank is deleted.
"""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import Table, bindparam, select, update
from sqlalchemy.orm import Session

from bot.importers.bulk import delete_rows, fetch, insert_values
from bot.importers.roster_scan import Demographics
from db.models import Person, StudentDemographic

CHUNK = 500
_TABLE: Table = StudentDemographic.__table__  # type: ignore[assignment]
_UPDATE = (
    update(_TABLE)
    .where(_TABLE.c.person_id == bindparam("p"), _TABLE.c.field == bindparam("f"))
    .values(value=bindparam("v"))
)


def sync_demographics(session: Session, demographics: Demographics, read: Collection[str]) -> None:
    """Store the values of the students among `read` (sourcedIds): insert, update, delete."""
    if demographics.table is None or not read:
        return  # no demographics.csv in this bundle (keep what is stored), or nothing new
    wanted = set(read)
    # one pass over the roster's students: an IN list per chunk would be planned on
    # statistics from before this import's COPY, and scan the people table each time
    people = [(sid, pid) for sid, pid in fetch(session, _STUDENTS) if sid in wanted]
    for at in range(0, len(people), CHUNK):
        _sync_chunk(session, demographics, dict(people[at : at + CHUNK]))


_STUDENTS = select(Person.sourced_id, Person.id).where(
    Person.source == "roster", Person.kind == "student"
)


def _sync_chunk(session: Session, demographics: Demographics, people: dict[str, int]) -> None:
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

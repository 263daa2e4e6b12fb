"""Bring people, staff, students, guardian links and phone contacts in line with users.csv.

What is already stored is read once into dicts (plain tuples, no ORM objects), compared in
Python, and only the differences are written in batches: an unchanged bundle writes
nothing. Rows skipped as unchanged (`Skipped`) are not compared again; they only take
part where other rows can change their outcome: guardian links and coordinators.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.importers import coordinators
from bot.importers.bulk import fetch, insert_values, update_rows
from bot.importers.contacts import PhoneOf, sync_contacts
from bot.importers.fields import PERSON_FIELDS
from bot.importers.report import ImportReport
from bot.importers.roster_links import LinkSync
from bot.importers.roster_rows import UserRow
from bot.importers.roster_scan import USERS, Skipped
from db.models import Conversation, Person, Staff, Student

ENTITY = {"student": "students", "guardian": "guardians", "staff": "staff", "": "users"}
STUDENT_FIELDS: tuple[str, ...] = ("school_id", "grade", "birth_date", "transportation")
STUDENT_FIELDS += ("home_lat", "home_lon", "interests", "coordinator_id")
NEW_PERSON: tuple[str, ...] = ("kind", "source", "sourced_id", "language", "active")
NEW_PERSON += ("created_at", "updated_at", *PERSON_FIELDS)
ALL_PEOPLE_OVER = 2000  # read every roster person at once when this many rows are read


def _people(session: Session, sids: list[str]) -> dict[str, tuple[Any, ...]]:
    """sourcedId -> (id, kind, active, *PERSON_FIELDS) of the roster people `sids` name."""
    cols = [Person.sourced_id, Person.id, Person.kind, Person.active]
    cols += [getattr(Person, f) for f in PERSON_FIELDS]
    stmt = select(*cols).where(Person.source == "roster")
    if len(sids) > ALL_PEOPLE_OVER:
        rows = fetch(session, stmt)
    else:
        rows = []
        for start in range(0, len(sids), 500):
            rows += fetch(session, stmt.where(Person.sourced_id.in_(sids[start : start + 500])))
    return {r[0]: r[1:] for r in rows}


def _values(row: UserRow) -> tuple[Any, ...]:
    return tuple(row.person[f] for f in PERSON_FIELDS)


@dataclass
class Stored:
    """What the database holds before the import."""

    people: dict[str, tuple[Any, ...]]  # sourcedId -> (id, kind, active, *PERSON_FIELDS)
    students: dict[int, dict[str, Any]]  # person id -> STUDENT_FIELDS (+ "active")
    staff: dict[int, int | None]  # person id -> org id
    active: dict[int, bool]  # staff and students: person id -> active

    @classmethod
    def load(cls, session: Session, sids: list[str]) -> Stored:
        """Read the current state in a handful of queries (people: only those read)."""
        cols = [Student.person_id, *(getattr(Student, f) for f in STUDENT_FIELDS), Person.active]
        students: dict[int, dict[str, Any]] = {}
        active: dict[int, bool] = {}
        for r in fetch(session, select(*cols).join(Person, Person.id == Student.person_id)):
            students[r[0]] = dict(zip(STUDENT_FIELDS, r[1:-1], strict=True))
            active[r[0]] = bool(r[-1])
        staff: dict[int, int | None] = {}
        query = select(Staff.person_id, Staff.org_id, Person.active).join(
            Person, Person.id == Staff.person_id
        )
        for pid, org, on in fetch(session, query):
            staff[pid], active[pid] = org, bool(on)
        return cls(_people(session, sids), students, staff, active)


@dataclass
class PeopleSync:
    session: Session
    report: ImportReport
    now: datetime
    orgs: Mapping[str, tuple[int, str]]  # sourcedId -> (id, type)
    births: Mapping[str, tuple[int, date | None]] | None
    stored: Stored = field(init=False)
    ids: dict[str, tuple[int, str]] = field(default_factory=dict)  # sourcedId -> (id, kind)
    touched: set[int] = field(default_factory=set)  # people whose staff/student row changed
    deactivating: set[int] = field(default_factory=set)

    def run(self, rows: list[UserRow], skipped: list[Skipped] = ()) -> None:  # type: ignore[assignment]
        """Apply the users.csv rows read in full; `skipped` ones are unchanged."""
        self.stored = Stored.load(self.session, [r.sourced_id for r in rows])
        rows = [r for r in rows if self._same_kind(r)]
        self.deactivating = {
            self.stored.people[r.sourced_id][0]
            for r in rows
            if r.delete and r.sourced_id in self.stored.people
        }
        self._create_people(rows)
        live = [r for r in rows if not r.delete]
        self._sync_staff([r for r in live if r.kind == "staff"])
        self._sync_students([r for r in live if r.kind == "student"], skipped)
        self._update_people(rows)
        self._count_skipped(skipped)
        LinkSync(self.session, self.report, self.ids).run(live, skipped)
        self._sync_contacts(live)

    def _same_kind(self, row: UserRow) -> bool:
        known = self.stored.people.get(row.sourced_id)
        if known is None or row.delete or known[1] == row.kind:
            return True
        reason = f"role changed from {known[1]} to {row.kind}; not supported, row rejected"
        self.report.error(USERS, row.line, "role", reason)
        self.report.count(ENTITY[row.kind], "rejected")
        return False

    def _create_people(self, rows: list[UserRow]) -> None:
        new = [r for r in rows if r.sourced_id not in self.stored.people and not r.delete]
        now = self.now
        insert_values(
            self.session,
            Person,
            NEW_PERSON,
            [
                (r.kind, "roster", r.sourced_id, r.language, True, now, now, *_values(r))
                for r in new
            ],
        )
        for r in new:
            self.report.count(ENTITY[r.kind], "created")
        for r in rows:
            if r.delete and r.sourced_id not in self.stored.people:
                self.report.count(ENTITY[r.kind], "unchanged")
        stmt = select(Person.sourced_id, Person.id, Person.kind).where(Person.source == "roster")
        self.ids = {sid: (pid, kind) for sid, pid, kind in fetch(self.session, stmt)}
        for r in new:
            self.stored.active[self.ids[r.sourced_id][0]] = True
        # each new person starts with a blank conversation: their first message is then
        # no dearer than any other (the engine makes one on demand for anyone else)
        insert_values(
            self.session,
            Conversation,
            ("person_id", "updated_at"),  # the rest: the model's defaults (a blank state)
            [(self.ids[r.sourced_id][0], now) for r in new],
        )

    def _org(self, row: UserRow, want_school: bool) -> int:
        ids = [self.orgs[o] for o in row.orgs]
        schools = [oid for oid, kind in ids if kind == "school"]
        return (schools or [i[0] for i in ids])[0] if want_school else ids[0][0]

    def _sync_staff(self, rows: list[UserRow]) -> None:
        new, moved = [], []
        for r in rows:
            pid, org = self.ids[r.sourced_id][0], self._org(r, want_school=False)
            if pid not in self.stored.staff:
                new.append((pid, org, "coordinator", None))
            elif self.stored.staff[pid] != org:
                moved.append({"person_id": pid, "org_id": org})
                self.touched.add(pid)
            self.stored.staff[pid] = org
        insert_values(self.session, Staff, ("person_id", "org_id", "role", "password_hash"), new)
        update_rows(self.session, Staff, moved, key="person_id")

    def _coordinator_pool(self, deactivated: set[int]) -> dict[int, list[int]]:
        pool: dict[int, list[int]] = {}
        for pid, org in self.stored.staff.items():
            if org is not None and self.stored.active.get(pid) and pid not in deactivated:
                pool.setdefault(org, []).append(pid)
        return {org: sorted(staff) for org, staff in pool.items()}

    def _sync_students(self, rows: list[UserRow], skipped: Iterable[Skipped]) -> None:
        wanted: dict[int, dict[str, Any]] = {}
        lines: dict[int, int] = {}
        for r in rows:
            pid = self.ids[r.sourced_id][0]
            old = self.stored.students.get(pid, {})
            birth = self.births.get(r.sourced_id) if self.births is not None else None
            wanted[pid] = {
                **r.student,
                "school_id": self._org(r, want_school=True),
                "birth_date": birth[1] if birth else old.get("birth_date"),
            }
            lines[pid] = r.line
        pool = self._coordinator_pool(self.deactivating)
        for s in skipped:  # unchanged rows whose coordinator left (or is still missing)
            pid = self.ids.get(s.sourced_id, (0, ""))[0]
            was = self.stored.students.get(pid)
            if was is None or s.delete or was["coordinator_id"] in pool.get(was["school_id"], ()):
                continue
            wanted[pid], lines[pid] = dict(was), s.line
        self._assign_coordinators(wanted, lines, pool)
        new: list[tuple[Any, ...]] = []
        changed: list[dict[str, Any]] = []
        for pid, want in wanted.items():
            before = self.stored.students.get(pid)
            if before is None:
                new.append((pid, *(want[f] for f in STUDENT_FIELDS)))
            elif any(before[f] != want[f] for f in STUDENT_FIELDS):
                changed.append({"person_id": pid, **want})
                self.touched.add(pid)
        insert_values(self.session, Student, ("person_id", *STUDENT_FIELDS), new)
        update_rows(self.session, Student, changed, key="person_id")

    def _assign_coordinators(
        self, wanted: dict[int, dict[str, Any]], lines: dict[int, int], pool: dict[int, list[int]]
    ) -> None:
        deactivated = self.deactivating
        others = [
            (s["school_id"], s["coordinator_id"])
            for pid, s in self.stored.students.items()
            if pid not in wanted and self.stored.active.get(pid) and pid not in deactivated
        ]
        current = {
            pid: s["coordinator_id"] for pid, s in self.stored.students.items() if pid in wanted
        }
        schools = {pid: w["school_id"] for pid, w in wanted.items()}
        chosen = coordinators.assign(schools, current, others, pool)
        short: dict[int, int] = {}
        for pid, coordinator in chosen.items():
            wanted[pid]["coordinator_id"] = coordinator
            if coordinator is None:
                school = wanted[pid]["school_id"]
                short[school] = min(short.get(school, lines[pid]), lines[pid])
        names = {oid: sid for sid, (oid, _type) in self.orgs.items()}
        for school, line in sorted(short.items(), key=lambda item: item[1]):
            reason = f"no active teacher at {names.get(school, school)!r} to coordinate students"
            self.report.warn(USERS, line, "orgSourcedIds", reason)

    def _update_people(self, rows: list[UserRow]) -> None:
        changes: list[dict[str, Any]] = []
        for r in rows:
            known = self.stored.people.get(r.sourced_id)
            if known is None:
                continue
            pid, kind, active, *values = known
            entity = ENTITY[kind]
            if r.delete:
                if active:
                    changes.append({"id": pid, "active": False, "updated_at": self.now})
                self.report.count(entity, "deactivated" if active else "unchanged")
                continue
            old = dict(zip(PERSON_FIELDS, values, strict=True))
            if (
                active
                and pid not in self.touched
                and all(old[f] == r.person[f] for f in PERSON_FIELDS)
            ):
                self.report.count(entity, "unchanged")
                continue
            changes.append({"id": pid, "active": True, "updated_at": self.now, **r.person})
            self.report.count(entity, "updated")
        update_rows(self.session, Person, changes)

    def _count_skipped(self, skipped: Iterable[Skipped]) -> None:
        """Count unchanged rows; one whose coordinator was reassigned counts as updated."""
        changes: list[dict[str, Any]] = []
        unchanged: Counter[str] = Counter()
        for s in skipped:
            pid, kind = self.ids.get(s.sourced_id, (0, s.kind))
            if pid in self.touched:
                changes.append({"id": pid, "updated_at": self.now})
                self.report.count(ENTITY[kind], "updated")
            else:
                unchanged[kind] += 1
        for kind, n in unchanged.items():
            self.report.count(ENTITY[kind], "unchanged", n)
        update_rows(self.session, Person, changes)

    def _sync_contacts(self, rows: list[UserRow]) -> None:
        if not rows:
            return
        wanted = [
            PhoneOf(USERS, r.line, r.phone_column, self.ids[r.sourced_id][0], r.person["phone"])
            for r in rows
        ]
        sync_contacts(self.session, self.report, wanted, self.now)

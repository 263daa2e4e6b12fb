"""Bring people, staff, students, guardian links and phone contacts in line with users.csv.

Everything already stored is loaded once into dicts, compared in Python, and only the
differences are written in batches: an unchanged bundle writes nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.importers import coordinators
from bot.importers.bulk import delete_rows, insert_rows, update_rows
from bot.importers.contacts import PhoneOf, stored_tel, sync_contacts
from bot.importers.report import ImportReport
from bot.importers.roster_rows import UserRow
from db.models import GuardianLink, Person, Staff, Student

USERS = "users.csv"
ENTITY = {"student": "students", "guardian": "guardians", "staff": "staff", "": "users"}
PERSON_FIELDS = ("given_name", "family_name", "email", "phone")
STUDENT_FIELDS: tuple[str, ...] = ("school_id", "grade", "birth_date", "transportation")
STUDENT_FIELDS += ("home_lat", "home_lon", "interests", "coordinator_id")


@dataclass
class Stored:
    """What the database holds before the import (roster people only, plus all contacts)."""

    people: dict[str, tuple[Any, ...]]  # sourcedId -> (id, kind, active, *PERSON_FIELDS)
    students: dict[int, dict[str, Any]]
    staff: dict[int, int | None]  # person id -> org id
    links: set[tuple[int, int]]  # (student id, guardian id)
    tel: dict[str, tuple[int, int]]  # urn -> (contact id, person id)
    active: dict[int, bool] = field(default_factory=dict)

    @classmethod
    def load(cls, session: Session) -> Stored:
        """Read the current state in a handful of queries."""
        people = {
            row[0]: tuple(row[1:])
            for row in session.execute(
                select(
                    Person.sourced_id,
                    Person.id,
                    Person.kind,
                    Person.active,
                    *(getattr(Person, f) for f in PERSON_FIELDS),
                ).where(Person.source == "roster")
            )
        }
        cols = [Student.person_id, *(getattr(Student, f) for f in STUDENT_FIELDS)]
        students = {
            r[0]: dict(zip(STUDENT_FIELDS, r[1:], strict=True))
            for r in session.execute(select(*cols))
        }
        staff = {pid: org for pid, org in session.execute(select(Staff.person_id, Staff.org_id))}
        links = {
            (s, g)
            for s, g in session.execute(select(GuardianLink.student_id, GuardianLink.guardian_id))
        }
        tel = stored_tel(session)
        active = dict(session.execute(select(Person.id, Person.active)).all())
        return cls(people, students, staff, links, tel, active)


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

    def run(self, rows: list[UserRow]) -> None:
        """Apply the accepted users.csv rows."""
        self.stored = Stored.load(self.session)
        rows = [r for r in rows if self._same_kind(r)]
        self.deactivating = {
            self.stored.people[r.sourced_id][0]
            for r in rows
            if r.delete and r.sourced_id in self.stored.people
        }
        self._create_people(rows)
        live = [r for r in rows if not r.delete]
        self._sync_staff([r for r in live if r.kind == "staff"])
        self._sync_students([r for r in live if r.kind == "student"])
        self._update_people(rows)
        self._sync_links(live)
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
        insert_rows(
            self.session,
            Person,
            [
                {
                    "kind": r.kind,
                    "source": "roster",
                    "sourced_id": r.sourced_id,
                    "language": r.language,
                    "active": True,
                    "created_at": self.now,
                    "updated_at": self.now,
                    **r.person,
                }
                for r in new
            ],
        )
        for r in new:
            self.report.count(ENTITY[r.kind], "created")
        for r in rows:
            if r.delete and r.sourced_id not in self.stored.people:
                self.report.count(ENTITY[r.kind], "unchanged")
        self.ids = {
            sid: (pid, kind)
            for sid, pid, kind in self.session.execute(
                select(Person.sourced_id, Person.id, Person.kind).where(Person.source == "roster")
            )
        }
        for r in new:
            self.stored.active[self.ids[r.sourced_id][0]] = True

    def _org(self, row: UserRow, want_school: bool) -> int:
        ids = [self.orgs[o] for o in row.orgs]
        schools = [oid for oid, kind in ids if kind == "school"]
        return (schools or [i[0] for i in ids])[0] if want_school else ids[0][0]

    def _sync_staff(self, rows: list[UserRow]) -> None:
        new, moved = [], []
        for r in rows:
            pid, org = self.ids[r.sourced_id][0], self._org(r, want_school=False)
            if pid not in self.stored.staff:
                new.append(
                    {"person_id": pid, "org_id": org, "role": "coordinator", "password_hash": None}
                )
            elif self.stored.staff[pid] != org:
                moved.append({"person_id": pid, "org_id": org})
                self.touched.add(pid)
            self.stored.staff[pid] = org
        insert_rows(self.session, Staff, new)
        update_rows(self.session, Staff, moved, key="person_id")

    def _coordinator_pool(self, deactivated: set[int]) -> dict[int, list[int]]:
        pool: dict[int, list[int]] = {}
        for pid, org in self.stored.staff.items():
            if org is not None and self.stored.active.get(pid) and pid not in deactivated:
                pool.setdefault(org, []).append(pid)
        return {org: sorted(staff) for org, staff in pool.items()}

    def _sync_students(self, rows: list[UserRow]) -> None:
        wanted: dict[int, dict[str, Any]] = {}
        for r in rows:
            pid = self.ids[r.sourced_id][0]
            old = self.stored.students.get(pid, {})
            birth = self.births.get(r.sourced_id) if self.births is not None else None
            wanted[pid] = {
                **r.student,
                "school_id": self._org(r, want_school=True),
                "birth_date": birth[1] if birth else old.get("birth_date"),
            }
        self._assign_coordinators(wanted, rows)
        new: list[dict[str, Any]] = []
        changed: list[dict[str, Any]] = []
        for pid, want in wanted.items():
            stored = self.stored.students.get(pid)
            if stored is None:
                new.append({"person_id": pid, **want})
            elif any(stored[f] != want[f] for f in STUDENT_FIELDS):
                changed.append({"person_id": pid, **want})
                self.touched.add(pid)
        insert_rows(self.session, Student, new)
        update_rows(self.session, Student, changed, key="person_id")

    def _assign_coordinators(self, wanted: dict[int, dict[str, Any]], rows: list[UserRow]) -> None:
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
        chosen = coordinators.assign(schools, current, others, self._coordinator_pool(deactivated))
        lines = {self.ids[r.sourced_id][0]: r.line for r in rows}
        short: dict[int, int] = {}
        for pid, coordinator in chosen.items():
            wanted[pid]["coordinator_id"] = coordinator
            if coordinator is None:
                short.setdefault(wanted[pid]["school_id"], lines[pid])
        names = {oid: sid for sid, (oid, _type) in self.orgs.items()}
        for school, line in short.items():
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

    def _guardian(self, sid: str, row: UserRow) -> int | None:
        found = self.ids.get(sid)
        if found is None:
            self.report.warn(
                USERS,
                row.line,
                "agentSourcedIds",
                f"unknown or rejected person {sid!r}; not linked",
            )
            return None
        if found[1] != "guardian":
            self.report.warn(
                USERS,
                row.line,
                "agentSourcedIds",
                f"{sid!r} is not a parent or guardian; not linked",
            )
            return None
        return found[0]

    def _wanted_links(
        self, rows: list[UserRow]
    ) -> tuple[dict[int, set[int]], set[tuple[int, int]]]:
        wanted: dict[int, set[int]] = {}
        extra: set[tuple[int, int]] = set()
        for r in rows:
            if r.kind == "student":
                pid = self.ids[r.sourced_id][0]
                wanted[pid] = {g for sid in r.agents if (g := self._guardian(sid, r)) is not None}
        for r in rows:
            if r.kind != "guardian":
                continue
            gid = self.ids[r.sourced_id][0]
            for sid in r.agents:
                found = self.ids.get(sid)
                if found is None or found[1] != "student":
                    self.report.warn(
                        USERS,
                        r.line,
                        "agentSourcedIds",
                        f"{sid!r} is not a known student; not linked",
                    )
                elif found[0] in wanted:
                    wanted[found[0]].add(gid)
                else:
                    extra.add((found[0], gid))
        return wanted, extra

    def _sync_links(self, rows: list[UserRow]) -> None:
        wanted, extra = self._wanted_links(rows)
        desired = {(s, g) for s, gs in wanted.items() for g in gs} | extra
        add = sorted(desired - self.stored.links)
        drop = sorted(link for link in self.stored.links - desired if link[0] in wanted)
        insert_rows(
            self.session, GuardianLink, [{"student_id": s, "guardian_id": g} for s, g in add]
        )
        delete_rows(
            self.session, GuardianLink, [{"student_id": s, "guardian_id": g} for s, g in drop]
        )
        self.report.count("guardian links", "created", len(add))
        self.report.count("guardian links", "removed", len(drop))
        self.report.count("guardian links", "unchanged", len(desired) - len(add))

    def _sync_contacts(self, rows: list[UserRow]) -> None:
        wanted = [
            PhoneOf(USERS, r.line, r.phone_column, self.ids[r.sourced_id][0], r.person["phone"])
            for r in rows
        ]
        sync_contacts(self.session, self.report, wanted, self.now, self.stored.tel)

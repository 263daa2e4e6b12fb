"""Guardian links: who stands behind each student, from both sides of users.csv.

A student row names its guardians (`agentSourcedIds`) and a guardian row may name its
students. The links of a student are re-derived when anything that decides them was read
in full this time: the student's own row, or a guardian row naming the student or already
linked to them. Rows skipped as unchanged still contribute what they name.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.importers.bulk import delete_rows, fetch, insert_values
from bot.importers.report import ImportReport
from bot.importers.roster_rows import UserRow
from bot.importers.roster_scan import USERS, Skipped
from db.models import GuardianLink

AGENTS = "agentSourcedIds"


@dataclass
class LinkSync:
    session: Session
    report: ImportReport
    ids: dict[str, tuple[int, str]]  # sourcedId -> (person id, kind)
    stored: set[tuple[int, int]] = field(default_factory=set)  # (student id, guardian id)

    def run(self, live: list[UserRow], skipped: Iterable[Skipped]) -> None:
        """Add and drop links so they match the rows; count created/removed/unchanged."""
        kept = [s for s in skipped if not s.delete]
        rows: list[UserRow | Skipped] = [*live, *kept]
        if not live and not any(s.kind == "guardian" and s.agents_raw for s in kept):
            if kept:  # nothing read in full, nothing named by guardians: no link can change
                total = self.session.scalar(select(func.count()).select_from(GuardianLink))
                self.report.count("guardian links", "unchanged", total or 0)
            return
        self.stored = set(
            fetch(self.session, select(GuardianLink.student_id, GuardianLink.guardian_id))
        )
        named = self._named_by_guardians(rows)
        students = {pid: row for row in rows if row.kind == "student" and (pid := self._id(row))}
        affected = self._affected(live, named) & set(students)
        desired: set[tuple[int, int]] = set()
        for pid in affected:
            desired |= {(pid, g) for g in self._guardians(students[pid])}
        desired |= {link for link in named if link[0] in affected or link not in self.stored}
        add = sorted(desired - self.stored)
        drop = sorted(link for link in self.stored - desired if link[0] in affected)
        insert_values(self.session, GuardianLink, ("student_id", "guardian_id"), add)
        delete_rows(
            self.session, GuardianLink, [{"student_id": s, "guardian_id": g} for s, g in drop]
        )
        self.report.count("guardian links", "created", len(add))
        self.report.count("guardian links", "removed", len(drop))
        self.report.count("guardian links", "unchanged", len(self.stored) - len(drop))

    def _id(self, row: UserRow | Skipped) -> int:
        return self.ids.get(row.sourced_id, (0, ""))[0]

    def _affected(self, live: list[UserRow], named: set[tuple[int, int]]) -> set[int]:
        """Students whose links must be re-derived: their row or a guardian of theirs was read."""
        students = {self.ids[r.sourced_id][0] for r in live if r.kind == "student"}
        guardians = {self.ids[r.sourced_id][0] for r in live if r.kind == "guardian"}
        students |= {s for s, g in named if g in guardians}
        students |= {s for s, g in self.stored if g in guardians}
        return students

    def _guardians(self, row: UserRow | Skipped) -> set[int]:
        """The guardian ids a student row names (unknown ones reported, left out)."""
        found: set[int] = set()
        for sid in row.agents:
            person = self.ids.get(sid)
            if person is None:
                reason = f"unknown or rejected person {sid!r}; not linked"
            elif person[1] != "guardian":
                reason = f"{sid!r} is not a parent or guardian; not linked"
            else:
                found.add(person[0])
                continue
            self.report.warn(USERS, row.line, AGENTS, reason)
        return found

    def _named_by_guardians(self, rows: list[UserRow | Skipped]) -> set[tuple[int, int]]:
        """(student, guardian) pairs that guardian rows name (non-students reported)."""
        pairs: set[tuple[int, int]] = set()
        for row in rows:
            if row.kind != "guardian" or not row.agents:
                continue
            gid = self._id(row)
            for sid in row.agents if gid else ():
                found = self.ids.get(sid)
                if found is None or found[1] != "student":
                    reason = f"{sid!r} is not a known student; not linked"
                    self.report.warn(USERS, row.line, AGENTS, reason)
                else:
                    pairs.add((found[0], gid))
        return pairs

"""The sample district loaded through the real importers: `district.person("student-1")`.

    def test_something(district, chat):
        leah = district.person("student-1")
        chat.send(leah, "FIND")

Every lookup returns detached rows (read in their own transaction).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from bot.clock import FixedClock
from bot.importers.partners import import_partners
from bot.importers.report import ImportReport
from bot.importers.roster import import_roster
from db.models import Employer, GuardianLink, Opportunity, Org, Person, Site, Student
from db.session import Database
from tests.support.zone import DISTRICT

SAMPLE = Path(__file__).resolve().parents[2] / "bot" / "sample" / "demo-district"


@dataclass
class District:
    db: Database
    roster: ImportReport
    partners: ImportReport
    folder: Path = SAMPLE

    def _one(self, stmt: Any, what: str) -> Any:
        with self.db.transaction() as s:
            found = s.scalar(stmt)
            if found is None:
                raise KeyError(what)
            s.expunge(found)
            return found

    def _all(self, stmt: Any) -> list[Any]:
        with self.db.transaction() as s:
            rows = list(s.scalars(stmt))
            s.expunge_all()
            return rows

    def person(self, sourced_id: str) -> Person:
        """A student, guardian or teacher by roster sourcedId, or a supervisor by supervisor_id."""
        return self._one(
            select(Person).where(Person.sourced_id == sourced_id).order_by(Person.source.desc()),
            sourced_id,
        )

    def student(self, sourced_id: str) -> Student:
        """The Student row (school, birth date, coordinator…) of a roster student."""
        return self._one(
            select(Student)
            .join(Person, Person.id == Student.person_id)
            .where(Person.sourced_id == sourced_id, Person.source == "roster"),
            sourced_id,
        )

    def guardians_of(self, sourced_id: str) -> list[Person]:
        student = self.person(sourced_id)
        return self._all(
            select(Person)
            .join(GuardianLink, GuardianLink.guardian_id == Person.id)
            .where(GuardianLink.student_id == student.id)
            .order_by(Person.sourced_id)
        )

    def school(self, sourced_id: str) -> Org:
        return self._one(select(Org).where(Org.sourced_id == sourced_id), sourced_id)

    def employer(self, external_id: str) -> Employer:
        return self._one(select(Employer).where(Employer.external_id == external_id), external_id)

    def site(self, external_id: str) -> Site:
        return self._one(select(Site).where(Site.external_id == external_id), external_id)

    def opportunity(self, external_id: str) -> Opportunity:
        return self._one(
            select(Opportunity).where(Opportunity.external_id == external_id), external_id
        )

    def people(self, kind: str) -> list[Person]:
        return self._all(select(Person).where(Person.kind == kind).order_by(Person.id))

    @property
    def students(self) -> list[Person]:
        return self.people("student")

    @property
    def guardians(self) -> list[Person]:
        return self.people("guardian")

    @property
    def staff(self) -> list[Person]:
        return self.people("staff")

    @property
    def supervisors(self) -> list[Person]:
        return self.people("supervisor")

    @property
    def opportunities(self) -> list[Opportunity]:
        return self._all(select(Opportunity).order_by(Opportunity.id))


def load_district(db: Database, clock: FixedClock, folder: Path = SAMPLE) -> District:
    """Import `folder` (roster, then partners) at the clock's instant; both must be clean."""
    roster = import_roster(db, folder, now=clock.now())
    partners = import_partners(db, folder, now=clock.now(), tz=DISTRICT)
    assert roster.clean, roster.render()
    assert partners.clean, partners.render()
    return District(db, roster, partners, folder)


@pytest.fixture
def district(database: Database, clock: FixedClock) -> District:
    """The sample district (3 schools, 40 students, 15 opportunities) in the test database."""
    return load_district(database, clock)


def copy_sample(target: Path) -> Path:
    """A writable copy of the sample bundle under `target` (for tests that edit rows)."""
    target.mkdir(parents=True, exist_ok=True)
    for src in SAMPLE.glob("*.csv"):
        (target / src.name).write_bytes(src.read_bytes())
    return target


def edit_row(folder: Path, file: str, key: str, **changes: str) -> None:
    """Set columns of the row whose first column is `key` (plain CSV rewrite)."""
    import csv

    path = folder / file
    with path.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    header = rows[0]
    for row in rows[1:]:
        if row and row[0] == key:
            for column, value in changes.items():
                row[header.index(column)] = value
            break
    else:
        raise KeyError(key)
    with path.open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh, lineterminator="\n").writerows(rows)


def line_of(folder: Path, file: str, key: str) -> int:
    """The physical line (header = 1) of the row whose first column is `key`."""
    for number, text in enumerate((folder / file).read_text().splitlines(), start=1):
        if text.split(",", 1)[0] == key:
            return number
    raise KeyError(key)

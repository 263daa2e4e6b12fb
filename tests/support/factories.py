"""Factories with defaults and overrides: `make.student(grade="12")`.

Each call writes real rows in its own committed transaction and returns plain ids/objects.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import pytest

from bot.clock import FixedClock
from db.models import (
    Application,
    Contact,
    Deliverable,
    Employer,
    GuardianLink,
    Opportunity,
    Org,
    Person,
    Placement,
    Site,
    Staff,
    Student,
    Supervisor,
    TimeEntry,
    VettingCheck,
)
from db.session import Database

_seq = itertools.count(1)


def _phone() -> str:
    # 555-01xx numbers are reserved for fiction; vary the area code to stay unique
    n = next(_seq)
    return (
        f"+1{[209, 559, 661, 415, 510][n % 5]}55501{n % 100:02d}"
        if n < 100
        else f"+1415555{1000 + n % 9000:04d}"  # never 555-01xx: those are taken above
    )


@dataclass
class Factory:
    db: Database
    clock: FixedClock

    @property
    def now(self) -> datetime:
        return self.clock.now()

    def _save(self, *rows: Any) -> None:
        with self.db.transaction() as s:
            for row in rows:
                s.add(row)
                s.flush()
            for row in rows:
                s.expunge(row)

    def school(self, name: str = "Cedar Valley High School", **kw: Any) -> Org:
        org = Org(
            sourced_id=kw.pop("sourced_id", f"school-{next(_seq)}"),
            name=name,
            type="school",
            updated_at=self.now,
            **kw,
        )
        self._save(org)
        return org

    def person(
        self,
        kind: str,
        *,
        phone: str | None = "auto",
        language: str = "en",
        given_name: str = "Alex",
        family_name: str = "Rivera",
        **kw: Any,
    ) -> Person:
        phone = _phone() if phone == "auto" else phone
        person = Person(
            kind=kind,
            source=kw.pop("source", "roster"),
            sourced_id=kw.pop("sourced_id", f"{kind}-{next(_seq)}"),
            given_name=given_name,
            family_name=family_name,
            language=language,
            phone=phone,
            active=kw.pop("active", True),
            created_at=self.now,
            updated_at=self.now,
            **kw,
        )
        self._save(person)
        if phone:
            self._save(
                Contact(urn=f"tel:{phone}", scheme="tel", person_id=person.id, created_at=self.now)
            )
        return person

    def student(
        self,
        *,
        school: Org | None = None,
        birth_date: date = date(2009, 5, 1),
        transportation: str = "none",
        home: tuple[float, float] | None = (36.6, -119.45),
        interests: str = "",
        grade: str = "11",
        guardians: int = 1,
        **kw: Any,
    ) -> Person:
        school = school or self.school()
        person = self.person("student", given_name=kw.pop("given_name", "Leah"), **kw)
        student = Student(
            person_id=person.id,
            school_id=school.id,
            grade=grade,
            birth_date=birth_date,
            transportation=transportation,
            home_lat=home[0] if home else None,
            home_lon=home[1] if home else None,
            interests=interests,
        )
        self._save(student)
        for _ in range(guardians):
            self.guardian_of(person)
        return person

    def guardian_of(self, *students: Person, **kw: Any) -> Person:
        guardian = self.person("guardian", given_name=kw.pop("given_name", "Rosa"), **kw)
        self._save(*[GuardianLink(student_id=s.id, guardian_id=guardian.id) for s in students])
        return guardian

    def staff(self, *, school: Org | None = None, **kw: Any) -> Person:
        person = self.person("staff", given_name=kw.pop("given_name", "Ava"), **kw)
        self._save(Staff(person_id=person.id, org_id=school.id if school else None))
        return person

    def employer(
        self,
        kind: str = "business",
        *,
        insurance_expires: date | None = date(2028, 1, 1),
        agreement_signed: date | None = date(2026, 6, 1),
        **kw: Any,
    ) -> Employer:
        emp = Employer(
            external_id=kw.pop("external_id", f"emp-{next(_seq)}"),
            name=kw.pop("name", "Sunrise Bakery"),
            kind=kind,
            updated_at=self.now,
            **kw,
        )
        self._save(emp)
        checks = []
        if insurance_expires:
            checks.append(
                VettingCheck(
                    kind="insurance",
                    employer_id=emp.id,
                    expires_on=insurance_expires,
                    recorded_at=self.now,
                )
            )
        if agreement_signed:
            checks.append(
                VettingCheck(
                    kind="agreement",
                    employer_id=emp.id,
                    completed_on=agreement_signed,
                    recorded_at=self.now,
                )
            )
        self._save(*checks)
        return emp

    def site(
        self,
        employer: Employer,
        *,
        lat: float = 36.6031,
        lon: float = -119.4488,
        radius_m: int = 100,
        transit: bool = True,
        school: Org | None = None,
        **kw: Any,
    ) -> Site:
        site = Site(
            external_id=kw.pop("external_id", f"site-{next(_seq)}"),
            employer_id=employer.id,
            name=kw.pop("name", employer.name),
            lat=lat,
            lon=lon,
            radius_m=radius_m,
            transit=transit,
            school_id=school.id if school else None,
            updated_at=self.now,
            **kw,
        )
        self._save(site)
        return site

    def supervisor(
        self, employer: Employer, *, background_check: date | None = date(2026, 3, 1), **kw: Any
    ) -> Person:
        person = self.person(
            "supervisor", source="partners", given_name=kw.pop("given_name", "Gabriel"), **kw
        )
        self._save(Supervisor(person_id=person.id, employer_id=employer.id))
        if background_check:
            self._save(
                VettingCheck(
                    kind="background_check",
                    supervisor_id=person.id,
                    completed_on=background_check,
                    recorded_at=self.now,
                )
            )
        return person

    def opportunity(
        self,
        employer: Employer | None = None,
        *,
        site: Site | None = None,
        supervisor: Person | None = None,
        kind: str = "micro",
        remote: bool = False,
        seats: int = 2,
        min_age: int = 14,
        est_hours: str = "6",
        starts_on: date = date(2026, 12, 1),
        due_on: date = date(2026, 12, 28),
        **kw: Any,
    ) -> Opportunity:
        employer = employer or self.employer()
        supervisor = supervisor or self.supervisor(employer)
        if site is None and not remote:
            site = self.site(employer)
        opp = Opportunity(
            external_id=kw.pop("external_id", f"opp-{next(_seq)}"),
            employer_id=employer.id,
            site_id=site.id if site else None,
            supervisor_id=supervisor.id,
            kind=kind,
            title=kw.pop("title", "Audit our social media"),
            description=kw.pop("description", "Audit our social media."),
            deliverables=kw.pop("deliverables", "A one-page audit"),
            est_hours=Decimal(est_hours),
            seats=seats,
            career_cluster=kw.pop("career_cluster", "marketing"),
            min_age=min_age,
            starts_on=starts_on,
            due_on=due_on,
            remote=remote,
            updated_at=self.now,
            **kw,
        )
        self._save(opp)
        return opp

    def telegram_contact(self, person: Person, chat_id: int | None = None) -> str:
        """Link `person` to a Telegram chat; returns the URN (`telegram:<chat id>`)."""
        urn = f"telegram:{chat_id or 700000000 + next(_seq)}"
        self._save(Contact(urn=urn, scheme="telegram", person_id=person.id, created_at=self.now))
        return urn

    def placement(
        self, student: Person, opportunity: Opportunity, *, status: str = "ready", **kw: Any
    ) -> Placement:
        """An approved application and its placement (dates from the opportunity)."""
        app = Application(
            student_id=student.id,
            opportunity_id=opportunity.id,
            status="approved",
            created_at=self.now,
            decided_at=self.now,
        )
        self._save(app)
        placement = Placement(
            application_id=app.id,
            student_id=student.id,
            opportunity_id=opportunity.id,
            status=status,
            starts_on=kw.pop("starts_on", opportunity.starts_on),
            due_on=kw.pop("due_on", opportunity.due_on),
            agreement_ack_at=kw.pop("agreement_ack_at", self.now),
            created_at=self.now,
            **kw,
        )
        self._save(placement)
        return placement

    def time_entry(
        self, placement: Placement, *, hours: str = "1.5", status: str = "pending", **kw: Any
    ) -> TimeEntry:
        """Hours logged by hand (kind manual), pending the supervisor's OK by default."""
        entry = TimeEntry(
            placement_id=placement.id,
            student_id=placement.student_id,
            kind=kw.pop("kind", "manual"),
            status=status,
            hours=Decimal(hours),
            description=kw.pop("description", "researched competitors"),
            created_at=kw.pop("created_at", self.now),
            **kw,
        )
        self._save(entry)
        return entry

    def deliverable(self, placement: Placement, **kw: Any) -> Deliverable:
        """Submitted work (a link by default)."""
        work = Deliverable(
            placement_id=placement.id,
            text=kw.pop("text", "My audit https://docs.example.org/audit"),
            url=kw.pop("url", "https://docs.example.org/audit"),
            status=kw.pop("status", "submitted"),
            submitted_at=kw.pop("submitted_at", self.now),
            **kw,
        )
        self._save(work)
        return work


@pytest.fixture
def make(database: Database, clock: FixedClock) -> Factory:
    return Factory(database, clock)

"""A small fixed district for the equity reports, with figures computed by hand.

    school sch-a: stu-1 (12, none, en, female)  approved 2.00 h (Tue 2026-11-24), 1 h pending
                  stu-2 (12, car, es, male)     1 h pending only          -> no experience
                  stu-3 (11, transit, en, -)    no placement              -> no experience
    school sch-b: stu-4 (12, none, es, female)  approved 1.50 + 3.00 h (Mon 11-30, Tue 12-01)
                  stu-5 (10, none, en, male)    2 h rejected              -> no experience
                  stu-6 inactive (11)           approved 5.00 h (Sun 11-29 23:30 Los Angeles,
                                                already 11-30 in UTC)

Ava Patel (ava.patel@example.org, admin + coordinator) has stu-1..stu-3 in her caseload;
Hiro Vang (hiro@example.org, coordinator) has stu-4..stu-6.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from bot import kinds
from db.models import Student, StudentDemographic
from tests.support.staff import add_account

LA = ZoneInfo("America/Los_Angeles")
AVA, HIRO = "ava.patel@example.org", "hiro@example.org"


def at(day: int, month: int = 11, hour: int = 16, minute: int = 0) -> datetime:
    """A local Los Angeles instant in late 2026."""
    return datetime(2026, month, day, hour, minute, tzinfo=LA)


@dataclass
class Equity:
    students: dict[str, Any]
    placements: dict[str, Any]
    ava: Any
    hiro: Any
    kinds: tuple[str, str]


@pytest.fixture
def equity(make, database, clock) -> Equity:
    a = make.school("Cedar Valley High", sourced_id="sch-a", lat=36.6, lon=-119.45)
    b = make.school("Kings River High", sourced_id="sch-b", lat=36.7, lon=-119.3)
    ava = make.staff(school=a, given_name="Ava", family_name="Patel", email=AVA)
    hiro = make.staff(school=b, given_name="Hiro", family_name="Vang", email=HIRO)
    add_account(database, clock, AVA, roles=("admin", "coordinator"))
    add_account(database, clock, HIRO, roles=("coordinator",))
    facts = {
        "stu-1": (a, "12", "none", "en", "female", ava, True),
        "stu-2": (a, "12", "car", "es", "male", ava, True),
        "stu-3": (a, "11", "transit", "en", None, ava, True),
        "stu-4": (b, "12", "none", "es", "female", hiro, True),
        "stu-5": (b, "10", "none", "en", "male", hiro, True),
        "stu-6": (b, "11", "none", "en", "female", hiro, False),
    }
    students = {}
    given = iter(["Leah", "Samuel", "Kai", "Amara", "Diego", "Grace"])
    for sid, (school, grade, transport, lang, sex, coord, active) in facts.items():
        person = make.student(
            school=school,
            grade=grade,
            transportation=transport,
            language=lang,
            sourced_id=sid,
            given_name=next(given),
            active=active,
            guardians=0,
        )
        with database.transaction() as s:
            s.get(Student, person.id).coordinator_id = coord.id
            if sex:
                s.add(StudentDemographic(person_id=person.id, field="sex", value=sex))
        students[sid] = person
    first, second = kinds.codes()[0], kinds.codes()[1]
    bakery = make.employer(name="Sunrise Bakery")
    clinic = make.employer(name="Valley Clinic")
    o1 = make.opportunity(bakery, kind=first, external_id="opp-1", career_cluster="marketing")
    o2 = make.opportunity(
        clinic, kind=second, external_id="opp-2", career_cluster="health", remote=True
    )
    p = {
        "stu-1": make.placement(students["stu-1"], o1),
        "stu-2": make.placement(students["stu-2"], o2),
        "stu-4": make.placement(students["stu-4"], o2),
        "stu-5": make.placement(students["stu-5"], o1, status="completed"),
        "stu-6": make.placement(students["stu-6"], o1),
    }
    make.time_entry(p["stu-1"], hours="2.00", status="approved", started_at=at(24))
    make.time_entry(p["stu-1"], hours="1.00", status="pending", started_at=at(25))
    make.time_entry(p["stu-2"], hours="1.00", status="pending", started_at=at(25))
    make.time_entry(
        p["stu-4"], hours="1.50", status="approved", started_at=at(30, hour=0, minute=30)
    )
    make.time_entry(p["stu-4"], hours="3.00", status="approved", created_at=at(1, 12, 8))
    make.time_entry(p["stu-5"], hours="2.00", status="rejected", started_at=at(26))
    make.time_entry(
        p["stu-6"], hours="5.00", status="approved", started_at=at(29, hour=23, minute=30)
    )
    return Equity(students, p, ava, hiro, (first, second))

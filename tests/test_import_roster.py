"""The OneRoster import, driven the way a data manager uses it: a folder in, a report out."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import func, select

from bot.importers.roster import import_roster
from bot.rules.placement import age_on, is_minor
from db.models import AuditEntry, Contact, GuardianLink, Org, Person, Staff, Student
from db.session import Database
from tests.support.district import SAMPLE, District, copy_sample, edit_row

TODAY = date(2026, 12, 1)


def _count(db: Database, model: type, *where: object) -> int:
    with db.transaction() as s:
        return s.scalar(select(func.count()).select_from(model).where(*where)) or 0


def _table_counts(db: Database) -> dict[str, int]:
    from db.base import Base

    with db.transaction() as s:
        return {
            t.name: s.scalar(select(func.count()).select_from(t)) or 0
            for t in Base.metadata.sorted_tables
        }


def _stamps(db: Database) -> dict[str, object]:
    with db.transaction() as s:
        return dict(s.execute(select(Person.sourced_id, Person.updated_at)).all())


def test_sample_lands_with_every_count(district: District, database: Database) -> None:
    counts = district.roster.summary()
    assert counts["orgs"] == {"created": 4}
    assert counts["students"] == {"created": 40}
    assert counts["guardians"] == {"created": 45}
    assert counts["staff"] == {"created": 3}
    assert _count(database, Org, Org.type == "school") == 3
    assert _count(database, Person, Person.kind == "student") == 40
    assert _count(database, Person, Person.kind == "guardian") == 45
    assert _count(database, Staff) == 3
    assert _count(database, GuardianLink) == 61
    assert district.roster.clean


def test_every_imported_person_starts_with_a_blank_conversation(
    district: District, database: Database
) -> None:
    from db.models import Conversation

    roster_people = _count(database, Person, Person.source == "roster")
    assert roster_people > 0
    assert _count(database, Conversation, Conversation.state == "idle") == roster_people
    with database.transaction() as s:
        missing = s.scalar(
            select(func.count())
            .select_from(Person)
            .outerjoin(Conversation, Conversation.person_id == Person.id)
            .where(Person.source == "roster", Conversation.person_id.is_(None))
        )
    assert missing == 0


def test_siblings_share_one_guardian(district: District) -> None:
    parent = district.person("guardian-1-0")
    assert [g.id for g in district.guardians_of("student-1")] == [parent.id]
    assert [g.id for g in district.guardians_of("student-2")] == [parent.id]
    both = district.guardians_of("student-5")
    assert [g.sourced_id for g in both] == ["guardian-5-0", "guardian-5-1"]
    four = [s for s in (f"student-{n}" for n in (22, 23, 24, 25))]
    assert all(len(district.guardians_of(s)) == 2 for s in four)


def test_minors_and_adults_are_derived_from_birth_dates(district: District) -> None:
    leah = district.student("student-1")  # born 2009-11-27
    assert leah.birth_date == date(2009, 11, 27)
    assert age_on(leah.birth_date, TODAY) == 17 and is_minor(leah.birth_date, TODAY)
    kai = district.student("student-3")  # born 2008-12-20: 18 during the term
    assert is_minor(kai.birth_date, TODAY)
    assert not is_minor(kai.birth_date, date(2026, 12, 20))
    adults = [p.sourced_id for p in district.students if not is_minor(_born(district, p), TODAY)]
    assert sorted(adults) == ["student-22", "student-33", "student-36", "student-8"]


def _born(district: District, person: Person) -> date | None:
    return district.student(person.sourced_id).birth_date


def test_people_carry_the_wbl_metadata_and_a_text_contact(
    district: District, database: Database
) -> None:
    samuel = district.person("student-2")
    facts = district.student("student-2")
    assert (samuel.language, samuel.phone) == ("es", "+16615550112")
    assert facts.transportation == "transit" and facts.grade == "10"
    assert (facts.home_lat, facts.home_lon) == (36.670, -119.504)
    assert facts.interest_list == ["marketing", "government"]
    assert district.school("school-2").id == facts.school_id
    teacher = district.person("staff-1")
    assert teacher.phone == "+12095550115"  # the `phone` column when `sms` is blank
    assert _count(database, Contact, Contact.urn == "tel:+16615550112") == 1
    assert district.roster.summary()["contacts"] == {"created": 88}


def test_every_student_has_a_coordinator_at_their_school(
    district: District, database: Database
) -> None:
    with database.transaction() as s:
        pairs = s.execute(
            select(Student.school_id, Staff.org_id).join(
                Staff, Staff.person_id == Student.coordinator_id
            )
        ).all()
    assert len(pairs) == 40
    assert all(school == org for school, org in pairs)


def test_reimporting_the_same_bundle_changes_and_writes_nothing(
    district: District, database: Database, clock
) -> None:
    before, stamps = _table_counts(database), _stamps(database)
    clock.advance(hours=24)
    report = import_roster(database, SAMPLE, now=clock.now())
    assert report.clean and not report.changed
    for entity in ("students", "guardians", "staff", "orgs"):
        assert set(report.summary()[entity]) == {"unchanged"}
    assert report.summary()["students"]["unchanged"] == 40
    assert _table_counts(database) == before  # not even an audit entry
    assert _stamps(database) == stamps


def test_the_first_import_is_audited_with_counts_not_names(
    district: District, database: Database
) -> None:
    with database.transaction() as s:
        entry = s.scalar(select(AuditEntry).where(AuditEntry.action == "import:roster"))
        assert entry is not None and entry.actor == "import"
        assert entry.details["counts"]["students"] == {"created": 40}
        assert "Leah" not in str(entry.details)


def test_a_changed_row_updates_only_that_person(
    district: District, database: Database, clock, tmp_path: Path
) -> None:
    folder = copy_sample(tmp_path / "b")
    edit_row(folder, "users.csv", "student-1", givenName="Lea", sms="(559) 555-0198")
    stamps = _stamps(database)
    clock.advance(hours=1)
    report = import_roster(database, folder, now=clock.now())
    assert report.clean, report.render()
    assert report.summary()["students"] == {"updated": 1, "unchanged": 39}
    assert report.summary()["contacts"]["created"] == 1
    assert report.summary()["contacts"]["removed"] == 1
    lea = district.person("student-1")
    assert (lea.given_name, lea.phone) == ("Lea", "+15595550198")
    assert lea.updated_at == clock.now()
    after = _stamps(database)
    assert [k for k in after if after[k] != stamps[k]] == ["student-1"]
    assert _count(database, Contact, Contact.urn == "tel:+15595550148") == 0
    assert _count(database, Contact, Contact.person_id == lea.id) == 1


def test_tobedeleted_deactivates_and_keeps_history(
    district: District, database: Database, clock, tmp_path: Path
) -> None:
    folder = copy_sample(tmp_path / "b")
    edit_row(folder, "users.csv", "student-2", status="tobedeleted")
    report = import_roster(database, folder, now=clock.now())
    assert report.summary()["students"] == {"deactivated": 1, "unchanged": 39}
    samuel = district.person("student-2")
    assert not samuel.active
    assert district.student("student-2").school_id == district.school("school-2").id
    assert len(district.guardians_of("student-2")) == 1  # links kept
    again = import_roster(database, folder, now=clock.now())
    assert not again.changed and again.summary()["students"] == {"unchanged": 40}


def test_a_student_whose_guardians_change_gets_the_new_links(
    district: District, database: Database, clock, tmp_path: Path
) -> None:
    folder = copy_sample(tmp_path / "b")
    edit_row(folder, "users.csv", "student-1", agentSourcedIds="guardian-3-0,guardian-5-0")
    report = import_roster(database, folder, now=clock.now())
    assert report.summary()["guardian links"] == {"created": 2, "removed": 1, "unchanged": 60}
    names = [g.sourced_id for g in district.guardians_of("student-1")]
    assert names == ["guardian-3-0", "guardian-5-0"]
    assert [g.sourced_id for g in district.guardians_of("student-2")] == ["guardian-1-0"]


def test_shift_days_moves_birth_dates(database: Database, clock) -> None:
    report = import_roster(database, SAMPLE, now=clock.now(), shift_days=14)
    assert report.clean
    with database.transaction() as s:
        born = s.scalar(
            select(Student.birth_date)
            .join(Person, Person.id == Student.person_id)
            .where(Person.sourced_id == "student-1")
        )
    assert born == date(2009, 11, 27) + timedelta(days=14)

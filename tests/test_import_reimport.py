"""Re-importing a bundle skips unchanged rows, yet lands exactly what a full read would.

Each test changes the bundle the way an SIS export changes, imports it (unchanged rows are
skipped by their digest), then checks the outcome and that a full import that reads and
compares every row (`full=True`) finds nothing left to change and the same problems.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from sqlalchemy import func, select

from bot.importers import fields
from bot.importers.report import ImportReport
from bot.importers.roster import import_roster
from db.models import GuardianLink, ImportRowDigest, Person, Student
from db.session import Database
from tests.support.district import District, copy_sample, edit_row, line_of


def _settled(db: Database, folder: Path, clock, report: ImportReport) -> None:
    """A full import of the same folder changes nothing and reports the same problems."""
    again = import_roster(db, folder, now=clock.now(), full=True)
    assert not again.changed, again.render()
    assert sorted(p.render() for p in again.problems) == sorted(p.render() for p in report.problems)


def _coordinator(district: District, sid: str) -> str | None:
    cid = district.student(sid).coordinator_id
    if cid is None:
        return None
    with district.db.transaction() as s:
        return s.scalar(select(Person.sourced_id).where(Person.id == cid))


def _guardian_ids(district: District, sid: str) -> list[str]:
    return [g.sourced_id for g in district.guardians_of(sid)]


def test_the_first_import_remembers_every_clean_row(district: District, database: Database) -> None:
    with database.transaction() as s:
        n = s.scalar(select(func.count()).select_from(ImportRowDigest))
    assert n == 88  # 3 staff + 45 guardians + 40 students


def test_an_unchanged_bundle_parses_no_phone_and_writes_nothing(
    district: District, database: Database, clock
) -> None:
    fields._e164.cache_clear()
    report = import_roster(database, district.folder, now=clock.now())
    assert not report.changed and report.clean
    assert report.summary()["students"] == {"unchanged": 40}
    info = fields._e164.cache_info()
    assert (info.hits, info.misses) == (0, 0)  # not one phone number read again


def test_a_rejected_guardian_row_keeps_the_links_of_unchanged_students(
    district: District, database: Database, clock, tmp_path: Path
) -> None:
    folder = copy_sample(tmp_path / "b")
    edit_row(folder, "users.csv", "guardian-12-0", givenName="")
    report = import_roster(database, folder, now=clock.now())
    line = line_of(folder, "users.csv", "guardian-12-0")
    assert [p.render() for p in report.problems] == [
        f"users.csv:{line}: givenName: required value missing; row rejected"
    ]
    assert _guardian_ids(district, "student-12") == ["guardian-12-0"]
    assert not report.changed
    _settled(database, folder, clock, report)
    again = import_roster(database, folder, now=clock.now())
    assert [p.render() for p in again.problems] == [p.render() for p in report.problems]


def test_a_student_naming_a_guardian_added_later_gets_the_link(
    database: Database, clock, tmp_path: Path
) -> None:
    folder = copy_sample(tmp_path / "b")
    users = folder / "users.csv"
    rows = users.read_text().splitlines()
    parent = next(r for r in rows if r.startswith("guardian-12-0,"))
    users.write_text("\n".join(r for r in rows if r != parent) + "\n")
    first = import_roster(database, folder, now=clock.now())
    assert {p.line for p in first.problems} == {
        line_of(folder, "users.csv", f"student-{n}") for n in (12, 13, 14)
    }
    users.write_text("\n".join(rows) + "\n")
    report = import_roster(database, folder, now=clock.now())
    assert report.clean, report.render()
    assert report.summary()["guardian links"]["created"] == 3
    _settled(database, folder, clock, report)


def test_a_teacher_leaving_moves_unchanged_students_to_the_new_teacher(
    district: District, database: Database, clock, tmp_path: Path
) -> None:
    folder = copy_sample(tmp_path / "b")
    assert _coordinator(district, "student-1") == "staff-1"
    users = folder / "users.csv"
    teacher = users.read_text().splitlines()[1].replace("staff-1,", "staff-4,", 1)
    users.write_text(
        users.read_text()
        + teacher.replace("Ava,Patel", "Rosa,Ortiz").replace("0115", "0199")
        + "\n"
    )
    edit_row(folder, "users.csv", "staff-1", status="tobedeleted")
    clock.advance(hours=1)
    report = import_roster(database, folder, now=clock.now())
    assert report.clean, report.render()
    school = district.school("school-1").id
    at_school_1 = [
        p for p in district.students if district.student(p.sourced_id).school_id == school
    ]
    assert all(_coordinator(district, p.sourced_id) == "staff-4" for p in at_school_1)
    assert report.summary()["staff"] == {"created": 1, "deactivated": 1, "unchanged": 2}
    assert report.summary()["students"]["updated"] == len(at_school_1)
    assert district.person("student-1").updated_at == clock.now()
    _settled(database, folder, clock, report)


def test_a_school_left_without_teachers_is_reported_on_every_import(
    district: District, database: Database, clock, tmp_path: Path
) -> None:
    folder = copy_sample(tmp_path / "b")
    edit_row(folder, "users.csv", "staff-3", status="tobedeleted")
    first = import_roster(database, folder, now=clock.now())
    again = import_roster(database, folder, now=clock.now())
    for report in (first, again):
        assert [p.reason for p in report.problems] == [
            "no active teacher at 'school-3' to coordinate students"
        ]
    assert _coordinator(district, "student-4") is None
    assert not again.changed
    _settled(database, folder, clock, again)


def test_a_changed_birth_date_alone_updates_the_student(
    district: District, database: Database, clock, tmp_path: Path
) -> None:
    folder = copy_sample(tmp_path / "b")
    edit_row(folder, "demographics.csv", "student-7", birthDate="2010-02-03")
    report = import_roster(database, folder, now=clock.now())
    assert report.summary()["students"] == {"updated": 1, "unchanged": 39}
    assert district.student("student-7").birth_date == date(2010, 2, 3)
    _settled(database, folder, clock, report)
    shifted = import_roster(database, folder, now=clock.now(), shift_days=1)
    assert shifted.summary()["students"] == {"updated": 40}
    assert district.student("student-7").birth_date == date(2010, 2, 4)


def test_a_guardian_row_dropping_a_student_unlinks_them(
    district: District, database: Database, clock, tmp_path: Path
) -> None:
    folder = copy_sample(tmp_path / "b")
    edit_row(folder, "users.csv", "guardian-3-0", agentSourcedIds="student-1")
    report = import_roster(database, folder, now=clock.now())
    assert report.summary()["guardian links"]["created"] == 1
    assert _guardian_ids(district, "student-1") == ["guardian-1-0", "guardian-3-0"]
    _settled(database, folder, clock, report)
    edit_row(folder, "users.csv", "guardian-3-0", agentSourcedIds="")
    report = import_roster(database, folder, now=clock.now())
    assert report.summary()["guardian links"] == {"removed": 1, "unchanged": 61}
    assert _guardian_ids(district, "student-1") == ["guardian-1-0"]
    assert _guardian_ids(district, "student-3") == ["guardian-3-0"]
    _settled(database, folder, clock, report)


def test_a_bad_phone_is_reported_every_time_until_fixed(
    district: District, database: Database, clock, tmp_path: Path
) -> None:
    folder = copy_sample(tmp_path / "b")
    edit_row(folder, "users.csv", "student-9", sms="12345")
    for _ in range(2):
        report = import_roster(database, folder, now=clock.now())
        assert [(p.column, p.severity) for p in report.problems] == [("sms", "warning")]
    assert district.person("student-9").phone is None
    edit_row(folder, "users.csv", "student-9", sms="(661) 555-0138")
    report = import_roster(database, folder, now=clock.now())
    assert report.clean and district.person("student-9").phone == "+16615550138"
    _settled(database, folder, clock, report)


def test_a_deactivated_school_rejects_its_unchanged_people(
    district: District, database: Database, clock, tmp_path: Path
) -> None:
    folder = copy_sample(tmp_path / "b")
    edit_row(folder, "orgs.csv", "school-3", status="tobedeleted")
    report = import_roster(database, folder, now=clock.now())
    rejected = [p for p in report.problems if p.column == "orgSourcedIds"]
    assert rejected and all("unknown org 'school-3'" in p.reason for p in rejected)
    assert report.summary()["orgs"] == {"deactivated": 1, "unchanged": 3}
    _settled(database, folder, clock, report)


def test_a_hand_edit_survives_until_a_full_import(
    district: District, database: Database, clock
) -> None:
    leah = district.person("student-1")
    with database.transaction() as s:
        s.get(Person, leah.id).given_name = "Lea"  # type: ignore[union-attr]
    assert not import_roster(database, district.folder, now=clock.now()).changed
    assert district.person("student-1").given_name == "Lea"
    full = import_roster(database, district.folder, now=clock.now(), full=True)
    assert full.summary()["students"] == {"updated": 1, "unchanged": 39}
    assert district.person("student-1").given_name == "Leah"


def test_moved_rows_are_still_recognised(
    district: District, database: Database, clock, tmp_path: Path
) -> None:
    folder = copy_sample(tmp_path / "b")
    users = folder / "users.csv"
    header, *rows = users.read_text().splitlines()
    users.write_text("\n".join([header, *reversed(rows)]) + "\n")
    fields._e164.cache_clear()
    report = import_roster(database, folder, now=clock.now())
    assert not report.changed and report.clean
    assert fields._e164.cache_info().misses == 0
    with database.transaction() as s:
        links = s.scalar(select(func.count()).select_from(GuardianLink))
        students = s.scalar(select(func.count()).select_from(Student))
    assert (links, students) == (61, 40)

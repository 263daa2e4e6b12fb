"""Bad and messy roster files: every bad row reported with file and line, good rows land."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.cli import main
from bot.importers.roster import import_roster
from db.models import Contact, Person
from db.session import Database
from tests.support.district import SAMPLE, copy_sample, edit_row, line_of


def _people(db: Database, kind: str) -> dict[str, Person]:
    with db.transaction() as s:
        found = {p.sourced_id: p for p in s.scalars(select(Person).where(Person.kind == kind))}
        s.expunge_all()
    return found


def _broken(tmp_path: Path) -> tuple[Path, dict[str, int]]:
    folder = copy_sample(tmp_path / "broken")
    lines = {k: line_of(folder, "users.csv", k) for k in ("student-4", "student-6", "student-9")}
    lines["guardian-12-0"] = line_of(folder, "users.csv", "guardian-12-0")
    edit_row(folder, "users.csv", "student-4", orgSourcedIds="school-9")
    edit_row(folder, "users.csv", "student-6", givenName="")
    edit_row(folder, "users.csv", "student-9", sms="12345")
    edit_row(folder, "users.csv", "guardian-12-0", givenName="")
    users = folder / "users.csv"
    text = users.read_text()
    dup = next(t for t in text.splitlines() if t.startswith("guardian-9-0,"))
    users.write_text(text + dup.replace("Kai", "Kay") + "\n")
    lines["dup"] = len(text.splitlines()) + 1
    demo = folder / "demographics.csv"
    demo.write_text(demo.read_text().replace("birthDate", "birth_date", 1))
    return folder, lines


def test_a_broken_bundle_reports_every_bad_row_and_lands_the_rest(
    database: Database, clock, tmp_path: Path
) -> None:
    folder, at = _broken(tmp_path)
    report = import_roster(database, folder, now=clock.now())
    lines = report.render().splitlines()
    expected = [
        "demographics.csv:1: birthDate: required column missing from the header; file refused",
        f"users.csv:{at['student-4']}: orgSourcedIds: unknown org 'school-9'; row rejected",
        f"users.csv:{at['student-6']}: givenName: required value missing; row rejected",
        f"users.csv:{at['guardian-12-0']}: givenName: required value missing; row rejected",
        f"users.csv:{at['student-9']}: sms: not a valid phone number; imported without it",
        f"users.csv:{at['dup']}: sourcedId: duplicate of line "
        f"{line_of(folder, 'users.csv', 'guardian-9-0')}; row rejected",
    ]
    for line in expected:
        assert line in lines, report.render()
    linked = [p for p in report.problems if "guardian-12-0" in p.reason]
    assert [p.line for p in linked] == [
        line_of(folder, "users.csv", f"student-{n}") for n in (12, 13, 14)
    ]
    assert not report.clean
    students, guardians = _people(database, "student"), _people(database, "guardian")
    assert len(students) == 38 and "student-4" not in students and "student-6" not in students
    assert len(guardians) == 44 and guardians["guardian-9-0"].given_name == "Kai"
    assert students["student-9"].phone is None
    with database.transaction() as s:
        urns = s.scalar(select(func.count()).where(Contact.person_id == students["student-9"].id))
    assert urns == 0


def test_a_bad_birth_date_rejects_that_demographics_row(
    database: Database, clock, tmp_path: Path
) -> None:
    folder = copy_sample(tmp_path / "b")
    edit_row(folder, "demographics.csv", "student-7", birthDate="2009-13-45")
    report = import_roster(database, folder, now=clock.now())
    line = line_of(folder, "demographics.csv", "student-7")
    assert [p.render() for p in report.problems] == [
        f"demographics.csv:{line}: birthDate: not a date (YYYY-MM-DD): '2009-13-45'; row rejected"
    ]
    assert _people(database, "student")["student-7"].active  # the student still lands


def test_a_users_file_missing_a_header_is_refused_whole(
    database: Database, clock, tmp_path: Path
) -> None:
    folder = copy_sample(tmp_path / "b")
    users = folder / "users.csv"
    users.write_text(users.read_text().replace("givenName", "firstName", 1))
    report = import_roster(database, folder, now=clock.now())
    assert report.render().splitlines()[0] == (
        "users.csv:1: givenName: required column missing from the header; file refused"
    )
    assert _people(database, "student") == {}
    assert report.summary()["orgs"] == {"created": 4}


MESSY_ORGS = 'sourcedId,name,type\r\nschool-1,"Cedar Valley High School, East",school\r\n'
MESSY_USERS = (
    "\ufeffsourcedid , role,familyName,givenName,orgSourcedIds,sms,phone,favouriteColour\r\n"
    "\r\n"
    's-1,Student,"Smith, Jr.",Ana,school-1,,(209) 555-0111,blue\r\n'
    ",,,,,,,\r\n"
    'g-1,parent,"O""Neil",Rosa,school-1,209.555.0112,,"multi\nline"\r\n'
    's-2,student,Lee,"Bo",school-1,+1 661 555 0113,,\r\n'
    "t-1,teacher,Patel,Ava,school-1,,,\r\n"
)


def test_real_world_csv_quirks_are_read(database: Database, clock, tmp_path: Path) -> None:
    folder = tmp_path / "messy"
    folder.mkdir()
    (folder / "orgs.csv").write_text(MESSY_ORGS, newline="")
    (folder / "users.csv").write_bytes(MESSY_USERS.encode("utf-8"))
    report = import_roster(database, folder, now=clock.now())
    assert report.clean, report.render()
    students, guardians = _people(database, "student"), _people(database, "guardian")
    assert students["s-1"].family_name == "Smith, Jr."
    assert students["s-1"].phone == "+12095550111"
    assert guardians["g-1"].family_name == 'O"Neil' and guardians["g-1"].phone == "+12095550112"
    assert students["s-2"].phone == "+16615550113"


def test_an_unknown_status_and_role_are_reported(database: Database, clock, tmp_path: Path) -> None:
    folder = copy_sample(tmp_path / "b")
    edit_row(folder, "users.csv", "student-1", status="archived")
    edit_row(folder, "users.csv", "student-2", role="janitor")
    report = import_roster(database, folder, now=clock.now())
    reasons = [(p.column, p.reason) for p in report.problems]
    assert ("status", "unknown status 'archived'; row rejected") in reasons
    assert ("role", "unknown role: 'janitor'; row rejected") in reasons


@pytest.fixture
def cli_env(database: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", database.url)
    monkeypatch.setenv("SECRET_KEY", "test-secret-key")
    for name in ("TWILIO_ACCOUNT_SID", "TELEGRAM_BOT_TOKEN"):
        monkeypatch.delenv(name, raising=False)


def test_cli_imports_the_sample_and_exits_zero(cli_env: None, capsys, database: Database) -> None:
    assert main(["import-roster", str(SAMPLE)]) == 0
    out = capsys.readouterr().out
    assert "students: 40 created, 0 updated, 0 deactivated, 0 unchanged, 0 rejected" in out
    assert main(["import-roster", str(SAMPLE)]) == 0
    assert "students: 0 created, 0 updated, 0 deactivated, 40 unchanged" in capsys.readouterr().out
    assert main(["import-partners", str(SAMPLE)]) == 0
    assert "opportunities: 17 created" in capsys.readouterr().out


def test_cli_reports_problems_and_exits_one(cli_env: None, capsys, tmp_path: Path) -> None:
    folder, at = _broken(tmp_path)
    assert main(["import-roster", str(folder)]) == 1
    out = capsys.readouterr().out
    assert f"users.csv:{at['student-4']}: orgSourcedIds: unknown org 'school-9'" in out
    assert "Traceback" not in out
    assert main(["import-roster", str(tmp_path / "nowhere")]) == 1
    assert "not a folder" in capsys.readouterr().out

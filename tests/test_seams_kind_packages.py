"""A kind declared by reference reaches every seam a real kind package uses: its student
command returns its own effect (applied by its service in the turn), a supervisor
command, a job for a supervisor run in the supervisor's flow, its own partner file and
its own pages with their access rules."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bot import jobs, kinds
from bot.context import Context
from bot.importers.partners import import_partners
from bot.kinds import Kind
from bot.scheduler import run_due
from db.models import AuditEntry, OutboxMessage
from tests.support.district import copy_sample
from tests.support.staff import add_account, sign_in
from tests.support.workshop_kind import WORKSHOP
from tests.support.zone import DISTRICT


@pytest.fixture
def workshop():
    with kinds.registered(WORKSHOP) as kind:
        yield kind


def test_a_reference_must_name_module_and_attribute() -> None:
    bad = Kind(code="bad", label="bad", words=frozenset({"BAD"}), commands={"GO": "nowhere"})
    assert any("nor a 'module:name' reference" in p for p in bad.problems())
    bad_file = Kind(code="bad", label="b", words=frozenset({"BAD"}), importers={"X.txt": "a:b"})
    assert "importer 'X.txt' is not a .csv file name" in bad_file.problems()


def test_a_kinds_command_writes_through_its_own_effect(workshop, make, chat, database) -> None:
    student = make.student(given_name="Rosa")
    assert chat.texts(student, "bench drill press") == ["noted", "tallied DRILL PRESS"]
    with database.transaction() as s:
        row = s.scalars(select(AuditEntry).where(AuditEntry.action == "workshop.tally")).one()
        assert row.entity_id == str(student.id) and row.details == {"what": "DRILL PRESS"}


def test_a_supervisors_command_and_job_reach_the_kind(workshop, make, chat, runtime, clock):
    supervisor = make.supervisor(make.employer(), given_name="Gabriel")
    assert chat.texts(supervisor, "cheer") == ["Supervisor cheer, Gabriel"]
    student = make.student()
    assert "cheer" not in " ".join(chat.texts(student, "cheer")).lower()  # not a student's word
    with runtime.database.transaction() as s:
        ctx = Context(s, runtime.settings, clock.now())
        jobs.schedule(
            ctx, "workshop.check", subject_id=1, due_at=clock.now(), person_id=supervisor.id
        )
    assert "reminders done=1 failed=0" in run_due(runtime, clock.now() + timedelta(minutes=1))
    with runtime.database.transaction() as s:
        texts = list(
            s.scalars(select(OutboxMessage.text).where(OutboxMessage.person_id == supervisor.id))
        )
    assert "Workshop check for supervisor" in texts


def test_a_kinds_sweep_runs_in_every_pass(workshop, runtime, clock, database) -> None:
    assert "sweeps run=" in run_due(runtime, clock.now())
    run_due(runtime, clock.now() + timedelta(minutes=1))
    with database.transaction() as s:
        runs = s.scalars(select(AuditEntry).where(AuditEntry.action == "workshop.sweep")).all()
    assert len(runs) == 2
    bad = Kind(code="bad", label="b", words=frozenset({"BAD"}), sweeps={"other.job": "a:b"})
    assert "sweep 'other.job' is not named 'bad.<job>'" in bad.problems()
    hint = Kind(code="bad", label="b", words=frozenset({"BAD"}), menu_hints={"guardian": "x"})
    assert any(p.startswith("menu hint 'guardian'") for p in hint.problems())


def test_a_kinds_own_partner_file_is_read_in_the_import(
    workshop, district, database, clock, tmp_path: Path
) -> None:
    folder = copy_sample(tmp_path / "p")
    (folder / "tools.csv").write_text("tool\nlathe\nsaw\n")
    clock.advance(hours=1)
    report = import_partners(database, folder, now=clock.now(), tz=ZoneInfo("America/Toronto"))
    assert report.counts["tools"]["created"] == 2
    assert report.counts["tool_zones"] == {"America/Toronto": 2}  # the hook got the zone
    (folder / "tools.csv").write_text("spanner\nx\n")  # no `tool` column
    report = import_partners(database, folder, now=clock.now(), tz=DISTRICT)
    assert "tools" not in report.counts
    assert any(p.file == "tools.csv" for p in report.problems)


def test_a_kinds_pages_are_served_under_their_rules(workshop, database, clock, make, app) -> None:
    client = app.test_client()
    assert client.get("/workshop/hello").get_data(as_text=True) == "workshop hello"
    assert client.get("/dashboard/workshop/staff").status_code == 302  # to the sign-in page
    make.staff(school=make.school(), email="ava.patel@example.org")
    add_account(database, clock, "ava.patel@example.org", roles=("coordinator",))
    assert sign_in(client, "ava.patel@example.org").status_code == 302
    assert client.get("/dashboard/workshop/staff").get_data(as_text=True) == "workshop staff"

"""`wbl approve STUDENT_SOURCED_ID OPPORTUNITY_ID` as a coordinator runs it: exit codes and output."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
from sqlalchemy import select

from bot.cli import main
from db.models import Application, AuditEntry, OutboxMessage, Placement

TODAY = date.today()  # the CLI runs on the system clock


@pytest.fixture
def wbl(monkeypatch, database, capsys):
    """Run `wbl ...` against the test database; returns (exit code, stdout, stderr)."""
    monkeypatch.setenv("DATABASE_URL", database.url)
    monkeypatch.setenv("SECRET_KEY", "test-secret-key")
    for name in ("TWILIO_ACCOUNT_SID", "TELEGRAM_BOT_TOKEN"):
        monkeypatch.delenv(name, raising=False)

    def run(*argv: str) -> tuple[int, str, str]:
        code = main(list(argv))
        out = capsys.readouterr()
        return code, out.out.strip(), out.err.strip()

    return run


@pytest.fixture
def term(make):
    """An open opportunity on the real calendar, and a student who applied to it."""

    def build(seats: int = 2, **kw):
        return make.opportunity(
            remote=True,
            seats=seats,
            title="Playtest a level",
            starts_on=TODAY + timedelta(days=3),
            due_on=TODAY + timedelta(days=30),
            **kw,
        )

    return build


def _apply(database, clock, student, opp):
    with database.transaction() as s:
        s.add(Application(student_id=student.id, opportunity_id=opp.id, created_at=clock.now()))


def test_approve_creates_the_placement_and_tells_the_student(wbl, make, term, database, clock):
    opp = term(external_id="opp-9")
    student = make.student(sourced_id="stu-1001")
    _apply(database, clock, student, opp)
    code, out, err = wbl("approve", "stu-1001", "opp-9")
    assert code == 0, err
    assert out.startswith("approved: stu-1001 for opp-9 (placement ")
    assert "still missing: consent, agreement" in out
    assert "Leah" not in out and student.phone not in out  # ids only
    with database.transaction() as s:
        placement = s.scalar(select(Placement))
        assert placement.status == "paperwork" and placement.student_id == student.id
        assert s.scalar(select(Application)).decided_by == "cli"
        actors = s.scalars(select(AuditEntry.actor).where(AuditEntry.action == "placement:create"))
        assert list(actors) == ["cli"]
        notice = s.scalar(
            select(OutboxMessage).where(
                OutboxMessage.person_id == student.id, OutboxMessage.text.like("Approved!%")
            )
        )
        assert notice is not None and not notice.urgent
        assert "To start: permission from a parent or guardian" in notice.text
        assert "AGREE" in notice.text


def test_spanish_student_is_told_in_spanish(wbl, make, term, database, clock):
    opp = term(external_id="opp-es")
    student = make.student(sourced_id="stu-es", language="es")
    _apply(database, clock, student, opp)
    assert wbl("approve", "stu-es", "opp-es")[0] == 0
    with database.transaction() as s:
        texts = s.scalars(
            select(OutboxMessage.text).where(OutboxMessage.person_id == student.id)
        ).all()
    assert any(t.startswith("¡Aprobado! Playtest a level") for t in texts)


@pytest.mark.parametrize(
    ("student_id", "opp_id", "expected"),
    [
        ("nobody", "opp-1", "no active student with id 'nobody'"),
        ("stu-1", "opp-404", "no opportunity with id 'opp-404'"),
        ("stu-2", "opp-1", "no application from stu-2 for opp-1"),
    ],
)
def test_unknown_ids_and_missing_application_exit_1(
    wbl, make, term, database, clock, student_id, opp_id, expected
):
    opp = term(external_id="opp-1")
    _apply(database, clock, make.student(sourced_id="stu-1"), opp)
    make.student(sourced_id="stu-2")
    code, out, _ = wbl("approve", student_id, opp_id)
    assert code == 1 and out.startswith(expected)
    with database.transaction() as s:
        assert s.scalar(select(Placement)) is None


def test_full_opportunity_and_second_approval_are_refused(wbl, make, term, database, clock):
    opp = term(seats=1, external_id="opp-1seat")
    first, second = make.student(sourced_id="stu-a"), make.student(sourced_id="stu-b")
    _apply(database, clock, first, opp)
    _apply(database, clock, second, opp)
    code, out, _ = wbl("approve", "stu-a", "opp-1seat")
    assert code == 0 and "1 other application pending" in out
    code, out, _ = wbl("approve", "stu-b", "opp-1seat")
    assert (code, out) == (1, "not approved: Can't approve: no seats left (1 of 1 taken).")
    code, out, _ = wbl("approve", "stu-a", "opp-1seat")
    assert (code, out) == (1, "not approved: the application is already approved")
    with database.transaction() as s:
        assert len(s.scalars(select(Placement)).all()) == 1


def test_unvetted_partner_cannot_be_approved(wbl, make, term, database, clock):
    emp = make.employer("virtual_partner", agreement_signed=None)
    opp = term(employer=emp, external_id="opp-unsigned")
    _apply(database, clock, make.student(sourced_id="stu-v"), opp)
    code, out, _ = wbl("approve", "stu-v", "opp-unsigned")
    assert code == 1 and "vetting is not current (agreement)" in out


def test_two_coordinators_racing_for_the_last_seat_place_one_student(
    make, term, database, clock, runtime
):
    import threading

    from bot.cli import approve_by_ids

    opp = term(seats=1, external_id="opp-race")
    racers = [make.student(sourced_id=f"stu-r{i}") for i in range(4)]
    for who in racers:
        _apply(database, clock, who, opp)
    runtime.clock = clock.__class__(datetime.combine(TODAY, time(17), tzinfo=UTC))
    start = threading.Barrier(len(racers))
    results: list[str] = []

    def go(sourced_id: str) -> None:
        start.wait()
        results.append(approve_by_ids(runtime, sourced_id, "opp-race", actor="staff:1"))

    threads = [threading.Thread(target=go, args=(f"stu-r{i}",)) for i in range(len(racers))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sorted(r.split(":")[0] for r in results) == ["approved"] + ["not approved"] * 3
    with database.transaction() as s:
        assert len(s.scalars(select(Placement)).all()) == 1

"""The enterprise rota under load and on the clock: 30 students racing for 2 seats get
exactly 2 places (on PostgreSQL with TEST_DATABASE_URL: real row locks); the reminder and
the missed-shift jobs driven by `wbl run-due --now …`; IN against a shift through the one
clock-in path, including the check-in page's write."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from bot.context import Context
from bot.errors import WBLError
from bot.messages import Inbound, Location
from bot.services import clocking
from bot.services.work import get_work
from db.models import OutboxMessage, Reminder, ShiftTake, TimeEntry
from tests.support.enterprise import business, shift
from tests.test_cli_approve import wbl  # noqa: F401 - the `wbl ...` fixture

DOOR = Location(36.6101, -119.4400, accuracy_m=12)


def test_thirty_students_racing_for_two_seats_get_exactly_two(make, chat, database, engine, clock):
    biz = business(make)
    shift(make, biz, "2026-12-02T07:15", "2026-12-02T08:15", seats=2)
    students = []
    for n in range(30):
        student = make.student(given_name=f"S{n}")
        make.placement(student, biz.opp)
        assert "7:15" in chat.texts(student, "SHIFTS")[0]
        students.append(student)
    barrier = threading.Barrier(30)
    replies: dict[int, str] = {}
    errors: list[BaseException] = []

    def take(student) -> None:  # type: ignore[no-untyped-def]
        try:
            barrier.wait()
            inbound = Inbound(
                channel="sms", urn=f"tel:{student.phone}", provider_id=f"SMrace{student.id}",
                received_at=clock.now(), text="TAKE 1",
            )  # fmt: skip
            outcome = engine.receive(database, inbound)
            replies[student.id] = outcome.outbox[0].text
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=take, args=(s,)) for s in students]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with database.transaction() as s:
        held = s.scalar(select(func.count(ShiftTake.id)).where(ShiftTake.status == "taken"))
    assert held == 2
    won = [t for t in replies.values() if t.startswith("You're on")]
    full = [t for t in replies.values() if "is full" in t]
    assert (len(won), len(full)) == (2, 28), replies


def test_reminder_and_missed_shift_jobs_run_by_run_due(wbl, make, chat, database, clock):  # noqa: F811
    biz = business(make)
    shift(make, biz, "2026-12-01T15:10", "2026-12-01T16:30")  # reminded 13:10
    shift(make, biz, "2026-12-02T07:15", "2026-12-02T08:15")  # 05:15 is quiet: 20:00 before
    student = make.student(given_name="Rosa")
    make.placement(student, biz.opp)
    chat.texts(student, "SHIFTS")
    chat.texts(student, "TAKE 1")
    chat.texts(student, "SHIFTS")
    chat.texts(student, "TAKE 2")
    with database.transaction() as s:
        due = sorted(
            (r.kind, r.due_at.isoformat()) for r in s.scalars(select(Reminder))
        )  # fmt: skip
    assert due == [
        ("enterprise.missed", "2026-12-01T23:25:00+00:00"),
        ("enterprise.missed", "2026-12-02T15:30:00+00:00"),
        ("enterprise.remind", "2026-12-01T21:10:00+00:00"),
        ("enterprise.remind", "2026-12-02T04:00:00+00:00"),
    ]
    code, out, _err = wbl("run-due", "--now", "2026-12-01T21:09:00Z")
    assert code == 0 and "reminders done=0" in out
    code, out, _err = wbl("run-due", "--now", "2026-12-01T21:10:00Z")
    assert "reminders done=1" in out
    # the first shift: no IN by 15:25 -> missed, the supervisor told (urgent)
    code, out, _err = wbl("run-due", "--now", "2026-12-01T23:26:00Z")
    assert "reminders done=1" in out
    with database.transaction() as s:
        statuses = list(s.scalars(select(ShiftTake.status).order_by(ShiftTake.shift_id)))
        texts = [(m.person_id, m.text, m.urgent) for m in s.scalars(select(OutboxMessage))]
    assert statuses == ["missed", "taken"]
    assert (student.id, "Reminder: your Morning cafe shift is Tue Dec 1 3:10 PM. Reply IN when you get there.", False) in texts  # fmt: skip
    assert any(p == biz.supervisor.id and "Rosa did not clock in" in t and u for p, t, u in texts)
    assert any(p == student.id and "You missed" in t for p, t, _u in texts)
    # the second: clocked in at 07:05, so the missed job at 07:30 changes nothing
    clock.advance(seconds=(datetime(2026, 12, 2, 15, 5, tzinfo=UTC) - clock.now()).total_seconds())
    make.telegram_contact(student)
    assert "share your location" in chat.texts(student, "IN", scheme="telegram")[0]
    assert "Clocked in" in chat.texts(student, "", scheme="telegram", location=DOOR)[0]
    code, out, _err = wbl("run-due", "--now", "2026-12-02T15:31:00Z")
    with database.transaction() as s:
        statuses = list(s.scalars(select(ShiftTake.status).order_by(ShiftTake.shift_id)))
    assert statuses == ["missed", "worked"]


def test_the_check_in_page_write_rechecks_the_slot_and_the_start_rule(
    make, database, settings, clock
):
    biz = business(make)
    shift(make, biz, "2026-12-01T12:00", "2026-12-01T13:00")
    student = make.student()
    placement = make.placement(student, biz.opp)
    with database.transaction() as s:
        ctx = Context(s, settings, clock.now())
        work = get_work(ctx, placement.id)
        assert work is not None
        answer = clocking.clock_in(ctx, work, None, "en")
        assert answer.refusal == "slot" and "SHIFTS" in answer.text
        with pytest.raises(WBLError):
            clocking.write_in(ctx, student.id, placement.id, None, "en")
        assert s.scalar(select(func.count(TimeEntry.id))) == 0


def test_a_paused_placement_cannot_clock_in_through_the_write(make, database, settings, clock):
    """write_in re-checks the start rule (a placement paused after the chat decided)."""
    opp = make.opportunity()
    student = make.student()
    placement = make.placement(student, opp, status="paused")
    with database.transaction() as s:
        ctx = Context(s, settings, clock.now())
        with pytest.raises(WBLError):
            clocking.write_in(ctx, student.id, placement.id, None, "en")


def test_drop_early_tells_nobody_and_a_dropped_seat_is_free_again(make, chat, database, clock):
    biz = business(make)
    shift(make, biz, "2026-12-03T07:15", "2026-12-03T08:15", seats=1)
    first, second = make.student(given_name="Ana"), make.student(given_name="Ben")
    for st in (first, second):
        make.placement(st, biz.opp)
    chat.texts(first, "SHIFTS")
    assert chat.texts(first, "TAKE 1")[0].startswith("You're on")
    assert "No upcoming shifts" in chat.texts(second, "SHIFTS")[0]
    assert chat.texts(first, "SHIFTS")[0].startswith("Your shifts")
    assert chat.texts(first, "DROP 1") == ["Done: you gave back the shift Thu Dec 3 7:15 AM."]
    assert chat.outbox(biz.supervisor.id) == []
    chat.texts(second, "SHIFTS")
    assert chat.texts(second, "TAKE 1")[0].startswith("You're on")
    with database.transaction() as s:
        pending = s.scalar(
            select(func.count(Reminder.id)).where(Reminder.status == "pending")
        )  # fmt: skip
    assert pending == 2  # the second student's reminder and missed-shift job; the first's cancelled


def test_a_student_not_ready_or_not_placed_is_told_why(make, chat) -> None:
    biz = business(make)
    shift(make, biz, "2026-12-03T07:15", "2026-12-03T08:15")
    waiting = make.student()
    make.placement(waiting, biz.opp, status="paperwork")
    assert "not ready yet" in chat.texts(waiting, "SHIFTS")[0]
    assert "school business" in chat.texts(make.student(), "TURNOS")[0]
    assert "SHIFTS first" in chat.texts(waiting, "TAKE 4")[0]


def test_more_pages_a_long_list(make, chat, clock) -> None:
    biz = business(make)
    for day in range(2, 14):
        shift(make, biz, f"2026-12-{day:02d}T07:15", f"2026-12-{day:02d}T08:15")
    student = make.student()
    make.placement(student, biz.opp)
    first = chat.texts(student, "SHIFTS")[0]
    assert "MORE" in first and "8)" not in first and "7)" in first
    second = chat.texts(student, "MORE")[0]
    assert "8)" in second and "12)" in second and "MORE" not in second
    assert chat.texts(student, "TAKE 12")[0].startswith("You're on Morning cafe, Sun Dec 13")

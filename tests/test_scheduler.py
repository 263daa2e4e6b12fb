"""Scheduled work: due reminders enter the engine once, sweeps run every pass, the
outbox is dispatched, and the long-running worker starts and stops cleanly."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
import types
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot import jobs
from bot.context import Context
from bot.flows import registry
from bot.flows.base import Reply, Turn
from bot.machine import machine
from bot.messages import Outbound
from bot.runtime import Runtime
from bot.scheduler import claim_due, run_due, run_jobs, run_worker
from db import trail
from db.models import AuditEntry, OutboxMessage, Person, Reminder
from tests.support.providers import queue_message

ROOT = Path(__file__).resolve().parents[1]


def _ping(turn: Turn) -> Reply | None:
    """Answer a due test reminder with one non-urgent message to its person."""
    trigger = turn.trigger
    if trigger is None:
        return None
    return Reply.say(Outbound(f"Reminder {trigger.subject_id}", to=turn.person.id, urgent=False))


@pytest.fixture
def ping_flow() -> Iterator[str]:
    """A tiny real flow owning the reminder kind `test.ping` (registered for one test)."""
    module = types.ModuleType("ping")
    module.name = "ping"  # type: ignore[attr-defined]
    module.machine = machine("ping", "idle", [("idle", "ping", "done")], finals=["done"])  # type: ignore[attr-defined]
    module.actions = frozenset()  # type: ignore[attr-defined]
    module.triggers = frozenset({"test.ping"})  # type: ignore[attr-defined]
    module.handle = _ping  # type: ignore[attr-defined]
    module.menu = lambda turn: Outbound("menu")  # type: ignore[attr-defined]
    flows = registry._modules()
    flows["ping"] = module
    yield "test.ping"
    flows.pop("ping", None)


def remind(database, kind: str, person: Person | None, due_at, subject_id: int = 1) -> int:
    with database.transaction() as s:
        ctx = Context(s, None, due_at)  # type: ignore[arg-type]
        row = jobs.schedule(
            ctx, kind, subject_id=subject_id, due_at=due_at, person_id=person.id if person else None
        )
        s.flush()
        return int(row.id)


def status(database, reminder_id: int) -> tuple[str, int]:
    with database.transaction() as s:
        row = s.get(Reminder, reminder_id)
        return row.status, row.attempts


def test_due_reminder_reaches_its_flow_once_and_its_message_is_sent(
    provider_runtime, twilio_api, ping_flow, make, clock
):
    db = provider_runtime.database
    student = make.student(phone="+15595550170")
    due = remind(db, ping_flow, student, clock.now() - timedelta(minutes=1), subject_id=7)
    later = remind(db, ping_flow, student, clock.now() + timedelta(hours=1), subject_id=8)
    line = run_due(provider_runtime, clock.now())
    assert "reminders done=1 failed=0" in line and "outbox sent=1" in line
    assert [m["Body"] for m in twilio_api.messages] == ["Reminder 7"]
    assert twilio_api.messages[0]["To"] == "+15595550170"
    assert status(db, due) == ("done", 0) and status(db, later) == ("pending", 0)
    run_due(provider_runtime, clock.now())
    assert len(twilio_api.messages) == 1
    clock.advance(hours=1)
    run_due(provider_runtime, clock.now())
    assert [m["Body"] for m in twilio_api.messages] == ["Reminder 7", "Reminder 8"]


def test_a_failing_reminder_is_marked_and_the_pass_goes_on(runtime, ping_flow, make, clock):
    db = runtime.database
    student = make.student()
    gone = make.student(active=False)
    orphan = remind(db, "nobody.owns.this", student, clock.now())
    vanished = remind(db, ping_flow, gone, clock.now())
    fine = remind(db, ping_flow, student, clock.now())
    summary = run_jobs(runtime, clock.now())
    assert (summary.done, summary.failed, summary.vanished) == (1, 1, 1)
    assert status(db, orphan) == ("failed", 1)
    assert status(db, vanished) == ("done", 0)
    assert status(db, fine) == ("done", 0)
    with db.transaction() as s:
        people = s.scalars(select(OutboxMessage.person_id)).all()
    assert people == [student.id]


def test_every_sweep_runs_each_pass_and_a_failing_one_does_not_stop_the_rest(runtime, clock):
    def count(ctx: Context) -> None:
        trail.record(
            ctx.session, at=ctx.now, actor=ctx.actor, action="test_sweep", entity="t", entity_id=1
        )

    def broken(ctx: Context) -> None:
        raise RuntimeError("boom")

    jobs.sweep("test.broken")(broken)
    jobs.sweep("test.count")(count)
    try:
        first = run_due(runtime, clock.now())
        run_due(runtime, clock.now() + timedelta(seconds=30))
    finally:
        jobs.SWEEPS.pop("test.broken")
        jobs.SWEEPS.pop("test.count")
    assert "failed=1" in first.split(";")[1]
    with runtime.database.transaction() as s:
        entries = s.scalars(select(AuditEntry).where(AuditEntry.action == "test_sweep")).all()
    assert [e.actor for e in entries] == ["system", "system"]


def test_concurrent_claims_never_share_a_reminder(database, clock, make):
    student = make.student()
    ids = {remind(database, "test.ping", student, clock.now(), subject_id=i) for i in range(60)}
    claimed: list[list[int]] = []
    barrier = threading.Barrier(3)

    def worker() -> None:
        barrier.wait()
        while batch := claim_due(database, clock.now(), limit=7):
            claimed.append(batch)

    threads = [threading.Thread(target=worker) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    flat = [i for batch in claimed for i in batch]
    assert sorted(flat) == sorted(ids)  # every reminder claimed, none twice


def test_two_passes_at_once_route_each_reminder_once(settings, database, clock, ping_flow, make):
    students = [make.student() for _ in range(8)]
    for i, student in enumerate(students):
        remind(database, ping_flow, student, clock.now(), subject_id=i)
    runtimes = [Runtime(settings, database, clock) for _ in range(2)]
    barrier = threading.Barrier(2)
    results = []

    def one_pass(rt: Runtime) -> None:
        barrier.wait()
        results.append(run_jobs(rt, clock.now()))

    threads = [threading.Thread(target=one_pass, args=(rt,)) for rt in runtimes]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(r.done for r in results) == 8 and sum(r.failed for r in results) == 0
    with database.transaction() as s:
        assert s.scalar(select(func.count()).select_from(OutboxMessage)) == 8
        assert s.scalar(select(func.count()).where(Reminder.status == "done")) == 8


def test_worker_delivers_the_outbox_and_stops_cleanly(settings, database):
    from bot.clock import SystemClock

    rt = Runtime(settings, database, SystemClock())
    oid = queue_message(database, "sim:42", "Hello", at=rt.clock.now())
    stop = threading.Event()
    thread = threading.Thread(target=run_worker, args=(rt, stop))
    thread.start()
    try:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with database.transaction() as s:
                if s.get(OutboxMessage, oid).status == "delivered":
                    break
            time.sleep(0.2)
    finally:
        stop.set()
        thread.join(timeout=15)
    assert not thread.is_alive()
    with database.transaction() as s:
        assert s.get(OutboxMessage, oid).status == "delivered"


def test_wbl_run_due_prints_a_one_line_summary(database, clock):
    queue_message(database, "sim:42", "Hello", at=clock.now())
    env = os.environ | {
        "DATABASE_URL": database.url,
        "SECRET_KEY": "cli-test-secret",
        "PYTHONPATH": str(ROOT),
    }
    env.pop("TWILIO_ACCOUNT_SID", None)
    env.pop("TELEGRAM_BOT_TOKEN", None)
    done = subprocess.run(
        [sys.executable, "-m", "bot.cli", "run-due", "--now", "2026-12-01T17:30:00Z"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    lines = done.stdout.strip().splitlines()
    assert len(lines) == 1 and "outbox sent=1" in lines[0]


def test_wbl_worker_stops_cleanly_on_sigterm(database):
    import signal

    env = os.environ | {
        "DATABASE_URL": database.url,
        "SECRET_KEY": "cli-test-secret",
        "PYTHONPATH": str(ROOT),
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "worker"],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stderr is not None
        started = []  # its handlers are installed before it logs this (a busy machine may
        for line in proc.stderr:  # take far longer than the second it usually takes)
            started.append(line)
            if "worker started" in line:
                break
        assert proc.poll() is None, "".join(started)[-2000:]  # still running
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=20)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0, err[-2000:]


def test_a_reminder_left_running_by_a_dead_worker_is_claimed_again(database):
    from datetime import timedelta

    from bot.scheduler import claim_due
    from db.models import Reminder
    from tests.conftest import T0

    with database.transaction() as s:
        row = Reminder(
            kind="test.ping",
            subject_id=1,
            due_at=T0,
            status="pending",
            attempts=0,
            payload={},
            created_at=T0,
        )
        s.add(row)
    assert claim_due(database, T0) == [row.id]
    assert claim_due(database, T0 + timedelta(minutes=5)) == []  # still being worked on
    assert claim_due(database, T0 + timedelta(minutes=11)) == [row.id]  # the worker died

"""Scheduled work: due reminders through the engine, every sweep, then the outbox.

`run_due(runtime, now)` is one pass (`wbl run-due`); `run_worker(runtime)` runs passes
forever (`wbl worker`): reminders and sweeps every 30 s under APScheduler, never
overlapping themselves; the outbox on its own thread, pass after pass while rows are due,
else every second. Reminders are claimed with row locks
(PostgreSQL `FOR UPDATE SKIP LOCKED`; SQLite's `BEGIN IMMEDIATE`), so several workers can
run side by side and each due reminder reaches its flow once.
"""

from __future__ import annotations

import importlib
import importlib.util
import logging
import pkgutil
import signal
import threading
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update

from bot import kinds
from bot.context import Context
from bot.dispatch import close_dispatcher, dispatch_all, dispatch_once, stop_dispatcher
from bot.jobs import SWEEPS
from bot.messages import Trigger
from bot.runtime import Runtime
from bot.statuses import ReminderStatus
from db.models import Person, Reminder
from db.session import Database

log = logging.getLogger("wbl.scheduler")

DUE_EVERY_S = 30
OUTBOX_EVERY_S = 1
CLAIM_BATCH = 100


@dataclass
class DueSummary:
    """What one pass over reminders and sweeps did."""

    done: int = 0
    failed: int = 0
    vanished: int = 0
    sweeps: int = 0
    sweep_errors: int = 0

    def __str__(self) -> str:
        return (
            f"reminders done={self.done} failed={self.failed} vanished={self.vanished}; "
            f"sweeps run={self.sweeps} failed={self.sweep_errors}"
        )


_loaded = False


def load_sweeps() -> None:
    """Import every flow and every bot.services module so their @sweep decorators run."""
    global _loaded
    if _loaded:
        return
    from bot import services
    from bot.flows import registry

    registry.all_flows()
    names = [i.name for i in pkgutil.iter_modules(services.__path__, "bot.services.")]
    for name in names:  # every service module
        try:
            importlib.import_module(name)
        except Exception:  # one broken module must not stop the others' jobs
            log.exception("could not load %s", name)
    _loaded = True


STUCK_AFTER = timedelta(minutes=10)


def claim_due(database: Database, now: datetime, limit: int = CLAIM_BATCH) -> list[int]:
    """Flip up to `limit` due reminders from pending to running; their ids.

    A reminder left running for longer than STUCK_AFTER (its worker died mid-way) is
    claimed again: reminder handlers check their subject's state, so a rerun is harmless.
    """
    with database.transaction() as s:
        s.execute(
            update(Reminder)
            .where(
                Reminder.status == ReminderStatus.RUNNING, Reminder.claimed_at < now - STUCK_AFTER
            )
            .values(status=ReminderStatus.PENDING)
        )
        stmt = (
            select(Reminder.id)
            .where(Reminder.status == ReminderStatus.PENDING, Reminder.due_at <= now)
            .order_by(Reminder.due_at, Reminder.id)
            .limit(limit)
        )
        if database.is_postgres:
            stmt = stmt.with_for_update(skip_locked=True)
        ids = list(s.scalars(stmt))
        if ids:
            s.execute(
                update(Reminder)
                .where(Reminder.id.in_(ids))
                .values(status=ReminderStatus.RUNNING, claimed_at=now)
            )
    return ids


def run_reminder(runtime: Runtime, reminder_id: int, now: datetime) -> str:
    """Route one claimed reminder through the engine in its own transaction; its outcome."""
    with runtime.database.transaction() as s:
        row = s.get(Reminder, reminder_id)
        if row is None or row.status != ReminderStatus.RUNNING:
            return "skipped"
        if row.person_id is not None:
            person = s.get(Person, row.person_id)
            if person is None or not person.active:
                row.status, row.done_at = ReminderStatus.DONE, now
                return "vanished"
        trigger = Trigger(row.kind, row.subject_id, row.person_id, row.due_at, dict(row.payload))
        try:
            with s.begin_nested():
                runtime.engine.handle_trigger(s, trigger, now)
        except Exception:  # the boundary for one reminder: record it, go on with the rest
            log.exception("reminder %s (%s) failed", row.id, row.kind)
            row.status, row.attempts = ReminderStatus.FAILED, row.attempts + 1
            return "failed"
        row.status, row.done_at = ReminderStatus.DONE, now
        return "done"


def run_reminders(runtime: Runtime, now: datetime, summary: DueSummary) -> None:
    """Every reminder due at `now`, batch after batch."""
    while ids := claim_due(runtime.database, now):
        for reminder_id in ids:
            outcome = run_reminder(runtime, reminder_id, now)
            if outcome in ("done", "failed", "vanished"):
                setattr(summary, outcome, getattr(summary, outcome) + 1)


def run_sweeps(runtime: Runtime, now: datetime, summary: DueSummary) -> None:
    """Every registered sweep (and every kind's own) once, each in its own transaction."""
    for name, sweep in [*SWEEPS.items(), *kinds.sweeps().items()]:
        try:
            with runtime.database.transaction() as s:
                sweep(Context(s, runtime.settings, now, actor="system"))
            summary.sweeps += 1
        except Exception:  # one failing sweep must not stop the others
            log.exception("sweep %s failed", name)
            summary.sweep_errors += 1


def run_jobs(runtime: Runtime, now: datetime) -> DueSummary:
    """Reminders, then sweeps, at `now` (no outbox)."""
    load_sweeps()
    summary = DueSummary()
    run_reminders(runtime, now, summary)
    run_sweeps(runtime, now, summary)
    return summary


def run_due(runtime: Runtime, now: datetime) -> str:
    """One pass of everything due at `now`, then the outbox; a one-line summary."""
    jobs = run_jobs(runtime, now)
    outbox = dispatch_all(runtime, now)
    return f"{jobs}; outbox {outbox}"


def run_worker(runtime: Runtime, stop: threading.Event | None = None) -> None:
    """Run jobs every 30 s and the outbox every second until SIGINT/SIGTERM (or `stop`)."""
    from apscheduler.schedulers.background import BackgroundScheduler

    stop = stop or threading.Event()
    if threading.current_thread() is threading.main_thread():
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, lambda *_: stop.set())
    load_sweeps()
    scheduler = BackgroundScheduler(
        timezone=UTC, job_defaults={"max_instances": 1, "coalesce": True, "misfire_grace_time": 30}
    )
    start = datetime.now(UTC)
    scheduler.add_job(_jobs_tick, "interval", [runtime], seconds=DUE_EVERY_S, next_run_time=start)
    outbox = threading.Thread(target=_outbox_loop, args=(runtime, stop), name="outbox")
    scheduler.start()
    outbox.start()
    log.info("worker started")
    try:
        stop.wait()
    finally:
        stop_dispatcher(runtime)  # the pass in progress gives back the rows it has not tried
        outbox.join()
        scheduler.shutdown(wait=True)
        close_dispatcher(runtime)
        log.info("worker stopped")


def _jobs_tick(runtime: Runtime) -> None:
    summary = run_jobs(runtime, runtime.clock.now())
    if summary.done or summary.failed or summary.vanished or summary.sweep_errors:
        log.info("%s", summary)


def _outbox_loop(runtime: Runtime, stop: threading.Event) -> None:
    """Outbox passes back to back while rows are due, else one every OUTBOX_EVERY_S."""
    while not stop.is_set():
        try:
            summary = dispatch_once(runtime, runtime.clock.now())
        except Exception:  # the loop's boundary (a database outage): try again shortly
            log.exception("outbox pass failed")
            stop.wait(OUTBOX_EVERY_S)
            continue
        if summary.handled or summary.recovered:
            log.info("outbox %s", summary)
        if not summary.waiting:
            stop.wait(OUTBOX_EVERY_S)

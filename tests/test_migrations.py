"""The migrations: they build what the models declare, and data written before a rename
keeps working after it."""

from __future__ import annotations

from alembic import command
from sqlalchemy import create_engine, select, text

from bot.flows.registry import flow_for_trigger
from db.migrate import alembic_config, pending_differences
from db.models import Reminder, TimeEntry


def test_reminders_and_time_entries_written_before_the_rename_keep_working(tmp_path):
    """Migration 0003 renames `shift` time entries and `shift.*` reminders."""
    url = f"sqlite:///{tmp_path / 'old.db'}"
    cfg = alembic_config(url)
    command.upgrade(cfg, "0002")
    engine = create_engine(url)
    with engine.begin() as conn:
        for statement in OLD_ROWS:
            conn.execute(text(statement))
    command.upgrade(cfg, "head")
    with engine.connect() as conn:
        kinds = conn.execute(select(Reminder.kind).order_by(Reminder.id)).scalars().all()
        entry_kinds = conn.execute(select(TimeEntry.kind).order_by(TimeEntry.id)).scalars().all()
    engine.dispose()
    assert kinds == ["clock.nudge", "clock.autoclose", "consent.remind"]
    assert entry_kinds == ["clock", "manual"]
    assert all(flow_for_trigger(kind) is not None for kind in kinds)


OLD_ROWS = [  # as the code before the rename wrote them (no parents: SQLite, no FK pragma)
    "INSERT INTO time_entries (id, placement_id, student_id, kind, status, flagged, auto_closed,"
    " reminders_sent, created_at) VALUES (1, 1, 1, 'shift', 'open', 0, 0, 0, '2026-12-01'),"
    " (2, 1, 1, 'manual', 'pending', 0, 0, 0, '2026-12-01')",
    "INSERT INTO reminders (id, kind, subject_id, due_at, status, attempts, payload, created_at)"
    " VALUES (1, 'shift.nudge', 1, '2026-12-01', 'pending', 0, '{}', '2026-12-01'),"
    " (2, 'shift.autoclose', 1, '2026-12-01', 'pending', 0, '{}', '2026-12-01'),"
    " (3, 'consent.remind', 1, '2026-12-01', 'pending', 0, '{}', '2026-12-01')",
]


def test_the_migrations_build_what_the_models_declare(database):
    """Models (db/models) and migrations (0001..0003) agree, on SQLite and PostgreSQL."""
    assert pending_differences(database.url) == []

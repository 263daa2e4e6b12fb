"""CHECK constraints on every lifecycle column: a status the code does not know is refused.

The values are those of bot.statuses as of this revision, written out here because a
migration is history: a later revision that adds a value replaces the constraint.

PostgreSQL adds each constraint with ALTER TABLE. SQLite cannot add a constraint to a
table, so each table is rebuilt (Alembic's batch mode: copy, drop, rename, indexes
rebuilt). The rebuild needs foreign keys off (dropping a parent table with them on fails;
rows are copied unchanged): db/migrations/env.py turns them off for migrations. And
consent_records gets back its append-only triggers (migration 0002), which a rebuild drops.

Revision ID: 0007_statuses
Revises: 0006_delivery
"""

from alembic import op

revision = "0007_statuses"
down_revision = "0006_delivery"
branch_labels = None
depends_on = None

OUTBOX = ("pending", "sending", "sent", "delivered", "failed", "undelivered", "suppressed")
VERDICTS = ("verified", "outside", "unverified", "remote")
CHECKS: dict[str, dict[str, tuple[str, ...]]] = {
    "applications": {"status": ("pending", "approved", "declined", "withdrawn")},
    "placements": {
        "status": ("paperwork", "ready", "paused", "completed", "declined", "cancelled")
    },
    "consent_requests": {
        "status": ("open", "granted", "declined", "revoked", "paper_needed", "cancelled")
    },
    "consent_records": {
        "action": ("request_sent", "grant", "decline", "revoke", "paper_grant", "paper_decline")
    },
    "time_entries": {
        "kind": ("clock", "manual"),
        "status": ("open", "pending", "approved", "rejected"),
        "in_verdict": VERDICTS,
        "out_verdict": VERDICTS,
    },
    "deliverables": {"status": ("submitted", "accepted", "changes_requested")},
    "rating_requests": {"status": ("open", "done", "cancelled")},
    "inbound_messages": {"status": ("received", "processed", "stranger", "failed")},
    "outbox": {"status": OUTBOX},
    "reminders": {"status": ("pending", "running", "done", "cancelled", "failed")},
}
APPEND_ONLY = ("consent_records",)  # tables with 0002's triggers among those rebuilt


def _condition(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def upgrade() -> None:
    _apply(add=True)


def downgrade() -> None:
    _apply(add=False)


def _apply(*, add: bool) -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    if sqlite and op.get_bind().exec_driver_sql("PRAGMA foreign_keys").scalar():
        raise RuntimeError("SQLite tables are rebuilt here: run with foreign keys off (env.py)")
    for table, columns in CHECKS.items():
        with op.batch_alter_table(table) as batch:
            for column, values in columns.items():
                name = op.f(f"ck_{table}_{column}")
                if add:
                    batch.create_check_constraint(name, _condition(column, values))
                else:
                    batch.drop_constraint(name, type_="check")
    if sqlite:
        for table in APPEND_ONLY:
            _append_only_triggers(table)


def _append_only_triggers(table: str) -> None:
    """As migration 0002 made them (its downgrade drops them by these names)."""
    for verb in ("UPDATE", "DELETE"):
        op.execute(f"DROP TRIGGER IF EXISTS {table}_no_{verb.lower()}")
        op.execute(
            f"CREATE TRIGGER {table}_no_{verb.lower()} BEFORE {verb} ON {table} "
            f"BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END"
        )

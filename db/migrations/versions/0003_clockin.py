"""Clocked time is no longer called a "shift" (the word is kept for a rota slot):
time entries of kind `shift` become `clock`, and pending reminders `shift.nudge` /
`shift.autoclose` become `clock.nudge` / `clock.autoclose`, so rows written before the
rename keep working. Data only; the same statements on SQLite and PostgreSQL.

Revision ID: 0003_clockin
Revises: 0002
"""

from alembic import op

revision = "0003_clockin"
down_revision = "0002"
branch_labels = None
depends_on = None

RENAMES = (
    ("time_entries", "shift", "clock"),
    ("reminders", "shift.nudge", "clock.nudge"),
    ("reminders", "shift.autoclose", "clock.autoclose"),
)


def upgrade() -> None:
    for table, old, new in RENAMES:
        op.execute(f"UPDATE {table} SET kind = '{new}' WHERE kind = '{old}'")


def downgrade() -> None:
    for table, old, new in RENAMES:
        op.execute(f"UPDATE {table} SET kind = '{old}' WHERE kind = '{new}'")

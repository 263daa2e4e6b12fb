"""Remote internships: a mentor's time zone, mentor sessions, invitations, weekly pulse.

Revision ID: 0010_virtual
Revises: 0009_enterprise
"""

import sqlalchemy as sa
from alembic import op

import db.base

revision = "0010_virtual"
down_revision = "0009_enterprise"
branch_labels = None
depends_on = None

UTC = db.base.UTCDateTime


def upgrade() -> None:
    op.add_column("supervisors", sa.Column("timezone", sa.String(length=64), nullable=True))
    op.create_table(
        "mentor_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=True),
        sa.Column("opportunity_id", sa.Integer(), nullable=False),
        sa.Column("mentor_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("starts_at", UTC(timezone=True), nullable=False),
        sa.Column("minutes", sa.Integer(), nullable=False),
        sa.Column("join_url", sa.String(length=512), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.CheckConstraint(
            "status IN ('new', 'moved', 'cancel', 'scheduled', 'cancelled')",
            name=op.f("ck_mentor_sessions_status"),
        ),
        sa.Column("created_at", UTC(timezone=True), nullable=False),
        sa.Column("attendance_asked_at", UTC(timezone=True), nullable=True),
        sa.Column("attendance_done_at", UTC(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["opportunity_id"],
            ["opportunities.id"],
            name=op.f("fk_mentor_sessions_opportunity_id_opportunities"),
        ),
        sa.ForeignKeyConstraint(
            ["mentor_id"], ["people.id"], name=op.f("fk_mentor_sessions_mentor_id_people")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mentor_sessions")),
        sa.UniqueConstraint("code", name=op.f("uq_mentor_sessions_code")),
    )
    op.create_index(
        op.f("ix_mentor_sessions_opportunity_id"), "mentor_sessions", ["opportunity_id"]
    )
    op.create_index(op.f("ix_mentor_sessions_mentor_id"), "mentor_sessions", ["mentor_id"])
    op.create_index("ix_mentor_sessions_starts", "mentor_sessions", ["status", "starts_at"])
    op.create_table(
        "session_invites",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("placement_id", sa.Integer(), nullable=False),
        sa.Column("student_id", sa.Integer(), nullable=False),
        sa.Column("attended", sa.Boolean(), nullable=True),
        sa.Column("rating", sa.Integer(), nullable=True),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("entry_id", sa.Integer(), nullable=True),
        sa.Column("invited_at", UTC(timezone=True), nullable=False),
        sa.Column("marked_at", UTC(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["mentor_sessions.id"],
            name=op.f("fk_session_invites_session_id_mentor_sessions"),
        ),
        sa.ForeignKeyConstraint(
            ["placement_id"],
            ["placements.id"],
            name=op.f("fk_session_invites_placement_id_placements"),
        ),
        sa.ForeignKeyConstraint(
            ["student_id"], ["people.id"], name=op.f("fk_session_invites_student_id_people")
        ),
        sa.ForeignKeyConstraint(
            ["entry_id"],
            ["time_entries.id"],
            name=op.f("fk_session_invites_entry_id_time_entries"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_session_invites")),
        sa.UniqueConstraint("session_id", "student_id", name=op.f("uq_session_invites_session_id")),
    )
    for column in ("session_id", "placement_id", "student_id"):
        op.create_index(op.f(f"ix_session_invites_{column}"), "session_invites", [column])
    op.create_table(
        "pulse_answers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("placement_id", sa.Integer(), nullable=False),
        sa.Column("student_id", sa.Integer(), nullable=False),
        sa.Column("week", sa.String(length=8), nullable=False),
        sa.Column("asked_at", UTC(timezone=True), nullable=False),
        sa.Column("score", sa.Integer(), nullable=True),
        sa.Column("answered_at", UTC(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["placement_id"],
            ["placements.id"],
            name=op.f("fk_pulse_answers_placement_id_placements"),
        ),
        sa.ForeignKeyConstraint(
            ["student_id"], ["people.id"], name=op.f("fk_pulse_answers_student_id_people")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pulse_answers")),
        sa.UniqueConstraint("placement_id", "week", name=op.f("uq_pulse_answers_placement_id")),
    )
    for column in ("placement_id", "student_id"):
        op.create_index(op.f(f"ix_pulse_answers_{column}"), "pulse_answers", [column])


def downgrade() -> None:
    op.drop_table("pulse_answers")
    op.drop_table("session_invites")
    op.drop_table("mentor_sessions")
    with op.batch_alter_table("supervisors") as batch:
        batch.drop_column("timezone")

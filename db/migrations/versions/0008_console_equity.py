"""The equity view: students' demographics.csv values, outreach campaigns and recipients.

Revision ID: 0008_console_equity
Revises: 0007_statuses
"""

import sqlalchemy as sa
from alembic import op

import db.base

revision = "0008_console_equity"
down_revision = "0007_statuses"
branch_labels = None
depends_on = None


VERIFIED = sa.text("status = 'approved' AND hours > 0")


def upgrade() -> None:
    op.create_index(
        "ix_time_entries_verified",
        "time_entries",
        ["student_id"],
        postgresql_where=VERIFIED,
        sqlite_where=VERIFIED,
    )
    op.create_table(
        "student_demographics",
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("field", sa.String(length=64), nullable=False),
        sa.Column("value", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"], ["people.id"], name=op.f("fk_student_demographics_person_id_people")
        ),
        sa.PrimaryKeyConstraint("person_id", "field", name=op.f("pk_student_demographics")),
    )
    op.create_index("ix_student_demographics_field", "student_demographics", ["field", "value"])
    op.create_table(
        "outreach_campaigns",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("created_at", db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.Column("audience", db.base.JSONDoc(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("matched", sa.Integer(), nullable=False),
        sa.Column("queued", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outreach_campaigns")),
    )
    op.create_table(
        "outreach_recipients",
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("student_id", sa.Integer(), nullable=False),
        sa.Column("outbox_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["campaign_id"],
            ["outreach_campaigns.id"],
            name=op.f("fk_outreach_recipients_campaign_id_outreach_campaigns"),
        ),
        sa.ForeignKeyConstraint(
            ["student_id"], ["people.id"], name=op.f("fk_outreach_recipients_student_id_people")
        ),
        sa.ForeignKeyConstraint(
            ["outbox_id"], ["outbox.id"], name=op.f("fk_outreach_recipients_outbox_id_outbox")
        ),
        sa.PrimaryKeyConstraint("campaign_id", "student_id", name=op.f("pk_outreach_recipients")),
    )
    op.create_index(
        op.f("ix_outreach_recipients_student_id"), "outreach_recipients", ["student_id"]
    )


def downgrade() -> None:
    op.drop_index("ix_time_entries_verified", table_name="time_entries")
    op.drop_index(op.f("ix_outreach_recipients_student_id"), table_name="outreach_recipients")
    op.drop_table("outreach_recipients")
    op.drop_table("outreach_campaigns")
    op.drop_index("ix_student_demographics_field", table_name="student_demographics")
    op.drop_table("student_demographics")

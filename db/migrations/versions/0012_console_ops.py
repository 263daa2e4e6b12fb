"""The coordinators' inbox (safety first) and placements short of hours.

`inbox_items`: messages that wait for a person (safety, HUMAN / PERSONA, unplaced).
`placements.short_of_hours_at`: the due date passed before the hours were verified;
`placements.end_reason`: why a coordinator cancelled or closed one.
`opportunity_proposals`: opportunities employers propose through a private link.

Revision ID: 0012_console_ops
Revises: 0011_simulation
"""

import sqlalchemy as sa
from alembic import op

import db.base

revision = "0012_console_ops"
down_revision = "0011_simulation"
branch_labels = None
depends_on = None

KINDS = ("safety", "human", "unplaced")
STATUSES = ("open", "answered", "closed")
PROPOSALS = ("open", "submitted", "approved", "declined")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def upgrade() -> None:
    op.create_table(
        "inbox_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("coordinator_id", sa.Integer(), nullable=True),
        sa.Column("inbound_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("answered_at", db.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("answered_by", sa.String(length=64), nullable=True),
        sa.CheckConstraint(_in("kind", KINDS), name=op.f("ck_inbox_items_kind")),
        sa.CheckConstraint(_in("status", STATUSES), name=op.f("ck_inbox_items_status")),
        sa.ForeignKeyConstraint(
            ["person_id"], ["people.id"], name=op.f("fk_inbox_items_person_id_people")
        ),
        sa.ForeignKeyConstraint(
            ["coordinator_id"], ["people.id"], name=op.f("fk_inbox_items_coordinator_id_people")
        ),
        sa.ForeignKeyConstraint(
            ["inbound_id"],
            ["inbound_messages.id"],
            name=op.f("fk_inbox_items_inbound_id_inbound_messages"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inbox_items")),
    )
    op.create_index(op.f("ix_inbox_items_person_id"), "inbox_items", ["person_id"])
    op.create_index(
        "ix_inbox_items_open", "inbox_items", ["status", "coordinator_id", "created_at"]
    )
    op.add_column(
        "placements",
        sa.Column("short_of_hours_at", db.base.UTCDateTime(timezone=True), nullable=True),
    )
    op.add_column("placements", sa.Column("end_reason", sa.Text(), nullable=True))
    op.create_table(
        "opportunity_proposals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("employer_id", sa.Integer(), nullable=False),
        sa.Column("token_sha256", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("values", db.base.JSONDoc(), nullable=False),
        sa.Column("created_at", db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("submitted_at", db.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("decided_at", db.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("decided_by", sa.String(length=64), nullable=True),
        sa.Column("opportunity_id", sa.Integer(), nullable=True),
        sa.CheckConstraint(_in("status", PROPOSALS), name=op.f("ck_opportunity_proposals_status")),
        sa.ForeignKeyConstraint(
            ["employer_id"],
            ["employers.id"],
            name=op.f("fk_opportunity_proposals_employer_id_employers"),
        ),
        sa.ForeignKeyConstraint(
            ["opportunity_id"],
            ["opportunities.id"],
            name=op.f("fk_opportunity_proposals_opportunity_id_opportunities"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_opportunity_proposals")),
        sa.UniqueConstraint("token_sha256", name=op.f("uq_opportunity_proposals_token_sha256")),
    )
    op.create_index(
        op.f("ix_opportunity_proposals_employer_id"), "opportunity_proposals", ["employer_id"]
    )


def downgrade() -> None:
    op.drop_table("opportunity_proposals")
    with op.batch_alter_table("placements") as batch_op:
        batch_op.drop_column("end_reason")
        batch_op.drop_column("short_of_hours_at")
    op.drop_index("ix_inbox_items_open", table_name="inbox_items")
    op.drop_index(op.f("ix_inbox_items_person_id"), table_name="inbox_items")
    op.drop_table("inbox_items")

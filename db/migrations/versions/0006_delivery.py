"""Delivery that scales out: outbox leases, the urgent-first claim index, shared rate limits.

Revision ID: 0006_delivery
Revises: 0005_staff
"""

import sqlalchemy as sa
from alembic import op

import db.base

revision = "0006_delivery"
down_revision = "0005_staff"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("outbox") as batch_op:
        batch_op.add_column(sa.Column("claimed_by", sa.String(length=64), nullable=True))
        batch_op.add_column(
            sa.Column("lease_until", db.base.UTCDateTime(timezone=True), nullable=True)
        )
    op.create_index(
        "ix_outbox_claim",
        "outbox",
        ["status", "channel", sa.text("urgent DESC"), "not_before", "id"],
    )
    op.create_table(
        "rate_buckets",
        sa.Column("key", sa.String(length=96), nullable=False),
        sa.Column("slots", sa.Text(), nullable=False),
        sa.Column("touched", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_rate_buckets")),
    )


def downgrade() -> None:
    op.drop_table("rate_buckets")
    op.drop_index("ix_outbox_claim", table_name="outbox")
    with op.batch_alter_table("outbox") as batch_op:
        batch_op.drop_column("lease_until")
        batch_op.drop_column("claimed_by")

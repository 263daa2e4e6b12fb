"""Count wrong link codes per source and per code (the invite-code throttle).

Link codes created from now on are stored as HMAC-SHA256 keyed with SECRET_KEY; codes
issued before this revision keep their plain SHA-256 and still work until they expire
(14 days at most). Hashes cannot be re-keyed without the codes, so nothing is rewritten.

Revision ID: 0004_hardening
Revises: 0003_clockin
"""

import sqlalchemy as sa
from alembic import op

import db.base

revision = "0004_hardening"
down_revision = "0003_clockin"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "link_throttle",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("window_start", db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_link_throttle")),
    )
    op.create_index(
        op.f("ix_link_throttle_window_start"), "link_throttle", ["window_start"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_link_throttle_window_start"), table_name="link_throttle")
    op.drop_table("link_throttle")

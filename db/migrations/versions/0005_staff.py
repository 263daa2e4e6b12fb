"""Staff accounts with roles, server-side sessions, set-password links, failed sign-ins.

Roster staff who had a dashboard password become coordinator accounts (matched by their
email) without a password: send them a set-password link (`wbl staff add EMAIL --role
coordinator`). The old `staff.password_hash` column is no longer read.

Revision ID: 0005_staff
Revises: 0004_hardening
"""

import sqlalchemy as sa
from alembic import op

import db.base

revision = "0005_staff"
down_revision = "0004_hardening"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "staff_accounts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=255), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("roles", sa.String(length=64), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=True),
        sa.Column("password_hash", sa.String(length=255), nullable=True),
        sa.Column("disabled", sa.Boolean(), nullable=False),
        sa.Column("created_at", db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", db.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"], ["people.id"], name=op.f("fk_staff_accounts_person_id_people")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_staff_accounts")),
        sa.UniqueConstraint("email", name=op.f("uq_staff_accounts_email")),
    )
    op.create_index(op.f("ix_staff_accounts_person_id"), "staff_accounts", ["person_id"])
    op.create_table(
        "staff_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=True),
        sa.Column("data", db.base.JSONDoc(), nullable=False),
        sa.Column("created_at", db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("ended_at", db.base.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["staff_accounts.id"],
            name=op.f("fk_staff_sessions_account_id_staff_accounts"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_staff_sessions")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_staff_sessions_token_hash")),
    )
    op.create_index(op.f("ix_staff_sessions_account_id"), "staff_sessions", ["account_id"])
    op.create_table(
        "staff_password_links",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("created_at", db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("used_at", db.base.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["staff_accounts.id"],
            name=op.f("fk_staff_password_links_account_id_staff_accounts"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_staff_password_links")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_staff_password_links_token_hash")),
    )
    op.create_index(
        op.f("ix_staff_password_links_account_id"), "staff_password_links", ["account_id"]
    )
    op.create_table(
        "sign_in_failures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("email_key", sa.String(length=64), nullable=False),
        sa.Column("address", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sign_in_failures")),
    )
    op.create_index("ix_sign_in_failures_email_at", "sign_in_failures", ["email_key", "at"])
    op.create_index("ix_sign_in_failures_address_at", "sign_in_failures", ["address", "at"])
    op.execute(
        """
        INSERT INTO staff_accounts
            (email, name, roles, person_id, password_hash, disabled, created_at, updated_at)
        SELECT lower(p.email), p.given_name || ' ' || p.family_name, 'coordinator', p.id,
               NULL, NOT p.active, p.updated_at, p.updated_at
        FROM staff s JOIN people p ON p.id = s.person_id
        WHERE s.password_hash IS NOT NULL AND p.email IS NOT NULL AND p.email <> ''
          AND p.id = (SELECT min(q.id) FROM people q WHERE lower(q.email) = lower(p.email))
        """
    )


def downgrade() -> None:
    op.drop_index("ix_sign_in_failures_address_at", table_name="sign_in_failures")
    op.drop_index("ix_sign_in_failures_email_at", table_name="sign_in_failures")
    op.drop_table("sign_in_failures")
    op.drop_index(op.f("ix_staff_password_links_account_id"), table_name="staff_password_links")
    op.drop_table("staff_password_links")
    op.drop_index(op.f("ix_staff_sessions_account_id"), table_name="staff_sessions")
    op.drop_table("staff_sessions")
    op.drop_index(op.f("ix_staff_accounts_person_id"), table_name="staff_accounts")
    op.drop_table("staff_accounts")

"""Dashboard accounts, their sessions, set-password links and failed sign-ins.

An account is not a roster person: an IT administrator may have one without being on
the roster. A roster staff person with the same email is linked (`person_id`); their
caseload is the students whose `coordinator_id` is that person.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base

ROLES = ("admin", "coordinator", "facilitator")


class StaffAccount(Base):
    """Who may sign in to the dashboard, and as what (`roles`: a comma-joined set)."""

    __tablename__ = "staff_accounts"
    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(255), unique=True)  # lower-case
    name: Mapped[str] = mapped_column(String(255), default="")
    roles: Mapped[str] = mapped_column(String(64), default="")
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"), index=True)
    password_hash: Mapped[str | None] = mapped_column(String(255))
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    @property
    def role_set(self) -> frozenset[str]:
        return frozenset(r for r in self.roles.split(",") if r)


class StaffSession(Base):
    """A browser's session; the cookie holds a random id, this row only its SHA-256.

    `account_id` is None for a visitor not signed in who has something to keep (the
    OpenID Connect state between the redirect and the callback).
    """

    __tablename__ = "staff_sessions"
    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    account_id: Mapped[int | None] = mapped_column(ForeignKey("staff_accounts.id"), index=True)
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime]
    last_seen_at: Mapped[datetime]
    ended_at: Mapped[datetime | None]


class PasswordLink(Base):
    """A one-time set-password link (the token is stored as its SHA-256 only)."""

    __tablename__ = "staff_password_links"
    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("staff_accounts.id"), index=True)
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]


class SignInFailure(Base):
    """One failed sign-in, counted per account (keyed email) and per client address."""

    __tablename__ = "sign_in_failures"
    __table_args__ = (
        Index("ix_sign_in_failures_email_at", "email_key", "at"),
        Index("ix_sign_in_failures_address_at", "address", "at"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime]
    email_key: Mapped[str] = mapped_column(String(64))
    address: Mapped[str] = mapped_column(String(64))

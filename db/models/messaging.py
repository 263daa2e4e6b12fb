"""Contacts, conversations, the inbound log, the outbox, reminders and one-time codes."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bot.statuses import InboundStatus, OutboxStatus, ReminderStatus
from db.base import Base, Status, one_of


class Contact(Base):
    """An address a person is reached at, as a URN: `tel:+1…`, `telegram:123`, `sim:42`.

    Opt-outs are per address (a STOP by SMS does not silence Telegram).
    """

    __tablename__ = "contacts"
    id: Mapped[int] = mapped_column(primary_key=True)
    urn: Mapped[str] = mapped_column(String(64), unique=True)
    scheme: Mapped[str] = mapped_column(String(16))
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    opted_out_at: Mapped[datetime | None]
    # the roster replaced this number: it no longer reaches or speaks for the person
    retired_at: Mapped[datetime | None]
    last_inbound_at: Mapped[datetime | None]
    created_at: Mapped[datetime]


class Conversation(Base):
    """Where a person stands in their flow; the only conversation memory there is."""

    __tablename__ = "conversations"
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), primary_key=True)
    flow: Mapped[str] = mapped_column(String(32), default="")
    state: Mapped[str] = mapped_column(String(32), default="idle")
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)
    version: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime]


class InboundMessage(Base):
    """Every message received, recorded before processing; unique per provider id."""

    __tablename__ = "inbound_messages"
    __table_args__ = (UniqueConstraint("channel", "provider_id"), one_of("status", InboundStatus))
    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))
    provider_id: Mapped[str] = mapped_column(String(64))
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contacts.id"))
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"), index=True)
    text: Mapped[str | None] = mapped_column(Text)
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)
    status: Mapped[InboundStatus] = mapped_column(
        Status(InboundStatus, 16), default=InboundStatus.RECEIVED
    )
    received_at: Mapped[datetime]


class OutboxMessage(Base):
    """A message the system decided to send, committed with the state change that caused it.

    status: pending|sending|sent|delivered|failed|undelivered|suppressed
    urgent: a direct answer, a clock receipt, a consent confirmation (never held, not capped)
    """

    __tablename__ = "outbox"
    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"), index=True)
    urn: Mapped[str] = mapped_column(String(64))
    channel: Mapped[str] = mapped_column(String(16))
    text: Mapped[str] = mapped_column(Text)
    buttons: Mapped[list[Any]] = mapped_column(default=list)
    extra: Mapped[dict[str, Any]] = mapped_column(default=dict)
    urgent: Mapped[bool] = mapped_column(default=True)
    category: Mapped[str] = mapped_column(String(32), default="reply")
    status: Mapped[OutboxStatus] = mapped_column(
        Status(OutboxStatus, 16), default=OutboxStatus.PENDING
    )
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    not_before: Mapped[datetime]
    provider_message_id: Mapped[str | None] = mapped_column(String(64), index=True)
    last_error: Mapped[str | None] = mapped_column(String(512))
    in_reply_to: Mapped[int | None] = mapped_column(ForeignKey("inbound_messages.id"))
    created_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]
    delivered_at: Mapped[datetime | None]
    claimed_at: Mapped[datetime | None]  # when a dispatcher took it (counts toward the cap)
    # the worker holding a `sending` row, and until when; a lapsed lease makes it pending again
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    lease_until: Mapped[datetime | None]
    __table_args__ = (
        Index("ix_outbox_due", "status", "not_before"),
        one_of("status", OutboxStatus),
    )


# the dispatcher's claim: one channel's due rows, urgent first, then the oldest
Index(
    "ix_outbox_claim",
    OutboxMessage.status,
    OutboxMessage.channel,
    OutboxMessage.urgent.desc(),
    OutboxMessage.not_before,
    OutboxMessage.id,
)


class RateBucket(Base):
    """One provider rate limit shared by every worker (a channel, or one recipient).

    `slots`: the instants (epoch seconds, the database's clock) the last `cap` sends
    ended, space-separated; a send in flight holds a later "in flight until" mark.
    """

    __tablename__ = "rate_buckets"
    key: Mapped[str] = mapped_column(String(96), primary_key=True)
    slots: Mapped[str] = mapped_column(Text, default="")
    touched: Mapped[float] = mapped_column(Float, default=0.0)


class Reminder(Base):
    """Scheduled work as data: a row with a due time, claimed by the worker.

    status: pending|running|done|cancelled|failed
    """

    __tablename__ = "reminders"
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    subject_id: Mapped[int] = mapped_column(Integer)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    due_at: Mapped[datetime]
    status: Mapped[ReminderStatus] = mapped_column(
        Status(ReminderStatus, 16), default=ReminderStatus.PENDING
    )
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime]
    claimed_at: Mapped[datetime | None]  # a running row claimed long ago: its worker died
    done_at: Mapped[datetime | None]
    __table_args__ = (
        Index("ix_reminders_due", "status", "due_at"),
        one_of("status", ReminderStatus),
    )


class LinkCode(Base):
    """A one-time code that links a Telegram chat to a person (`/start CODE`)."""

    __tablename__ = "link_codes"
    id: Mapped[int] = mapped_column(primary_key=True)
    code_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
    created_at: Mapped[datetime]


class CheckinToken(Base):
    """A one-time, expiring link for an SMS user to clock in/out from the browser."""

    __tablename__ = "checkin_tokens"
    id: Mapped[int] = mapped_column(primary_key=True)
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    placement_id: Mapped[int] = mapped_column(ForeignKey("placements.id"))
    action: Mapped[str] = mapped_column(String(8))  # in|out
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
    note: Mapped[str | None] = mapped_column(Text)

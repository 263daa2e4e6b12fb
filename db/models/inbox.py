"""The coordinators' inbox: messages that wait for a person (safety first)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from bot.statuses import InboxKind, InboxStatus
from db.base import Base, Status, one_of


class InboxItem(Base):
    """One message for a coordinator: who sent it, which message, and what became of it.

    The text stays in `inbound_messages`; `coordinator_id` is the sender's coordinator
    when it arrived (None: nobody on the roster, the admins' inbox).
    """

    __tablename__ = "inbox_items"
    __table_args__ = (
        one_of("kind", InboxKind),
        one_of("status", InboxStatus),
        Index("ix_inbox_items_open", "status", "coordinator_id", "created_at"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    coordinator_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    inbound_id: Mapped[int | None] = mapped_column(ForeignKey("inbound_messages.id"))
    kind: Mapped[InboxKind] = mapped_column(Status(InboxKind, 16))
    status: Mapped[InboxStatus] = mapped_column(Status(InboxStatus, 16), default=InboxStatus.OPEN)
    created_at: Mapped[datetime]
    answered_at: Mapped[datetime | None]
    answered_by: Mapped[str | None] = mapped_column(String(64))  # `staff:3`, never a name

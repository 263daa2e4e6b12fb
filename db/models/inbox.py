"""The coordinators' inbox (messages that wait for a person, safety first) and the
opportunities employers propose through a private link."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from bot.statuses import InboxKind, InboxStatus, ProposalStatus
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


class OpportunityProposal(Base):
    """An opportunity an employer proposes through a private link the coordinator sent.

    The link's token is stored only as its SHA-256; `values` are the checked columns of
    the opportunity (as the importer would write them) once the employer submits.
    status: open (link sent) | submitted | approved | declined
    """

    __tablename__ = "opportunity_proposals"
    __table_args__ = (one_of("status", ProposalStatus),)
    id: Mapped[int] = mapped_column(primary_key=True)
    employer_id: Mapped[int] = mapped_column(ForeignKey("employers.id"), index=True)
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    status: Mapped[ProposalStatus] = mapped_column(
        Status(ProposalStatus, 16), default=ProposalStatus.OPEN
    )
    values: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    submitted_at: Mapped[datetime | None]
    decided_at: Mapped[datetime | None]
    decided_by: Mapped[str | None] = mapped_column(String(64))
    opportunity_id: Mapped[int | None] = mapped_column(ForeignKey("opportunities.id"))

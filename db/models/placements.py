"""Applications, placements and everything a placement accrues: consent, hours, work, ratings."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    Boolean,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from bot.statuses import (
    ApplicationStatus,
    ConsentAction,
    ConsentStatus,
    DeliverableStatus,
    EntryKind,
    EntryStatus,
    PlacementStatus,
    RatingStatus,
    Verdict,
)
from db.base import Base, Status, one_of


class Application(Base):
    """A student asks for an opportunity. status: pending|approved|declined|withdrawn."""

    __tablename__ = "applications"
    __table_args__ = (
        UniqueConstraint("student_id", "opportunity_id"),
        one_of("status", ApplicationStatus),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    opportunity_id: Mapped[int] = mapped_column(ForeignKey("opportunities.id"), index=True)
    status: Mapped[ApplicationStatus] = mapped_column(
        Status(ApplicationStatus, 16), default=ApplicationStatus.PENDING
    )
    created_at: Mapped[datetime]
    decided_at: Mapped[datetime | None]
    decided_by: Mapped[str | None] = mapped_column(String(64))


class Placement(Base):
    """An approved application. The lifecycle lives in rules.placement (PLACEMENT_MACHINE).

    status: paperwork|ready|paused|completed|declined|cancelled
    """

    __tablename__ = "placements"
    __table_args__ = (one_of("status", PlacementStatus),)
    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id"), unique=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    opportunity_id: Mapped[int] = mapped_column(ForeignKey("opportunities.id"), index=True)
    status: Mapped[PlacementStatus] = mapped_column(
        Status(PlacementStatus, 16), default=PlacementStatus.PAPERWORK, index=True
    )
    starts_on: Mapped[date] = mapped_column(Date)
    due_on: Mapped[date] = mapped_column(Date)
    agreement_ack_at: Mapped[datetime | None]
    paper_consent: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime]
    completed_at: Mapped[datetime | None]
    # its due date passed short of its hours: the coordinator completes, extends or closes it
    short_of_hours_at: Mapped[datetime | None]
    end_reason: Mapped[str | None] = mapped_column(Text)  # why it was cancelled or closed


class ConsentRequest(Base):
    """One permission request for one placement; `code` ties a YES/NO to it.

    status: open|granted|declined|revoked|paper_needed|cancelled
    signer: guardians|self (a student 18+ on the start date signs for themselves)
    """

    __tablename__ = "consent_requests"
    __table_args__ = (one_of("status", ConsentStatus),)
    id: Mapped[int] = mapped_column(primary_key=True)
    placement_id: Mapped[int] = mapped_column(ForeignKey("placements.id"), index=True)
    code: Mapped[str] = mapped_column(String(8), index=True)
    signer: Mapped[str] = mapped_column(String(16), default="guardians")
    status: Mapped[ConsentStatus] = mapped_column(
        Status(ConsentStatus, 16), default=ConsentStatus.OPEN
    )
    template_version: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime]
    reminders_sent: Mapped[int] = mapped_column(Integer, default=0)
    closed_at: Mapped[datetime | None]


class ConsentRecord(Base):
    """Append-only evidence of a consent act; never updated or deleted (see db.guards).

    action: request_sent|grant|decline|revoke|paper_grant|paper_decline
    """

    __tablename__ = "consent_records"
    __table_args__ = (one_of("action", ConsentAction),)
    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("consent_requests.id"), index=True)
    placement_id: Mapped[int] = mapped_column(ForeignKey("placements.id"), index=True)
    signer_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    action: Mapped[ConsentAction] = mapped_column(Status(ConsentAction, 16))
    channel: Mapped[str] = mapped_column(String(16))  # sms|telegram|sim|paper
    from_address: Mapped[str | None] = mapped_column(String(64))  # E.164 or chat id
    inbound_message_id: Mapped[int | None] = mapped_column(ForeignKey("inbound_messages.id"))
    provider_message_id: Mapped[str | None] = mapped_column(String(64))
    raw_text: Mapped[str | None] = mapped_column(Text)
    request_text: Mapped[str | None] = mapped_column(Text)
    request_text_sha256: Mapped[str | None] = mapped_column(String(64))
    template_version: Mapped[str | None] = mapped_column(String(32))
    outbox_id: Mapped[int | None] = mapped_column(ForeignKey("outbox.id"))
    recorded_by: Mapped[str | None] = mapped_column(String(64))
    method: Mapped[str | None] = mapped_column(String(255))  # paper: how it was collected
    signed_on: Mapped[date | None] = mapped_column(Date)  # paper: the date on the signed form
    signer_name: Mapped[str | None] = mapped_column(String(255))  # paper: who signed it
    recorded_at: Mapped[datetime]


class TimeEntry(Base):
    """Hours: clocked time (kind=clock, services.clocking) or hours logged by hand (kind=manual).

    status: open|pending|approved|rejected ; verdict: verified|outside|unverified|remote
    """

    __tablename__ = "time_entries"
    id: Mapped[int] = mapped_column(primary_key=True)
    placement_id: Mapped[int] = mapped_column(ForeignKey("placements.id"), index=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    kind: Mapped[EntryKind] = mapped_column(Status(EntryKind, 8))
    status: Mapped[EntryStatus] = mapped_column(
        Status(EntryStatus, 16), default=EntryStatus.PENDING, index=True
    )
    started_at: Mapped[datetime | None]
    ended_at: Mapped[datetime | None]
    hours: Mapped[Decimal | None] = mapped_column(Numeric(6, 2))
    description: Mapped[str | None] = mapped_column(Text)
    in_lat: Mapped[float | None] = mapped_column(Float)
    in_lon: Mapped[float | None] = mapped_column(Float)
    in_accuracy_m: Mapped[float | None] = mapped_column(Float)
    in_distance_m: Mapped[float | None] = mapped_column(Float)
    in_verdict: Mapped[Verdict | None] = mapped_column(Status(Verdict, 16))
    out_lat: Mapped[float | None] = mapped_column(Float)
    out_lon: Mapped[float | None] = mapped_column(Float)
    out_accuracy_m: Mapped[float | None] = mapped_column(Float)
    out_distance_m: Mapped[float | None] = mapped_column(Float)
    out_verdict: Mapped[Verdict | None] = mapped_column(Status(Verdict, 16))
    flagged: Mapped[bool] = mapped_column(Boolean, default=False)
    flag_reason: Mapped[str | None] = mapped_column(String(255))
    auto_closed: Mapped[bool] = mapped_column(Boolean, default=False)
    reviewed_by: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    reviewed_at: Mapped[datetime | None]
    review_note: Mapped[str | None] = mapped_column(Text)
    supervisor_notified_at: Mapped[datetime | None]
    reminders_sent: Mapped[int] = mapped_column(Integer, default=0)  # 3 = coordinator told
    last_reminded_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
    __table_args__ = (
        Index("ix_time_entries_open", "student_id", "status"),
        one_of("kind", EntryKind),
        one_of("status", EntryStatus),
        one_of("in_verdict", Verdict),
        one_of("out_verdict", Verdict),
    )


class Deliverable(Base):
    """Submitted work. status: submitted|accepted|changes_requested"""

    __tablename__ = "deliverables"
    __table_args__ = (one_of("status", DeliverableStatus),)
    id: Mapped[int] = mapped_column(primary_key=True)
    placement_id: Mapped[int] = mapped_column(ForeignKey("placements.id"), index=True)
    text: Mapped[str | None] = mapped_column(Text)
    url: Mapped[str | None] = mapped_column(String(2048))
    file_ref: Mapped[str | None] = mapped_column(String(255))
    status: Mapped[DeliverableStatus] = mapped_column(
        Status(DeliverableStatus, 24), default=DeliverableStatus.SUBMITTED
    )
    submitted_at: Mapped[datetime]
    reviewed_at: Mapped[datetime | None]
    review_comment: Mapped[str | None] = mapped_column(Text)
    supervisor_notified_at: Mapped[datetime | None]
    reminders_sent: Mapped[int] = mapped_column(Integer, default=0)  # 3 = coordinator told
    last_reminded_at: Mapped[datetime | None]


class RatingRequest(Base):
    """A round of soft-skill ratings owed by a supervisor. status: open|done|cancelled"""

    __tablename__ = "rating_requests"
    __table_args__ = (UniqueConstraint("placement_id", "round"), one_of("status", RatingStatus))
    id: Mapped[int] = mapped_column(primary_key=True)
    placement_id: Mapped[int] = mapped_column(ForeignKey("placements.id"), index=True)
    supervisor_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    round: Mapped[int] = mapped_column(Integer, default=1)
    status: Mapped[RatingStatus] = mapped_column(
        Status(RatingStatus, 16), default=RatingStatus.OPEN
    )
    comment: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]
    completed_at: Mapped[datetime | None]
    extra: Mapped[dict[str, Any]] = mapped_column(default=dict)
    supervisor_notified_at: Mapped[datetime | None]
    reminders_sent: Mapped[int] = mapped_column(Integer, default=0)  # 3 = coordinator told
    last_reminded_at: Mapped[datetime | None]


class Rating(Base):
    """One skill scored 1-5 in one round."""

    __tablename__ = "ratings"
    __table_args__ = (UniqueConstraint("request_id", "skill"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("rating_requests.id"), index=True)
    placement_id: Mapped[int] = mapped_column(ForeignKey("placements.id"), index=True)
    skill: Mapped[str] = mapped_column(String(32))
    score: Mapped[int] = mapped_column(Integer)
    rated_at: Mapped[datetime]

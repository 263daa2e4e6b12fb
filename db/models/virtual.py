"""Mentor sessions of remote internships: the sessions, who is invited (attendance,
rating, comment) and the weekly pulse answers. Times are stored in UTC."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bot.statuses import SessionStatus
from db.base import Base, Status, one_of


class MentorSession(Base):
    """One video session of an opportunity: briefing, check-in or feedback.

    status: bot.statuses.SessionStatus (a MEET waiting for YES is no row yet).
    """

    __tablename__ = "mentor_sessions"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str | None] = mapped_column(String(64), unique=True)  # sessions.csv session_id
    opportunity_id: Mapped[int] = mapped_column(ForeignKey("opportunities.id"), index=True)
    mentor_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16), default="checkin")
    starts_at: Mapped[datetime]
    minutes: Mapped[int] = mapped_column(Integer, default=30)
    join_url: Mapped[str] = mapped_column(String(512), default="")
    status: Mapped[SessionStatus] = mapped_column(
        Status(SessionStatus, 16), default=SessionStatus.SCHEDULED
    )
    created_at: Mapped[datetime]
    attendance_asked_at: Mapped[datetime | None]
    attendance_done_at: Mapped[datetime | None]
    __table_args__ = (
        Index("ix_mentor_sessions_starts", "status", "starts_at"),
        one_of("status", SessionStatus),
    )


class SessionInvite(Base):
    """An intern invited to a session; after it, attended (minutes → a time entry),
    the mentor's rating (1-5) and comment."""

    __tablename__ = "session_invites"
    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("mentor_sessions.id"), index=True)
    placement_id: Mapped[int] = mapped_column(ForeignKey("placements.id"), index=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    attended: Mapped[bool | None] = mapped_column(Boolean)
    rating: Mapped[int | None] = mapped_column(Integer)
    comment: Mapped[str | None] = mapped_column(Text)
    entry_id: Mapped[int | None] = mapped_column(ForeignKey("time_entries.id"))
    invited_at: Mapped[datetime]
    marked_at: Mapped[datetime | None]
    __table_args__ = (UniqueConstraint("session_id", "student_id"),)


class PulseAnswer(Base):
    """The weekly "how is it going" of one placement: asked, then a 1-5 score (or none)."""

    __tablename__ = "pulse_answers"
    id: Mapped[int] = mapped_column(primary_key=True)
    placement_id: Mapped[int] = mapped_column(ForeignKey("placements.id"), index=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    week: Mapped[str] = mapped_column(String(8))  # ISO week, 2026-W49
    asked_at: Mapped[datetime]
    score: Mapped[int | None] = mapped_column(Integer)
    answered_at: Mapped[datetime | None]
    __table_args__ = (UniqueConstraint("placement_id", "week"),)

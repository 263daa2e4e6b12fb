"""What the equity view needs beyond the roster's core: each student's demographics.csv
values, and outreach campaigns with the students they reached."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base
from db.models.placements import TimeEntry

# who has a WBL experience (verified hours): read by every coverage figure and outreach
_VERIFIED = (TimeEntry.status == "approved") & (TimeEntry.hours > 0)
Index(
    "ix_time_entries_verified",
    TimeEntry.student_id,
    postgresql_where=_VERIFIED,
    sqlite_where=_VERIFIED,
)


class StudentDemographic(Base):
    """One demographics.csv value of one student (blank values are not stored).

    `field` is the column as the roster names it (`sex`, `hispanicOrLatinoEthnicity`...);
    `birthDate` lives on `students` and the row's bookkeeping columns are not kept.
    """

    __tablename__ = "student_demographics"
    __table_args__ = (Index("ix_student_demographics_field", "field", "value"),)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), primary_key=True)
    field: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(String(64))


class OutreachCampaign(Base):
    """An invitation to reply FIND sent to students with no WBL experience yet.

    `audience`: the filters chosen ({"school": "school-1", "grade": "12", "field": ...}).
    """

    __tablename__ = "outreach_campaigns"
    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime]
    actor: Mapped[str] = mapped_column(String(64))  # staff:3 | cli
    audience: Mapped[dict[str, Any]] = mapped_column(default=dict)
    note: Mapped[str | None] = mapped_column(Text)  # the English text as previewed
    matched: Mapped[int] = mapped_column(Integer, default=0)  # students with no experience
    queued: Mapped[int] = mapped_column(Integer, default=0)  # of them with a usable channel


class OutreachRecipient(Base):
    """One student a campaign queued a message to (its delivery is the outbox row's)."""

    __tablename__ = "outreach_recipients"
    campaign_id: Mapped[int] = mapped_column(ForeignKey("outreach_campaigns.id"), primary_key=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("people.id"), primary_key=True, index=True)
    outbox_id: Mapped[int | None] = mapped_column(ForeignKey("outbox.id"))

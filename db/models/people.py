"""Schools, people and the links between students and their guardians."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, Float, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from db.base import Base


class Org(Base):
    """A district or a school from the roster (OneRoster `orgs.csv`)."""

    __tablename__ = "orgs"
    id: Mapped[int] = mapped_column(primary_key=True)
    sourced_id: Mapped[str] = mapped_column(String(255), unique=True)
    name: Mapped[str] = mapped_column(String(255))
    type: Mapped[str] = mapped_column(String(32))
    identifier: Mapped[str | None] = mapped_column(String(64))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("orgs.id"))
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    updated_at: Mapped[datetime]


class Person(Base):
    """Anyone the bot talks to: a student, a guardian, staff or a supervisor.

    Names and phones are personal data: log `person.id`, never these fields.
    """

    __tablename__ = "people"
    __table_args__ = (UniqueConstraint("source", "sourced_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), index=True)  # student|guardian|staff|supervisor
    source: Mapped[str] = mapped_column(String(16))  # roster|partners|dashboard
    sourced_id: Mapped[str] = mapped_column(String(255))
    given_name: Mapped[str] = mapped_column(String(255))
    family_name: Mapped[str] = mapped_column(String(255), default="")
    language: Mapped[str] = mapped_column(String(8), default="en")
    phone: Mapped[str | None] = mapped_column(String(20))  # E.164
    email: Mapped[str | None] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    student: Mapped[Student | None] = relationship(
        back_populates="person", uselist=False, foreign_keys="Student.person_id"
    )

    @property
    def display_name(self) -> str:
        return f"{self.given_name} {self.family_name}".strip()


class Student(Base):
    """The WBL facts of a student; who is a minor is derived from `birth_date`."""

    __tablename__ = "students"
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("orgs.id"), index=True)
    grade: Mapped[str | None] = mapped_column(String(8))
    birth_date: Mapped[date | None] = mapped_column(Date)
    transportation: Mapped[str] = mapped_column(String(16), default="none")  # car|transit|none
    home_lat: Mapped[float | None] = mapped_column(Float)
    home_lon: Mapped[float | None] = mapped_column(Float)
    interests: Mapped[str] = mapped_column(String(512), default="")  # ';'-separated clusters
    coordinator_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"), index=True)

    person: Mapped[Person] = relationship(back_populates="student", foreign_keys=[person_id])

    @property
    def interest_list(self) -> list[str]:
        return split_interests(self.interests)


def split_interests(text: str | None) -> list[str]:
    """The career clusters in a student's `interests` column (';'-separated)."""
    return [i.strip() for i in (text or "").split(";") if i.strip()]


class GuardianLink(Base):
    """A guardian stands behind a student; siblings share guardians."""

    __tablename__ = "guardian_links"
    student_id: Mapped[int] = mapped_column(ForeignKey("people.id"), primary_key=True)
    guardian_id: Mapped[int] = mapped_column(ForeignKey("people.id"), primary_key=True)
    __table_args__ = (Index("ix_guardian_links_guardian", "guardian_id"),)


class Staff(Base):
    """A teacher or WBL coordinator; may sign in to the dashboard."""

    __tablename__ = "staff"
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), primary_key=True)
    org_id: Mapped[int | None] = mapped_column(ForeignKey("orgs.id"), index=True)
    role: Mapped[str] = mapped_column(String(32), default="coordinator")
    password_hash: Mapped[str | None] = mapped_column(String(255))

"""Employers, their sites and supervisors, opportunities, and the vetting checks that expire."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Boolean, Date, Float, ForeignKey, Index, Integer, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base


class Employer(Base):
    __tablename__ = "employers"
    id: Mapped[int] = mapped_column(primary_key=True)
    external_id: Mapped[str] = mapped_column(String(255), unique=True)
    name: Mapped[str] = mapped_column(String(255))
    # business|nonprofit|public_agency|virtual_partner|school_enterprise
    kind: Mapped[str] = mapped_column(String(32))
    contact_name: Mapped[str | None] = mapped_column(String(255))
    contact_phone: Mapped[str | None] = mapped_column(String(20))
    contact_email: Mapped[str | None] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    updated_at: Mapped[datetime]


class Site(Base):
    """A workplace with a circular geofence; `school_id` set when it is on a school campus."""

    __tablename__ = "sites"
    id: Mapped[int] = mapped_column(primary_key=True)
    external_id: Mapped[str] = mapped_column(String(255), unique=True)
    employer_id: Mapped[int] = mapped_column(ForeignKey("employers.id"), index=True)
    name: Mapped[str] = mapped_column(String(255))
    address: Mapped[str | None] = mapped_column(String(512))
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)
    radius_m: Mapped[int] = mapped_column(Integer)
    transit: Mapped[bool] = mapped_column(Boolean, default=False)
    school_id: Mapped[int | None] = mapped_column(ForeignKey("orgs.id"))
    updated_at: Mapped[datetime]


class Supervisor(Base):
    """The employer-side mentor; a `Person` of kind `supervisor`."""

    __tablename__ = "supervisors"
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), primary_key=True)
    employer_id: Mapped[int] = mapped_column(ForeignKey("employers.id"), index=True)
    timezone: Mapped[str | None] = mapped_column(String(64))  # IANA; None: the district's


class VettingCheck(Base):
    """One dated safety/paperwork fact about a partner; its validity is derived by rules.vetting.

    kind: agreement (employer), insurance (employer), background_check (supervisor),
    site_safety (site). A newer check supersedes older ones of the same subject and kind.
    """

    __tablename__ = "vetting_checks"
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    employer_id: Mapped[int | None] = mapped_column(ForeignKey("employers.id"))
    supervisor_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    site_id: Mapped[int | None] = mapped_column(ForeignKey("sites.id"))
    completed_on: Mapped[date | None] = mapped_column(Date)
    expires_on: Mapped[date | None] = mapped_column(Date)
    source: Mapped[str] = mapped_column(String(32), default="import")
    recorded_at: Mapped[datetime]
    __table_args__ = (
        Index("ix_vetting_employer", "employer_id", "kind"),
        Index("ix_vetting_supervisor", "supervisor_id", "kind"),
    )


class Opportunity(Base):
    __tablename__ = "opportunities"
    id: Mapped[int] = mapped_column(primary_key=True)
    external_id: Mapped[str] = mapped_column(String(255), unique=True)
    employer_id: Mapped[int] = mapped_column(ForeignKey("employers.id"), index=True)
    site_id: Mapped[int | None] = mapped_column(ForeignKey("sites.id"))
    supervisor_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    kind: Mapped[str] = mapped_column(String(16), index=True)  # micro|enterprise|virtual|simulation
    title: Mapped[str] = mapped_column(String(255))
    description: Mapped[str] = mapped_column(Text, default="")
    deliverables: Mapped[str] = mapped_column(Text, default="")
    est_hours: Mapped[Decimal] = mapped_column(Numeric(6, 2))
    seats: Mapped[int] = mapped_column(Integer)
    career_cluster: Mapped[str | None] = mapped_column(String(64))
    min_age: Mapped[int] = mapped_column(Integer, default=14)
    starts_on: Mapped[date] = mapped_column(Date)
    due_on: Mapped[date] = mapped_column(Date)
    remote: Mapped[bool] = mapped_column(Boolean, default=False)
    auto_approve: Mapped[bool] = mapped_column(Boolean, default=False)
    # the staff person who runs it (a school enterprise): `facilitator_sourced_id`
    facilitator_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"), index=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    updated_at: Mapped[datetime]

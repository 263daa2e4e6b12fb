"""School-based enterprises: the shift rota, the till (sales, stock, purchases) and work
orders. Owned by the enterprise kind (bot/kinds/enterprise/); migration 0009_enterprise."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from bot.statuses import ShiftTakeStatus, WorkOrderStatus
from db.base import Base, Status, one_of


class EnterpriseProfile(Base):
    """What an enterprise opportunity adds: whether it sells (`till`) and the capability
    token of its public work-order form."""

    __tablename__ = "enterprise_profiles"
    opportunity_id: Mapped[int] = mapped_column(ForeignKey("opportunities.id"), primary_key=True)
    till: Mapped[bool] = mapped_column(Boolean, default=False)
    order_token: Mapped[str] = mapped_column(String(64), unique=True)
    updated_at: Mapped[datetime]


class Shift(Base):
    """One rota slot; `external_id` is `shifts.csv` `shift_id` (None: made on the dashboard)."""

    __tablename__ = "enterprise_shifts"
    id: Mapped[int] = mapped_column(primary_key=True)
    external_id: Mapped[str | None] = mapped_column(String(255), unique=True)
    opportunity_id: Mapped[int] = mapped_column(ForeignKey("opportunities.id"), index=True)
    starts_at: Mapped[datetime] = mapped_column(index=True)
    ends_at: Mapped[datetime]
    seats: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[datetime]


class ShiftTake(Base):
    """A student's place on a shift: taken, dropped, missed (no IN in time) or worked."""

    __tablename__ = "enterprise_shift_takes"
    __table_args__ = (
        UniqueConstraint("shift_id", "student_id"),
        one_of("status", ShiftTakeStatus),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    shift_id: Mapped[int] = mapped_column(ForeignKey("enterprise_shifts.id"), index=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    placement_id: Mapped[int] = mapped_column(ForeignKey("placements.id"))
    status: Mapped[ShiftTakeStatus] = mapped_column(Status(ShiftTakeStatus))
    time_entry_id: Mapped[int | None] = mapped_column(ForeignKey("time_entries.id"))
    taken_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class Item(Base):
    """A stock item of a till enterprise (`items.csv`, upserted by opportunity + item)."""

    __tablename__ = "enterprise_items"
    __table_args__ = (UniqueConstraint("opportunity_id", "item"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    opportunity_id: Mapped[int] = mapped_column(ForeignKey("opportunities.id"), index=True)
    item: Mapped[str] = mapped_column(String(128))
    unit: Mapped[str] = mapped_column(String(64), default="")
    par: Mapped[Decimal] = mapped_column(Numeric(10, 2))
    unit_cost: Mapped[Decimal] = mapped_column(Numeric(10, 2))
    low_told_on: Mapped[date | None] = mapped_column(Date)  # the supervisor was told that day
    updated_at: Mapped[datetime]


class StockCount(Base):
    __tablename__ = "enterprise_stock_counts"
    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("enterprise_items.id"), index=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    count: Mapped[Decimal] = mapped_column(Numeric(10, 2))
    counted_at: Mapped[datetime]


class Sale(Base):
    """A till shift's takings (one per shift: a second SALES replaces the first)."""

    __tablename__ = "enterprise_sales"
    id: Mapped[int] = mapped_column(primary_key=True)
    shift_id: Mapped[int] = mapped_column(ForeignKey("enterprise_shifts.id"), unique=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    amount: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    recorded_at: Mapped[datetime]


class Purchase(Base):
    """Money a till enterprise spent (recorded by staff on the dashboard)."""

    __tablename__ = "enterprise_purchases"
    id: Mapped[int] = mapped_column(primary_key=True)
    opportunity_id: Mapped[int] = mapped_column(ForeignKey("opportunities.id"), index=True)
    on: Mapped[date] = mapped_column(Date)
    amount: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    memo: Mapped[str] = mapped_column(String(255), default="")
    staff_account_id: Mapped[int | None] = mapped_column(ForeignKey("staff_accounts.id"))
    created_at: Mapped[datetime]


class WorkOrder(Base):
    """A request from a client (faculty, a nonprofit) to an enterprise, from its public form.

    `rating_key` is the HMAC of the one-tap rating link's token (the token is never stored);
    `requester_hash` keys the form's rate limit (a keyed hash of the client's address).
    """

    __tablename__ = "enterprise_work_orders"
    __table_args__ = (
        one_of("status", WorkOrderStatus),
        CheckConstraint("rating IS NULL OR (rating BETWEEN 1 AND 5)", name="rating"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(16), unique=True)
    opportunity_id: Mapped[int] = mapped_column(ForeignKey("opportunities.id"), index=True)
    requester_name: Mapped[str] = mapped_column(String(255))
    requester_phone: Mapped[str | None] = mapped_column(String(20))
    requester_email: Mapped[str | None] = mapped_column(String(255))
    language: Mapped[str] = mapped_column(String(8), default="en")
    description: Mapped[str] = mapped_column(Text)
    status: Mapped[WorkOrderStatus] = mapped_column(Status(WorkOrderStatus))
    claimed_by: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    claimed_at: Mapped[datetime | None]
    done_at: Mapped[datetime | None]
    note: Mapped[str | None] = mapped_column(Text)
    rating: Mapped[int | None] = mapped_column(Integer)
    rating_key: Mapped[str | None] = mapped_column(String(64), unique=True)
    requester_hash: Mapped[str] = mapped_column(String(64), index=True)
    created_at: Mapped[datetime] = mapped_column(index=True)

"""Class firms trading in a closed economy: firms, their teams and members' roles, the
ledger's accounts and transactions, invoices, and each firm's month-end close.

Money is integer cents. A ledger transaction moves one positive amount from one account
to another and is never changed (an ORM guard here and database triggers, migration
0008); a correction is a new transaction naming the one it corrects. Balances are sums
of transactions, so the sum of all balances is zero by construction; the service checks
it again inside every transaction that posts.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Numeric,
    String,
    Text,
    event,
)
from sqlalchemy.orm import Mapped, Session, mapped_column

from bot.statuses import InvoiceStatus
from db.base import Base, JSONDoc, Status, one_of

IMMUTABLE = ("sim_transactions",)


class SimFirm(Base):
    """A class firm (`firms.csv`): its code, school, facilitator and terms."""

    __tablename__ = "sim_firms"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    name: Mapped[str] = mapped_column(String(255))
    org_id: Mapped[int | None] = mapped_column(ForeignKey("orgs.id"))
    facilitator_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"), index=True)
    opening_cents: Mapped[int] = mapped_column(BigInteger)
    rent_cents: Mapped[int] = mapped_column(BigInteger)
    tax_rate: Mapped[Decimal] = mapped_column(Numeric(6, 4))
    roles: Mapped[list[str]] = mapped_column(JSONDoc, default=list)  # the firm's role names
    pay_roles: Mapped[list[str]] = mapped_column(JSONDoc, default=list)  # empty: everyone
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class SimTeam(Base):
    """One of a firm's opportunities: students placed on it are the firm's members."""

    __tablename__ = "sim_teams"
    opportunity_id: Mapped[int] = mapped_column(ForeignKey("opportunities.id"), primary_key=True)
    firm_id: Mapped[int] = mapped_column(ForeignKey("sim_firms.id"), index=True)


class SimMember(Base):
    """A member's role in their firm, as the facilitator set it."""

    __tablename__ = "sim_members"
    firm_id: Mapped[int] = mapped_column(ForeignKey("sim_firms.id"), primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), primary_key=True)
    role: Mapped[str] = mapped_column(String(32))


class SimAccount(Base):
    """A ledger account: one per firm (named by its code) and `central`. Its row is what a
    payment locks while it checks the funds."""

    __tablename__ = "sim_accounts"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    firm_id: Mapped[int | None] = mapped_column(ForeignKey("sim_firms.id"), unique=True)


class SimTransaction(Base):
    """One amount from one account to another. kind: grant|invoice|transfer|rent|tax|loan|reversal."""

    __tablename__ = "sim_transactions"
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime]
    kind: Mapped[str] = mapped_column(String(16))
    from_account_id: Mapped[int] = mapped_column(ForeignKey("sim_accounts.id"))
    to_account_id: Mapped[int] = mapped_column(ForeignKey("sim_accounts.id"))
    amount_cents: Mapped[int] = mapped_column(BigInteger)
    memo: Mapped[str] = mapped_column(Text, default="")
    invoice_id: Mapped[int | None] = mapped_column(ForeignKey("sim_invoices.id"), unique=True)
    corrects_id: Mapped[int | None] = mapped_column(ForeignKey("sim_transactions.id"), unique=True)
    month: Mapped[date | None] = mapped_column(Date)  # rent and tax: the month charged
    actor: Mapped[str] = mapped_column(String(64))
    __table_args__ = (
        CheckConstraint("amount_cents > 0", name="positive"),
        CheckConstraint("from_account_id <> to_account_id", name="two_accounts"),
        Index("ix_sim_transactions_from", "from_account_id", "at"),
        Index("ix_sim_transactions_to", "to_account_id", "at"),
    )


class SimInvoice(Base):
    """A bill from one firm to another; `id` is the number people type (`PAY 4`)."""

    __tablename__ = "sim_invoices"
    id: Mapped[int] = mapped_column(primary_key=True)
    issuer_id: Mapped[int] = mapped_column(ForeignKey("sim_firms.id"), index=True)
    billed_id: Mapped[int] = mapped_column(ForeignKey("sim_firms.id"), index=True)
    amount_cents: Mapped[int] = mapped_column(BigInteger)
    memo: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[InvoiceStatus] = mapped_column(
        Status(InvoiceStatus, 16), default=InvoiceStatus.OPEN, index=True
    )
    created_at: Mapped[datetime]
    created_by: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    paid_at: Mapped[datetime | None]
    dispute_reason: Mapped[str | None] = mapped_column(Text)
    disputed_at: Mapped[datetime | None]
    decided_at: Mapped[datetime | None]
    __table_args__ = (
        CheckConstraint("amount_cents > 0", name="positive"),
        one_of("status", InvoiceStatus),
    )


class SimClose(Base):
    """A firm's month-end charge, once per firm and month (the primary key says so)."""

    __tablename__ = "sim_closes"
    firm_id: Mapped[int] = mapped_column(ForeignKey("sim_firms.id"), primary_key=True)
    month: Mapped[date] = mapped_column(Date, primary_key=True)  # the 1st of the month charged
    revenue_cents: Mapped[int] = mapped_column(BigInteger)  # the previous month's revenue
    rent_cents: Mapped[int] = mapped_column(BigInteger)
    tax_cents: Mapped[int] = mapped_column(BigInteger)
    balance_cents: Mapped[int] = mapped_column(BigInteger)  # after the charge
    at: Mapped[datetime]


class LedgerChanged(RuntimeError):
    """Code tried to change or delete a ledger transaction (post a correction instead)."""


@event.listens_for(Session, "before_flush")
def _immutable(session: Session, _ctx: Any, _instances: Any) -> None:
    for obj in list(session.dirty) + list(session.deleted):
        if getattr(obj, "__tablename__", None) in IMMUTABLE and (
            obj in session.deleted or session.is_modified(obj)
        ):
            raise LedgerChanged("ledger transactions are never changed; post a correction")

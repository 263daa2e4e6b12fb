"""The facilitator's books: firms in reach, P&L by month, journal, open invoices, the
economy's trial balance, and the ledger report (`wbl report ledger`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.kinds.simulation.rules import decimal, month_bounds, month_of, next_month
from bot.kinds.simulation.service import firms, ledger
from bot.kinds.simulation.service.month import _flows
from db.models import SimFirm, SimInvoice, SimTransaction

T = SimTransaction


@dataclass(frozen=True)
class FirmLine:
    id: int
    code: str
    name: str
    balance: int
    open_invoices: int
    disputes: int


@dataclass(frozen=True)
class PnlRow:
    month: date
    revenue: int
    purchases: int
    rent: int
    taxes: int

    @property
    def net(self) -> int:
        return self.revenue - self.purchases - self.rent - self.taxes


@dataclass(frozen=True)
class JournalLine:
    id: int
    at: Any
    kind: str
    other: str
    memo: str
    amount: int  # signed: + in, - out
    balance: int
    reversible: bool
    corrects_id: int | None


def in_reach(session: Session, person_id: int | None, admin: bool) -> list[FirmLine]:
    """The firms a facilitator runs (an admin: every firm), with balance and invoice counts."""
    stmt = select(SimFirm).order_by(SimFirm.code)
    if not admin:
        stmt = stmt.where(SimFirm.facilitator_id == (person_id or -1))
    held = ledger.balances(session)
    owed: dict[tuple[int, str], int] = {
        (billed, str(status)): int(n)
        for billed, status, n in session.execute(
            select(SimInvoice.billed_id, SimInvoice.status, func.count())
            .where(SimInvoice.status.in_(("open", "disputed")))
            .group_by(SimInvoice.billed_id, SimInvoice.status)
        ).all()
    }
    return [
        FirmLine(
            f.id,
            f.code,
            f.name,
            held.get(f.code, 0),
            owed.get((f.id, "open"), 0),
            owed.get((f.id, "disputed"), 0),
        )  # fmt: skip
        for f in session.scalars(stmt)
    ]


def may_see(session: Session, firm_id: int, person_id: int | None, admin: bool) -> bool:
    if admin:
        return True
    owner = session.scalar(select(SimFirm.facilitator_id).where(SimFirm.id == firm_id))
    return owner is not None and owner == person_id


def pnl(session: Session, view: firms.FirmView, tz: Any, today: date) -> list[PnlRow]:
    """One row per month from the firm's first transaction to this month."""
    first_at = session.scalar(
        select(func.min(T.at)).where(
            (T.to_account_id == view.account_id) | (T.from_account_id == view.account_id)
        )
    )
    if first_at is None:
        return []
    month, last, rows = month_of(first_at.astimezone(tz).date()), month_of(today), []
    while month <= last:
        start, end = month_bounds(month, tz)
        charges = dict(
            session.execute(
                select(T.kind, func.sum(T.amount_cents))
                .where(T.from_account_id == view.account_id, T.kind.in_(("rent", "tax")))
                .where(T.at >= start, T.at < end)
                .group_by(T.kind)
            ).all()
        )
        rows.append(
            PnlRow(
                month,
                _flows(session, start, end, incoming=True).get(view.account_id, 0),
                _flows(session, start, end, incoming=False).get(view.account_id, 0),
                int(charges.get("rent", 0)),
                int(charges.get("tax", 0)),
            )
        )
        month = next_month(month)
    return rows


def journal(session: Session, view: firms.FirmView) -> list[JournalLine]:
    """Every transaction of the firm, oldest first, with the running balance."""
    rows = ledger.journal(session, view.account_id)
    names = ledger.codes(
        session, {r.from_account_id for r, _ in rows} | {r.to_account_id for r, _ in rows}
    )
    undone = set(session.scalars(select(T.corrects_id).where(T.corrects_id.is_not(None))))
    out = []
    for row, running in rows:
        incoming = row.to_account_id == view.account_id
        out.append(
            JournalLine(
                row.id,
                row.at,
                row.kind,
                names[row.from_account_id if incoming else row.to_account_id],
                row.memo,
                row.amount_cents if incoming else -row.amount_cents,
                running,
                row.kind != "reversal" and row.id not in undone,
                row.corrects_id,
            )  # fmt: skip
        )
    return out


def invoices(session: Session, firm_id: int) -> list[tuple[SimInvoice, str, str]]:
    """Open and disputed invoices the firm sent or owes: (invoice, issuer code, billed code)."""
    codes = dict(session.execute(select(SimFirm.id, SimFirm.code)).all())
    rows = session.scalars(
        select(SimInvoice)
        .where(
            (SimInvoice.issuer_id == firm_id) | (SimInvoice.billed_id == firm_id),
            SimInvoice.status.in_(("open", "disputed")),
        )
        .order_by(SimInvoice.id)
    )
    return [(r, codes[r.issuer_id], codes[r.billed_id]) for r in rows]


def trial_balance(session: Session) -> list[tuple[str, int]]:
    """Every account's balance, central first; the amounts sum to zero."""
    held = ledger.balances(session)
    return sorted(held.items(), key=lambda kv: (kv[0] != "central", kv[0]))


def ledger_report(session: Session) -> tuple[list[str], list[list[Any]]]:
    """`wbl report ledger`: `account, balance`, then a `total` row (always 0.00)."""
    rows: list[list[Any]] = [[code, decimal(cents)] for code, cents in trial_balance(session)]
    total = sum(cents for _code, cents in trial_balance(session))
    rows.append(["total", decimal(total)])
    return ["account", "balance"], rows


def balance_points(lines: list[JournalLine]) -> list[tuple[Any, int]]:
    """(instant, balance after) for the chart of balance over time."""
    return [(line.at, line.balance) for line in lines]

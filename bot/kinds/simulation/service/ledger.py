"""The double-entry ledger: accounts, posting one transaction, derived balances.

`post` writes one transaction (one positive amount from one account to another, checked
again by the database) and then checks, in the same transaction, that the balances of the
whole economy still sum to zero (the month-end writes its charges in one insert and checks
once, at the end of its transaction). Balances are never stored: they are sums of the journal.
`lock` takes the row lock a payment holds while it checks the funds (PostgreSQL
`SELECT … FOR NO KEY UPDATE`: it excludes another payment from the same account but not
the foreign-key check of a payment *to* it, so A paying B while B pays A cannot
deadlock; SQLite serialises writers with `BEGIN IMMEDIATE`).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime

from sqlalchemy import case, func, select, union_all
from sqlalchemy.orm import Session

from bot.kinds.simulation.rules import CENTRAL
from db.models import SimAccount, SimTransaction

T = SimTransaction


class LedgerError(RuntimeError):
    """The ledger would lose its balance: a bug, never a person's mistake."""


def account(session: Session, code: str, firm_id: int | None = None) -> SimAccount:
    """The account named `code`, made when first needed (firms at import, `central`)."""
    found = session.scalar(select(SimAccount).where(SimAccount.code == code))
    if found is None:
        found = SimAccount(code=code, firm_id=firm_id)
        session.add(found)
        session.flush()
    return found


def central(session: Session) -> SimAccount:
    return account(session, CENTRAL)


def lock(session: Session, account_id: int) -> None:
    """Hold the account's row until commit (a payment's funds check)."""
    session.execute(
        select(SimAccount.id).where(SimAccount.id == account_id).with_for_update(key_share=True)
    )


def post(
    session: Session,
    *,
    at: datetime,
    kind: str,
    source: int,
    target: int,
    amount: int,
    actor: str,
    memo: str = "",
    invoice_id: int | None = None,
    corrects_id: int | None = None,
    month: date | None = None,
    check: bool = True,
) -> SimTransaction:
    """Write one transaction; `check` (default) proves the economy still sums to zero."""
    if amount <= 0 or source == target:
        raise LedgerError(f"refused: {amount} from {source} to {target}")
    row = SimTransaction(
        at=at, kind=kind, from_account_id=source, to_account_id=target, amount_cents=amount,
        memo=memo, invoice_id=invoice_id, corrects_id=corrects_id, month=month, actor=actor,
    )  # fmt: skip
    session.add(row)
    session.flush()
    if check:
        check_zero_sum(session)
    return row


def _legs(until: datetime | None = None) -> object:
    """Every transaction as two legs: (account, +amount) in and (account, -amount) out."""
    inflow = select(T.to_account_id.label("account"), T.amount_cents.label("amount"), T.at)
    outflow = select(T.from_account_id.label("account"), (-T.amount_cents).label("amount"), T.at)
    if until is not None:
        inflow, outflow = inflow.where(T.at < until), outflow.where(T.at < until)
    return union_all(inflow, outflow).subquery("legs")


def check_zero_sum(session: Session) -> None:
    """Raise LedgerError unless the balances of every account sum to exactly zero."""
    legs = _legs()
    total = session.scalar(select(func.coalesce(func.sum(legs.c.amount), 0)))  # type: ignore[attr-defined]
    if int(total or 0) != 0:
        raise LedgerError(f"the economy sums to {total}, not zero")


def balance(session: Session, account_id: int, until: datetime | None = None) -> int:
    """The account's balance (before `until`, when given): what came in less what went out."""
    signed = case((T.to_account_id == account_id, T.amount_cents), else_=-T.amount_cents)
    stmt = select(func.coalesce(func.sum(signed), 0)).where(
        (T.to_account_id == account_id) | (T.from_account_id == account_id)
    )
    if until is not None:
        stmt = stmt.where(T.at < until)
    return int(session.scalar(stmt) or 0)


def balances(session: Session, until: datetime | None = None) -> dict[str, int]:
    """Every account's balance by code (the trial balance), zero-balance accounts included."""
    legs = _legs(until)
    sums = dict(
        session.execute(
            select(legs.c.account, func.sum(legs.c.amount)).group_by(legs.c.account)  # type: ignore[attr-defined]
        ).all()
    )
    names = session.execute(select(SimAccount.id, SimAccount.code)).all()
    return {code: int(sums.get(acc_id, 0)) for acc_id, code in names}


def recent(session: Session, account_id: int, limit: int = 5) -> list[SimTransaction]:
    """The account's newest transactions, newest first."""
    return list(
        session.scalars(
            select(T)
            .where((T.to_account_id == account_id) | (T.from_account_id == account_id))
            .order_by(T.at.desc(), T.id.desc())
            .limit(limit)
        )
    )


def journal(session: Session, account_id: int) -> list[tuple[SimTransaction, int]]:
    """The account's transactions, oldest first, each with the running balance after it."""
    rows = session.scalars(
        select(T)
        .where((T.to_account_id == account_id) | (T.from_account_id == account_id))
        .order_by(T.at, T.id)
    )
    running, out = 0, []
    for row in rows:
        running += row.amount_cents if row.to_account_id == account_id else -row.amount_cents
        out.append((row, running))
    return out


def codes(session: Session, ids: Iterable[int]) -> dict[int, str]:
    """Account codes by id."""
    wanted = set(ids)
    if not wanted:
        return {}
    return dict(
        session.execute(
            select(SimAccount.id, SimAccount.code).where(SimAccount.id.in_(wanted))
        ).all()
    )

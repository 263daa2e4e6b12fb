"""The month: revenue and purchases of a month, and the month-end charge (a sweep).

On the 1st (district time), in the first pass at or after 06:00, every firm pays rent and
tax at its rate on the previous month's revenue to the central account, once per firm and
month: the close row (primary key firm + month) is inserted first with ON CONFLICT DO
NOTHING, so a second worker's pass finds it taken and moves on. A firm imported after
06:00 on the 1st pays from the next month. A firm that cannot pay goes negative; its
facilitator is told. Revenue is what a firm received from other firms (paid invoices and
transfers, less their reversals), never the opening grant or a loan.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import exists, func, insert, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session, aliased

from bot.context import Context
from bot.kinds.simulation import texts as t
from bot.kinds.simulation.rules import (
    close_due,
    money,
    month_bounds,
    month_of,
    percent,
    previous_month,
    tax,
)
from bot.kinds.simulation.service import firms, ledger
from bot.kinds.simulation.service.trading import notices, tell_person
from bot.outbox import enqueue
from db import trail
from db.models import SimAccount, SimClose, SimFirm, SimTransaction

T = SimTransaction
TRADE = ("invoice", "transfer")


def _flows(session: Session, start: datetime, end: datetime, incoming: bool) -> dict[int, int]:
    """Per account: trade received (incoming) or paid (not), less reversals, in [start, end)."""
    mine, theirs = (
        (T.to_account_id, T.from_account_id) if incoming else (T.from_account_id, T.to_account_id)
    )
    trade = dict(
        session.execute(
            select(mine, func.sum(T.amount_cents))
            .where(T.kind.in_(TRADE), T.at >= start, T.at < end)
            .group_by(mine)
        ).all()
    )
    undone = aliased(T)  # a reversal runs the other way: from the original's payee
    back = dict(
        session.execute(
            select(theirs, func.sum(T.amount_cents))
            .join(undone, undone.id == T.corrects_id)
            .where(T.kind == "reversal", undone.kind.in_(TRADE), T.at >= start, T.at < end)
            .group_by(theirs)
        ).all()
    )
    return {k: int(trade.get(k, 0)) - int(back.get(k, 0)) for k in set(trade) | set(back)}


def revenue(session: Session, first: date, tz: Any) -> dict[int, int]:
    """Revenue per account for the month starting `first`."""
    return _flows(session, *month_bounds(first, tz), incoming=True)


def purchases(session: Session, first: date, tz: Any) -> dict[int, int]:
    return _flows(session, *month_bounds(first, tz), incoming=False)


def month_due(now: datetime, tz: Any) -> date:
    """The latest month whose charge is due at `now` (its 1st, 06:00 local, has passed)."""
    first = month_of(now.astimezone(tz).date())
    return first if now >= close_due(first, tz) else previous_month(first)


def month_end(ctx: Context) -> None:
    """Charge every firm not yet charged for the month now due (idempotent)."""
    tz, s = ctx.settings.tz, ctx.session
    first = month_due(ctx.now, tz)
    due = close_due(first, tz)
    closed = exists().where(SimClose.firm_id == SimFirm.id, SimClose.month == first)
    pending = s.execute(
        select(SimFirm, SimAccount.id)
        .join(SimAccount, SimAccount.firm_id == SimFirm.id)
        .where(SimFirm.created_at <= due, ~closed)
        .order_by(SimFirm.id)
    ).all()
    if not pending:
        return
    earned = revenue(s, previous_month(first), tz)
    held = ledger.balances(s)
    people = firms.members_of(s, [firm.id for firm, _ in pending])
    charges: list[dict[str, Any]] = []
    for firm, account_id in pending:
        charges += _close(
            ctx, firm, account_id, first, earned.get(account_id, 0), held[firm.code],
            people.get(firm.id, []),
        )  # fmt: skip
    if charges:
        bank = ledger.central(s).id
        s.execute(insert(T), [dict(row, to_account_id=bank) for row in charges])
    ledger.check_zero_sum(s)


def _claim(session: Session, row: dict[str, Any]) -> bool:
    """Insert the close row unless a parallel pass already did (True: this pass charges)."""
    insert: Any = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    statement = insert(SimClose.__table__).values(**row).on_conflict_do_nothing()
    return session.execute(statement.returning(SimClose.firm_id)).first() is not None


def _close(
    ctx: Context,
    firm: SimFirm,
    account_id: int,
    first: date,
    earned: int,
    had: int,
    people: list[firms.Member],
) -> list[dict[str, Any]]:
    """Claim the firm's close, tell its members; the ledger rows to post (rent, tax)."""
    owed = {"rent": firm.rent_cents, "tax": tax(earned, firm.tax_rate)}
    after = had - owed["rent"] - owed["tax"]
    row = dict(
        firm_id=firm.id, month=first, revenue_cents=earned, rent_cents=owed["rent"],
        tax_cents=owed["tax"], balance_cents=after, at=ctx.now,
    )  # fmt: skip
    if not _claim(ctx.session, row):
        return []
    rows = [
        dict(at=ctx.now, kind=kind, from_account_id=account_id, amount_cents=amount,
             memo=first.isoformat()[:7], month=first, actor="system")
        for kind, amount in owed.items()
        if amount > 0
    ]  # fmt: skip
    notice: dict[str, Any] = dict(
        firm=firm.code, rent=money(owed["rent"]), tax=money(owed["tax"]),
        rate=percent(firm.tax_rate), revenue=money(earned),
        month=previous_month(first).isoformat()[:7], balance=money(after),
    )  # fmt: skip
    out = notices(ctx, people, t.MONTH_END, urgent=False, **notice)
    if after < 0:
        trail.record(
            ctx.session, at=ctx.now, actor="system", action="simulation.negative",
            entity="sim_firm", entity_id=firm.id, details={"balance": after},
        )  # fmt: skip
        out += tell_person(
            ctx, firm.facilitator_id, t.NEGATIVE, urgent=False, firm=firm.code,
            balance=money(after),
        )  # fmt: skip
    for message in out:
        enqueue(ctx, message)
    return rows


def closes(session: Session, firm_id: int) -> list[SimClose]:
    return list(
        session.scalars(
            select(SimClose).where(SimClose.firm_id == firm_id).order_by(SimClose.month)
        )
    )

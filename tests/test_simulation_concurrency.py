"""Money under concurrency, through the real services in parallel transactions (the point
is PostgreSQL's row locks; on SQLite, writers queue on `BEGIN IMMEDIATE`): 50 threads
paying one invoice pay it once; 200 random payments and transfers among three firms never
overdraw a firm, pay an invoice twice or lose a cent; two month-end passes charge once."""

from __future__ import annotations

import random
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from bot.context import Context
from bot.errors import WBLError
from bot.kinds.simulation.effects import IssueInvoice, PayInvoice, Transfer
from bot.kinds.simulation.service import firms, trading
from bot.kinds.simulation.service.month import month_end
from db.models import SimClose, SimInvoice, SimTransaction
from tests.support.economy import balances, journal_agrees


def _firm_ids(database) -> dict[str, int]:
    with database.transaction() as s:
        return {c: v.id for c in ("CVO", "RBT", "OHF") if (v := firms.by_code(s, c))}


def _run(runtime, fn) -> bool:
    """One effect in its own transaction: True when it went through, False when refused."""
    try:
        with runtime.database.transaction() as s:
            fn(Context(s, runtime.settings, runtime.clock.now(), actor="test"))
        return True
    except WBLError:
        return False


def _invoice(runtime, member, issuer: int, billed: int, cents: int) -> int:
    with runtime.database.transaction() as s:
        ctx = Context(s, runtime.settings, runtime.clock.now())
        trading.issue_invoice(ctx, IssueInvoice(member.id, issuer, billed, cents, "goods"))
        return int(s.scalar(select(func.max(SimInvoice.id))) or 0)


def _paid_once(database) -> None:
    with database.transaction() as s:
        paid = dict(
            s.execute(
                select(SimTransaction.invoice_id, func.count())
                .where(SimTransaction.invoice_id.is_not(None))
                .group_by(SimTransaction.invoice_id)
            ).all()
        )
        statuses = dict(s.execute(select(SimInvoice.id, SimInvoice.status)).all())
    assert all(n == 1 for n in paid.values()), paid
    assert {i for i, st in statuses.items() if st == "paid"} == set(paid)


def test_fifty_threads_paying_one_invoice_pay_it_once(economy, runtime, database) -> None:
    ids = _firm_ids(database)
    number = _invoice(runtime, economy.cvo[0], ids["CVO"], ids["RBT"], 10_000)
    payers = [economy.rbt[0].id] * 50
    start = threading.Barrier(50)

    def pay(person_id: int) -> bool:
        start.wait()
        return _run(
            runtime, lambda ctx: trading.pay_invoice(ctx, PayInvoice(person_id, ids["RBT"], number))
        )

    with ThreadPoolExecutor(50) as pool:
        results = list(pool.map(pay, payers))
    assert results.count(True) == 1
    held = balances(database)
    assert (held["RBT"], held["CVO"]) == (490_000, 510_000)
    _paid_once(database)
    assert journal_agrees(database)


def test_two_hundred_random_payments_never_overdraw_nor_pay_twice(
    economy, runtime, database
) -> None:
    ids = _firm_ids(database)
    member = {"CVO": economy.cvo[0], "RBT": economy.rbt[0], "OHF": economy.ohf[0]}
    rng = random.Random(15)
    codes = list(ids)
    invoices = []
    for _ in range(20):
        issuer, billed = rng.sample(codes, 2)
        number = _invoice(
            runtime, member[issuer], ids[issuer], ids[billed], rng.randint(100, 200_000)
        )
        invoices.append((number, billed))
    jobs = []
    for _ in range(200):
        if rng.random() < 0.4:
            number, billed = rng.choice(invoices)
            effect: object = PayInvoice(member[billed].id, ids[billed], number)
            jobs.append((trading.pay_invoice, effect))
        else:
            payer, payee = rng.sample(codes, 2)
            effect = Transfer(
                member[payer].id, ids[payer], ids[payee], rng.randint(1, 300_000), "x"
            )
            jobs.append((trading.transfer, effect))

    def go(job) -> bool:
        fn, effect = job
        return _run(runtime, lambda ctx: fn(ctx, effect))

    with ThreadPoolExecutor(16) as pool:
        results = list(pool.map(go, jobs))
    assert 0 < results.count(True) < 200  # some went through, some were refused for funds
    held = balances(database)
    assert all(held[c] >= 0 for c in codes), held  # the funds check held under the lock
    assert sum(held.values()) == 0 and held["central"] == -1_500_000
    with database.transaction() as s:
        moved = s.scalar(
            select(func.count()).where(SimTransaction.kind.in_(("invoice", "transfer")))
        )
    assert moved == results.count(True)
    _paid_once(database)
    assert journal_agrees(database)


def test_two_month_end_passes_at_once_charge_each_firm_once(economy, runtime, database) -> None:
    first = datetime(2027, 1, 1, 6, 0, tzinfo=ZoneInfo("America/Los_Angeles"))
    start = threading.Barrier(2)

    def pass_() -> None:
        start.wait()
        with database.transaction() as s:
            month_end(Context(s, runtime.settings, first, actor="system"))

    threads = [threading.Thread(target=pass_) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    with database.transaction() as s:
        assert s.scalar(select(func.count()).select_from(SimClose)) == 3
        assert s.scalar(select(func.count()).where(SimTransaction.kind == "rent")) == 3
    assert journal_agrees(database)

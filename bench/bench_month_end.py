"""The class economy's month-end close at scale: 500 firms with 100 transactions each.

    python -m bench.bench_month_end [--firms 500] [--per-firm 100] [--members 2]
                                    [--db sqlite|pg|both] [--pg URL]

A fresh, migrated database gets N firms (each with an opening grant from `central`, a
team opportunity and M members placed on it, each with an SMS contact) and, in
December, `per-firm` trades per firm (transfers and paid invoices between random
firms, written as balanced ledger rows in bulk). Then one sweep pass at 06:00 on
1 January charges rent and tax on December's revenue, exactly as `wbl run-due` does,
in one transaction. Reported: seconds, SQL statements in all and per firm, and the
checks that must hold after it (one close per firm, the economy sums to zero, a second
pass charges nothing). Results also go to bench/out/bench_month_end.txt.
"""

from __future__ import annotations

import argparse
import random
import time
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import event, func, insert, select

from bench.bench_inbound import reset
from bot.context import Context
from bot.kinds.simulation.service import ledger
from bot.kinds.simulation.service.month import month_end
from bot.settings import Settings
from db.models import (
    Application,
    Contact,
    Employer,
    Opportunity,
    Person,
    Placement,
    SimAccount,
    SimClose,
    SimFirm,
    SimTeam,
    SimTransaction,
)
from db.session import Database

OUT = Path(__file__).parent / "out"
LA = ZoneInfo("America/Los_Angeles")
DECEMBER = datetime(2026, 12, 1, 9, 0, tzinfo=LA)
CLOSE = datetime(2027, 1, 1, 6, 0, tzinfo=LA)


def fresh(url: str) -> Database:
    reset(url)
    return Database(url)


def populate(db: Database, firms: int, per_firm: int, members: int, seed: int = 15) -> None:
    """Firms, members and a month of trade, in bulk (balanced rows: from one, to another)."""
    rng, now = random.Random(seed), DECEMBER.astimezone(UTC)
    with db.transaction() as s:
        employer = s.scalar(
            insert(Employer)
            .values(
                external_id="ve",
                name="Virtual Enterprise",
                kind="school_enterprise",
                updated_at=now,
            )  # fmt: skip
            .returning(Employer.id)
        )
        opps = s.scalars(
            insert(Opportunity).returning(Opportunity.id, sort_by_parameter_order=True),
            [
                dict(
                    external_id=f"ve-{i}",
                    employer_id=employer,
                    kind="simulation",
                    title=f"Firm {i} team",
                    est_hours=Decimal(20),
                    seats=members,
                    starts_on=date(2026, 12, 1),
                    due_on=date(2027, 6, 11),
                    remote=True,
                    updated_at=now,
                )
                for i in range(firms)
            ],  # fmt: skip
        ).all()
        ids = s.scalars(
            insert(SimFirm).returning(SimFirm.id, sort_by_parameter_order=True),
            [
                dict(
                    code=f"F{i:04d}",
                    name=f"Firm {i}",
                    opening_cents=500_000,
                    rent_cents=rng.randint(50_000, 90_000),
                    tax_rate=Decimal("0.08"),
                    roles=[],
                    pay_roles=[],
                    created_at=now,
                    updated_at=now,
                )
                for i in range(firms)
            ],  # fmt: skip
        ).all()
        s.execute(
            insert(SimTeam),
            [dict(opportunity_id=o, firm_id=f) for o, f in zip(opps, ids, strict=True)],
        )
        central = ledger.central(s).id
        accounts = s.scalars(
            insert(SimAccount).returning(SimAccount.id, sort_by_parameter_order=True),
            [dict(code=f"F{i:04d}", firm_id=f) for i, f in enumerate(ids)],
        ).all()
        people = s.scalars(
            insert(Person).returning(Person.id, sort_by_parameter_order=True),
            [
                dict(
                    kind="student",
                    source="roster",
                    sourced_id=f"b-{n}",
                    given_name="Member",
                    family_name=str(n),
                    phone=f"+1559{n:07d}",
                    created_at=now,
                    updated_at=now,
                )
                for n in range(firms * members)
            ],  # fmt: skip
        ).all()
        s.execute(insert(Contact), [dict(urn=f"tel:+1559{n:07d}", scheme="tel", person_id=p,
                                         created_at=now) for n, p in enumerate(people)])  # fmt: skip
        apps = s.scalars(
            insert(Application).returning(Application.id, sort_by_parameter_order=True),
            [
                dict(
                    student_id=p,
                    opportunity_id=opps[n // members],
                    status="approved",
                    created_at=now,
                    decided_at=now,
                )
                for n, p in enumerate(people)
            ],  # fmt: skip
        ).all()
        s.execute(insert(Placement), [
            dict(application_id=a, student_id=p, opportunity_id=opps[n // members],
                 status="ready", starts_on=date(2026, 12, 1), due_on=date(2027, 6, 11),
                 agreement_ack_at=now, created_at=now)
            for n, (p, a) in enumerate(zip(people, apps, strict=True))
        ])  # fmt: skip
        rows = [dict(at=now, kind="grant", from_account_id=central, to_account_id=a,
                     amount_cents=500_000, memo="opening balance", actor="bench")
                for a in accounts]  # fmt: skip
        for i, payer in enumerate(accounts):
            for k in range(per_firm):
                payee = accounts[(i + rng.randint(1, firms - 1)) % firms]
                at = now + timedelta(minutes=rng.randint(1, 29 * 24 * 60))
                rows.append(dict(at=at, kind=rng.choice(("transfer", "invoice")),
                                 from_account_id=payer, to_account_id=payee,
                                 amount_cents=rng.randint(100, 2_000), memo=f"trade {k}",
                                 actor="bench"))  # fmt: skip
        for start in range(0, len(rows), 5_000):
            s.execute(insert(SimTransaction), rows[start : start + 5_000])


def close(db: Database, settings: Settings) -> tuple[float, int]:
    """One month-end pass in one transaction: (seconds, SQL statements)."""
    count = [0]

    def tally(*_args: object) -> None:
        count[0] += 1

    event.listen(db.engine, "before_cursor_execute", tally)
    t0 = time.perf_counter()
    with db.transaction() as s:
        month_end(Context(s, settings, CLOSE.astimezone(UTC), actor="system"))
    seconds = time.perf_counter() - t0
    event.remove(db.engine, "before_cursor_execute", tally)
    return seconds, count[0]


def run(label: str, url: str, args: argparse.Namespace) -> list[str]:
    db = fresh(url)
    t0 = time.perf_counter()
    populate(db, args.firms, args.per_firm, args.members)
    setup = time.perf_counter() - t0
    settings = Settings(database_url=url, secret_key="bench")
    seconds, statements = close(db, settings)
    again, extra = close(db, settings)
    with db.transaction() as s:
        closes = s.scalar(select(func.count()).select_from(SimClose))
        total = sum(ledger.balances(s).values())
        charges = s.scalar(select(func.count()).where(SimTransaction.kind.in_(("rent", "tax"))))
    db.dispose()
    ok = closes == args.firms and total == 0
    return [
        f"{label}: {args.firms} firms x {args.per_firm} transactions, {args.members} members "
        f"each (setup {setup:.1f} s)",
        f"  month-end pass: {seconds:.2f} s, {statements} statements = "
        f"{statements / args.firms:.1f} per firm ({seconds / args.firms * 1000:.1f} ms per firm)",
        f"  second pass: {again * 1000:.0f} ms, {extra} statements (nothing left to charge)",
        f"  checks: closes={closes} charges={charges} economy sums to {total} -> "
        f"{'OK' if ok else 'FAILED'}",
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--firms", type=int, default=500)
    parser.add_argument("--per-firm", type=int, default=100)
    parser.add_argument("--members", type=int, default=2)
    parser.add_argument("--db", choices=("sqlite", "pg", "both"), default="sqlite")
    parser.add_argument("--pg", default="postgresql://postgres@127.0.0.1:55432/wbl_bench_sim")
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    lines: list[str] = []
    if args.db in ("sqlite", "both"):
        lines += run("sqlite", f"sqlite:///{OUT / 'bench_month_end.sqlite3'}", args)
    if args.db in ("pg", "both"):
        lines += run("postgresql", args.pg, args)
    print("\n".join(lines))
    (OUT / "bench_month_end.txt").write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()

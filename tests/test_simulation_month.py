"""The month-end charge through the real scheduler pass (`wbl run-due`): on the 1st at or
after 06:00 district time, once per firm and month, rent and tax on the previous month's
revenue (half up to the cent) to `central`; members told; a firm left negative flagged
to its facilitator; a firm imported after 06:00 on the 1st pays from the next month."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from bot.kinds.simulation.rules import tax
from bot.scheduler import run_due
from db.models import AuditEntry, OutboxMessage, SimClose, SimTransaction
from tests.support.district import copy_sample, edit_row
from tests.support.economy import balances, journal_agrees
from tests.support.zone import DISTRICT

LA = ZoneInfo("America/Los_Angeles")


def at(month: int, day: int, hour: int, minute: int = 0, year: int = 2027) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=LA)


def closes(database) -> list[tuple[int, object]]:
    with database.transaction() as s:
        return [(c.firm_id, c.month) for c in s.scalars(select(SimClose))]


def texts_to(database, person_id: int) -> list[str]:
    with database.transaction() as s:
        return list(
            s.scalars(select(OutboxMessage.text).where(OutboxMessage.person_id == person_id))
        )


def test_nothing_before_six_then_once_per_firm(economy, chat, runtime, database) -> None:
    leah = economy.cvo[0]
    chat.texts(economy.rbt[0], "PAY CVO 1,000.10 stock")  # CVO's revenue in December
    run_due(runtime, at(1, 1, 5, 59))
    assert closes(database) == []
    run_due(runtime, at(1, 1, 6, 0))
    assert len(closes(database)) == 3
    run_due(runtime, at(1, 1, 6, 30))
    run_due(runtime, at(1, 2, 9, 0))
    assert len(closes(database)) == 3  # once per firm and month
    tax_cents = tax(100_010, Decimal("0.08"))
    assert tax_cents == 8_001  # 80.008 -> 80.01, half up
    held = balances(database)
    assert held["CVO"] == 500_000 + 100_010 - 80_000 - tax_cents
    assert held["RBT"] == 500_000 - 100_010 - 70_000  # no revenue, no tax
    assert journal_agrees(database)
    notice = [t for t in texts_to(database, leah.id) if "$800.00" in t]
    assert len(notice) == 1 and "$80.01" in notice[0]
    with database.transaction() as s:
        rows = s.execute(
            select(SimTransaction.kind, func.count()).group_by(SimTransaction.kind)
        ).all()
    assert dict(rows) == {"grant": 3, "transfer": 1, "rent": 3, "tax": 1}


def test_the_grant_and_loans_are_not_revenue(economy, runtime, database) -> None:
    run_due(runtime, at(1, 1, 6, 0))
    held = balances(database)
    assert held["OHF"] == 500_000 - 65_000  # rent only: the opening grant is not revenue


def test_a_firm_imported_after_six_on_the_first_pays_from_next_month(
    district, runtime, database, clock, tmp_path
) -> None:
    from bot.importers.partners import import_partners

    folder = copy_sample(tmp_path / "p")
    with (folder / "firms.csv").open("a") as fh:
        fh.write("NEW,New Firm,school-1,,staff-1,100.00,50.00,0.10\n")
    report = import_partners(database, folder, now=at(1, 1, 6, 1), tz=DISTRICT)
    assert report.counts["firms"]["created"] == 1, report.render()
    run_due(runtime, at(1, 1, 7, 0))
    assert balances(database)["NEW"] == 10_000  # January: not charged
    run_due(runtime, at(2, 1, 6, 0))
    assert balances(database)["NEW"] == 10_000 - 5_000


def test_a_firm_that_cannot_pay_goes_negative_and_its_facilitator_is_told(
    district, runtime, database, tmp_path
) -> None:
    from bot.importers.partners import import_partners

    folder = copy_sample(tmp_path / "p")
    edit_row(folder, "firms.csv", "OHF", rent="5200.00")
    report = import_partners(database, folder, now=at(1, 1, 5, 0, year=2027), tz=DISTRICT)
    assert report.counts["firms"]["updated"] == 1, report.render()
    run_due(runtime, at(1, 1, 6, 0))
    assert balances(database)["OHF"] == -20_000
    facilitator = district.person("staff-3")
    assert any("-$200.00" in t for t in texts_to(database, facilitator.id))
    with database.transaction() as s:
        assert s.scalar(select(AuditEntry).where(AuditEntry.action == "simulation.negative"))
    assert journal_agrees(database)

"""The enterprise's partner files (shifts.csv, items.csv, `till`, `facilitator_sourced_id`)
through the real importer, a cancelled shift's holders told, and `wbl report pnl` against
a week computed by hand."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import select

from bot.importers.partners import import_partners
from bot.importers.roster import import_roster
from bot.runtime import Runtime
from bot.scheduler import run_jobs
from db.models import (
    EnterpriseProfile,
    Item,
    Opportunity,
    Person,
    Purchase,
    Sale,
    Shift,
    StockCount,
)
from tests.support.district import copy_sample, edit_row, load_district
from tests.support.zone import DISTRICT
from tests.test_cli_approve import wbl  # noqa: F401 - the `wbl ...` fixture


def test_the_sample_bundle_brings_shifts_items_tills_and_facilitators(district, database):
    counts = district.partners.counts
    assert counts["shifts"]["created"] == 58 and counts["items"]["created"] == 6
    cafe, desk = district.opportunity("opp-13"), district.opportunity("opp-11")
    assert cafe.facilitator_id == district.person("staff-3").id
    assert desk.facilitator_id == district.person("staff-1").id
    with database.transaction() as s:
        tills = dict(
            s.execute(select(EnterpriseProfile.opportunity_id, EnterpriseProfile.till)).all()
        )
        first = s.scalar(select(Shift).where(Shift.external_id == "sh-4"))
    assert tills == {cafe.id: True, desk.id: False, district.opportunity("opp-12").id: False}
    assert first.starts_at.isoformat() == "2026-12-01T15:15:00+00:00"  # 07:15 in Los Angeles
    assert "shifts: 58 created" in district.partners.render()


def test_reimport_is_an_upsert_and_zero_seats_cancels(
    database, settings, clock, make, chat, tmp_path
):
    folder = copy_sample(tmp_path / "bundle")
    district = load_district(database, clock, folder)
    student = district.person("student-1")
    make.placement(student, district.opportunity("opp-13"))
    chat.texts(student, "SHIFTS")
    assert chat.texts(student, "TAKE 1")[0].startswith("You're on")  # sh-8, Wed 07:15
    edit_row(folder, "shifts.csv", "sh-8", seats="0")
    edit_row(folder, "items.csv", "opp-13", par="5")  # coffee beans
    (folder / "items.csv").write_text(
        (folder / "items.csv").read_text() + "opp-13,napkins,pack,2,1.10\nopp-99,x,each,1,1\n"
    )
    clock.advance(hours=1)
    report = import_partners(database, folder, now=clock.now(), tz=DISTRICT)
    assert report.counts["shifts"] == {"updated": 1, "unchanged": 57}
    assert report.counts["items"] == {"created": 1, "updated": 1, "unchanged": 5, "rejected": 1}
    assert any(p.file == "items.csv" and p.column == "opportunity_id" for p in report.problems)
    with database.transaction() as s:
        par = s.scalar(select(Item.par).where(Item.item == "coffee beans"))
    assert par == Decimal("5.00")
    run_jobs(Runtime(settings, database, clock), clock.now())
    told = [m.text for m in chat.outbox(student.id)]
    assert any("was cancelled" in t and "Dec 2 7:15 AM" in t for t in told), told
    assert "No upcoming" not in chat.texts(student, "SHIFTS")[0]
    assert "Your shifts" not in chat.texts(student, "SHIFTS")[0]


def _sale(s, external_id: str, amount: str, student_id: int) -> None:  # type: ignore[no-untyped-def]
    shift_id = s.scalar(select(Shift.id).where(Shift.external_id == external_id))
    s.add(Sale(shift_id=shift_id, student_id=student_id, amount=Decimal(amount),
               recorded_at=s.scalar(select(Shift.ends_at).where(Shift.id == shift_id))))  # fmt: skip


def test_report_pnl_matches_a_week_computed_by_hand(district, database, clock, wbl):  # noqa: F811
    """Week 2026-W49 (Mon Nov 30 - Sun Dec 6) and W50 of the café, computed by hand:

    sales      sh-8 (Wed Dec 2) 142.50 + sh-15 (Fri Dec 4) 87.25 = 229.75; W50 sh-21 100.00
    purchases  Tue Dec 1 60.00 + Thu Dec 3 25.50 = 85.50;          W50 Mon Dec 7 10.00
    margin     229.75 - 85.50 = 144.25;                            W50 90.00
    stock      milk 3 x 4.25 + coffee beans 2 x 18.50 = 49.75 at the end of both weeks
    """
    opp = district.opportunity("opp-13")
    student = district.person("student-1").id
    with database.transaction() as s:
        _sale(s, "sh-8", "142.50", student)
        _sale(s, "sh-15", "87.25", student)
        _sale(s, "sh-21", "100.00", student)
        for on, amount in ((date(2026, 12, 1), "60.00"), (date(2026, 12, 3), "25.50"),
                           (date(2026, 12, 7), "10.00")):  # fmt: skip
            s.add(Purchase(opportunity_id=opp.id, on=on, amount=Decimal(amount), memo="beans",
                           created_at=clock.now()))  # fmt: skip
        items = dict(
            s.execute(select(Item.item, Item.id).where(Item.opportunity_id == opp.id)).all()
        )
        for name, count, day in (("milk", "3", 2), ("coffee beans", "2", 3)):
            s.add(StockCount(item_id=items[name], student_id=student, count=Decimal(count),
                             counted_at=clock.now() + timedelta(days=day - 1)))  # fmt: skip
    code, out, err = wbl("report", "pnl", "opp-13")
    assert code == 0, err
    assert out.splitlines() == [
        "week,sales,purchases,margin,stock_value",
        "2026-W49,229.75,85.50,144.25,49.75",
        "2026-W50,100.00,10.00,90.00,49.75",
    ]
    code, out, err = wbl("report", "pnl", "opp-11")  # the help desk has no till
    assert code == 1 and "no school business with a till" in err


def test_an_unknown_facilitator_is_warned_and_the_row_still_lands(database, clock, tmp_path):
    folder = copy_sample(tmp_path / "bundle")
    edit_row(folder, "opportunities.csv", "opp-12", facilitator_sourced_id="staff-404")
    import_roster(database, folder, now=clock.now())
    report = import_partners(database, folder, now=clock.now(), tz=DISTRICT)
    assert any(
        p.column == "facilitator_sourced_id" and p.severity == "warning" for p in report.problems
    )
    with database.transaction() as s:
        row = s.scalar(select(Person.id).where(Person.sourced_id == "staff-404"))
    assert row is None
    with database.transaction() as s:
        opp = s.scalar(select(Opportunity).where(Opportunity.external_id == "opp-12"))
    assert opp is not None and opp.facilitator_id is None

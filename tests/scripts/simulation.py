"""Class firms trading: BALANCE, INVOICE, INVOICES, PAY n, PAY FIRM, DISPUTE, refusals
(no funds, no role, paid twice, disputed), the facilitator's decisions and the month-end
charge. The sample district's firms (CVO, RBT, OHF, $5,000.00 each) with members placed
on their teams, all speaking the script's language."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update

from bot.kinds.simulation.service import ledger, staff
from bot.kinds.simulation.service.month import month_end
from bot.outbox import enqueue
from db.models import Person, SimFirm, SimInvoice
from tests.support.district import load_district
from tests.support.economy import SCHOOL_YEAR_END, TEAMS
from tests.support.scripts import Act, Means, Script, Silent, Step, World

CAST = {"cvo": ("CVO", "student-1"), "cvo2": ("CVO", "student-5"), "rbt": ("RBT", "student-2")}
JAN_1 = timedelta(days=30, hours=22)  # from T0 (Tue Dec 1 09:00) to Fri Jan 1 07:00


def economy(world: World) -> None:
    district = load_district(world.database, world.clock)
    for role, (code, sourced) in CAST.items():
        person = district.person(sourced)
        world.make.placement(person, district.opportunity(TEAMS[code]), due_on=SCHOOL_YEAR_END)
        world.people[role] = person
    world.people["facilitator"] = district.person("staff-1")
    with world.database.transaction() as s:
        ids = [p.id for p in world.people.values()]
        s.execute(update(Person).where(Person.id.in_(ids)).values(language=world.lang))


def balances(**expected: int):
    """The ledger holds these balances (cents), and the economy sums to zero."""

    def check(world: World) -> None:
        with world.database.transaction() as s:
            held = ledger.balances(s)
        assert sum(held.values()) == 0, held
        assert {k: held[k] for k in expected} == expected, held

    return check


def invoice(number: int, status: str):
    def check(world: World) -> None:
        with world.database.transaction() as s:
            assert s.scalar(select(SimInvoice.status).where(SimInvoice.id == number)) == status

    return check


def _firm(world: World, code: str) -> int:
    with world.database.transaction() as s:
        return int(s.scalar(select(SimFirm.id).where(SimFirm.code == code)) or 0)


def only_cfo_pays(world: World) -> None:
    with world.staff() as ctx:
        staff.set_roles(ctx, _firm(world, "RBT"), "CEO, CFO, Sales", ["CFO"])


def uphold(number: int):
    def act(world: World) -> None:
        with world.staff() as ctx:
            for out in staff.decide_dispute(ctx, _firm(world, "CVO"), number, True):
                enqueue(ctx, out)

    return act


def close_month(world: World) -> None:
    with world.staff() as ctx:
        month_end(ctx)


START = 500_000
TRADED = 15_000 + 125_050  # CVO's revenue in December
RENT, TAX = 80_000, 11_204  # 8% of $1,400.50 is $112.04
AFTER = START + TRADED - RENT - TAX


def steps(words: dict[str, str], lang: str) -> list[Step]:
    w = words
    return [
        Step("cvo", w["BALANCE"], Means("CVO", "$5,000.00", lang=lang)),
        Step(
            "cvo",
            f"{w['INVOICE']} RBT 150 posters",
            (Means("#1", "RBT", "$150.00", lang=lang), Means("#1", w["PAY"] + " 1", to="rbt")),
            db=invoice(1, "open"),
        ),
        Step("rbt", w["INVOICES"], Means("#1", "CVO", "$150.00", w["PAY"], lang=lang)),
        Step(
            "rbt",
            f"{w['PAY']} 1",
            (
                Means("$150.00", "CVO", "$4,850.00", lang=lang),
                Means("RBT", "$150.00", "$5,150.00", to="cvo", lang=lang),
                Means("$5,150.00", to="cvo2"),
            ),
            db=(invoice(1, "paid"), balances(CVO=515_000, RBT=485_000)),
        ),
        Step("rbt", f"{w['PAY']} 1", Means("#1", lang=lang), db=balances(RBT=485_000)),
        Step(
            "rbt",
            f"{w['PAY']} cvo $1,250.50 thanks",
            (Means("$1,250.50", "$3,599.50", lang=lang), Means("$6,400.50", to="cvo")),
            db=balances(CVO=640_050, RBT=359_950),
        ),
        Step(
            "rbt",
            f"{w['PAY']} CVO 99999 x",
            (Means("$3,599.50", "$99,999.00", lang=lang), Silent(to="cvo")),
            db=balances(RBT=359_950),
        ),
        Step("rbt", f"{w['PAY']} CVO 1.234 x", Means("1.234", lang=lang)),
        Step("cvo", f"{w['INVOICE']} RBT 12,5 pens", Means("#2", "$12.50", lang=lang)),
        Step(
            "rbt",
            f"{w['DISPUTE']} 2 never got the pens",
            (
                Means("#2", "CVO", lang=lang),
                Means("never got the pens", to="cvo"),
                Means("#2", "never got the pens", to="facilitator"),
            ),
            db=invoice(2, "disputed"),
        ),
        Step("rbt", f"{w['PAY']} 2", Means("#2", lang=lang), db=invoice(2, "disputed")),
        Step("rbt", Act(uphold(2)), Means("#2", "$12.50", lang=lang), db=invoice(2, "cancelled")),
        Step("rbt", Act(only_cfo_pays)),
        Step(
            "rbt", f"{w['PAY']} CVO 5 x", Means("RBT", "CFO", lang=lang), db=balances(RBT=359_950)
        ),
        Step("rbt", f"{w['INVOICE']} RBT 5 x", Means("RBT", "OHF", lang=lang)),
        Step(
            "cvo",
            Act(close_month),
            (
                Means("$800.00", "$112.04", "8%", "$1,400.50", "2026-12", lang=lang),
                Means("$800.00", to="cvo2"),
            ),
            wait=JAN_1,
            db=balances(CVO=AFTER, RBT=359_950 - 70_000),
        ),
        Step("cvo", Act(close_month), Silent(), db=balances(CVO=AFTER)),
    ]


EN = {w: w for w in ("BALANCE", "INVOICE", "INVOICES", "PAY", "DISPUTE")}
ES = {"BALANCE": "SALDO", "INVOICE": "FACTURA", "INVOICES": "FACTURAS", "PAY": "PAGAR",
      "DISPUTE": "RECLAMAR"}  # fmt: skip

SCRIPTS = [
    Script("firms trade, dispute and close the month", economy, lang="en", steps=steps(EN, "en")),
    Script(
        "empresas comercian, reclaman y cierran el mes", economy, lang="es", steps=steps(ES, "es")
    ),
]

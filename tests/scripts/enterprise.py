"""School-based enterprise: the café's rota and till (SHIFTS, TAKE, DROP, IN against a
shift, OUT asking for SALES, SALES, STOCK) and the help desk's work orders (JOBS, CLAIM,
DONE), over Telegram and SMS, in English and Spanish, with the clock pinned at
Tue 2026-12-01 09:00 (Los Angeles)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from sqlalchemy import select

from bot.messages import Location
from db.models import Sale, ShiftTake, StockCount, WorkOrder
from tests.scripts._cast import JOBS
from tests.support.enterprise import business, item, shift
from tests.support.script_checks import _named, entries
from tests.support.scripts import Check, Means, Script, Step, World

TG = "telegram"
CAFE_DOOR = Location(36.6101, -119.4400, accuracy_m=12)
REQUESTER = "tel:+15595550123"


def _student(world: World) -> None:
    make, lang = world.make, world.lang
    school = make.school()
    world.people["coordinator"] = make.staff(school=school, given_name="Ava")
    student = make.student(school=school, guardians=0, language=lang, given_name="Leah")
    world.people["student"] = student


def cafe(world: World) -> None:
    """A café with a till: 4 shifts (one full: the rival holds its seat), 2 stock items."""
    make = world.make
    _student(world)
    biz = business(make, title="Morning cafe", till=True)
    world.people["supervisor"] = biz.supervisor
    make.placement(world.people["student"], biz.opp)
    rival = make.student(given_name="Tomas")
    rival_placement = make.placement(rival, biz.opp)
    shift(make, biz, "2026-12-01T12:10", "2026-12-01T12:50")  # A: today, within 12 h
    shift(make, biz, "2026-12-02T07:15", "2026-12-02T08:15", seats=1)  # B
    shift(make, biz, "2026-12-02T07:30", "2026-12-02T08:30")  # C: overlaps B
    full = shift(make, biz, "2026-12-03T07:15", "2026-12-03T08:15", seats=1)  # D: full
    make._save(
        ShiftTake(shift_id=full.id, student_id=rival.id, placement_id=rival_placement.id, status="taken",
                  taken_at=make.now, updated_at=make.now)
    )  # fmt: skip
    item(make, biz, "milk", "4", "4.25", "gallon")
    item(make, biz, "muffins", "12", "0.95")


def helpdesk(world: World) -> None:
    """A help desk (no till); the student holds today's 09:00-10:00 shift; two requests."""
    make = world.make
    _student(world)
    biz = business(make, title="Help Desk", till=False, token="desk-form-token-12345678")
    world.people["supervisor"] = biz.supervisor
    placement = make.placement(world.people["student"], biz.opp)
    now_shift = shift(make, biz, "2026-12-01T09:00", "2026-12-01T10:00")
    make._save(
        ShiftTake(shift_id=now_shift.id, student_id=world.people["student"].id,
                  placement_id=placement.id, status="taken", taken_at=make.now,
                  updated_at=make.now)
    )  # fmt: skip
    for ref, what in (("WO-AAAA1", "Chromebook screen cracked in room 12"),
                      ("WO-BBBB2", "Projector will not connect in the library")):  # fmt: skip
        make._save(
            WorkOrder(reference=ref, opportunity_id=biz.opp.id, requester_name="Ms. Rivera",
                      requester_phone=REQUESTER[4:], language=world.lang, description=what,
                      status="open", requester_hash="x", created_at=make.now)
        )  # fmt: skip
    world.strangers["requester"] = REQUESTER


def takes(*statuses: str) -> Check:
    """The student's shift takes, in shift order, have these statuses."""

    def check(world: World) -> None:
        with world.database.transaction() as s:
            found = list(
                s.scalars(
                    select(ShiftTake.status)
                    .where(ShiftTake.student_id == world.person("student").id)
                    .order_by(ShiftTake.shift_id)
                )
            )
        assert tuple(found) == statuses, f"takes are {found}"

    return _named(f"takes{statuses}", check)


def sales(amount: str) -> Check:
    def check(world: World) -> None:
        with world.database.transaction() as s:
            found = list(s.scalars(select(Sale.amount)))
        assert found == [Decimal(amount)], f"sales are {found}"

    return _named(f"sales({amount})", check)


def counts(n: int) -> Check:
    def check(world: World) -> None:
        with world.database.transaction() as s:
            found = len(list(s.scalars(select(StockCount.id))))
        assert found == n, f"{found} stock counts"

    return _named(f"counts({n})", check)


def orders(*statuses: str) -> Check:
    def check(world: World) -> None:
        with world.database.transaction() as s:
            found = tuple(s.scalars(select(WorkOrder.status).order_by(WorkOrder.id)))
        assert found == statuses, f"work orders are {found}"

    return _named(f"orders{statuses}", check)


def _rota_steps(channel: str, w: dict[str, str], lang: str) -> list[Step]:
    """SHIFTS, TAKE, an overlap, a late DROP, IN too early (the words in `w`)."""
    return [
        Step(
            "student",
            w["SHIFTS"],
            Means("12:10", "7:15", "7:30", w["TAKE"], lang=lang),
            channel,
            "idle",
        ),  # fmt: skip
        Step(
            "student", f"{w['TAKE']} 2", Means("Morning cafe", "7:15"), channel, db=takes("taken")
        ),  # fmt: skip
        Step("student", w["SHIFTS"], Means(w["mine"], "7:15", w["open"], "12:10"), channel),
        Step("student", f"{w['TAKE']} 3", Means("7:30", "7:15", lacks=("Morning cafe,",)), channel),
        Step("student", f"{w['TAKE']} 2", Means("12:10"), channel, db=takes("taken", "taken")),
        Step("student", w["SHIFTS"], Means("12:10", "7:15"), channel),
        Step(
            "student",
            f"{w['DROP']} 1",
            (Means("12:10", w["told"]), Means("Leah", "12:10", to="supervisor")),
            channel,
            db=takes("dropped", "taken"),
        ),  # fmt: skip
        Step("student", w["IN"], Means("15", "7:15", w["SHIFTS"]), channel),
    ]


EN = {"SHIFTS": "SHIFTS", "TAKE": "TAKE", "DROP": "DROP", "IN": "IN", "mine": "Your shifts",
      "open": "Open shifts", "told": "supervisor"}  # fmt: skip
ES = {"SHIFTS": "TURNOS", "TAKE": "TOMAR", "DROP": "SOLTAR", "IN": "ENTRADA",
      "mine": "Tus turnos", "open": "Turnos libres", "told": "supervisor"}  # fmt: skip


def _till_steps(channel: str, lang: str, w: dict[str, str]) -> list[Step]:
    """The reminder at 20:00, IN at the door, OUT asking for sales, SALES twice, STOCK."""
    to_evening = timedelta(hours=11)  # Tue 20:00: 2 h before 07:15 is in quiet hours
    to_shift = timedelta(hours=11, minutes=10)  # Wed 07:10
    steps = [
        Step(
            "student",
            JOBS,
            Means("7:15", w["IN"], to="student", lang=lang),
            channel,
            wait=to_evening,
        ),  # fmt: skip
    ]
    if channel != TG:  # SMS: the one-time check-in page (tests/test_checkin.py) clocks in
        return [*steps, Step("student", w["IN"], Means("/checkin/"), channel, wait=to_shift)]
    return [
        *steps,
        Step(
            "student",
            w["IN"],
            Means(asks_location=True),
            channel,
            "await_in_location",
            wait=to_shift,
        ),  # fmt: skip
        Step(
            "student",
            CAFE_DOOR,
            Means("Morning cafe", "OUT" if lang == "en" else "SALIDA"),
            channel,
            "idle",
            db=(entries(1, status="open", in_verdict="verified"), takes("dropped", "worked")),
        ),  # fmt: skip
    ]


def _sales_steps(channel: str, lang: str, w: dict[str, str]) -> list[Step]:
    return [
        Step(
            "student",
            w["OUT"],
            Means(asks_location=True),
            channel,
            "await_out_location",
            wait=timedelta(hours=1),
        ),  # fmt: skip
        Step(
            "student",
            CAFE_DOOR,
            Means("1 h", w["SALES"], "142.50", lang=lang),
            channel,
            "idle",
            db=entries(1, status="approved", hours="1"),
        ),  # fmt: skip
    ] + [
        Step(
            "student",
            f"{w['SALES']} $142,50",
            Means("$142.50", "7:15"),
            channel,
            db=sales("142.50"),
        ),  # fmt: skip
        Step(
            "student",
            f"{w['SALES']} 1,250",
            Means("$1,250.00", "$142.50"),
            channel,
            db=sales("1250.00"),
        ),  # fmt: skip
        Step("student", f"{w['SALES']} lots", Means(w["SALES"], "142.50"), channel),
        Step(
            "student",
            f"{w['STOCK']} milk 2",
            (Means("milk", "2", "4"), Means("milk", "2", "Morning cafe", to="supervisor")),
            channel,
            db=counts(1),
        ),  # fmt: skip
        Step("student", f"{w['STOCK']} Milk 1", Means("milk", "1"), channel, db=counts(2)),
        Step("student", f"{w['STOCK']} cheese 3", Means("milk", "muffins"), channel),
    ]


EN.update(OUT="OUT", SALES="SALES", STOCK="STOCK")
ES.update(OUT="SALIDA", SALES="VENTAS", STOCK="INVENTARIO")


def _desk_steps(channel: str, lang: str, w: dict[str, str]) -> list[Step]:
    return [
        Step("student", w["JOBS"], Means("WO-AAAA1", "WO-BBBB2", w["CLAIM"], lang=lang), channel),
        Step(
            "student",
            f"{w['CLAIM']} 1",
            Means("WO-AAAA1", "room 12"),
            channel,
            db=orders("claimed", "open"),
        ),  # fmt: skip
        Step("student", f"{w['DONE']} 1", Means(w["DONE"], "1"), channel),
        Step("student", f"{w['DONE']} 2 fixed it", Means("WO-BBBB2", w["CLAIM"]), channel),
        Step(
            "student",
            f"{w['DONE']} 1 replaced the screen",
            (
                Means("WO-AAAA1"),
                Means("WO-AAAA1", "replaced the screen", "/feedback/", to="requester", lang=lang),
            ),
            channel,
            db=orders("done", "open"),
        ),  # fmt: skip
        Step("student", w["JOBS"], Means("WO-BBBB2", lacks=("WO-AAAA1",)), channel),
    ]


EN.update(JOBS="JOBS", CLAIM="CLAIM", DONE="DONE")
ES.update(JOBS="TRABAJOS", CLAIM="ATENDER", DONE="HECHO")

SCRIPTS = [
    Script(
        "cafe rota and till on telegram",
        cafe,
        lang="en",
        steps=[*_rota_steps(TG, EN, "en"), *_till_steps(TG, "en", EN), *_sales_steps(TG, "en", EN)],
    ),  # fmt: skip
    Script(
        "cafe rota on sms",
        cafe,
        lang="en",
        steps=[*_rota_steps("sms", EN, "en"), *_till_steps("sms", "en", EN)],
    ),  # fmt: skip
    Script(
        "turnos y caja por telegram",
        cafe,
        lang="es",
        steps=[*_rota_steps(TG, ES, "es"), *_till_steps(TG, "es", ES), *_sales_steps(TG, "es", ES)],
    ),  # fmt: skip
    Script(
        "turnos por sms",
        cafe,
        lang="es",
        steps=[*_rota_steps("sms", ES, "es"), *_till_steps("sms", "es", ES)],
    ),  # fmt: skip
    Script(
        "help desk work orders on sms", helpdesk, lang="en", steps=_desk_steps("sms", "en", EN)
    ),  # fmt: skip
    Script(
        "mesa de ayuda por telegram", helpdesk, lang="es", steps=_desk_steps(TG, "es", ES)
    ),  # fmt: skip
]

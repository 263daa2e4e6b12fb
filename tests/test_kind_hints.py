"""MENU and HELP name a kind's own commands (`Kind.menu_hints`) to the people who take
part in it now, through the real webhooks: a class-firm member sees BALANCE/INVOICE (SMS,
English) and SALDO/FACTURA (Telegram, Spanish); a virtual intern's mentor sees MEET, in
English and in Spanish; a student with no such placement and a supervisor of a plain
micro-internship see none of it."""

from __future__ import annotations

from sqlalchemy import update

from db.models import Person, Placement
from tests.support.economy import economy  # noqa: F401 (the economy fixture)
from tests.test_simulation_e2e import sms, telegram, wire  # noqa: F401 (the wire fixture)
from tests.test_supervisor_e2e import SUP_PHONE, desk  # noqa: F401 (the desk fixture)

FIRM_EN = "BALANCE: your firm's account\nINVOICE: bill another firm"
FIRM_ES = "SALDO: la cuenta de tu empresa\nFACTURA: cobrar a otra empresa"
MEET_EN = "MEET <when>: schedule a session with your virtual interns"
MEET_ES = "REUNION <cuándo>: programa una sesión con tus pasantes virtuales"


def test_firm_members_see_their_commands_in_menu_and_help(wire, database, economy) -> None:  # noqa: F811
    twilio, tg = wire
    samuel = economy.rbt[0].id
    assert FIRM_EN in sms(twilio, "MENU")
    assert FIRM_EN in sms(twilio, "HELP")
    assert FIRM_ES in telegram(tg, database, samuel, "MENU")
    assert FIRM_ES in telegram(tg, database, samuel, "AYUDA")
    with database.transaction() as s:  # Leah's placement ends: the hint goes with it
        s.execute(
            update(Placement)
            .where(Placement.student_id == economy.cvo[0].id)
            .values(status="completed")
        )
    menu = sms(twilio, "MENU")
    assert "FIND" in menu and "BALANCE" not in menu


def _mentor(make, kind: str, language: str = "en"):
    school = make.school()
    employer = make.employer(kind="virtual_partner", name="Maple Ledger")
    mentor = make.supervisor(employer, given_name="Lucia", phone=SUP_PHONE, language=language)
    opp = make.opportunity(employer, supervisor=mentor, remote=True, kind=kind, title="App")
    make.placement(make.student(school=school, given_name="Leah"), opp)
    return mentor


def test_a_mentor_of_virtual_interns_sees_meet(desk, make, database) -> None:  # noqa: F811
    mentor = _mentor(make, "virtual")
    (menu,) = desk.say_sms(SUP_PHONE, "MENU")
    assert MEET_EN in menu
    (help_,) = desk.say_sms(SUP_PHONE, "HELP")
    assert MEET_EN in help_
    with database.transaction() as s:
        s.execute(update(Person).where(Person.id == mentor.id).values(language="es"))
    (menu,) = desk.say_sms(SUP_PHONE, "MENU")
    assert MEET_ES in menu and MEET_EN not in menu


def test_no_hint_without_a_placement_of_the_kind(desk, make) -> None:  # noqa: F811
    _mentor(make, "micro")
    (menu,) = desk.say_sms(SUP_PHONE, "MENU")
    (help_,) = desk.say_sms(SUP_PHONE, "HELP")
    assert "MEET" not in menu and "MEET" not in help_ and "MENU" in help_

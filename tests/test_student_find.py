"""FIND -> MORE -> details -> APPLY as conversation scripts through the real engine (SMS, Telegram)."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from bot import payloads
from bot.channels.sms_render import render_sms
from bot.sms_segments import segments
from db.models import Application, AuditEntry, Conversation, Placement

CEDAR = (36.6000, -119.4500)  # the default student's home (tests/support/factories.py)


def _conv(database, person):
    with database.transaction() as s:
        conv = s.get(Conversation, person.id)
        return conv.state, dict(conv.data)


def _apps(database, person):
    with database.transaction() as s:
        return s.scalars(select(Application).where(Application.student_id == person.id)).all()


@pytest.fixture
def five(make):
    """Five open opportunities from five employers, all reachable from CEDAR."""
    titles = ["Photograph the holiday menu", "Inventory the parts room", "Design a flyer",
              "Run a coding club", "Playtest a level"]  # fmt: skip
    made = []
    for i, title in enumerate(titles):
        emp = make.employer(name=f"Employer {i}")
        made.append(make.opportunity(emp, remote=True, title=title, seats=5 - i))
    return made


def test_find_more_details_and_apply_over_sms(make, chat, database, five):
    student = make.student()
    [page1] = chat.send(student, "FIND")
    lines = page1.text.splitlines()
    assert lines[0] == "Opportunities for you (1-3 of 5):"
    assert [ln[:3] for ln in lines[1:4]] == ["1) ", "2) ", "3) "]
    assert "remote" in lines[1] and "6h" in lines[1] and "micro" in lines[1]
    assert "MORE" in lines[-1] and segments(page1.text) <= 3
    assert render_sms(page1.text, page1.buttons) == page1.text  # keywords already in the text
    assert _conv(database, student)[0] == "browsing"

    [page2] = chat.send(student, "more")
    assert page2.text.startswith("Opportunities for you (4-5 of 5):")
    assert "4) " in page2.text and "5) " in page2.text and "MORE" not in page2.text

    [info] = chat.send(student, "4")
    assert info.text.startswith("4) ")
    assert "Gabriel" in info.text and "Dec 1 to Dec 28" in info.text
    assert "APPLY 4" in info.text and "Remote" in info.text
    state, data = _conv(database, student)
    assert state == "viewing" and len(data["list"]) == 5

    [done] = chat.send(student, "apply 4")
    assert done.text.startswith("Applied for ") and "coordinator" in done.text
    [app] = _apps(database, student)
    assert app.status == "pending" and app.opportunity_id == data["list"][3]
    assert _conv(database, student)[0] == "idle"
    with database.transaction() as s:
        audit = s.scalar(select(AuditEntry).where(AuditEntry.action == "application:create"))
        assert audit.actor == f"person:{student.id}" and audit.entity_id == str(app.id)

    # the list stays: the student can apply to another number, but not twice to one
    [again] = chat.send(student, "APPLY 4")
    assert "already applied" in again.text
    [other] = chat.send(student, "APPLY 1")
    assert other.text.startswith("Applied for ")
    assert len(_apps(database, student)) == 2


def test_apply_while_viewing_needs_no_number(make, chat, database, five):
    student = make.student()
    chat.send(student, "FIND")
    chat.send(student, "2")
    [done] = chat.send(student, "APPLY")
    assert done.text.startswith("Applied for ")
    assert _apps(database, student)[0].opportunity_id == _conv(database, student)[1]["list"][1]


def test_telegram_buttons_details_apply_more_and_forgery(make, chat, database, five):
    student = make.student()
    make.telegram_contact(student, 4242)
    [page1] = chat.send(student, "FIND", scheme="telegram")
    buttons = page1.payloads()
    assert set(buttons) >= {"1: details", "Apply 1", "More", "Menu"}
    assert payloads.verify("test-secret-key", student.id, buttons["Apply 3"]) is not None

    [more] = chat.send(student, payload=buttons["More"], scheme="telegram", message_ref="m-77")
    assert more.text.startswith("Opportunities for you (4-5 of 5):")
    assert more.extra.get("edit_ref") == "m-77"  # Telegram edits the list in place

    [info] = chat.send(student, payload=buttons["2: details"], scheme="telegram")
    assert info.text.startswith("2) ") and "Apply 2" in info.payloads()
    [done] = chat.send(student, payload=info.payloads()["Apply 2"], scheme="telegram")
    assert done.text.startswith("Applied for ")
    [app] = _apps(database, student)
    assert app.opportunity_id == five[1].id

    # a button made for someone else, or altered, applies to nothing
    other = make.student(given_name="Maya")
    forged = payloads.sign("test-secret-key", other.id, "fa", five[0].id)
    [refused] = chat.send(student, payload=forged, scheme="telegram")
    assert "expired or isn't for you" in refused.text
    tampered = buttons["Apply 1"].replace(f"|{five[0].id}|", f"|{five[2].id}|")
    [refused2] = chat.send(student, payload=tampered, scheme="telegram")
    assert "expired or isn't for you" in refused2.text
    assert len(_apps(database, student)) == 1

    # the Menu button goes home like MENU does
    [home] = chat.send(student, payload=buttons["Menu"], scheme="telegram")
    assert home.text.startswith("Hi Leah! What next?")
    assert _conv(database, student) == ("idle", {})


def test_details_button_from_idle_moves_to_browsing(make, chat, database, five):
    student = make.student()
    make.telegram_contact(student, 4343)
    [page1] = chat.send(student, "FIND", scheme="telegram")
    chat.send(student, "MENU", scheme="telegram")
    [info] = chat.send(student, payload=page1.payloads()["1: details"], scheme="telegram")
    assert "Tap Apply" in info.text  # the list was cleared by MENU: no number to type
    assert _conv(database, student)[0] == "browsing"


def test_no_car_student_never_sees_an_unreachable_site_as_reachable(make, chat, database):
    school = make.school()
    student = make.student(school=school, transportation="none", home=CEDAR)
    emp = make.employer(name="Farm Co")
    far_no_bus = make.site(emp, lat=36.70, lon=-119.60, transit=False)  # ~17 km, no bus
    far_bus = make.site(emp, lat=36.70, lon=-119.55, transit=True)
    near = make.site(emp, lat=36.608, lon=-119.45, transit=False)  # ~0.9 km
    campus = make.site(emp, lat=36.75, lon=-119.70, transit=False, school=school)
    make.opportunity(emp, site=far_no_bus, title="Sort seed trays", career_cluster="agriculture")
    make.opportunity(emp, site=far_bus, title="Stock shelves")
    make.opportunity(emp, site=near, title="Walk dogs")
    make.opportunity(emp, site=campus, title="Help desk")
    make.opportunity(emp, remote=True, title="Write posts")
    [page1] = chat.send(student, "FIND")
    [page2] = chat.send(student, "MORE")
    lines = page1.text.splitlines()[1:4] + page2.text.splitlines()[1:3]
    assert "needs a ride" not in "\n".join(lines[:4])
    assert "Sort seed trays" in lines[4] and "needs a ride, 17." in lines[4]
    where = {ln.split(" - ")[0][3:]: ln.rsplit("h, ", 1)[1] for ln in lines}
    assert where["Write posts"] == "remote"
    assert where["Help desk"] == "at your school"
    assert where["Walk dogs"].endswith("km, walk")
    assert where["Stock shelves"].endswith("km, bus")
    # the details say it too, and so does the application
    [info] = chat.send(student, "5")
    assert "you'd need a ride" in info.text
    [done] = chat.send(student, "APPLY 5")
    assert "you'd need a ride" in done.text

    driver = make.student(school=school, transportation="car", home=CEDAR)
    text = "\n".join(chat.texts(driver, "FIND") + chat.texts(driver, "MORE"))
    assert "needs a ride" not in text and "km, drive" in text


def test_age_limit_hides_opportunities_for_older_students(make, chat):
    make.opportunity(remote=True, title="Summarize articles", min_age=16)
    make.opportunity(remote=True, title="Playtest a level", min_age=14)
    fourteen = make.student(birth_date=date(2012, 6, 1))
    sixteen = make.student(birth_date=date(2010, 6, 1))
    young = chat.texts(fourteen, "FIND")[0]
    assert "Playtest" in young and "Summarize" not in young
    assert "Summarize" in chat.texts(sixteen, "FIND")[0]
    # typing a number the student never saw can't reach it either
    assert "There's no number 2" in chat.texts(fourteen, "APPLY 2")[0]


def test_only_too_young_says_why_and_suggests_a_way_forward(make, chat):
    make.opportunity(remote=True, min_age=16)
    student = make.student(birth_date=date(2012, 6, 1))
    [text] = chat.texts(student, "FIND")
    assert "No open opportunities" in text and "need you to be older" in text
    assert "FIND virtual" in text and "MENU" in text


def test_full_opportunity_is_not_listed_and_filling_up_after_listing_is_explained(
    make, chat, database
):
    from bot.context import Context
    from bot.services import placements

    opp = make.opportunity(remote=True, title="Only seat", seats=1)
    first, second, third = (make.student(given_name=n) for n in ("A", "B", "C"))
    chat.send(first, "FIND")
    chat.send(second, "FIND")
    assert "Applied" in chat.texts(first, "APPLY 1")[0]
    with database.transaction() as s:
        app = s.scalar(select(Application).where(Application.student_id == first.id))
        placements.approve(Context(s, chat.engine.settings, chat.clock.now(), "staff:1"), app.id)
    # the second student still holds an old list: the seat is gone
    assert "just filled up" in chat.texts(second, "APPLY 1")[0]
    assert "No open opportunities" in chat.texts(third, "FIND")[0]
    with database.transaction() as s:
        assert s.scalar(select(func.count()).select_from(Placement)) == 1
    assert opp.id


def test_vetting_hides_an_unvetted_partner(make, chat):
    lapsed = make.employer(name="Lapsed Insurance Inc", insurance_expires=date(2026, 11, 1))
    make.opportunity(lapsed, title="Paint the fence")
    unsigned = make.employer("virtual_partner", name="No Agreement", agreement_signed=None)
    make.opportunity(unsigned, remote=True, kind="virtual", title="Test the app")
    old_check = make.employer(name="Old Check Co")
    sup = make.supervisor(old_check, background_check=date(2023, 1, 1))
    make.opportunity(old_check, supervisor=sup, title="File papers")
    make.opportunity(remote=True, title="Vetted and fine")
    text = "\n".join(chat.texts(make.student(), "FIND"))
    assert "Vetted and fine" in text
    for hidden in ("Paint the fence", "Test the app", "File papers"):
        assert hidden not in text


def test_kind_filter_and_keyword_search(make, chat):
    make.opportunity(remote=True, kind="virtual", title="Test our app", career_cluster="it")
    make.opportunity(remote=True, title="Design a donation flyer", career_cluster="marketing")
    make.opportunity(kind="simulation", title="Virtual Enterprise sales team")
    student = make.student()
    virtual = chat.texts(student, "FIND virtual")[0]
    assert "Test our app" in virtual and "flyer" not in virtual and "(1 of 1)" in virtual
    design = chat.texts(student, "find designs")[0]
    assert "Design a donation flyer" in design and "Test our app" not in design
    assert "Virtual Enterprise" in chat.texts(student, "BUSCAR simulacion")[0]
    assert "(1-2 of 2)" in chat.texts(student, "FIND remote")[0]
    [none] = chat.texts(student, "FIND welding")
    assert 'Nothing open matches "welding"' in none and "FIND virtual" in none


def test_spanish_student_gets_spanish_lists(make, chat, database, five):
    student = make.student(language="es")
    [page1] = chat.send(student, "BUSCAR")
    assert page1.text.startswith("Oportunidades para ti (1-3 de 5):")
    assert "remoto" in page1.text and "MAS" in page1.text and segments(page1.text) <= 3
    # what an SMS user sees: the Spanish keywords are already in the text, nothing appended
    assert render_sms(page1.text, page1.buttons, "es") == page1.text
    [info] = chat.send(student, "2")
    assert "APLICAR 2" in info.text and "dic" in info.text
    assert render_sms(info.text, info.buttons, "es") == info.text
    [done] = chat.send(student, "aplicar 2")
    assert done.text.startswith("Solicitaste ")
    assert len(_apps(database, student)) == 1


def test_stale_and_unknown_numbers_get_a_way_forward(make, chat, five):
    student = make.student()
    assert "Reply FIND first" in chat.texts(student, "APPLY 2")[0]
    assert "Reply FIND first" in chat.texts(student, "MORE")[0]
    chat.send(student, "FIND")
    assert "no number 9 in your last list (1-5)" in chat.texts(student, "APPLY 9")[0]
    assert "no number 0" in chat.texts(student, "0")[0]
    assert "Which one?" in chat.texts(student, "APPLY")[0]
    chat.send(student, "MENU")
    assert "Reply FIND first" in chat.texts(student, "APPLY 1")[0]


@pytest.mark.parametrize("text", ["🙂👍", "x" * 2000, "apply to all of them!!", "-1", "1.5"])
def test_odd_text_while_browsing_gets_a_hint_not_a_crash(make, chat, five, text):
    student = make.student()
    chat.send(student, "FIND")
    [reply] = chat.texts(student, text)
    assert "Sorry, something went wrong" not in reply
    assert "MENU" in reply


def test_auto_approve_policy_approves_at_once(make, chat, database):
    make.opportunity(remote=True, title="Playtest a level", auto_approve=True)
    student = make.student()
    chat.send(student, "FIND")
    msgs = chat.send(student, "APPLY 1")
    assert msgs[0].text.startswith("Approved! Playtest a level")
    assert "To start:" in msgs[0].text and "AGREE" in msgs[0].text and msgs[0].urgent
    with database.transaction() as s:
        placement = s.scalar(select(Placement))
        assert placement.status == "paperwork" and placement.student_id == student.id
        assert s.scalar(select(Application)).status == "approved"


def test_a_placed_student_is_told_about_overlapping_dates(make, chat, database):
    make.opportunity(remote=True, title="First one", auto_approve=True)
    make.opportunity(remote=True, title="Second one")
    student = make.student()
    chat.send(student, "FIND")
    chat.send(student, "APPLY 1")
    [text] = chat.texts(student, "FIND")
    assert "already have a placement on those dates" in text


def test_list_sms_stays_within_three_segments_with_long_titles(make, chat):
    for _ in range(3):
        emp = make.employer(name="Cedar Valley High Student Help Desk Cooperative")
        site = make.site(emp, lat=36.70, lon=-119.60, transit=False)
        make.opportunity(emp, site=site, kind="enterprise", est_hours="20",
                         title="Morning cafe shift lead: inventory and till, weekends " * 2)  # fmt: skip
    for lang in ("en", "es"):
        [page] = chat.send(make.student(language=lang), "FIND")
        assert segments(page.text) <= 3, page.text


def test_a_location_or_file_while_browsing_goes_to_the_work_half(make, chat, five):
    from bot.messages import Attachment, Location

    student = make.student()
    make.telegram_contact(student, 4545)
    chat.send(student, "FIND", scheme="telegram")
    [where] = chat.texts(student, scheme="telegram", location=Location(36.6, -119.45, 10))
    assert "didn't understand" not in where and "IN" in where
    [file] = chat.texts(student, scheme="telegram", attachment=Attachment("photo", "f-1"))
    assert "SUBMIT" in file


def test_equity_an_experienced_student_sees_the_last_seat_after_the_others(make, chat):
    scarce = make.opportunity(remote=True, title="Last seat left", seats=1, career_cluster="arts")
    make.opportunity(remote=True, title="Plenty of seats", seats=6, career_cluster="it")
    past = make.opportunity(remote=True, title="Done before", auto_approve=True,
                            starts_on=date(2026, 9, 1), due_on=date(2026, 11, 30))  # fmt: skip
    first_timer = make.student(interests="arts")
    veteran = make.student(interests="arts")
    with chat.database.transaction() as s:  # the veteran completed a placement last term
        app = Application(student_id=veteran.id, opportunity_id=past.id, status="approved",
                          created_at=chat.clock.now())  # fmt: skip
        s.add(app)
        s.flush()
        s.add(Placement(application_id=app.id, student_id=veteran.id, opportunity_id=past.id,
                        status="completed", starts_on=past.starts_on, due_on=past.due_on,
                        created_at=chat.clock.now()))  # fmt: skip
    newcomer_list = chat.texts(first_timer, "FIND")[0].splitlines()
    veteran_list = chat.texts(veteran, "FIND")[0].splitlines()
    assert "Last seat left" in newcomer_list[1] and "Plenty of seats" in newcomer_list[2]
    assert "Plenty of seats" in veteran_list[1] and "Last seat left" in veteran_list[2]
    assert scarce.id


def test_a_student_without_roster_details_is_told_politely(make, chat, five):
    person = make.person("student")  # no Student row: not imported from the roster yet
    [text] = chat.texts(person, "FIND")
    assert "don't have your school details" in text and "MENU" in text

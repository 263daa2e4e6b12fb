"""Supervisors: linking by invite code, Spanish by SMS, odd input and malformed buttons."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.context import Context
from bot.services import ratings
from db.models import TimeEntry
from tests import test_supervisor as base
from tests.test_supervisor import open_round, run, sign, tap

world = base.world  # the same fixture: a supervisor, a student, a placement, a coordinator


# --- linking, Spanish, odd input --------------------------------------------------------


def test_a_supervisor_links_telegram_with_an_invite_code_and_sees_their_list(
    chat, make, database, settings, clock, world
):
    from bot.services import linking

    entry = make.time_entry(world.placement)
    with database.transaction() as s:
        code = linking.create_invite(Context(s, settings, clock.now()), world.sup.id)
    chat.send("telegram:4242", f"/start {code}")
    [menu] = chat.send("telegram:4242", "MENU")
    assert menu.person_id == world.sup.id
    assert menu.buttons[0][0]["label"] == f"Approve #{entry.id}"
    [edit] = chat.send(
        "telegram:4242", payload=sign(world.sup, "ta", entry.id), message_ref="4242:7"
    )
    assert edit.text.startswith(f"Approved #{entry.id}: 1.5 h for Leah.")


def test_spanish_supervisor_by_sms(chat, make, database, settings, clock):
    emp = make.employer()
    sup = make.supervisor(emp, language="es")
    opp = make.opportunity(emp, supervisor=sup)
    placement = make.placement(make.student(given_name="Leah"), opp)
    e1 = make.time_entry(placement, hours="1")
    make.time_entry(placement, hours="2")
    work = make.deliverable(placement)
    [menu] = chat.send(sup, "MENU")
    assert menu.text.startswith("Cedar Valley WBL: 3 pendientes para usted:")
    assert "A TODO aprueba los 2 (3 h)." in menu.text
    assert chat.texts(sup, f"aprobar {e1.id}") == [f"Aprobado #{e1.id}: 1 h de Leah."]
    assert chat.texts(sup, "A TODO") == ["Aprobado 1 registro (2 h). ¡Gracias!"]
    replies = chat.send(sup, f"CAMBIOS {work.id} falta una tabla")
    assert replies[0].text == f"Enviamos su comentario sobre #{work.id} a Leah."
    assert replies[1].text.startswith("Your supervisor asked for changes")  # the student's language
    run(database, settings, clock.now() + timedelta(days=40), ratings.ratings_due)
    assert chat.texts(sup, "5544") == [
        "Recibí 4 dígitos y necesito 6, uno por habilidad en orden: comunicación, trabajo en "
        "equipo, confiabilidad, profesionalismo, resolver problemas, iniciativa."
    ]


def test_rate_button_from_a_digest_opens_the_keyboard(chat, database, settings, clock, world):
    req = open_round(database, settings, clock, world)
    [keyboard] = tap(chat, world.sup, sign(world.sup, "ro", req))
    assert "edit_ref" not in keyboard.extra
    assert keyboard.text.startswith("Please rate Leah") and len(keyboard.buttons) == 7
    [early] = tap(chat, world.sup, sign(world.sup, "rd", req))
    assert early.text == "Tap a score for at least one skill first."


@pytest.mark.parametrize(
    "text",
    ["🙂🙂", "x" * 2000, "A twelve", "R", "OK", "CHANGES please", "12", "A 99999999"],
)
def test_odd_messages_get_a_polite_answer_and_change_nothing(chat, make, database, world, text):
    entry = make.time_entry(world.placement)
    [reply] = chat.send(world.sup, text)
    assert reply.text and "Traceback" not in reply.text and len(reply.text) < 700
    with database.transaction() as s:
        assert s.get(TimeEntry, entry.id).status == "pending"


def test_garbage_button_arguments_are_refused(chat, world):
    stale = "That button can't be used any more. Reply MENU to see what is waiting."
    assert [m.text for m in tap(chat, world.sup, sign(world.sup, "ta", "x"))] == [stale]
    assert [m.text for m in tap(chat, world.sup, sign(world.sup, "r", 1, 9, 9))] != []
    assert [m.text for m in tap(chat, world.sup, sign(world.sup, "tb"))] == [stale]


def test_a_long_reason_is_kept_short_for_the_student(chat, make, database, world):
    entry = make.time_entry(world.placement)
    chat.send(world.sup, f"R {entry.id}")
    replies = chat.send(world.sup, "no " * 700)
    assert replies[0].text == f"Rejected #{entry.id}. Leah was told why."
    with database.transaction() as s:
        assert len(s.get(TimeEntry, entry.id).review_note) <= 300

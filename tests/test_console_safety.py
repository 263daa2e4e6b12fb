"""The safety path through the real webhooks: a signed SMS and a Telegram update about harm
get an immediate answer naming the coordinator (never "didn't understand"), and the
coordinator's alert is queued urgent; "safety goggles" is not escalated."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.rules.safety import is_safety
from db.models import InboxItem, OutboxMessage, Student
from tests.support.webhook_helpers import (
    Telegram,
    Twilio,
    build_app,
    channel_settings,
    tg_message,
    twiml_messages,
)
from tests.test_webhooks_telegram import link_chat


@pytest.fixture
def app(settings, database, clock):
    return build_app(channel_settings(settings), database, clock)


@pytest.fixture
def people(make, database):
    school = make.school()
    coordinator = make.staff(school=school, given_name="Ava", family_name="Patel")
    student = make.student(school=school, given_name="Leah", language="es")
    with database.transaction() as s:
        s.get(Student, student.id).coordinator_id = coordinator.id
    return student, coordinator


def _alerts(database, coordinator_id):
    with database.transaction() as s:
        return [
            (row.urgent, row.text)
            for row in s.scalars(
                select(OutboxMessage).where(OutboxMessage.person_id == coordinator_id)
            )
        ]


def _items(database):
    with database.transaction() as s:
        return [
            (i.kind, i.coordinator_id) for i in s.scalars(select(InboxItem).order_by(InboxItem.id))
        ]


@pytest.mark.parametrize(
    ("lang", "text", "answer"),
    [
        ("en", "My supervisor makes me feel unsafe", "Thank you for telling us"),
        ("es", "Mi supervisor me hace sentir insegura", "Gracias por avisarnos"),
    ],
)
def test_a_safety_sms_is_answered_at_once_and_the_coordinator_alerted(
    app, people, database, lang, text, answer
):
    student, coordinator = people
    with database.transaction() as s:
        s.get(type(student), student.id).language = lang
    [reply] = twiml_messages(Twilio(app.test_client()).sms(student.phone, text))
    assert answer in reply and "Ava Patel" in reply and "911" in reply
    assert "understand" not in reply and "entendemos" not in reply
    [(urgent, alert)] = _alerts(database, coordinator.id)
    assert urgent and alert.startswith("SAFETY: Leah") and text in alert
    assert _items(database) == [("safety", coordinator.id)]


@pytest.mark.parametrize(
    ("lang", "text", "answer"),
    [
        ("en", "he touched me at work", "Thank you for telling us"),
        ("es", "me empujó en el trabajo", "Gracias por avisarnos"),
    ],
)
def test_a_safety_message_over_telegram_mid_conversation(
    app, people, database, settings, lang, text, answer
):
    student, coordinator = people
    with database.transaction() as s:
        s.get(type(student), student.id).language = lang
    link_chat(database, settings, student, 7001)
    tg = Telegram(app.test_client())
    assert tg.post(tg_message(7001, text="IN")).status_code == 200  # now asked for a location
    assert tg.post(tg_message(7001, text=text)).status_code == 200
    with database.transaction() as s:
        last = s.scalar(
            select(OutboxMessage)
            .where(OutboxMessage.person_id == student.id)
            .order_by(OutboxMessage.id.desc())
            .limit(1)
        )
        assert last.urn == "telegram:7001" and answer in last.text and "911" in last.text
    assert [u for u, _ in _alerts(database, coordinator.id)] == [True]
    assert _items(database) == [("safety", coordinator.id)]


def test_safety_goggles_are_not_escalated(app, people, database):
    student, coordinator = people
    [reply] = twiml_messages(
        Twilio(app.test_client()).sms(student.phone, "Do I need safety goggles?")
    )
    assert "911" not in reply and "Ava Patel" in reply  # passed on as an ordinary question
    assert _alerts(database, coordinator.id) == []
    assert _items(database) == [("unplaced", coordinator.id)]


@pytest.mark.parametrize(
    "text",
    [
        "safety goggles",
        "Is it safe to park there?",
        "I'm afraid I'll be late",
        "can you help me find a job",
        "the glue gun broke",
        "no estoy seguro de la hora",
        "me toca trabajar el sábado",
        "tengo que armar la mesa",
        "I'm not sure",
        "Gafas de seguridad",
    ],
)
def test_everyday_words_are_not_safety(text):
    assert not is_safety(text)


@pytest.mark.parametrize(
    "text",
    [
        "I don't feel safe there",
        "he keeps harassing me",
        "my boss yelled at me and grabbed me",
        "I want to kill myself",
        "Me siento incómoda con él",
        "tengo miedo de volver",
        "me están acosando",
        "ME GOLPEÓ",
    ],
)
def test_harm_is_safety(text):
    assert is_safety(text)


def test_a_supervisors_command_comes_before_the_safety_words(app, people, make, database):
    """`R 12 reason` whose reason says "inappropriate" rejects the entry; a supervisor's
    free text about harm is still escalated."""
    student, coordinator = people
    emp = make.employer()
    sup = make.supervisor(emp, given_name="Gabriel")
    placement = make.placement(student, make.opportunity(emp, supervisor=sup))
    entry = make.time_entry(placement, hours="2")
    twilio = Twilio(app.test_client())
    twilio.sms(sup.phone, f"R {entry.id} inappropriate language with customers")
    with database.transaction() as s:
        assert s.get(type(entry), entry.id).status == "rejected"
    assert _items(database) == []
    [reply] = twiml_messages(twilio.sms(sup.phone, "Leah got hurt at the shop today"))
    assert "911" in reply and _items(database) == [("safety", coordinator.id)]

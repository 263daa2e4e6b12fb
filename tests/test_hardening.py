"""Defects a review found, each pinned by a test: the answer a user gets, and what is kept."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import func, select

from bot.errors import ConfigError
from bot.settings import Settings
from db.models import Contact, Deliverable, InboundMessage
from tests.support.providers import add_telegram_contact, queue_message


def test_a_short_reply_while_sending_work_is_not_taken_as_the_work(chat, make, database):
    student, placement = _ready_placement(make)
    chat.send(student, "SUBMIT")
    [reply] = chat.texts(student, "what?")
    assert "short" in reply and "MENU" in reply
    with database.transaction() as s:
        assert s.scalar(select(func.count()).select_from(Deliverable)) == 0
    [done] = chat.texts(student, "https://docs.example.org/my-audit")
    assert "sent" in done.lower() or "got it" in done.lower()


def _ready_placement(make):
    student = make.student()
    opp = make.opportunity(remote=True)
    placement = make.placement(student, opp, status="ready")
    return student, placement


def test_a_supervisor_command_with_a_huge_number_gets_an_answer(chat, make, database):
    employer = make.employer()
    supervisor = make.supervisor(employer)
    for text in ("R 1234567890 late", "OK 1234567890", "CHANGES 1234567890 fix"):
        assert chat.texts(supervisor, text)
    with database.transaction() as s:
        statuses = s.scalars(select(InboundMessage.status)).all()
    assert statuses and "failed" not in statuses


def test_a_family_phone_shared_by_two_people_links_nobody_on_telegram(chat, make, database):
    from db.models import Person

    student = make.student(phone="+15595550148", guardians=0)
    guardian = make.guardian_of(student, phone=None)
    with database.transaction() as s:  # the roster gave the guardian the same family phone
        s.get(Person, guardian.id).phone = "+15595550148"
    replies = chat.send("telegram:4242", "", contact_phone="+15595550148", contact_is_sender=True)
    assert "link code" in replies[0].text
    with database.transaction() as s:
        assert s.scalar(select(Contact).where(Contact.urn == "telegram:4242")) is None


def test_a_channel_without_public_base_url_fails_at_start_up():
    env = {
        "SECRET_KEY": "k",
        "TWILIO_ACCOUNT_SID": "AC" + "0" * 32,
        "TWILIO_AUTH_TOKEN": "t",
        "TWILIO_FROM_NUMBER": "+15005550006",
    }
    with pytest.raises(ConfigError, match="PUBLIC_BASE_URL"):
        Settings.from_env(env)
    assert Settings.from_env({**env, "PUBLIC_BASE_URL": "https://wbl.example.org"}).twilio_enabled


def test_the_telegram_token_never_reaches_the_logs(provider_runtime, make, clock, caplog):
    from bot.dispatch import close_dispatcher, dispatch_once
    from bot.logs import quiet_noisy_loggers

    quiet_noisy_loggers()  # what the app and the CLI do at start-up
    caplog.set_level(logging.DEBUG)
    student = make.student()
    urn = add_telegram_contact(provider_runtime.database, student.id, 5151, clock.now())
    queue_message(provider_runtime.database, urn, "Hello", at=clock.now())
    try:
        assert dispatch_once(provider_runtime, clock.now()).sent == 1
    finally:
        close_dispatcher(provider_runtime)
    token = provider_runtime.settings.telegram_bot_token
    assert token and not any(token in r.getMessage() for r in caplog.records)

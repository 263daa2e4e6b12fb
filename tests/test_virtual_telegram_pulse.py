"""Attendance on Telegram (a toggle per intern and Done, one message edited in place; a
forged or foreign button is refused) and the weekly pulse (SMS digit, one Telegram tap;
a 1 or 2, or two silent weeks, tells the coordinator)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from bot import payloads
from db.models import Person, PulseAnswer, SessionInvite
from tests.support.chat import Sent
from tests.support.mentors import last_outbox_id, remote_mentor, run_jobs_at, texts_to

REF = "700:42"


def _outbox_since(chat, person_id: int, mark: int) -> list[Sent]:
    return [m for m in chat.outbox(person_id) if m.id > mark]


def _tap(chat, who, data: str):
    return chat.send(who, payload=data, scheme="telegram", message_ref=REF)


def _ended(make, chat, database, runtime, clock, names=("Leah", "Sam")):
    mentor, opp, interns = remote_mentor(make, database, "America/Toronto", names=names)
    make.telegram_contact(mentor)
    chat.send(mentor, "MEET thu 4pm 30 https://meet.example.org/s", scheme="telegram")
    chat.send(mentor, "YES", scheme="telegram")
    mark = last_outbox_id(database)
    run_jobs_at(runtime, clock.now() + timedelta(days=2, hours=4, minutes=31))
    (ask,) = _outbox_since(chat, mentor.id, mark)
    return mentor, interns, ask


def test_toggles_edit_one_message_then_done_saves(make, chat, database, runtime, clock):
    mentor, (leah, sam), ask = _ended(make, chat, database, runtime, clock)
    assert ask.urn.startswith("telegram:") and "Tap each intern" in ask.text
    labels = list(ask.payloads())
    assert labels == ["⬜ 1. Leah Intern0", "⬜ 2. Sam Intern1", "Done"]
    (edited,) = _tap(chat, mentor, ask.payloads()["⬜ 2. Sam Intern1"])
    assert edited.extra.get("edit_ref") == REF
    assert list(edited.payloads())[:2] == ["⬜ 1. Leah Intern0", "✅ 2. Sam Intern1"]
    sent = _tap(chat, mentor, edited.payloads()["Done"])
    assert sent[0].extra.get("edit_ref") == REF and "✅ Sam Intern1" in sent[0].text
    assert "1/2" in sent[1].text and "Sam Intern1" in sent[1].text
    with database.transaction() as s:
        marks = {i.student_id: i.attended for i in s.scalars(select(SessionInvite))}
    assert marks == {leah.id: False, sam.id: True}
    assert "can't be changed" in _tap(chat, mentor, edited.payloads()["Done"])[0].text


def test_a_forged_or_foreign_attendance_button_is_refused(
    make, chat, database, runtime, clock, settings
):
    mentor, (leah, _), ask = _ended(make, chat, database, runtime, clock)
    session_id = ask.payloads()["Done"].split("|")[1].split(",")[0]
    forged = payloads.sign("wrong-secret", mentor.id, "vd", session_id, 3)
    assert "button" in _tap(chat, mentor, forged)[0].text.lower()
    make.telegram_contact(leah)
    stolen = ask.payloads()["Done"]  # signed for the mentor, pressed by an intern
    assert "button" in _tap(chat, leah, stolen)[0].text.lower()
    other, _, _ = remote_mentor(make, database, None, names=("Zoe",))
    make.telegram_contact(other)
    theirs = payloads.sign(settings.secret_key, other.id, "vd", session_id, 3)
    assert "can't be changed" in _tap(chat, other, theirs)[0].text
    with database.transaction() as s:
        assert {i.attended for i in s.scalars(select(SessionInvite))} == {None}


def _pulse_day(clock):
    # placements start Tue Dec 1; the pulse goes that weekday from 16:00 local (00:00 UTC Wed)
    return clock.now() + timedelta(hours=7, minutes=5)


def _passes(runtime, at) -> None:
    """Two worker passes: the sweep asks, the job it scheduled speaks on the next pass."""
    run_jobs_at(runtime, at)
    run_jobs_at(runtime, at + timedelta(minutes=1))


def test_weekly_pulse_by_sms_and_a_low_score_tells_the_coordinator(
    make, chat, database, runtime, clock
):
    _, _, (leah,) = remote_mentor(make, database, None)
    run_jobs_at(runtime, clock.now())  # 09:00 local: not yet
    assert texts_to(database, leah.id) == []
    _passes(runtime, _pulse_day(clock))
    _passes(runtime, _pulse_day(clock) + timedelta(minutes=5))  # once a week only
    (ask,) = texts_to(database, leah.id)
    assert "1 (not well) to 5 (great)" in ask
    mark = last_outbox_id(database)
    assert "1 to 5" in chat.texts(leah, "9")[0]
    assert "coordinator will check in" in chat.texts(leah, "2")[0]
    with database.transaction() as s:
        assert s.scalars(select(PulseAnswer.score)).one() == 2
        coordinator = s.scalars(select(Person).where(Person.kind == "staff")).one()
    assert "2 of 5" in texts_to(database, coordinator.id, mark)[-1]


def test_pulse_one_tap_on_telegram_and_two_silent_weeks(make, chat, database, runtime, clock):
    _, _, (leah,) = remote_mentor(make, database, None)
    make.telegram_contact(leah)
    _passes(runtime, _pulse_day(clock))
    (ask,) = chat.outbox(leah.id)
    assert list(ask.payloads()) == ["1", "2", "3", "4", "5"]
    sent = _tap(chat, leah, ask.payloads()["4"])
    assert sent[0].extra.get("edit_ref") == REF and "Thanks" in sent[1].text
    with database.transaction() as s:
        coordinator = s.scalars(select(Person).where(Person.kind == "staff")).one()
    for week in (1, 2):  # no answer for two weeks
        _passes(runtime, _pulse_day(clock) + timedelta(days=7 * week))
    mark = last_outbox_id(database)
    _passes(runtime, _pulse_day(clock) + timedelta(days=21))
    assert "two weeks" in texts_to(database, coordinator.id, mark)[-1]

"""Mentor sessions through the real webhooks: signed Twilio posts answered in TwiML with
a local Twilio receiving the interns' texts, and Telegram Updates / CallbackQueries with
a local Bot API receiving the toggles edited in place; `run_due` moving time."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from bot.scheduler import run_due
from db.models import SessionInvite, TimeEntry
from tests.support.mentors import set_zone
from tests.test_supervisor_e2e import (  # noqa: F401 (the desk fixture)
    STUDENT_PHONE,
    SUP_CHAT,
    SUP_PHONE,
    desk,
    keyboard,
    message_id,
)

END = timedelta(days=2, hours=4, minutes=31)  # Thu Dec 3 21:30 UTC: the session is over


def _cast(make, database):
    school = make.school()
    make.staff(school=school, given_name="Ava")
    employer = make.employer(kind="virtual_partner", name="Maple Ledger")
    mentor = make.supervisor(employer, given_name="Lucia", phone=SUP_PHONE)
    set_zone(database, mentor.id, "America/Toronto")
    make.telegram_contact(mentor, SUP_CHAT)
    opp = make.opportunity(
        employer, supervisor=mentor, remote=True, kind="virtual", title="Test our app"
    )
    student = make.student(school=school, given_name="Leah", phone=STUDENT_PHONE)
    make.placement(student, opp)
    return mentor, student


def test_meet_attendance_and_feedback_by_sms(desk, make, database, clock):  # noqa: F811
    _cast(make, database)
    (said,) = desk.say_sms(SUP_PHONE, "MEET thu 4pm 30 https://meet.example.org/e2e")
    assert "Thu Dec 3, 4:00 PM (Toronto time)" in said and "YES" in said
    (said,) = desk.say_sms(SUP_PHONE, "YES")
    assert "Invited: Leah" in said
    desk.flush(clock.now())
    (invite,) = desk.sms_to(STUDENT_PHONE)
    assert "Thu Dec 3, 1:00 PM" in invite and "https://meet.example.org/e2e" in invite
    run_due(desk.runtime, clock.now() + END)
    assert "Who joined" in desk.sms_to(SUP_PHONE)[-1]
    (said,) = desk.say_sms(SUP_PHONE, "ALL")
    assert "1/1" in said
    desk.say_sms(SUP_PHONE, "5 Great questions")
    desk.flush(clock.now() + END)
    assert "5/5: Great questions" in desk.sms_to(STUDENT_PHONE)[-1]
    with database.transaction() as s:
        assert s.scalars(select(TimeEntry.status)).all() == ["approved"]


def test_attendance_toggles_over_telegram_edit_one_message(desk, make, database, clock):  # noqa: F811
    _cast(make, database)
    desk.say_tg(SUP_CHAT, "MEET thu 4pm 30 https://meet.example.org/e2e")
    desk.say_tg(SUP_CHAT, "YES")
    run_due(desk.runtime, clock.now() + END)
    ask = desk.tg_api.sent("sendMessage")[-1]
    assert ask["chat_id"] == SUP_CHAT and "Tap each intern" in ask["text"]
    rows = keyboard(ask)
    assert rows[0][0][0].startswith("⬜ 1. Leah") and rows[-1][0][0] == "Done"
    mid = message_id(desk.tg_api, SUP_CHAT)
    desk.tap(SUP_CHAT, rows[0][0][1], mid)
    desk.flush(clock.now() + END)
    edit = desk.tg_api.sent("editMessageText")[-1]
    assert edit["message_id"] == mid and keyboard(edit)[0][0][0].startswith("✅ 1. Leah")
    desk.tap(SUP_CHAT, keyboard(edit)[-1][0][1], mid)
    desk.flush(clock.now() + END)
    assert "✅ Leah" in desk.tg_api.sent("editMessageText")[-1]["text"]
    with database.transaction() as s:
        assert s.scalars(select(SessionInvite.attended)).all() == [True]

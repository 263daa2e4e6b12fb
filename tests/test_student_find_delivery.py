"""What the providers receive: the FIND list on Telegram (inline keyboard, MORE edits in place)
and the approval notice by SMS, through the real dispatcher and local provider servers."""

from __future__ import annotations

from sqlalchemy import select

from bot import payloads
from bot.cli import approve_by_ids
from bot.dispatch import dispatch_all
from db.models import Application
from tests.support.webhook_helpers import Telegram, tg_callback, tg_message
from webhooks import create_app

SECRET = "telegram-webhook-secret"  # tests/support/providers.configure


def _keyboard(params) -> dict[str, str]:
    markup = params["reply_markup"]
    return {b["text"]: b["callback_data"] for row in markup["inline_keyboard"] for b in row}


def test_telegram_list_buttons_more_edits_in_place_and_apply(
    provider_runtime, telegram_api, make, clock, database
):
    client = create_app(runtime=provider_runtime).test_client()
    telegram = Telegram(client, secret=SECRET)
    for i in range(5):
        make.opportunity(make.employer(name=f"Employer {i}"), remote=True, title=f"Project {i}")
    student = make.student()
    make.telegram_contact(student, 5150)

    assert telegram.post(tg_message(5150, text="FIND")).status_code == 200
    dispatch_all(provider_runtime, clock.now())
    [listing] = telegram_api.sent("sendMessage")
    assert listing["chat_id"] == 5150
    assert listing["text"].startswith("Opportunities for you (1-3 of 5):")
    keys = _keyboard(listing)
    assert {"1: details", "Apply 1", "3: details", "Apply 3", "More", "Menu"} <= set(keys)
    assert all(payloads.verify("test-secret-key", student.id, data) for data in keys.values())

    telegram_api.clear()
    assert telegram.post(tg_callback(5150, keys["More"])).status_code == 200
    dispatch_all(provider_runtime, clock.now())
    [edit] = telegram_api.sent("editMessageText")
    assert (edit["chat_id"], edit["message_id"]) == (5150, 77)  # the message the button sat on
    assert edit["text"].startswith("Opportunities for you (4-5 of 5):")
    page2 = _keyboard(edit)
    assert "Apply 5" in page2 and "More" not in page2

    telegram_api.clear()
    telegram.post(tg_callback(5150, page2["Apply 5"]))
    dispatch_all(provider_runtime, clock.now())
    [done] = telegram_api.sent("sendMessage")
    assert done["text"].startswith("Applied for Project")
    with database.transaction() as s:
        assert s.scalar(select(Application.status)) == "pending"


def test_approval_notice_reaches_the_student_by_sms(
    provider_runtime, twilio_api, make, clock, database
):
    opp = make.opportunity(remote=True, title="Playtest a level", external_id="opp-sms")
    student = make.student(sourced_id="stu-sms", phone="+15595550148")
    with database.transaction() as s:
        s.add(Application(student_id=student.id, opportunity_id=opp.id, created_at=clock.now()))
    result = approve_by_ids(provider_runtime, "stu-sms", "opp-sms", actor="staff:3")
    assert result.startswith("approved")
    dispatch_all(provider_runtime, clock.now())
    bodies = {m["To"]: m["Body"] for m in twilio_api.messages}
    notice = bodies["+15595550148"]
    assert notice.startswith("Approved! Playtest a level with Sunrise Bakery. To start:")
    assert "reply AGREE" in notice
    assert len(bodies) == 2  # the student and the guardian who is asked for permission

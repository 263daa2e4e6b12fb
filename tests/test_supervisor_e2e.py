"""Supervisors end to end: real Telegram Update / CallbackQuery JSON into the webhook and a
local Bot-API server receiving sendMessage / editMessageText; signed Twilio posts with
TwiML replies and a local Twilio receiving the notices; `wbl run-due --now` moving time."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from bot.dispatch import dispatch_all
from bot.scheduler import run_due
from db.models import Deliverable, Person, Rating, RatingRequest, TimeEntry
from tests.support.webhook_helpers import Telegram, Twilio, signature, tg_callback, tg_message
from tests.support.webhook_helpers import twiml_messages as twiml
from webhooks import create_app

ROOT = Path(__file__).resolve().parents[1]
TG_SECRET = "telegram-webhook-secret"  # tests/support/providers.configure
SUP_CHAT, OTHER_CHAT = 9001, 9002
SUP_PHONE, STUDENT_PHONE, COORD_PHONE = "+15595550181", "+15595550182", "+15595550183"


@dataclass
class Desk:
    """The outside world: the two webhooks and the two fake providers."""

    telegram: Telegram
    twilio: Twilio
    tg_api: Any
    sms_api: Any
    runtime: Any

    def tap(self, chat_id: int, data: str, message_id: int) -> dict[str, Any]:
        update = tg_callback(chat_id, data)
        update["callback_query"]["message"]["message_id"] = message_id
        response = self.telegram.post(update)
        assert response.status_code == 200
        return response.get_json()

    def say_tg(self, chat_id: int, text: str) -> None:
        assert self.telegram.post(tg_message(chat_id, text=text)).status_code == 200

    def say_sms(self, phone: str, text: str) -> list[str]:
        params = self.twilio.form(phone, text)
        path = "/webhooks/twilio/sms"
        sig = signature(path, params, token=self.sms_api.auth_token)
        response = self.twilio.post(path, params, sig=sig)
        assert response.status_code == 200
        return twiml(response)

    def flush(self, now) -> None:
        dispatch_all(self.runtime, now)

    def sms_to(self, phone: str) -> list[str]:
        return [m["Body"] for m in self.sms_api.messages if m["To"] == phone]


@dataclass
class Cast:
    sup: Person
    student: Person
    coordinator: Person
    placement: Any


@pytest.fixture
def desk(provider_runtime, telegram_api, twilio_api) -> Desk:
    client = create_app(runtime=provider_runtime).test_client()
    return Desk(
        Telegram(client, secret=TG_SECRET),
        Twilio(client),
        telegram_api,
        twilio_api,
        provider_runtime,
    )


def cast(make, *, telegram: bool = True) -> Cast:
    school = make.school()
    coordinator = make.staff(school=school, given_name="Ava", phone=COORD_PHONE)
    emp = make.employer(name="Sunrise Bakery")
    sup = make.supervisor(emp, given_name="Gabriel", phone=SUP_PHONE)
    if telegram:
        make.telegram_contact(sup, SUP_CHAT)
    opp = make.opportunity(emp, supervisor=sup, est_hours="6", title="Audit our social media")
    student = make.student(school=school, given_name="Leah", phone=STUDENT_PHONE)
    return Cast(sup, student, coordinator, make.placement(student, opp))


def keyboard(params: dict[str, Any]) -> list[list[tuple[str, str]]]:
    rows = params.get("reply_markup", {}).get("inline_keyboard", [])
    return [[(b["text"], b["callback_data"]) for b in row] for row in rows]


def message_id(tg_api, chat_id: int) -> int:
    """The id the Bot API gave the newest message in a chat."""
    return max(mid for (chat, mid) in tg_api._messages if chat == chat_id)


def due_round(desk: Desk, clock) -> None:
    """Move past the due date: the placement completes and the supervisor is asked."""
    clock.advance(days=35)  # Tuesday 5 January 2027, 09:00 in Los Angeles
    run_due(desk.runtime, clock.now())


# --- ratings ----------------------------------------------------------------------------


def test_six_taps_over_telegram_rate_six_skills(desk, make, clock, database):
    c = cast(make)
    due_round(desk, clock)
    [ask] = desk.tg_api.sent("sendMessage")
    assert ask["chat_id"] == SUP_CHAT
    assert ask["text"].startswith("Please rate Leah (Audit our social media).")
    rows = keyboard(ask)
    assert [label for label, _ in rows[0]] == ["1", "2", "3", "4", "5"] and rows[-1][0][0] == "Done"
    assert all(len(data.encode()) <= 64 for row in rows for _, data in row)
    mid = message_id(desk.tg_api, SUP_CHAT)
    chosen = [4, 5, 3, 4, 2, 5]
    for index, score in enumerate(chosen):
        answer = desk.tap(SUP_CHAT, rows[index][score - 1][1], mid)
        assert answer["method"] == "answerCallbackQuery"
        desk.flush(clock.now())
        edit = desk.tg_api.sent("editMessageText")[-1]
        assert (edit["chat_id"], edit["message_id"]) == (SUP_CHAT, mid)
    assert len(desk.tg_api.sent("editMessageText")) == 6
    assert "Communication: 4 ✓" in edit["text"] and "Initiative: 5 ✓" in edit["text"]
    assert edit["text"].startswith("Ratings for Leah (Audit our social media) saved.")
    assert desk.tg_api.sent("sendMessage")[-1]["text"] == (
        "Thanks! Any comment about Leah? Type it, or reply SKIP."
    )
    desk.say_tg(SUP_CHAT, "Punctual and kind with customers")
    desk.flush(clock.now())
    assert desk.tg_api.sent("sendMessage")[-1]["text"] == "Comment saved. Thank you!"
    with database.transaction() as s:
        stored = dict(s.execute(select(Rating.skill, Rating.score)).all())
        req = s.scalar(select(RatingRequest))
        assert (req.status, req.comment) == ("done", "Punctual and kind with customers")
    assert list(stored.values()) == chosen
    assert c.placement.id == req.placement_id


def test_a_forged_tap_is_refused_and_a_replayed_tap_changes_nothing(desk, make, clock, database):
    cast(make)
    intruder = make.supervisor(make.employer(name="Other Co"), given_name="Ivan")
    make.telegram_contact(intruder, OTHER_CHAT)
    due_round(desk, clock)
    rows = keyboard(desk.tg_api.sent("sendMessage")[0])
    mid = message_id(desk.tg_api, SUP_CHAT)
    desk.tap(OTHER_CHAT, rows[0][4][1], mid)  # the supervisor's button, pressed elsewhere
    desk.flush(clock.now())
    [refusal] = [m for m in desk.tg_api.sent("sendMessage") if m["chat_id"] == OTHER_CHAT]
    assert (
        refusal["text"]
        == "That button has expired or isn't for you. Reply MENU to see your options."
    )
    for index in range(6):
        desk.tap(SUP_CHAT, rows[index][2][1], mid)
    desk.tap(SUP_CHAT, rows[0][4][1], mid)  # a replay after the round closed
    update = tg_callback(SUP_CHAT, rows[1][0][1], update_id=555_001)
    desk.telegram.post(update)
    desk.telegram.post(update)  # Telegram retries the same update
    desk.flush(clock.now())
    texts = [m["text"] for m in desk.tg_api.sent("sendMessage") if m["chat_id"] == SUP_CHAT]
    assert texts.count("These ratings were already saved, so nothing changed.") == 2
    with database.transaction() as s:
        assert sorted(s.scalars(select(Rating.score)).all()) == [3] * 6


def test_sms_digits_good_and_malformed(desk, make, clock, database):
    cast(make, telegram=False)
    due_round(desk, clock)
    assert desk.sms_to(SUP_PHONE) == [
        "Rate Leah (Audit our social media): communication, teamwork, reliability, "
        "professionalism, problem solving, initiative. Reply 6 digits 1-5, e.g. 545434"
    ]
    assert desk.say_sms(SUP_PHONE, "54543") == [
        "I got 5 digits but need 6, one per skill in order: communication, teamwork, "
        "reliability, professionalism, problem solving, initiative."
    ]
    assert desk.say_sms(SUP_PHONE, "5,4,5,4,3,9") == [
        "Each digit must be 1 to 5; Initiative got 9. Reply all 6 digits again."
    ]
    assert desk.say_sms(SUP_PHONE, "5 4 5 4 3 4") == [
        "Saved Leah's ratings: 5 4 5 4 3 4. Thanks! Any comment about Leah? Type it, or reply SKIP."
    ]
    assert desk.say_sms(SUP_PHONE, "SKIP") == ["OK, no comment. Thank you!"]
    with database.transaction() as s:
        assert [r.score for r in s.scalars(select(Rating).order_by(Rating.id))] == [
            5,
            4,
            5,
            4,
            3,
            4,
        ]


# --- timesheets and work ----------------------------------------------------------------


def test_timesheets_over_telegram_approve_reject_and_approve_all(desk, make, clock, database):
    c = cast(make)
    e1, e2, e3, e4 = (make.time_entry(c.placement, hours=h) for h in ("1", "2", "0.5", "1.5"))
    run_due(desk.runtime, clock.now())
    [digest] = desk.tg_api.sent("sendMessage")
    assert digest["text"].startswith("Cedar Valley WBL: 4 items need your OK:")
    rows = keyboard(digest)
    mid = message_id(desk.tg_api, SUP_CHAT)
    desk.tap(SUP_CHAT, rows[0][0][1], mid)  # approve e1
    desk.tap(SUP_CHAT, rows[1][1][1], mid)  # reject e2: asks why
    desk.say_tg(SUP_CHAT, "Not on the schedule that day")
    desk.tap(SUP_CHAT, rows[-1][0][1], mid)  # approve all (e3, e4)
    desk.flush(clock.now())
    edits = [m["text"] for m in desk.tg_api.sent("editMessageText")]
    assert edits[0].startswith(f"Approved #{e1.id}: 1 h for Leah.")
    assert edits[-1].startswith("Approved 2 entries (2 h). Thank you!")
    sent = [m["text"] for m in desk.tg_api.sent("sendMessage")]
    assert f"Why reject #{e2.id} (2 h, Leah)? Type a short reason; they will see it." in sent
    assert f"Rejected #{e2.id}. Leah was told why." in sent
    assert desk.sms_to(STUDENT_PHONE) == [
        "Your 2 h on Dec 1 for Audit our social media were not approved: Not on the "
        "schedule that day. Questions? Ask your supervisor."
    ]
    with database.transaction() as s:
        got = [s.get(TimeEntry, e.id).status for e in (e1, e2, e3, e4)]
    assert got == ["approved", "rejected", "approved", "approved"]


def test_timesheets_and_work_over_sms(desk, make, clock, database):
    c = cast(make, telegram=False)
    e1, e2, e3 = (make.time_entry(c.placement, hours=h) for h in ("1", "2", "3"))
    w1 = make.deliverable(c.placement)
    w2 = make.deliverable(c.placement, text="second draft", url=None)
    assert desk.say_sms(SUP_PHONE, f"A {e1.id}") == [f"Approved #{e1.id}: 1 h for Leah."]
    assert desk.say_sms(SUP_PHONE, f"R {e2.id} was sick, not working") == [
        f"Rejected #{e2.id}. Leah was told why."
    ]
    assert desk.say_sms(SUP_PHONE, "A ALL") == ["Approved 1 entry (3 h). Thank you!"]
    assert desk.say_sms(SUP_PHONE, f"OK {w1.id}") == [
        f"Accepted #{w1.id}. Leah will hear the good news."
    ]
    assert desk.say_sms(SUP_PHONE, f"CHANGES {w2.id} add a chart") == [
        f"Sent your comment on #{w2.id} to Leah."
    ]
    assert desk.say_sms(SUP_PHONE, f"OK {w1.id}") == [
        f"#{w1.id} was already handled, so nothing changed."
    ]
    desk.flush(clock.now())
    notices = desk.sms_to(STUDENT_PHONE)
    assert len(notices) == 3
    assert "not approved: was sick, not working" in notices[0]
    assert notices[1].startswith("Great news: your work for Audit our social media was accepted")
    assert "asked for changes to your work for Audit our social media: add a chart." in notices[2]
    with database.transaction() as s:
        assert [s.get(Deliverable, w.id).status for w in (w1, w2)] == [
            "accepted",
            "changes_requested",
        ]
        assert s.get(TimeEntry, e3.id).status == "approved"


def test_work_review_over_telegram(desk, make, clock, database):
    c = cast(make)
    w1 = make.deliverable(c.placement)
    w2 = make.deliverable(c.placement, text="v2", url=None, file_ref="document:BQAC")
    run_due(desk.runtime, clock.now())
    [digest] = desk.tg_api.sent("sendMessage")
    assert f"Work #{w1.id} from Leah: https://docs.example.org/audit" in digest["text"]
    assert f"Work #{w2.id} from Leah: v2 (a file)" in digest["text"]
    rows = keyboard(digest)
    mid = message_id(desk.tg_api, SUP_CHAT)
    desk.tap(SUP_CHAT, rows[0][0][1], mid)  # accept w1
    desk.tap(SUP_CHAT, rows[1][1][1], mid)  # changes on w2: asks for the comment
    desk.say_tg(SUP_CHAT, "Please add the sources")
    desk.flush(clock.now())
    assert desk.tg_api.sent("editMessageText")[0]["text"].startswith(f"Accepted #{w1.id}.")
    notices = desk.sms_to(STUDENT_PHONE)
    assert notices[0].startswith("Great news")
    assert "changes to your work for Audit our social media: Please add the sources." in notices[1]
    with database.transaction() as s:
        assert s.get(Deliverable, w2.id).review_comment == "Please add the sources"


# --- nudges -----------------------------------------------------------------------------


def wbl_run_due(database, provider_settings, at) -> str:
    s = provider_settings
    env = os.environ | {
        "DATABASE_URL": database.url,
        "SECRET_KEY": s.secret_key,
        "PUBLIC_BASE_URL": s.public_base_url,
        "PYTHONPATH": str(ROOT),
        "TWILIO_ACCOUNT_SID": s.twilio_account_sid,
        "TWILIO_AUTH_TOKEN": s.twilio_auth_token,
        "TWILIO_FROM_NUMBER": s.twilio_from_number,
        "TWILIO_API_BASE_URL": s.twilio_api_base_url,
        "TELEGRAM_BOT_TOKEN": s.telegram_bot_token,
        "TELEGRAM_WEBHOOK_SECRET": s.telegram_webhook_secret,
        "TELEGRAM_API_BASE_URL": s.telegram_api_base_url,
        "PROGRAM_NAME": s.program_name,
    }
    done = subprocess.run(
        [sys.executable, "-m", "bot.cli", "run-due", "--now", at.isoformat()],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def test_reminders_and_escalation_with_wbl_run_due(desk, make, clock, database, provider_settings):
    c = cast(make, telegram=False)
    for h in ("1", "2", "0.5"):
        make.time_entry(c.placement, hours=h)
    make.deliverable(c.placement)
    make.deliverable(c.placement, text="v2", url=None)
    t0 = clock.now()
    wbl_run_due(database, provider_settings, t0)
    [digest] = desk.sms_to(SUP_PHONE)  # five new items, one message
    assert digest.startswith("5 items need your OK:") or ": 5 items need your OK:" in digest
    wbl_run_due(database, provider_settings, t0 + timedelta(hours=47))
    assert len(desk.sms_to(SUP_PHONE)) == 1
    wbl_run_due(database, provider_settings, t0 + timedelta(hours=48))
    wbl_run_due(database, provider_settings, t0 + timedelta(hours=96))
    reminders = desk.sms_to(SUP_PHONE)[1:]
    assert len(reminders) == 2 and all(": 5 items still need your OK:" in r for r in reminders)
    assert desk.sms_to(COORD_PHONE) == []
    wbl_run_due(database, provider_settings, t0 + timedelta(hours=144))
    assert desk.sms_to(COORD_PHONE) == [
        "Gabriel Rivera (Sunrise Bakery) hasn't answered for 6 days about Leah: hours to "
        "approve: 3, work to review: 2. Please follow up."
    ]
    wbl_run_due(database, provider_settings, t0 + timedelta(hours=200))
    assert len(desk.sms_to(SUP_PHONE)) == 3 and len(desk.sms_to(COORD_PHONE)) == 1


def test_a_busy_day_stays_under_the_daily_cap(desk, make, clock, database):
    c = cast(make)
    start = clock.now()  # 09:00
    for hour in range(15):  # a new entry every hour until midnight
        make.time_entry(c.placement, hours="1", created_at=start + timedelta(hours=hour))
        run_due(desk.runtime, start + timedelta(hours=hour, minutes=5))
    digests = [m for m in desk.tg_api.sent("sendMessage") if m["chat_id"] == SUP_CHAT]
    assert len(digests) == 2  # 09:05 and 13:05; the rest wait for tomorrow
    run_due(desk.runtime, start + timedelta(hours=22, minutes=55))  # 07:55: quiet hours
    assert len([m for m in desk.tg_api.sent("sendMessage") if m["chat_id"] == SUP_CHAT]) == 2
    run_due(desk.runtime, start + timedelta(hours=23, minutes=5))  # 08:05
    digests = [m for m in desk.tg_api.sent("sendMessage") if m["chat_id"] == SUP_CHAT]
    assert len(digests) == 3
    assert "15 items need your OK" in digests[-1]["text"]
    assert keyboard(digests[-1])[-1][0][0] == "Approve all 15 (15 h)"

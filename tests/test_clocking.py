"""Clocking in and out is one path: the chat and the SMS check-in page both go through
services.clocking, so they record the same time entry and say the same words.

Driven as people do it: Telegram Updates and signed Twilio posts into the web app, the
phone's browser posting its location to the one-time link; what is said is read from
the TwiML, the page and the outbox.
"""

from __future__ import annotations

import html

import pytest

from db.models import AuditEntry, OutboxMessage, Reminder, TimeEntry
from tests.support.webhook_helpers import (
    Telegram,
    Twilio,
    build_app,
    channel_settings,
    tg_message,
    twiml_messages,
)
from tests.test_student_work import away, onsite, rows, telegram


@pytest.fixture
def web(settings, database, clock):
    """One app with both channels configured: webhooks and the check-in page."""
    return build_app(channel_settings(settings), database, clock).test_client()


def last_text(make, urn: str) -> str:
    return rows(make, OutboxMessage, OutboxMessage.urn == urn)[-1].text


def tg_clock(web, make, chat_id: int, word: str, meters: float, accuracy: float = 12) -> str:
    """Send IN/OUT, then share a location `meters` from the site; the bot's last answer."""
    tg = Telegram(web)
    assert tg.post(tg_message(chat_id, text=word)).status_code == 200
    lat, lon = away(meters)
    where = {"latitude": lat, "longitude": lon, "horizontal_accuracy": accuracy}
    assert tg.post(tg_message(chat_id, location=where)).status_code == 200
    return last_text(make, f"telegram:{chat_id}")


def sms_link(web, student, word: str = "IN") -> str:
    """Text IN/OUT over the Twilio webhook; the path of the link in the TwiML answer."""
    (answer,) = twiml_messages(Twilio(web).sms(student.phone, word))
    url = next(w for w in answer.split() if "/checkin/" in w)
    return url.replace("https://wbl.example.test", "")


def tap(web, path: str, meters: float, accuracy: float = 12) -> tuple[int, str]:
    """The browser posts its location to the link; (status, the page's text)."""
    lat, lon = away(meters)
    page = web.post(path, data={"lat": str(lat), "lon": str(lon), "accuracy": str(accuracy)})
    return page.status_code, html.unescape(page.get_data(as_text=True))


def test_chat_in_with_a_telegram_location_opens_a_time_entry(web, make):
    student, _, pid = onsite(make)
    urn = telegram(make, student, 5101)
    Telegram(web).post(tg_message(5101, text="IN"))
    ask = rows(make, OutboxMessage, OutboxMessage.urn == urn)[-1]
    assert ask.extra.get("request_location") and rows(make, TimeEntry) == []
    receipt = tg_clock(web, make, 5101, "IN", 30)
    assert "Clocked in at Photograph the new holiday menu, 9:00 AM. Location checked." in receipt
    (entry,) = rows(make, TimeEntry)
    assert (entry.placement_id, entry.kind, entry.status) == (pid, "clock", "open")
    assert entry.in_verdict == "verified" and entry.in_accuracy_m == 12
    kinds = {r.kind for r in rows(make, Reminder, Reminder.status == "pending")}
    assert kinds == {"clock.nudge", "clock.autoclose"}
    assert rows(make, AuditEntry, AuditEntry.action == "clock:in")


def test_sms_in_gives_a_link_and_posting_the_location_opens_a_time_entry(web, make):
    student, _, pid = onsite(make)
    path = sms_link(web, student)
    assert rows(make, TimeEntry) == []
    assert web.get(path).status_code == 200
    status, page = tap(web, path, 30)
    assert status == 200 and "Location checked" in page
    (entry,) = rows(make, TimeEntry)
    assert (entry.placement_id, entry.kind, entry.status) == (pid, "clock", "open")
    assert entry.in_verdict == "verified" and entry.in_accuracy_m == 12
    queued = rows(make, OutboxMessage, OutboxMessage.person_id == student.id)[-1]
    assert queued.urn == f"tel:{student.phone}" and queued.text in page
    assert rows(make, AuditEntry, AuditEntry.action == "clock:in")


@pytest.mark.parametrize("language", ["en", "es"])
def test_chat_and_page_say_the_same_receipts_and_the_same_already_in(web, make, clock, language):
    """Two students at the same site, one on Telegram, one by SMS link: same words."""
    by_chat, _, _ = onsite(make, language=language)
    telegram(make, by_chat, 5201)
    by_page, _, _ = onsite(make, language=language)
    first, second = sms_link(web, by_page), sms_link(web, by_page)

    chat_in = tg_clock(web, make, 5201, "IN", 150)  # outside the 100 m circle
    status, page_in = tap(web, first, 150)
    sms_in = last_text(make, f"tel:{by_page.phone}")
    assert status == 200 and chat_in == sms_in and sms_in in page_in
    assert "150 m" in chat_in

    Telegram(web).post(tg_message(5201, text="IN"))
    chat_again = last_text(make, "telegram:5201")
    status, page_again = tap(web, second, 0)
    sms_again = last_text(make, f"tel:{by_page.phone}")
    assert status == 200 and chat_again == sms_again and sms_again in page_again
    assert "9:00" in chat_again and chat_again != chat_in
    assert len(rows(make, TimeEntry)) == 2  # one each: "already in" recorded nothing

    clock.advance(hours=2)
    chat_out = tg_clock(web, make, 5201, "OUT", 20)
    status, page_out = tap(web, sms_link(web, by_page, "OUT"), 20)
    sms_out = last_text(make, f"tel:{by_page.phone}")
    assert status == 200 and chat_out == sms_out and sms_out in page_out
    assert "11:00" in chat_out and " 2 h" in chat_out
    entries = rows(make, TimeEntry)
    assert [(e.status, e.flagged, e.hours) for e in entries] == [("pending", True, 2)] * 2


def test_a_finished_entry_cannot_be_clocked_out_twice(web, make, clock):
    student, _, _ = onsite(make)
    telegram(make, student, 5301)
    tg_clock(web, make, 5301, "IN", 0)
    clock.advance(hours=1)
    tg_clock(web, make, 5301, "OUT", 0)
    Telegram(web).post(tg_message(5301, text="OUT"))
    assert "not clocked in" in last_text(make, "telegram:5301")
    (entry,) = rows(make, TimeEntry)
    assert entry.status == "approved" and entry.hours == 1

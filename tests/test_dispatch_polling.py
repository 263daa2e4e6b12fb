"""`wbl telegram-poll`: updates read by long polling go through the engine, and the reply
goes out through the Bot API, all against the fake Telegram server."""

from __future__ import annotations

import threading

from sqlalchemy import func, select

from bot import payloads
from bot.handlers.telegram_poll import Poller, run_polling
from db.models import InboundMessage
from tests.support.providers import add_telegram_contact


def message_update(update_id: int, chat_id: int, text: str) -> dict:
    return {
        "update_id": update_id,
        "message": {
            "message_id": update_id * 10,
            "date": 1796144400,
            "chat": {"id": chat_id, "type": "private", "first_name": "Leah"},
            "from": {"id": chat_id, "is_bot": False, "first_name": "Leah"},
            "text": text,
        },
    }


def callback_update(update_id: int, chat_id: int, data: str) -> dict:
    return {
        "update_id": update_id,
        "callback_query": {
            "id": f"cq{update_id}",
            "from": {"id": chat_id, "is_bot": False, "first_name": "Leah"},
            "chat_instance": "ci1",
            "data": data,
            "message": {
                "message_id": 555,
                "date": 1796144400,
                "chat": {"id": chat_id, "type": "private", "first_name": "Leah"},
                "text": "Pick one",
            },
        },
    }


def test_polled_message_is_answered_through_the_bot_api(
    provider_runtime, telegram_api, make, clock
):
    student = make.student()
    add_telegram_contact(provider_runtime.database, student.id, 4242, clock.now())
    telegram_api.queue_updates([message_update(1, 4242, "HELP")])
    poller = Poller(provider_runtime, long_poll_s=0)
    try:
        assert poller.poll_once() == 1
        assert poller.poll_once() == 0  # offset advanced: nothing read twice
    finally:
        poller.close()
    methods = [name for name, _ in telegram_api.calls]
    assert methods[:2] == ["getMe", "deleteWebhook"]
    [reply] = telegram_api.sent("sendMessage")
    assert reply["chat_id"] == 4242 and "Cedar Valley WBL" in reply["text"]
    offsets = [p.get("offset") for name, p in telegram_api.calls if name == "getUpdates"]
    assert offsets == [None, 2]


def test_button_taps_are_answered_and_a_forged_one_gets_a_polite_refusal(
    provider_runtime, telegram_api, make, clock
):
    student = make.student()
    add_telegram_contact(provider_runtime.database, student.id, 4343, clock.now())
    forged = payloads.sign("another-secret", student.id, "fa", "1")
    telegram_api.queue_updates([callback_update(7, 4343, forged)])
    poller = Poller(provider_runtime, long_poll_s=0)
    try:
        poller.poll_once()
    finally:
        poller.close()
    assert telegram_api.sent("answerCallbackQuery") == [{"callback_query_id": "cq7"}]
    [reply] = telegram_api.sent("sendMessage")
    assert reply["chat_id"] == 4343 and "expired" in reply["text"]


def test_run_polling_stops_on_request_and_never_rereads_a_confirmed_update(
    provider_runtime, telegram_api, make, clock
):
    student = make.student()
    add_telegram_contact(provider_runtime.database, student.id, 4444, clock.now())
    telegram_api.queue_updates([message_update(3, 4444, "HELP")])
    stop = threading.Event()
    thread = threading.Thread(target=run_polling, args=(provider_runtime, stop))
    thread.start()
    try:
        for _ in range(50):
            if telegram_api.sent("sendMessage"):
                break
            threading.Event().wait(0.1)
        telegram_api.queue_updates(
            [message_update(3, 4444, "HELP")]
        )  # already confirmed by the offset
        threading.Event().wait(1.5)
    finally:
        stop.set()
        thread.join(timeout=10)
    assert not thread.is_alive()
    assert len(telegram_api.sent("sendMessage")) == 1
    with provider_runtime.database.transaction() as s:
        assert s.scalar(select(func.count()).select_from(InboundMessage)) == 1

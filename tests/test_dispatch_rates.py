"""Provider rate limits held under a burst: the fake servers enforce them and count every
request over the limit; the dispatcher must cause none and still go near the limit."""

from __future__ import annotations

import time

from sqlalchemy import func, select

from bot.dispatch import close_dispatcher, dispatch_all, dispatcher_for
from bot.runtime import Runtime
from db.models import OutboxMessage
from tests.support.providers import configure, queue_message


def sent_count(database) -> int:
    with database.transaction() as s:
        return s.scalar(select(func.count()).where(OutboxMessage.status == "sent"))


def timed_drain(rt, clock):
    """Send everything due (the clients built before the clock starts): (summary, seconds)."""
    dispatcher_for(rt)
    started = time.monotonic()
    try:
        summary = dispatch_all(rt, clock.now())
    finally:
        close_dispatcher(rt)
    return summary, time.monotonic() - started


def test_twilio_burst_stays_under_twilio_mps(settings, database, clock, twilio_api, telegram_api):
    rt = Runtime(configure(settings, twilio_api, telegram_api, twilio_mps=5), database, clock)
    twilio_api.enforce_rate(5)
    for i in range(16):
        queue_message(database, f"tel:+1559555{i:04d}", f"Message {i}", at=clock.now())
    summary, elapsed = timed_drain(rt, clock)
    assert summary.sent == 16 and summary.retried == 0
    assert twilio_api.violations == 0 and len(twilio_api.messages) == 16
    assert 2.9 <= elapsed <= 4.5  # 16 at 5/s: three full windows, then one more


def test_telegram_burst_holds_30_per_second_and_one_per_chat_per_second(
    provider_runtime, telegram_api, clock
):
    db = provider_runtime.database
    telegram_api.enforce_limits(global_mps=30, chat_mps=1)
    for chat in range(45):
        queue_message(db, f"telegram:{1000 + chat}", f"Hi {chat}", at=clock.now())
    for n in range(3):
        queue_message(db, "telegram:1000", f"More {n}", at=clock.now())
    dispatcher_for(provider_runtime)  # build the clients before the clock starts
    started = time.monotonic()
    summary = dispatch_all(provider_runtime, clock.now())
    elapsed = time.monotonic() - started
    assert summary.sent == 48 and summary.retried == 0
    assert telegram_api.violations == 0
    assert sent_count(db) == 48
    texts = [p["text"] for p in telegram_api.sent() if p["chat_id"] == 1000]
    assert texts == ["Hi 0", "More 0", "More 1", "More 2"]  # order kept within a chat
    assert 2.9 <= elapsed <= 5  # chat 1000 needs four one-second slots


def test_over_rate_server_answers_are_retried_not_lost(provider_runtime, twilio_api, clock):
    db = provider_runtime.database
    twilio_api.enforce_rate(1)  # the account is slower than TWILIO_MPS says (20)
    for i in range(3):
        queue_message(db, f"tel:+1559556{i:04d}", f"Message {i}", at=clock.now())
    summary = dispatch_all(provider_runtime, clock.now())
    assert summary.sent == 1 and summary.retried == 2
    with db.transaction() as s:
        waiting = s.scalars(select(OutboxMessage).where(OutboxMessage.status == "pending")).all()
        assert all("429" in w.last_error and w.not_before > clock.now() for w in waiting)


def test_sends_in_flight_keep_the_limit_and_beat_one_at_a_time(
    settings, database, clock, twilio_api, telegram_api
):
    rt = Runtime(configure(settings, twilio_api, telegram_api, twilio_mps=50), database, clock)
    assert dispatcher_for(rt).concurrency == 5  # ⌈50/s × 0.1 s⌉ sends in flight
    twilio_api.enforce_rate(50)
    twilio_api.respond_after(0.05)  # one at a time would cap the worker at 20/s
    for i in range(80):  # two recipients write-heavy, the rest one message each
        urn = ("tel:+15595550001", "tel:+15595550002")[i % 2] if i < 20 else f"tel:+1559556{i:04d}"
        queue_message(database, urn, f"Message {i}", at=clock.now())
    summary, elapsed = timed_drain(rt, clock)
    assert summary.sent == 80 and twilio_api.violations == 0
    for first in (0, 1):
        to_one = [m["Body"] for m in twilio_api.messages if m["To"] == f"+1559555000{first + 1}"]
        # in the order queued (a recipient's next send waits for the one in flight; the
        # reordering it prevents is seen in test_supervisor_e2e's notices)
        assert to_one == [f"Message {i}" for i in range(first, 20, 2)]
    assert elapsed < 80 / 20  # faster than one send at a time could go

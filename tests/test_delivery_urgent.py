"""Urgent rows before non-urgent ones, leases a live worker keeps, and the shared rate
limit, with the real dispatcher against the local Twilio server."""

from __future__ import annotations

import threading
import time
from collections import Counter
from datetime import UTC, datetime

from sqlalchemy import select

from bot.clock import SystemClock
from bot.dispatch import close_dispatcher, dispatch_once, dispatcher_for, stop_dispatcher
from bot.runtime import Runtime
from db.models import OutboxMessage, RateBucket
from tests.support.providers import configure, queue_message
from tests.support.workers import count_status, queue_many, wait_until


def run_passes(rt: Runtime, stop: threading.Event) -> threading.Thread:
    """A worker's outbox loop on a thread: pass after pass until `stop`."""

    def loop() -> None:
        while not stop.is_set():
            dispatch_once(rt, rt.clock.now())
            stop.wait(0.05)

    thread = threading.Thread(target=loop, daemon=True)
    thread.start()
    return thread


def test_an_urgent_message_is_the_next_sent_ahead_of_5000_queued(
    settings, database, clock, twilio_api, telegram_api
):
    rt = Runtime(configure(settings, twilio_api, telegram_api, twilio_mps=1), database, clock)
    twilio_api.enforce_rate(1)
    queue_many(database, 5000, "Reminder", at=clock.now(), urgent=False)
    stop = threading.Event()
    thread = run_passes(rt, stop)
    try:
        assert wait_until(lambda: len(twilio_api.messages) >= 2, 30)
        before = len(twilio_api.messages)
        queue_message(database, "tel:+15595550190", "You're clocked in at 9:02.", at=clock.now())
        assert wait_until(lambda: len(twilio_api.messages) > before, 10)
        assert twilio_api.messages[before]["Body"] == "You're clocked in at 9:02."
    finally:
        stop.set()
        stop_dispatcher(rt)
        thread.join(timeout=30)
        close_dispatcher(rt)
    assert twilio_api.violations == 0


def test_a_live_worker_keeps_its_rows_past_the_lease_by_renewing_it(
    settings, database, twilio_api, telegram_api
):
    st = configure(settings, twilio_api, telegram_api, twilio_mps=20, dispatch_lease_s=1.0)
    slow, other = Runtime(st, database, SystemClock()), Runtime(st, database, SystemClock())
    # ten sends, two at a time at 20/s (bot.dispatch.concurrency): about 2.5 s, two and a
    # half leases; a lease of 1 s leaves a busy machine's heartbeat room to run late
    twilio_api.respond_after(0.5)
    texts = queue_many(database, 10, "Receipt", at=datetime.now(UTC))
    stop = threading.Event()
    dispatcher_for(other)
    thread = threading.Thread(target=lambda: dispatch_once(slow, slow.clock.now()))
    thread.start()
    recovered = 0
    try:
        while thread.is_alive():  # another worker looks for lapsed leases all along
            recovered += dispatch_once(other, other.clock.now()).recovered
            time.sleep(0.1)
    finally:
        stop.set()
        thread.join(timeout=30)
        close_dispatcher(slow)
        close_dispatcher(other)
    assert recovered == 0
    assert Counter(m["Body"] for m in twilio_api.messages) == Counter(texts)
    assert count_status(database, "sent") == 10


def test_two_dispatchers_share_one_twilio_limit_through_the_database(
    settings, database, twilio_api, telegram_api
):
    st = configure(settings, twilio_api, telegram_api, twilio_mps=5)
    a, b = Runtime(st, database, SystemClock()), Runtime(st, database, SystemClock())
    twilio_api.enforce_rate(5)
    queue_many(database, 20, "Reminder", at=datetime.now(UTC))
    dispatcher_for(a), dispatcher_for(b)
    stop = threading.Event()
    threads = [run_passes(a, stop), run_passes(b, stop)]
    try:
        assert wait_until(lambda: count_status(database, "sent") == 20, 30)
    finally:
        stop.set()
        for rt in (a, b):
            stop_dispatcher(rt)
        for thread in threads:
            thread.join(timeout=30)
        close_dispatcher(a)
        close_dispatcher(b)
    assert twilio_api.violations == 0 and len(twilio_api.messages) == 20
    with database.transaction() as s:
        # one limit per provider account (SMS and WhatsApp share it), counted in the database
        assert s.scalar(select(RateBucket.key)) == "twilio"
        assert s.scalar(select(OutboxMessage.claimed_by).where(OutboxMessage.id == 1)) is None

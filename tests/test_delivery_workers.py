"""Delivery across worker processes: the real `wbl worker`, several at once or killed
mid-batch, against the local Twilio server (which counts every request over the rate)."""

from __future__ import annotations

import re
import statistics
import time
from collections import Counter
from datetime import UTC, datetime

from bot.dispatch import concurrency
from tests.conftest import PG_URL
from tests.support.workers import count_status, queue_many, wait_until


def test_a_worker_killed_mid_send_loses_nothing_and_repeats_only_the_sends_in_flight(
    database, twilio_api, workers, settings
):
    twilio_api.respond_after(0.1)  # each send is under way for a while: the kill lands in one
    texts = queue_many(database, 30, "Receipt", at=datetime.now(UTC))
    first = workers.start(twilio_api, mps=20, lease=2)
    assert wait_until(lambda: len(twilio_api.messages) >= 5, 90), first.output()[-2000:]
    workers.kill(first)  # SIGKILL while the provider holds its fifth (or a later) send
    killed_at = time.monotonic()
    stuck = count_status(database, "sending")
    assert stuck > 1  # the send in flight and the rest of its batch, not yet attempted
    second = workers.start(twilio_api, mps=20, lease=2)
    assert wait_until(lambda: count_status(database, "sent") == 30, 60), second.output()[-2000:]
    recovered_in = time.monotonic() - killed_at
    bodies = Counter(m["Body"] for m in twilio_api.messages)
    assert set(bodies) == set(texts)
    # only the sends in flight may repeat: at 20/s a worker keeps two (bot.dispatch.concurrency)
    in_flight = concurrency(settings.with_(twilio_account_sid="AC1", twilio_mps=20.0))
    assert in_flight == 2
    assert sum(n - 1 for n in bodies.values()) <= in_flight
    assert recovered_in < 60
    assert "recovered" in second.output()


def test_three_workers_together_stay_under_twilio_mps_and_use_it(database, twilio_api, workers):
    twilio_api.enforce_rate(10)
    group = [workers.start(twilio_api, mps=10) for _ in range(3)]
    assert wait_until(lambda: all(w.started() for w in group), 90)
    time.sleep(1.5)  # every worker has run a pass and is polling the outbox
    n = 110
    queue_many(database, n, "Reminder", at=datetime.now(UTC))
    assert wait_until(lambda: count_status(database, "sent") == n, 60)
    assert twilio_api.violations == 0 and twilio_api.rejected == 0
    arrivals = twilio_api.arrivals
    assert len(arrivals) == n
    # the rate kept up: ten consecutive sends may span no less than the 1-s window
    spans = [arrivals[i + 10] - arrivals[i] for i in range(n - 10)]
    sustained = 10 / statistics.mean(spans)
    whole = (n - 10) / (arrivals[-1] - arrivals[0])  # with the start-up: the first ten at once
    # SQLite has one writer at a time: a deployment on it runs one worker. The thresholds
    # leave room for a busy machine (an idle one gives 9.7-9.8/s sustained); how close
    # to the limit a worker gets is bench_dispatch's to measure, not a test's to time.
    if PG_URL:
        assert sustained >= 8.0 and whole >= 7.5, f"{sustained:.2f}/s, {whole:.2f}/s"

    def sent_by() -> list[int]:
        return [len(re.findall(r"outbox \d+ sent", w.output())) for w in group]

    # a worker logs "sent" just after it commits the row: give its last line time to land
    wait_until(lambda: sum(sent_by()) == n, 10)
    counts = sent_by()
    assert sum(counts) == n and sum(1 for k in counts if k) >= 2, counts

"""Urgent before non-urgent: a clock-in receipt behind 5,000 queued reminders.

    python -m bench.bench_urgent [--backlog 5000] [--rounds 5] [--database-url postgresql://...]

The real worker loop (`bot.scheduler.run_worker`, as `wbl worker` runs it) sends through
the real twilio client to the local Twilio server (tests/support/providers.py), which
enforces TWILIO_MPS=1 and answers 429 over it. A clock-in receipt is an urgent outbox
row, as the check-in flow writes it; its latency is from just before its transaction
starts to its arrival at the provider.

Same run, two phases: the baseline (an empty outbox: each receipt waits only for the
worker's next look, at most a second) and the backlog (`--backlog` non-urgent reminders
queued first; each receipt is queued while the worker is sending them). Goal: every
receipt within 2 s behind the backlog, no 429s.
"""

from __future__ import annotations

import argparse
import logging
import statistics
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import delete

from bot.clock import SystemClock
from bot.dispatch import dispatcher_for
from bot.runtime import Runtime
from bot.scheduler import run_worker
from bot.settings import Settings
from db.migrate import upgrade
from db.models import OutboxMessage, RateBucket
from db.session import Database
from tests.support.providers import FakeTelegram, FakeTwilio, configure, queue_message
from tests.support.workers import queue_many, wait_until

GOAL_S = 2.0


def receipt_latency(database: Database, twilio: FakeTwilio, n: int) -> float:
    """Queue receipt `n`; seconds until the provider has it."""
    body = f"You're clocked in at Sunrise Bakery (receipt {n})."
    started = time.monotonic()
    queue_message(database, f"tel:+1209555{n:04d}", body, at=datetime.now(UTC))
    if not wait_until(lambda: any(m["Body"] == body for m in twilio.messages), 30, 0.005):
        return float("inf")
    index = next(i for i, m in enumerate(twilio.messages) if m["Body"] == body)
    return twilio.arrivals[index] - started


def phase(database: Database, twilio: FakeTwilio, rounds: int, first: int) -> list[float]:
    latencies = []
    for n in range(first, first + rounds):
        latencies.append(receipt_latency(database, twilio, n))
        time.sleep(1.3)  # let the next slot (1/s) go to the backlog, if any
    return latencies


def show(name: str, latencies: list[float]) -> None:
    print(
        f"{name:9} receipts={len(latencies)} p50={statistics.median(latencies):5.2f}s "
        f"max={max(latencies):5.2f}s  " + " ".join(f"{x:.2f}" for x in latencies)
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backlog", type=int, default=5000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--database-url", default="")
    ns = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    url = ns.database_url or f"sqlite:///{Path(tempfile.mkdtemp()) / 'bench.sqlite3'}"
    upgrade(url)
    database = Database(url)
    with database.transaction() as s:
        s.execute(delete(OutboxMessage))
        s.execute(delete(RateBucket))
    twilio, telegram = FakeTwilio(), FakeTelegram()
    twilio.enforce_rate(1)
    base = Settings(database_url=url, secret_key="bench-secret", public_base_url="https://b.test")
    # quiet hours off: the reminders must be sendable whatever the hour the bench runs at
    settings = configure(base, twilio, telegram, twilio_mps=1, quiet_start_hour=0, quiet_end_hour=0)
    runtime = Runtime(settings, database, SystemClock())
    dispatcher_for(runtime)  # build the clients first, as a running worker has
    stop = threading.Event()
    worker = threading.Thread(target=run_worker, args=(runtime, stop), daemon=True)
    worker.start()
    print(f"database={database.engine.dialect.name} TWILIO_MPS=1 backlog={ns.backlog}")
    try:
        time.sleep(2)  # the worker is up and polling
        baseline = phase(database, twilio, ns.rounds, 0)
        queue_many(database, ns.backlog, "Reminder", at=datetime.now(UTC), urgent=False)
        wait_until(lambda: len(twilio.messages) >= ns.rounds + 3, 30)  # sending the backlog
        backlog = phase(database, twilio, ns.rounds, 1000)
    finally:
        stop.set()
        worker.join(timeout=30)
    reminders = sum(1 for m in twilio.messages if m["Body"].startswith("Reminder"))
    show("baseline", baseline)
    show("backlog", backlog)
    ratio = statistics.median(backlog) / statistics.median(baseline)
    verdict = "PASS" if max(backlog) <= GOAL_S and twilio.violations == 0 else "FAIL"
    print(
        f"backlog/baseline p50 = {ratio:.2f}x; reminders sent meanwhile={reminders}, "
        f"still queued={ns.backlog - reminders}; 429s={twilio.violations}; "
        f"goal: every receipt <= {GOAL_S:.0f}s behind the backlog: {verdict}"
    )
    twilio.stop()
    telegram.stop()
    database.dispose()


if __name__ == "__main__":
    main()

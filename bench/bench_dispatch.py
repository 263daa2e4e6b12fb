"""Outbox dispatcher throughput against local providers that enforce their rate limits.

    python -m bench.bench_dispatch [--rate 100] [--latency 0.05] [--messages 1500]
                                   [--workers 1] [--chats 100] [--tiers]
                                   [--database-url postgresql://...]

Fills the outbox, starts the local Twilio server (tests/support/providers.py) enforcing
`--rate` messages/s and answering each message `--latency` seconds late, and runs the
real dispatcher (real twilio client, TWILIO_MPS=rate) in `--workers` workers at once
(each its own worker id, as separate `wbl worker` processes would be; the rate limit
is shared through the database); then the same for Telegram at 30/s overall and 1/s
per chat over `--chats` chats. Reports the achieved rate as a fraction of the
configured one (goal >= 95%) and the 429s the servers had to answer (goal 0).
`--tiers` measures one worker at each Twilio tier's rate and prints how long the
start-of-term consent wave (75,000 guardians for 50,000 students) takes at it.

"steady rate" = (messages - one window's worth) / (last arrival - first arrival): the
provider admits one window's worth at once, so counting from the first arrival, every
further message needed time at the limit.
"""

from __future__ import annotations

import argparse
import logging
import tempfile
import threading
import time
from pathlib import Path

from sqlalchemy import delete, insert

from bot.clock import SystemClock
from bot.dispatch import Dispatcher
from bot.settings import Settings
from db.migrate import upgrade
from db.models import OutboxMessage, RateBucket
from db.session import Database
from tests.support.providers import FakeTelegram, FakeTwilio, configure

WAVE = 75_000  # consent requests at the start of term: 1.5 guardians a student, 50,000
TIERS = {  # Twilio's sending rates (messages a second) by number type
    "long code (10DLC, low tier)": 1.0,
    "toll-free": 3.0,
    "long code (10DLC, higher tier)": 10.0,
    "short code": 100.0,
}


def reset(database: Database) -> None:
    """Empty the outbox and the rate rows so runs don't see each other's."""
    with database.transaction() as s:
        s.execute(delete(OutboxMessage))
        s.execute(delete(RateBucket))


def fill(database: Database, urns: list[str]) -> None:
    """Queue one pending, urgent message per urn (urgent: no quiet hours, no daily cap)."""
    with database.transaction() as s:
        now = SystemClock().now()
        s.execute(
            insert(OutboxMessage),
            [
                dict(
                    urn=urn,
                    channel="telegram" if urn.startswith("telegram:") else "sms",
                    text=f"Reminder {i}",
                    urgent=True,
                    category="bench",
                    status="pending",
                    attempts=0,
                    not_before=now,
                    created_at=now,
                )
                for i, urn in enumerate(urns)
            ],
        )


def drain(settings: Settings, database: Database, workers: int) -> tuple[int, float, int]:
    """`workers` dispatchers pass after pass until the outbox is empty: (sent, wall, retried)."""
    dispatchers = [Dispatcher(settings, database) for _ in range(workers)]
    totals = {"sent": 0, "retried": 0}
    lock = threading.Lock()

    def work(d: Dispatcher) -> None:
        idle = 0
        while idle < 2:
            summary = d.run_once(SystemClock().now())
            with lock:
                totals["sent"] += summary.sent
                totals["retried"] += summary.retried
            idle = idle + 1 if summary.handled == 0 and not summary.waiting else 0
            if idle:
                time.sleep(0.2)

    threads = [threading.Thread(target=work, args=(d,)) for d in dispatchers]
    started = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.monotonic() - started
    for d in dispatchers:
        d.close()
    return totals["sent"], wall, totals["retried"]


def report(name: str, server: FakeTwilio | FakeTelegram, n: int, limit: float, run: tuple) -> float:
    sent, wall, retried = run
    arrivals = sorted(server.arrivals)
    window = max(1, int(limit))
    span = arrivals[-1] - arrivals[0] if len(arrivals) > 1 else 0.0
    steady = (len(arrivals) - window) / span if span else float("nan")
    print(
        f"{name:9} sent={sent}/{n} wall={wall:6.2f}s steady_rate={steady:6.2f}/s "
        f"= {steady / limit:6.1%} of {limit:g}/s  429s={server.violations} retried={retried}",
        flush=True,
    )
    return steady


def bench_twilio(
    base: Settings, database: Database, rate: float, n: int, latency: float, workers: int
) -> float:
    twilio, telegram = FakeTwilio(), FakeTelegram()
    try:
        twilio.enforce_rate(rate)
        twilio.respond_after(latency)
        settings = configure(base, twilio, telegram, twilio_mps=rate)
        reset(database)
        fill(database, [f"tel:+1415{i:07d}" for i in range(n)])
        return report("twilio", twilio, n, rate, drain(settings, database, workers))
    finally:
        twilio.stop()
        telegram.stop()


def bench_telegram(
    base: Settings, database: Database, n: int, chats: int, latency: float, workers: int
) -> float:
    twilio, telegram = FakeTwilio(), FakeTelegram()
    try:
        telegram.enforce_limits(global_mps=30, chat_mps=1)
        telegram.respond_after(latency)
        settings = configure(base, twilio, telegram)
        reset(database)
        fill(database, [f"telegram:{100000 + i % chats}" for i in range(n)])
        return report("telegram", telegram, n, 30.0, drain(settings, database, workers))
    finally:
        twilio.stop()
        telegram.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=100.0, help="TWILIO_MPS to configure")
    parser.add_argument("--latency", type=float, default=0.05, help="provider answer delay, s")
    parser.add_argument("--messages", type=int, default=1500)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--chats", type=int, default=100, help="Telegram chats to spread over")
    parser.add_argument("--tiers", action="store_true", help="each Twilio tier; the wave")
    parser.add_argument("--database-url", default="")
    ns = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    url = ns.database_url or f"sqlite:///{Path(tempfile.mkdtemp()) / 'bench.sqlite3'}"
    upgrade(url)
    database = Database(url)
    settings = Settings(
        database_url=url, secret_key="bench-secret", public_base_url="https://b.test"
    )
    print(
        f"database={database.engine.dialect.name} workers={ns.workers} "
        f"latency={ns.latency * 1000:.0f}ms (sends in flight per worker: bot.dispatch.concurrency)"
    )
    if ns.tiers:
        for tier, rate in TIERS.items():
            n = max(30, int(rate * 15))  # ~15 s of sending at the tier's rate
            steady = bench_twilio(settings, database, rate, n, ns.latency, ns.workers)
            hours = WAVE / steady / 3600
            print(
                f"  {tier}: {rate:g}/s -> consent wave of {WAVE:,} in {hours:.1f} h "
                f"({hours * 60:.0f} min)",
                flush=True,
            )
    else:
        bench_twilio(settings, database, ns.rate, ns.messages, ns.latency, ns.workers)
        bench_telegram(settings, database, ns.messages // 3, ns.chats, ns.latency, ns.workers)
    database.dispose()


if __name__ == "__main__":
    main()

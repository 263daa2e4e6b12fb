"""Outbox dispatcher throughput against local providers that enforce their rate limits.

    python -m bench.bench_dispatch [--rate 10] [--messages 300] [--chats 100]
                                   [--database-url postgresql://...]

Fills the outbox, starts the fake Twilio server (tests/support/providers.py) enforcing
`--rate` messages/s and runs the real dispatcher (real twilio client, TWILIO_MPS=rate);
then the same for Telegram at 30/s overall and 1/s per chat over `--chats` chats. Reports
the achieved rate as a fraction of the configured one (goal >= 95%) and the number of
429s the servers had to answer (goal 0).

"steady rate" = (messages - one window's worth) / (last arrival - first arrival): the
provider admits one window's worth at once, so counting from the first arrival, every
further message needed time at the limit.
"""

from __future__ import annotations

import argparse
import logging
import tempfile
import time
from pathlib import Path

from bot.clock import SystemClock
from bot.dispatch import close_dispatcher, dispatch_all
from bot.runtime import Runtime
from bot.settings import Settings
from db.migrate import upgrade
from db.session import Database
from tests.support.providers import FakeTelegram, FakeTwilio, configure, queue_message


def reset(database: Database) -> None:
    """Empty the outbox so runs don't see each other's rows."""
    from sqlalchemy import delete

    from db.models import OutboxMessage

    with database.transaction() as s:
        s.execute(delete(OutboxMessage))


def bench_twilio(settings: Settings, database: Database, rate: float, n: int) -> float:
    twilio, telegram = FakeTwilio(), FakeTelegram()
    try:
        twilio.enforce_rate(rate)
        rt = Runtime(
            configure(settings, twilio, telegram, twilio_mps=rate), database, SystemClock()
        )
        now = rt.clock.now()
        for i in range(n):
            queue_message(database, f"tel:+1415555{i:04d}", f"Reminder {i}", at=now)
        try:
            return _run("twilio", rt, twilio, n, rate)
        finally:
            close_dispatcher(rt)
    finally:
        twilio.stop()
        telegram.stop()


def _run(name: str, rt: Runtime, server: FakeTwilio | FakeTelegram, n: int, limit: float) -> float:
    started = time.monotonic()
    summary = dispatch_all(rt, rt.clock.now())
    wall = time.monotonic() - started
    arrivals = server.arrivals
    window = max(1, int(limit))
    span = arrivals[-1] - arrivals[0] if len(arrivals) > 1 else 0.0
    steady = (len(arrivals) - window) / span if span else float("nan")
    print(
        f"{name:9} sent={summary.sent}/{n} wall={wall:6.2f}s "
        f"wall_rate={summary.sent / wall:6.2f}/s steady_rate={steady:6.2f}/s "
        f"= {steady / limit:6.1%} of {limit:g}/s  429s={server.violations}"
        f" retried={summary.retried}"
    )
    return steady / limit


def bench_telegram(settings: Settings, database: Database, n: int, chats: int) -> float:
    twilio, telegram = FakeTwilio(), FakeTelegram()
    try:
        telegram.enforce_limits(global_mps=30, chat_mps=1)
        rt = Runtime(configure(settings, twilio, telegram), database, SystemClock())
        now = rt.clock.now()
        for i in range(n):
            queue_message(database, f"telegram:{100000 + i % chats}", f"Reminder {i}", at=now)
        try:
            return _run("telegram", rt, telegram, n, 30.0)
        finally:
            close_dispatcher(rt)
    finally:
        twilio.stop()
        telegram.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=10.0, help="TWILIO_MPS to configure")
    parser.add_argument("--messages", type=int, default=300)
    parser.add_argument("--chats", type=int, default=100, help="Telegram chats to spread over")
    parser.add_argument("--database-url", default="")
    ns = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    url = ns.database_url or f"sqlite:///{Path(tempfile.mkdtemp()) / 'bench.sqlite3'}"
    upgrade(url)
    database = Database(url)
    settings = Settings(database_url=url, secret_key="bench-secret")
    print(f"database={database.engine.dialect.name} messages={ns.messages}")
    reset(database)
    bench_twilio(settings, database, ns.rate, ns.messages)
    reset(database)
    bench_telegram(settings, database, ns.messages, ns.chats)
    database.dispose()


if __name__ == "__main__":
    main()

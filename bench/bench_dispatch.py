"""Outbox dispatcher throughput: real `wbl worker` processes against local providers
(each in a process of its own) that enforce their rate limits.

    python -m bench.bench_dispatch [--rate 100] [--latency 0.05] [--messages 1500]
                                   [--workers 1] [--chats 100] [--tiers] [--repeat 1]
                                   [--database-url postgresql://...]

Starts the local Twilio server (tests/support/providers.py, run by bench.provider_server
in its own process) enforcing `--rate` messages/s (429 over it) and answering each
message `--latency` seconds late, and the local Telegram server (30/s overall, 1/s a
chat, the same latency); starts `--workers` `wbl worker` processes configured for both
(TWILIO_MPS=rate; the rate limit is shared through the database), waits until each has
started, queues the messages and times the outbox's drain: first `--messages` SMS, then a
third as many Telegram messages over `--chats` chats. Reports the achieved rate as a
fraction of the limit (goal >= 95%), the 429s the servers answered (goal 0) and the
workers' CPU per message. `--tiers` measures each Twilio tier's rate and prints how long
the start-of-term consent wave (75,000 guardians for 50,000 students) takes at it.

"steady rate" = (messages - one window's worth) / (last arrival - first arrival): the
provider admits one window's worth at once, so counting from the first arrival, every
further message needed time at the limit.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import delete, func, insert, select

from bench import proc_cpu
from bench.harness import machine_state
from bot.clock import SystemClock
from db.migrate import upgrade
from db.models import OutboxMessage, RateBucket
from db.session import Database

ROOT = Path(__file__).resolve().parents[1]
WAVE = 75_000  # consent requests at the start of term: 1.5 guardians a student, 50,000
TIERS = {  # Twilio's sending rates (messages a second) by number type
    "long code (10DLC, low tier)": 1.0,
    "toll-free": 3.0,
    "long code (10DLC, higher tier)": 10.0,
    "short code": 100.0,
}


class Provider:
    """bench.provider_server in a child process."""

    def __init__(self, kind: str, rate: float, latency: float) -> None:
        cmd = [sys.executable, "-m", "bench.provider_server", kind]
        cmd += ["--rate", str(rate), "--latency", str(latency)]
        self.proc = subprocess.Popen(
            cmd, cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
        )
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self._in, self._out = self.proc.stdin, self.proc.stdout
        self.info: dict[str, str] = json.loads(self._out.readline())

    def report(self) -> tuple[list[float], int]:
        """(arrival instants, 429s answered over the limit)."""
        data = self.report_all()
        return sorted(data["arrivals"]), int(data["violations"])

    def report_all(self) -> dict:
        """Arrivals, violations and the texts of the messages accepted."""
        self._in.write("report\n")
        self._in.flush()
        return dict(json.loads(self._out.readline()))

    def stop(self) -> None:
        self._in.close()
        self.proc.wait(timeout=10)


@dataclass
class Worker:
    proc: subprocess.Popen[bytes]
    log: Path

    def started(self) -> bool:
        return "worker started" in self.log.read_text(errors="replace")

    def stop(self) -> None:
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def start_worker(
    url: str,
    twilio: Provider,
    telegram: Provider | None,
    rate: float,
    concurrency: int,
    log: Path,
) -> Worker:
    """`wbl worker` configured for the local providers."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("TWILIO_", "TELEGRAM_", "WBL_", "DATABASE_URL"))
    }
    env |= {
        "DATABASE_URL": url,
        "SECRET_KEY": "bench-secret",
        "PUBLIC_BASE_URL": "https://b.test",
        "TWILIO_ACCOUNT_SID": twilio.info["sid"],
        "TWILIO_AUTH_TOKEN": twilio.info["token"],
        "TWILIO_FROM_NUMBER": "+12095550100",
        "TWILIO_API_BASE_URL": twilio.info["url"],
        "TWILIO_MPS": str(rate),
        "WBL_DISPATCH_CONCURRENCY": str(concurrency),
        "PYTHONPATH": str(ROOT),
    }
    if telegram is not None:
        env |= {
            "TELEGRAM_BOT_TOKEN": telegram.info["token"],
            "TELEGRAM_WEBHOOK_SECRET": "bench-webhook-secret",
            "TELEGRAM_API_BASE_URL": telegram.info["url"],
        }
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "bot.cli", "worker"],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    return Worker(proc, log)


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


def unfinished(database: Database) -> int:
    with database.transaction() as s:
        stmt = select(func.count()).where(OutboxMessage.status.in_(("pending", "sending")))
        return int(s.scalar(stmt) or 0)


def sent(database: Database) -> int:
    with database.transaction() as s:
        return int(s.scalar(select(func.count()).where(OutboxMessage.status == "sent")) or 0)


@dataclass
class Run:
    name: str
    limit: float
    messages: int
    sent: int
    wall: float
    arrivals: list[float]
    violations: int
    cpu: float  # seconds the workers spent

    @property
    def steady(self) -> float:
        window = max(1, int(self.limit))
        span = self.arrivals[-1] - self.arrivals[0] if len(self.arrivals) > 1 else 0.0
        return (len(self.arrivals) - window) / span if span else float("nan")

    def line(self) -> str:
        return (
            f"{self.name:9} sent={self.sent}/{self.messages} wall={self.wall:6.2f}s "
            f"steady_rate={self.steady:6.2f}/s = {self.steady / self.limit:6.1%} of "
            f"{self.limit:g}/s  429s={self.violations}  "
            f"worker CPU/msg={self.cpu * 1000 / max(1, self.sent):.2f} ms  ({machine_state()})"
        )


def measure(
    url: str, database: Database, ns: argparse.Namespace, rate: float, sms: int, tg: int
) -> list[Run]:
    """Start the providers and the workers, then drain `sms` SMS and `tg` Telegram rows."""
    twilio = Provider("twilio", rate, ns.latency)
    telegram = Provider("telegram", rate, ns.latency)
    logs = Path(tempfile.mkdtemp(prefix="bench-dispatch-"))
    workers: list[Worker] = []
    try:
        reset(database)
        workers = [
            start_worker(url, twilio, telegram, rate, ns.concurrency, logs / f"worker-{i}.log")
            for i in range(ns.workers)
        ]
        deadline = time.monotonic() + 60
        while not all(w.started() for w in workers):
            if time.monotonic() > deadline:
                raise RuntimeError(f"a worker did not start; see {logs}")
            time.sleep(0.1)
        time.sleep(1.5)  # each has run its first pass and polls the outbox
        runs = []
        for name, provider, urns, limit in (
            ("twilio", twilio, [f"tel:+1415{i:07d}" for i in range(sms)], rate),
            ("telegram", telegram, [f"telegram:{100000 + i % ns.chats}" for i in range(tg)], 30.0),
        ):
            if not urns:
                continue
            reset(database)
            pids = [w.proc.pid for w in workers]
            cpu0 = proc_cpu.snapshot(pids)
            started = time.monotonic()
            fill(database, urns)
            while unfinished(database):
                time.sleep(0.05)
            wall = time.monotonic() - started
            cpu, _ = proc_cpu.spent(cpu0, proc_cpu.snapshot(pids))
            arrivals, violations = provider.report()
            n = sent(database)
            runs.append(Run(name, limit, len(urns), n, wall, arrivals, violations, cpu))
            print(runs[-1].line(), flush=True)
        return runs
    finally:
        for w in workers:
            w.stop()
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
    parser.add_argument("--repeat", type=int, default=1, help="runs, one after another")
    parser.add_argument("--concurrency", type=int, default=0, help="WBL_DISPATCH_CONCURRENCY")
    parser.add_argument("--database-url", default="")
    ns = parser.parse_args()
    url = ns.database_url or f"sqlite:///{Path(tempfile.mkdtemp()) / 'bench.sqlite3'}"
    upgrade(url)
    database = Database(url)
    print(
        f"database={database.engine.dialect.name} workers={ns.workers} "
        f"latency={ns.latency * 1000:.0f}ms concurrency={ns.concurrency or 'auto'} "
        f"({machine_state()})",
        flush=True,
    )
    for _ in range(ns.repeat):
        if not ns.tiers:
            measure(url, database, ns, ns.rate, ns.messages, ns.messages // 3)
            continue
        for tier, rate in TIERS.items():
            n = max(30, int(rate * 15))  # ~15 s of sending at the tier's rate
            (run,) = measure(url, database, ns, rate, n, 0)
            hours, at_limit = WAVE / run.steady / 3600, WAVE / rate / 3600
            print(
                f"  {tier}: {rate:g}/s -> consent wave of {WAVE:,} in {hours:.2f} h "
                f"({hours * 60:.1f} min; at the limit {at_limit * 60:.1f} min)",
                flush=True,
            )
    database.dispose()


if __name__ == "__main__":
    main()

"""The real `wbl worker` as separate processes, and a quick way to fill the outbox.

`workers` fixture: `.start(twilio, mps=10, lease=30)` runs `python -m bot.cli worker`
against the test database and the local Twilio server; `.kill(w)` sends SIGKILL (a crash);
every process still running at the end of the test is killed.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, insert, select

from db.models import OutboxMessage
from db.session import Database

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class Worker:
    proc: subprocess.Popen[bytes]
    log: Path

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def started(self) -> bool:
        return "worker started" in self.output()


class Workers:
    def __init__(self, database: Database, tmp_path: Path) -> None:
        self.database = database
        self.tmp_path = tmp_path
        self.running: list[Worker] = []

    def start(
        self, twilio: Any, *, mps: float = 10, lease: float = 30, database_url: str = ""
    ) -> Worker:
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("TWILIO_", "TELEGRAM_", "WBL_", "DATABASE_URL"))
        }
        env |= {
            "DATABASE_URL": database_url or self.database.url,
            "SECRET_KEY": "worker-test-secret",
            "PUBLIC_BASE_URL": "https://wbl.example.test",
            "TWILIO_ACCOUNT_SID": twilio.account_sid,
            "TWILIO_AUTH_TOKEN": twilio.auth_token,
            "TWILIO_FROM_NUMBER": "+12095550100",
            "TWILIO_API_BASE_URL": twilio.url,
            "TWILIO_MPS": str(mps),
            "WBL_DISPATCH_LEASE_S": str(lease),
            "PYTHONPATH": str(ROOT),
        }
        log = self.tmp_path / f"worker-{len(self.running)}.log"
        with log.open("wb") as out:
            proc = subprocess.Popen(
                [sys.executable, "-m", "bot.cli", "worker"],
                env=env,
                cwd=ROOT,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        worker = Worker(proc, log)
        self.running.append(worker)
        return worker

    def kill(self, worker: Worker) -> None:
        worker.proc.send_signal(signal.SIGKILL)
        worker.proc.wait(timeout=10)

    def stop_all(self) -> None:
        for worker in self.running:
            if worker.proc.poll() is None:
                worker.proc.send_signal(signal.SIGKILL)
                worker.proc.wait(timeout=10)


@pytest.fixture
def workers(database: Database, tmp_path: Path) -> Iterator[Workers]:
    group = Workers(database, tmp_path)
    try:
        yield group
    finally:
        group.stop_all()


def wait_until(condition: Callable[[], bool], timeout: float, every: float = 0.02) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(every)
    return condition()


def queue_many(
    database: Database, n: int, prefix: str, *, at: datetime, urgent: bool = True
) -> list[str]:
    """Queue `n` SMS rows to `n` numbers in one transaction; their texts."""
    texts = [f"{prefix} {i}" for i in range(n)]
    rows = [
        {
            "urn": f"tel:+1415555{i:04d}",
            "channel": "sms",
            "text": text,
            "buttons": [],
            "extra": {},
            "urgent": urgent,
            "category": "reply" if urgent else "reminder",
            "status": "pending",
            "attempts": 0,
            "not_before": at,
            "created_at": at,
        }
        for i, text in enumerate(texts)
    ]
    with database.transaction() as s:
        s.execute(insert(OutboxMessage), rows)
    return texts


def count_status(database: Database, status: str) -> int:
    with database.transaction() as s:
        return int(s.scalar(select(func.count()).where(OutboxMessage.status == status)) or 0)

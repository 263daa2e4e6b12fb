"""More than one machine: two `wbl serve` processes and two `wbl worker`s on one PostgreSQL.

Everything that holds state is in the database, so web processes and workers on several
hosts behind a load balancer behave as one: here two web processes on two ports take
the load together (and Twilio's retries of the same message land on the other one),
while two workers drain the outbox within one shared rate limit. Short and bounded; the
load benchmarks are in bench/.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import requests
from sqlalchemy import func, select

from db.models import InboundMessage, OutboxMessage
from tests.conftest import PG_URL
from tests.support import pgbouncer
from tests.support.webhook_helpers import ACCOUNT_SID, AUTH_TOKEN, BASE, new_sid, signature
from tests.support.workers import count_status, queue_many, wait_until

ROOT = Path(__file__).resolve().parents[1]
PATH = "/webhooks/twilio/sms"

pytestmark = pytest.mark.skipif(not PG_URL, reason="several hosts share one PostgreSQL")


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _serve(database_url: str, log: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TWILIO_", "WBL_"))}
    env |= {
        "DATABASE_URL": database_url,
        "SECRET_KEY": "several-hosts-secret",
        "PUBLIC_BASE_URL": BASE,  # what Twilio signs: the load balancer's address
        "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
        "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
        "TWILIO_FROM_NUMBER": "+15005550006",
        "PYTHONPATH": str(ROOT),
    }
    cmd = [sys.executable, "-m", "bot.cli", "serve", "--port", str(port)]
    with log.open("wb") as out:
        proc = subprocess.Popen(
            cmd + ["--workers", "1", "--threads", "4"],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    return proc, f"http://127.0.0.1:{port}"


def _ready(base: str) -> bool:
    try:
        return requests.get(base + "/healthz", timeout=2).status_code == 200
    except requests.RequestException:
        return False


@pytest.fixture(params=["direct", "pgbouncer"])
def server_url(request, database) -> Iterator[str]:
    """The database as the processes reach it: directly, or through PgBouncer in
    transaction pooling (Debian's package; the README's several-hosts deployment)."""
    if request.param == "direct":
        yield database.url
        return
    if not pgbouncer.available():
        pytest.skip("pgbouncer is not installed (apt-get install pgbouncer)")
    bouncer = pgbouncer.start(database.url)
    try:
        yield bouncer.url
        assert "login attempt" in bouncer.log()  # the processes did come through it
    finally:
        bouncer.stop()


def test_two_web_processes_and_two_workers_share_one_postgresql(
    database, server_url, make, twilio_api, workers, tmp_path
):
    students = [make.student(guardians=0) for _ in range(12)]
    hosts = [_serve(server_url, tmp_path / f"web-{i}.log") for i in range(2)]
    twilio_api.enforce_rate(10)
    group = [workers.start(twilio_api, mps=10, database_url=server_url) for _ in range(2)]
    try:
        assert wait_until(lambda: all(_ready(base) for _, base in hosts), 60), [
            log.read_text() for log in tmp_path.glob("web-*.log")
        ]
        assert wait_until(lambda: all(w.started() for w in group), 60)
        queued = queue_many(database, 30, "Reminder", at=datetime.now(UTC))

        # 48 messages from 12 students, alternately to each host, 8 senders at once; then
        # Twilio's retry of each of the first 12 arrives at the *other* host
        forms = [
            {
                "AccountSid": ACCOUNT_SID,
                "MessageSid": new_sid(),
                "From": students[i % len(students)].phone or "",
                "To": "+15005550006",
                "Body": "HELP",
                "NumMedia": "0",
            }
            for i in range(48)
        ]
        answers: dict[str, list[str]] = {}
        served: Counter[str] = Counter()
        lock = threading.Lock()

        def post(form: dict[str, str], base: str) -> None:
            response = requests.post(
                base + PATH,
                data=form,
                headers={"X-Twilio-Signature": signature(PATH, form)},
                timeout=30,
            )
            with lock:
                answers.setdefault(form["MessageSid"], []).append(response.text)
                served[base] += response.status_code == 200 and "<Message>" in response.text

        def sender(index: int) -> None:
            for i in range(index, len(forms), 8):
                post(forms[i], hosts[i % 2][1])

        threads = [threading.Thread(target=sender, args=(k,)) for k in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        for i in range(12):
            post(forms[i], hosts[(i + 1) % 2][1])

        assert sum(served.values()) == 48 + 12
        assert all(served[base] >= 24 for _, base in hosts)  # both hosts took the load
        assert all(len(set(texts)) == 1 for texts in answers.values())  # a retry: same answer
        with database.transaction() as s:
            per_sid = Counter(
                s.scalars(select(InboundMessage.provider_id).where(InboundMessage.channel == "sms"))
            )
            statuses = Counter(s.scalars(select(InboundMessage.status)))
            replies = s.scalar(select(func.count()).where(OutboxMessage.in_reply_to.is_not(None)))
        assert sorted(per_sid) == sorted(f["MessageSid"] for f in forms)  # each once
        assert set(per_sid.values()) == {1}
        assert statuses == {"processed": 48}
        assert replies == 48  # one answer per message, none twice for a retry

        # the workers: every queued message sent exactly once, the shared 10/s held
        assert wait_until(lambda: len(twilio_api.messages) >= 30, 60)
        time.sleep(1.0)  # a message sent twice would have arrived by now
        assert count_status(database, "pending") == count_status(database, "sending") == 0
        bodies = Counter(m["Body"] for m in twilio_api.messages)
        assert sorted(bodies) == sorted(queued) and set(bodies.values()) == {1}
        assert twilio_api.violations == 0 and twilio_api.rejected == 0
    finally:
        for proc, _ in hosts:
            proc.send_signal(signal.SIGTERM)
        for proc, _ in hosts:
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()


def test_a_pooled_connection_idle_a_while_is_checked_and_replaced_when_dead(database, monkeypatch):
    from sqlalchemy import text

    from db import session as sessions

    engine = sessions.make_engine(database.url)
    try:
        with engine.connect() as conn:
            first = conn.execute(text("SELECT pg_backend_pid()")).scalar_one()
        with database.engine.begin() as other:  # the server drops it (a restart, a firewall)
            other.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": first})
        monkeypatch.setattr(sessions, "IDLE_PING_S", 0.0)  # it has been idle long enough
        with engine.connect() as conn:
            again = conn.execute(text("SELECT pg_backend_pid()")).scalar_one()
        assert again != first  # checked, found dead, replaced: the caller saw no error
    finally:
        engine.dispose()

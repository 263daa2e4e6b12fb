"""Leases on claimed outbox rows: a live worker keeps its rows, a dead one's come back.

A dispatcher claims rows (status `sending`) with `claimed_by` = its worker id and
`lease_until` = now + the lease (`WBL_DISPATCH_LEASE_S`, 30 s by default). While its
batch is in progress a `Heartbeat` renews the lease every third of it. A worker killed
mid-batch renews nothing: once its lease has lapsed, the next pass of any worker puts
its rows back to pending (`recover_expired`), so they go out within a lease and a pass.

The row whose send was under way when the worker died may have reached the provider
(Twilio and Telegram take no idempotency key on send): it is sent again. A worker has one
send in flight at a time, so a crash causes at most one duplicate. On a clean stop the
rows not yet attempted are given back at once (`release`).
"""

from __future__ import annotations

import logging
import os
import secrets
import socket
import threading
from collections.abc import Callable
from datetime import datetime
from types import TracebackType

from sqlalchemy import update
from sqlalchemy.orm import Session

from bot.statuses import OutboxStatus
from db.models import OutboxMessage
from db.session import Database

log = logging.getLogger("wbl.dispatch")


def worker_id() -> str:
    """This process's name on the rows it claims: host, process id and a random tag."""
    return f"{socket.gethostname()[:40]}:{os.getpid()}:{secrets.token_hex(4)}"


def recover_expired(database: Database, now: datetime) -> int:
    """Put `sending` rows whose lease lapsed (their worker died) back to pending."""
    with database.transaction() as s:
        result = s.execute(
            update(OutboxMessage)
            .where(
                OutboxMessage.status == OutboxStatus.SENDING,
                (OutboxMessage.lease_until < now) | OutboxMessage.lease_until.is_(None),
            )
            .values(
                status=OutboxStatus.PENDING,
                claimed_by=None,
                lease_until=None,
                last_error="lease lapsed: its worker stopped mid-batch (it may have been sent)",
            )
        )
        count = int(result.rowcount or 0)  # type: ignore[attr-defined]
    if count:
        log.warning("recovered %d outbox rows whose worker stopped", count)
    return count


def renew(s: Session, worker: str, until: datetime) -> int:
    """Extend the lease of every row `worker` still holds."""
    result = s.execute(
        update(OutboxMessage)
        .where(OutboxMessage.status == OutboxStatus.SENDING, OutboxMessage.claimed_by == worker)
        .values(lease_until=until)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def release(s: Session, worker: str, ids: list[int]) -> int:
    """Give back rows `worker` claimed but never tried to send (the attempt is not counted)."""
    if not ids:
        return 0
    result = s.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.id.in_(ids),
            OutboxMessage.status == OutboxStatus.SENDING,
            OutboxMessage.claimed_by == worker,
        )
        .values(
            status=OutboxStatus.PENDING,
            claimed_by=None,
            lease_until=None,
            attempts=OutboxMessage.attempts - 1,
        )
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


class Heartbeat:
    """Call `beat()` every `period` seconds on a daemon thread while the block runs."""

    def __init__(self, period: float, beat: Callable[[], None]) -> None:
        self.period = period
        self.beat = beat
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._run, name="lease-heartbeat", daemon=True)

    def __enter__(self) -> Heartbeat:
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._done.set()
        self._thread.join(timeout=30)

    def _run(self) -> None:
        while not self._done.wait(self.period):
            try:
                self.beat()
            except Exception:  # the thread's boundary: a failed renewal is retried next beat
                log.exception("lease renewal failed")

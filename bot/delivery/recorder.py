"""Recording send results in groups: one transaction for the sends that ended meanwhile.

A worker's send threads each hand their result to its one `Recorder` and wait until it is
committed, so a send is never reported done before its row says so (a worker killed
then repeats at most the sends in flight, as before). The recorder writes whatever has
queued since its last commit in one transaction: each row (only if this worker still
holds it), then the rate rows, once each, with every send's slots counted at its end
(the order the heartbeat locks them in); a send's slots, once counted, are dropped from
it under the heartbeat's lock, or the heartbeat, renewing what the worker still holds,
would mark them in flight again for a lease (found by a stalled Telegram run: a chat
blocked for 30 s). At 100 sends a second that is a few
transactions a second on the shared rate row instead of a hundred. A group that fails
is retried one record at a time, so one bad record fails alone.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import update
from sqlalchemy.orm import Session

from bot.delivery import rate_limit
from bot.delivery.claimer import Claimed
from bot.statuses import OutboxStatus
from db.models import OutboxMessage
from db.session import Database

log = logging.getLogger("wbl.dispatch")


@dataclass
class Record:
    """One send's result: the row's new values, and what else to write with them."""

    item: Claimed
    values: dict[str, object]
    also: Callable[[Session], None] | None = None
    done: threading.Event = field(default_factory=threading.Event)
    error: BaseException | None = None


class Recorder:
    """The one thread that writes a worker's send results."""

    def __init__(self, database: Database, worker: str, lock: threading.Lock) -> None:
        self.database = database
        self.worker = worker
        self._lock = lock  # held by the heartbeat too: rows this worker holds, one writer
        self._queue: queue.SimpleQueue[Record | None] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._start_lock = threading.Lock()

    def record(
        self, item: Claimed, also: Callable[[Session], None] | None, values: dict[str, object]
    ) -> None:
        """Write `item`'s result and count its send; returns once committed (or raises)."""
        self._ensure_started()
        entry = Record(item, values, also)
        self._queue.put(entry)
        entry.done.wait()
        if entry.error is not None:
            raise entry.error

    def close(self) -> None:
        """Stop the thread once it has written what is queued."""
        if self._thread is not None:
            self._queue.put(None)
            self._thread.join()
            self._thread = None

    def _ensure_started(self) -> None:
        with self._start_lock:
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="wbl-record", daemon=True)
                self._thread.start()

    def _run(self) -> None:
        while True:
            first = self._queue.get()
            if first is None:
                return
            group = [first]
            while True:
                try:
                    more = self._queue.get_nowait()
                except queue.Empty:
                    break
                if more is None:
                    self._queue.put(None)  # stop after this group
                    break
                group.append(more)
            self._write_all(group)

    def _write_all(self, group: list[Record]) -> None:
        try:
            self._write(group)
        except Exception as exc:
            if len(group) == 1:
                group[0].error = exc
            else:
                for entry in group:  # one at a time: only the bad one fails
                    self._write_all([entry])
                return
        for entry in group:
            entry.done.set()

    def _write(self, group: list[Record]) -> None:
        with self._lock:
            self._commit(group)
            for entry in group:  # counted: the heartbeat must not mark them in flight again
                entry.item.slots = []

    def _commit(self, group: list[Record]) -> None:
        with self.database.transaction() as s:
            for entry in group:
                s.execute(
                    update(OutboxMessage)
                    .where(
                        OutboxMessage.id == entry.item.envelope.id,
                        OutboxMessage.status == OutboxStatus.SENDING,
                        OutboxMessage.claimed_by == self.worker,
                    )
                    .values(claimed_by=None, lease_until=None, **entry.values)
                )
                if entry.also is not None:
                    entry.also(s)
            sends = [(slot, e.item.ended) for e in group for slot in e.item.slots]
            rate_limit.settle(s, sends)

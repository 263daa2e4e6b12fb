"""Provider rate limits shared by every worker process, counted in the database.

A limit of `rate` messages a second allows at most cap = max(1, floor(rate)) sends in any
cap / rate seconds (plus a small margin): the rule Twilio and Telegram enforce. Each
limited key (a channel, or one recipient) has a `rate_buckets` row holding a ring of
`cap` slots, the instant each of the last `cap` sends ended; a slot is free once its
instant is a window old.

`Bucket.open(session, key, rate)` locks the row for the caller's transaction (PostgreSQL
`FOR UPDATE`; on SQLite the transaction's `BEGIN IMMEDIATE` already holds the one write
lock), so workers take slots one after another. A taken slot is marked "in flight until"
now + hold; once the send has ended the caller `settle`s it to that instant. A worker
that dies mid-send leaves its marks; they lapse after `hold` (a live worker `extend`s
them while its batch is in progress).

A send counts at its end. The provider counts a request when it arrives, somewhere
between the send's start and its end, and only the end is certain: then the provider,
who saw it no later, never sees `cap + 1` in a window. The price is that a slot cycles
once per window plus a round trip: at most cap / (window + round trip), 95.2% of the
limit with 50-ms answers, and no rule that is certain can do better (a send may count as
early as its start only if the request is known to arrive then). Two earlier counts were
tried and each drew 429s from the local Telegram server on a busy machine: the start plus
25 ms, and the end less the fastest round trip seen plus 10 ms (a request delayed on its
way out by the client's own event loop).

Instants come from the database's clock on PostgreSQL, so workers on several machines
agree; SQLite lives on one machine, whose clock it is.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import delete, extract, func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from db.models import RateBucket

MARGIN_S = 0.002  # clock reads (the instants are converted on the safe side)


@dataclass
class Slot:
    """A slot this worker took: where it is, its in-flight mark, what was there before,
    and when (`time.monotonic()`) the send may start."""

    key: str
    index: int
    mark: float
    previous: float
    start: float = 0.0


def capacity(rate: float) -> tuple[int, float]:
    """(cap, window seconds) of a limit of `rate` messages a second."""
    cap = max(1, math.floor(rate))
    return cap, cap / rate + MARGIN_S


def db_now(s: Session) -> float:
    """Now, in epoch seconds, by the database's clock (PostgreSQL) or this machine's."""
    if s.get_bind().dialect.name == "postgresql":
        return float(s.scalar(select(extract("epoch", func.clock_timestamp()))) or 0.0)
    return time.time()


class Bucket:
    """One limit's row, locked for the caller's transaction."""

    def __init__(self, row: RateBucket, rate: float, now: Instant) -> None:
        self.row = row
        self.now = now.db
        self.mono = now.after  # a slot's start, converted to this clock, is never early
        self.cap, self.window = capacity(rate)
        self.slots = _ring(row.slots, self.cap)

    @classmethod
    def open(cls, s: Session, key: str, rate: float) -> Bucket:
        """Lock (creating it if need be) the row of `key`, a limit of `rate` a second."""
        return cls.open_many(s, [key], rate)[key]

    @classmethod
    def open_many(cls, s: Session, keys: list[str], rate: float) -> dict[str, Bucket]:
        """`open` for several keys of one rate, locked in key order, with one clock read."""
        wanted = sorted(set(keys))
        rows, now = _locked(s, wanted)
        missing = [key for key in wanted if key not in rows]
        if missing:
            ins = pg_insert if s.get_bind().dialect.name == "postgresql" else sqlite_insert
            values = [{"key": key, "slots": "", "touched": 0.0} for key in missing]
            s.execute(ins(RateBucket).values(values).on_conflict_do_nothing())
            rows, now = _locked(s, wanted)
        return {key: cls(rows[key], rate, now) for key in wanted}

    def free(self, ahead: float = 0.0) -> int:
        """How many sends may start within `ahead` seconds."""
        return sum(1 for t in self.slots if t + self.window <= self.now + ahead)

    def wait(self, ahead: float = 0.0) -> float:
        """Seconds until a send may start within `ahead` seconds (0: one may already)."""
        return max(0.0, min(self.slots) + self.window - self.now - ahead)

    def take(self, n: int, hold: float, ahead: float = 0.0) -> list[Slot]:
        """Take up to `n` slots free within `ahead` seconds (each `Slot.delay` says when),
        each in flight for at most `hold` seconds after that."""
        order = sorted(range(self.cap), key=lambda i: self.slots[i])
        taken: list[Slot] = []
        for i in order[:n]:
            delay = self.slots[i] + self.window - self.now
            if delay > ahead:
                break
            delay = max(0.0, delay)
            mark = self.now + delay + hold
            taken.append(Slot(self.row.key, i, mark, self.slots[i], self.mono + delay))
            self.slots[i] = mark
        if taken:
            self._save()
        return taken

    def _save(self) -> None:
        self.row.slots = " ".join(repr(t) for t in self.slots)
        self.row.touched = self.now


def settle(s: Session, sends: list[tuple[Slot, float]]) -> None:
    """Count each slot's send at the instant it ended (`time.monotonic()`), never earlier:
    the instant is converted with the monotonic reading taken before `now`."""
    at = {id(slot): counted for slot, counted in sends}
    _edit(
        s,
        [slot for slot, _ in sends],
        lambda slot, now: now.db - max(0.0, now.before - at[id(slot)]),
    )


def extend(s: Session, slots: list[Slot], hold: float) -> None:
    """Keep `slots` in flight for `hold` more seconds (their sends have not ended yet)."""
    _edit(s, slots, lambda slot, now: now.db + hold)


def give_back(s: Session, slots: list[Slot]) -> None:
    """Free `slots` whose sends never started (as they were before they were taken)."""
    _edit(s, slots, lambda slot, now: slot.previous)


def forget_idle(s: Session, older_than_s: float) -> int:
    """Delete the rows of limits unused for `older_than_s` seconds (recipients come and go)."""
    cutoff = db_now(s) - older_than_s
    result = s.execute(delete(RateBucket).where(RateBucket.touched < cutoff))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def _edit(s: Session, slots: list[Slot], value: Callable[[Slot, Instant], float]) -> None:
    """Write `value(slot, now)` into each slot this worker still holds (its mark is there)."""
    if not slots:
        return
    rows, now = _locked(s, sorted({slot.key for slot in slots}))
    for key, row in rows.items():
        ring = _ring(row.slots, 0)
        for slot in (x for x in slots if x.key == key):
            if slot.index < len(ring) and ring[slot.index] == slot.mark:
                ring[slot.index] = slot.mark = value(slot, now)
        row.slots = " ".join(repr(t) for t in ring)
        row.touched = max(row.touched, now.db)


def _locked(s: Session, keys: list[str]) -> tuple[dict[str, RateBucket], Instant]:
    """The rows of `keys` (sorted: every worker locks in one order), locked, and now
    (read once the locks are held)."""
    stmt = _LOCK.where(RateBucket.key.in_(keys)).order_by(RateBucket.key)
    rows = {row.key: row for row in s.scalars(stmt)}
    before = time.monotonic()
    now = db_now(s)
    return rows, Instant(now, before, time.monotonic())


@dataclass(frozen=True)
class Instant:
    """Now by the database's clock, and this process's monotonic clock just before and
    just after it was read (so a time converted either way errs on the safe side)."""

    db: float
    before: float
    after: float


_LOCK = select(RateBucket).with_for_update().execution_options(populate_existing=True)


def _ring(text: str, cap: int) -> list[float]:
    """The stored instants, fitted to `cap` slots (0: as stored); 0.0 = never used."""
    ring = [float(x) for x in text.split()] if text else []
    if cap <= 0:
        return ring
    if len(ring) > cap:
        ring = sorted(ring)[-cap:]
    return ring + [0.0] * (cap - len(ring))
